//===- Pipeline.h - Mica's pass pipelines -----------------------*- C++ -*-===//
//
// Pipelines are assembled here and nowhere else, so that the CLI, the tests
// and the Python package run the same passes in the same order.
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_DRIVER_PIPELINE_H
#define MICA_COMPILER_DRIVER_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace mica {

/// onnx dialect -> graph dialect: normalisation plus the folds that make
/// constant shape subgraphs disappear.
void buildOnnxToGraphPipeline(mlir::OpPassManager &pm);

/// graph dialect -> an LLVM-dialect kernel with the ABI of
/// runtime/include/mica/kernel_abi.h, exported as `symbol`: the host lowering
/// up to bufferization, then the kernel interface (constants segment, static
/// arena plan, caller output buffers), layer hooks, the rest of the lowering
/// and the exported entry (see compiler/kernel/KernelAbi.h).
/// Options of the kernel pipeline that depend on the target.
struct KernelPipelineOptions {
  /// f32 lanes per vector of the CPU kernels (compiler/transforms/cpu):
  /// 16 for AVX-512, 8 for AVX2, 4 for NEON; 0 keeps the scalar loops.
  unsigned vectorWidth = 0;
  /// Vector registers of the target (sizes the register tiles).
  unsigned vectorRegisters = 32;
  /// The x86-64 ISA whose libmvec vector math variants the kernels may call
  /// (mica-cpu-vector-math: avx512, avx2, avx, sse); empty for none.
  std::string vectorMathIsa;
  /// 3x3 convolutions as Winograd F(4x4, 3x3) where the cost model of
  /// mica-winograd-conv says it pays (with the CPU kernels only).
  bool winograd = true;
  /// f32 exp as MLIR's polynomial approximation instead of the C library's
  /// (mica-cpu-polynomial-exp; with the CPU kernels only).
  bool polynomialExp = true;
};

void buildGraphToKernelPipeline(mlir::OpPassManager &pm,
                                llvm::StringRef symbol,
                                const KernelPipelineOptions &options = {});

/// Registers `mica-lower-to-kernel` (buildGraphToKernelPipeline, symbol
/// `mica_main`).
void registerGraphToKernelPipeline();

} // namespace mica

#endif // MICA_COMPILER_DRIVER_PIPELINE_H
