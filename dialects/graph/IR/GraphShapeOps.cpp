//===- GraphShapeOps.cpp - Type inference of data-movement ops ------------===//
#include "dialects/graph/IR/GraphDialect.h"

using namespace mlir;
using namespace mica::graph;

LogicalResult ReshapeOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                    SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  std::optional<ArrayRef<int64_t>> newShape = adaptor.getNewShape();
  Value shape = adaptor.getShape();
  if ((shape != nullptr) == newShape.has_value())
    return emitError() << "expects exactly one of the `shape` operand and "
                          "the `new_shape` attribute";
  if (newShape)
    return addTensorResult(
        inferReshapeShape(::mica::graph::getShape(input), *newShape, emitError),
        getElementType(input), types);
  ArrayRef<int64_t> shapeShape = ::mica::graph::getShape(shape.getType());
  if (shapeShape.size() != 1 || shapeShape[0] == kDynamic)
    return emitError() << "the shape operand must be 1-D with a static size";
  types.push_back(RankedTensorType::get(Shape(shapeShape[0], kDynamic),
                                        getElementType(input)));
  return success();
}

LogicalResult TransposeOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                      SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return addTensorResult(inferTransposeShape(::mica::graph::getShape(input),
                                             adaptor.getPerm(), emitError),
                         getElementType(input), types);
}

LogicalResult ConcatOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                   SmallVectorImpl<Type> &types) {
  if (adaptor.getInputs().empty())
    return emitError() << "expects at least one input";
  Type element = getElementType(adaptor.getInputs()[0].getType());
  SmallVector<ShapeRef> shapes;
  for (auto [index, value] : llvm::enumerate(adaptor.getInputs())) {
    if (getElementType(value.getType()) != element)
      return emitError() << "input #" << index << " element type "
                         << getElementType(value.getType()) << " differs from "
                         << element;
    shapes.push_back(::mica::graph::getShape(value.getType()));
  }
  return addTensorResult(inferConcatShape(shapes, adaptor.getAxis(), emitError),
                         element, types);
}

LogicalResult SliceOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                  SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return addTensorResult(inferSliceShape(::mica::graph::getShape(input),
                                         adaptor.getStarts(), adaptor.getEnds(),
                                         adaptor.getSteps(), emitError),
                         getElementType(input), types);
}

LogicalResult DynamicSliceOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                         SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  ShapeRef shape = ::mica::graph::getShape(input);
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (adaptor.getSteps().size() != axes.size())
    return emitError() << "expects one step per axis (" << axes.size() << ")";
  for (Value bound : {adaptor.getStarts(), adaptor.getEnds()}) {
    ShapeRef boundShape = ::mica::graph::getShape(bound.getType());
    if (boundShape.size() != 1 ||
        (!ShapedType::isDynamic(boundShape[0]) &&
         boundShape[0] != static_cast<int64_t>(axes.size())))
      return emitError() << "expects 1-D starts and ends with one entry per "
                            "axis ("
                         << axes.size() << ")";
  }
  Shape result(shape.begin(), shape.end());
  SmallVector<bool> seen(shape.size(), false);
  for (auto [axis, step] : llvm::zip(axes, adaptor.getSteps())) {
    FailureOr<int64_t> a = normalizeAxis(axis, shape.size(), emitError);
    if (failed(a))
      return failure();
    if (seen[*a])
      return emitError() << "axis " << axis << " is listed twice";
    if (step == 0)
      return emitError() << "steps must not be 0";
    seen[*a] = true;
    result[*a] = ShapedType::kDynamic;
  }
  return addTensorResult(FailureOr<Shape>(result), getElementType(input),
                         types);
}

LogicalResult GatherOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                   SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return addTensorResult(
      inferGatherShape(::mica::graph::getShape(input),
                       ::mica::graph::getShape(adaptor.getIndices().getType()),
                       adaptor.getAxis(), emitError),
      getElementType(input), types);
}

LogicalResult BroadcastToOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                        SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  ArrayRef<int64_t> entries = adaptor.getShape();
  if (Value target = adaptor.getTarget()) {
    ArrayRef<int64_t> targetShape = ::mica::graph::getShape(target.getType());
    if (targetShape.size() != 1 ||
        targetShape[0] != static_cast<int64_t>(entries.size()))
      return emitError() << "target must be 1-D with one entry per shape entry";
  }
  Shape shape;
  for (int64_t d : entries) {
    if (d < (adaptor.getTarget() ? -1 : 0))
      return emitError() << "shape entries must be >= 0 (-1: read from "
                            "target)";
    shape.push_back(d < 0 ? kDynamic : d);
  }
  return addTensorResult(
      inferBroadcastShape({::mica::graph::getShape(input), shape}, emitError),
      getElementType(input), types);
}

LogicalResult SplitOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                  SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  FailureOr<SmallVector<Shape>> shapes =
      inferSplitShapes(::mica::graph::getShape(input), adaptor.getAxis(),
                       adaptor.getSizes(), emitError);
  if (failed(shapes))
    return failure();
  for (const Shape &shape : *shapes)
    types.push_back(RankedTensorType::get(shape, getElementType(input)));
  return success();
}

LogicalResult PadOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return addTensorResult(inferPadShape(::mica::graph::getShape(input),
                                       adaptor.getPads(), emitError),
                         getElementType(input), types);
}

LogicalResult ShapeOfOp::inferTypes(Adaptor adaptor, ErrorFn,
                                    SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  types.push_back(
      RankedTensorType::get({(int64_t)::mica::graph::getShape(input).size()},
                            IntegerType::get(input.getContext(), 64)));
  return success();
}

LogicalResult TileOp::inferTypes(Adaptor adaptor, ErrorFn emitError,
                                 SmallVectorImpl<Type> &types) {
  Type input = adaptor.getInput().getType();
  return addTensorResult(inferTileShape(::mica::graph::getShape(input),
                                        adaptor.getRepeats(), emitError),
                         getElementType(input), types);
}
