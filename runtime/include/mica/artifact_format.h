/* The fixed header at offset 0 of every `.mica` file.
 *
 *   [0, 64)        this header (little-endian)
 *   [64, ...)      the flatbuffer metadata (runtime/schema/mica_artifact.fbs),
 *                  file identifier "MICA", padded to a multiple of 64
 *   ...            segments, each at a 64-byte aligned offset: constants,
 *                  then one ELF64 relocatable object per target
 *   [resident_size, file_size)  streamed constants (since minor 4; only in
 *                  --memory-budget artifacts), each at a 16 KiB aligned
 *                  offset, read on demand by a streaming runtime
 *
 * content_hash is FNV-1a 64 over every byte of the file with the hash field
 * itself taken as zero: it detects truncation and corruption, it is not a
 * signature (see docs/artifact-format.md, "Trust model").
 * resident_size (since minor 4) is 0, or the offset of the first streamed
 * segment: the prefix a streaming runtime maps and checks at load.
 * resident_hash is then FNV-1a 64 of [0, resident_size) with both
 * content_hash and resident_hash taken as zero (content_hash is computed
 * last, over the whole file including resident_hash).
 * A runtime refuses a format_major it does not know; format_minor only grows
 * when fields are appended to the metadata, which older runtimes ignore
 * (minor 1: required_features; minor 2: Segment.encoding and decoded_size;
 * minor 3: Model.width_groups; minor 4: SegmentKind.Streamed, Step.streamed,
 * the header's resident_size and resident_hash).
 * What an artifact needs beyond the format (Model.required_features, since
 * minor 1) is named by the MICA_FEATURE_* strings below: a runtime refuses
 * an artifact that requires a feature it does not list (validate.cpp).
 */
#ifndef MICA_ARTIFACT_FORMAT_H
#define MICA_ARTIFACT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define MICA_ARTIFACT_MAGIC "MICAART\0" /* 8 bytes */
#define MICA_ARTIFACT_FORMAT_MAJOR 1
#define MICA_ARTIFACT_FORMAT_MINOR 4
#define MICA_ARTIFACT_HEADER_SIZE 64
#define MICA_ARTIFACT_ALIGNMENT 64

/* Features an artifact may require (Model.required_features). Append only. */
/* Several entry points sharing the constants segments. */
#define MICA_FEATURE_ENTRY_POINTS "entry_points"
/* Code that calls mica_kernel_fail (kernel_abi.h): a path that cannot run
 * with the compiled shapes fails the run with MICA_ERROR_MODEL_PATH. */
#define MICA_FEATURE_MODEL_PATH_ERRORS "model_path_errors"
/* Constants segments stored encoded (Segment.encoding = ZeroBitmap, since
 * minor 2) and decoded into memory the model owns at load. */
#define MICA_FEATURE_ENCODED_CONSTANTS "encoded_constants"
/* Kernels that read mica_kernel_ctx.active_counts (--sortable-width): the
 * run computes a prefix of each width group's channels (Model.width_groups,
 * since minor 3). */
#define MICA_FEATURE_SORTABLE_WIDTH "sortable_width"
/* Streamed constants segments (SegmentKind.Streamed, Step.streamed, the
 * header's resident_size/resident_hash; since minor 4): --memory-budget. */
#define MICA_FEATURE_STREAMED_WEIGHTS "streamed_weights"
/* Alignment of a streamed segment's offset in the file: a page on 4 and
 * 16 KiB page systems, so the resident prefix never shares a page with it. */
#define MICA_ARTIFACT_STREAM_ALIGNMENT 16384

/* Step.code_segment of a kernel that the artifact does not carry: it was
 * linked into the program (static-library builds) and is given to
 * mica_model_load_linked by symbol. mica_model_load refuses such steps. */
#define MICA_ARTIFACT_NO_SEGMENT 0xFFFFFFFFu

typedef struct mica_artifact_header {
  char magic[8]; /* MICA_ARTIFACT_MAGIC */
  uint32_t format_major;
  uint32_t format_minor;
  uint64_t file_size;       /* must equal the size of the file */
  uint64_t metadata_offset; /* 64 */
  uint64_t metadata_size;   /* bytes of the flatbuffer, without padding */
  uint64_t content_hash;    /* FNV-1a 64, see above */
  uint64_t resident_size;   /* since minor 4: 0, or see above */
  uint64_t resident_hash;   /* since minor 4: 0 when resident_size is */
} mica_artifact_header;

/* FNV-1a 64 of `size` bytes, continuing from `hash` (MICA_FNV_OFFSET_BASIS
 * when starting): the one hash function of the format (segment hashes and
 * content_hash), shared by the runtime and the compiler's writer. */
#define MICA_FNV_OFFSET_BASIS 0xcbf29ce484222325ULL
#ifdef __cplusplus
extern "C" {
#endif
uint64_t mica_fnv1a64(const void *data, size_t size, uint64_t hash);
#ifdef __cplusplus
}
#endif

#endif /* MICA_ARTIFACT_FORMAT_H */
