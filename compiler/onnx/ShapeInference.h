//===- ShapeInference.h - ONNX shape inference, isolated --------*- C++ -*-===//
//
// libonnx's shape inference functions trust the model: a corrupted attribute
// (an axis far out of range, say) can make them read out of bounds and crash
// the process. Mica never crashes on bad input, so inference runs in a forked
// child that sends the inferred model back through a pipe; if the child dies,
// the import goes on without inferred types (and says so in a warning).
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_ONNX_SHAPEINFERENCE_H
#define MICA_COMPILER_ONNX_SHAPEINFERENCE_H

#include "onnx/onnx_pb.h"

#include <set>
#include <string>
#include <vector>

namespace mica {

/// Runs ONNX shape inference (with data propagation, falling back to without)
/// on `model` in a child process and, if it succeeds, replaces `model` with
/// the inferred one. Problems are appended to `warnings`; the model is left
/// as it was when inference fails.
///
/// With `expandFunctions`, the child also replaces the nodes of those op
/// types by their schema's function body (FunctionExpansion.h), inferring
/// again after each round; libonnx's body builders trust the model as much
/// as its inference functions do.
void inferShapesIsolated(onnx::ModelProto &model,
                         std::vector<std::string> &warnings,
                         const std::set<std::string> &expandFunctions = {},
                         int opset = 0);

} // namespace mica

#endif // MICA_COMPILER_ONNX_SHAPEINFERENCE_H
