//===- TargetDescription.cpp - Target names to explicit descriptions ------===//
#include "targets/TargetDescription.h"
#include "targets/TargetSupport.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/TargetParser/Triple.h"

#include <algorithm>
#include <memory>
#include <mutex>

// Only the two CPU backends Mica generates code for are initialised (not
// LLVM's InitializeAllTargets): smaller start-up, and no other backend's
// options end up registered in the process.
extern "C" {
void LLVMInitializeX86TargetInfo();
void LLVMInitializeX86TargetMC();
void LLVMInitializeX86Target();
void LLVMInitializeX86AsmPrinter();
void LLVMInitializeAArch64TargetInfo();
void LLVMInitializeAArch64TargetMC();
void LLVMInitializeAArch64Target();
void LLVMInitializeAArch64AsmPrinter();
}

using namespace llvm;

namespace mica {

StringRef stringifyObjectFormat(ObjectFormat format) {
  switch (format) {
  case ObjectFormat::ElfRelocatable:
    return "elf-relocatable";
  case ObjectFormat::SpirV:
    return "spirv";
  case ObjectFormat::NpuProgram:
    return "npu-program";
  }
  llvm_unreachable("unknown object format");
}

std::string TargetDescription::featureString() const {
  return join(features, ",");
}

std::vector<std::string> TargetDescription::requiredFeatures() const {
  std::vector<std::string> result;
  for (const std::string &feature : features)
    if (StringRef(feature).starts_with("+"))
      result.push_back(feature);
  return result;
}

void initializeCpuTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86Target();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64AsmPrinter();
  });
}

//===----------------------------------------------------------------------===//
// Feature lists, checked against the backend's own table.
//===----------------------------------------------------------------------===//

namespace detail {

/// The subtarget info of `triple` with the generic CPU: its feature table is
/// the authoritative list of names the backend accepts.
static std::unique_ptr<MCSubtargetInfo> getSubtargetInfo(StringRef triple,
                                                         std::string &error) {
  initializeCpuTargets();
  Triple parsed(triple);
  const Target *target = TargetRegistry::lookupTarget(parsed, error);
  if (!target)
    return nullptr;
  return std::unique_ptr<MCSubtargetInfo>(
      target->createMCSubtargetInfo(parsed, "generic", ""));
}

static bool isKnownFeature(const MCSubtargetInfo &sti, StringRef name) {
  // The table is sorted by key (TableGen emits it so for lower_bound).
  ArrayRef<SubtargetFeatureKV> table = sti.getAllProcessorFeatures();
  auto it = llvm::lower_bound(table, name);
  return it != table.end() && StringRef(it->Key) == name;
}

static StringRef closestFeature(const MCSubtargetInfo &sti, StringRef name) {
  StringRef best;
  unsigned bestDistance = ~0u;
  for (const SubtargetFeatureKV &kv : sti.getAllProcessorFeatures()) {
    unsigned distance = name.edit_distance(kv.Key, /*AllowReplacements=*/true,
                                           /*MaxEditDistance=*/bestDistance);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = kv.Key;
    }
  }
  // A suggestion more than a third different is noise.
  return bestDistance <= std::max<size_t>(2, name.size() / 3) ? best
                                                              : StringRef();
}

LogicalResult applyFeatureList(StringRef targetName, StringRef triple,
                               StringRef list, FeatureMap &features,
                               std::string &error) {
  std::unique_ptr<MCSubtargetInfo> sti = getSubtargetInfo(triple, error);
  if (!sti)
    return failure();
  SmallVector<StringRef> entries;
  list.split(entries, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef entry : entries) {
    entry = entry.trim();
    if (entry.empty())
      continue;
    bool enable = !entry.starts_with("-");
    StringRef name =
        entry.drop_while([](char c) { return c == '+' || c == '-'; });
    if (name.empty() || !isKnownFeature(*sti, name)) {
      error = ("unknown CPU feature '" + entry + "' for target '" + targetName +
               "' (" + triple + ")")
                  .str();
      if (StringRef suggestion = closestFeature(*sti, name);
          !suggestion.empty())
        error += ("; did you mean '+" + suggestion + "'?").str();
      return failure();
    }
    features[name] = enable;
  }
  return success();
}

void dropUnknownFeatures(StringRef triple, FeatureMap &features) {
  std::string ignored;
  std::unique_ptr<MCSubtargetInfo> sti = getSubtargetInfo(triple, ignored);
  if (!sti)
    return;
  SmallVector<std::string> unknown;
  for (const auto &entry : features)
    if (!isKnownFeature(*sti, entry.getKey()))
      unknown.push_back(entry.getKey().str());
  for (const std::string &name : unknown)
    features.erase(name);
}

LogicalResult checkCpu(StringRef targetName, StringRef triple, StringRef cpu,
                       std::string &error) {
  std::unique_ptr<MCSubtargetInfo> sti = getSubtargetInfo(triple, error);
  if (!sti)
    return failure();
  if (sti->isCPUStringValid(cpu))
    return success();
  error = ("unknown CPU '" + cpu + "' for target '" + targetName + "' (" +
           triple + ")")
              .str();
  return failure();
}

std::vector<std::string> toFeatureList(const FeatureMap &features) {
  std::vector<std::string> result;
  result.reserve(features.size());
  for (const auto &entry : features)
    result.push_back((entry.getValue() ? "+" : "-") + entry.getKey().str());
  // StringMap iteration order depends on hashing; the list must not.
  llvm::sort(result, [](StringRef a, StringRef b) {
    return a.drop_front() < b.drop_front();
  });
  return result;
}

} // namespace detail
} // namespace mica
