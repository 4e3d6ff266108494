//===- Passes.td - Pruning: fewer channels, smaller weights --*- tablegen -*-===//
//
// The prune family: passes that remove parts of a model at compile time.
// They run per entry point right after import and normalisation, before
// token merging and the compression stage (compiler/driver/Compile.cpp,
// pruneEntryChannels in Pipeline.cpp), so that everything after (the
// signature, calibration, the memory plan) sees the smaller shapes.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_PRUNE_PASSES
#define MICA_PASSES_PRUNE_PASSES

include "mlir/Pass/PassBase.td"

def PruneChannels : Pass<"mica-prune-channels", "::mlir::ModuleOp"> {
  let summary = "Structured channel pruning with dependency groups";
  let description = [{
    Removes whole channels, so that every layer computes on smaller dense
    tensors (faster with the same kernels, not only smaller).

    1. Channels that must go together are found channel by channel
       (passes/prune/ChannelGroups.h): the output channels of a convolution,
       a fully-connected layer or a product with a constant weight, followed
       through activations, elementwise ops, batch norm, depthwise
       convolution, pooling, reshapes and transposes (a flatten before a
       linear layer maps each channel to its block of features), concat and
       split with offsets, to the input channels of the next contraction. A
       residual add ties the channels of all its branches. Attention heads
       are groups too: a reshape that splits channels into [.., 3, H, D]
       ties them by head, and `graph.attention` ties the heads of its
       query, key, value and result (its `num_heads` follows). A channel that
       reaches a model output, a norm over channels or an op the analysis
       cannot follow is kept.
    2. Each group (the channels of one producer, with everything tied to
       them) is scored per channel: `l1` the mean |w| of the producers'
       weight rows and biases (convolution filters, depthwise filters of the
       same channel), `l2` the mean w^2; `data` (from `mica compile
       --calibration`, not this pass alone) the standard deviation of the
       channel where each later layer reads it times the mean |w| of the
       weight column reading it; a removed channel's mean then moves,
       through those columns, into the reading layer's bias. The channels scored lowest in each
       group are removed: at most `fraction` of the group, so that a
       multiple of `round` channels stays (and at least `round`; a group
       smaller than `round` is left whole).
    3. Every member shrinks: weights and biases are sliced, shapes re-typed,
       reshape shapes, slice bounds, split sizes and depthwise groups
       rewritten.

    Numerics: a removed channel that is exactly zero (zero weights and bias
    into an activation that maps 0 to 0) leaves the outputs unchanged;
    otherwise the model changes, and how much is measured by the tests and
    the bench. `fraction = 0` returns without touching the IR.
  }];
  let options = [
    Option<"fraction", "fraction", "double", /*default=*/"0.0",
           "Fraction of each group's channels to remove, in [0, 1)">,
    Option<"score", "score", "std::string", /*default=*/"\"l1\"",
           "Channel score: l1 (mean |w| of the producers' rows), l2 "
           "(mean w^2) or data (mica compile --calibration only)">,
    Option<"round", "round", "int64_t", /*default=*/"1",
           "Channels kept per group are a multiple of this">,
    Option<"roundMinChannels", "round-min-channels", "int64_t",
           /*default=*/"0",
           "Groups of fewer channels round to 1 instead (mica compile "
           "--prune round=auto: 8 vectors' worth)">,
  ];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

def RemoveBlocks : Pass<"mica-remove-blocks", "::mlir::ModuleOp"> {
  let summary = "Remove whole residual blocks";
  let description = [{
    Removes the residual blocks listed in `blocks` (indices in the order of
    dialects/graph/Analysis/ResidualBlocks.h: identity-skip residual units,
    a transformer layer's attention and MLP units as one block): each
    block's output is replaced by its input, and the branch computation,
    now unused, is erased. `mica compile --remove-blocks N --calibration
    DIR` chooses the blocks, those whose output is most like their input on
    the calibration data (ShortGPT's block influence, 1 - cosine), and runs
    this pass with them.

    Cost: the removed blocks' work, all of it. Numerics: the model changes
    by what the blocks added to their input. Errors: an index beyond the
    blocks found.
  }];
  let options = [
    ListOption<"blocks", "blocks", "int64_t",
               "Indices of the residual blocks to remove">,
  ];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

def ShareBlocks : Pass<"mica-share-blocks", "::mlir::ModuleOp"> {
  let summary = "Adjacent residual blocks share one copy of their weights";
  let description = [{
    Groups of `group` adjacent residual blocks (dialects/graph/Analysis/
    ResidualBlocks.h; a last group of at least two) whose contractions have
    the same weight shapes in the same order share one copy of each weight
    matrix: the group's elementwise mean (`mode = mean`) or the first
    block's (`mode = first`). With `scales`, each block keeps a vector of
    per-output-channel scales, the least-squares fit of its own weight rows
    to the shared ones (s = <w, w_shared> / <w_shared, w_shared>), applied
    after the contraction (its bias divided by them, so that the bias is
    unchanged); biases, norms and other vectors stay per block. Groups
    whose blocks differ in structure are left alone (the report says so).

    Cost: a per-channel multiply per shared layer with scales; the weights
    are stored once per group, so the constants shrink by (group - 1) /
    group of the blocks' matrices. Numerics: the model changes unless the
    blocks' weights were equal (then `mode = first` with or without scales
    is exact).
  }];
  let options = [
    Option<"group", "group", "int64_t", /*default=*/"0",
           "Adjacent blocks per shared copy (0 or 1: no sharing)">,
    Option<"mode", "mode", "std::string", /*default=*/"\"mean\"",
           "The shared copy: mean (of the group's weights) or first">,
    Option<"scales", "scales", "bool", /*default=*/"true",
           "Keep per-block, per-output-channel scales">,
  ];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

def Sparsify : Pass<"mica-sparsify", "::mlir::ModuleOp"> {
  let summary = "Zero the smallest weights: N:M or unstructured sparsity";
  let description = [{
    Sets the smallest-magnitude weights of every convolution, fully-connected
    layer and product with a constant 2-D right-hand side to exactly zero,
    keeping shapes: the sparsity is stored compressed in the artifact (the
    encoded constants segment, docs/artifact-format.md) and no rewrite after
    densifies it (Winograd leaves sparse weights alone).

    - `pattern=N:M`: along the reduction axis (a convolution's input
      channels at each kernel position, a linear layer's inputs, a
      product's rows), in every run of M consecutive weights only the N
      largest |w| stay (ties: the first). A layer whose reduction axis is
      not a multiple of M (a first convolution on 3 channels, a depthwise
      one) is left dense and reported.
    - `ratio=R`: per layer, the fraction R of its weights with the smallest
      |w| (ties: the first) become zero.

    Biases are not touched. Exactly one of the two is given; `ratio=0`
    without a pattern leaves the IR as it is.
  }];
  let options = [
    Option<"pattern", "pattern", "std::string", /*default=*/"\"\"",
           "N:M: N of every M consecutive weights along the reduction "
           "axis stay (2:4, 1:4, 4:8, ...)">,
    Option<"ratio", "ratio", "double", /*default=*/"0.0",
           "Fraction of each layer's weights set to zero, in [0, 1)">,
  ];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

def SortChannels : Pass<"mica-sort-channels", "::mlir::ModuleOp"> {
  let summary = "Order each channel group by importance, for a run-time width";
  let description = [{
    Runtime-selectable width (`mica compile --sortable-width`, UniQL's
    sortable channels): the channels of every group that channel pruning
    could shrink (ChannelGroups.h; the same groups and scores as
    `mica-prune-channels`) are permuted, highest score first, in every
    weight, bias and parameter that carries them. The permutation is exact:
    the model computes the same function (up to the order of float sums
    over permuted input channels). A prefix of each group is then the
    channels pruning would keep: the first `mica_channels_kept(n, 1 - w,
    round)` channels (runtime/include/mica/channel_width.h) are those that
    `mica-prune-channels{fraction=1-w}` keeps, with the same score and
    round.

    Each group's producer (the op that creates its channels) gets
    `mica.width_group = G`, and the module `mica.width_groups`: one
    dictionary per group with the producer's `node` and `op`, its
    `channels` and `round`, in the order of G (the artifact's
    Model.width_groups, whose counts the runtime sets).
    `mica-annotate-width` later marks the contractions that may stop early.
    Scores: `l1` or `l2` (a data score would move the removed channels'
    means into biases, which a run-time width cannot do).
  }];
  let options = [
    Option<"score", "score", "std::string", /*default=*/"\"l1\"",
           "Channel score: l1 (mean |w| of the producers' rows) or l2">,
    Option<"round", "round", "int64_t", /*default=*/"1",
           "A width keeps a multiple of this many channels per group">,
    Option<"roundMinChannels", "round-min-channels", "int64_t",
           /*default=*/"0",
           "Groups of fewer channels round to 1 instead">,
  ];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

def AnnotateWidth : Pass<"mica-annotate-width", "::mlir::ModuleOp"> {
  let summary = "Mark the contractions a run-time width bounds";
  let description = [{
    Runs on the final graph, right before the lowering to linalg, on a
    module that `mica-sort-channels` sorted (without `mica.width_groups` it
    does nothing). The channel groups are found again (ChannelGroups.h, on
    the graph as stage 4 left it); a group whose producer carries
    `mica.width_group = G` is bounded when every member tensor holds its
    channels in order along a whole dim and every contraction reading them
    can stop early: a convolution with groups = 1 (input channels), a
    fully-connected layer or a product with a constant 2-D right operand
    (the reduction dim; a flatten before it reads C * H * W features, scale
    H * W). Then each reader gets `mica.width = {k = array<i64: G, SCALE>}`
    and each producer that is such an op, or a depthwise convolution the
    group passes through, `n = array<i64: G, 1>` (merged into one
    dictionary). The lowering turns them into loop bounds (`mica.width`
    on linalg ops: `[loop, group, scale]`) that the CPU kernels read from
    the context at run time: outputs of channels past the active count are
    not computed, and reductions stop at it, so that whatever those channels
    hold is never read. Everything else computes at full width.

    A group that fails any check runs at full width (listed in the report
    with the reason); the module's `mica.width_groups` entry gets
    `bounded = false` and `reason`.
  }];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

#endif // MICA_PASSES_PRUNE_PASSES
