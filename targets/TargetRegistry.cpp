//===- TargetRegistry.cpp - Targets by name -------------------------------===//
#include "targets/Target.h"

#include "llvm/ADT/StringExtras.h"

#include <mutex>

using namespace llvm;
using namespace mica;

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<Target>> targets;
};

Registry &getRegistry() {
  static Registry registry;
  return registry;
}

} // namespace

Target::~Target() = default;

bool Target::wantsGraphOptimizations(const TargetDescription &,
                                     const LoweringOptions &) const {
  return false;
}

int64_t Target::preferredChannelMultiple(const TargetDescription &,
                                         const LoweringOptions &) const {
  return 1;
}

FailureOr<StaticLibrary>
Target::packageStaticLibrary(const artifact::Artifact &,
                             const TargetDescription &, StringRef,
                             CompileError &error) const {
  error = {ErrorKind::Unsupported, "target '" + getName().str() +
                                       "' cannot be packaged as a static "
                                       "library (--emit static-lib)"};
  return failure();
}

void mica::registerTarget(std::unique_ptr<Target> target) {
  Registry &registry = getRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  for (const auto &known : registry.targets)
    if (known->getName() == target->getName())
      return;
  registry.targets.push_back(std::move(target));
}

const Target *mica::lookupTarget(StringRef name) {
  Registry &registry = getRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  for (const auto &target : registry.targets)
    if (target->getName() == name)
      return target.get();
  return nullptr;
}

std::vector<StringRef> mica::getTargetNames() {
  Registry &registry = getRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  std::vector<StringRef> names;
  for (const auto &target : registry.targets)
    names.push_back(target->getName());
  return names;
}

FailureOr<TargetDescription> mica::resolveTarget(StringRef name,
                                                 StringRef extraFeatures,
                                                 CompileError &error) {
  registerAllTargets();
  const Target *target = lookupTarget(name);
  if (!target) {
    error = {ErrorKind::Usage,
             ("unknown target '" + name +
              "'; known targets: " + join(getTargetNames(), ", "))
                 .str()};
    return failure();
  }
  return target->resolve(extraFeatures, error);
}
