//===- EncodedConstantsTest.cpp - ZeroBitmap constants segments -----------===//
//
// The writer (compiler/artifact/ConstantEncoding.h) and the runtime's check
// and decoder (runtime/model/segment_encoding.cpp) together: every record
// mode decodes to the bytes the kernels read, the writer encodes only where
// that helps and always the same way, and each malformed payload is refused
// with a message naming the segment and chunk, never read out of bounds (the
// sanitizer build runs these too).
//
//===----------------------------------------------------------------------===//
#include "ModelTestUtil.h"

#include <gtest/gtest.h>

#include <functional>

using namespace mica::test;
using mica::artifact::Artifact;
using mica::artifact::encodeConstantSegments;
using mica::artifact::encodeZeroBitmap;
using mica::artifact::SegmentEncoding;
using mica::artifact::serializeArtifact;
namespace fb = mica::fb;

namespace {

uint32_t le32(const Bytes &bytes, size_t at) {
  return mica_le32(bytes.data() + at);
}

// Offset of chunk c's record in a ZeroBitmap payload.
uint32_t recordOffset(const Bytes &payload, uint32_t c) {
  return le32(payload, 8 + 4 * c);
}

std::vector<uint8_t> recordModes(const Bytes &payload) {
  std::vector<uint8_t> modes;
  for (uint32_t c = 0; c < le32(payload, 4); ++c)
    modes.push_back(payload[recordOffset(payload, c)]);
  return modes;
}

const Bytes &weights() {
  static const Bytes bytes = makeAffine().segments[0].bytes;
  return bytes;
}

const Bytes &sparse() {
  static const Bytes bytes = sparseConstants(weights());
  return bytes;
}

// "affine" whose segment 0 stores `payload` as ZeroBitmap of `decodedSize`
// bytes, with valid hashes: only the payload can be wrong.
Bytes withPayload(const Bytes &payload, uint64_t decodedSize) {
  Artifact a = makeAffine();
  a.segments[0].bytes = payload;
  a.segments[0].encoding = SegmentEncoding::ZeroBitmap;
  a.segments[0].decodedSize = decodedSize;
  a.requiredFeatures.push_back(MICA_FEATURE_ENCODED_CONSTANTS);
  return serializeArtifact(a);
}

void expectRefused(const Bytes &file, const std::string &message) {
  for (Mode mode : {Mode::Metadata, Mode::Linked}) {
    Loaded m = load(file, mode);
    EXPECT_EQ(m.status, MICA_ERROR_MALFORMED)
        << mica_status_name(m.status) << ": " << m.error;
    EXPECT_EQ(m.model, nullptr);
    EXPECT_NE(m.error.find(message), std::string::npos)
        << "expected \"" << message << "\" in \"" << m.error << "\"";
  }
}

// Accepted or refused with a message; what loads decodes to its size.
void expectNoCrash(const Bytes &file, const std::string &what) {
  for (Mode mode : {Mode::Linked, Mode::Metadata}) {
    Loaded m = load(file, mode);
    if (m.status != MICA_OK) {
      ASSERT_EQ(m.model, nullptr) << what;
      ASSERT_FALSE(m.error.empty()) << what;
      continue;
    }
    mica_segment_info info;
    ASSERT_EQ(mica_model_segment_info(m.model.get(), 0, &info), MICA_OK);
    if (mode == Mode::Linked && info.decoded_size) {
      const uint8_t *base =
          static_cast<const uint8_t *>(m.model->segment_bases[0]);
      ASSERT_NE(base, nullptr) << what;
      volatile uint8_t sum = 0; // touch every byte (ASan checks the bounds)
      for (uint64_t i = 0; i < info.decoded_size; ++i)
        sum = sum + base[i];
    }
  }
}

// The writer picks each mode for the chunk it was made for.
TEST(EncodedConstantsTest, WriterPicksEachMode) {
  Bytes payload = encodeZeroBitmap(sparse());
  EXPECT_EQ(le32(payload, 0), mica::artifact::kZeroBitmapChunkBytes);
  EXPECT_EQ(recordModes(payload), (std::vector<uint8_t>{0, 1, 2, 3, 2}));
  EXPECT_EQ(recordOffset(payload, 5), payload.size());
  EXPECT_LT(payload.size(), sparse().size());
}

// Loading decodes segment 0 into 64-byte aligned memory the model owns,
// equal to the original bytes; the raw segment 1 stays in the file; the
// kernels compute with the decoded weights.
TEST(EncodedConstantsTest, LoadDecodesAndRuns) {
  Artifact a = makeEncodedAffine();
  ASSERT_EQ(a.segments[0].encoding, SegmentEncoding::ZeroBitmap);
  EXPECT_EQ(a.segments[0].decodedSize, sparse().size());
  EXPECT_EQ(a.segments[1].encoding, SegmentEncoding::Raw);
  EXPECT_EQ(a.segments[2].encoding, SegmentEncoding::Raw);
  EXPECT_EQ(a.requiredFeatures,
            std::vector<std::string>{MICA_FEATURE_ENCODED_CONSTANTS});
  Bytes file = serializeArtifact(a);
  ASSERT_EQ(mica::artifact::validateArtifactBytes(file), "");

  for (Mode mode : {Mode::Code, Mode::Linked}) {
    Loaded m = load(file, mode);
    ASSERT_EQ(m.status, MICA_OK) << m.error;
    const mica_model *model = m.model.get();
    const uint8_t *base = static_cast<const uint8_t *>(model->segment_bases[0]);
    ASSERT_NE(base, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(base) % 64, 0u);
    EXPECT_TRUE(base < m.bytes->data() ||
                base >= m.bytes->data() + m.bytes->size());
    EXPECT_EQ(Bytes(base, base + sparse().size()), sparse());
    const fb::Segment *scale = model->view.meta->segments()->Get(1);
    EXPECT_EQ(model->segment_bases[1], m.bytes->data() + scale->offset());

    mica_segment_info info;
    ASSERT_EQ(mica_model_segment_info(model, 0, &info), MICA_OK);
    EXPECT_EQ(info.encoding, 1u);
    EXPECT_EQ(info.size, a.segments[0].bytes.size());
    EXPECT_EQ(info.decoded_size, sparse().size());
    ASSERT_EQ(mica_model_segment_info(model, 1, &info), MICA_OK);
    EXPECT_EQ(info.encoding, 0u);
    EXPECT_EQ(info.decoded_size, info.size);

    mica_context *raw = nullptr;
    char error[256] = {0};
    ASSERT_EQ(mica_context_create(model, 0, nullptr, 0, 1, &raw, error,
                                  sizeof(error)),
              MICA_OK)
        << error;
    ContextPtr ctx(raw);
    const float x[8] = {1, 2, 3, 4, -1, -2, -3, -4};
    const int64_t shape[2] = {2, 4};
    ASSERT_EQ(
        mica_context_set_input(ctx.get(), 0, x, shape, 2, error, sizeof(error)),
        MICA_OK)
        << error;
    ASSERT_EQ(mica_context_run(ctx.get(), error, sizeof(error)), MICA_OK)
        << error;
    const void *y = nullptr;
    ASSERT_EQ(mica_context_output(ctx.get(), 0, &y, nullptr, nullptr), MICA_OK);
    for (int i = 0; i < 8; ++i)
      EXPECT_FLOAT_EQ(static_cast<const float *>(y)[i],
                      (x[i] + kWeights[i % 4]) * kScale);
  }

  // Metadata-only models never run: nothing is decoded.
  Loaded meta = load(file, Mode::Metadata);
  ASSERT_EQ(meta.status, MICA_OK) << meta.error;
  EXPECT_EQ(meta.model->segment_bases[0], nullptr);
  EXPECT_EQ(meta.model->decoded_segments[0], nullptr);
}

// Segments whose encoding would not be smaller stay raw, and then nothing
// is required; code is never encoded.
TEST(EncodedConstantsTest, RawWhenEncodingDoesNotHelp) {
  Artifact a = makeAffine();
  a.segments[0].bytes = Bytes(sparse().begin(), sparse().begin() + 4096);
  a.segments[2].bytes.resize(a.segments[2].bytes.size() + 65536, 0);
  const Artifact before = a;
  EXPECT_FALSE(encodeConstantSegments(a));
  for (size_t i = 0; i < a.segments.size(); ++i) {
    EXPECT_EQ(a.segments[i].encoding, SegmentEncoding::Raw) << i;
    EXPECT_EQ(a.segments[i].bytes, before.segments[i].bytes) << i;
  }
  EXPECT_TRUE(a.requiredFeatures.empty());
  EXPECT_EQ(serializeArtifact(a), serializeArtifact(before));
}

// Equal input, byte-identical files; encoding again changes nothing and
// lists the feature once.
TEST(EncodedConstantsTest, Deterministic) {
  Artifact a = makeEncodedAffine(), b = makeEncodedAffine();
  Bytes file = serializeArtifact(a);
  EXPECT_EQ(file, serializeArtifact(b));
  EXPECT_FALSE(encodeConstantSegments(a));
  EXPECT_EQ(serializeArtifact(a), file);
  EXPECT_EQ(a.requiredFeatures.size(), 1u);
}

// The segment-level rules: constants only, a known encoding, the feature
// listed, a decoded size the runtime can hold.
TEST(EncodedConstantsTest, SegmentRulesAreChecked) {
  const Bytes payload = encodeZeroBitmap(sparse());
  Artifact a = makeEncodedAffine();
  a.requiredFeatures.clear();
  expectRefused(serializeArtifact(a),
                "segment 0 is encoded (zero_bitmap) but the artifact does not "
                "require the feature 'encoded_constants'");

  a = makeEncodedAffine();
  a.segments[2].encoding = SegmentEncoding::ZeroBitmap;
  expectRefused(serializeArtifact(a),
                "segment 2: encoding 1 on a segment that is not constants "
                "(kind 1): only constants may be encoded");

  a = makeEncodedAffine();
  a.segments[0].encoding = static_cast<SegmentEncoding>(2);
  expectRefused(serializeArtifact(a), "segment 0: unknown encoding 2");

  expectRefused(withPayload(payload, uint64_t(1) << 63),
                "segment 0: decoded size 9223372036854775808 is too large");
}

// Each malformed payload, one case each, refused with the segment and chunk.
TEST(EncodedConstantsTest, MalformedPayloadsAreRefused) {
  const Bytes good = encodeZeroBitmap(sparse());
  const uint64_t size = sparse().size();
  ASSERT_EQ(load(withPayload(good, size), Mode::Linked).status, MICA_OK);
  auto edited = [&](const std::function<void(Bytes &)> &edit) {
    Bytes payload = good;
    edit(payload);
    return withPayload(payload, size);
  };

  expectRefused(withPayload(Bytes(good.begin(), good.begin() + 6), size),
                "segment 0: zero_bitmap payload of 6 bytes is shorter than "
                "its 8-byte header");
  expectRefused(edited([](Bytes &p) { putLE32(p, 0, 0); }),
                "segment 0: zero_bitmap chunk_bytes is 0");
  expectRefused(withPayload(good, size + 4096),
                "segment 0: zero_bitmap has 5 chunks, but " +
                    std::to_string(size + 4096) +
                    " decoded bytes in chunks of 4096 make 6");
  // The offset table is cut off by the end of the segment.
  expectRefused(withPayload(Bytes(good.begin(), good.begin() + 20), size),
                "segment 0: zero_bitmap offset table of 5 chunks ends at 32, "
                "past the 20-byte segment");
  expectRefused(edited([](Bytes &p) { putLE32(p, 8, 36); }),
                "segment 0 chunk 0: record offset 36, expected 32 (the end of "
                "the offset table)");
  expectRefused(withPayload(Bytes(good.begin(), good.end() - 1), size),
                "segment 0: zero_bitmap's last record offset is " +
                    std::to_string(good.size()) +
                    ", expected the segment size " +
                    std::to_string(good.size() - 1));
  const uint32_t words = recordOffset(good, 1), bytes = recordOffset(good, 2);
  expectRefused(edited([&](Bytes &p) { putLE32(p, 8 + 4 * 2, words - 1); }),
                "segment 0 chunk 1: record [" + std::to_string(words) + ", " +
                    std::to_string(words - 1) + ") is not inside the " +
                    std::to_string(good.size()) + "-byte segment in order");
  // A record length off by one: chunk 0 (raw) gains chunk 1's first byte.
  expectRefused(edited([&](Bytes &p) { putLE32(p, 8 + 4, words + 1); }),
                "segment 0 chunk 0: raw record is 4098 bytes, its mode and "
                "bitmap imply 4097");
  expectRefused(edited([&](Bytes &p) { putLE32(p, 8 + 4, words - 1); }),
                "segment 0 chunk 0: raw record is 4096 bytes");
  expectRefused(edited([&](Bytes &p) { putLE32(p, 8 + 4, 32); }),
                "segment 0 chunk 0: empty record (no mode byte)");
  expectRefused(edited([&](Bytes &p) { p[bytes] = 7; }),
                "segment 0 chunk 2: unknown record mode 7 (0 raw, 1 words, 2 "
                "bytes, 3 zero)");
  // Chunk 4 holds the last 1001 bytes: not a whole number of words.
  const uint32_t tail = recordOffset(good, 4);
  expectRefused(edited([&](Bytes &p) { p[tail] = 1; }),
                "segment 0 chunk 4: words record for 1001 bytes, which is not "
                "a whole number of 4-byte words");
  // A bitmap whose popcount disagrees with the record's length.
  expectRefused(edited([&](Bytes &p) { p[words + 1] ^= 1; }),
                "segment 0 chunk 1: words record is");
  expectRefused(edited([&](Bytes &p) { p[bytes + 1] ^= 1; }),
                "segment 0 chunk 2: bytes record is");
  // Bit 1 of the last bitmap byte lies past the 1001 bytes of chunk 4.
  expectRefused(edited([&](Bytes &p) { p[tail + 1 + 125] |= 2; }),
                "segment 0 chunk 4: bytes bitmap sets bits past the chunk's "
                "1001 elements");
  // The zero chunk relabelled: a bitmap mode needs a bitmap.
  const uint32_t zero = recordOffset(good, 3);
  expectRefused(edited([&](Bytes &p) { p[zero] = 2; }),
                "segment 0 chunk 3: bytes record of 1 bytes is shorter than "
                "its mode byte and 512-byte bitmap");
  expectRefused(edited([&](Bytes &p) { p[zero] = 0; }),
                "segment 0 chunk 3: raw record is 1 bytes, its mode and "
                "bitmap imply 4097");
}

// A decoded size of 0 is one empty chunk table; any chunk size reads right.
TEST(EncodedConstantsTest, EdgeSizes) {
  Loaded empty = load(withPayload(encodeZeroBitmap({}), 0), Mode::Linked);
  ASSERT_EQ(empty.status, MICA_OK) << empty.error;
  EXPECT_NE(empty.model->segment_bases[0], nullptr);

  const Bytes &data = sparse();
  for (uint32_t chunk : {1u, 3u, 4u, 100u, 4097u, 1u << 20}) {
    Loaded m = load(withPayload(encodeZeroBitmap(data, chunk), data.size()),
                    Mode::Linked);
    ASSERT_EQ(m.status, MICA_OK) << chunk << ": " << m.error;
    const uint8_t *base =
        static_cast<const uint8_t *>(m.model->segment_bases[0]);
    EXPECT_EQ(Bytes(base, base + data.size()), data) << chunk;
  }
}

// Damage inside the payload with every hash recomputed, so the payload
// checks see it: accepted or refused, never a crash.
TEST(EncodedConstantsTest, DamagedPayloadsNeverCrash) {
  const Bytes good = encodeZeroBitmap(sparse());
  const uint64_t size = sparse().size();
  // The header, the offset table and the first bytes of each record, at
  // every bit.
  std::vector<size_t> positions;
  for (size_t at = 0; at < 32; ++at)
    positions.push_back(at);
  for (uint32_t c = 0; c < 5; ++c)
    for (size_t at = 0; at < 3; ++at)
      positions.push_back(recordOffset(good, c) + at);
  for (size_t at : positions) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes payload = good;
      payload[at] ^= static_cast<uint8_t>(1u << bit);
      expectNoCrash(withPayload(payload, size), "bit " + std::to_string(bit) +
                                                    " of byte " +
                                                    std::to_string(at));
    }
  }
  std::mt19937 rng(11);
  for (int i = 0; i < 300; ++i) {
    Bytes payload = good;
    payload[rng() % payload.size()] = static_cast<uint8_t>(rng());
    expectNoCrash(withPayload(payload, size),
                  "random byte " + std::to_string(i));
  }
  for (size_t len = 0; len < good.size(); len += len < 64 ? 1 : 97)
    expectNoCrash(withPayload(Bytes(good.begin(), good.begin() + len), size),
                  "truncated to " + std::to_string(len));
}

} // namespace
