//===- Compile.cpp - ONNX model in, .mica artifact out --------------------===//
//
// compile() runs the stages of Pipeline.h once per entry point up to the
// graph dialect, gathers the entry points into one module, then compresses,
// optimises and lowers them together (so constants are stored once) and
// turns the module's exec ops and the target's code into the artifact.
//
//===----------------------------------------------------------------------===//
#include "compiler/driver/Compile.h"

#include "compiler/artifact/ConstantEncoding.h"
#include "compiler/artifact/PlanToArtifact.h"
#include "compiler/diagnostics/NodeLocation.h"
#include "compiler/driver/Calibration.h"
#include "compiler/driver/EntryPoints.h"
#include "compiler/driver/LayerSqnr.h"
#include "compiler/driver/Pipeline.h"
#include "compiler/driver/PruneActivity.h"
#include "compiler/driver/QuantizationReport.h"
#include "compiler/driver/Report.h"
#include "dialects/exec/IR/ExecDialect.h"
#include "dialects/graph/Analysis/MultiplyAdds.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "passes/token_merge/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSet.h"

#include <chrono>

using namespace mlir;
using namespace mica;

namespace {

class StageTimer {
public:
  StageTimer(CompileResult &result, const CompileOptions &options)
      : result(result), options(options) {}
  ~StageTimer() { stop(); }
  void start(llvm::StringRef stage) {
    stop();
    if (options.progress)
      options.progress(stage);
    name = stage.str();
    begin = std::chrono::steady_clock::now();
  }
  void stop() {
    if (name.empty())
      return;
    auto end = std::chrono::steady_clock::now();
    result.stageMillis.emplace_back(
        name, std::chrono::duration<double, std::milli>(end - begin).count());
    name.clear();
  }

private:
  CompileResult &result;
  const CompileOptions &options;
  std::string name;
  std::chrono::steady_clock::time_point begin;
};

/// Remembers the argument of the pass that failed: a failing conversion
/// (mica-convert-*) met an op it has no lowering for, a model feature Mica
/// does not handle; any other failing pass is a bug.
struct FailedPass : PassInstrumentation {
  std::string &argument;
  explicit FailedPass(std::string &argument) : argument(argument) {}
  void runAfterPassFailed(Pass *pass, Operation *) override {
    if (argument.empty())
      argument = pass->getArgument().str();
  }
};

/// A pass that fails on a model feature rather than on a bug says so with
/// this unit attribute on the module (sizes that run-time values decide).
constexpr StringLiteral kUnsupportedAttr = "mica.unsupported_model_feature";

ErrorKind kindOfFailedPass(StringRef argument, ModuleOp module) {
  if (module->hasAttr(kUnsupportedAttr))
    return ErrorKind::Unsupported;
  // A --memory-budget the model cannot meet: the user's number.
  if (argument == "mica-partition-weights")
    return ErrorKind::Usage;
  return argument.starts_with("mica-convert-") ? ErrorKind::Unsupported
                                               : ErrorKind::Internal;
}

/// The ONNX nodes in the order their ops appear, with their op types: the
/// artifact's node table (hooks and profiles refer to nodes by index).
void recordNodes(ModuleOp module) {
  Builder b(module.getContext());
  SmallVector<Attribute> names, types;
  llvm::StringSet<> seen;
  module.walk([&](Operation *op) {
    NodeLocInfo info = getNodeLocInfo(op->getLoc());
    if (info.node.empty() || info.isInitializer ||
        !seen.insert(info.node).second)
      return;
    StringRef kind = info.domainAndOp;
    names.push_back(b.getStringAttr(info.node));
    types.push_back(b.getStringAttr(kind.substr(kind.rfind(':') + 1)));
  });
  OpBuilder ob = OpBuilder::atBlockEnd(module.getBody());
  exec::NodeTableOp::create(ob, module.getLoc(), b.getArrayAttr(names),
                            b.getArrayAttr(types));
}

} // namespace

CompileResult mica::compile(MLIRContext &context,
                            const CompileOptions &options) {
  CompileResult result;
  StageTimer timer(result, options);
  Location unknown = UnknownLoc::get(&context);
  auto fail = [&]() -> CompileResult & {
    if (!result.error.message.empty())
      emitError(unknown) << result.error.message;
    return result;
  };

  // The target, resolved before any work so that a typo costs nothing.
  FailureOr<TargetDescription> description =
      resolveTarget(options.target, options.cpuFeatures, result.error);
  if (failed(description))
    return fail();
  result.target = *description;
  const Target &target = *lookupTarget(options.target);

  // Stages 1-2 per entry point, gathered into one module: the first entry's,
  // to which the others' functions move (named after their entry points).
  std::vector<EntrySpec> entries = options.entries;
  bool named = !entries.empty();
  if (entries.empty())
    entries.push_back({"main", {}});
  if (options.temporalMerge.keepUnmerged) {
    size_t count = entries.size();
    for (size_t i = 0; i < count; ++i)
      entries.push_back(
          {entries[i].name + "_unmerged", entries[i].inputShapes, false});
    named = true;
  }
  if (failed(checkEntries(entries, result.error)))
    return fail();
  // One resident set and one stream order per model (v1).
  if (options.lowering.memoryBudget > 0 && entries.size() > 1) {
    result.error = {ErrorKind::Usage,
                    "--memory-budget handles one entry point; this build has " +
                        std::to_string(entries.size()) +
                        " (--entry or --keep-unmerged)"};
    return fail();
  }
  OwningOpRef<ModuleOp> program;
  std::vector<artifact::EntryPoint> signatures;
  int64_t flopsOriginal = 0;
  // The report's sections of the passes run per entry point (the first
  // entry's numbers).
  llvm::json::Object compression;
  PruneRequest prune = options.prune;
  if (prune.roundAuto && !prune.roundMinChannels) {
    prune.round =
        target.preferredChannelMultiple(*description, options.lowering);
    prune.roundMinChannels = prune.round * PruneRequest::kAutoRoundUnits;
  }
  SortableWidthRequest width = options.sortableWidth;
  if (width.enabled) {
    // Kernels stop early only in float contractions of the CPU kernels
    // (not the scalar loops); integer ones fold sums over all input
    // channels into constants (zero points), and sparse weights are stored
    // in an order sorting would break.
    const char *conflict = nullptr;
    if (!options.quantize.mode.empty())
      conflict = "--quantize";
    else if (options.prune.sparse())
      conflict = "--prune sparse";
    else if (options.lowering.cpuVectorWidth == 0)
      conflict = "--cpu-vector-width=0";
    if (conflict) {
      result.error = {ErrorKind::Unsupported,
                      std::string("--sortable-width cannot be combined with ") +
                          conflict + " yet (float models only)"};
      return fail();
    }
    if (width.roundAuto) {
      width.round =
          target.preferredChannelMultiple(*description, options.lowering);
      width.roundMinChannels = width.round * PruneRequest::kAutoRoundUnits;
    }
  }
  std::optional<SmallVector<WidthGroup>> widthGroups;
  BlockRemovalRequest blocks = options.removeBlocks;
  std::optional<SmallVector<SparseLayer>> sparseLayers;
  for (const EntrySpec &entry : entries) {
    LoadOptions load;
    load.inputShapes = entryShapes(options, entry);
    load.frozenInputs = options.frozenInputs;
    std::string suffix = named ? " (entry point " + entry.name + ")" : "";
    // The node table lists the nodes of the model as imported (before
    // normalisation folds constant subgraphs away), once.
    FailureOr<OwningOpRef<ModuleOp>> imported = importAndNormalize(
        context, options.modelPath, load, result.error,
        [&](StringRef stage) { timer.start((stage + suffix).str()); },
        [&](ModuleOp fresh) {
          if (!program)
            recordNodes(fresh);
        });
    if (failed(imported))
      return fail();
    ModuleOp module = **imported;
    if (reportUnlowerable(module)) {
      result.error.kind = ErrorKind::Unsupported;
      return fail();
    }
    auto func = module.lookupSymbol<func::FuncOp>("main");
    if (!func) {
      result.error = {ErrorKind::Internal, "internal error: no @main"};
      return fail();
    }
    int64_t entryFlops = graph::countAllMultiplyAdds(func);
    flopsOriginal += entryFlops;
    if (blocks.enabled()) {
      if (!blocks.chosen) {
        timer.start("measuring block influence");
        FailureOr<BlockChoice> choice = chooseBlocksToRemove(
            context, options, func, blocks.count, result.error);
        if (failed(choice))
          return fail();
        compression["remove_blocks"] =
            blocksJson(options.removeBlocks, *choice);
        blocks.chosen =
            std::make_shared<const std::vector<int64_t>>(choice->removed);
      }
      timer.start("removing blocks" + suffix);
      if (failed(removeEntryBlocks(module, *blocks.chosen))) {
        result.error.kind = ErrorKind::Internal;
        return fail();
      }
    }
    if (options.shareBlocks.enabled()) {
      timer.start("sharing blocks" + suffix);
      FailureOr<SharingSummary> shared =
          shareEntryBlocks(module, options.shareBlocks);
      if (failed(shared)) {
        result.error.kind = ErrorKind::Internal;
        return fail();
      }
      if (!compression.get("share_blocks"))
        compression["share_blocks"] = sharingJson(options.shareBlocks, *shared);
    }
    if (prune.score == "data" && !prune.activity &&
        (prune.enabled() || prune.sparse())) {
      timer.start("measuring channel activity");
      FailureOr<std::shared_ptr<const ActivityTable>> activity =
          measureChannelActivity(context, options, func, result.error);
      if (failed(activity))
        return fail();
      prune.activity = *activity;
    }
    if (prune.enabled()) {
      timer.start("pruning channels" + suffix);
      FailureOr<PruneSummary> pruned =
          pruneEntryChannels(module, prune, entryFlops, result.error);
      if (failed(pruned))
        return fail();
      if (!compression.get("prune")) {
        compression["prune"] = pruneJson(prune, *pruned);
        // Every entry point prunes the same channels, so that they share
        // the pruned weights: the fraction found for the first one.
        prune.flops = 0;
        prune.channels = pruned->fraction;
      }
    }
    if (width.enabled) {
      timer.start("sorting channels" + suffix);
      FailureOr<WidthSummary> sorted =
          sortEntryChannels(module, width, entryFlops, result.error);
      if (failed(sorted))
        return fail();
      if (!widthGroups) {
        compression["sortable_width"] = sortableWidthJson(width, *sorted);
        widthGroups = std::move(sorted->groups);
      } else if (sorted->groups.size() != widthGroups->size()) {
        // The runtime sets one count per group for every entry point.
        result.error = {ErrorKind::Unsupported,
                        "--sortable-width: the entry points have different "
                        "channel groups"};
        return fail();
      }
    }
    if (prune.sparse()) {
      timer.start("sparsifying weights" + suffix);
      FailureOr<SmallVector<SparseLayer>> layers = sparsifyEntry(module, prune);
      if (failed(layers)) {
        result.error.kind = ErrorKind::Internal;
        return fail();
      }
      if (!sparseLayers)
        sparseLayers = std::move(*layers);
    }
    if (entry.merge &&
        (options.tokenMerge.enabled() || options.temporalMerge.enabled())) {
      timer.start("merging tokens" + suffix);
      FailureOr<MergeSummary> merged =
          mergeEntryTokens(module, options.tokenMerge, options.temporalMerge,
                           entryFlops, result.error);
      if (failed(merged))
        return fail();
      if (!compression.get("transformer_blocks"))
        for (auto &[key, value] :
             mergeJson(options.tokenMerge, options.temporalMerge, *merged))
          compression[key] = std::move(value);
    }
    if (options.afterNormalize)
      options.afterNormalize(func);
    artifact::EntryPoint signature;
    signature.name = entry.name;
    if (failed(prepareSignature(func, options, signature, result.error)))
      return fail();
    signatures.push_back(std::move(signature));
    if (func.getSymName() != entry.name)
      func.setSymName(entry.name);
    if (!program)
      program = std::move(*imported);
    else
      func->moveBefore(program->getBody(), program->getBody()->end());
  }
  ModuleOp module = *program;

  // Stage 3.
  std::string failedPass;
  auto runStage = [&](PassManager &pm) -> LogicalResult {
    pm.addInstrumentation(std::make_unique<FailedPass>(failedPass));
    // The IR printing options of a tool that registered them (mica's
    // hidden --mlir-print-ir-after=PASS); nothing otherwise.
    if (failed(applyPassManagerCLOptions(pm)))
      return failure();
    if (succeeded(pm.run(module)))
      return success();
    result.error.kind = kindOfFailedPass(failedPass, module);
    return failure();
  };
  // The calibration and SQNR models are compiled like this one, with the
  // pruning fraction the first entry point settled on.
  CompileOptions calibrationOptions = options;
  calibrationOptions.prune = prune;
  calibrationOptions.removeBlocks = blocks;
  std::unique_ptr<Calibration> calibration;
  if (options.quantize.ranges) {
    attachRanges(module, *options.quantize.ranges);
  } else if (!options.quantize.mode.empty()) {
    timer.start("calibrating");
    FailureOr<std::unique_ptr<Calibration>> calibrated =
        calibrate(context, calibrationOptions, module, result.error);
    if (failed(calibrated))
      return fail();
    calibration = std::move(*calibrated);
  }
  timer.start("compressing");
  bool hasQdq = false;
  module.walk([&](graph::QuantizeOp) { hasQdq = true; });
  if (width.enabled && hasQdq) {
    result.error = {ErrorKind::Unsupported,
                    "--sortable-width cannot be combined with a quantized "
                    "(QDQ) model yet (float models only)"};
    return fail();
  }
  PassManager compress(&context);
  buildCompressionPipeline(compress, options.quantize, hasQdq);
  if (failed(runStage(compress)))
    return fail();
  int64_t flopsCompiled = graph::countAllMultiplyAdds(module);
  // What the integer layers lost, on the calibration items (a build of the
  // quantised model for the host; LayerSqnr.h).
  std::map<std::string, double> sqnr;
  if (calibration) {
    timer.start("measuring SQNR");
    FailureOr<std::map<std::string, double>> measured = measureLayerSqnr(
        context, calibrationOptions, *calibration, module, result.error);
    if (failed(measured))
      return fail();
    sqnr = std::move(*measured);
    calibration.reset();
  }
  std::optional<llvm::json::Object> quantization;
  if (!options.quantize.mode.empty() || hasQdq)
    quantization = quantizationReport(module, sqnr);

  // Stages 4-5.
  timer.start("lowering to " + description->name + " code");
  LoweringOptions lowering = options.lowering;
  // Winograd's transforms mix a convolution's channels with its pixels:
  // a sorted group it rewrote could not stop early (docs/pruning.md).
  if (width.enabled)
    lowering.winograd = false;
  PassManager lower(&context);
  buildGraphOptimizationPipeline(
      lower, lowering, target.wantsGraphOptimizations(*description, lowering));
  if (failed(target.buildLoweringPipeline(lower, *description, lowering,
                                          result.error)) ||
      failed(runStage(lower)))
    return fail();
  if (auto groups = module->getAttrOfType<ArrayAttr>(kWidthGroupsAttr))
    if (llvm::json::Object *section = compression.getObject("sortable_width"))
      addWidthGroupsJson(*section, groups);

  timer.start("generating " + description->triple + " code");
  FailureOr<std::vector<uint8_t>> code =
      target.serialize(module, *description, lowering, result.error);
  if (failed(code))
    return fail();

  timer.start("writing the artifact");
  TargetCode targetCode;
  targetCode.target = {description->name, description->triple,
                       StringRef(description->triple).split('-').first.str(),
                       description->cpu, description->requiredFeatures()};
  targetCode.bytes = std::move(*code);
  FailureOr<artifact::Artifact> art =
      buildArtifact(module, signatures, {targetCode}, result.error);
  if (failed(art))
    return fail();
  result.artifact = std::move(*art);
  if (sparseLayers) {
    // The zeros are stored compressed (decoded by the runtime at load).
    int64_t decoded = 0, stored = 0;
    for (const artifact::Segment &segment : result.artifact.segments)
      if (segment.kind == artifact::SegmentKind::Constants)
        decoded += segment.bytes.size();
    artifact::encodeConstantSegments(result.artifact);
    for (const artifact::Segment &segment : result.artifact.segments)
      if (segment.kind == artifact::SegmentKind::Constants)
        stored += segment.bytes.size();
    compression["sparsity"] =
        sparsityJson(options.prune, *sparseLayers, decoded, stored);
  }
  if (auto plan =
          module->getAttrOfType<DictionaryAttr>(exec::kMemoryBudgetAttr)) {
    int64_t codeBytes = 0;
    for (const artifact::Segment &segment : result.artifact.segments)
      if (segment.kind == artifact::SegmentKind::Code)
        codeBytes += segment.bytes.size();
    compression["memory_budget"] = memoryBudgetJson(plan, codeBytes);
  }
  result.artifact.reportJson = reportJson(
      result.artifact, options, *description, flopsOriginal, flopsCompiled,
      quantization ? &*quantization : nullptr, &compression);
  result.bytes = artifact::serializeArtifact(result.artifact);
  timer.stop();
  result.ok = true;
  return result;
}

FailureOr<StaticLibrary>
mica::packageStaticLibrary(const CompileResult &result,
                           const CompileOptions &options, CompileError &error) {
  const Target *target = lookupTarget(result.target.name);
  if (!target) {
    error = {ErrorKind::Internal, "internal error: no compiled target"};
    return failure();
  }
  return target->packageStaticLibrary(result.artifact, result.target,
                                      options.lowering.symbolPrefix, error);
}
