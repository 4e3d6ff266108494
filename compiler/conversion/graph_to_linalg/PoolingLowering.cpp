//===- PoolingLowering.cpp - max_pool / avg_pool -> linalg pooling ops ----===//
//
// N-D pooling on [N, C, spatial...]: the input is padded explicitly (with
// the lowest value for max, zeros for average), plus extra end padding so
// that every window of a ceil-mode output lies inside the tensor, then
// linalg.pooling_nchw_{max,sum} runs (2-D floats and signed integers), or a
// linalg.generic over [N, C, outputs..., window...] with the same maps (1-D,
// 3-D, unsigned integers). Averages divide by the window size, or, when padding
// is involved, by a per-position count obtained by sum-pooling a ones tensor
// padded the same way (padding counts only with count_include_pad; the
// ceil-mode extension never counts, as in ONNX and PyTorch).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

struct PoolParams {
  SmallVector<OpFoldResult> outSizes;
  SmallVector<int64_t> extraEnd;
};

/// Output sizes and the extra end padding ceil mode needs; failure when ceil
/// mode meets a dynamic spatial dim.
template <typename OpTy>
FailureOr<PoolParams> computePoolParams(OpBuilder &b, Location loc, OpTy op,
                                        Value input) {
  auto type = cast<RankedTensorType>(op.getType());
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> inSizes = getSizes(b, loc, input);
  ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                    pads = op.getPads(), dilations = op.getDilations();
  PoolParams params;
  params.outSizes = {inSizes[0], inSizes[1]};
  int64_t k = kernel.size();
  for (int64_t i = 0; i < k; ++i) {
    int64_t in = inputType.getDimSize(i + 2), out = type.getDimSize(i + 2);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(out)) {
      if (op.getCeilMode())
        return failure();
      params.outSizes.push_back(
          windowOutputSize(b, loc, inSizes[i + 2], kernel[i], strides[i],
                           dilations[i], pads[i], pads[i + k]));
      params.extraEnd.push_back(0);
      continue;
    }
    params.outSizes.push_back(b.getIndexAttr(out));
    int64_t needed =
        (out - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1;
    int64_t available = in + pads[i] + pads[i + k];
    params.extraEnd.push_back(std::max<int64_t>(0, needed - available));
  }
  return params;
}

/// Any-rank pooling as one linalg.generic: loops (n, c, o_1..o_k, w_1..w_k),
/// the input read at o_i * stride_i + w_i * dilation_i, the window sizes
/// given by an empty `kernel`-shaped operand (as linalg's named pooling ops
/// do); `isMax` combines with max (unsigned with `u`), else with add.
Value buildGenericPool(OpBuilder &b, Location loc, Value padded, Value init,
                       ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> dilations, bool isMax, bool u) {
  Type element = cast<RankedTensorType>(padded.getType()).getElementType();
  int64_t k = kernel.size(), loops = 2 + 2 * k;
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> in{getAffineDimExpr(0, ctx),
                             getAffineDimExpr(1, ctx)};
  SmallVector<AffineExpr> out(in), window;
  for (int64_t i = 0; i < k; ++i) {
    AffineExpr o = getAffineDimExpr(2 + i, ctx);
    AffineExpr w = getAffineDimExpr(2 + k + i, ctx);
    in.push_back(o * strides[i] + w * dilations[i]);
    out.push_back(o);
    window.push_back(w);
  }
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, in, ctx),
                              AffineMap::get(loops, 0, window, ctx),
                              AffineMap::get(loops, 0, out, ctx)};
  SmallVector<utils::IteratorType> iterators(2 + k,
                                             utils::IteratorType::parallel);
  iterators.append(k, utils::IteratorType::reduction);
  Value windowTensor = tensor::EmptyOp::create(b, loc, kernel, element);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()},
             ValueRange{padded, windowTensor}, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value x = toSignless(nb, nl, args[0]);
               Value acc = toSignless(nb, nl, args[2]);
               Value r =
                   isMax ? signedOrUnsignedOp<arith::MaximumFOp, arith::MaxSIOp,
                                              arith::MaxUIOp>(nb, nl, u, acc, x)
                         : floatOrIntOp<arith::AddFOp, arith::AddIOp>(nb, nl,
                                                                      acc, x);
               linalg::YieldOp::create(nb, nl,
                                       castScalarTo(nb, nl, r, element));
             })
      .getResult(0);
}

template <typename PoolOpTy>
Value buildPool(OpBuilder &b, Location loc, Value padded, Value init,
                ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                ArrayRef<int64_t> dilations) {
  Type element = cast<RankedTensorType>(padded.getType()).getElementType();
  constexpr bool isMax = std::is_same_v<PoolOpTy, linalg::PoolingNchwMaxOp>;
  if (kernel.size() != 2 || isUnsignedInt(element))
    return buildGenericPool(b, loc, padded, init, kernel, strides, dilations,
                            isMax, isUnsignedInt(element));
  Value window = tensor::EmptyOp::create(b, loc, kernel, element);
  return PoolOpTy::create(b, loc, TypeRange{init.getType()},
                          ValueRange{padded, window}, ValueRange{init},
                          b.getI64TensorAttr(strides),
                          b.getI64TensorAttr(dilations))
      .getResult(0);
}

struct MaxPoolLowering : OpConversionPattern<graph::MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::MaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    if (type.getRank() < 3 || !isArithmeticType(element) ||
        element.isInteger(1))
      return rewriter.notifyMatchFailure(op, "only pooling of numbers");
    Value input = adaptor.getInput();
    FailureOr<PoolParams> params = computePoolParams(rewriter, loc, op, input);
    if (failed(params))
      return rewriter.notifyMatchFailure(op, "ceil mode with dynamic dims");
    Value lowest = lowestValue(rewriter, loc, element);
    Value padded = padSpatial(rewriter, loc, input, op.getPads(),
                              params->extraEnd, lowest);
    Value init = createFilled(rewriter, loc, type, params->outSizes, lowest);
    Value result = buildPool<linalg::PoolingNchwMaxOp>(
        rewriter, loc, padded, init, op.getKernel(), op.getStrides(),
        op.getDilations());
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct AvgPoolLowering : OpConversionPattern<graph::AvgPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::AvgPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    if (type.getRank() < 3 || !isa<FloatType>(element))
      return rewriter.notifyMatchFailure(op, "only pooling of floats");
    Value input = adaptor.getInput();
    FailureOr<PoolParams> params = computePoolParams(rewriter, loc, op, input);
    if (failed(params))
      return rewriter.notifyMatchFailure(op, "ceil mode with dynamic dims");
    ArrayRef<int64_t> pads = op.getPads();
    Value zero = scalarConstant(rewriter, loc, element, 0);
    Value padded =
        padSpatial(rewriter, loc, input, pads, params->extraEnd, zero);
    Value init = createFilled(rewriter, loc, type, params->outSizes, zero);
    Value sums = buildPool<linalg::PoolingNchwSumOp>(
        rewriter, loc, padded, init, op.getKernel(), op.getStrides(),
        op.getDilations());

    bool padded_ = llvm::any_of(pads, [](int64_t p) { return p != 0; });
    bool extended =
        llvm::any_of(params->extraEnd, [](int64_t p) { return p != 0; });
    bool constantCount = !extended && (!padded_ || op.getCountIncludePad());
    Value result;
    if (constantCount) {
      int64_t window = 1;
      for (int64_t k : op.getKernel())
        window *= k;
      Value count = scalarConstant(rewriter, loc, element, window);
      result = buildElementwise(
          rewriter, loc, type, sums,
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::DivFOp::create(b, l, args[0], count);
          });
    } else {
      result = divideByCounts(rewriter, loc, op, input, sums, *params);
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Sum-pools a [1, 1, H, W] ones tensor (over the padded extent when the
  /// padding counts) to get each window's element count, then divides.
  static Value divideByCounts(OpBuilder &b, Location loc, graph::AvgPoolOp op,
                              Value input, Value sums,
                              const PoolParams &params) {
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    auto inputType = cast<RankedTensorType>(input.getType());
    SmallVector<OpFoldResult> inSizes = getSizes(b, loc, input);
    ArrayRef<int64_t> pads = op.getPads();
    bool includePad = op.getCountIncludePad();
    int64_t k = type.getRank() - 2;
    SmallVector<int64_t> onesShape{1, 1};
    SmallVector<OpFoldResult> onesSizes{b.getIndexAttr(1), b.getIndexAttr(1)};
    SmallVector<int64_t> onesPads(2 * k, 0);
    for (int64_t i = 0; i < k; ++i) {
      int64_t extra = includePad ? pads[i] + pads[i + k] : 0;
      int64_t dim = inputType.getDimSize(i + 2);
      onesShape.push_back(ShapedType::isDynamic(dim) ? dim : dim + extra);
      OpFoldResult size = inSizes[i + 2];
      if (extra != 0 && ShapedType::isDynamic(dim))
        size =
            arith::AddIOp::create(b, loc, cast<Value>(size),
                                  arith::ConstantIndexOp::create(b, loc, extra))
                .getResult();
      else if (extra != 0)
        size = b.getIndexAttr(dim + extra);
      onesSizes.push_back(size);
      if (!includePad) {
        onesPads[i] = pads[i];
        onesPads[i + k] = pads[i + k];
      }
    }
    auto onesType = RankedTensorType::get(onesShape, element);
    Value ones = createFilled(b, loc, onesType, onesSizes,
                              scalarConstant(b, loc, element, 1));
    Value zero = scalarConstant(b, loc, element, 0);
    Value paddedOnes =
        padSpatial(b, loc, ones, onesPads, params.extraEnd, zero);
    SmallVector<int64_t> countShape{1, 1};
    SmallVector<OpFoldResult> countSizes{b.getIndexAttr(1), b.getIndexAttr(1)};
    for (int64_t i = 0; i < k; ++i) {
      countShape.push_back(type.getDimSize(2 + i));
      countSizes.push_back(params.outSizes[2 + i]);
    }
    auto countType = RankedTensorType::get(countShape, element);
    Value countInit = createFilled(b, loc, countType, countSizes, zero);
    Value counts = buildPool<linalg::PoolingNchwSumOp>(
        b, loc, paddedOnes, countInit, op.getKernel(), op.getStrides(),
        op.getDilations());
    return buildElementwise(
        b, loc, type, {sums, counts},
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::DivFOp::create(nb, l, args[0], args[1]);
        },
        params.outSizes);
  }
};

} // namespace

void populatePoolingPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPoolLowering, AvgPoolLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
