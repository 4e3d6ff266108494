//===- TargetDescription.h - Code generation targets as data ---*- C++ -*-===//
//
// A target is plain data: a name the user types (`host`, `arm64`, ...), the
// LLVM triple, an explicit CPU name and an explicit, sorted feature list, and
// the object format its code is delivered in. Everything downstream (object
// emission, the artifact's "this code needs" record, the runtime's load-time
// check) reads this struct and nothing else, so a compile never depends on
// the machine it ran on except through what is written here.
//
// `host` is resolved once, at compile time, to the build machine's CPU name
// and its complete feature list (enabled features as "+x", absent ones as
// "-x"), so that the same description on another machine gives the same code.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_TARGETDESCRIPTION_H
#define MICA_TARGETS_TARGETDESCRIPTION_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/LogicalResult.h"

#include <string>
#include <vector>

namespace mica {

/// How a target's code is delivered to the runtime.
enum class ObjectFormat {
  /// ELF64 relocatable object (ET_REL), mapped and relocated by Mica's
  /// runtime loader.
  ElfRelocatable,
  /// SPIR-V module (vulkan; not implemented yet).
  SpirV,
  /// Integer-only NPU program (not implemented yet).
  NpuProgram,
};

llvm::StringRef stringifyObjectFormat(ObjectFormat format);

struct TargetDescription {
  /// The user-facing name: "host", "arm64", ...
  std::string name;
  /// Normalised LLVM triple, e.g. "aarch64-unknown-linux-gnu".
  std::string triple;
  /// Explicit LLVM CPU name ("generic", "znver3", "skylake", ...).
  std::string cpu;
  /// Explicit LLVM subtarget features, each "+name" or "-name", sorted by
  /// name, one entry per name. Never empty for a resolved CPU target.
  std::vector<std::string> features;
  ObjectFormat objectFormat = ObjectFormat::ElfRelocatable;

  /// The features joined with ',' as LLVM's TargetMachine takes them.
  std::string featureString() const;
  /// Only the enabled ("+x") features: what the code requires of the CPU
  /// that runs it (recorded in the artifact, checked by the runtime).
  std::vector<std::string> requiredFeatures() const;
};

/// Registers the X86 and AArch64 LLVM backends (target info, MC layer, code
/// generator, object writer) with LLVM's TargetRegistry. Idempotent and
/// thread-safe; only these two backends are initialised.
void initializeCpuTargets();

} // namespace mica

#endif // MICA_TARGETS_TARGETDESCRIPTION_H
