//===- RegisterTargets.cpp - Every target Mica has ------------------------===//
//
// One line per target, in the order --help lists them. A new target adds its
// folder under targets/ and one line here.
//
//===----------------------------------------------------------------------===//
#include "targets/Target.h"

#include <mutex>

void mica::registerAllTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerHostTarget();
    registerArm64Target();
    registerVulkanTarget();
    registerNpuTarget();
  });
}
