//===- ConstantEncoding.h - ZeroBitmap encoding of constants ----*- C++ -*-===//
//
// Sparse (pruned) weights stored compressed in the .mica file: the ZeroBitmap
// encoding of docs/artifact-format.md ("Encoded constants"), which the
// runtime decodes into memory the model owns at load. The code reads the
// decoded bytes at the same offsets, so nothing else in the artifact changes.
// The encoding depends only on the bytes (equal constants, equal files).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_ARTIFACT_CONSTANTENCODING_H
#define MICA_COMPILER_ARTIFACT_CONSTANTENCODING_H

#include "compiler/artifact/Artifact.h"

#include <cstdint>
#include <vector>

namespace mica::artifact {

/// Decoded bytes per chunk that encodeConstantSegments uses: small enough
/// that a chunk's mode follows local sparsity, large enough that the 4-byte
/// offset per chunk costs 0.1%.
constexpr uint32_t kZeroBitmapChunkBytes = 4096;

/// The ZeroBitmap payload of `decoded` in chunks of `chunkBytes` (> 0): each
/// chunk as its smallest record (raw, words, bytes or zero; a tie goes to
/// the lower mode number). Written even when larger than `decoded`; empty
/// when the payload would not fit the format's 32-bit offsets and counts.
std::vector<uint8_t>
encodeZeroBitmap(const std::vector<uint8_t> &decoded,
                 uint32_t chunkBytes = kZeroBitmapChunkBytes);

/// Stores every Raw Constants segment of `art` as ZeroBitmap when that is
/// smaller than its bytes (setting `encoding` and `decodedSize`), and adds
/// MICA_FEATURE_ENCODED_CONSTANTS to `requiredFeatures` when a segment is
/// encoded, so that runtimes without a decoder refuse the artifact. Code
/// segments and segments that are already encoded are left alone. Returns
/// whether this call encoded a segment.
bool encodeConstantSegments(Artifact &art);

} // namespace mica::artifact

#endif // MICA_COMPILER_ARTIFACT_CONSTANTENCODING_H
