//===- Pipeline.h - The CPU targets' lowering pipelines ---------*- C++ -*-===//
//
// Assembled here and nowhere else: what the host and arm64 targets run after
// the target-independent lowering to buffers
// (compiler/conversion/graph_to_linalg/Pipeline.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_PIPELINE_H
#define MICA_TARGETS_CPU_PIPELINE_H

#include "mlir/Pass/PassManager.h"

#include <string>

namespace mica::cpu {

/// The CPU kernels' shape and choices for one target (CpuTarget fills it
/// from the TargetDescription and LoweringOptions).
struct KernelPipelineOptions {
  /// f32 lanes per vector of the CPU kernels (targets/cpu/transforms):
  /// 16 for AVX-512, 8 for AVX2, 4 for NEON; 0 keeps the scalar loops.
  unsigned vectorWidth = 0;
  /// Vector registers of the target (sizes the register tiles).
  unsigned vectorRegisters = 32;
  /// Tuning aid: cap on a contraction tile's accumulators (0: cost model).
  unsigned maxAccumulators = 0;
  /// The dot-product instructions int8 contractions use
  /// (mica-cpu-int8-dot-layout: x86-vnni, x86-pmaddwd, arm-sdot, arm-smmla);
  /// empty for none.
  std::string int8Dot;
  /// Byte-table lookups on vectors (mica-cpu-elementwise-codegen:
  /// x86-vbmi, arm-tbl); empty for none.
  std::string byteTable;
  /// Print each contraction kernel's plan on stderr.
  bool trace = false;
  /// Outline parallel loops into tasks for the runtime's threads.
  bool parallel = true;
  /// The x86-64 ISA whose libmvec vector math variants the kernels may call
  /// (mica-cpu-vector-math: avx512, avx2, avx, sse); empty for none.
  std::string vectorMathIsa;
  /// f32 exp as MLIR's polynomial approximation instead of the C library's
  /// (mica-cpu-polynomial-exp; with the CPU kernels only).
  bool polynomialExp = true;
  /// Target name recorded on each exec.step.
  std::string target = "host";
  /// Prefix of the exported kernels: entry E's kernel is PREFIX_E.
  std::string symbolPrefix = "mica";
  /// --memory-budget in bytes: cut the entry point into steps whose
  /// weights stream (mica-partition-weights); 0 for none.
  int64_t memoryBudget = 0;
};

/// graph dialect -> an LLVM-dialect module with one kernel per entry point
/// with the ABI of runtime/include/mica/kernel_abi.h, and the plan as exec
/// ops: the lowering to buffers, the CPU kernels, the kernel interface
/// (constants segment, static arena plan, caller output buffers), layer
/// hooks, the rest of the lowering and the exported entries (see
/// targets/cpu/kernel/KernelAbi.h).
void buildKernelPipeline(mlir::OpPassManager &pm,
                         const KernelPipelineOptions &options);

/// graph dialect -> LLVM dialect with malloc'ed buffers, for JIT harnesses
/// (mlir-runner): the lowering to buffers, ownership-based deallocation, then
/// buildBuffersToLLVMPipeline.
void buildGraphToLLVMPipeline(mlir::OpPassManager &pm);

/// memref IR -> LLVM dialect: loops, strided metadata, control flow, then
/// the dialect-by-dialect LLVM conversion.
void buildBuffersToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers `mica-lower-to-llvm` (buildGraphToLLVMPipeline).
void registerCpuPipelines();

} // namespace mica::cpu

#endif // MICA_TARGETS_CPU_PIPELINE_H
