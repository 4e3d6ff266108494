//===- VulkanTarget.cpp - `vulkan`: SPIR-V compute (skeleton) -------------===//
//
// A registered name that reports "not implemented" through the Target
// interface (ErrorKind::Unsupported, CLI exit 3) until this folder gains its
// lowering (graph -> linalg -> gpu -> spirv), serialiser and executor.
//
//===----------------------------------------------------------------------===//
#include "targets/UnimplementedTarget.h"

namespace mica {
// Called by registerAllTargets (targets/RegisterTargets.cpp).
void registerVulkanTarget() {
  registerTarget(std::make_unique<UnimplementedTarget>(
      "vulkan", "mobile GPUs through Vulkan 1.1 compute (not implemented yet)",
      "SPIR-V compute code generation is planned"));
}
} // namespace mica
