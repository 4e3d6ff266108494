//===- AttentionParts.h - The ONNX nodes a graph.attention stands for -*- C++
//-*-===//
//
// mica-form-attention replaces five pieces of an exported attention (the
// score product, its scaling, the mask add, the softmax and the value
// product) by one graph.attention; mica-decompose-attention gives them back.
// The fused op's location keeps the five pieces' locations in this order,
// so that the decomposed ops carry their own ONNX node names again (the
// report, calibration taps and errors name nodes by location).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_GRAPH_OPT_ATTENTIONPARTS_H
#define MICA_PASSES_GRAPH_OPT_ATTENTIONPARTS_H

#include "mlir/IR/Location.h"

namespace mica {

enum class AttentionPart { Scores, Scale, Mask, Softmax, Values };
constexpr int kAttentionParts = 5;

/// A location holding one location per part (pieces that were absent take
/// the softmax's).
mlir::Location attentionLoc(mlir::MLIRContext *context,
                            const mlir::Location (&parts)[kAttentionParts]);

/// The location of `part` in a location built by attentionLoc, or `loc`
/// itself when it is not one (an attention written by hand).
mlir::Location attentionPartLoc(mlir::Location loc, AttentionPart part);

} // namespace mica

#endif // MICA_PASSES_GRAPH_OPT_ATTENTIONPARTS_H
