//===- CpuTarget.h - The Target shared by the CPU targets -------*- C++ -*-===//
//
// host and arm64 differ only in how they resolve (targets/host,
// targets/arm64); lowering, code emission and packaging are the same CPU
// path: the kernel pipeline of targets/cpu/Pipeline.h, an ELF relocatable
// object per artifact (targets/cpu/codegen) and a static library for app
// builds (targets/cpu/StaticLibrary.h).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_CPUTARGET_H
#define MICA_TARGETS_CPU_CPUTARGET_H

#include "targets/Target.h"
#include "targets/cpu/Pipeline.h"

#include <functional>

namespace mica::cpu {

/// Resolves a CPU target's description from the user's extra features; on
/// failure `error` says why.
using CpuResolver = std::function<llvm::FailureOr<TargetDescription>(
    llvm::StringRef extraFeatures, std::string &error)>;

class CpuTarget : public Target {
public:
  CpuTarget(std::string name, std::string summary, CpuResolver resolver)
      : name(std::move(name)), summary(std::move(summary)),
        resolver(std::move(resolver)) {}

  llvm::StringRef getName() const override { return name; }
  llvm::StringRef getSummary() const override { return summary; }
  llvm::FailureOr<TargetDescription>
  resolve(llvm::StringRef extraFeatures, CompileError &error) const override;
  bool wantsGraphOptimizations(const TargetDescription &target,
                               const LoweringOptions &options) const override;
  int64_t
  preferredChannelMultiple(const TargetDescription &target,
                           const LoweringOptions &options) const override;
  llvm::LogicalResult buildLoweringPipeline(mlir::OpPassManager &pm,
                                            const TargetDescription &target,
                                            const LoweringOptions &options,
                                            CompileError &error) const override;
  llvm::FailureOr<std::vector<uint8_t>>
  serialize(mlir::ModuleOp module, const TargetDescription &target,
            const LoweringOptions &options, CompileError &error) const override;
  llvm::FailureOr<StaticLibrary>
  packageStaticLibrary(const artifact::Artifact &artifact,
                       const TargetDescription &target, llvm::StringRef prefix,
                       CompileError &error) const override;

private:
  std::string name, summary;
  CpuResolver resolver;
};

/// The CPU kernels' vector shape for a target: AVX-512 and AVX2 on x86-64
/// (with their 32 and 16 vector registers), NEON on AArch64, and the libmvec
/// ISA where glibc provides it; `options` may override the width.
KernelPipelineOptions getKernelPipelineOptions(const TargetDescription &target,
                                               const LoweringOptions &options);

} // namespace mica::cpu

#endif // MICA_TARGETS_CPU_CPUTARGET_H
