//===- CpuTarget.cpp - The Target shared by the CPU targets ---------------===//
#include "targets/cpu/CpuTarget.h"

#include "targets/cpu/StaticLibrary.h"
#include "targets/cpu/codegen/ObjectEmitter.h"

#include "dialects/exec/IR/ExecDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::cpu;

cpu::KernelPipelineOptions
cpu::getKernelPipelineOptions(const TargetDescription &target,
                              const LoweringOptions &lowering) {
  KernelPipelineOptions options;
  auto has = [&](StringRef feature) {
    return llvm::is_contained(target.features, ("+" + feature).str());
  };
  StringRef arch = StringRef(target.triple).split('-').first;
  if (arch == "aarch64") {
    options.vectorWidth = 4;
    options.vectorRegisters = 32;
    options.byteTable = "arm-tbl";
    // smmla where the tile pairs rows, sdot elsewhere: both needed.
    if (has("dotprod"))
      options.int8Dot = has("i8mm") ? "arm-smmla" : "arm-sdot";
  } else if (arch == "x86_64") {
    if (has("avx512f")) {
      options.vectorWidth = 16;
      options.vectorRegisters = 32;
      options.vectorMathIsa = "avx512";
    } else if (has("avx2") || has("avx")) {
      options.vectorWidth = 8;
      options.vectorRegisters = 16;
      options.vectorMathIsa = has("avx2") ? "avx2" : "avx";
    } else {
      options.vectorWidth = 4;
      options.vectorRegisters = 16;
      options.vectorMathIsa = "sse";
    }
    // vpdpbusd: AVX-512 VNNI (with VL: 512, 256 and 128 bits) or AVX-VNNI
    // (256 and 128 bits, for the AVX2 kernels' widths).
    // (-avx512f turns the whole AVX-512 family off in LLVM, whatever the
    // list says of its members.)
    bool avx512 = has("avx512f");
    if ((avx512 && has("avx512vnni") && has("avx512vl")) ||
        (has("avxvnni") && options.vectorWidth <= 8))
      options.int8Dot = "x86-vnni";
    else if ((avx512 && has("avx512bw") && options.vectorWidth == 16) ||
             (has("avx2") && options.vectorWidth == 8))
      options.int8Dot = "x86-pmaddwd"; // two vpmaddwd per word of 4

    if (avx512 && has("avx512vbmi") && options.vectorWidth == 16)
      options.byteTable = "x86-vbmi";
    // libmvec is glibc's (linked by -lm there).
    if (!StringRef(target.triple).ends_with("-gnu"))
      options.vectorMathIsa.clear();
  }
  if (lowering.cpuVectorWidth >= 0)
    options.vectorWidth = lowering.cpuVectorWidth;
  options.maxAccumulators = std::max(0, lowering.cpuMaxAccumulators);
  options.trace = lowering.cpuCodegenTrace;
  options.parallel = lowering.cpuParallel;
  options.polynomialExp = lowering.polynomialExp;
  options.target = target.name;
  options.symbolPrefix = lowering.symbolPrefix;
  options.memoryBudget = lowering.memoryBudget;
  return options;
}

FailureOr<TargetDescription> CpuTarget::resolve(StringRef extraFeatures,
                                                CompileError &error) const {
  initializeCpuTargets();
  FailureOr<TargetDescription> target = resolver(extraFeatures, error.message);
  if (failed(target))
    error.kind = ErrorKind::Usage;
  return target;
}

bool CpuTarget::wantsGraphOptimizations(const TargetDescription &target,
                                        const LoweringOptions &options) const {
  // The rewrites make their pieces fast only with the vectorised kernels.
  return getKernelPipelineOptions(target, options).vectorWidth > 0;
}

int64_t
CpuTarget::preferredChannelMultiple(const TargetDescription &target,
                                    const LoweringOptions &options) const {
  // Whole vectors of output channels: no vector tail in the contraction
  // tiles (round=16 ran resnet18 at 0.7 of its FLOPs in 0.66 of the dense
  // time where round=1 took 0.78, docs/pruning.md).
  return std::max(1u, getKernelPipelineOptions(target, options).vectorWidth);
}

LogicalResult CpuTarget::buildLoweringPipeline(OpPassManager &pm,
                                               const TargetDescription &target,
                                               const LoweringOptions &options,
                                               CompileError &error) const {
  if (options.cpuVectorWidth > 64 ||
      (options.cpuVectorWidth > 0 &&
       (options.cpuVectorWidth & (options.cpuVectorWidth - 1)))) {
    error = {ErrorKind::Usage, "--cpu-vector-width must be 0, -1 or a power "
                               "of two up to 64"};
    return failure();
  }
  buildKernelPipeline(pm, getKernelPipelineOptions(target, options));
  return success();
}

FailureOr<std::vector<uint8_t>>
CpuTarget::serialize(ModuleOp module, const TargetDescription &target,
                     const LoweringOptions &options,
                     CompileError &error) const {
  // The plan is the artifact builder's; the object holds the code alone.
  OwningOpRef<ModuleOp> code(module.clone());
  for (Operation &op : llvm::make_early_inc_range(*code->getBody()))
    if (isa<exec::ExecDialect>(op.getDialect()))
      op.erase();
  ObjectEmitOptions emit;
  emit.fpContract = options.fpContract;
  FailureOr<std::string> object =
      emitObject(*code, target, emit, error.message);
  if (failed(object)) {
    error.kind = ErrorKind::Internal;
    return failure();
  }
  return std::vector<uint8_t>(object->begin(), object->end());
}

FailureOr<StaticLibrary>
CpuTarget::packageStaticLibrary(const artifact::Artifact &artifact,
                                const TargetDescription &target,
                                StringRef prefix, CompileError &error) const {
  return packageCpuStaticLibrary(artifact, target, prefix, error);
}
