//===- GraphShapeFolders.cpp - Folders of data-movement ops ---------------===//
//
// shape_of of a static shape, constant concat/gather/slice/reshape/transpose
// on small tensors (any element type), identity reshape/transpose/slice/
// broadcast_to, and composition of reshape-of-reshape and
// transpose-of-transpose.
//
//===----------------------------------------------------------------------===//
#include "dialects/graph/IR/FoldUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

using namespace mlir;
using namespace mica::graph;

/// All elements of a small dense constant, splats expanded.
static std::optional<SmallVector<Attribute>> elementsOf(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || dense.getNumElements() > kMaxFoldElements)
    return std::nullopt;
  return SmallVector<Attribute>(dense.getValues<Attribute>());
}

/// elementsOf, or for the shape of a tensor with some static dims, those
/// dims (null where a dim is dynamic): a gather or slice that picks only
/// static dims folds even when others are symbolic.
static std::optional<SmallVector<Attribute>> elementsOf(Value value,
                                                        Attribute attr) {
  if (std::optional<SmallVector<Attribute>> known = elementsOf(attr))
    return known;
  auto shapeOf = value.getDefiningOp<ShapeOfOp>();
  if (!shapeOf)
    return std::nullopt;
  auto source = cast<RankedTensorType>(shapeOf.getInput().getType());
  Type i64 = IntegerType::get(value.getContext(), 64);
  SmallVector<Attribute> dims;
  for (int64_t d : source.getShape())
    dims.push_back(ShapedType::isDynamic(d) ? Attribute()
                                            : IntegerAttr::get(i64, d));
  return dims;
}

static int64_t linearize(ArrayRef<int64_t> index, ArrayRef<int64_t> shape) {
  int64_t linear = 0;
  for (auto [i, d] : llvm::zip_equal(index, shape))
    linear = linear * d + i;
  return linear;
}

/// Builds a constant of `type` whose element i is source[map(index of i)].
static OpFoldResult
gatherElements(RankedTensorType type, ArrayRef<Attribute> source,
               function_ref<int64_t(ArrayRef<int64_t>)> sourceIndex) {
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    values.push_back(source[sourceIndex(delinearize(i, type.getShape()))]);
    if (!values.back())
      return {}; // A dynamic dim of a shape (see elementsOf).
  }
  return DenseElementsAttr::get(type, values);
}

OpFoldResult ShapeOfOp::fold(FoldAdaptor) {
  auto input = cast<RankedTensorType>(getInput().getType());
  // The declared result may legally be `tensor<?xi64>`; a constant needs the
  // static `tensor<RANKxi64>`, so fold only when both are static.
  auto type = cast<RankedTensorType>(getType());
  if (!input.hasStaticShape() || !type.hasStaticShape())
    return {};
  return DenseIntElementsAttr::get(type, input.getShape());
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  RankedTensorType type = foldableType(getType());
  if (!type)
    return {};
  int64_t axis = normalizeAxis(getAxis(), type.getRank(), [] {
                   return InFlightDiagnostic();
                 }).value_or(0);
  // Input k covers [offsets[k], offsets[k + 1]) along the axis.
  SmallVector<SmallVector<Attribute>> inputs;
  SmallVector<ArrayRef<int64_t>> shapes;
  SmallVector<int64_t> offsets{0};
  for (auto [value, attr] : llvm::zip(getInputs(), adaptor.getInputs())) {
    std::optional<SmallVector<Attribute>> elements = elementsOf(attr);
    if (!elements)
      return {};
    inputs.push_back(std::move(*elements));
    shapes.push_back(cast<RankedTensorType>(value.getType()).getShape());
    offsets.push_back(offsets.back() + shapes.back()[axis]);
  }
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    SmallVector<int64_t> index = delinearize(i, type.getShape());
    size_t k = llvm::upper_bound(offsets, index[axis]) - offsets.begin() - 1;
    index[axis] -= offsets[k];
    values.push_back(inputs[k][linearize(index, shapes[k])]);
  }
  return DenseElementsAttr::get(type, values);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = foldableType(getType());
  std::optional<SmallVector<Attribute>> input =
      elementsOf(getInput(), adaptor.getInput());
  auto indices = dyn_cast_or_null<DenseIntElementsAttr>(adaptor.getIndices());
  if (!type || !input || !indices)
    return {};
  ArrayRef<int64_t> inShape = getInput().getType().getShape();
  int64_t axis = getAxis() < 0 ? getAxis() + inShape.size() : getAxis();
  SmallVector<int64_t> idx;
  for (const APInt &v : indices.getValues<APInt>()) {
    int64_t i = v.getSExtValue();
    if (i < 0)
      i += inShape[axis];
    if (i < 0 || i >= inShape[axis])
      return {};
    idx.push_back(i);
  }
  ArrayRef<int64_t> idxShape = indices.getType().getShape();
  return gatherElements(type, *input, [&](ArrayRef<int64_t> r) {
    SmallVector<int64_t> source(r.take_front(axis));
    source.push_back(idx[linearize(r.slice(axis, idxShape.size()), idxShape)]);
    llvm::append_range(source, r.drop_front(axis + idxShape.size()));
    return linearize(source, inShape);
  });
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto inType = cast<RankedTensorType>(getInput().getType());
  if (!inType.hasStaticShape())
    return {};
  SmallVector<SliceRange> ranges;
  bool identity = true;
  for (int64_t i = 0; i < inType.getRank(); ++i) {
    ranges.push_back(resolveSlice(inType.getDimSize(i), getStarts()[i],
                                  getEnds()[i], getSteps()[i]));
    identity &= getSteps()[i] == 1 && ranges.back().start == 0 &&
                ranges.back().size == inType.getDimSize(i);
  }
  if (identity && inType == getType())
    return getInput();
  RankedTensorType type = foldableType(getType());
  std::optional<SmallVector<Attribute>> input =
      elementsOf(getInput(), adaptor.getInput());
  if (!type || !input)
    return {};
  return gatherElements(type, *input, [&](ArrayRef<int64_t> r) {
    SmallVector<int64_t> source;
    for (auto [i, x] : llvm::enumerate(r))
      source.push_back(ranges[i].start + x * getSteps()[i]);
    return linearize(source, inType.getShape());
  });
}

LogicalResult SplitOp::fold(FoldAdaptor adaptor,
                            SmallVectorImpl<OpFoldResult> &results) {
  // A constant splits into constants (tf2onnx reorders pads this way).
  auto inType = cast<RankedTensorType>(getInput().getType());
  std::optional<SmallVector<Attribute>> input = elementsOf(adaptor.getInput());
  if (!input || !inType.hasStaticShape())
    return failure();
  int64_t axis = getAxis() < 0 ? getAxis() + inType.getRank() : getAxis();
  int64_t offset = 0;
  SmallVector<OpFoldResult> folded;
  for (auto [result, size] : llvm::zip(getResults(), getSizes())) {
    RankedTensorType type = foldableType(result.getType());
    if (!type)
      return failure();
    OpFoldResult piece = gatherElements(type, *input, [&](ArrayRef<int64_t> r) {
      SmallVector<int64_t> source(r);
      source[axis] += offset;
      return linearize(source, inType.getShape());
    });
    if (!piece)
      return failure();
    folded.push_back(piece);
    offset += size;
  }
  results.append(folded.begin(), folded.end());
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  auto inType = cast<RankedTensorType>(getInput().getType());
  auto type = cast<RankedTensorType>(getType());
  // With at most one `?`, equal types imply equal element counts per dim.
  if (inType == type && (type.getNumDynamicDims() == 0 ||
                         (getNewShape() && type.getNumDynamicDims() == 1)))
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (type.hasStaticShape())
      return dense.reshape(type);
  // reshape(reshape(x)) -> reshape(x) when this op's target does not depend
  // on the intermediate shape (no 0 entries), or is static.
  auto inner = getInput().getDefiningOp<ReshapeOp>();
  if (!inner || !getNewShape())
    return {};
  if (type.hasStaticShape())
    setNewShape(type.getShape());
  else if (llvm::is_contained(*getNewShape(), 0))
    return {};
  getInputMutable().assign(inner.getInput());
  return getResult();
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())) &&
      getInput().getType() == getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(inner.getPerm()[p]);
    setPerm(composed);
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  RankedTensorType type = foldableType(getType());
  std::optional<SmallVector<Attribute>> input = elementsOf(adaptor.getInput());
  if (!type || !input)
    return {};
  ArrayRef<int64_t> inShape = getInput().getType().getShape();
  return gatherElements(type, *input, [&](ArrayRef<int64_t> r) {
    SmallVector<int64_t> source(r.size());
    for (auto [i, p] : llvm::enumerate(perm))
      source[p] = r[i];
    return linearize(source, inShape);
  });
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor adaptor) {
  auto type = cast<RankedTensorType>(getType());
  // The broadcast is the identity when no dim can grow: every entry of
  // `shape` (aligned to the right) is 1 or equals a static input dim. Equal
  // types are not enough: a `?` input dim of actual size 1 grows.
  auto inputType = cast<RankedTensorType>(getInput().getType());
  ArrayRef<int64_t> shape = getShape();
  bool identity = inputType == type &&
                  static_cast<int64_t>(shape.size()) <= inputType.getRank();
  for (size_t i = 0; identity && i < shape.size(); ++i) {
    int64_t dim = inputType.getDimSize(inputType.getRank() - shape.size() + i);
    int64_t want = shape[i];
    identity = want == 1 || (!ShapedType::isDynamic(dim) && want == dim);
  }
  if (identity)
    return getInput();
  auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput());
  if (dense && dense.isSplat() && type.hasStaticShape())
    return DenseElementsAttr::get(type, dense.getSplatValue<Attribute>());
  return {};
}
