//===- UnimplementedTarget.h - A target that is only a name -----*- C++ -*-===//
//
// The skeleton every new target starts from (IREE's null driver plays the
// same part): registered, listed by --help, and failing cleanly with
// ErrorKind::Unsupported at resolve() with what is planned.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_UNIMPLEMENTEDTARGET_H
#define MICA_TARGETS_UNIMPLEMENTEDTARGET_H

#include "targets/Target.h"

namespace mica {

class UnimplementedTarget : public Target {
public:
  UnimplementedTarget(std::string name, std::string summary, std::string plan)
      : name(std::move(name)), summary(std::move(summary)),
        plan(std::move(plan)) {}

  llvm::StringRef getName() const override { return name; }
  llvm::StringRef getSummary() const override { return summary; }
  llvm::FailureOr<TargetDescription>
  resolve(llvm::StringRef, CompileError &error) const override {
    error = {ErrorKind::Unsupported,
             "target '" + name + "' is not implemented yet (" + plan + ")"};
    return llvm::failure();
  }
  llvm::LogicalResult
  buildLoweringPipeline(mlir::OpPassManager &, const TargetDescription &,
                        const LoweringOptions &,
                        CompileError &error) const override {
    error = {ErrorKind::Unsupported, "target '" + name + "' has no lowering"};
    return llvm::failure();
  }
  llvm::FailureOr<std::vector<uint8_t>>
  serialize(mlir::ModuleOp, const TargetDescription &, const LoweringOptions &,
            CompileError &error) const override {
    error = {ErrorKind::Unsupported, "target '" + name + "' has no serialiser"};
    return llvm::failure();
  }

private:
  std::string name, summary, plan;
};

} // namespace mica

#endif // MICA_TARGETS_UNIMPLEMENTEDTARGET_H
