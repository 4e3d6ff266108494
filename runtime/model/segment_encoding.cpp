/* Encoded constants segments (Segment.encoding = ZeroBitmap, format minor 2;
 * docs/artifact-format.md, "Encoded constants"): the load-time check of a
 * payload and its decoding. The check reads nothing outside the segment and
 * accepts only payloads whose every record has exactly the length its mode
 * and bitmap imply, so the decoder that runs after it needs no checks of its
 * own. The writer is compiler/artifact/ConstantEncoding.cpp. */
#include <string.h>

#include "runtime/model/model_internal.h"

namespace {

/* Record modes: how one chunk of decoded bytes is stored. */
enum Mode : uint8_t { kRaw = 0, kWords = 1, kBytes = 2, kZero = 3 };

const char *const kModeNames[] = {"raw", "words", "bytes", "zero"};

const uint64_t kHeaderBytes = 8; /* u32 chunk_bytes, u32 num_chunks */

/* Bytes of chunk `c`: chunk_bytes, except the last, which holds the rest. */
uint64_t chunkSize(uint64_t c, uint64_t chunkBytes, uint64_t numChunks,
                   uint64_t decodedSize) {
  return c + 1 < numChunks ? chunkBytes : decodedSize - c * chunkBytes;
}

/* Checks record `c` ([begin, end) of the segment) for an n-byte chunk. */
mica_status checkRecord(const uint8_t *data, uint64_t begin, uint64_t end,
                        uint64_t n, uint32_t segment, uint64_t c,
                        const mica_msg *msg) {
  const uint64_t length = end - begin;
  if (length == 0)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u chunk %u: empty record (no mode byte)",
                      segment, c);
  const uint8_t mode = data[begin];
  uint64_t expected = 1;
  switch (mode) {
  case kRaw:
    expected = 1 + n;
    break;
  case kZero:
    break;
  case kWords:
    if (n % 4)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "segment %u chunk %u: words record for %u bytes, "
                        "which is not a whole number of 4-byte words",
                        segment, c, n);
    [[fallthrough]];
  case kBytes: {
    const uint64_t elementSize = mode == kWords ? 4 : 1;
    const uint64_t count = n / elementSize;
    const uint64_t bitmapBytes = (count + 7) / 8;
    if (length < 1 + bitmapBytes)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "segment %u chunk %u: %s record of %u bytes is "
                        "shorter than its mode byte and %u-byte bitmap",
                        segment, c, kModeNames[mode], length, bitmapBytes);
    const uint8_t *bitmap = data + begin + 1;
    uint64_t set = 0;
    for (uint64_t i = 0; i < bitmapBytes; ++i)
      set += (uint64_t)__builtin_popcount(bitmap[i]);
    /* Bits past the chunk's end would make the popcount disagree with what
     * the decoder writes. */
    if (count % 8 && bitmap[bitmapBytes - 1] >> (count % 8))
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "segment %u chunk %u: %s bitmap sets bits past the "
                        "chunk's %u elements",
                        segment, c, kModeNames[mode], count);
    expected = 1 + bitmapBytes + elementSize * set;
    break;
  }
  default:
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u chunk %u: unknown record mode %u (0 raw, 1 "
                      "words, 2 bytes, 3 zero)",
                      segment, c, mode);
  }
  if (length != expected)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u chunk %u: %s record is %u bytes, its mode "
                      "and bitmap imply %u",
                      segment, c, kModeNames[mode], length, expected);
  return MICA_OK;
}

/* Writes the nonzero elements of a bitmap record over a zeroed chunk. */
void scatter(const uint8_t *record, uint64_t n, uint64_t elementSize,
             uint8_t *out) {
  const uint64_t count = n / elementSize;
  const uint64_t bitmapBytes = (count + 7) / 8;
  const uint8_t *bitmap = record + 1;
  const uint8_t *value = bitmap + bitmapBytes;
  memset(out, 0, n);
  for (uint64_t byte = 0; byte < bitmapBytes; ++byte) {
    for (unsigned bits = bitmap[byte]; bits; bits &= bits - 1) {
      const uint64_t i = byte * 8 + (uint64_t)__builtin_ctz(bits);
      memcpy(out + i * elementSize, value, elementSize);
      value += elementSize;
    }
  }
}

} // namespace

mica_status mica_check_zero_bitmap(const uint8_t *data, uint64_t size,
                                   uint64_t decoded_size, uint32_t segment,
                                   const mica_msg *msg) {
  if (size < kHeaderBytes)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u: zero_bitmap payload of %u bytes is shorter "
                      "than its %u-byte header",
                      segment, size, kHeaderBytes);
  const uint64_t chunkBytes = mica_le32(data);
  const uint64_t numChunks = mica_le32(data + 4);
  if (chunkBytes == 0)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u: zero_bitmap chunk_bytes is 0", segment);
  const uint64_t needed =
      decoded_size / chunkBytes + (decoded_size % chunkBytes != 0);
  if (numChunks != needed)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u: zero_bitmap has %u chunks, but %u decoded "
                      "bytes in chunks of %u make %u",
                      segment, numChunks, decoded_size, chunkBytes, needed);
  const uint64_t tableEnd = kHeaderBytes + 4 * (numChunks + 1);
  if (tableEnd > size)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u: zero_bitmap offset table of %u chunks ends "
                      "at %u, past the %u-byte segment",
                      segment, numChunks, tableEnd, size);
  const uint8_t *offsets = data + kHeaderBytes;
  if (mica_le32(offsets) != tableEnd)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u chunk 0: record offset %u, expected %u (the "
                      "end of the offset table)",
                      segment, mica_le32(offsets), tableEnd);
  if (mica_le32(offsets + 4 * numChunks) != size)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u: zero_bitmap's last record offset is %u, "
                      "expected the segment size %u",
                      segment, mica_le32(offsets + 4 * numChunks), size);
  for (uint64_t c = 0; c < numChunks; ++c) {
    const uint64_t begin = mica_le32(offsets + 4 * c);
    const uint64_t end = mica_le32(offsets + 4 * (c + 1));
    /* Checked before the record is read: later offsets are not yet known
     * to be in order. */
    if (end < begin || end > size)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "segment %u chunk %u: record [%u, %u) is not inside "
                        "the %u-byte segment in order",
                        segment, c, begin, end, size);
    mica_status st = checkRecord(
        data, begin, end, chunkSize(c, chunkBytes, numChunks, decoded_size),
        segment, c, msg);
    if (st != MICA_OK)
      return st;
  }
  return MICA_OK;
}

void mica_decode_zero_bitmap(const uint8_t *data, uint64_t decoded_size,
                             uint8_t *out) {
  const uint64_t chunkBytes = mica_le32(data);
  const uint64_t numChunks = mica_le32(data + 4);
  const uint8_t *offsets = data + kHeaderBytes;
  for (uint64_t c = 0; c < numChunks; ++c) {
    const uint8_t *record = data + mica_le32(offsets + 4 * c);
    const uint64_t n = chunkSize(c, chunkBytes, numChunks, decoded_size);
    uint8_t *chunk = out + c * chunkBytes;
    switch (record[0]) {
    case kRaw:
      memcpy(chunk, record + 1, n);
      break;
    case kWords:
      scatter(record, n, 4, chunk);
      break;
    case kBytes:
      scatter(record, n, 1, chunk);
      break;
    default: /* kZero: validation admits no other mode */
      memset(chunk, 0, n);
      break;
    }
  }
}
