//===- ConstantEncoding.cpp - ZeroBitmap encoding of constants ------------===//
//
// Payload (little-endian; docs/artifact-format.md, "Encoded constants"):
//
//   u32 chunk_bytes, u32 num_chunks, u32 record_offset[num_chunks + 1]
//   records: u8 mode, then its payload
//     0 raw    the chunk's bytes
//     1 words  bitmap of nonzero 4-byte words, then those words
//     2 bytes  bitmap of nonzero bytes, then those bytes
//     3 zero   nothing: the chunk is all zeros
//
// The runtime checks every record's length against its mode and bitmap
// (runtime/model/segment_encoding.cpp), so the writer must produce exactly
// these sizes.
//
//===----------------------------------------------------------------------===//
#include "compiler/artifact/ConstantEncoding.h"

#include "mica/artifact_format.h"

#include <algorithm>
#include <cassert>

namespace mica::artifact {

namespace {

enum Mode : uint8_t { kRaw = 0, kWords = 1, kBytes = 2, kZero = 3 };

constexpr size_t kHeaderBytes = 8; // chunk_bytes, num_chunks

void putLE32(std::vector<uint8_t> &out, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    out[at + i] = static_cast<uint8_t>(value >> (8 * i));
}

bool wordIsZero(const uint8_t *word) {
  return (word[0] | word[1] | word[2] | word[3]) == 0;
}

/// Appends a bitmap of `count` elements of `size` bytes followed by the
/// nonzero elements, in order.
void appendBitmap(const uint8_t *chunk, size_t count, size_t size,
                  std::vector<uint8_t> &out) {
  const size_t bitmap = out.size();
  out.resize(bitmap + (count + 7) / 8, 0);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t *element = chunk + i * size;
    bool zero = size == 4 ? wordIsZero(element) : *element == 0;
    if (zero)
      continue;
    out[bitmap + i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    out.insert(out.end(), element, element + size);
  }
}

/// Appends the smallest record of the `n`-byte chunk.
void appendRecord(const uint8_t *chunk, size_t n, std::vector<uint8_t> &out) {
  size_t nonzeroBytes = 0, nonzeroWords = 0;
  for (size_t i = 0; i < n; ++i)
    nonzeroBytes += chunk[i] != 0;
  const bool wordsFit = n % 4 == 0;
  for (size_t i = 0; wordsFit && i < n / 4; ++i)
    nonzeroWords += !wordIsZero(chunk + 4 * i);

  // Payload bytes per mode; SIZE_MAX where the mode cannot hold the chunk.
  const size_t cost[4] = {
      n, wordsFit ? (n / 4 + 7) / 8 + 4 * nonzeroWords : SIZE_MAX,
      (n + 7) / 8 + nonzeroBytes, nonzeroBytes == 0 ? 0 : SIZE_MAX};
  uint8_t best = kRaw;
  for (uint8_t mode = kWords; mode <= kZero; ++mode)
    if (cost[mode] < cost[best])
      best = mode;

  out.push_back(best);
  if (best == kRaw)
    out.insert(out.end(), chunk, chunk + n);
  else if (best == kWords)
    appendBitmap(chunk, n / 4, 4, out);
  else if (best == kBytes)
    appendBitmap(chunk, n, 1, out);
}

} // namespace

std::vector<uint8_t> encodeZeroBitmap(const std::vector<uint8_t> &decoded,
                                      uint32_t chunkBytes) {
  assert(chunkBytes > 0 && "a chunk holds at least one byte");
  const uint64_t numChunks =
      (decoded.size() + uint64_t(chunkBytes) - 1) / chunkBytes;
  if (numChunks >= UINT32_MAX)
    return {};
  std::vector<uint8_t> out(kHeaderBytes + 4 * (numChunks + 1), 0);
  putLE32(out, 0, chunkBytes);
  putLE32(out, 4, static_cast<uint32_t>(numChunks));
  for (uint64_t c = 0; c < numChunks; ++c) {
    if (out.size() > UINT32_MAX)
      return {};
    putLE32(out, kHeaderBytes + 4 * c, static_cast<uint32_t>(out.size()));
    const size_t begin = c * chunkBytes;
    appendRecord(decoded.data() + begin,
                 std::min<size_t>(chunkBytes, decoded.size() - begin), out);
  }
  if (out.size() > UINT32_MAX)
    return {};
  putLE32(out, kHeaderBytes + 4 * numChunks, static_cast<uint32_t>(out.size()));
  return out;
}

bool encodeConstantSegments(Artifact &art) {
  bool encodedAny = false, anyEncoded = false;
  for (Segment &segment : art.segments) {
    if (segment.kind == SegmentKind::Constants &&
        segment.encoding == SegmentEncoding::Raw) {
      std::vector<uint8_t> encoded = encodeZeroBitmap(segment.bytes);
      if (!encoded.empty() && encoded.size() < segment.bytes.size()) {
        segment.decodedSize = segment.bytes.size();
        segment.bytes = std::move(encoded);
        segment.encoding = SegmentEncoding::ZeroBitmap;
        encodedAny = true;
      }
    }
    anyEncoded |= segment.encoding != SegmentEncoding::Raw;
  }
  std::vector<std::string> &features = art.requiredFeatures;
  if (anyEncoded && std::find(features.begin(), features.end(),
                              MICA_FEATURE_ENCODED_CONSTANTS) == features.end())
    features.push_back(MICA_FEATURE_ENCODED_CONSTANTS);
  return encodedAny;
}

} // namespace mica::artifact
