//===- ValidationTest.cpp - Each load-time check, one case each -----------===//
//
// Every case edits a valid artifact so that exactly one check fails, then
// recomputes the content hash (as a careless writer would), so the check
// under test — not the hash — is what refuses it. The expected message says
// what is wrong and where.
//
//===----------------------------------------------------------------------===//
#include "ModelTestUtil.h"

#include <gtest/gtest.h>

#include <functional>

using namespace mica::test;
using mica::artifact::Artifact;
using mica::artifact::serializeArtifact;
namespace fb = mica::fb;

namespace {

void expectRefused(const Bytes &file, mica_status status,
                   const std::string &message, Mode mode = Mode::Metadata) {
  Loaded m = load(file, mode);
  EXPECT_EQ(m.status, status) << mica_status_name(m.status) << ": " << m.error;
  EXPECT_EQ(m.model, nullptr);
  EXPECT_NE(m.error.find(message), std::string::npos)
      << "expected \"" << message << "\" in \"" << m.error << "\"";
}

// Serializes `a` after `edit`, then applies `patch` to the bytes and rehashes.
Bytes build(const std::function<void(Artifact &)> &edit,
            const std::function<void(Bytes &)> &patch = nullptr) {
  Artifact a = makeAffine();
  if (edit)
    edit(a);
  Bytes file = serializeArtifact(a);
  if (patch) {
    patch(file);
    rehash(file);
  }
  return file;
}

Bytes patched(const std::function<void(Bytes &)> &patch) {
  return build(nullptr, patch);
}

TEST(ModelValidationTest, Header) {
  Bytes good = serializeArtifact(makeAffine());
  expectRefused(Bytes(good.begin(), good.begin() + 63), MICA_ERROR_MALFORMED,
                "artifact is 63 bytes, shorter than its 64-byte header");
  expectRefused(patched([](Bytes &f) { f[0] = 'X'; }), MICA_ERROR_MALFORMED,
                "not a .mica artifact: bad magic at offset 0");
  expectRefused(patched([](Bytes &f) {
                  putLE32(f, offsetof(mica_artifact_header, format_major), 2);
                  putLE32(f, offsetof(mica_artifact_header, format_minor), 3);
                }),
                MICA_ERROR_VERSION,
                "unsupported format version 2.3 (this runtime reads 1.x)");
  // A newer minor of the same major loads: appended fields are ignored.
  Loaded minor = load(patched([](Bytes &f) {
    putLE32(f, offsetof(mica_artifact_header, format_minor), 7);
  }));
  EXPECT_EQ(minor.status, MICA_OK) << minor.error;

  Bytes padded = good;
  padded.resize(good.size() + 64);
  expectRefused(padded, MICA_ERROR_MALFORMED,
                "header says the artifact is " + std::to_string(good.size()) +
                    " bytes but " + std::to_string(padded.size()));
  expectRefused(patched([](Bytes &f) {
                  putLE64(f, offsetof(mica_artifact_header, metadata_offset),
                          128);
                }),
                MICA_ERROR_MALFORMED, "metadata offset is 128, expected 64");
  expectRefused(patched([](Bytes &f) {
                  putLE64(f, offsetof(mica_artifact_header, metadata_size),
                          f.size());
                }),
                MICA_ERROR_MALFORMED, "metadata size");
  Bytes corrupt = good;
  corrupt[good.size() - 1] ^= 1;
  expectRefused(corrupt, MICA_ERROR_MALFORMED, "content hash mismatch");
}

TEST(ModelValidationTest, Metadata) {
  expectRefused(patched([](Bytes &f) { f[64 + 4] = 'X'; }),
                MICA_ERROR_MALFORMED, "lacks the file identifier 'MICA'");
  // The root offset points outside the metadata.
  expectRefused(patched([](Bytes &f) { putLE32(f, 64, 0x7ffffff0); }),
                MICA_ERROR_MALFORMED, "fails the flatbuffers verifier");
  // A too-short metadata size cuts the tables off.
  expectRefused(patched([](Bytes &f) {
                  putLE64(f, offsetof(mica_artifact_header, metadata_size), 32);
                }),
                MICA_ERROR_MALFORMED, "fails the flatbuffers verifier");
}

TEST(ModelValidationTest, SegmentsWithValidHashes) {
  auto segment = [](Bytes &f, uint32_t i) {
    return mutableMeta(f)->mutable_segments()->GetMutableObject(i);
  };
  expectRefused(patched([&](Bytes &f) {
                  auto *s = segment(f, 1);
                  s->mutate_offset(s->offset() + 8);
                }),
                MICA_ERROR_MALFORMED, "segment 1: offset");
  expectRefused(patched([&](Bytes &f) { segment(f, 0)->mutate_offset(64); }),
                MICA_ERROR_MALFORMED,
                "segment 0 at offset 64 overlaps the bytes before it");
  expectRefused(patched([&](Bytes &f) {
                  segment(f, 1)->mutate_offset(segment(f, 0)->offset());
                }),
                MICA_ERROR_MALFORMED, "segment 1 at offset");
  expectRefused(patched([&](Bytes &f) {
                  segment(f, 2)->mutate_offset((f.size() + 64) & ~63ull);
                }),
                MICA_ERROR_MALFORMED, "runs past the end of the");
  expectRefused(
      patched([&](Bytes &f) { segment(f, 2)->mutate_size(~0ull - 32); }),
      MICA_ERROR_MALFORMED, "segment 2 [");
  expectRefused(patched([&](Bytes &f) { segment(f, 0)->mutate_alignment(48); }),
                MICA_ERROR_MALFORMED,
                "segment 0: alignment 48 is not a power of two");
  expectRefused(patched([&](Bytes &f) { segment(f, 2)->mutate_target(1); }),
                MICA_ERROR_MALFORMED,
                "code segment 2: target 1 out of range (1 targets)");
  expectRefused(patched([&](Bytes &f) { segment(f, 0)->mutate_target(0); }),
                MICA_ERROR_MALFORMED, "segment 0: target 0 on a segment that");
  expectRefused(patched([&](Bytes &f) {
                  segment(f, 1)->mutate_hash(segment(f, 1)->hash() + 1);
                }),
                MICA_ERROR_MALFORMED, "segment 1 [");
  // Weights edited after writing: the segment hash catches it even when the
  // content hash was recomputed.
  expectRefused(patched([&](Bytes &f) { f[segment(f, 0)->offset()] ^= 0x40; }),
                MICA_ERROR_MALFORMED, "hash mismatch (metadata says");
}

TEST(ModelValidationTest, StepIndices) {
  auto step = [](Bytes &f, uint32_t e, uint32_t s) {
    return mutableMeta(f)
        ->mutable_entry_points()
        ->GetMutableObject(e)
        ->mutable_steps()
        ->GetMutableObject(s);
  };
  expectRefused(
      patched([&](Bytes &f) { step(f, 0, 1)->mutate_code_segment(9); }),
      MICA_ERROR_MALFORMED,
      "entry 'main' step 1 'mica_test_scale': code segment 9 out of "
      "range (3 segments)");
  expectRefused(
      patched([&](Bytes &f) { step(f, 0, 0)->mutate_code_segment(1); }),
      MICA_ERROR_MALFORMED, "segment 1 is not code for target 0");
  expectRefused(patched([&](Bytes &f) { step(f, 2, 0)->mutate_target(3); }),
                MICA_ERROR_MALFORMED,
                "entry 'bad_shape' step 0 'mica_test_bad_shape': target 3 out "
                "of range (1 targets)");
  expectRefused(
      build([](Artifact &a) { a.entryPoints[0].steps[1].nodes = {1, 3}; }),
      MICA_ERROR_MALFORMED, "node 3 out of range (3 nodes)");
  expectRefused(
      build([](Artifact &a) { a.entryPoints[1].steps[0].symbol = ""; }),
      MICA_ERROR_MALFORMED, "entry 'fail' step 0 has no symbol");
  expectRefused(build([](Artifact &a) { a.nodes[2].step = 2; }),
                MICA_ERROR_MALFORMED,
                "node 2 'rows': step 2 out of range (2 steps)");
  expectRefused(build([](Artifact &a) { a.nodes[0].entryPoint = 3; }),
                MICA_ERROR_MALFORMED,
                "node 0 'add': entry point 3 out of range (3 entries)");
  expectRefused(build([](Artifact &a) { a.entryPoints[2].name = ""; }),
                MICA_ERROR_MALFORMED, "entry point 2 has no name");
  expectRefused(build([](Artifact &a) { a.entryPoints[2].name = "main"; }),
                MICA_ERROR_MALFORMED,
                "entry points 0 and 2 are both named 'main'");
  expectRefused(
      build([](Artifact &a) { a.entryPoints[0].arenaAlignment = 12; }),
      MICA_ERROR_MALFORMED,
      "entry 'main': arena alignment 12 is not a power of two");
  // "target 0 'host' has no arch" ('arm64' on AArch64).
  expectRefused(build([](Artifact &a) { a.targets[0].arch = ""; }),
                MICA_ERROR_MALFORMED, "' has no arch");
  // A symbol the code segment does not define: found when binding kernels.
  expectRefused(build([](Artifact &a) {
                  a.entryPoints[0].steps[0].symbol = "mica_test_nope";
                }),
                MICA_ERROR_UNRESOLVED_SYMBOL,
                "entry 'main' step 0: code segment 2 defines no symbol "
                "'mica_test_nope'",
                Mode::Code);
  // Code that is not an ELF object: the loader's message, with the segment.
  expectRefused(build([](Artifact &a) { a.segments[2].bytes.assign(200, 7); }),
                MICA_ERROR_MALFORMED, "code segment 2 [", Mode::Code);
}

TEST(ModelValidationTest, TensorSpecs) {
  using mica::artifact::TensorSpec;
  auto withInput = [](TensorSpec spec) {
    return build([spec](Artifact &a) { a.entryPoints[0].inputs[0] = spec; });
  };
  expectRefused(withInput({"x", MICA_DTYPE_FLOAT32, {-1, 4}, {8}, {}}),
                MICA_ERROR_MALFORMED,
                "entry 'main' input 0 'x': shape has 2 dims but max_shape has "
                "1");
  expectRefused(withInput({"x", 8, {4}, {4}, {}}), MICA_ERROR_MALFORMED,
                "entry 'main' input 0 'x': unknown dtype 8");
  expectRefused(withInput({"x", MICA_DTYPE_FLOAT32, {3, 4}, {8, 4}, {}}),
                MICA_ERROR_MALFORMED,
                "static shape[0] is 3 but max_shape[0] is 8");
  expectRefused(withInput({"x", MICA_DTYPE_FLOAT32, {-1}, {-5}, {}}),
                MICA_ERROR_MALFORMED, "max_shape[0] is -5");
  expectRefused(withInput({"x", MICA_DTYPE_FLOAT32, {-2}, {5}, {}}),
                MICA_ERROR_MALFORMED, "shape[0] is -2 (-1 marks a symbolic");
  expectRefused(withInput({"x", MICA_DTYPE_FLOAT32, {-1}, {5}, {"a", "b"}}),
                MICA_ERROR_MALFORMED, "2 dim_names for rank 1");
  expectRefused(withInput({"x",
                           MICA_DTYPE_FLOAT64,
                           {-1, -1, -1},
                           {1ll << 30, 1ll << 30, 1ll << 30},
                           {}}),
                MICA_ERROR_MALFORMED, "size of max_shape overflows");
  // The shape vector moved by 4 bytes: its length (2) and its bytes still
  // verify, but its int64 elements are misaligned, which the flatbuffers
  // verifier does not check.
  expectRefused(
      build(
          [](Artifact &a) {
            a.entryPoints[0].inputs[0] = {
                "x", MICA_DTYPE_FLOAT32, {2, 4}, {2, 4}, {}};
          },
          [](Bytes &f) {
            auto *spec = mutableMeta(f)
                             ->mutable_entry_points()
                             ->GetMutableObject(0)
                             ->mutable_inputs()
                             ->GetMutableObject(0);
            uint8_t *field =
                reinterpret_cast<flatbuffers::Table *>(spec)->GetAddressOf(
                    fb::TensorSpec::VT_SHAPE);
            uint32_t offset;
            std::memcpy(&offset, field, 4);
            offset += 4;
            std::memcpy(field, &offset, 4);
          }),
      MICA_ERROR_MALFORMED,
      "entry 'main' input 0 'x': shape or max_shape is not 8-byte aligned");
  expectRefused(
      build([](Artifact &a) { a.entryPoints[1].outputs[0].maxShape[1] = 5; }),
      MICA_ERROR_MALFORMED,
      "entry 'fail' output 0 'y': static shape[1] is 4 but "
      "max_shape[1] is 5");
}

// --- Target checks ---------------------------------------------------------

struct FakeCpu {
  std::vector<std::string> has; // everything else is known and absent
};

int fakeProbe(const char *name, size_t len, void *user) {
  std::string feature(name, len);
  if (feature == "mica-unknown")
    return -1;
  for (const std::string &f : static_cast<FakeCpu *>(user)->has)
    if (f == feature)
      return 1;
  return 0;
}

TEST(ModelValidationTest, TargetArchitecture) {
  Bytes foreign = serializeArtifact(makeAffine({kForeignArch, {}}));
  expectRefused(
      foreign, MICA_ERROR_TARGET_MISMATCH,
      std::string("target 0 '") +
          (std::string(kForeignArch) == "aarch64" ? "arm64" : "host") +
          "' is compiled for " + kForeignArch,
      Mode::Code);
  expectRefused(foreign, MICA_ERROR_TARGET_MISMATCH, "is compiled for",
                Mode::Linked);
}

TEST(ModelValidationTest, MissingCpuFeatureViaTheSeam) {
  Bytes file = serializeArtifact(
      makeAffine({kHostArch, {"+neonish", "-sve", "+avx2", "mica-unknown"}}));
  FakeCpu cpu{{"neonish"}};
  Loaded m = load(file, Mode::Code, fakeProbe, &cpu);
  EXPECT_EQ(m.status, MICA_ERROR_TARGET_MISMATCH);
  EXPECT_NE(m.error.find("needs CPU feature +avx2, which this CPU lacks"),
            std::string::npos)
      << m.error;
  EXPECT_EQ(load(file, Mode::Linked, fakeProbe, &cpu).status,
            MICA_ERROR_TARGET_MISMATCH);
  // Metadata-only loads do not look at the CPU.
  EXPECT_EQ(load(file, Mode::Metadata, fakeProbe, &cpu).status, MICA_OK);

  cpu.has.push_back("avx2");
  Loaded ok = load(file, Mode::Code, fakeProbe, &cpu);
  EXPECT_EQ(ok.status, MICA_OK) << ok.error;
}

TEST(ModelValidationTest, RealCpuProbe) {
  // Baseline features every machine of the architecture has, "-x" entries
  // and names unknown to the checker: all accepted.
#if defined(__x86_64__)
  std::vector<std::string> baseline = {"+sse2", "+cmov", "-avx512fp16",
                                       "+mica-made-up", "+64bit"};
  const char *known = "avx2";
#else
  std::vector<std::string> baseline = {"+neon", "+fp-armv8", "-sve2",
                                       "+mica-made-up"};
  const char *known = "dotprod";
#endif
  Loaded m = load(serializeArtifact(makeAffine({kHostArch, baseline})));
  EXPECT_EQ(m.status, MICA_OK) << m.error;
  // The real probe agrees with itself on a feature it knows.
  int has = mica_host_cpu_probe(known, strlen(known), nullptr);
  EXPECT_TRUE(has == 0 || has == 1);
  EXPECT_EQ(mica_host_cpu_probe("mica-made-up", 12, nullptr), -1);
  Loaded k = load(
      serializeArtifact(makeAffine({kHostArch, {std::string("+") + known}})));
  EXPECT_EQ(k.status, has ? MICA_OK : MICA_ERROR_TARGET_MISMATCH) << k.error;
  EXPECT_STREQ(mica_host_arch(), kHostArch);
}

} // namespace

// An artifact names what it needs beyond the format; a runtime refuses what
// it does not implement (a newer compiler's feature) and reports what it
// accepted.
TEST(ModelValidationTest, RequiredFeatures) {
  expectRefused(
      build([](Artifact &a) { a.requiredFeatures = {"streamed_segments"}; }),
      MICA_ERROR_UNSUPPORTED,
      "requires the feature 'streamed_segments', which this runtime does not "
      "implement");
  Loaded m = load(build(
      [](Artifact &a) { a.requiredFeatures = {MICA_FEATURE_ENTRY_POINTS}; }));
  ASSERT_EQ(m.status, MICA_OK) << m.error;
  ASSERT_EQ(mica_model_num_required_features(m.model.get()), 1u);
  EXPECT_STREQ(mica_model_required_feature(m.model.get(), 0), "entry_points");
  EXPECT_EQ(mica_model_required_feature(m.model.get(), 1), nullptr);
  Loaded plain = load(build(nullptr));
  ASSERT_EQ(plain.status, MICA_OK) << plain.error;
  EXPECT_EQ(mica_model_num_required_features(plain.model.get()), 0u);
}

// Streamed weights (format 1.4): the "chain" artifact, segments 1 and 2
// streamed after the code (ModelTestUtil.h), edited so that exactly one
// check fails; both hashes are recomputed.
namespace {

Bytes chainPatched(const std::function<void(Artifact &)> &edit,
                   const std::function<void(Bytes &)> &patch = nullptr) {
  Artifact a = makeChain(2);
  if (edit)
    edit(a);
  Bytes file = serializeArtifact(a);
  if (patch) {
    patch(file);
    rehashAll(file);
  }
  return file;
}

uint64_t headerResident(const Bytes &f) {
  mica_artifact_header header;
  std::memcpy(&header, f.data(), sizeof(header));
  return header.resident_size;
}

// Loads as a streaming load does: only [0, mapped) is given (mapped 0:
// the header's resident size); the file's size is still the whole file's.
Loaded loadPrefix(const Bytes &file, size_t mapped = 0) {
  if (!mapped)
    mapped = headerResident(file);
  Loaded out;
  out.bytes = std::make_unique<Aligned>(
      Bytes(file.begin(), file.begin() + (ptrdiff_t)mapped));
  char error[512] = {0};
  mica_msg msg = {error, sizeof(error)};
  mica_load_request request = {};
  request.mode = MICA_LOAD_METADATA;
  request.mapped = mapped;
  mica_model *model = nullptr;
  out.status = mica_model_load_with(out.bytes->data(), file.size(), &request,
                                    &model, &msg);
  out.model.reset(model);
  out.error = error;
  return out;
}

void expectPrefixRefused(const Bytes &file, mica_status status,
                         const std::string &message, size_t mapped = 0) {
  Loaded m = loadPrefix(file, mapped);
  EXPECT_EQ(m.status, status) << mica_status_name(m.status) << ": " << m.error;
  EXPECT_NE(m.error.find(message), std::string::npos)
      << "expected \"" << message << "\" in \"" << m.error << "\"";
}

fb::Segment *mutableSegment(Bytes &f, uint32_t i) {
  return mutableMeta(f)->mutable_segments()->GetMutableObject(i);
}

} // namespace

TEST(ModelValidationTest, StreamedLoads) {
  const Bytes good = chainPatched(nullptr);
  ASSERT_EQ(headerResident(good) % MICA_ARTIFACT_STREAM_ALIGNMENT, 0u);
  // Memory mode: every segment resident and checked.
  Loaded whole = load(good, Mode::Linked);
  ASSERT_EQ(whole.status, MICA_OK) << whole.error;
  EXPECT_NE(whole.model->segment_bases[1], nullptr);
  // The prefix only: streamed bases are left to a loader.
  Loaded prefix = loadPrefix(good);
  ASSERT_EQ(prefix.status, MICA_OK) << prefix.error;
  EXPECT_EQ(prefix.model->segment_bases[1], nullptr);
  EXPECT_EQ(prefix.model->segment_bases[2], nullptr);
  EXPECT_NE(prefix.model->segment_bases[0], nullptr);
  EXPECT_EQ(prefix.model->entries[0].step_streamed[1], 2);
  // A streamed byte changed: the prefix load cannot see it (its hash is
  // checked on the first read), memory mode refuses it.
  Bytes corrupt = chainPatched(
      nullptr, [](Bytes &f) { f[mutableSegment(f, 2)->offset() + 3] ^= 1; });
  EXPECT_EQ(loadPrefix(corrupt).status, MICA_OK);
  expectRefused(corrupt, MICA_ERROR_MALFORMED,
                "segment 2 [" +
                    std::to_string(mutableSegment(corrupt, 2)->offset()) +
                    ", +20000): hash mismatch");
  // The resident hash is what a prefix load checks.
  Bytes badResident = good;
  badResident[offsetof(mica_artifact_header, resident_hash)] ^= 1;
  rehash(badResident); // the content hash only
  EXPECT_EQ(load(badResident).status, MICA_OK);
  expectPrefixRefused(badResident, MICA_ERROR_MALFORMED,
                      "resident hash mismatch");
  // What is mapped must be the resident prefix.
  expectPrefixRefused(good, MICA_ERROR_INVALID_ARGUMENT,
                      "but the resident size is", headerResident(good) - 64);
}

TEST(ModelValidationTest, StreamedSegments) {
  expectRefused(chainPatched([](Artifact &a) { a.requiredFeatures.clear(); }),
                MICA_ERROR_MALFORMED,
                "streamed segment 1 needs the feature 'streamed_weights'");
  expectRefused(chainPatched(nullptr,
                             [](Bytes &f) {
                               mutableSegment(f, 1)->mutate_encoding(
                                   fb::SegmentEncoding::ZeroBitmap);
                             }),
                MICA_ERROR_MALFORMED, "streamed segment 1 needs");
  expectRefused(
      chainPatched(nullptr,
                   [](Bytes &f) {
                     putLE64(f, offsetof(mica_artifact_header, resident_size),
                             0);
                   }),
      MICA_ERROR_MALFORMED, "a resident size (0)");
  expectRefused(
      chainPatched(
          nullptr,
          [](Bytes &f) { mutableSegment(f, 2)->mutate_alignment(131072); }),
      MICA_ERROR_MALFORMED,
      "segment 2: alignment 131072 is not a power of two up to 65536");
  // Resident segments lie before resident_size, streamed ones after it.
  expectRefused(
      chainPatched(nullptr,
                   [](Bytes &f) {
                     putLE64(f, offsetof(mica_artifact_header, resident_size),
                             mutableSegment(f, 3)->offset());
                   }),
      MICA_ERROR_MALFORMED, "bytes resident");
  expectRefused(
      chainPatched(nullptr,
                   [](Bytes &f) {
                     putLE64(f, offsetof(mica_artifact_header, resident_size),
                             headerResident(f) + 16384);
                   }),
      MICA_ERROR_MALFORMED, "streamed ones the resident size");
  expectRefused(
      chainPatched(nullptr,
                   [](Bytes &f) {
                     putLE64(f, offsetof(mica_artifact_header, resident_size),
                             10);
                   }),
      MICA_ERROR_MALFORMED, "resident size 10 is outside [");
  expectRefused(
      chainPatched(nullptr,
                   [](Bytes &f) {
                     putLE64(f, offsetof(mica_artifact_header, resident_size),
                             f.size() + 64);
                   }),
      MICA_ERROR_MALFORMED, "is outside [");
  // Step.streamed names a streamed segment.
  for (int32_t bad : {0, 3, 9})
    expectRefused(chainPatched(nullptr,
                               [bad](Bytes &f) {
                                 mutableMeta(f)
                                     ->mutable_entry_points()
                                     ->GetMutableObject(0)
                                     ->mutable_steps()
                                     ->GetMutableObject(1)
                                     ->mutate_streamed(bad);
                               }),
                  MICA_ERROR_MALFORMED,
                  "step 1 'mica_test_chain': streamed segment " +
                      std::to_string(bad) + " is not a streamed segment");
}
