//===- CorruptionTest.cpp - Damaged artifacts never crash the runtime -----===//
//
// Truncation at every length, every single-byte flip, seeded random bit
// flips and garbage: all refused with a message. Then the same damage with
// the content hash recomputed, which sends each damaged file past the hash
// into the verifier and the structural checks: accepted or refused, never a
// crash (the sanitizer build runs these too). Nothing loaded here is run.
//
//===----------------------------------------------------------------------===//
#include "ModelTestUtil.h"

#include <gtest/gtest.h>

#include <random>

using namespace mica::test;
using mica::artifact::serializeArtifact;

namespace {

const Bytes &goodArtifact() {
  static const Bytes bytes = serializeArtifact(makeAffine());
  return bytes;
}

// Refused, with a message, and without a model.
void expectRefused(const Bytes &file, const std::string &what) {
  for (Mode mode : {Mode::Code, Mode::Metadata}) {
    Loaded m = load(file, mode);
    ASSERT_NE(m.status, MICA_OK) << what;
    ASSERT_EQ(m.model, nullptr) << what;
    ASSERT_FALSE(m.error.empty()) << what << ": " << mica_status_name(m.status);
  }
}

// Outcomes of expectNoCrash, per status, to show the damage got past the
// hash and reached the later checks.
struct Outcomes {
  int count[16] = {0};
  int accepted() const { return count[MICA_OK]; }
  int refused(mica_status s) const { return count[s]; }
};

// Either outcome is fine; a model that loads answers every query.
void expectNoCrash(const Bytes &file, const std::string &what,
                   Outcomes *outcomes = nullptr) {
  for (Mode mode : {Mode::Code, Mode::Linked, Mode::Metadata}) {
    Loaded m = load(file, mode);
    if (outcomes && static_cast<int>(m.status) < 16)
      ++outcomes->count[m.status];
    if (m.status != MICA_OK) {
      ASSERT_EQ(m.model, nullptr) << what;
      ASSERT_FALSE(m.error.empty()) << what;
      continue;
    }
    mica_model *model = m.model.get();
    mica_model_summary summary;
    mica_model_get_summary(model, &summary);
    for (uint32_t e = 0; e < mica_model_num_entry_points(model); ++e) {
      for (uint32_t i = 0; i < mica_model_num_inputs(model, e); ++i) {
        mica_tensor_info info;
        ASSERT_EQ(mica_model_input_info(model, e, i, &info), MICA_OK);
        for (int32_t d = 0; d < info.rank; ++d)
          ASSERT_LE(info.shape[d], info.max_shape[d]) << what;
      }
      for (uint32_t s = 0; s < mica_model_num_steps(model, e); ++s)
        ASSERT_NE(mica_model_step_symbol(model, e, s), nullptr);
    }
    for (uint32_t n = 0; n < mica_model_num_nodes(model); ++n)
      ASSERT_NE(mica_model_node_name(model, n), nullptr);
  }
}

TEST(ModelCorruptionTest, TruncatedAtEveryLength) {
  const Bytes &good = goodArtifact();
  for (size_t len = 0; len < good.size(); ++len) {
    Bytes cut(good.begin(), good.begin() + len);
    expectRefused(cut, "truncated to " + std::to_string(len));
    if (len < MICA_ARTIFACT_HEADER_SIZE)
      continue;
    // The header made to agree with the cut, and rehashed.
    putLE64(cut, offsetof(mica_artifact_header, file_size), len);
    rehash(cut);
    expectRefused(cut, "truncated and rehashed at " + std::to_string(len));
  }
}

TEST(ModelCorruptionTest, EveryByteFlipped) {
  Bytes file = goodArtifact();
  for (size_t i = 0; i < file.size(); ++i) {
    file[i] ^= 0xff;
    // FNV-1a changes for every single-byte change: always refused.
    expectRefused(file, "byte " + std::to_string(i) + " flipped");
    file[i] ^= 0xff;
  }
}

TEST(ModelCorruptionTest, EveryMetadataByteFlippedAndRehashed) {
  const Bytes &good = goodArtifact();
  mica_artifact_header header;
  std::memcpy(&header, good.data(), sizeof(header));
  Outcomes outcomes;
  for (size_t i = 0; i < 64 + header.metadata_size; ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      Bytes file = good;
      file[i] ^= mask;
      rehash(file);
      expectNoCrash(file,
                    "byte " + std::to_string(i) + " ^ " + std::to_string(mask) +
                        ", rehashed",
                    &outcomes);
    }
  }
  // Flips in names and padding load; the rest are refused by the checks
  // behind the hash: the verifier and the bounds and index checks.
  EXPECT_GT(outcomes.accepted(), 0);
  EXPECT_GT(outcomes.refused(MICA_ERROR_MALFORMED), 100);
  EXPECT_GT(outcomes.refused(MICA_ERROR_UNRESOLVED_SYMBOL), 0);
  EXPECT_GT(outcomes.refused(MICA_ERROR_TARGET_MISMATCH), 0);
  EXPECT_GT(outcomes.refused(MICA_ERROR_VERSION), 0);
}

TEST(ModelCorruptionTest, RandomBitFlips) {
  const Bytes &good = goodArtifact();
  std::mt19937 rng(20240601);
  for (int round = 0; round < 600; ++round) {
    Bytes file = good;
    const int flips = 1 + round % 8;
    for (int k = 0; k < flips; ++k) {
      size_t at = rng() % file.size();
      file[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
    }
    if (file == good)
      continue;
    expectRefused(file, "round " + std::to_string(round));
    rehash(file);
    expectNoCrash(file, "round " + std::to_string(round) + ", rehashed");
  }
}

TEST(ModelCorruptionTest, Garbage) {
  std::mt19937 rng(7);
  for (size_t size : {0ul, 1ul, 8ul, 63ul, 64ul, 65ul, 200ul, 4096ul}) {
    Bytes file(size);
    for (uint8_t &b : file)
      b = static_cast<uint8_t>(rng());
    expectRefused(file, "garbage of " + std::to_string(size));
    if (size < 64)
      continue;
    // Garbage behind a plausible header, rehashed.
    std::memcpy(file.data(), MICA_ARTIFACT_MAGIC, 8);
    putLE32(file, 8, 1);
    putLE64(file, offsetof(mica_artifact_header, file_size), size);
    putLE64(file, offsetof(mica_artifact_header, metadata_offset), 64);
    putLE64(file, offsetof(mica_artifact_header, metadata_size), size - 64);
    rehash(file);
    expectNoCrash(file, "garbage behind a header, " + std::to_string(size));
  }
  // All zeros and all ones.
  expectRefused(Bytes(1024, 0), "zeros");
  expectRefused(Bytes(1024, 0xff), "ones");
}

TEST(ModelCorruptionTest, FlatbufferFieldsRewrittenWithValidHashes) {
  // Every 4-byte word of the metadata replaced by values that often break
  // offsets and lengths (0, -1, huge, the buffer size), hash recomputed.
  const Bytes &good = goodArtifact();
  mica_artifact_header header;
  std::memcpy(&header, good.data(), sizeof(header));
  const uint32_t values[] = {0u, 0xffffffffu, 0x7fffffffu, 4u,
                             static_cast<uint32_t>(header.metadata_size)};
  Outcomes outcomes;
  for (size_t at = 64; at + 4 <= 64 + header.metadata_size; at += 4) {
    for (uint32_t v : values) {
      Bytes file = good;
      putLE32(file, at, v);
      rehash(file);
      expectNoCrash(file,
                    "word at " + std::to_string(at) + " = " + std::to_string(v),
                    &outcomes);
    }
  }
  EXPECT_GT(outcomes.accepted(), 0);
  EXPECT_GT(outcomes.refused(MICA_ERROR_MALFORMED), 100);
}

} // namespace
