//===- Passes.td - Partition passes ------------------------*- tablegen -*-===//
//
// Passes that cut a compiled entry point into steps (--memory-budget). They
// run on bound kernel functions (after mica-bind-kernel-interface, before
// the layer hooks) and move whole kernels between functions and constants
// between segments: the same kernels run in the same order on the same
// bytes, so results are bit-identical.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_PARTITION_PASSES
#define MICA_PASSES_PARTITION_PASSES

include "mlir/Pass/PassBase.td"

def PartitionWeights : Pass<"mica-partition-weights", "::mlir::ModuleOp"> {
  let summary = "Cut an entry point into steps whose weights stream within "
                "a memory budget";
  let description = [{
    For `mica compile --memory-budget` (docs/plans/memory-budget.md). The
    module's one entry point has a bound function (mica-bind-kernel-
    interface) whose constants are views of its segment argument. Its
    top-level ops with regions or memory effects are *anchors*; a cut
    between two anchors is legal when every value crossing it is a pure
    slice of the arguments (views, constants, index arithmetic), which is
    cloned into each function that uses it. A *unit* is a maximal run of
    anchors with no legal cut inside (a kernel is never split); its weights
    are the union of the constant ranges it reads.

    Cost model (passes/partition/PlanBlocks.h): with arena A, outputs O and
    budget B, nothing changes when all weights W fit (W + A + O <= B).
    Otherwise, for each unit size as the buffer S (two buffers: one block
    computes while the next loads), units larger than S stay resident,
    then the longest prefix of the rest that fits; the others stream,
    packed in run order into blocks of at most S. Most resident bytes
    wins, then the smaller S. Peak: R + 2S + A + O. No plan: an error
    naming the unit that sets the least budget that would compile.

    Rewrite: @F becomes @F_s0 ... @F_sN with @F's signature, one per step
    (a run of resident units, or one streamed block); each holds its anchors
    in order and the pure slices they use. @constants keeps the ranges the
    resident steps read (compacted); each block gets an `exec.segment
    @stream_I streamed` with copies of the ranges it reads, after
    @constants. The entry point gets one exec.step per function (kernel
    PREFIX_F_sI, `function @F_sI`, segments [@constants] or [@stream_I]),
    its `function` the first step's. The module attribute
    exec.memory_budget records the plan for the compile report.
  }];
  let options = [
    Option<"budget", "budget", "int64_t", /*default=*/"0",
           "The memory budget in bytes (0: do nothing)">,
  ];
  let dependentDialects = ["::mica::exec::ExecDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // MICA_PASSES_PARTITION_PASSES
