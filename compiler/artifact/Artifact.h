//===- Artifact.h - In-memory form of a .mica artifact ----------*- C++ -*-===//
//
// What the compiler knows about an artifact before it is written: plain data
// mirroring runtime/schema/mica_artifact.fbs. serializeArtifact() turns it
// into the file layout of runtime/include/mica/artifact_format.h; the output
// depends only on this data (no time stamps, no addresses), so equal inputs
// give byte-identical files.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_ARTIFACT_ARTIFACT_H
#define MICA_COMPILER_ARTIFACT_ARTIFACT_H

#include <cstdint>
#include <string>
#include <vector>

namespace mica::artifact {

/// Streamed: constants of one --memory-budget block, laid out after every
/// other segment at MICA_ARTIFACT_STREAM_ALIGNMENT (see artifact_format.h).
enum class SegmentKind : uint8_t { Constants = 0, Code = 1, Streamed = 2 };

/// How a segment's bytes are stored (Segment.encoding in the schema). Only
/// Constants segments may be ZeroBitmap; ConstantEncoding.h writes them.
enum class SegmentEncoding : uint8_t { Raw = 0, ZeroBitmap = 1 };

struct Target {
  std::string name, triple, arch, cpu;
  std::vector<std::string> features;
};

struct Segment {
  SegmentKind kind = SegmentKind::Constants;
  int32_t target = -1;        // index into Artifact::targets for code segments
  std::vector<uint8_t> bytes; // as stored in the file (encoded if encoded)
  SegmentEncoding encoding = SegmentEncoding::Raw;
  uint64_t decodedSize = 0; // bytes after decoding; 0 when Raw
};

struct TensorSpec {
  std::string name;
  int32_t dtype = 0;             // ONNX TensorProto.DataType
  std::vector<int64_t> shape;    // -1 = symbolic
  std::vector<int64_t> maxShape; // upper bounds
  std::vector<std::string> dimNames;
};

/// Step::codeSegment of a kernel linked into the program instead of carried
/// by the artifact (static-library builds, mica_model_load_linked); equals
/// MICA_ARTIFACT_NO_SEGMENT in runtime/include/mica/artifact_format.h.
constexpr uint32_t kNoCodeSegment = 0xFFFFFFFFu;

struct Step {
  uint32_t target = 0, codeSegment = 0;
  std::string symbol;
  std::vector<uint32_t> nodes;
  int32_t streamed = -1; // index of the Streamed segment it reads, or -1
};

struct EntryPoint {
  std::string name = "main";
  std::vector<TensorSpec> inputs, outputs;
  std::vector<Step> steps;
  uint64_t arenaSize = 0, intermediatesSize = 0;
  uint32_t arenaAlignment = 64;
};

struct Node {
  std::string name, opType;
  uint32_t step = 0, entryPoint = 0;
};

/// A width group of a --sortable-width artifact (WidthGroup in the schema):
/// the run computes a prefix of `channels`, a multiple of `round` or all.
struct WidthGroup {
  uint32_t channels = 0, round = 1;
  std::string node, op;
};

struct Artifact {
  std::string producer;
  std::vector<Target> targets;
  std::vector<Segment> segments; // constants first, then code
  std::vector<EntryPoint> entryPoints;
  std::vector<Node> nodes;
  std::string reportJson;
  /// MICA_FEATURE_* names the runtime must implement to run this artifact.
  std::vector<std::string> requiredFeatures;
  /// Indexed like mica_kernel_ctx.active_counts; empty without
  /// --sortable-width (the table is then absent from the file).
  std::vector<WidthGroup> widthGroups;
};

/// The bytes of the .mica file for `artifact`. Writes exactly what it is
/// given, without validating it: check the result with validateArtifactBytes.
std::vector<uint8_t> serializeArtifact(const Artifact &artifact);

/// Runs the runtime's own load-time validation (mica_model_load_metadata: every
/// check except the target-machine check) on serialized bytes. Returns "" when
/// the artifact is valid, else the runtime's message.
std::string validateArtifactBytes(const std::vector<uint8_t> &bytes);

} // namespace mica::artifact

#endif // MICA_COMPILER_ARTIFACT_ARTIFACT_H
