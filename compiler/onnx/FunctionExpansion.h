//===- FunctionExpansion.h - Inline ONNX function ops ------------*- C++
//-*-===//
//
// Many ONNX operators are defined by a function body in their schema
// (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss, LayerNormalization,
// the window functions, Range, Celu, ...). Mica lowers most ops directly; an
// op it has no lowering for but whose schema has a body is replaced by that
// body, node by node, before import (the driver decides which op types, see
// importAndNormalize in compiler/driver/Pipeline.cpp). Part of the libonnx
// border: built with -fexceptions, called from ModelLoader.cpp inside its
// try/catch.
//===----------------------------------------------------------------------===//
#ifndef MICA_COMPILER_ONNX_FUNCTIONEXPANSION_H
#define MICA_COMPILER_ONNX_FUNCTIONEXPANSION_H

#include "onnx/onnx_pb.h"

#include <set>
#include <string>

namespace mica {

/// Replaces every node (in every subgraph too) whose op type is in `opTypes`
/// and whose schema at `opset` has a function body by that body. Context-
/// dependent bodies are built from the value types recorded in the graph, so
/// run shape inference first, and again before another round (a body may
/// use another listed op: SoftmaxCrossEntropyLoss uses
/// NegativeLogLikelihoodLoss). Returns the number of nodes expanded.
int expandFunctionNodes(onnx::ModelProto &model, int opset,
                        const std::set<std::string> &opTypes);

/// Whether the default-domain schema of `opType` at `opset` has a function
/// body (plain or context-dependent). Never throws.
bool hasFunctionBody(const std::string &opType, int opset);

} // namespace mica

#endif // MICA_COMPILER_ONNX_FUNCTIONEXPANSION_H
