//===- KernelAbi.h - The compiler's side of kernel_abi.h --------*- C++ -*-===//
//
// Names and layouts shared by the passes that turn a bufferized function into
// a kernel with the ABI of runtime/include/mica/kernel_abi.h:
//
//  1. mica-bind-kernel-interface (memref level) rewrites each entry @E into
//       func @E(%ctx: !llvm.ptr, %segment0: memref<?xi8>,
//                  %arena: memref<?xi8>, %in0 ... %inN,
//                  %out0: memref<?xi8> ... %outM, %dims0: memref<Rxi64> ...,
//                  %count0: index ... %countG)
//     constants become views of %segment0, allocations views of %arena,
//     results are written into %outI with their shapes into %dimsI; the plan
//     is recorded as exec ops (dialects/exec: segment, entry_point, step).
//     A --sortable-width kernel's exec.active_count ops (written by the
//     contraction codegen) become the trailing %count arguments, one per
//     width group read, ascending; exec.entry_point's `active_groups` lists
//     those groups, and the module's exec.required_features gets
//     "sortable_width" (MICA_FEATURE_SORTABLE_WIDTH);
//  2. mica-insert-layer-hooks calls mica_kernel_layer_hook(%ctx, node, phase)
//     around the code of each ONNX node;
//  3. after the LLVM conversion, mica-emit-kernel-entry adds the exported
//     `int32_t KERNEL(const mica_kernel_ctx *)` of each entry's step that
//     builds those memref descriptors from the context, loads
//     ctx->active_counts[g] (i64) for each of `active_groups` as %count,
//     and calls @E (made internal). Parallel tasks take @E's arguments, so
//     they get the counts the same way.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_KERNEL_KERNELABI_H
#define MICA_TARGETS_CPU_KERNEL_KERNELABI_H

#include "llvm/ADT/StringRef.h"

namespace mica::kernel {

/// Field indices of mica_kernel_ctx (all pointer-sized).
enum CtxField : unsigned {
  kCtxSegments = 0,
  kCtxArena = 1,
  kCtxInputs = 2,
  kCtxInputDims = 3,
  kCtxOutputs = 4,
  kCtxOutputDims = 5,
  kCtxHookState = 6,
  kCtxActiveCounts = 7,
  kCtxNumFields = 8,
};

/// Alignment of every constant and every arena slot, in bytes.
constexpr int64_t kAlignment = 64;

/// Symbol of the constants segment (exec.segment) every entry point reads:
/// segment 0 of the kernel's segment table.
constexpr llvm::StringLiteral kConstantSegment = "constants";

/// Attributes of a parallel loop's thunk between mica-cpu-outline-parallel
/// and mica-emit-kernel-entry (both CPU passes): the task it calls and the
/// bound entry function whose arguments that task takes.
constexpr llvm::StringLiteral kTaskAttr = "mica.task";
constexpr llvm::StringLiteral kTaskEntryAttr = "mica.task_entry";

/// Attribute of each exec.step of an entry point with several steps
/// (--memory-budget), set by mica-insert-layer-hooks: the node-table
/// indices its kernel reports through the layer hooks (DenseI32ArrayAttr),
/// the artifact's Step.nodes.
constexpr llvm::StringLiteral kStepNodesAttr = "mica.nodes";

/// The runtime function generated code calls around each node.
constexpr llvm::StringLiteral kLayerHookFn = "mica_kernel_layer_hook";
/// The runtime function generated code calls with each node's result.
constexpr llvm::StringLiteral kTensorHookFn = "mica_kernel_tensor_hook";

/// The runtime function generated code calls where the run must fail
/// (graph.fail: a branch that cannot run with the compiled shapes).
constexpr llvm::StringLiteral kFailFn = "mica_kernel_fail";

} // namespace mica::kernel

#endif // MICA_TARGETS_CPU_KERNEL_KERNELABI_H
