//===- TargetSupport.h - Shared helpers of the CPU targets ------*- C++ -*-===//
//
// Internal to MicaTargets: the per-target resolvers (targets/host,
// targets/arm64) and the feature-list checking they share. Users include
// targets/TargetDescription.h only.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_TARGETSUPPORT_H
#define MICA_TARGETS_TARGETSUPPORT_H

#include "targets/TargetDescription.h"

#include "llvm/ADT/StringMap.h"

namespace mica {
namespace detail {

/// A feature set being assembled: name -> enabled. Later writes win, so the
/// baseline is written first and the user's additions last.
using FeatureMap = llvm::StringMap<bool>;

/// Parses a comma-separated list ("+dotprod,-sve,i8mm"; a bare name means
/// "+name") and writes it into `features`. Every name must be a feature of the
/// LLVM backend for `triple`; otherwise `error` names the offending entry, the
/// target, and the closest known feature.
llvm::LogicalResult applyFeatureList(llvm::StringRef targetName,
                                     llvm::StringRef triple,
                                     llvm::StringRef list, FeatureMap &features,
                                     std::string &error);

/// Drops the names that the backend for `triple` does not know (the host
/// probe may report features this LLVM has no name for).
void dropUnknownFeatures(llvm::StringRef triple, FeatureMap &features);

/// Checks that `cpu` is a CPU name the backend for `triple` knows.
llvm::LogicalResult checkCpu(llvm::StringRef targetName, llvm::StringRef triple,
                             llvm::StringRef cpu, std::string &error);

/// The sorted "+x"/"-x" list of a feature map.
std::vector<std::string> toFeatureList(const FeatureMap &features);

} // namespace detail

/// targets/host: the build machine, as explicit CPU name and features.
llvm::FailureOr<TargetDescription>
resolveHostTarget(llvm::StringRef extraFeatures, std::string &error);

/// targets/arm64: AArch64 Linux, generic NEON baseline plus additions.
llvm::FailureOr<TargetDescription>
resolveArm64Target(llvm::StringRef extraFeatures, std::string &error);

} // namespace mica

#endif // MICA_TARGETS_TARGETSUPPORT_H
