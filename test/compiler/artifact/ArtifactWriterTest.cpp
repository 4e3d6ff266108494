//===- ArtifactWriterTest.cpp - serializeArtifact's file layout -----------===//
//
// The layout serializeArtifact gives a --memory-budget artifact (format 1.4):
// Streamed segments after every other segment at 16 KiB aligned offsets,
// the header's resident_size and resident_hash, content_hash over the whole
// file, Step.streamed, determinism. Checked on the bytes and the flatbuffer
// itself; one case checks that the runtime's validation accepts the result
// (streaming loads are tested with the runtime, test/runtime/stream).
//
//===----------------------------------------------------------------------===//
#include "compiler/artifact/Artifact.h"

#include "mica/artifact_format.h"
#include "runtime/schema/mica_artifact_generated.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mica;
using namespace mica::artifact;

namespace {

uint64_t readLE64(const std::vector<uint8_t> &file, size_t offset) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | file[offset + i];
  return value;
}

constexpr size_t kContentHash = offsetof(mica_artifact_header, content_hash);
constexpr size_t kResidentSize = offsetof(mica_artifact_header, resident_size);
constexpr size_t kResidentHash = offsetof(mica_artifact_header, resident_hash);

Segment makeSegment(SegmentKind kind, size_t size, uint8_t seed) {
  Segment segment;
  segment.kind = kind;
  segment.bytes.resize(size);
  for (size_t i = 0; i < size; ++i)
    segment.bytes[i] = static_cast<uint8_t>(seed + i * 7);
  if (kind == SegmentKind::Code)
    segment.target = 0;
  return segment;
}

/// Table: resident constants, two streamed blocks, code (what
/// PlanToArtifact gives); two steps, one per streamed block, and one step
/// that streams nothing.
Artifact makeStreamed() {
  Artifact art;
  art.producer = "artifact-writer-test";
  art.targets.push_back(
      {"host", "x86_64-unknown-linux-gnu", "x86_64", "generic", {}});
  art.segments.push_back(makeSegment(SegmentKind::Constants, 100, 1));
  art.segments.push_back(makeSegment(SegmentKind::Streamed, 5000, 2));
  art.segments.push_back(makeSegment(SegmentKind::Streamed, 20000, 3));
  art.segments.push_back(makeSegment(SegmentKind::Code, 300, 4));
  EntryPoint entry;
  for (auto [symbol, streamed] :
       {std::pair<const char *, int32_t>{"mica_main_s0", 1},
        {"mica_main_s1", 2},
        {"mica_main_s2", -1}}) {
    Step step;
    step.codeSegment = 3;
    step.symbol = symbol;
    step.nodes = {static_cast<uint32_t>(entry.steps.size())};
    step.streamed = streamed;
    entry.steps.push_back(step);
  }
  art.entryPoints.push_back(entry);
  for (uint32_t i = 0; i < 3; ++i)
    art.nodes.push_back({"n" + std::to_string(i), "MatMul", i, 0});
  art.requiredFeatures.push_back(MICA_FEATURE_STREAMED_WEIGHTS);
  return art;
}

const fb::Model *parse(const std::vector<uint8_t> &file) {
  uint64_t metadataSize =
      readLE64(file, offsetof(mica_artifact_header, metadata_size));
  flatbuffers::Verifier verifier(file.data() + MICA_ARTIFACT_HEADER_SIZE,
                                 metadataSize);
  if (!fb::VerifyModelBuffer(verifier))
    return nullptr;
  return fb::GetModel(file.data() + MICA_ARTIFACT_HEADER_SIZE);
}

/// FNV-1a 64 of file[0, size) with both hash fields taken as zero.
uint64_t hashWithoutHashes(std::vector<uint8_t> file, size_t size) {
  std::memset(file.data() + kContentHash, 0, 8);
  std::memset(file.data() + kResidentHash, 0, 8);
  return mica_fnv1a64(file.data(), size, MICA_FNV_OFFSET_BASIS);
}

// Streamed segments follow the code at 16 KiB aligned offsets, in table
// order; the others keep their 64-aligned places in table order; every
// segment's bytes and hash are where the metadata says.
TEST(ArtifactWriterTest, StreamedSegmentsFollowCodeAtPageOffsets) {
  Artifact art = makeStreamed();
  std::vector<uint8_t> file = serializeArtifact(art);
  const fb::Model *model = parse(file);
  ASSERT_TRUE(model);
  const auto *segments = model->segments();
  ASSERT_EQ(segments->size(), 4u);

  const auto *constants = segments->Get(0);
  const auto *first = segments->Get(1);
  const auto *second = segments->Get(2);
  const auto *code = segments->Get(3);
  EXPECT_EQ(first->kind(), fb::SegmentKind::Streamed);
  EXPECT_EQ(second->kind(), fb::SegmentKind::Streamed);
  EXPECT_EQ(constants->alignment(), uint32_t(MICA_ARTIFACT_ALIGNMENT));
  EXPECT_EQ(code->alignment(), uint32_t(MICA_ARTIFACT_ALIGNMENT));
  EXPECT_EQ(first->alignment(), uint32_t(MICA_ARTIFACT_STREAM_ALIGNMENT));
  EXPECT_EQ(second->alignment(), uint32_t(MICA_ARTIFACT_STREAM_ALIGNMENT));

  // File order: constants, code, streamed (table order elsewhere).
  EXPECT_EQ(constants->offset() % MICA_ARTIFACT_ALIGNMENT, 0u);
  EXPECT_EQ(code->offset() % MICA_ARTIFACT_ALIGNMENT, 0u);
  EXPECT_GE(code->offset(), constants->offset() + constants->size());
  EXPECT_LT(code->offset() - (constants->offset() + constants->size()),
            uint64_t(MICA_ARTIFACT_ALIGNMENT));
  EXPECT_EQ(first->offset() % MICA_ARTIFACT_STREAM_ALIGNMENT, 0u);
  EXPECT_EQ(second->offset() % MICA_ARTIFACT_STREAM_ALIGNMENT, 0u);
  EXPECT_GE(first->offset(), code->offset() + code->size());
  EXPECT_LT(first->offset() - (code->offset() + code->size()),
            uint64_t(MICA_ARTIFACT_STREAM_ALIGNMENT));
  EXPECT_GE(second->offset(), first->offset() + first->size());
  EXPECT_EQ(readLE64(file, offsetof(mica_artifact_header, file_size)),
            file.size());
  EXPECT_EQ(file.size(), second->offset() + second->size());

  for (uint32_t i = 0; i < segments->size(); ++i) {
    const auto *segment = segments->Get(i);
    const std::vector<uint8_t> &bytes = art.segments[i].bytes;
    ASSERT_EQ(segment->size(), bytes.size()) << "segment " << i;
    EXPECT_EQ(std::memcmp(file.data() + segment->offset(), bytes.data(),
                          bytes.size()),
              0)
        << "segment " << i;
    EXPECT_EQ(segment->hash(),
              mica_fnv1a64(bytes.data(), bytes.size(), MICA_FNV_OFFSET_BASIS))
        << "segment " << i;
  }
  // The padding before the first streamed segment is zeros.
  for (uint64_t at = code->offset() + code->size(); at < first->offset(); ++at)
    ASSERT_EQ(file[at], 0) << "at " << at;
}

// resident_size is the first streamed offset; resident_hash covers
// [0, resident_size) with both hash fields zero; content_hash covers the
// whole file with its own field zero (resident_hash included).
TEST(ArtifactWriterTest, HeaderHashesCoverPrefixAndFile) {
  std::vector<uint8_t> file = serializeArtifact(makeStreamed());
  const fb::Model *model = parse(file);
  ASSERT_TRUE(model);
  uint64_t residentSize = readLE64(file, kResidentSize);
  EXPECT_EQ(residentSize, model->segments()->Get(1)->offset());
  EXPECT_EQ(readLE64(file, kResidentHash),
            hashWithoutHashes(file, residentSize));

  std::vector<uint8_t> withoutContent = file;
  std::memset(withoutContent.data() + kContentHash, 0, 8);
  EXPECT_EQ(readLE64(file, kContentHash),
            mica_fnv1a64(withoutContent.data(), withoutContent.size(),
                         MICA_FNV_OFFSET_BASIS));
  EXPECT_NE(readLE64(file, kResidentHash), readLE64(file, kContentHash));

  // format_major and format_minor: one little-endian u64 from offset 8.
  EXPECT_EQ(readLE64(file, offsetof(mica_artifact_header, format_major)),
            uint64_t(MICA_ARTIFACT_FORMAT_MAJOR) |
                uint64_t(MICA_ARTIFACT_FORMAT_MINOR) << 32);
}

// The runtime's load-time validation (whole file) accepts the layout.
TEST(ArtifactWriterTest, RuntimeAcceptsStreamedLayout) {
  EXPECT_EQ(validateArtifactBytes(serializeArtifact(makeStreamed())), "");
}

// Step.streamed and the required feature survive the flatbuffer.
TEST(ArtifactWriterTest, StepStreamedRoundTrips) {
  std::vector<uint8_t> file = serializeArtifact(makeStreamed());
  const fb::Model *model = parse(file);
  ASSERT_TRUE(model);
  const auto *steps = model->entry_points()->Get(0)->steps();
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_EQ(steps->Get(0)->streamed(), 1);
  EXPECT_EQ(steps->Get(1)->streamed(), 2);
  EXPECT_EQ(steps->Get(2)->streamed(), -1);
  EXPECT_EQ(steps->Get(1)->nodes()->Get(0), 1u);
  ASSERT_TRUE(model->required_features());
  ASSERT_EQ(model->required_features()->size(), 1u);
  EXPECT_EQ(model->required_features()->Get(0)->str(),
            MICA_FEATURE_STREAMED_WEIGHTS);
}

// Without streamed segments the layout is that of format 1.3 (segments in
// table order, 64-aligned), resident_size and resident_hash are zero, and
// the runtime accepts the file.
TEST(ArtifactWriterTest, NoStreamedSegmentsLeavesResidentFieldsZero) {
  Artifact art = makeStreamed();
  art.segments.erase(art.segments.begin() + 1, art.segments.begin() + 3);
  for (Step &step : art.entryPoints[0].steps) {
    step.codeSegment = 1;
    step.streamed = -1;
  }
  art.requiredFeatures.clear();
  std::vector<uint8_t> file = serializeArtifact(art);
  const fb::Model *model = parse(file);
  ASSERT_TRUE(model);
  EXPECT_EQ(readLE64(file, kResidentSize), 0u);
  EXPECT_EQ(readLE64(file, kResidentHash), 0u);
  const auto *segments = model->segments();
  EXPECT_LT(segments->Get(0)->offset(), segments->Get(1)->offset());
  EXPECT_EQ(file.size(), segments->Get(1)->offset() + segments->Get(1)->size());
  EXPECT_EQ(validateArtifactBytes(file), "");
}

// Equal inputs give byte-identical files; the streamed layout is stable
// when a segment grows within its page.
TEST(ArtifactWriterTest, Deterministic) {
  EXPECT_EQ(serializeArtifact(makeStreamed()),
            serializeArtifact(makeStreamed()));
  Artifact art = makeStreamed();
  art.segments[1].bytes.resize(MICA_ARTIFACT_STREAM_ALIGNMENT + 1, 9);
  std::vector<uint8_t> file = serializeArtifact(art);
  const fb::Model *model = parse(file);
  ASSERT_TRUE(model);
  EXPECT_EQ(model->segments()->Get(2)->offset(),
            model->segments()->Get(1)->offset() +
                2 * MICA_ARTIFACT_STREAM_ALIGNMENT);
  EXPECT_EQ(file, serializeArtifact(art));
}

} // namespace
