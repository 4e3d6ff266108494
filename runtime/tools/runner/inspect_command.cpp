//===- inspect_command.cpp - `mica inspect` -------------------------------===//
//
//   mica inspect MODEL.mica [--json]
//
// Describes an artifact of any target without loading its code
// (mica_model_load_metadata): format, producer, target, hashes, the resident
// prefix of a --memory-budget build, segments, entry points with their
// signatures, plans (with each step's streamed segment) and memory plans,
// nodes with
// their precision (from the compile report's quantization section), the
// width groups of a --sortable-width build and the compile report. The contract
// is in docs/cli.md.
//===----------------------------------------------------------------------===//
#include "runtime/tools/runner/cli.h"
#include "runtime/tools/runner/json.h"
#include "runtime/tools/runner/runner.h"
#include "runtime/tools/runner/tensor_file.h"

#include "mica/artifact_format.h"
#include "mica/runtime.h"
#include "runtime/schema/mica_artifact_generated.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>

using namespace mica::runner;

namespace {

const char *const kCommand = "inspect";

const char kHelp[] =
    "usage: mica inspect MODEL.mica [--json]\n"
    "\n"
    "Describes a compiled model of any target without running it: format\n"
    "version, producer, target, content hash, the resident prefix of a\n"
    "--memory-budget model, segments (constants, code, streamed), entry\n"
    "points with their signatures, execution plans (each step's streamed\n"
    "segment) and memory plans, the nodes with\n"
    "their precision (int8, or float and why) for a quantised model, the\n"
    "width groups of a --sortable-width model (index, node, op, channels,\n"
    "round) and the compile report.\n"
    "\n"
    "options:\n"
    "  --json   Print one JSON object on stdout (schema_version 1) that "
    "embeds\n"
    "           the compile report as it is stored.\n"
    "  --help   Show this help.\n"
    "\n"
    "Exit codes: 0 ok, 1 error (unreadable or invalid artifact), 2 usage.\n";

struct ModelHandle {
  mica_model *model = nullptr;
  ~ModelHandle() { mica_model_free(model); }
};

/// What inspect reads from the file itself, past the runtime's queries: the
/// header's resident prefix and each step's streamed segment. Only used once
/// mica_model_load_metadata has validated the same bytes.
class ArtifactFile {
public:
  explicit ArtifactFile(const void *data)
      : bytes(static_cast<const uint8_t *>(data)),
        metadata(mica::fb::GetModel(bytes + MICA_ARTIFACT_HEADER_SIZE)) {}

  /// 0 for an artifact without streamed segments (and any before 1.4).
  uint64_t residentSize() const {
    return readLE64(offsetof(mica_artifact_header, resident_size));
  }
  uint64_t residentHash() const {
    return readLE64(offsetof(mica_artifact_header, resident_hash));
  }
  /// Step.streamed: the streamed segment the step reads, or -1.
  int32_t stepStreamed(uint32_t entry, uint32_t step) const {
    const auto *entries = metadata->entry_points();
    if (!entries || entry >= entries->size())
      return -1;
    const auto *steps = entries->Get(entry)->steps();
    return steps && step < steps->size() ? steps->Get(step)->streamed() : -1;
  }
  /// Segment.alignment.
  uint32_t segmentAlignment(uint32_t index) const {
    const auto *segments = metadata->segments();
    return segments && index < segments->size()
               ? segments->Get(index)->alignment()
               : 0;
  }

private:
  uint64_t readLE64(size_t offset) const {
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i)
      value = (value << 8) | bytes[offset + i];
    return value;
  }

  const uint8_t *bytes;
  const mica::fb::Model *metadata;
};

std::vector<std::string> splitFeatures(const char *text) {
  std::vector<std::string> out;
  std::string all = text ? text : "";
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find(',', start);
    if (end == std::string::npos)
      end = all.size();
    if (end > start)
      out.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string str(const char *text) { return text ? text : ""; }

/// What the compile report says about one node's arithmetic.
struct NodePrecision {
  std::string precision, reason;
  const JsonValue *sqnr = nullptr; // dB, when measured
};

/// The precision of each node by name, from the compile report's
/// `quantization.nodes`; false when the artifact was not quantised (no
/// report, or one without that section).
bool readPrecision(const JsonValue &report,
                   std::map<std::string, NodePrecision> &out) {
  const JsonValue *quantization = report.get("quantization");
  const JsonValue *nodes = quantization ? quantization->get("nodes") : nullptr;
  if (!nodes || nodes->kind != JsonValue::Kind::Array)
    return false;
  for (const JsonValue &node : nodes->items) {
    const JsonValue *name = node.get("node");
    const JsonValue *precision = node.get("precision");
    if (!name || !precision || name->kind != JsonValue::Kind::String ||
        precision->kind != JsonValue::Kind::String)
      continue;
    NodePrecision &entry = out[name->string];
    entry.precision = precision->string;
    if (const JsonValue *reason = node.get("reason"))
      entry.reason = reason->string;
    const JsonValue *sqnr = node.get("sqnr_db");
    if (sqnr && sqnr->kind == JsonValue::Kind::Number)
      entry.sqnr = sqnr;
  }
  return true;
}

double numberAt(const JsonValue *object, const char *name) {
  const JsonValue *value = object ? object->get(name) : nullptr;
  return value && value->kind == JsonValue::Kind::Number ? value->number : 0;
}

/// "flops: original -> compiled (x%)" (multiply-adds) and, when tokens were
/// merged, one line per transformer block with its tokens in and out.
void printFlopsAndBlocks(const JsonValue &report) {
  const JsonValue *flops = report.get("flops");
  double original = numberAt(flops, "original");
  double compiled = numberAt(flops, "compiled");
  if (original > 0)
    std::printf("flops: %.0f -> %.0f multiply-adds (%.1f%%)\n", original,
                compiled, 100.0 * compiled / original);
  const JsonValue *blocks = report.get("transformer_blocks");
  if (!blocks || blocks->kind != JsonValue::Kind::Array)
    return;
  if (const JsonValue *merge = report.get("token_merge"))
    std::printf("token merge: r=%.0f from block %.0f, %.0f protected\n",
                numberAt(merge, "r"), numberAt(merge, "start"),
                numberAt(merge, "protect"));
  if (const JsonValue *frames = report.get("temporal_merge"))
    std::printf("temporal merge: %.0f frames\n", numberAt(frames, "frames"));
  for (const JsonValue &block : blocks->items) {
    const JsonValue *node = block.get("node");
    std::printf(
        "    block %.0f (%s): tokens %.0f -> %.0f", numberAt(&block, "index"),
        node && node->kind == JsonValue::Kind::String ? node->string.c_str()
                                                      : "?",
        numberAt(&block, "tokens_in"), numberAt(&block, "tokens_out"));
    if (numberAt(&block, "frames_in") > 0)
      std::printf(", frames %.0f -> %.0f", numberAt(&block, "frames_in"),
                  numberAt(&block, "frames_out"));
    std::printf("\n");
  }
}

/// When blocks were removed or shared, weights sparsified or channels
/// pruned: a summary line for each ("pruning: removed/prunable channels
/// (score), constants before -> after", "sparsity: zeros of weights
/// (pattern), constants stored of decoded") and one line per block, layer
/// or channel group.
std::string formatBytes(uint64_t bytes);

void printPruning(const JsonValue &report) {
  auto text = [](const JsonValue *value) {
    return value && value->kind == JsonValue::Kind::String
               ? value->string.c_str()
               : "?";
  };
  const JsonValue *removal = report.get("remove_blocks");
  const JsonValue *blocks = removal ? removal->get("blocks") : nullptr;
  if (blocks && blocks->kind == JsonValue::Kind::Array) {
    const JsonValue *removed = removal->get("removed");
    std::printf("block removal: %zu of %zu residual blocks removed\n",
                removed && removed->kind == JsonValue::Kind::Array
                    ? removed->items.size()
                    : 0,
                blocks->items.size());
    for (const JsonValue &block : blocks->items) {
      const JsonValue *gone = block.get("removed");
      std::printf("    block %.0f (%s, %s): influence %.4f, %.0f "
                  "multiply-adds%s\n",
                  numberAt(&block, "index"), text(block.get("kind")),
                  text(block.get("node")), numberAt(&block, "influence"),
                  numberAt(&block, "flops"),
                  gone && gone->kind == JsonValue::Kind::Bool && gone->boolean
                      ? ", removed"
                      : "");
    }
  }
  if (const JsonValue *sharing = report.get("share_blocks")) {
    const JsonValue *constants = sharing->get("constants_bytes");
    const JsonValue *groups = sharing->get("groups");
    std::printf("block sharing: groups of %.0f (%s), %zu groups, constants "
                "%s -> %s\n",
                numberAt(sharing, "group"), text(sharing->get("mode")),
                groups && groups->kind == JsonValue::Kind::Array
                    ? groups->items.size()
                    : 0,
                formatBytes((uint64_t)numberAt(constants, "original")).c_str(),
                formatBytes((uint64_t)numberAt(constants, "shared")).c_str());
  }
  if (const JsonValue *sparsity = report.get("sparsity")) {
    const JsonValue *weights = sparsity->get("weights");
    const JsonValue *constants = sparsity->get("constants_bytes");
    const JsonValue *pattern = sparsity->get("pattern");
    std::printf("sparsity: %.0f of %.0f weights zero (",
                numberAt(weights, "zeros"), numberAt(weights, "elements"));
    if (pattern)
      std::printf("%s", text(pattern));
    else
      std::printf("ratio %.3f", numberAt(sparsity, "ratio"));
    std::printf("), constants %s stored of %s\n",
                formatBytes((uint64_t)numberAt(constants, "stored")).c_str(),
                formatBytes((uint64_t)numberAt(constants, "decoded")).c_str());
    const JsonValue *layers = sparsity->get("layers");
    if (layers && layers->kind == JsonValue::Kind::Array)
      for (const JsonValue &layer : layers->items) {
        const JsonValue *left = layer.get("left_dense");
        std::printf("    %s (%s): %.0f of %.0f zero, computes %s%s%s\n",
                    text(layer.get("node")), text(layer.get("op")),
                    numberAt(&layer, "zeros"), numberAt(&layer, "elements"),
                    text(layer.get("compute")), left ? "; left dense: " : "",
                    left ? text(left) : "");
      }
  }
  const JsonValue *prune = report.get("prune");
  if (!prune)
    return;
  const JsonValue *channels = prune->get("channels");
  const JsonValue *constants = prune->get("constants_bytes");
  const JsonValue *score = prune->get("score");
  std::printf("pruning: %.0f of %.0f channels removed (fraction %.3f, score "
              "%s), constants %s -> %s\n",
              numberAt(channels, "removed"), numberAt(channels, "prunable"),
              numberAt(prune, "fraction"),
              score && score->kind == JsonValue::Kind::String
                  ? score->string.c_str()
                  : "?",
              formatBytes((uint64_t)numberAt(constants, "original")).c_str(),
              formatBytes((uint64_t)numberAt(constants, "pruned")).c_str());
  const JsonValue *groups = prune->get("groups");
  if (!groups || groups->kind != JsonValue::Kind::Array)
    return;
  for (const JsonValue &group : groups->items) {
    const JsonValue *node = group.get("node");
    const JsonValue *op = group.get("op");
    std::printf(
        "    %s (%s): channels %.0f -> %.0f\n",
        node && node->kind == JsonValue::Kind::String ? node->string.c_str()
                                                      : "?",
        op && op->kind == JsonValue::Kind::String ? op->string.c_str() : "?",
        numberAt(&group, "channels"), numberAt(&group, "kept"));
  }
}

/// "precision: N int8, M float, ..." and one line per node in the order of
/// the node table: name, op type, precision, SQNR, why it is float.
void printPrecisionText(const mica_model *model,
                        const std::map<std::string, NodePrecision> &nodes) {
  uint32_t count = mica_model_num_nodes(model);
  std::vector<std::string> kinds;
  std::map<std::string, int> tally;
  size_t nameWidth = 4, opWidth = 2;
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = str(mica_model_node_name(model, i));
    auto it = nodes.find(name);
    std::string kind = it == nodes.end() ? "?" : it->second.precision;
    if (tally[kind]++ == 0)
      kinds.push_back(kind);
    nameWidth = std::max(nameWidth, std::min<size_t>(name.size(), 40));
    opWidth = std::max(opWidth, str(mica_model_node_op_type(model, i)).size());
  }
  std::string summary;
  for (const std::string &kind : kinds)
    summary += (summary.empty() ? "" : ", ") + std::to_string(tally[kind]) +
               " " + kind;
  std::printf("precision: %s\n",
              summary.empty() ? "no nodes" : summary.c_str());
  auto padded = [](std::string text, size_t width) {
    return text.size() < width ? text + std::string(width - text.size(), ' ')
                               : text;
  };
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = str(mica_model_node_name(model, i));
    auto it = nodes.find(name);
    std::string text =
        "  " + padded(name, nameWidth) + "  " +
        padded(str(mica_model_node_op_type(model, i)), opWidth) + "  " +
        padded(it == nodes.end() ? "?" : it->second.precision, 5);
    if (it != nodes.end() && it->second.sqnr) {
      char sqnr[48];
      std::snprintf(sqnr, sizeof(sqnr), "  SQNR %.2f dB",
                    it->second.sqnr->number);
      text += sqnr;
    }
    if (it != nodes.end() && !it->second.reason.empty())
      text += "  " + it->second.reason;
    text.erase(text.find_last_not_of(' ') + 1);
    std::printf("%s\n", text.c_str());
  }
}

const char *segmentKind(int32_t kind) {
  return kind == 0   ? "constants"
         : kind == 1 ? "code"
         : kind == 2 ? "streamed"
                     : "unknown";
}

const char *segmentEncoding(uint32_t encoding) {
  return encoding == 0 ? "raw" : encoding == 1 ? "zero_bitmap" : "unknown";
}

double savingPercent(size_t arena, size_t intermediates) {
  return intermediates ? 100.0 * (1.0 - (double)arena / (double)intermediates)
                       : 0.0;
}

std::string formatBytes(uint64_t bytes) {
  char buf[64];
  if (bytes < 10 * 1024)
    std::snprintf(buf, sizeof(buf), "%" PRIu64 " B", bytes);
  else if (bytes < 10 * 1024 * 1024)
    std::snprintf(buf, sizeof(buf), "%.1f KiB", (double)bytes / 1024);
  else
    std::snprintf(buf, sizeof(buf), "%.1f MiB", (double)bytes / 1048576);
  return buf;
}

std::string maxShape(const mica_tensor_info &info) {
  return formatShape(
      std::vector<int64_t>(info.max_shape, info.max_shape + info.rank));
}

bool isDynamic(const mica_tensor_info &info) {
  for (int32_t d = 0; d < info.rank; ++d)
    if (info.shape[d] < 0)
      return true;
  return false;
}

void printTensorText(const mica_tensor_info &info) {
  std::string shape =
      formatShape(std::vector<int64_t>(info.shape, info.shape + info.rank));
  std::printf("      %s: %s %s", info.name, mica_dtype_name(info.dtype),
              shape.c_str());
  if (isDynamic(info))
    std::printf(" (max %s)", maxShape(info).c_str());
  std::printf("\n");
}

/// "width groups: N" and, per group, its index, node, op, channels and
/// round; nothing for a model compiled without --sortable-width.
void printWidthGroupsText(const mica_model *model) {
  uint32_t count = mica_model_num_width_groups(model);
  if (count == 0)
    return;
  std::printf("width groups: %u\n", count);
  for (uint32_t g = 0; g < count; ++g) {
    mica_width_group_info info;
    if (mica_model_width_group(model, g, &info) == MICA_OK)
      std::printf("  #%u %s (%s): channels %lld, round %lld\n", g, info.node,
                  *info.op ? info.op : "?", (long long)info.channels,
                  (long long)info.round);
  }
}

void printText(const std::string &path, const mica_model *model,
               const ArtifactFile &file) {
  mica_model_summary s;
  mica_model_get_summary(model, &s);
  std::printf("file: %s (%" PRIu64 " bytes)\n", path.c_str(), s.file_size);
  std::printf("format: %u.%u\n", s.format_major, s.format_minor);
  std::printf("producer: %s\n", str(s.producer).c_str());
  std::printf("target: %s (%s, cpu %s, features %s)\n",
              str(s.target_name).c_str(), str(s.target_triple).c_str(),
              str(s.target_cpu).c_str(),
              *str(s.target_features).c_str() ? s.target_features : "none");
  std::printf("content hash: 0x%016" PRIx64 "\n", s.content_hash);
  if (file.residentSize() != 0)
    std::printf("resident prefix: %" PRIu64 " bytes (%s), hash 0x%016" PRIx64
                " (streamed segments after it)\n",
                file.residentSize(), formatBytes(file.residentSize()).c_str(),
                file.residentHash());
  std::string required;
  for (uint32_t i = 0; i < mica_model_num_required_features(model); ++i)
    required += std::string(required.empty() ? "" : ", ") +
                mica_model_required_feature(model, i);
  std::printf("requires: %s\n", required.empty() ? "nothing beyond the format"
                                                 : required.c_str());
  std::printf("segments: %u\n", s.num_segments);
  for (uint32_t i = 0; i < s.num_segments; ++i) {
    mica_segment_info seg;
    if (mica_model_segment_info(model, i, &seg) != MICA_OK)
      continue;
    std::printf("  #%u %-9s offset %" PRIu64 " size %" PRIu64 " (%s)", i,
                segmentKind(seg.kind), seg.offset, seg.size,
                formatBytes(seg.size).c_str());
    if (seg.encoding != 0)
      std::printf(" stored (%s), %" PRIu64 " decoded (%s)",
                  segmentEncoding(seg.encoding), seg.decoded_size,
                  formatBytes(seg.decoded_size).c_str());
    if (seg.kind == 1)
      std::printf(" target %d", seg.target);
    if (seg.kind == 2)
      std::printf(" align %u", file.segmentAlignment(i));
    std::printf("\n");
  }
  uint32_t entries = mica_model_num_entry_points(model);
  std::printf("entry points: %u\n", entries);
  for (uint32_t e = 0; e < entries; ++e) {
    std::printf("  %s\n", str(mica_model_entry_point_name(model, e)).c_str());
    std::printf("    inputs:\n");
    for (uint32_t i = 0; i < mica_model_num_inputs(model, e); ++i) {
      mica_tensor_info info;
      if (mica_model_input_info(model, e, i, &info) == MICA_OK)
        printTensorText(info);
    }
    std::printf("    outputs:\n");
    for (uint32_t i = 0; i < mica_model_num_outputs(model, e); ++i) {
      mica_tensor_info info;
      if (mica_model_output_info(model, e, i, &info) == MICA_OK)
        printTensorText(info);
    }
    uint32_t steps = mica_model_num_steps(model, e);
    std::printf("    plan: %u step%s\n", steps, steps == 1 ? "" : "s");
    for (uint32_t i = 0; i < steps; ++i) {
      std::printf("      %u %s", i,
                  str(mica_model_step_symbol(model, e, i)).c_str());
      if (file.stepStreamed(e, i) >= 0)
        std::printf(" streams #%d", file.stepStreamed(e, i));
      std::printf("\n");
    }
    size_t arena = mica_model_arena_size(model, e);
    size_t all = mica_model_intermediates_size(model, e);
    std::printf("    memory: arena %s, intermediates %s without reuse "
                "(saving %.1f%%)\n",
                formatBytes(arena).c_str(), formatBytes(all).c_str(),
                savingPercent(arena, all));
  }
  std::printf("nodes: %u\n", mica_model_num_nodes(model));
  printWidthGroupsText(model);
  std::string report = str(mica_model_report_json(model));
  JsonValue parsed;
  std::map<std::string, NodePrecision> precision;
  if (parseJson(report, parsed)) {
    printFlopsAndBlocks(parsed);
    printPruning(parsed);
  }
  if (parseJson(report, parsed) && readPrecision(parsed, precision))
    printPrecisionText(model, precision);
  else if (!report.empty())
    std::printf("precision: float (not quantised)\n");
  if (report.empty())
    std::printf("compile report: none\n");
  else
    std::printf("compile report: %zu bytes of JSON (shown with --json)\n",
                report.size());
}

void writeTensorJson(JsonWriter &json, const mica_tensor_info &info) {
  json.beginObject();
  json.key("name");
  json.value(info.name);
  json.key("dtype");
  json.value(mica_dtype_name(info.dtype));
  json.key("shape");
  json.beginArray();
  for (int32_t d = 0; d < info.rank; ++d) {
    if (info.shape[d] < 0)
      json.value("?");
    else
      json.value(info.shape[d]);
  }
  json.endArray();
  json.key("max_shape");
  json.beginArray();
  for (int32_t d = 0; d < info.rank; ++d)
    json.value(info.max_shape[d]);
  json.endArray();
  json.endObject();
}

void printJson(const std::string &path, const mica_model *model,
               const ArtifactFile &file) {
  mica_model_summary s;
  mica_model_get_summary(model, &s);
  JsonWriter json;
  json.beginObject();
  json.key("schema_version");
  json.value(kJsonSchemaVersion);
  json.key("file");
  json.value(path);
  json.key("file_size");
  json.value(s.file_size);
  json.key("format_version");
  json.value(std::to_string(s.format_major) + "." +
             std::to_string(s.format_minor));
  json.key("producer");
  json.value(s.producer);
  json.key("target");
  json.beginObject();
  json.key("name");
  json.value(s.target_name);
  json.key("triple");
  json.value(s.target_triple);
  json.key("cpu");
  json.value(s.target_cpu);
  json.key("features");
  json.beginArray();
  for (const std::string &f : splitFeatures(s.target_features))
    json.value(f);
  json.endArray();
  json.endObject();
  char hash[24];
  std::snprintf(hash, sizeof(hash), "%016" PRIx64, s.content_hash);
  json.key("content_hash"); // a string: JSON numbers lose 64-bit precision
  json.value(hash);
  // The prefix a streaming runtime maps: 0 (and hash "0000...") without
  // streamed segments.
  json.key("resident_size");
  json.value(file.residentSize());
  std::snprintf(hash, sizeof(hash), "%016" PRIx64, file.residentHash());
  json.key("resident_hash");
  json.value(hash);
  json.key("required_features");
  json.beginArray();
  for (uint32_t i = 0; i < mica_model_num_required_features(model); ++i)
    json.value(mica_model_required_feature(model, i));
  json.endArray();
  json.key("segments");
  json.beginArray();
  for (uint32_t i = 0; i < s.num_segments; ++i) {
    mica_segment_info seg;
    if (mica_model_segment_info(model, i, &seg) != MICA_OK)
      continue;
    json.beginObject();
    json.key("kind");
    json.value(segmentKind(seg.kind));
    json.key("target");
    json.value((int64_t)seg.target);
    json.key("offset");
    json.value(seg.offset);
    json.key("size");
    json.value(seg.size);
    if (seg.kind == 2) { // others keep the keys of format 1.1
      json.key("alignment");
      json.value(file.segmentAlignment(i));
    }
    if (seg.encoding != 0) { // raw segments keep the keys of format 1.1
      json.key("encoding");
      json.value(segmentEncoding(seg.encoding));
      json.key("decoded_size");
      json.value(seg.decoded_size);
    }
    json.endObject();
  }
  json.endArray();
  json.key("entry_points");
  json.beginArray();
  for (uint32_t e = 0; e < mica_model_num_entry_points(model); ++e) {
    json.beginObject();
    json.key("name");
    json.value(mica_model_entry_point_name(model, e));
    json.key("inputs");
    json.beginArray();
    for (uint32_t i = 0; i < mica_model_num_inputs(model, e); ++i) {
      mica_tensor_info info;
      if (mica_model_input_info(model, e, i, &info) == MICA_OK)
        writeTensorJson(json, info);
    }
    json.endArray();
    json.key("outputs");
    json.beginArray();
    for (uint32_t i = 0; i < mica_model_num_outputs(model, e); ++i) {
      mica_tensor_info info;
      if (mica_model_output_info(model, e, i, &info) == MICA_OK)
        writeTensorJson(json, info);
    }
    json.endArray();
    json.key("steps");
    json.beginArray();
    for (uint32_t i = 0; i < mica_model_num_steps(model, e); ++i)
      json.value(mica_model_step_symbol(model, e, i));
    json.endArray();
    // Parallel to "steps": the streamed segment each step reads, or -1.
    json.key("step_streamed");
    json.beginArray();
    for (uint32_t i = 0; i < mica_model_num_steps(model, e); ++i)
      json.value((int64_t)file.stepStreamed(e, i));
    json.endArray();
    size_t arena = mica_model_arena_size(model, e);
    size_t all = mica_model_intermediates_size(model, e);
    json.key("arena_size");
    json.value((uint64_t)arena);
    json.key("intermediates_size");
    json.value((uint64_t)all);
    json.key("memory_saving_percent");
    json.value(savingPercent(arena, all));
    json.endObject();
  }
  json.endArray();
  json.key("width_groups"); // [] without --sortable-width
  json.beginArray();
  for (uint32_t g = 0; g < mica_model_num_width_groups(model); ++g) {
    mica_width_group_info info;
    if (mica_model_width_group(model, g, &info) != MICA_OK)
      continue;
    json.beginObject();
    json.key("index");
    json.value(g);
    json.key("node");
    json.value(info.node);
    json.key("op");
    json.value(info.op);
    json.key("channels");
    json.value(info.channels);
    json.key("round");
    json.value(info.round);
    json.endObject();
  }
  json.endArray();
  json.key("num_nodes");
  json.value(mica_model_num_nodes(model));
  std::string report = str(mica_model_report_json(model));
  JsonValue parsed;
  std::map<std::string, NodePrecision> precision;
  bool quantised =
      parseJson(report, parsed) && readPrecision(parsed, precision);
  json.key("nodes");
  json.beginArray();
  for (uint32_t i = 0; i < mica_model_num_nodes(model); ++i) {
    std::string name = str(mica_model_node_name(model, i));
    json.beginObject();
    json.key("name");
    json.value(name);
    json.key("op_type");
    json.value(mica_model_node_op_type(model, i));
    auto it = precision.find(name);
    json.key("precision");
    json.value(it != precision.end() ? it->second.precision
                                     : std::string(quantised ? "?" : "float"));
    if (it != precision.end() && it->second.sqnr) {
      json.key("sqnr_db");
      json.value(it->second.sqnr->number);
    }
    if (it != precision.end() && !it->second.reason.empty()) {
      json.key("reason");
      json.value(it->second.reason);
    }
    json.endObject();
  }
  json.endArray();
  // The report is embedded as it is stored; text that is not valid JSON is
  // embedded as a string so that stdout stays one JSON document.
  json.key("report");
  if (report.empty())
    json.null();
  else if (isValidJson(report))
    json.raw(report);
  else
    json.value(report);
  json.endObject();
  std::printf("%s\n", json.str().c_str());
}

} // namespace

extern "C" int mica_runner_inspect_main(int argc, char **argv) {
  ArgScanner args(argc, argv);
  std::string path;
  bool json = false, help = false, havePath = false;
  while (args.next()) {
    if (!args.isOption()) {
      if (havePath)
        return fail(kCommand, kUsage,
                    "more than one model given (run 'mica inspect --help')");
      path = args.arg();
      havePath = true;
    } else if (args.arg() == "-h" ||
               (args.is("--help") && !args.hasInlineValue())) {
      help = true;
    } else if (args.is("--json") && !args.hasInlineValue()) {
      json = true;
    } else {
      return fail(kCommand, kUsage,
                  "unknown option '" + args.arg() +
                      "' (run 'mica inspect --help')");
    }
  }
  if (help) {
    std::fputs(kHelp, stdout);
    return kOk;
  }
  if (!havePath)
    return fail(kCommand, kUsage, "no model given (run 'mica inspect --help')");
  MappedFile file;
  std::string error;
  if (!file.open(path, error))
    return fail(kCommand, kError, error);
  ModelHandle handle;
  char message[512] = "";
  if (mica_model_load_metadata(file.data(), file.size(), &handle.model, message,
                               sizeof(message)) != MICA_OK)
    return fail(kCommand, kError, path + ": " + message);
  ArtifactFile artifact(file.data());
  if (json)
    printJson(path, handle.model, artifact);
  else
    printText(path, handle.model, artifact);
  return kOk;
}
