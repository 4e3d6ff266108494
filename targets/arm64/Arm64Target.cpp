//===- Arm64Target.cpp - `arm64`: AArch64 Linux, NEON baseline ------------===//
//
// The baseline is what every ARMv8-A phone core has: FP and Advanced SIMD
// (NEON) on the generic CPU model. Newer instructions (dotprod, i8mm, fp16,
// bf16, sve, ...) are opt-in with `--cpu-features +dotprod,+i8mm`; each name
// is checked against the AArch64 backend's feature table, so a typo is an
// error instead of LLVM's "not a recognized feature" warning and silently
// slower code.
//
//===----------------------------------------------------------------------===//
#include "targets/TargetSupport.h"
#include "targets/cpu/CpuTarget.h"

#include "llvm/TargetParser/Triple.h"

using namespace llvm;

FailureOr<mica::TargetDescription>
mica::resolveArm64Target(StringRef extraFeatures, std::string &error) {
  TargetDescription target;
  target.name = "arm64";
  target.triple = Triple::normalize("aarch64-linux-gnu");
  target.cpu = "generic";
  target.objectFormat = ObjectFormat::ElfRelocatable;

  detail::FeatureMap features;
  features["fp-armv8"] = true;
  features["neon"] = true;
  if (failed(detail::applyFeatureList(target.name, target.triple, extraFeatures,
                                      features, error)))
    return failure();
  target.features = detail::toFeatureList(features);
  return target;
}

namespace mica {
// Called by registerAllTargets (targets/RegisterTargets.cpp).
void registerArm64Target() {
  registerTarget(std::make_unique<cpu::CpuTarget>(
      "arm64",
      "AArch64 Linux, NEON baseline (add features with --cpu-features)",
      resolveArm64Target));
}
} // namespace mica
