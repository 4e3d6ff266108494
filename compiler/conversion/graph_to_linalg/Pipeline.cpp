//===- Pipeline.cpp - graph -> buffers lowering pipeline ------------------===//
//
// The target-independent half of every lowering: graph ops to linalg on
// tensors, fusion, one-shot bufferization. Each step's position is explained
// beside it. The CPU targets continue with targets/cpu/Pipeline.cpp.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/Passes.h"
#include "passes/fusion/Passes.h"

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
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

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
  //    static memory plan places buffers (iterations reuse them). Folding
  //    first makes the sizes that bufferization reads from static buffers
  //    (memref.dim of a constant) static, so that those allocations move too.
  //    Parallel loops the lowering wrote (attention's row blocks) become
  //    scf.parallel first: the CPU kernels keep the loops inside them
  //    sequential, OutlineParallel makes them tasks for the runtime's
  //    threads, and the hoisting gives each iteration its own buffers.
  pm.addPass(createForallToParallelLoopPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createHoistRegionAllocs());
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
