//===- Target.h - The interface every code generation target implements -===//
//
// A target is one folder under targets/ behind this interface; the compiler
// driver knows targets only through it. A target
//
//  1. resolves a name plus user features into an explicit TargetDescription
//     (nothing after this looks at the machine the compiler runs on);
//  2. says whether the graph-level rewrites chosen for fast kernels
//     (passes/graph_opt) pay on it;
//  3. builds the pass pipeline that lowers the graph dialect to its code,
//     writing the execution plan as `exec` ops (dialects/exec) as it goes;
//  4. serialises the lowered module into the bytes of one code segment;
//  5. optionally packages the artifact as a static library for app builds.
//
// A new target implements this class in targets/NAME/ and adds one line to
// targets/RegisterTargets.cpp. A target that is not implemented yet reports
// that through resolve() with ErrorKind::Unsupported (CLI exit 3), as the
// vulkan and npu skeletons do.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_TARGET_H
#define MICA_TARGETS_TARGET_H

#include "compiler/artifact/Artifact.h"
#include "compiler/support/ErrorKind.h"
#include "targets/TargetDescription.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <memory>
#include <string>
#include <vector>

namespace mica {

/// The options of the target lowering, each declared once in the .def file
/// of the pass family that reads it (the CLI, mica-opt and the Python
/// package expand the same list).
struct LoweringOptions {
  /// Prefix of exported symbols: entry point E's kernel is PREFIX_E.
  std::string symbolPrefix = "mica";
  /// --memory-budget in bytes (0: none): weights beyond it stream during a
  /// run (CPU targets; passes/partition).
  int64_t memoryBudget = 0;
#define MICA_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP) TYPE FIELD = DEFAULT;
#include "passes/graph_opt/Options.def"
#include "targets/cpu/Options.def"
#undef MICA_OPTION
};

/// A compiled model packaged for linking into an app: an archive (code plus
/// the artifact's metadata and constants as data) and its C header.
struct StaticLibrary {
  std::string archive;
  std::string header;
};

class Target {
public:
  virtual ~Target();

  /// The name users pass to --target.
  virtual llvm::StringRef getName() const = 0;
  /// One line for `mica compile --help`.
  virtual llvm::StringRef getSummary() const = 0;

  /// Resolves this target with the user's extra features ("+dotprod,...")
  /// into an explicit description.
  virtual llvm::FailureOr<TargetDescription>
  resolve(llvm::StringRef extraFeatures, CompileError &error) const = 0;

  /// Whether the graph-level rewrites for fast kernels (transpose folding,
  /// Winograd) pay on `target` with `options`.
  virtual bool wantsGraphOptimizations(const TargetDescription &target,
                                       const LoweringOptions &options) const;

  /// The channel multiple this target's kernels run fastest on (the f32
  /// lanes of its vectors), for `--prune ...,round=auto`; 1 when none.
  virtual int64_t
  preferredChannelMultiple(const TargetDescription &target,
                           const LoweringOptions &options) const;

  /// Adds to `pm` the passes that lower the graph dialect's entry functions
  /// to this target's code-level IR, writing exec.segment, exec.entry_point
  /// and exec.step ops for the plan.
  virtual llvm::LogicalResult buildLoweringPipeline(
      mlir::OpPassManager &pm, const TargetDescription &target,
      const LoweringOptions &options, CompileError &error) const = 0;

  /// The bytes of the code segment for a module that buildLoweringPipeline's
  /// passes have run on (exec ops are left in place and ignored).
  virtual llvm::FailureOr<std::vector<uint8_t>>
  serialize(mlir::ModuleOp module, const TargetDescription &target,
            const LoweringOptions &options, CompileError &error) const = 0;

  /// Packages `artifact` (as compiled for `target`, symbols prefixed with
  /// `prefix`) as a static library whose code is linked instead of loaded.
  /// Targets whose code cannot be linked into an app fail with
  /// ErrorKind::Unsupported (the default).
  virtual llvm::FailureOr<StaticLibrary>
  packageStaticLibrary(const artifact::Artifact &artifact,
                       const TargetDescription &target, llvm::StringRef prefix,
                       CompileError &error) const;
};

/// Adds `target` to the registry (names are unique; later duplicates are
/// ignored).
void registerTarget(std::unique_ptr<Target> target);
/// Registers every target Mica has (targets/RegisterTargets.cpp). Idempotent.
void registerAllTargets();
/// The target called `name`, or null.
const Target *lookupTarget(llvm::StringRef name);
/// Every registered target's name, in registration order.
std::vector<llvm::StringRef> getTargetNames();

/// lookupTarget + Target::resolve, with an error naming the known targets for
/// an unknown name (ErrorKind::Usage).
llvm::FailureOr<TargetDescription> resolveTarget(llvm::StringRef name,
                                                 llvm::StringRef extraFeatures,
                                                 CompileError &error);
/// The same for tools that only print the message.
inline llvm::FailureOr<TargetDescription>
resolveTarget(llvm::StringRef name, llvm::StringRef extraFeatures,
              std::string &message) {
  CompileError error;
  llvm::FailureOr<TargetDescription> target =
      resolveTarget(name, extraFeatures, error);
  if (llvm::failed(target))
    message = error.message;
  return target;
}

} // namespace mica

#endif // MICA_TARGETS_TARGET_H
