//===- NNPatterns.cpp - Gemm, MatMul and normalisations -------------------===//
//
// Gemm becomes graph.fully_connected when it is a dense layer (A not
// transposed, alpha = beta = 1, constant 2-D B, C absent or [N]); any other
// Gemm becomes transposes + matmul + scaling + add. MatMul maps directly;
// BatchNormalization (inference form only), LayerNormalization and
// InstanceNormalization map to the graph norms.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

/// The transpose of a 2-D dense constant, computed on its raw bytes (weights
/// can be large); nullopt for bit-packed i1 data.
std::optional<DenseElementsAttr> transpose2D(DenseElementsAttr value) {
  auto type = cast<RankedTensorType>(value.getType());
  auto transposedType = RankedTensorType::get(
      {type.getDimSize(1), type.getDimSize(0)}, type.getElementType());
  if (value.isSplat())
    return value.reshape(transposedType);
  unsigned bits = type.getElementTypeBitWidth();
  if (bits % 8 != 0)
    return std::nullopt;
  size_t bytes = bits / 8;
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  ArrayRef<char> raw = value.getRawData();
  std::vector<char> transposed(raw.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      std::memcpy(&transposed[(c * rows + r) * bytes],
                  &raw[(r * cols + c) * bytes], bytes);
  return DenseElementsAttr::getFromRawBuffer(transposedType, transposed);
}

/// [1, 0] transpose of a 2-D value: folded for constants, else an op.
FailureOr<Value> transposeMatrix(PatternRewriter &rewriter, Location loc,
                                 Value value) {
  if (std::optional<DenseElementsAttr> attr = getConstantAttr(value))
    if (std::optional<DenseElementsAttr> t = transpose2D(*attr))
      return Value(graph::ConstantOp::create(rewriter, loc, *t));
  FailureOr<graph::TransposeOp> op = createOp<graph::TransposeOp>(
      rewriter, loc, Value(), value, rewriter.getDenseI64ArrayAttr({1, 0}));
  if (failed(op))
    return failure();
  return op->getResult();
}

template <typename OnnxOp> struct GemmPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value a = op.getA(), b = op.getB(), c = op->getOperand(2);
    auto aType = getGraphTensor(a.getType());
    auto bType = getGraphTensor(b.getType());
    if (!aType || !bType || aType.getRank() != 2 || bType.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "A and B are not 2-D tensors");
    double alpha = toDouble(op.getAlpha()), beta = toDouble(op.getBeta());
    bool hasC = !isNone(c) && beta != 0.0;
    auto cType = getGraphTensor(c.getType());
    if (hasC && !cType)
      return rewriter.notifyMatchFailure(op, "C is not a graph tensor");
    if (!isa<FloatType>(aType.getElementType()) &&
        (alpha != 1.0 || (hasC && beta != 1.0)))
      return rewriter.notifyMatchFailure(op, "scaled integer Gemm");
    if (!mayRetype(op.getResult()))
      return rewriter.notifyMatchFailure(op,
                                         "unranked result used outside onnx");
    bool transA = op.getTransA() != 0, transB = op.getTransB() != 0;
    Location loc = op.getLoc();
    Value result = op.getResult();

    // A dense layer: weight [N, K] is B (transB = 1) or B folded transposed.
    int64_t n = transB ? bType.getDimSize(0) : bType.getDimSize(1);
    bool biasIsRow = !hasC || (beta == 1.0 && cType.getRank() == 1 &&
                               cType.getDimSize(0) == n);
    if (!transA && alpha == 1.0 && biasIsRow && getConstantAttr(b)) {
      FailureOr<Value> weight =
          transB ? FailureOr<Value>(b) : transposeMatrix(rewriter, loc, b);
      if (succeeded(weight))
        return replaceOp<graph::FullyConnectedOp>(rewriter, op, a, *weight,
                                                  hasC ? c : Value());
    }

    // The general form: op(A) x op(B) * alpha + C * beta.
    bool scaled = alpha != 1.0;
    FailureOr<Value> lhs = transA ? transposeMatrix(rewriter, loc, a) : a;
    FailureOr<Value> rhs = transB ? transposeMatrix(rewriter, loc, b) : b;
    if (failed(lhs) || failed(rhs))
      return rewriter.notifyMatchFailure(op, "cannot transpose A or B");
    FailureOr<graph::MatmulOp> product = createOp<graph::MatmulOp>(
        rewriter, loc, scaled || hasC ? Value() : result, *lhs, *rhs);
    if (failed(product))
      return rewriter.notifyMatchFailure(op, "A and B do not multiply");
    Value y = product->getResult();
    Type element = aType.getElementType();
    if (scaled) {
      Value factor = createScalarConstant(rewriter, loc, element, alpha);
      FailureOr<graph::MulOp> mul = createOp<graph::MulOp>(
          rewriter, loc, hasC ? Value() : result, y, factor);
      if (failed(mul))
        return rewriter.notifyMatchFailure(op, "result type mismatch");
      y = mul->getResult();
    }
    if (hasC) {
      if (beta != 1.0) {
        Value factor = createScalarConstant(rewriter, loc, element, beta);
        c = graph::MulOp::create(rewriter, loc, c, factor);
      }
      FailureOr<graph::AddOp> add =
          createOp<graph::AddOp>(rewriter, loc, result, y, c);
      if (failed(add))
        return rewriter.notifyMatchFailure(op, "C does not broadcast");
      y = add->getResult();
    }
    replaceFirstResult(rewriter, op, y);
    return success();
  }
};

template <typename OnnxOp> struct MatMulPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    return replaceOp<graph::MatmulOp>(rewriter, op, op.getA(), op.getB());
  }
};

bool allFloat(ValueRange values) {
  return llvm::all_of(values, [](Value v) {
    return isNone(v) || hasFloatElements(v.getType());
  });
}

/// BatchNormalization of every opset in inference form: only Y is used,
/// `training_mode` = 0 and (opset < 9) `spatial` = 1.
template <typename OnnxOp> struct BatchNormPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!onlyFirstResultUsed(op))
      return rewriter.notifyMatchFailure(op, "training outputs are used");
    auto training = op->template getAttrOfType<IntegerAttr>("training_mode");
    auto spatial = op->template getAttrOfType<IntegerAttr>("spatial");
    if ((training && training.getInt() != 0) ||
        (spatial && spatial.getInt() != 1))
      return rewriter.notifyMatchFailure(op, "training or per-activation form");
    ValueRange operands = op->getOperands();
    if (!allFloat(operands))
      return rewriter.notifyMatchFailure(op, "non-float operands");
    return replaceOp<graph::BatchNormOp>(
        rewriter, op, operands[0], operands[1], operands[2], operands[3],
        operands[4], getF64Attr(rewriter, toDouble(op.getEpsilon())));
  }
};

struct LayerNormPattern : OpRewritePattern<onnx::LayerNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::LayerNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    if (!onlyFirstResultUsed(op))
      return rewriter.notifyMatchFailure(op, "Mean/InvStdDev outputs are used");
    if (!allFloat(op->getOperands()))
      return rewriter.notifyMatchFailure(op, "non-float operands");
    Value bias = isNone(op.getB()) ? Value() : op.getB();
    return replaceOp<graph::LayerNormOp>(
        rewriter, op, op.getX(), op.getScale(), bias,
        rewriter.getI64IntegerAttr(static_cast<int64_t>(op.getAxis())),
        getF64Attr(rewriter, toDouble(op.getEpsilon())));
  }
};

template <typename OnnxOp>
struct InstanceNormPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!allFloat(op->getOperands()))
      return rewriter.notifyMatchFailure(op, "non-float operands");
    return replaceOp<graph::InstanceNormOp>(
        rewriter, op, op.getInput(), op.getScale(), op.getB(),
        getF64Attr(rewriter, toDouble(op.getEpsilon())));
  }
};

} // namespace

void mica::onnx_to_graph::populateNNPatterns(RewritePatternSet &patterns) {
  patterns.add<GemmPattern<onnx::GemmOp>, MatMulPattern<onnx::MatMulOp>,
               BatchNormPattern<onnx::BatchNormalizationOp>, LayerNormPattern,
               InstanceNormPattern<onnx::InstanceNormalizationOp>>(
      patterns.getContext());
}
