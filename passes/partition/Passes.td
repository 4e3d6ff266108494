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
    top-level ops with regions or memory effects are *anchors*. A value may
    cross a cut between two anchors if it is rematerializable (the result
    of an op free of memory effects and regions whose operands are
    arguments, rematerializable or spilled: views, constants, index
    arithmetic, memref.dim), cloned into each function that uses it, or a
    *spilled* scalar: an integer, index or float result of an anchor (a
    memref.load, an scf.if), stored right after its anchor into an 8-byte
    slot after the planned arena and loaded at the start of each later step
    reading it (the entry's arena_size grows by the slots, 64-byte
    aligned). Any other value (a memref an anchor returns) forbids the cut.
    A *unit* is a maximal run of anchors with no legal cut inside (a kernel
    is never split), merged with the next when both read a common constant
    (never streamed twice); its weights are the 64-byte lines of the
    constants it reads.

    Cost model (passes/partition/PlanBlocks.h), every weight figure the
    bytes the units' ranges cover together (shared constants count once):
    with arena A, outputs O and budget B, nothing changes when all weights W
    fit (W + A + O <= B). Otherwise, with the arena grown by the slots, for
    each unit size as the buffer S (two buffers: one block computes while
    the next loads), units larger than S stay resident, then the longest
    prefix of the rest that fits, then the units whose weights are already
    resident; the others stream, packed in run order into blocks of at most
    S. Most resident bytes wins, then the smaller S. Peak: R + 2S + A + O.
    No plan: an error with the least budget that would compile (a streamed
    plan naming the unit that sets its buffer, or all resident).

    Rewrite: @F becomes @F_s0 ... @F_sN with @F's signature, one per step
    (a run of resident units, or one streamed block); each holds its anchors
    in order, the rematerialized ops they use and the spilled scalars'
    loads and stores. @constants keeps the ranges the resident steps read
    (compacted); each block gets an `exec.segment @stream_I streamed` with
    copies of the ranges it reads, after @constants. The entry point gets
    one exec.step per function (kernel PREFIX_F_sI, `function @F_sI`,
    segments [@constants] or [@stream_I]), its `function` the first
    step's. The module attribute exec.memory_budget records the plan (with
    the grown arena) for the compile report.
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
