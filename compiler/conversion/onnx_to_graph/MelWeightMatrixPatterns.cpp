//===- MelWeightMatrixPatterns.cpp - MelWeightMatrix from graph ops -------===//
//
// MelWeightMatrix with constant num_mel_bins M and dft_length D (they decide
// the [D / 2 + 1, M] shape); sample_rate and the edge frequencies may be
// run-time scalars. As the ONNX reference, in f64: M + 2 points evenly
// spaced in mel between the edges, converted to Hz and to FFT bins
// floor((D + 1) * hz / sample_rate); column i is the triangle rising from
// bin l = b[i] to c = b[i + 1] ((j - l) / (c - l), or 1 at j = c when
// l = c) and falling to h = b[i + 2] ((h - j) / (h - c) for c <= j < h),
// zero elsewhere.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include <cmath>

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

struct MelWeightMatrixPattern : OpRewritePattern<onnx::MelWeightMatrixOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::MelWeightMatrixOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<double> bins = getConstantScalar(op->getOperand(0));
    std::optional<double> length = getConstantScalar(op->getOperand(1));
    if (!bins || !length || *bins < 1 || *length < 1)
      return rewriter.notifyMatchFailure(op, "bins or length not constant");
    auto resultType = getGraphTensor(op->getResult(0).getType());
    if (!resultType || !hasFloatElements(resultType))
      return rewriter.notifyMatchFailure(op, "result is not a float tensor");
    for (unsigned i = 2; i < 5; ++i) {
      auto type = getGraphTensor(op->getOperand(i).getType());
      if (!type || type.getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "parameters are not scalars");
    }
    int64_t m = static_cast<int64_t>(*bins), d = static_cast<int64_t>(*length);
    int64_t spectrum = d / 2 + 1;
    auto shape = SmallVector<int64_t>{spectrum, m};
    if (!canRetype(op->getResult(0), resultType.clone(shape)))
      return rewriter.notifyMatchFailure(op, "result type differs");
    Location loc = op.getLoc();
    Type f64 = rewriter.getF64Type();
    auto c = [&](double v) {
      return createScalarConstant(rewriter, loc, f64, v);
    };
    auto scalarOf = [&](Value v) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      v = createValue<graph::ReshapeOp>(rewriter, loc, v, Value(),
                                        rewriter.getDenseI64ArrayAttr({}));
      return type.getElementType() == f64
                 ? v
                 : graph::CastOp::create(rewriter, loc,
                                         RankedTensorType::get({}, f64), v)
                       .getResult();
    };
    auto add = [&](Value a, Value b) {
      return createValue<graph::AddOp>(rewriter, loc, a, b);
    };
    auto sub = [&](Value a, Value b) {
      return createValue<graph::SubOp>(rewriter, loc, a, b);
    };
    auto mul = [&](Value a, Value b) {
      return createValue<graph::MulOp>(rewriter, loc, a, b);
    };
    auto div = [&](Value a, Value b) {
      return createValue<graph::DivOp>(rewriter, loc, a, b);
    };
    const double ln10 = std::log(10.0);
    auto toMel = [&](Value hz) {
      Value ratio = add(c(1.0), div(hz, c(700.0)));
      return mul(c(2595.0 / ln10),
                 createValue<graph::LogOp>(rewriter, loc, ratio));
    };
    Value rate = scalarOf(op->getOperand(2));
    Value low = toMel(scalarOf(op->getOperand(3)));
    Value high = toMel(scalarOf(op->getOperand(4)));
    Value step = div(sub(high, low), c(static_cast<double>(m + 2)));
    SmallVector<double> ks;
    for (int64_t k = 0; k < m + 2; ++k)
      ks.push_back(static_cast<double>(k));
    Value mel = add(mul(createConstant(rewriter, loc,
                                       RankedTensorType::get({m + 2}, f64), ks),
                        step),
                    low);
    Value hz = mul(c(700.0), sub(createValue<graph::ExpOp>(
                                     rewriter, loc, mul(mel, c(ln10 / 2595.0))),
                                 c(1.0)));
    Value edges = createValue<graph::FloorOp>(
        rewriter, loc, div(mul(c(static_cast<double>(d + 1)), hz), rate));
    auto edge = [&](int64_t first) {
      Value v = createValue<graph::SliceOp>(
          rewriter, loc, edges, rewriter.getDenseI64ArrayAttr({first}),
          rewriter.getDenseI64ArrayAttr({first + m}),
          rewriter.getDenseI64ArrayAttr({1}));
      return createValue<graph::ReshapeOp>(
          rewriter, loc, v, Value(), rewriter.getDenseI64ArrayAttr({1, m}));
    };
    Value l = edge(0), center = edge(1), h = edge(2);
    SmallVector<double> js;
    for (int64_t j = 0; j < spectrum; ++j)
      js.push_back(static_cast<double>(j));
    Value j = createConstant(rewriter, loc,
                             RankedTensorType::get({spectrum, 1}, f64), js);
    auto cmp = [&](auto tag, Value a, Value b) {
      return createValue<decltype(tag)>(rewriter, loc, a, b);
    };
    auto both = [&](Value a, Value b) {
      return createValue<graph::AndOp>(rewriter, loc, a, b);
    };
    auto select = [&](Value cond, Value a, Value b) {
      return createValue<graph::SelectOp>(rewriter, loc, cond, a, b);
    };
    Value rising = both(cmp(graph::GreaterEqualOp(), j, l),
                        cmp(graph::LessEqualOp(), j, center));
    Value riseValue = select(cmp(graph::EqualOp(), center, l), c(1.0),
                             div(sub(j, l), sub(center, l)));
    Value falling = both(cmp(graph::GreaterEqualOp(), j, center),
                         cmp(graph::LessOp(), j, h));
    Value fallValue = div(sub(h, j), sub(h, center));
    Value weights =
        select(falling, fallValue, select(rising, riseValue, c(0.0)));
    if (resultType.getElementType() != f64)
      weights = graph::CastOp::create(
          rewriter, loc,
          RankedTensorType::get(shape, resultType.getElementType()), weights);
    replaceFirstResult(rewriter, op, weights);
    return success();
  }
};

} // namespace

void mica::onnx_to_graph::populateMelWeightMatrixPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MelWeightMatrixPattern>(patterns.getContext());
}
