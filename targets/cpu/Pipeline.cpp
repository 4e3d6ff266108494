//===- Pipeline.cpp - The CPU targets' lowering pipelines -----------------===//
//
// Each step's position is explained beside it; the order continues the
// numbering of the lowering to buffers: memory management (6), loops (7-9),
// then the dialect-by-dialect LLVM conversion (10-12).
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/Pipeline.h"

#include "compiler/conversion/graph_to_linalg/Passes.h"
#include "passes/partition/Passes.h"
#include "targets/cpu/kernel/Passes.h"
#include "targets/cpu/transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mica::cpu::buildKernelPipeline(OpPassManager &pm,
                                    const KernelPipelineOptions &options) {
  buildGraphToBuffersPipeline(pm);
  if (options.vectorWidth) {
    // CPU kernels on the bufferized ops, while each buffer is still one
    // top-level allocation (the memory plan below then sees the fused
    // kernels' real buffer uses). Copies become linalg.copy first so that
    // they are vectorised too.
    pm.addPass(createMemrefCopyToLinalg());
    pm.addNestedPass<func::FuncOp>(createCpuShrinkFills());
    if (!options.int8Dot.empty()) {
      CpuInt8DotLayoutOptions dot;
      dot.dot = options.int8Dot;
      dot.vectorWidth = options.vectorWidth;
      pm.addPass(createCpuInt8DotLayout(dot));
    }
    CpuContractionCodegenOptions contraction;
    contraction.vectorWidth = options.vectorWidth;
    contraction.registers = options.vectorRegisters;
    contraction.maxAccumulators = options.maxAccumulators;
    contraction.trace = options.trace;
    contraction.byteTable = options.byteTable;
    pm.addPass(createCpuContractionCodegen(contraction));
    CpuElementwiseCodegenOptions elementwise;
    elementwise.vectorWidth = options.vectorWidth;
    elementwise.byteTable = options.byteTable;
    pm.addNestedPass<func::FuncOp>(createCpuElementwiseCodegen(elementwise));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    if (options.polynomialExp)
      pm.addPass(createCpuPolynomialExp());
    if (!options.vectorMathIsa.empty()) {
      CpuVectorMathOptions math;
      math.isa = options.vectorMathIsa;
      pm.addPass(createCpuVectorMath(math));
    }
  }
  // 6. Right after bufferization, while every buffer is still a top-level
  //    memref.alloc and every op still carries its node's location: the
  //    static memory plan instead of deallocation, and the plan as exec ops.
  BindKernelInterfaceOptions bind;
  bind.target = options.target;
  bind.prefix = options.symbolPrefix;
  pm.addPass(createBindKernelInterface(bind));
  // Between binding and hooks: kernels, packing and the arena plan are
  // final (the cut moves whole kernels and their constants, so results do
  // not change), and the hooks then see each step's function.
  if (options.memoryBudget > 0) {
    PartitionWeightsOptions partition;
    partition.budget = options.memoryBudget;
    pm.addPass(createPartitionWeights(partition));
  }
  pm.addPass(createInsertLayerHooks());
  pm.addPass(createCanonicalizerPass());
  // The kernels' parallel loops become tasks for the runtime's threads; it
  // needs the bound signature (the tasks rebuild their buffers from it).
  if (options.vectorWidth && options.parallel)
    pm.addPass(createCpuOutlineParallel());
  buildBuffersToLLVMPipeline(pm);
  pm.addPass(createEmitKernelEntry());
}

void mica::cpu::buildGraphToLLVMPipeline(OpPassManager &pm) {
  mica::buildGraphToBuffersPipeline(pm);
  // 6. Ownership-based deallocation: needs the memref IR of step 5 and must
  //    precede the loop lowering, which would hide buffer lifetimes in CFG.
  //    (Kernels for the runtime plan their buffers statically instead, see
  //    targets/cpu/kernel.)
  bufferization::buildBufferDeallocationPipeline(pm);
  buildBuffersToLLVMPipeline(pm);
}

void mica::cpu::buildBuffersToLLVMPipeline(OpPassManager &pm) {
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
  // Vector ops (from the CPU kernels, targets/cpu/transforms) need the
  // memref descriptors still in place.
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mica::cpu::registerCpuPipelines() {
  PassPipelineRegistration<>(
      "mica-lower-to-llvm",
      "Lower graph-dialect functions to the LLVM dialect with malloc'ed "
      "buffers, for JIT harnesses (graph-to-linalg, fusion, bufferization, "
      "deallocation, loops, LLVM)",
      buildGraphToLLVMPipeline);
}
