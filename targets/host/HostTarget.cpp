//===- HostTarget.cpp - `host`: the build machine, made explicit ----------===//
//
// `host` is resolved when the compiler runs: the process triple, LLVM's name
// for this CPU and the complete probed feature list. Disabled features are
// kept as "-x": a CPU name implies features (e.g. AVX-512 on a server part)
// that a virtual machine may mask, and only the explicit "-x" stops the
// backend from using them. The description, not the machine, then decides the
// code, and the artifact records it so a runtime can refuse a CPU that lacks
// a "+x".
//
//===----------------------------------------------------------------------===//
#include "targets/TargetSupport.h"
#include "targets/cpu/CpuTarget.h"

#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace llvm;

FailureOr<mica::TargetDescription>
mica::resolveHostTarget(StringRef extraFeatures, std::string &error) {
  Triple triple(Triple::normalize(sys::getProcessTriple()));
  if (triple.getArch() != Triple::x86_64 &&
      triple.getArch() != Triple::aarch64) {
    error = "target 'host': unsupported host architecture '" + triple.str() +
            "' (Mica generates code for x86-64 and AArch64)";
    return failure();
  }
  if (!triple.isOSBinFormatELF()) {
    error = "target 'host': Mica emits ELF objects; host triple '" +
            triple.str() + "' is not an ELF platform";
    return failure();
  }

  TargetDescription target;
  target.name = "host";
  target.triple = triple.str();
  target.cpu = sys::getHostCPUName().str();
  target.objectFormat = ObjectFormat::ElfRelocatable;
  if (failed(detail::checkCpu(target.name, target.triple, target.cpu, error)))
    return failure();

  detail::FeatureMap features;
  for (const auto &entry : sys::getHostCPUFeatures())
    features[entry.getKey()] = entry.getValue();
  detail::dropUnknownFeatures(target.triple, features);
  if (failed(detail::applyFeatureList(target.name, target.triple, extraFeatures,
                                      features, error)))
    return failure();
  target.features = detail::toFeatureList(features);
  if (target.features.empty()) {
    error = "target 'host': LLVM could not probe this CPU's features";
    return failure();
  }
  return target;
}

namespace mica {
// Called by registerAllTargets (targets/RegisterTargets.cpp).
void registerHostTarget() {
  registerTarget(
      std::make_unique<cpu::CpuTarget>("host",
                                       "this machine's CPU, resolved now to an "
                                       "explicit CPU name and feature list",
                                       resolveHostTarget));
}
} // namespace mica
