//===- Report.cpp - The compile report ------------------------------------===//
#include "compiler/driver/Report.h"

#include "compiler/diagnostics/NodeLocation.h"

#include "compiler/support/DataTypes.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

using namespace mica;

namespace {

/// Why a sparse layer computes with the dense kernels (docs/pruning.md,
/// "Sparse weights": measured, a zero-skipping kernel does not pay there).
constexpr const char *kSparseComputesDense =
    "no zero-skipping CPU kernel: a gathered 2:4 product measured 2.4-3.6x "
    "slower than dense in cache (docs/pruning.md, Sparse weights); stored "
    "compressed, decoded at load";

llvm::json::Array specsJson(llvm::ArrayRef<artifact::TensorSpec> specs) {
  llvm::json::Array out;
  for (const artifact::TensorSpec &spec : specs) {
    llvm::json::Array shape, maxShape;
    for (int64_t d : spec.shape)
      shape.push_back(d < 0 ? llvm::json::Value("?") : llvm::json::Value(d));
    for (int64_t d : spec.maxShape)
      maxShape.push_back(d);
    out.push_back(llvm::json::Object{{"name", spec.name},
                                     {"dtype", dataTypeName(spec.dtype)},
                                     {"shape", std::move(shape)},
                                     {"max_shape", std::move(maxShape)}});
  }
  return out;
}

llvm::json::Object memoryJson(const artifact::EntryPoint &entry) {
  double saving =
      entry.intermediatesSize
          ? 100.0 * (1.0 - double(entry.arenaSize) / entry.intermediatesSize)
          : 0.0;
  return llvm::json::Object{
      {"arena_bytes", static_cast<int64_t>(entry.arenaSize)},
      {"intermediates_bytes", static_cast<int64_t>(entry.intermediatesSize)},
      {"saving_percent", static_cast<int64_t>(std::lround(saving))}};
}

} // namespace

std::string mica::reportJson(const artifact::Artifact &art,
                             const CompileOptions &options,
                             const TargetDescription &target,
                             int64_t flopsOriginal, int64_t flopsCompiled,
                             const llvm::json::Object *quantization,
                             const llvm::json::Object *compression) {
  llvm::json::Array entries;
  const artifact::EntryPoint *largest = &art.entryPoints.front();
  int64_t constants = 0, code = 0;
  for (const artifact::EntryPoint &e : art.entryPoints) {
    llvm::json::Object entry{{"name", e.name},
                             {"symbol", e.steps.front().symbol},
                             {"inputs", specsJson(e.inputs)},
                             {"outputs", specsJson(e.outputs)}};
    // An entry point cut into steps (--memory-budget): every kernel.
    if (e.steps.size() > 1) {
      llvm::json::Array steps;
      for (const artifact::Step &step : e.steps)
        steps.push_back(step.symbol);
      entry["steps"] = std::move(steps);
    }
    if (art.entryPoints.size() > 1)
      entry["memory"] = memoryJson(e);
    entries.push_back(std::move(entry));
    if (e.arenaSize > largest->arenaSize)
      largest = &e;
  }
  for (const artifact::Segment &segment : art.segments)
    (segment.kind == artifact::SegmentKind::Code ? code : constants) +=
        segment.bytes.size();
  llvm::json::Object report{
      {"schema_version", 1},
      {"producer", art.producer},
      {"model", llvm::sys::path::filename(options.modelPath).str()},
      {"target", llvm::json::Object{{"name", target.name},
                                    {"triple", target.triple},
                                    {"cpu", target.cpu}}},
      {"entry_points", std::move(entries)},
      {"memory", memoryJson(*largest)},
      {"flops", llvm::json::Object{{"original", flopsOriginal},
                                   {"compiled", flopsCompiled}}},
      {"constants_bytes", constants},
      {"code_bytes", code},
      {"nodes", static_cast<int64_t>(art.nodes.size())},
      {"frozen_inputs", static_cast<int64_t>(options.frozenInputs.size())},
  };
  if (quantization)
    report["quantization"] = llvm::json::Object(*quantization);
  if (compression)
    for (const auto &[key, value] : *compression)
      report[key] = value;
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(report)));
  return text;
}

llvm::json::Object mica::mergeJson(const TokenMergeRequest &tokens,
                                   const TemporalMergeRequest &frames,
                                   const MergeSummary &summary) {
  llvm::json::Array blocks;
  for (const BlockTokens &block : summary.blocks) {
    llvm::json::Object entry{{"index", block.index},
                             {"node", block.node},
                             {"kind", block.crossAttention ? "cross" : "self"},
                             {"tokens_in", block.tokensIn},
                             {"tokens_attended", block.tokensAttended},
                             {"tokens_out", block.tokensOut}};
    if (block.framesIn) {
      entry["frames_in"] = block.framesIn;
      entry["frames_out"] = block.framesOut;
    }
    blocks.push_back(std::move(entry));
  }
  llvm::json::Object object{
      {"transformer_blocks", std::move(blocks)},
      {"attention_flops",
       llvm::json::Object{{"original", summary.attentionFlopsOriginal},
                          {"compiled", summary.attentionFlopsCompiled}}}};
  if (tokens.enabled()) {
    llvm::json::Object merge{{"r", summary.r},
                             {"start", tokens.start},
                             {"protect", tokens.protect},
                             {"proportional", tokens.proportional}};
    if (tokens.flops > 0)
      merge["flops_target"] = tokens.flops;
    object["token_merge"] = std::move(merge);
  }
  if (frames.enabled())
    object["temporal_merge"] =
        llvm::json::Object{{"frames", frames.frames},
                           {"first", frames.first},
                           {"last", frames.last},
                           {"keep_unmerged", frames.keepUnmerged}};
  return object;
}

llvm::json::Object mica::sortableWidthJson(const SortableWidthRequest &request,
                                           const WidthSummary &summary) {
  llvm::json::Array flops;
  for (auto [width, fraction] : summary.flops)
    flops.push_back(llvm::json::Object{{"width", width}, {"flops", fraction}});
  return llvm::json::Object{{"score", request.score},
                            {"round", request.round},
                            {"round_auto", request.roundAuto},
                            {"flops_at_width", std::move(flops)}};
}

void mica::addWidthGroupsJson(llvm::json::Object &section,
                              mlir::ArrayAttr groups) {
  llvm::json::Array entries;
  int64_t bounded = 0;
  for (auto [index, attr] : llvm::enumerate(groups)) {
    auto group = cast<mlir::DictionaryAttr>(attr);
    auto text = [&](llvm::StringRef key) {
      auto value = group.getAs<mlir::StringAttr>(key);
      return value ? value.str() : std::string();
    };
    auto number = [&](llvm::StringRef key) {
      auto value = group.getAs<mlir::IntegerAttr>(key);
      return value ? value.getInt() : 0;
    };
    auto isBounded = group.getAs<mlir::BoolAttr>("bounded");
    bool on = isBounded && isBounded.getValue();
    bounded += on;
    llvm::json::Object entry{{"group", static_cast<int64_t>(index)},
                             {"node", text("node")},
                             {"op", text("op")},
                             {"channels", number("channels")},
                             {"round", number("round")},
                             {"bounded", on}};
    if (!on)
      entry["reason"] = text("reason");
    entries.push_back(std::move(entry));
  }
  section["bounded_groups"] = bounded;
  section["groups"] = std::move(entries);
}

llvm::json::Object mica::pruneJson(const PruneRequest &request,
                                   const PruneSummary &summary) {
  llvm::json::Array groups;
  int64_t channels = 0, removed = 0;
  for (const PrunedGroup &group : summary.groups) {
    llvm::json::Array indices;
    for (int64_t c : group.removed)
      indices.push_back(c);
    channels += group.channels;
    removed += group.removed.size();
    groups.push_back(llvm::json::Object{
        {"node", group.node},
        {"op", group.op},
        {"channels", group.channels},
        {"kept", group.channels - static_cast<int64_t>(group.removed.size())},
        {"removed", std::move(indices)}});
  }
  llvm::json::Object object{
      {"score", request.score},
      {"round", request.round},
      {"round_auto", request.roundAuto},
      {"fraction", summary.fraction},
      {"channels",
       llvm::json::Object{{"prunable", channels}, {"removed", removed}}},
      {"constants_bytes",
       llvm::json::Object{{"original", summary.constantsBefore},
                          {"pruned", summary.constantsAfter}}},
      {"groups", std::move(groups)}};
  if (request.flops > 0)
    object["flops_target"] = request.flops;
  return object;
}

llvm::json::Object mica::sparsityJson(const PruneRequest &request,
                                      llvm::ArrayRef<SparseLayer> layers,
                                      int64_t constantsDecoded,
                                      int64_t constantsStored) {
  llvm::json::Array entries;
  int64_t elements = 0, zeros = 0;
  for (const SparseLayer &layer : layers) {
    elements += layer.elements;
    zeros += layer.zeros;
    llvm::json::Object entry{{"node", layer.node},
                             {"op", layer.op},
                             {"elements", layer.elements},
                             {"zeros", layer.zeros},
                             {"score", layer.data ? "data" : "magnitude"},
                             {"compute", "dense"}};
    if (!layer.skipped.empty())
      entry["left_dense"] = layer.skipped;
    else
      entry["why_dense"] = kSparseComputesDense;
    entries.push_back(std::move(entry));
  }
  llvm::json::Object object{
      {"weights", llvm::json::Object{{"elements", elements}, {"zeros", zeros}}},
      {"constants_bytes", llvm::json::Object{{"decoded", constantsDecoded},
                                             {"stored", constantsStored}}},
      {"layers", std::move(entries)}};
  if (!request.sparsePattern.empty())
    object["pattern"] = request.sparsePattern;
  else
    object["ratio"] = request.sparseRatio;
  return object;
}

llvm::json::Object mica::blocksJson(const BlockRemovalRequest &request,
                                    const BlockChoice &choice) {
  llvm::json::Array blocks;
  int64_t removedFlops = 0, totalFlops = 0;
  for (const graph::ResidualBlock &block : choice.blocks) {
    bool removed = llvm::is_contained(choice.removed, block.index);
    totalFlops += block.multiplyAdds;
    removedFlops += removed ? block.multiplyAdds : 0;
    blocks.push_back(
        llvm::json::Object{{"index", block.index},
                           {"kind", block.attention ? "attention" : "residual"},
                           {"node", getNodeLocInfo(block.output.getLoc()).node},
                           {"flops", block.multiplyAdds},
                           {"influence", choice.influence[block.index]},
                           {"removed", removed}});
  }
  llvm::json::Array removed;
  for (int64_t index : choice.removed)
    removed.push_back(index);
  return llvm::json::Object{
      {"requested", request.count},
      {"removed", std::move(removed)},
      {"blocks_flops",
       llvm::json::Object{{"total", totalFlops}, {"removed", removedFlops}}},
      {"blocks", std::move(blocks)}};
}

llvm::json::Object mica::sharingJson(const BlockSharingRequest &request,
                                     const SharingSummary &summary) {
  llvm::json::Array groups;
  for (const SharedBlocks &group : summary.groups) {
    llvm::json::Array blocks;
    for (int64_t block : group.blocks)
      blocks.push_back(block);
    llvm::json::Object entry{{"blocks", std::move(blocks)},
                             {"shared_weights", group.weights}};
    if (!group.skipped.empty())
      entry["skipped"] = group.skipped;
    groups.push_back(std::move(entry));
  }
  return llvm::json::Object{
      {"group", request.group},
      {"mode", request.mode},
      {"scales", request.scales},
      {"constants_bytes",
       llvm::json::Object{{"original", summary.constantsBefore},
                          {"shared", summary.constantsAfter}}},
      {"groups", std::move(groups)}};
}

llvm::json::Object mica::memoryBudgetJson(mlir::DictionaryAttr plan,
                                          int64_t codeBytes) {
  auto number = [&](llvm::StringRef key) -> int64_t {
    auto attr = plan.getAs<mlir::IntegerAttr>(key);
    return attr ? attr.getInt() : 0;
  };
  auto string = [&](mlir::Attribute attr) {
    auto text = llvm::dyn_cast_or_null<mlir::StringAttr>(attr);
    return text ? text.str() : std::string();
  };
  int64_t resident = number("resident"), buffer = number("buffer"),
          arena = number("arena"), outputs = number("outputs");
  auto fits = plan.getAs<mlir::BoolAttr>("fits_resident");
  llvm::json::Object section{
      {"budget", number("budget")},
      {"arena", arena},
      {"outputs", outputs},
      {"resident", resident},
      {"code_bytes", codeBytes},
      {"code_note", "code is loaded whole and is outside the budget"},
  };
  if (fits && fits.getValue()) {
    section["fits_resident"] = true;
    section["predicted_peak"] = resident + arena + outputs;
    return section;
  }
  llvm::json::Array blocks;
  if (auto list = plan.getAs<mlir::ArrayAttr>("blocks"))
    for (mlir::Attribute attr : list) {
      auto block = llvm::cast<mlir::DictionaryAttr>(attr);
      auto integer = [&](llvm::StringRef key) -> int64_t {
        auto value = block.getAs<mlir::IntegerAttr>(key);
        return value ? value.getInt() : 0;
      };
      blocks.push_back(
          llvm::json::Object{{"step", integer("step")},
                             {"kernel", string(block.get("kernel"))},
                             {"bytes", integer("bytes")},
                             {"first_node", string(block.get("first_node"))},
                             {"last_node", string(block.get("last_node"))}});
    }
  // The schedule the streaming runtime follows (runtime/stream/stream.cpp):
  // two buffers, blocks in step order, cyclically across runs. A block's
  // load starts when the block two before it releases its buffer (for the
  // first two, in the previous run, or at the context's first run), and
  // its buffer is free again when its own step ends. With at most two
  // blocks, each stays loaded from run to run.
  size_t numBlocks = blocks.size();
  for (size_t i = 0; i < numBlocks; ++i) {
    llvm::json::Object &block = *blocks[i].getAsObject();
    int64_t step = *block.getInteger("step");
    if (numBlocks <= 2) {
      block["load"] = "once, kept loaded";
      continue;
    }
    size_t previous = (i + numBlocks - 2) % numBlocks;
    block["load_after_step"] =
        *blocks[previous].getAsObject()->getInteger("step");
    if (i < 2)
      block["load_in_previous_run"] = true;
    block["free_after_step"] = step;
  }
  section["fits_resident"] = false;
  section["buffer"] = buffer;
  section["streamed_per_run"] = number("streamed");
  section["predicted_peak"] = resident + 2 * buffer + arena + outputs;
  section["blocks"] = std::move(blocks);
  return section;
}
