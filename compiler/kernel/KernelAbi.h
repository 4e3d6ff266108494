//===- KernelAbi.h - The compiler's side of kernel_abi.h --------*- C++ -*-===//
//
// Names and layouts shared by the passes that turn a bufferized function into
// a kernel with the ABI of runtime/include/mica/kernel_abi.h:
//
//  1. mica-bind-kernel-interface (memref level) rewrites @main into
//       func @main(%ctx: !llvm.ptr, %segment0: memref<?xi8>,
//                  %arena: memref<?xi8>, %in0 ... %inN,
//                  %out0: memref<?xi8> ... %outM, %dims0: memref<Rxi64> ...)
//     constants become views of %segment0, allocations views of %arena,
//     results are written into %outI with their shapes into %dimsI;
//  2. mica-insert-layer-hooks calls mica_kernel_layer_hook(%ctx, node, phase)
//     around the code of each ONNX node;
//  3. after the LLVM conversion, mica-emit-kernel-entry adds the exported
//     `int32_t SYMBOL(const mica_kernel_ctx *)` that builds those memref
//     descriptors from the context and calls @main (made internal).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_KERNEL_KERNELABI_H
#define MICA_COMPILER_KERNEL_KERNELABI_H

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
  kCtxNumFields = 7,
};

/// Alignment of every constant and every arena slot, in bytes.
constexpr int64_t kAlignment = 64;

/// Function argument attribute (set by the driver): the upper bound of every
/// dimension of an input, as a DenseI64ArrayAttr.
constexpr llvm::StringLiteral kMaxShapeAttr = "mica.max_shape";

/// Function attribute written by mica-bind-kernel-interface, read by
/// mica-emit-kernel-entry and the driver: a dictionary with
///   input_shapes:  [[dims with -1 for ?] per input]   (ArrayAttr of
///                  DenseI64ArrayAttr)
///   output_ranks:  DenseI64ArrayAttr
///   output_max_shapes: ArrayAttr of DenseI64ArrayAttr
///   output_elem_bytes: DenseI64ArrayAttr
///   segment_size, arena_size, intermediates_size: i64
constexpr llvm::StringLiteral kKernelAttr = "mica.kernel";

/// Module attribute: the constants segment as a dense_resource<> of i8.
constexpr llvm::StringLiteral kConstantSegmentAttr = "mica.constant_segment";

/// Module attribute (optional, set by the driver): the ONNX node names, in
/// the order of the artifact's node table; hooks refer to nodes by index in
/// it. Nodes found only in locations are appended by mica-insert-layer-hooks.
constexpr llvm::StringLiteral kNodeNamesAttr = "mica.node_names";
constexpr llvm::StringLiteral kNodeOpTypesAttr = "mica.node_op_types";

/// The runtime function generated code calls around each node.
constexpr llvm::StringLiteral kLayerHookFn = "mica_kernel_layer_hook";
/// The runtime function generated code calls with each node's result.
constexpr llvm::StringLiteral kTensorHookFn = "mica_kernel_tensor_hook";

} // namespace mica::kernel

#endif // MICA_COMPILER_KERNEL_KERNELABI_H
