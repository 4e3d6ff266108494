//===- Pipeline.cpp - graph -> LLVM lowering pipeline ---------------------===//
//
// The one place where the host lowering is assembled. Each step's position is
// explained beside it; the order is: tensor-level rewrites, bufferization,
// memory management, loops, then the dialect-by-dialect LLVM conversion.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/Passes.h"
#include "compiler/transforms/cpu/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mica::buildGraphToLLVMPipeline(OpPassManager &pm) {
  buildGraphToBuffersPipeline(pm);
  // 6. Ownership-based deallocation: needs the memref IR of step 5 and must
  //    precede the loop lowering, which would hide buffer lifetimes in CFG.
  //    (Kernels for the runtime plan their buffers statically instead, see
  //    compiler/kernel.)
  bufferization::buildBufferDeallocationPipeline(pm);
  buildBuffersToLLVMPipeline(pm);
}

void mica::buildGraphToBuffersPipeline(OpPassManager &pm) {
  // 1. graph -> linalg/tensor/arith/math. Everything after this is upstream.
  pm.addPass(createConvertGraphToLinalg());
  // 2. Fold the tensor.dim/cast/reshape chains the lowering leaves behind, so
  //    fusion sees direct producer -> consumer edges.
  pm.addPass(createCanonicalizerPass());
  // 3. Fuse elementwise generics (bias + relu, hard_swish chains, softmax
  //    pieces) while ops are still on tensors, where fusion is a pure SSA
  //    rewrite; it never reorders a reduction, so numerics are unchanged.
  //    Mica's variant of upstream's pass does not fuse a producer into a
  //    consumer that would recompute it (a layer norm into the matmul it
  //    feeds, once per output column).
  pm.addPass(createFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 4. Loop-carried tensors are written into their iteration arguments
  //    (one-shot bufferization refuses other yields; one buffer per carried
  //    value is what the static memory plan can place). Before empty-tensor
  //    elimination, which then lets their producers write there directly.
  pm.addPass(createLoopCarriedInPlace());
  //    Let concat's insert_slices write straight into the result buffer
  //    instead of into a tensor.empty that is copied afterwards; must run
  //    right before bufferization, on the final tensor IR.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  // 5. One-shot bufferization of the whole module, function boundaries
  //    included, with identity layouts at the boundaries so that callers (the
  //    runtime, mlir-runner) pass plain contiguous buffers.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  //    Temporaries of loop and branch bodies move to the top level, where the
  //    static memory plan places buffers (iterations reuse them).
  pm.addPass(createHoistRegionAllocs());
}

void mica::buildBuffersToLLVMPipeline(OpPassManager &pm) {
  // 7. linalg on buffers -> scf loops (sequential: results do not depend on
  //    any thread count). Copies become linalg.copy first, so that they are
  //    loops too rather than calls into MLIR's runtime library (memrefCopy),
  //    which Mica's runtime does not provide.
  pm.addPass(createMemrefCopyToLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
  // 8. Views (subview, expand/collapse_shape) become explicit strided
  //    metadata, whose affine.apply index math lower-affine then expands; both
  //    must precede the memref -> LLVM conversion.
  //    Upstream expand-strided-metadata assumes at most one `?` per
  //    expand_shape group (reshapes to runtime shapes and split attention
  //    heads have two or more) and crashes otherwise, so those expand_shapes
  //    become reinterpret_casts from their output_shape first.
  pm.addPass(createExpandShapeToReinterpretCast());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // 9. Structured control flow -> CFG, before the LLVM conversions.
  pm.addPass(createSCFToControlFlowPass());
  // 10. arith ops without a direct LLVM counterpart (ceildivsi, maximumf
  //     with NaN semantics) are expanded into ones that have one.
  pm.addPass(arith::createArithExpandOpsPass());
  // 11. math: integer powers become helper functions; ops with LLVM
  //     intrinsics (exp, log, sqrt, ...) become intrinsics; the rest (erf,
  //     tanh, ...) become libm calls (accurate and deterministic). Order
  //     matters: libm last so that it only takes what LLVM cannot express.
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // 12. The remaining dialects -> LLVM; func last but one because math-to-libm
  //     adds func.func declarations; casts between the partial conversions are
  //     reconciled at the very end.
  // Vector ops (from the CPU kernels, compiler/transforms/cpu) need the
  // memref descriptors still in place.
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mica::registerGraphToLLVMDialects(DialectRegistry &registry) {
  registry.insert<affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
                  math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect, vector::VectorDialect>();
  // One-shot bufferization finds each op's bufferization through these.
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
}

void mica::registerGraphToLLVMPipeline() {
  PassPipelineRegistration<>(
      "mica-lower-to-llvm",
      "Lower graph-dialect functions to the LLVM dialect for the host "
      "(graph-to-linalg, fusion, bufferization, loops, LLVM)",
      buildGraphToLLVMPipeline);
}
