//===- TypeInferenceIndexing.cpp - Types of the indexing ops --------------===//
//
// gather_elements, scatter_elements, gather_nd and scatter_nd (cumsum keeps
// its input type). Dims that are `?` on one side are taken from the other.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/ShapeFunctions.h"
#include "dialects/graph/IR/TypeInference.h"

using namespace mlir;

namespace mica::graph {

/// Checks that two dims agree where both are static; returns the joined dim.
static FailureOr<int64_t> joinDim(int64_t a, int64_t b, StringRef what,
                                  int64_t index, ErrorFn emitError) {
  if (a != kDynamic && b != kDynamic && a != b)
    return emitError() << what << " dim " << index << " is " << b
                       << ", expected " << a;
  return a == kDynamic ? b : a;
}

LogicalResult inferGatherElementsTypes(Type input, Type indices, int64_t axis,
                                       ErrorFn emitError,
                                       SmallVectorImpl<Type> &types) {
  ShapeRef in = getShape(input), idx = getShape(indices);
  if (in.size() != idx.size())
    return emitError() << "indices have rank " << idx.size()
                       << ", the input rank " << in.size();
  if (failed(normalizeAxis(axis, in.size(), emitError)))
    return failure();
  types.push_back(RankedTensorType::get(idx, getElementType(input)));
  return success();
}

LogicalResult inferScatterElementsTypes(Type input, Type indices, Type updates,
                                        int64_t axis, ErrorFn emitError,
                                        SmallVectorImpl<Type> &types) {
  ShapeRef in = getShape(input), idx = getShape(indices),
           upd = getShape(updates);
  if (in.size() != idx.size() || idx.size() != upd.size())
    return emitError() << "input, indices and updates must share a rank";
  if (getElementType(input) != getElementType(updates))
    return emitError() << "updates must have the input's element type";
  for (size_t i = 0; i < idx.size(); ++i)
    if (failed(joinDim(idx[i], upd[i], "updates", i, emitError)))
      return failure();
  if (failed(normalizeAxis(axis, in.size(), emitError)))
    return failure();
  types.push_back(input);
  return success();
}

LogicalResult inferGatherNdTypes(Type input, Type indices, int64_t batchDims,
                                 ErrorFn emitError,
                                 SmallVectorImpl<Type> &types) {
  ShapeRef in = getShape(input), idx = getShape(indices);
  if (idx.empty() || idx.back() == kDynamic)
    return emitError() << "the last dim of indices must be static";
  int64_t k = idx.back();
  if (batchDims < 0 || batchDims + k > static_cast<int64_t>(in.size()) ||
      batchDims >= static_cast<int64_t>(idx.size()))
    return emitError() << "batch_dims " << batchDims << " and index tuples of "
                       << k << " do not fit an input of rank " << in.size();
  Shape shape;
  for (int64_t i = 0; i + 1 < static_cast<int64_t>(idx.size()); ++i) {
    int64_t d = idx[i];
    if (i < batchDims) {
      FailureOr<int64_t> joined = joinDim(in[i], idx[i], "indices", i, emitError);
      if (failed(joined))
        return failure();
      d = *joined;
    }
    shape.push_back(d);
  }
  for (size_t i = batchDims + k; i < in.size(); ++i)
    shape.push_back(in[i]);
  types.push_back(RankedTensorType::get(shape, getElementType(input)));
  return success();
}

LogicalResult inferScatterNdTypes(Type input, Type indices, Type updates,
                                  ErrorFn emitError,
                                  SmallVectorImpl<Type> &types) {
  ShapeRef in = getShape(input), idx = getShape(indices),
           upd = getShape(updates);
  if (idx.empty() || idx.back() == kDynamic ||
      idx.back() > static_cast<int64_t>(in.size()))
    return emitError() << "the last dim of indices must be static and at "
                       << "most the input rank";
  if (getElementType(input) != getElementType(updates))
    return emitError() << "updates must have the input's element type";
  size_t expectedRank = idx.size() - 1 + in.size() - idx.back();
  if (upd.size() != expectedRank)
    return emitError() << "updates have rank " << upd.size() << ", expected "
                       << expectedRank;
  types.push_back(input);
  return success();
}

} // namespace mica::graph
