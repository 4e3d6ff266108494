//===- ReshapePatterns.cpp - Reshape, Squeeze, Unsqueeze, Flatten ---------===//
//
// All four become graph.reshape. Reshape keeps ONNX's 0/-1 entries; a shape
// computed at run time becomes the `shape` operand. Squeeze, Unsqueeze and
// Flatten describe each result dim as a static size or an input dim; those
// become a `new_shape` (input dims as their static size, or as a 0 entry
// when they keep their index, at most one -1) or, when that cannot express
// them (several moved dynamic dims), a runtime shape gathered from
// shape_of(input).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

/// Where one result dim of a reshape comes from.
struct TargetDim {
  enum Kind { Static, Input, Infer } kind;
  int64_t value; // the size for Static, the input dim for Input
};

LogicalResult reshapeTo(PatternRewriter &rewriter, Operation *op, Value input,
                        ArrayRef<TargetDim> dims) {
  auto type = getGraphTensor(input.getType());
  if (!type)
    return rewriter.notifyMatchFailure(op, "input is not a ranked tensor");
  SmallVector<int64_t> newShape;
  int unresolved = 0;
  for (auto [i, dim] : llvm::enumerate(dims)) {
    int64_t size =
        dim.kind == TargetDim::Input ? type.getDimSize(dim.value) : dim.value;
    bool sameIndex =
        dim.kind == TargetDim::Input && dim.value == static_cast<int64_t>(i);
    if (dim.kind == TargetDim::Infer ||
        (ShapedType::isDynamic(size) && !sameIndex)) {
      newShape.push_back(-1);
      ++unresolved;
    } else if (ShapedType::isDynamic(size) || size == 0) {
      if (!sameIndex)
        return rewriter.notifyMatchFailure(op, "zero-size result dim");
      newShape.push_back(0);
    } else {
      newShape.push_back(size);
    }
  }
  if (unresolved <= 1)
    return replaceOp<graph::ReshapeOp>(rewriter, op, input, Value(),
                                       rewriter.getDenseI64ArrayAttr(newShape));

  // Several dynamic dims move: gather the shape at run time from
  // concat(shape_of(input), [the static sizes and -1]).
  if (!mayRetype(op->getResult(0)))
    return rewriter.notifyMatchFailure(op, "unranked result used outside onnx");
  int64_t rank = type.getRank();
  SmallVector<int64_t> extra, indices;
  for (const TargetDim &dim : dims) {
    if (dim.kind == TargetDim::Input) {
      indices.push_back(dim.value);
      continue;
    }
    indices.push_back(rank + static_cast<int64_t>(extra.size()));
    extra.push_back(dim.kind == TargetDim::Infer ? -1 : dim.value);
  }
  Location loc = op->getLoc();
  Value shape = graph::ShapeOfOp::create(rewriter, loc, input);
  Value table = graph::ConcatOp::create(
      rewriter, loc, ValueRange{shape, createI64Constant(rewriter, loc, extra)},
      rewriter.getI64IntegerAttr(0));
  Value target = graph::GatherOp::create(
      rewriter, loc, table, createI64Constant(rewriter, loc, indices),
      rewriter.getI64IntegerAttr(0));
  return replaceOp<graph::ReshapeOp>(rewriter, op, input, target,
                                     DenseI64ArrayAttr());
}

/// Reshape-5/13/14: the target shape is an input.
template <typename OnnxOp> struct ReshapePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto allowZeroAttr = op->template getAttrOfType<IntegerAttr>("allowzero");
    bool allowZero = allowZeroAttr && allowZeroAttr.getInt() != 0;
    Value shape = op.getShape();
    if (std::optional<SmallVector<int64_t>> values = getConstantInts(shape)) {
      if (allowZero && llvm::is_contained(*values, 0))
        return rewriter.notifyMatchFailure(op, "allowzero with a 0 entry");
      return replaceOp<graph::ReshapeOp>(
          rewriter, op, op.getData(), Value(),
          rewriter.getDenseI64ArrayAttr(*values));
    }
    auto shapeType = getGraphTensor(shape.getType());
    if (allowZero || !shapeType || shapeType.getRank() != 1 ||
        !shapeType.hasStaticShape() ||
        !shapeType.getElementType().isInteger(64))
      return rewriter.notifyMatchFailure(
          op, "runtime shape is not a static-size 1-D i64 tensor");
    return replaceOp<graph::ReshapeOp>(rewriter, op, op.getData(), shape,
                                       DenseI64ArrayAttr());
  }
};

/// The axes of Squeeze/Unsqueeze (a constant input); nullopt in the outer
/// optional when the input is not constant.
template <typename OnnxOp>
std::optional<std::optional<SmallVector<int64_t>>> readAxes(OnnxOp op) {
  if (isNone(op.getAxes()))
    return std::optional<SmallVector<int64_t>>();
  std::optional<SmallVector<int64_t>> values = getConstantInts(op.getAxes());
  if (!values)
    return std::nullopt;
  return values;
}

/// Normalises `axes` against `rank`; nullopt on a bad or repeated axis.
std::optional<llvm::SmallDenseSet<int64_t>> axisSet(ArrayRef<int64_t> axes,
                                                    int64_t rank) {
  llvm::SmallDenseSet<int64_t> set;
  for (int64_t axis : axes) {
    std::optional<int64_t> a = normalizeAxis(axis, rank);
    if (!a || !set.insert(*a).second)
      return std::nullopt;
  }
  return set;
}

template <typename OnnxOp> struct SqueezePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto type = getGraphTensor(op.getData().getType());
    auto axes = readAxes(op);
    if (!type || !axes)
      return rewriter.notifyMatchFailure(op, "unranked input or axes unknown");
    ArrayRef<int64_t> shape = type.getShape();
    llvm::SmallDenseSet<int64_t> squeezed;
    if (*axes) {
      auto set = axisSet(**axes, type.getRank());
      if (!set)
        return rewriter.notifyMatchFailure(op, "invalid axes");
      squeezed = std::move(*set);
    } else {
      if (llvm::any_of(shape, ShapedType::isDynamic))
        return rewriter.notifyMatchFailure(
            op, "squeeze of all 1-dims with dynamic dims");
      for (auto [i, d] : llvm::enumerate(shape))
        if (d == 1)
          squeezed.insert(i);
    }
    SmallVector<TargetDim> dims;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (!squeezed.contains(i))
        dims.push_back({TargetDim::Input, i});
      else if (shape[i] != 1 && !ShapedType::isDynamic(shape[i]))
        return rewriter.notifyMatchFailure(op, "squeezed dim is not 1");
    }
    return reshapeTo(rewriter, op, op.getData(), dims);
  }
};

template <typename OnnxOp> struct UnsqueezePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto type = getGraphTensor(op.getData().getType());
    auto axes = readAxes(op);
    if (!type || !axes || !*axes)
      return rewriter.notifyMatchFailure(op, "unranked input or axes unknown");
    int64_t rank = type.getRank() + static_cast<int64_t>((*axes)->size());
    auto inserted = axisSet(**axes, rank);
    if (!inserted)
      return rewriter.notifyMatchFailure(op, "invalid axes");
    SmallVector<TargetDim> dims;
    int64_t next = 0;
    for (int64_t i = 0; i < rank; ++i)
      dims.push_back(inserted->contains(i)
                         ? TargetDim{TargetDim::Static, 1}
                         : TargetDim{TargetDim::Input, next++});
    return reshapeTo(rewriter, op, op.getData(), dims);
  }
};

/// Flatten: [prod(dims before axis), prod(dims from axis)]. A group with
/// dynamic dims is its single input dim or the inferred -1.
template <typename OnnxOp> struct FlattenPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto type = getGraphTensor(op.getInput().getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "input is not a ranked tensor");
    int64_t rank = type.getRank();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis > rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    auto group = [&](int64_t begin, int64_t end) -> TargetDim {
      ArrayRef<int64_t> dims = type.getShape().slice(begin, end - begin);
      if (llvm::any_of(dims, ShapedType::isDynamic))
        return dims.size() == 1 ? TargetDim{TargetDim::Input, begin}
                                : TargetDim{TargetDim::Infer, -1};
      int64_t product = 1;
      for (int64_t d : dims)
        product *= d;
      return {TargetDim::Static, product};
    };
    TargetDim dims[] = {group(0, axis), group(axis, rank)};
    if (dims[0].kind == TargetDim::Infer && dims[1].kind == TargetDim::Infer)
      return rewriter.notifyMatchFailure(op,
                                         "both halves are dynamic products");
    return reshapeTo(rewriter, op, op.getInput(), dims);
  }
};

} // namespace

void mica::onnx_to_graph::populateReshapePatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapePattern<onnx::ReshapeOp>, SqueezePattern<onnx::SqueezeOp>,
               UnsqueezePattern<onnx::UnsqueezeOp>,
               FlattenPattern<onnx::FlattenOp>>(patterns.getContext());
}
