//===- RegisterTargets.cpp - Every target Mica has ------------------------===//
//
// One call per target, in the order --help lists them. A new target adds its
// folder under targets/ (its sources to MicaTargets in targets/CMakeLists.txt)
// and its registration function here.
//
//===----------------------------------------------------------------------===//
#include "targets/Target.h"

#include <mutex>

namespace mica {
// Each defined in its target's folder.
void registerHostTarget();
void registerArm64Target();
void registerVulkanTarget();
void registerNpuTarget();
} // namespace mica

void mica::registerAllTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerHostTarget();
    registerArm64Target();
    registerVulkanTarget();
    registerNpuTarget();
  });
}
