//===- NpuTarget.cpp - `npu`: integer-only NPU programs (skeleton) --------===//
//
// A registered name that reports "not implemented" through the Target
// interface (ErrorKind::Unsupported, CLI exit 3) until this folder gains its
// partitioner, interchange writers and emulator.
//
//===----------------------------------------------------------------------===//
#include "targets/UnimplementedTarget.h"

namespace mica {
// Called by registerAllTargets (targets/RegisterTargets.cpp).
void registerNpuTarget() {
  registerTarget(std::make_unique<UnimplementedTarget>(
      "npu", "integer-only NPU programs (not implemented yet)",
      "integer-only NPU programs are planned"));
}
} // namespace mica
