//===- ModelLoader.h - The libonnx border of the importer -------*- C++ -*-===//
//
// Everything Mica asks of libonnx goes through this header: reading a model
// (with external data), fixing input shapes, ONNX shape inference and schema
// lookups. libonnx reports errors with C++ exceptions while Mica (like LLVM) is
// built without them, so ModelLoader.cpp alone is built with -fexceptions and
// catches everything; what crosses this header is plain data and LoadError.
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_ONNX_MODELLOADER_H
#define MICA_COMPILER_ONNX_MODELLOADER_H

#include "compiler/onnx/ImportOptions.h"

#include "onnx/onnx_pb.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mica {

/// Why a model could not be loaded. `unsupported` errors (a model feature Mica
/// does not handle) map to exit code 3, the others to 1.
struct LoadError {
  bool unsupported = false;
  std::string node;   // node name, empty if the error is not about a node
  std::string domain; // node domain ("" = ai.onnx)
  std::string opType;
  std::string message;
};

/// How one node maps onto the generated onnx dialect.
struct ResolvedNode {
  std::string mnemonic; // op name without the `onnx.` prefix
  int sinceVersion = 0;
  /// Formal inputs in schema order: 0 single, 1 optional, 2 variadic.
  std::vector<int> inputKinds;
  /// Formal outputs in schema order, same encoding.
  std::vector<int> outputKinds;
  /// Names of graph-valued attributes (regions), in the order the generated
  /// op declares its regions (sorted by name).
  std::vector<std::string> regionAttrs;
  /// For each formal output: the formal input whose type it shares (-1 if
  /// none), and the element type when the schema allows exactly one ("" if
  /// not). Used when shape inference did not type an output.
  std::vector<int> outputTypeFromInput;
  std::vector<int> outputFixedElemType; // TensorProto::DataType or 0
};

/// A loaded, shape-inferred model and the schema resolution of every node
/// (including nodes in subgraphs), keyed by node address.
struct LoadedModel {
  onnx::ModelProto proto;
  int defaultOpset = 0;
  /// The opset each imported domain is at ("" for ai.onnx).
  std::map<std::string, int> opsets;
  std::map<const onnx::NodeProto *, ResolvedNode> nodes;
  std::vector<std::string> warnings;
};

/// Reads, validates and prepares `path`. On failure returns false and fills
/// `error`.
bool loadOnnxModel(const std::string &path, const LoadOptions &options,
                   LoadedModel &model, LoadError &error);

/// The name an unnamed node gets: `OpType#index` (index within its graph).
std::string nodeDisplayName(const onnx::NodeProto &node, int index);

} // namespace mica

#endif // MICA_COMPILER_ONNX_MODELLOADER_H
