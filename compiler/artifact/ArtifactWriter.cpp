//===- ArtifactWriter.cpp - Serialise an Artifact to a .mica file ---------===//
//
// Layout (runtime/include/mica/artifact_format.h, docs/artifact-format.md):
//
//   [0, 64)                 fixed header, little-endian
//   [64, 64 + M)            flatbuffer metadata, identifier "MICA"
//   [.., pad to 64)         zeros
//   segment 0, pad, segment 1, pad, ...   each at a 64-aligned offset
//   [resident_size, ..)     the Streamed segments, each at a 16 KiB aligned
//                           offset (MICA_ARTIFACT_STREAM_ALIGNMENT)
//
// Non-streamed segments are placed in table order; the Streamed ones follow
// all of them, in table order, so that the file order (resident constants,
// code, streamed) may differ from the table order (resident constants,
// streamed, code): kernels index the table, loaders the file. resident_size
// is the offset of the first streamed segment (0 when there is none), the
// prefix a streaming runtime maps.
//
// The file ends at the end of the last segment (or at the padded end of the
// metadata when there is none). Segment offsets live inside the metadata, so
// their values depend on its size: the builder runs with ForceDefaults (every
// scalar is stored, so the size does not depend on the values) and the
// metadata is rebuilt until its padded size no longer changes (twice in
// practice). The hashes are computed last, with both hash fields zero:
// resident_hash over [0, resident_size), then content_hash over the whole
// file (resident_hash included).
//
// The writer does not validate: it writes exactly what it is given (the tests
// rely on that to build broken artifacts). Validate the bytes with
// validateArtifactBytes(), which runs the runtime's own checks.
//
//===----------------------------------------------------------------------===//
#include "compiler/artifact/Artifact.h"

#include "mica/artifact_format.h"
#include "mica/runtime.h"
#include "runtime/schema/mica_artifact_generated.h"

#include <cstring>

namespace mica::artifact {

namespace {

constexpr uint64_t kAlign = MICA_ARTIFACT_ALIGNMENT;

uint64_t alignUp(uint64_t value, uint64_t alignment = kAlign) {
  return (value + alignment - 1) & ~(alignment - 1);
}

bool isStreamed(const Segment &segment) {
  return segment.kind == SegmentKind::Streamed;
}

/// Segment.alignment: the file offset of a segment is a multiple of it.
uint32_t fileAlignment(const Segment &segment) {
  return isStreamed(segment) ? MICA_ARTIFACT_STREAM_ALIGNMENT
                             : MICA_ARTIFACT_ALIGNMENT;
}

void putLE32(uint8_t *at, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    at[i] = static_cast<uint8_t>(value >> (8 * i));
}

void putLE64(uint8_t *at, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    at[i] = static_cast<uint8_t>(value >> (8 * i));
}

flatbuffers::Offset<fb::TensorSpec>
buildTensorSpec(flatbuffers::FlatBufferBuilder &fbb, const TensorSpec &spec) {
  auto name = fbb.CreateString(spec.name);
  auto shape = fbb.CreateVector(spec.shape);
  auto maxShape = fbb.CreateVector(spec.maxShape);
  auto dimNames = fbb.CreateVectorOfStrings(spec.dimNames);
  return fb::CreateTensorSpec(fbb, name, spec.dtype, shape, maxShape, dimNames);
}

std::vector<flatbuffers::Offset<fb::TensorSpec>>
buildTensorSpecs(flatbuffers::FlatBufferBuilder &fbb,
                 const std::vector<TensorSpec> &specs) {
  std::vector<flatbuffers::Offset<fb::TensorSpec>> offsets;
  offsets.reserve(specs.size());
  for (const TensorSpec &spec : specs)
    offsets.push_back(buildTensorSpec(fbb, spec));
  return offsets;
}

/// The metadata flatbuffer with the given segment offsets and hashes.
flatbuffers::DetachedBuffer
buildMetadata(const Artifact &artifact,
              const std::vector<uint64_t> &segmentOffsets,
              const std::vector<uint64_t> &segmentHashes) {
  flatbuffers::FlatBufferBuilder fbb(4096);
  fbb.ForceDefaults(true);

  auto producer = fbb.CreateString(artifact.producer);

  std::vector<flatbuffers::Offset<fb::Target>> targets;
  for (const Target &target : artifact.targets) {
    auto name = fbb.CreateString(target.name);
    auto triple = fbb.CreateString(target.triple);
    auto arch = fbb.CreateString(target.arch);
    auto cpu = fbb.CreateString(target.cpu);
    auto features = fbb.CreateVectorOfStrings(target.features);
    targets.push_back(fb::CreateTarget(fbb, name, triple, arch, cpu, features));
  }
  auto targetsVec = fbb.CreateVector(targets);

  std::vector<flatbuffers::Offset<fb::Segment>> segments;
  for (size_t i = 0; i < artifact.segments.size(); ++i) {
    const Segment &segment = artifact.segments[i];
    segments.push_back(fb::CreateSegment(
        fbb, static_cast<fb::SegmentKind>(segment.kind), segmentOffsets[i],
        segment.bytes.size(), fileAlignment(segment), segment.target,
        segmentHashes[i], static_cast<fb::SegmentEncoding>(segment.encoding),
        segment.decodedSize));
  }
  auto segmentsVec = fbb.CreateVector(segments);

  std::vector<flatbuffers::Offset<fb::EntryPoint>> entryPoints;
  for (const EntryPoint &entry : artifact.entryPoints) {
    auto name = fbb.CreateString(entry.name);
    auto inputs = fbb.CreateVector(buildTensorSpecs(fbb, entry.inputs));
    auto outputs = fbb.CreateVector(buildTensorSpecs(fbb, entry.outputs));
    std::vector<flatbuffers::Offset<fb::Step>> steps;
    for (const Step &step : entry.steps) {
      auto symbol = fbb.CreateString(step.symbol);
      auto nodes = fbb.CreateVector(step.nodes);
      steps.push_back(fb::CreateStep(fbb, step.target, step.codeSegment, symbol,
                                     nodes, step.streamed));
    }
    auto stepsVec = fbb.CreateVector(steps);
    entryPoints.push_back(fb::CreateEntryPoint(
        fbb, name, inputs, outputs, stepsVec, entry.arenaSize,
        entry.arenaAlignment, entry.intermediatesSize));
  }
  auto entryPointsVec = fbb.CreateVector(entryPoints);

  std::vector<flatbuffers::Offset<fb::Node>> nodes;
  for (const Node &node : artifact.nodes) {
    auto name = fbb.CreateString(node.name);
    auto opType = fbb.CreateString(node.opType);
    nodes.push_back(
        fb::CreateNode(fbb, name, opType, node.step, node.entryPoint));
  }
  auto nodesVec = fbb.CreateVector(nodes);
  auto report = fbb.CreateString(artifact.reportJson);
  // Absent, not empty, when nothing is required: such an artifact's
  // metadata is what a format 1.0 writer gave.
  flatbuffers::Offset<
      flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>>
      required;
  if (!artifact.requiredFeatures.empty())
    required = fbb.CreateVectorOfStrings(artifact.requiredFeatures);

  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::WidthGroup>>>
      widthGroups;
  if (!artifact.widthGroups.empty()) {
    std::vector<flatbuffers::Offset<fb::WidthGroup>> groups;
    for (const WidthGroup &group : artifact.widthGroups) {
      auto node = fbb.CreateString(group.node);
      auto op = fbb.CreateString(group.op);
      groups.push_back(
          fb::CreateWidthGroup(fbb, group.channels, group.round, node, op));
    }
    widthGroups = fbb.CreateVector(groups);
  }

  auto model =
      fb::CreateModel(fbb, producer, targetsVec, segmentsVec, entryPointsVec,
                      nodesVec, report, required, widthGroups);
  fb::FinishModelBuffer(fbb, model);
  return fbb.Release();
}

/// Where the segments go for metadata of `metadataSize` bytes.
struct Layout {
  std::vector<uint64_t> offsets; // indexed like Artifact::segments
  uint64_t fileSize = 0;
  uint64_t residentSize = 0; // offset of the first streamed segment, or 0
};

/// Non-streamed segments in table order at 64-aligned offsets, then the
/// streamed ones in table order at 16 KiB aligned offsets.
Layout layOutSegments(const Artifact &artifact, uint64_t metadataSize) {
  Layout layout;
  layout.offsets.assign(artifact.segments.size(), 0);
  uint64_t end = alignUp(MICA_ARTIFACT_HEADER_SIZE + metadataSize);
  for (bool streamed : {false, true})
    for (size_t i = 0; i < artifact.segments.size(); ++i) {
      const Segment &segment = artifact.segments[i];
      if (isStreamed(segment) != streamed)
        continue;
      uint64_t at = alignUp(end, fileAlignment(segment));
      if (streamed && layout.residentSize == 0)
        layout.residentSize = at;
      layout.offsets[i] = at;
      end = at + segment.bytes.size();
    }
  layout.fileSize = end;
  return layout;
}

} // namespace

std::vector<uint8_t> serializeArtifact(const Artifact &artifact) {
  std::vector<uint64_t> hashes;
  hashes.reserve(artifact.segments.size());
  for (const Segment &segment : artifact.segments)
    hashes.push_back(mica_fnv1a64(segment.bytes.data(), segment.bytes.size(),
                                  MICA_FNV_OFFSET_BASIS));

  // Offsets depend on the metadata's size, which (with ForceDefaults) does
  // not depend on the offsets' values: start from a guess and rebuild until
  // the padded size is stable.
  uint64_t metadataGuess = 0;
  Layout layout = layOutSegments(artifact, metadataGuess);
  flatbuffers::DetachedBuffer metadata =
      buildMetadata(artifact, layout.offsets, hashes);
  while (alignUp(metadata.size()) != alignUp(metadataGuess)) {
    metadataGuess = metadata.size();
    layout = layOutSegments(artifact, metadataGuess);
    metadata = buildMetadata(artifact, layout.offsets, hashes);
  }

  const uint64_t fileSize = layout.fileSize;
  std::vector<uint8_t> file(fileSize, 0);
  uint8_t *header = file.data();
  std::memcpy(header, MICA_ARTIFACT_MAGIC, 8);
  putLE32(header + offsetof(mica_artifact_header, format_major),
          MICA_ARTIFACT_FORMAT_MAJOR);
  putLE32(header + offsetof(mica_artifact_header, format_minor),
          MICA_ARTIFACT_FORMAT_MINOR);
  putLE64(header + offsetof(mica_artifact_header, file_size), fileSize);
  putLE64(header + offsetof(mica_artifact_header, metadata_offset),
          MICA_ARTIFACT_HEADER_SIZE);
  putLE64(header + offsetof(mica_artifact_header, metadata_size),
          metadata.size());
  std::memcpy(file.data() + MICA_ARTIFACT_HEADER_SIZE, metadata.data(),
              metadata.size());
  for (size_t i = 0; i < artifact.segments.size(); ++i) {
    const std::vector<uint8_t> &bytes = artifact.segments[i].bytes;
    if (!bytes.empty())
      std::memcpy(file.data() + layout.offsets[i], bytes.data(), bytes.size());
  }
  // Both hash fields are still zero here, as the definitions require.
  putLE64(header + offsetof(mica_artifact_header, resident_size),
          layout.residentSize);
  if (layout.residentSize != 0)
    putLE64(
        header + offsetof(mica_artifact_header, resident_hash),
        mica_fnv1a64(file.data(), layout.residentSize, MICA_FNV_OFFSET_BASIS));
  putLE64(header + offsetof(mica_artifact_header, content_hash),
          mica_fnv1a64(file.data(), file.size(), MICA_FNV_OFFSET_BASIS));
  return file;
}

std::string validateArtifactBytes(const std::vector<uint8_t> &bytes) {
  // The runtime wants 64-byte aligned data, as a mapped file is.
  const size_t size = bytes.size();
  uint8_t *copy = static_cast<uint8_t *>(
      ::operator new(size + kAlign, std::align_val_t(kAlign)));
  if (size)
    std::memcpy(copy, bytes.data(), size);
  char error[512] = {0};
  mica_model *model = nullptr;
  mica_status status =
      mica_model_load_metadata(copy, size, &model, error, sizeof(error));
  mica_model_free(model);
  ::operator delete(copy, std::align_val_t(kAlign));
  return status == MICA_OK ? std::string() : std::string(error);
}

} // namespace mica::artifact
