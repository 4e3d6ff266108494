//===- Pipeline.cpp - The stages of `mica compile` ------------------------===//
#include "compiler/driver/Pipeline.h"

#include "compiler/conversion/onnx_to_graph/Passes.h"
#include "compiler/diagnostics/NodeLocation.h"
#include "compiler/driver/PruneActivity.h"
#include "compiler/onnx/FunctionExpansion.h"
#include "compiler/onnx/Importer.h"
#include "dialects/graph/Analysis/MultiplyAdds.h"
#include "passes/graph_opt/Passes.h"
#include "passes/quantize/Passes.h"
#include "passes/token_merge/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FormatVariadic.h"

#include <set>

using namespace mlir;
using namespace mica;

void mica::buildNormalizePipeline(OpPassManager &pm) {
  // Older op versions take the newest version's form first, so that the
  // conversion knows one form per operator.
  pm.addPass(createNormalizeOnnxVersions());
  // The conversion runs graph canonicalisations in the same rewrite sweep
  // (shape subgraphs fold as their producers convert, which unlocks the
  // conversion of the Reshape/Expand/Slice they feed).
  pm.addPass(createConvertOnnxToGraph());
  // Then a general clean-up: CSE merges the duplicated constants conversion
  // leaves behind, canonicalize removes what became dead.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  // Canonicalisation can make types more static after their users were
  // built (partially constant reshape shapes); propagate that forward, with
  // the folds it enables, to a fixed point.
  pm.addPass(createRefineGraphTypes());
  pm.addPass(createCanonicalizerPass());
}

namespace {

/// The ONNX op types of the onnx-dialect ops left after normalisation whose
/// schema (at the model's opset) defines them by a function body.
std::set<std::string> functionOpsLeft(ModuleOp module) {
  int opset = 0;
  if (auto attr = module->getAttrOfType<IntegerAttr>("onnx.opset"))
    opset = attr.getInt();
  std::set<std::string> types;
  module.walk([&](Operation *op) {
    if (op->getName().getDialectNamespace() != "onnx")
      return;
    NodeLocInfo info = getNodeLocInfo(op->getLoc());
    auto [domain, type] = StringRef(info.domainAndOp).rsplit("::");
    if (type.empty() || (domain != "ai.onnx" && !domain.empty()))
      return;
    if (hasFunctionBody(type.str(), opset))
      types.insert(type.str());
  });
  return types;
}

} // namespace

FailureOr<OwningOpRef<ModuleOp>>
mica::importAndNormalize(MLIRContext &context, const std::string &path,
                         const LoadOptions &options, CompileError &error,
                         const std::function<void(StringRef)> &progress,
                         const std::function<void(ModuleOp)> &onImported) {
  ImportOptions importOptions;
  importOptions.load = options;
  OwningOpRef<ModuleOp> module;
  for (int attempt = 0;; ++attempt) {
    if (progress)
      progress("importing " + path);
    ImportResult imported = importOnnxModel(context, path, importOptions);
    if (!imported.module) {
      error.kind = imported.unsupported ? ErrorKind::Unsupported
                                        : ErrorKind::InvalidModel;
      return failure();
    }
    module = std::move(imported.module);
    if (onImported)
      onImported(*module);
    if (progress)
      progress("normalising into the graph dialect");
    PassManager pm(&context);
    buildNormalizePipeline(pm);
    if (failed(pm.run(*module))) {
      // What the normaliser rejects is ill-typed or contradictory in the
      // model (the diagnostic names the node); an op it cannot convert stays
      // in the onnx dialect instead and is reported as unsupported later.
      error.kind = ErrorKind::InvalidModel;
      return failure();
    }
    std::set<std::string> expand = functionOpsLeft(*module);
    size_t before = importOptions.load.expandFunctions.size();
    importOptions.load.expandFunctions.insert(expand.begin(), expand.end());
    if (attempt == 3 || importOptions.load.expandFunctions.size() == before)
      break;
  }
  return module;
}

void mica::buildCompressionPipeline(OpPassManager &pm,
                                    const QuantizeOptions &quantize,
                                    bool hasQdq) {
  // The families land here in the documented order (prune, token merge,
  // equivalence transforms, quantize, partition), each behind its options.
  if (hasQdq) {
    // The model's own pairs win over calibrated ranges of the same values.
    pm.addPass(createFoldQdq());
    pm.addPass(createCanonicalizerPass());
  }
  if (quantize.mode == "w8a8" || hasQdq) {
    QuantizeInt8Options options;
    options.keepFloat.assign(quantize.keepFloat.begin(),
                             quantize.keepFloat.end());
    pm.addPass(createQuantizeInt8(options));
    // Dequantize/quantize pairs the rewrite left between integer ops, and
    // the float ops it replaced.
    pm.addPass(createCanonicalizerPass());
  }
}

/// What a rewrite of shapes or weights leaves: the attention decomposed
/// again (when `decompose`), equal constants merged, folds and dead ops.
static LogicalResult cleanUp(ModuleOp module, bool decompose) {
  PassManager cleanup(module.getContext());
  if (decompose)
    cleanup.addPass(createDecomposeAttention());
  cleanup.addPass(createCSEPass());
  cleanup.addPass(createCanonicalizerPass());
  return cleanup.run(module);
}

/// The bytes of the constants of `module`.
static int64_t constantBytes(ModuleOp module) {
  int64_t total = 0;
  module.walk([&](graph::ConstantOp op) {
    auto type = cast<ShapedType>(op.getType());
    total += type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
  });
  return total;
}

FailureOr<PruneSummary> mica::pruneEntryChannels(ModuleOp module,
                                                 const PruneRequest &request,
                                                 int64_t flopsOriginal,
                                                 CompileError &error) {
  ChannelActivity activity;
  if (request.activity)
    activity = channelActivity(request.activity);
  error.kind = ErrorKind::Unsupported;
  PruneSummary summary;
  summary.constantsBefore = constantBytes(module);
  // Attention formed, so that its heads are groups (the pieces exporters
  // write hide them in batch dims of products); decomposed again below.
  PassManager form(module.getContext());
  form.addPass(createFormAttention());
  form.addPass(createCanonicalizerPass());
  if (failed(form.run(module)))
    return failure();
  auto prune = [&](ModuleOp target, double fraction) {
    mica::PruneChannelsOptions pass{fraction, request.score, request.round,
                                    request.roundMinChannels};
    return pruneChannels(target.lookupSymbol<func::FuncOp>("main"), pass,
                         activity);
  };
  summary.fraction = request.channels;
  if (request.flops > 0) {
    // Multiply-adds fall as the fraction grows (a step where a group's
    // rounding moves): the smallest fraction, in 1/256, meeting the target.
    auto trial = [&](double fraction) -> std::optional<int64_t> {
      OwningOpRef<ModuleOp> copy = module.clone();
      if (failed(prune(*copy, fraction)))
        return std::nullopt;
      return graph::countAllMultiplyAdds(*copy);
    };
    double target = request.flops * flopsOriginal;
    int lo = 0, hi = 255;
    std::optional<int64_t> most = trial(hi / 256.0);
    if (!most)
      return failure();
    if (*most > target) {
      error.kind = ErrorKind::InvalidModel;
      error.message =
          llvm::formatv("--prune flops={0}: removing all but the last "
                        "channels of every prunable group leaves {1:F3} of "
                        "the original multiply-adds",
                        request.flops,
                        static_cast<double>(*most) / flopsOriginal)
              .str();
      return failure();
    }
    while (lo + 1 < hi) {
      int mid = (lo + hi) / 2;
      std::optional<int64_t> f = trial(mid / 256.0);
      (f && *f <= target ? hi : lo) = mid;
    }
    summary.fraction = hi / 256.0;
  }
  FailureOr<SmallVector<PrunedGroup>> groups = prune(module, summary.fraction);
  if (failed(groups))
    return failure();
  summary.groups = std::move(*groups);
  // The attention back in the pieces later stages know.
  if (failed(cleanUp(module, /*decompose=*/true)))
    return failure();
  summary.constantsAfter = constantBytes(module);
  return summary;
}

FailureOr<WidthSummary>
mica::sortEntryChannels(ModuleOp module, const SortableWidthRequest &request,
                        int64_t flopsOriginal, CompileError &error) {
  WidthSummary summary;
  // The work a width leaves: the model pruned to it (the same channels).
  for (double width : {0.75, 0.5, 0.25}) {
    OwningOpRef<ModuleOp> copy = module.clone();
    PruneRequest prune;
    prune.channels = 1.0 - width;
    prune.score = request.score;
    prune.round = request.round;
    prune.roundMinChannels = request.roundMinChannels;
    if (failed(pruneEntryChannels(*copy, prune, flopsOriginal, error)))
      return failure();
    summary.flops.emplace_back(
        width, static_cast<double>(graph::countAllMultiplyAdds(*copy)) /
                   std::max<int64_t>(flopsOriginal, 1));
  }
  PassManager form(module.getContext());
  form.addPass(createFormAttention());
  form.addPass(createCanonicalizerPass());
  if (failed(form.run(module)))
    return failure();
  mica::SortChannelsOptions pass{request.score, request.round,
                                 request.roundMinChannels};
  FailureOr<SmallVector<WidthGroup>> groups =
      sortChannels(module.lookupSymbol<func::FuncOp>("main"), pass);
  if (failed(groups) || failed(cleanUp(module, /*decompose=*/true)))
    return failure();
  module->setAttr(kWidthGroupsAttr,
                  widthGroupsAttr(module.getContext(), *groups));
  summary.groups = std::move(*groups);
  return summary;
}

LogicalResult mica::removeEntryBlocks(ModuleOp module,
                                      ArrayRef<int64_t> blocks) {
  if (failed(removeBlocks(module.lookupSymbol<func::FuncOp>("main"), blocks)))
    return failure();
  return cleanUp(module, /*decompose=*/false);
}

FailureOr<SharingSummary>
mica::shareEntryBlocks(ModuleOp module, const BlockSharingRequest &request) {
  SharingSummary summary;
  summary.constantsBefore = constantBytes(module);
  mica::ShareBlocksOptions pass{request.group, request.mode, request.scales};
  FailureOr<SmallVector<SharedBlocks>> groups =
      shareBlocks(module.lookupSymbol<func::FuncOp>("main"), pass);
  if (failed(groups))
    return failure();
  summary.groups = std::move(*groups);
  if (failed(cleanUp(module, /*decompose=*/false)))
    return failure();
  summary.constantsAfter = constantBytes(module);
  return summary;
}

FailureOr<SmallVector<SparseLayer>>
mica::sparsifyEntry(ModuleOp module, const PruneRequest &request) {
  mica::SparsifyOptions pass{request.sparsePattern, request.sparseRatio};
  // The activity was measured on the model before its channels were
  // pruned: with channels pruned too, the weights are scored by |w|.
  ChannelActivity activity;
  if (request.activity && request.score == "data" && !request.enabled())
    activity = channelActivity(request.activity);
  FailureOr<SmallVector<SparseLayer>> layers =
      sparsify(module.lookupSymbol<func::FuncOp>("main"), pass, activity);
  if (failed(layers) || failed(cleanUp(module, /*decompose=*/false)))
    return failure();
  return layers;
}

/// The multiply-adds of the attention ops of `module`.
static int64_t attentionFlops(ModuleOp module) {
  int64_t total = 0;
  module.walk([&](graph::AttentionOp op) {
    total += graph::countMultiplyAdds(op).value_or(0);
  });
  return total;
}

FailureOr<MergeSummary>
mica::mergeEntryTokens(ModuleOp module, const TokenMergeRequest &tokens,
                       const TemporalMergeRequest &frames,
                       int64_t flopsOriginal, CompileError &error) {
  error.kind = ErrorKind::Unsupported;
  MLIRContext *context = module.getContext();
  PassManager form(context);
  form.addPass(createFormAttention());
  form.addPass(createCanonicalizerPass());
  if (failed(form.run(module)))
    return failure();
  MergeSummary summary;
  summary.attentionFlopsOriginal = attentionFlops(module);
  auto merge = [&](ModuleOp target, int64_t r) {
    mica::TokenMergeOptions pass{r, tokens.start, tokens.protect,
                                 tokens.proportional};
    return mergeTokens(target.lookupSymbol<func::FuncOp>("main"), pass);
  };
  summary.r = tokens.r;
  if (tokens.flops > 0) {
    // Multiply-adds fall as r grows: the smallest r that meets the target.
    // The first trial reports what stops merging at all; the others are
    // quiet (a clamped r merges less, never fails differently).
    auto trial = [&](int64_t r) -> std::optional<int64_t> {
      OwningOpRef<ModuleOp> copy = module.clone();
      if (failed(merge(*copy, r)))
        return std::nullopt;
      return graph::countAllMultiplyAdds(*copy);
    };
    std::optional<int64_t> one = trial(1);
    if (!one)
      return failure();
    ScopedDiagnosticHandler quiet(context,
                                  [](Diagnostic &) { return success(); });
    double target = tokens.flops * flopsOriginal;
    int64_t lo = 0, hi = 1, last = -1;
    std::optional<int64_t> flops = one;
    while (flops && *flops > target && *flops != last) {
      last = *flops;
      lo = hi;
      hi *= 2;
      flops = trial(hi);
    }
    if (!flops || *flops > target) {
      error.kind = ErrorKind::InvalidModel;
      error.message =
          llvm::formatv("--token-merge flops={0}: merging every token it can "
                        "leaves {1:F3} of the original multiply-adds",
                        tokens.flops, static_cast<double>(last) / flopsOriginal)
              .str();
      return failure();
    }
    while (lo + 1 < hi) {
      int64_t mid = (lo + hi) / 2;
      std::optional<int64_t> f = trial(mid);
      (f && *f <= target ? hi : lo) = mid;
    }
    summary.r = hi;
  }
  FailureOr<SmallVector<BlockTokens>> blocks = merge(module, summary.r);
  if (failed(blocks))
    return failure();
  summary.blocks = std::move(*blocks);
  if (frames.enabled()) {
    mica::TemporalMergeOptions pass{frames.frames, frames.first, frames.last,
                                    frames.dim};
    if (failed(mergeFrames(module.lookupSymbol<func::FuncOp>("main"), pass,
                           summary.blocks)))
      return failure();
  }
  summary.attentionFlopsCompiled = attentionFlops(module);
  // Back to the decomposed form before signatures, calibration taps and
  // quantisation, which know attention as its matmuls and softmax (the
  // pieces keep their nodes' locations, so taps and report rows match).
  PassManager cleanup(context);
  cleanup.addPass(createDecomposeAttention());
  cleanup.addPass(createCanonicalizerPass());
  if (failed(cleanup.run(module)))
    return failure();
  return summary;
}

void mica::buildGraphOptimizationPipeline(OpPassManager &pm,
                                          const LoweringOptions &options,
                                          bool enabled) {
  // Attention with static shapes is formed from the exported matmuls and
  // softmax and lowered fused (row blocks in cache); any other
  // graph.attention (formed for token merging, or written by hand) is
  // compiled as its matmuls and softmax.
  bool fuse = enabled && options.fuseAttention;
  if (fuse) {
    pm.addPass(createFormAttention());
    pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(createDecomposeAttention(DecomposeAttentionOptions{fuse}));
  if (!enabled)
    return;
  // Transposes first: folding them into matmuls changes which ops are
  // convolutions' neighbours, not the convolutions Winograd looks at.
  pm.addPass(createFoldTransposes());
  if (options.winograd)
    pm.addPass(createWinogradConv());
  // Last: the contractions a run-time width bounds, on the final graph (a
  // module without sorted channels is left alone).
  pm.addPass(createAnnotateWidth());
}

namespace {

/// `mica-opt --mica-lower-to-kernel="target=arm64 winograd=false ..."`: the
/// same options as `mica compile`, from the same declarations.
struct LowerToKernelOptions : PassPipelineOptions<LowerToKernelOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Target to lower for"),
                             llvm::cl::init("host")};
  Option<std::string> cpuFeatures{
      *this, "cpu-features",
      llvm::cl::desc("Extra CPU features, e.g. +dotprod,+i8mm")};
  Option<std::string> prefix{*this, "prefix",
                             llvm::cl::desc("Prefix of the exported kernels"),
                             llvm::cl::init("mica")};
#define MICA_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP)                          \
  Option<TYPE> FIELD{*this, FLAG, llvm::cl::desc(HELP),                        \
                     llvm::cl::init(DEFAULT)};
#include "passes/graph_opt/Options.def"
#include "targets/cpu/Options.def"
#undef MICA_OPTION
};

} // namespace

void mica::registerCompilePipelines() {
  auto build = [](OpPassManager &pm, StringRef text,
                  function_ref<LogicalResult(const Twine &)> errorHandler) {
    LowerToKernelOptions cli;
    if (failed(cli.parseFromString(text)))
      return errorHandler("invalid options of mica-lower-to-kernel");
    LoweringOptions options;
    options.symbolPrefix = cli.prefix;
#define MICA_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP) options.FIELD = cli.FIELD;
#include "passes/graph_opt/Options.def"
#include "targets/cpu/Options.def"
#undef MICA_OPTION
    CompileError error;
    FailureOr<TargetDescription> description =
        resolveTarget(cli.target, cli.cpuFeatures, error);
    if (failed(description))
      return errorHandler(error.message);
    const Target *target = lookupTarget(cli.target);
    buildGraphOptimizationPipeline(
        pm, options, target->wantsGraphOptimizations(*description, options));
    if (failed(target->buildLoweringPipeline(pm, *description, options, error)))
      return errorHandler(error.message);
    return success();
  };
  registerPassPipeline(
      "mica-lower-to-kernel",
      "Stages 4 and 5 of `mica compile`: graph optimisations and the "
      "target's lowering to kernels with the runtime's ABI (PREFIX_ENTRY per "
      "public function), the plan as exec ops",
      build, [](function_ref<void(const detail::PassOptions &)> printOptions) {
        printOptions(LowerToKernelOptions());
      });
}
