//===- ImportOptions.h - What the importer is asked to do -------*- C++ -*-===//
//
// Plain data, free of libonnx and protobuf headers, so that the compiler's
// public interface (compiler/driver/Compile.h) can name import options
// without pulling libonnx in.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_ONNX_IMPORTOPTIONS_H
#define MICA_COMPILER_ONNX_IMPORTOPTIONS_H

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace mica {

/// `--input-shape name=1x3x224x224`; kDynamicDim marks a `?`.
struct InputShape {
  static constexpr int64_t kDynamicDim = -1;
  std::string name;
  std::vector<int64_t> dims;
};

/// An input whose value is fixed at compile time (--freeze-input): it becomes
/// an initializer before shape inference, so shapes it decides are static.
struct FrozenInput {
  std::string name;
  std::string path; // .npy or TensorProto .pb
};

struct LoadOptions {
  std::vector<InputShape> inputShapes;
  std::vector<FrozenInput> frozenInputs;
  /// Op types (default domain) to replace by their schema's function body
  /// where they have one (FunctionExpansion.h).
  std::set<std::string> expandFunctions;
};

} // namespace mica

#endif // MICA_COMPILER_ONNX_IMPORTOPTIONS_H
