//===- PoolIndexPatterns.cpp - MaxPool's Indices and MaxUnpool ------------===//
//
// MaxPool with its Indices output: one strided slice of the input (padded
// with -inf) per window offset, in row-major window order, keeps the larger
// value and the flat index of where it came from (strictly larger: the first
// maximum wins, as in the ONNX reference). The indices are a constant of the
// input's shape (row-major, or column-major over the spatial dims with
// storage_order = 1), sliced the same way. MaxUnpool scatters values back
// at such indices.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include <limits>

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

/// The flat index of every element of a [N, C, spatial...] tensor: row-major,
/// or with `columnMajor` the spatial dims counted first dim fastest.
DenseElementsAttr flatIndices(Builder &b, ArrayRef<int64_t> shape,
                              bool columnMajor) {
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  int64_t spatial = 1;
  for (int64_t d : shape.drop_front(2))
    spatial *= d;
  SmallVector<int64_t> values(total);
  SmallVector<int64_t> coord(shape.size(), 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t index = flat;
    if (columnMajor) {
      int64_t within = 0, stride = 1;
      for (size_t d = 2; d < shape.size(); ++d) {
        within += coord[d] * stride;
        stride *= shape[d];
      }
      index = (coord[0] * shape[1] + coord[1]) * spatial + within;
    }
    values[flat] = index;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++coord[d] < shape[d])
        break;
      coord[d] = 0;
    }
  }
  return DenseElementsAttr::get(RankedTensorType::get(shape, b.getI64Type()),
                                ArrayRef<int64_t>(values));
}

template <typename OnnxOp>
struct MaxPoolIndicesPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() < 2 || op->getResult(1).use_empty())
      return rewriter.notifyMatchFailure(op, "Indices output is unused");
    auto type = getGraphTensor(op.getX().getType());
    if (!type || type.getRank() < 3 || !type.hasStaticShape() ||
        !hasFloatElements(type))
      return rewriter.notifyMatchFailure(op, "needs a static float N-D input");
    auto ceil = op->template getAttrOfType<IntegerAttr>("ceil_mode");
    if (ceil && ceil.getInt() != 0)
      return rewriter.notifyMatchFailure(op, "ceil_mode");
    std::string why;
    FailureOr<Window> w =
        readWindow(op, type.getShape().drop_front(2),
                   getI64s(op.getKernelShape()), /*transposed=*/false, why);
    if (failed(w))
      return rewriter.notifyMatchFailure(op, why);
    int64_t spatial = type.getRank() - 2;
    SmallVector<int64_t> outSizes;
    for (int64_t d = 0; d < spatial; ++d) {
      int64_t span = type.getDimSize(2 + d) + w->pads[d] +
                     w->pads[spatial + d] -
                     w->dilations[d] * (w->kernel[d] - 1) - 1;
      if (span < 0)
        return rewriter.notifyMatchFailure(op, "window larger than the input");
      outSizes.push_back(span / w->strides[d] + 1);
    }
    auto order = op->template getAttrOfType<IntegerAttr>("storage_order");
    Location loc = op.getLoc();
    SmallVector<int64_t> pads(2 * type.getRank(), 0);
    for (int64_t d = 0; d < spatial; ++d) {
      pads[2 + d] = w->pads[d];
      pads[type.getRank() + 2 + d] = w->pads[spatial + d];
    }
    auto pad = [&](Value v, double value) {
      return createValue<graph::PadOp>(
          rewriter, loc, v, rewriter.getDenseI64ArrayAttr(pads),
          rewriter.getStringAttr("constant"), rewriter.getF64FloatAttr(value));
    };
    Value values = pad(op.getX(), -std::numeric_limits<double>::infinity());
    bool columnMajor = order && order.getInt() == 1;
    Value indices = pad(
        graph::ConstantOp::create(
            rewriter, loc, flatIndices(rewriter, type.getShape(), columnMajor)),
        0.0);
    // Every window offset, row-major.
    Value best, bestIndex;
    SmallVector<int64_t> offset(spatial, 0);
    while (true) {
      SmallVector<int64_t> starts(type.getRank(), 0), steps(type.getRank(), 1),
          ends(type.getShape());
      for (int64_t d = 0; d < spatial; ++d) {
        starts[2 + d] = offset[d] * w->dilations[d];
        ends[2 + d] = starts[2 + d] + (outSizes[d] - 1) * w->strides[d] + 1;
        steps[2 + d] = w->strides[d];
      }
      auto slice = [&](Value v) {
        return createValue<graph::SliceOp>(
            rewriter, loc, v, rewriter.getDenseI64ArrayAttr(starts),
            rewriter.getDenseI64ArrayAttr(ends),
            rewriter.getDenseI64ArrayAttr(steps));
      };
      Value v = slice(values), i = slice(indices);
      if (!best) {
        best = v;
        bestIndex = i;
      } else {
        Value larger = createValue<graph::GreaterOp>(rewriter, loc, v, best);
        best = createValue<graph::SelectOp>(rewriter, loc, larger, v, best);
        bestIndex =
            createValue<graph::SelectOp>(rewriter, loc, larger, i, bestIndex);
      }
      int64_t d = spatial - 1;
      for (; d >= 0; --d) {
        if (++offset[d] < w->kernel[d])
          break;
        offset[d] = 0;
      }
      if (d < 0)
        break;
    }
    replaceResults(rewriter, op, {best, bestIndex});
    return success();
  }
};

/// MaxUnpool: the values scattered at their flat indices (MaxPool's
/// Indices, row-major over the natural unpooled shape: per spatial dim
/// (in - 1) * stride + kernel - pad_begin - pad_end) into zeros of the output
/// shape, that one or a constant `output_shape` at least as large.
template <typename OnnxOp> struct MaxUnpoolPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0), indices = op->getOperand(1);
    auto type = getGraphTensor(x.getType());
    auto indexType = getGraphTensor(indices.getType());
    if (!type || !type.hasStaticShape() || type.getRank() < 3 || !indexType ||
        indexType.getShape() != type.getShape() ||
        !indexType.getElementType().isInteger(64))
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    int64_t spatial = type.getRank() - 2;
    SmallVector<int64_t> kernel = getI64s(op.getKernelShape());
    SmallVector<int64_t> strides =
        getI64s(op.getStrides(), SmallVector<int64_t>(spatial, 1));
    SmallVector<int64_t> pads =
        getI64s(op.getPads(), SmallVector<int64_t>(2 * spatial, 0));
    if (static_cast<int64_t>(kernel.size()) != spatial ||
        static_cast<int64_t>(strides.size()) != spatial ||
        static_cast<int64_t>(pads.size()) != 2 * spatial)
      return rewriter.notifyMatchFailure(op, "bad window attributes");
    SmallVector<int64_t> natural(type.getShape().take_front(2));
    for (int64_t d = 0; d < spatial; ++d)
      natural.push_back((type.getDimSize(2 + d) - 1) * strides[d] + kernel[d] -
                        pads[d] - pads[spatial + d]);
    SmallVector<int64_t> shape = natural;
    Value outputShape = op->getOperand(2);
    if (!isNone(outputShape)) {
      std::optional<SmallVector<int64_t>> given = getConstantInts(outputShape);
      if (!given)
        return rewriter.notifyMatchFailure(op, "output_shape not constant");
      shape = *given;
    }
    if (static_cast<int64_t>(shape.size()) != type.getRank() ||
        llvm::any_of(llvm::zip(shape, natural), [](auto dims) {
          return std::get<0>(dims) < std::get<1>(dims);
        }))
      return rewriter.notifyMatchFailure(op, "bad output shape");
    auto resultType = type.clone(shape);
    if (!canRetype(op->getResult(0), resultType))
      return rewriter.notifyMatchFailure(op, "result type differs");
    Location loc = op.getLoc();
    int64_t total = resultType.getNumElements();
    Value zeros = createConstant(
        rewriter, loc, RankedTensorType::get({total}, type.getElementType()),
        {0.0});
    auto flat = [&](Value v) {
      return createValue<graph::ReshapeOp>(
          rewriter, loc, v, Value(),
          rewriter.getDenseI64ArrayAttr({type.getNumElements()}));
    };
    // The indices count in the natural shape; a larger output_shape keeps
    // each coordinate (the extra rows and columns stay zero).
    Value positions = flat(indices);
    if (shape != natural) {
      Type i64 = rewriter.getI64Type();
      auto scalar = [&](int64_t v) {
        return createScalarConstant(rewriter, loc, i64, static_cast<double>(v));
      };
      Value moved;
      int64_t innerNatural = 1, innerShape = 1;
      for (int64_t d = type.getRank() - 1; d >= 0; --d) {
        Value coord = createValue<graph::ModOp>(
            rewriter, loc,
            createValue<graph::DivOp>(rewriter, loc, positions,
                                      scalar(innerNatural)),
            scalar(natural[d]));
        Value term =
            createValue<graph::MulOp>(rewriter, loc, coord, scalar(innerShape));
        moved = moved ? createValue<graph::AddOp>(rewriter, loc, moved, term)
                      : term;
        innerNatural *= natural[d];
        innerShape *= shape[d];
      }
      positions = moved;
    }
    Value scattered = createValue<graph::ScatterElementsOp>(
        rewriter, loc, zeros, positions, flat(x), rewriter.getI64IntegerAttr(0),
        rewriter.getStringAttr("none"));
    return replaceOp<graph::ReshapeOp>(rewriter, op, scattered, Value(),
                                       rewriter.getDenseI64ArrayAttr(shape));
  }
};

} // namespace

void mica::onnx_to_graph::populatePoolIndexPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MaxPoolIndicesPattern<onnx::MaxPoolOp>,
               MaxUnpoolPattern<onnx::MaxUnpoolOp>>(patterns.getContext());
}
