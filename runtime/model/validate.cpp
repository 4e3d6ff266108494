/* Load-time validation of a `.mica` artifact: everything the file says is
 * checked here, before anything uses it (docs/artifact-format.md lists the
 * checks). Nothing in this file depends on the running machine; the target
 * check is in target_check.cpp. Every failure names what is wrong and where. */
#include <string.h>

#include "runtime/model/flatbuffer_access.h"
#include "runtime/model/model_internal.h"
#include "runtime/schema/mica_artifact_generated.h"

namespace fb = mica::fb;

uint64_t mica_fnv1a64(const void *data, size_t size, uint64_t hash) {
  const uint8_t *bytes = static_cast<const uint8_t *>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

namespace {

const uint64_t kMaxBytes = (uint64_t)PTRDIFF_MAX;

uint64_t le64(const uint8_t *p) {
  return (uint64_t)mica_le32(p) | (uint64_t)mica_le32(p + 4) << 32;
}

bool isPowerOfTwo(uint64_t v) { return v && !(v & (v - 1)); }

using mica_rt::str;

using mica_rt::length;

mica_status checkHeader(const uint8_t *bytes, size_t size,
                        mica_artifact_view *out, const mica_msg *msg) {
  if (size < MICA_ARTIFACT_HEADER_SIZE)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "artifact is %u bytes, shorter than its %u-byte header",
                      size, MICA_ARTIFACT_HEADER_SIZE);
  if (memcmp(bytes, MICA_ARTIFACT_MAGIC, 8) != 0)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "not a .mica artifact: bad magic at offset 0");
  const uint32_t major =
      mica_le32(bytes + offsetof(mica_artifact_header, format_major));
  const uint32_t minor =
      mica_le32(bytes + offsetof(mica_artifact_header, format_minor));
  if (major != MICA_ARTIFACT_FORMAT_MAJOR)
    return mica_failf(msg, MICA_ERROR_VERSION,
                      "unsupported format version %u.%u (this runtime reads "
                      "%u.x)",
                      major, minor, MICA_ARTIFACT_FORMAT_MAJOR);
  const uint64_t fileSize =
      le64(bytes + offsetof(mica_artifact_header, file_size));
  if (fileSize != size)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "header says the artifact is %u bytes but %u bytes were "
                      "given (truncated or padded file)",
                      fileSize, size);
  const uint64_t metaOffset =
      le64(bytes + offsetof(mica_artifact_header, metadata_offset));
  const uint64_t metaSize =
      le64(bytes + offsetof(mica_artifact_header, metadata_size));
  if (metaOffset != MICA_ARTIFACT_HEADER_SIZE)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "metadata offset is %u, expected %u", metaOffset,
                      MICA_ARTIFACT_HEADER_SIZE);
  if (metaSize < 8 || metaSize > size - MICA_ARTIFACT_HEADER_SIZE ||
      metaSize >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "metadata size %u does not fit the %u bytes after the "
                      "header",
                      metaSize, size - MICA_ARTIFACT_HEADER_SIZE);
  // Since minor 4: the prefix a streaming load maps (0: the whole file).
  const uint64_t resident =
      le64(bytes + offsetof(mica_artifact_header, resident_size));
  if (resident &&
      (resident < MICA_ARTIFACT_HEADER_SIZE + metaSize || resident > size))
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "resident size %u is outside [%u, %u] (header and "
                      "metadata, file size)",
                      resident, MICA_ARTIFACT_HEADER_SIZE + metaSize, size);
  out->format_major = major;
  out->format_minor = minor;
  out->content_hash =
      le64(bytes + offsetof(mica_artifact_header, content_hash));
  out->resident_size = resident;
  return MICA_OK;
}

/* The content hash over the whole file, or with `resident` (a streaming
 * load: only the resident prefix is mapped) the resident hash over
 * [0, resident); the hash fields it covers count as zero. */
mica_status checkContentHash(const uint8_t *bytes, size_t size,
                             uint64_t resident, const mica_msg *msg) {
  const size_t at = resident ? offsetof(mica_artifact_header, resident_hash)
                             : offsetof(mica_artifact_header, content_hash);
  uint8_t header[MICA_ARTIFACT_HEADER_SIZE];
  memcpy(header, bytes, sizeof(header));
  memset(header + offsetof(mica_artifact_header, content_hash), 0, 8);
  memset(header + at, 0, 8);
  const uint64_t expected = le64(bytes + at);
  uint64_t hash = mica_fnv1a64(header, sizeof(header), MICA_FNV_OFFSET_BASIS);
  hash = mica_fnv1a64(bytes + sizeof(header),
                      (resident ? resident : size) - sizeof(header), hash);
  if (hash != expected)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "%s hash mismatch: the header says %x, the bytes "
                      "hash to %x (corrupt artifact)",
                      resident ? "resident" : "content", expected, hash);
  return MICA_OK;
}

mica_status checkTargets(const fb::Model *meta, const mica_msg *msg) {
  const uint32_t n = length(meta->targets());
  for (uint32_t i = 0; i < n; ++i) {
    const fb::Target *target = meta->targets()->Get(i);
    if (str(target->arch())[0] == '\0')
      return mica_failf(msg, MICA_ERROR_MALFORMED, "target %u '%s' has no arch",
                        i, str(target->name()));
  }
  return MICA_OK;
}

bool requiresFeature(const fb::Model *meta, const char *name) {
  for (uint32_t i = 0; i < length(meta->required_features()); ++i)
    if (mica_rt::equals(meta->required_features()->Get(i), name))
      return true;
  return false;
}

/* An encoded segment holds constants in a known encoding, is announced by
 * the feature that makes older runtimes refuse the file, and has a payload
 * the decoder can trust. */
mica_status checkSegmentEncoding(const uint8_t *data, const fb::Segment *seg,
                                 uint32_t i, const fb::Model *meta,
                                 const mica_msg *msg) {
  const fb::SegmentEncoding encoding = seg->encoding();
  if (encoding == fb::SegmentEncoding::Raw)
    return MICA_OK;
  if (seg->kind() != fb::SegmentKind::Constants)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u: encoding %u on a segment that is not "
                      "constants (kind %u): only constants may be encoded",
                      i, encoding, seg->kind());
  if (encoding != fb::SegmentEncoding::ZeroBitmap)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u: unknown encoding %u", i, encoding);
  if (!requiresFeature(meta, MICA_FEATURE_ENCODED_CONSTANTS))
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u is encoded (zero_bitmap) but the artifact "
                      "does not require the feature '%s'",
                      i, MICA_FEATURE_ENCODED_CONSTANTS);
  if (seg->decoded_size() > kMaxBytes)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "segment %u: decoded size %u is too large", i,
                      seg->decoded_size());
  return mica_check_zero_bitmap(data, seg->size(), seg->decoded_size(), i, msg);
}

/* Segments follow the metadata in table order, except Streamed ones (since
 * minor 4), which follow resident_size in table order: every other segment
 * ends by it. A Streamed segment's hash is checked here only when its bytes
 * are mapped (`mapped`); a streaming load checks it on its first read. */
mica_status checkSegments(const uint8_t *bytes, size_t size, size_t mapped,
                          uint64_t metaEnd, uint64_t resident,
                          const fb::Model *meta, int skipHashes,
                          const mica_msg *msg) {
  const uint32_t n = length(meta->segments());
  const uint32_t numTargets = length(meta->targets());
  uint64_t previousEnd = metaEnd, streamedEnd = resident;
  for (uint32_t i = 0; i < n; ++i) {
    const fb::Segment *seg = meta->segments()->Get(i);
    const uint64_t offset = seg->offset(), segSize = seg->size();
    const uint64_t align = seg->alignment();
    const bool streamed = seg->kind() == fb::SegmentKind::Streamed;
    if (streamed && (!resident || seg->encoding() != fb::SegmentEncoding::Raw ||
                     !requiresFeature(meta, MICA_FEATURE_STREAMED_WEIGHTS)))
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "streamed segment %u needs the feature '%s', raw "
                        "encoding and a resident size (%u)",
                        i, MICA_FEATURE_STREAMED_WEIGHTS, resident);
    if (!isPowerOfTwo(align) || align > (streamed ? 65536u : 4096u))
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "segment %u: alignment %u is not a power of two up "
                        "to %u",
                        i, align, streamed ? 65536 : 4096);
    if (offset % MICA_ARTIFACT_ALIGNMENT || offset % align)
      return mica_failf(
          msg, MICA_ERROR_MALFORMED,
          "segment %u: offset %u is not %u-byte aligned", i, offset,
          align > MICA_ARTIFACT_ALIGNMENT ? align : MICA_ARTIFACT_ALIGNMENT);
    // A streamed segment's base is a buffer, or (memory mode) 64-aligned.
    if (!streamed && ((uintptr_t)bytes + offset) % align)
      return mica_failf(msg, MICA_ERROR_INVALID_ARGUMENT,
                        "segment %u needs %u-byte alignment but the "
                        "artifact's data is at address %x",
                        i, align, (uintptr_t)bytes);
    uint64_t *end = streamed ? &streamedEnd : &previousEnd;
    if (offset < *end)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "segment %u at offset %u overlaps the bytes before "
                        "it (they end at %u): segments must follow the "
                        "metadata in file order%s",
                        i, offset, *end,
                        streamed ? ", streamed ones the resident size" : "");
    const uint64_t limit = resident && !streamed ? resident : size;
    if (offset > limit || segSize > limit - offset)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "segment %u [%u, %u + %u) runs past the end of the "
                        "%u bytes %s",
                        i, offset, offset, segSize, limit,
                        limit == size ? "of the artifact" : "resident");
    const int32_t target = seg->target();
    if (seg->kind() == fb::SegmentKind::Code) {
      if (target < 0 || (uint32_t)target >= numTargets)
        return mica_failf(msg, MICA_ERROR_MALFORMED,
                          "code segment %u: target %d out of range (%u "
                          "targets)",
                          i, target, numTargets);
    } else if (target != -1) {
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "segment %u: target %d on a segment that is not code "
                        "(must be -1)",
                        i, target);
    }
    if (!skipHashes && offset + segSize <= mapped) {
      const uint64_t hash =
          mica_fnv1a64(bytes + offset, segSize, MICA_FNV_OFFSET_BASIS);
      if (hash != seg->hash())
        return mica_failf(msg, MICA_ERROR_MALFORMED,
                          "segment %u [%u, +%u): hash mismatch (metadata says "
                          "%x, bytes hash to %x)",
                          i, offset, segSize, seg->hash(), hash);
    }
    mica_status st = checkSegmentEncoding(bytes + offset, seg, i, meta, msg);
    if (st != MICA_OK)
      return st;
    *end = offset + segSize;
  }
  return MICA_OK;
}

mica_status checkTensorSpec(const fb::TensorSpec *spec, const char *entry,
                            const char *role, uint32_t index,
                            const mica_msg *msg) {
  const char *name = str(spec->name());
  const uint32_t rank = length(spec->shape());
  // The verifier checks a vector's length field (4-byte aligned), not the
  // 8-byte alignment of int64 elements, which the runtime hands out as
  // `const int64_t *` (mica_tensor_info.shape / max_shape). Empty vectors
  // have no elements (and the builder does not align them).
  if ((length(spec->shape()) &&
       (uintptr_t)spec->shape()->data() % alignof(int64_t)) ||
      (length(spec->max_shape()) &&
       (uintptr_t)spec->max_shape()->data() % alignof(int64_t)))
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "entry '%s' %s %u '%s': shape or max_shape is not "
                      "8-byte aligned in the metadata",
                      entry, role, index, name);
  if (length(spec->max_shape()) != rank)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "entry '%s' %s %u '%s': shape has %u dims but "
                      "max_shape has %u",
                      entry, role, index, name, rank,
                      length(spec->max_shape()));
  const uint32_t numDimNames = length(spec->dim_names());
  if (numDimNames != 0 && numDimNames != rank)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "entry '%s' %s %u '%s': %u dim_names for rank %u", entry,
                      role, index, name, numDimNames, rank);
  const size_t elementSize = mica_dtype_size(spec->dtype());
  if (elementSize == 0)
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "entry '%s' %s %u '%s': unknown dtype %d", entry, role,
                      index, name, spec->dtype());
  uint64_t bytes = elementSize;
  for (uint32_t d = 0; d < rank; ++d) {
    const int64_t dim = spec->shape()->Get(d);
    const int64_t max = spec->max_shape()->Get(d);
    if (max < 0)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "entry '%s' %s %u '%s': max_shape[%u] is %d", entry,
                        role, index, name, d, max);
    if (dim < -1)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "entry '%s' %s %u '%s': shape[%u] is %d (-1 marks a "
                        "symbolic dimension)",
                        entry, role, index, name, d, dim);
    if (dim >= 0 && dim != max)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "entry '%s' %s %u '%s': static shape[%u] is %d but "
                        "max_shape[%u] is %d",
                        entry, role, index, name, d, dim, d, max);
    if (__builtin_mul_overflow(bytes, (uint64_t)max, &bytes) ||
        bytes > kMaxBytes)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "entry '%s' %s %u '%s': size of max_shape overflows",
                        entry, role, index, name);
  }
  return MICA_OK;
}

mica_status checkTensorSpecs(
    const flatbuffers::Vector<flatbuffers::Offset<fb::TensorSpec>> *specs,
    const char *entry, const char *role, const mica_msg *msg) {
  for (uint32_t i = 0; i < length(specs); ++i) {
    mica_status st = checkTensorSpec(specs->Get(i), entry, role, i, msg);
    if (st != MICA_OK)
      return st;
  }
  return MICA_OK;
}

mica_status checkSteps(const fb::Model *meta, const fb::EntryPoint *ep,
                       const mica_msg *msg) {
  const char *entry = str(ep->name());
  const uint32_t numTargets = length(meta->targets());
  const uint32_t numSegments = length(meta->segments());
  const uint32_t numNodes = length(meta->nodes());
  for (uint32_t s = 0; s < length(ep->steps()); ++s) {
    const fb::Step *step = ep->steps()->Get(s);
    const char *symbol = str(step->symbol());
    if (symbol[0] == '\0')
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "entry '%s' step %u has no symbol", entry, s);
    if (step->target() >= numTargets)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "entry '%s' step %u '%s': target %u out of range (%u "
                        "targets)",
                        entry, s, symbol, step->target(), numTargets);
    const uint32_t code = step->code_segment();
    if (code != MICA_ARTIFACT_NO_SEGMENT) {
      if (code >= numSegments)
        return mica_failf(msg, MICA_ERROR_MALFORMED,
                          "entry '%s' step %u '%s': code segment %u out of "
                          "range (%u segments)",
                          entry, s, symbol, code, numSegments);
      const fb::Segment *seg = meta->segments()->Get(code);
      if (seg->kind() != fb::SegmentKind::Code ||
          seg->target() != (int32_t)step->target())
        return mica_failf(msg, MICA_ERROR_MALFORMED,
                          "entry '%s' step %u '%s': segment %u is not code "
                          "for target %u",
                          entry, s, symbol, code, step->target());
    }
    const int32_t streamed = step->streamed();
    if (streamed != -1 && ((uint32_t)streamed >= numSegments ||
                           meta->segments()->Get((uint32_t)streamed)->kind() !=
                               fb::SegmentKind::Streamed))
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "entry '%s' step %u '%s': streamed segment %d is not "
                        "a streamed segment (%u segments)",
                        entry, s, symbol, streamed, numSegments);
    for (uint32_t k = 0; k < length(step->nodes()); ++k)
      if (step->nodes()->Get(k) >= numNodes)
        return mica_failf(msg, MICA_ERROR_MALFORMED,
                          "entry '%s' step %u '%s': node %u out of range (%u "
                          "nodes)",
                          entry, s, symbol, step->nodes()->Get(k), numNodes);
  }
  return MICA_OK;
}

/* The features an artifact may require (MICA_FEATURE_* in
 * artifact_format.h) that this runtime implements. */
const char *const kSupportedFeatures[] = {
    MICA_FEATURE_ENTRY_POINTS, MICA_FEATURE_MODEL_PATH_ERRORS,
    MICA_FEATURE_ENCODED_CONSTANTS, MICA_FEATURE_SORTABLE_WIDTH,
    MICA_FEATURE_STREAMED_WEIGHTS};

mica_status checkRequiredFeatures(const fb::Model *meta, const mica_msg *msg) {
  for (uint32_t i = 0; i < length(meta->required_features()); ++i) {
    const flatbuffers::String *feature = meta->required_features()->Get(i);
    bool known = false;
    for (const char *supported : kSupportedFeatures)
      known = known || mica_rt::equals(feature, supported);
    if (!known)
      return mica_failf(msg, MICA_ERROR_UNSUPPORTED,
                        "the artifact requires the feature '%s', which this "
                        "runtime does not implement (a newer runtime runs it)",
                        str(feature));
  }
  return MICA_OK;
}

mica_status checkEntryPoints(const fb::Model *meta, const mica_msg *msg) {
  const uint32_t n = length(meta->entry_points());
  for (uint32_t e = 0; e < n; ++e) {
    const fb::EntryPoint *ep = meta->entry_points()->Get(e);
    const char *name = str(ep->name());
    if (name[0] == '\0')
      return mica_failf(msg, MICA_ERROR_MALFORMED, "entry point %u has no name",
                        e);
    for (uint32_t other = 0; other < e; ++other)
      if (mica_rt::equals(meta->entry_points()->Get(other)->name(), name))
        return mica_failf(msg, MICA_ERROR_MALFORMED,
                          "entry points %u and %u are both named '%s'", other,
                          e, name);
    if (!isPowerOfTwo(ep->arena_alignment()) || ep->arena_alignment() > 4096)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "entry '%s': arena alignment %u is not a power of two "
                        "up to 4096",
                        name, ep->arena_alignment());
    if (ep->arena_size() > kMaxBytes || ep->intermediates_size() > kMaxBytes)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "entry '%s': arena size %u is too large", name,
                        ep->arena_size());
    mica_status st = checkTensorSpecs(ep->inputs(), name, "input", msg);
    if (st == MICA_OK)
      st = checkTensorSpecs(ep->outputs(), name, "output", msg);
    if (st == MICA_OK)
      st = checkSteps(meta, ep, msg);
    if (st != MICA_OK)
      return st;
  }
  return MICA_OK;
}

mica_status checkNodes(const fb::Model *meta, const mica_msg *msg) {
  const uint32_t numEntries = length(meta->entry_points());
  for (uint32_t i = 0; i < length(meta->nodes()); ++i) {
    const fb::Node *node = meta->nodes()->Get(i);
    if (node->entry_point() >= numEntries)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "node %u '%s': entry point %u out of range (%u "
                        "entries)",
                        i, str(node->name()), node->entry_point(), numEntries);
    const uint32_t numSteps =
        length(meta->entry_points()->Get(node->entry_point())->steps());
    if (node->step() >= numSteps)
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "node %u '%s': step %u out of range (%u steps)", i,
                        str(node->name()), node->step(), numSteps);
  }
  return MICA_OK;
}

/* Width groups (since minor 3): each has channels and a round, and names
 * its node; kernels that read active_counts have groups to read. */
mica_status checkWidthGroups(const fb::Model *meta, const mica_msg *msg) {
  const uint32_t n = length(meta->width_groups());
  for (uint32_t g = 0; g < n; ++g) {
    const fb::WidthGroup *group = meta->width_groups()->Get(g);
    if (!group->channels() || !group->round() || !str(group->node())[0])
      return mica_failf(msg, MICA_ERROR_MALFORMED,
                        "width group %u: channels %u, round %u, node '%s' "
                        "(both must be >= 1 and the node named)",
                        g, group->channels(), group->round(),
                        str(group->node()));
  }
  if (!n && requiresFeature(meta, MICA_FEATURE_SORTABLE_WIDTH))
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "the artifact requires '%s' but has no width groups",
                      MICA_FEATURE_SORTABLE_WIDTH);
  return MICA_OK;
}

} // namespace

size_t mica_spec_max_bytes(int32_t dtype, const int64_t *max_shape,
                           uint32_t rank) {
  size_t bytes = mica_dtype_size(dtype);
  for (uint32_t d = 0; d < rank; ++d)
    bytes *= (size_t)max_shape[d];
  return bytes;
}

mica_status mica_validate_artifact(const void *data, size_t size, size_t mapped,
                                   int skip_hashes, mica_artifact_view *out,
                                   const mica_msg *msg) {
  const uint8_t *bytes = static_cast<const uint8_t *>(data);
  memset(out, 0, sizeof(*out));
  if (mapped < MICA_ARTIFACT_HEADER_SIZE)
    mapped = size;
  mica_status st = checkHeader(bytes, size, out, msg);
  if (st != MICA_OK)
    return st;
  // Only the resident prefix mapped: it must be exactly what is mapped.
  const uint64_t resident = mapped < size ? out->resident_size : 0;
  if (mapped < size && resident != mapped)
    return mica_failf(msg, MICA_ERROR_INVALID_ARGUMENT,
                      "%u of %u bytes mapped, but the resident size is %u",
                      mapped, size, out->resident_size);
  if (!skip_hashes) {
    st = checkContentHash(bytes, size, resident, msg);
    if (st != MICA_OK)
      return st;
  }

  const uint8_t *metaBytes = bytes + MICA_ARTIFACT_HEADER_SIZE;
  const uint64_t metaSize =
      le64(bytes + offsetof(mica_artifact_header, metadata_size));
  if (!fb::ModelBufferHasIdentifier(metaBytes))
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "metadata at offset %u lacks the file identifier '%s'",
                      MICA_ARTIFACT_HEADER_SIZE, fb::ModelIdentifier());
  flatbuffers::Verifier::Options options;
  options.max_depth = 16; // the schema nests 4 deep
  flatbuffers::Verifier verifier(metaBytes, metaSize, options);
  if (!fb::VerifyModelBuffer(verifier))
    return mica_failf(msg, MICA_ERROR_MALFORMED,
                      "metadata (%u bytes at offset %u) fails the flatbuffers "
                      "verifier: an offset, length or string is out of bounds",
                      metaSize, MICA_ARTIFACT_HEADER_SIZE);
  const fb::Model *meta = fb::GetModel(metaBytes);

  st = checkRequiredFeatures(meta, msg);
  if (st == MICA_OK)
    st = checkTargets(meta, msg);
  if (st == MICA_OK)
    st =
        checkSegments(bytes, size, mapped, MICA_ARTIFACT_HEADER_SIZE + metaSize,
                      out->resident_size, meta, skip_hashes, msg);
  if (st == MICA_OK)
    st = checkEntryPoints(meta, msg);
  if (st == MICA_OK)
    st = checkNodes(meta, msg);
  if (st == MICA_OK)
    st = checkWidthGroups(meta, msg);
  if (st != MICA_OK)
    return st;
  out->data = bytes;
  out->size = size;
  out->meta = meta;
  return MICA_OK;
}
