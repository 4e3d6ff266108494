//===- ArithmeticPatterns.cpp - Binary ops, Where, Softmax, Cast ----------===//
//
// Numpy-broadcasting binary ops, variadic Max/Min/Sum/Mean as chains,
// Where (and the folding of graph.select on constants, which shape
// subgraphs such as ViT's Expand shape need), Softmax/LogSoftmax and Cast.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

template <typename OnnxOp, typename GraphOp>
struct BinaryPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value lhs = op->getOperand(0), rhs = op->getOperand(1);
    Type lhsElement = getElementTypeOrSelf(lhs.getType());
    Type rhsElement = getElementTypeOrSelf(rhs.getType());
    if constexpr (std::is_same_v<GraphOp, graph::ModOp>) {
      // fmod = 1 is C's fmod (the dividend's sign): graph.rem; floats
      // require it.
      auto fmod = op->template getAttrOfType<IntegerAttr>("fmod");
      if (fmod && fmod.getInt() != 0) {
        if (lhsElement != rhsElement)
          return rewriter.notifyMatchFailure(op,
                                             "operand element types differ");
        return replaceOp<graph::RemOp>(rewriter, op, lhs, rhs);
      }
      if (!isa<IntegerType>(lhsElement))
        return rewriter.notifyMatchFailure(op, "float Mod needs fmod = 1");
    }
    if constexpr (std::is_same_v<GraphOp, graph::PowOp>) {
      // ONNX Pow may raise to an exponent of another numeric type.
      auto rhsType = getGraphTensor(rhs.getType());
      if (lhsElement != rhsElement && rhsType && isGraphTensor(lhs.getType()))
        rhs = graph::CastOp::create(rewriter, op.getLoc(),
                                    rhsType.clone(lhsElement), rhs);
    } else if (lhsElement != rhsElement) {
      return rewriter.notifyMatchFailure(op, "operand element types differ");
    }
    return replaceOp<GraphOp>(rewriter, op, lhs, rhs);
  }
};

/// Max/Min/Sum (and Mean, divided by the count) of any number of inputs,
/// as a left-to-right chain of binary ops.
template <typename OnnxOp, typename GraphOp, bool isMean = false>
struct VariadicPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    OperandRange inputs = op->getOperands();
    Type element = getElementTypeOrSelf(inputs.front().getType());
    for (Value input : inputs)
      if (!isGraphTensor(input.getType()) ||
          getElementTypeOrSelf(input.getType()) != element)
        return rewriter.notifyMatchFailure(op, "inputs are not graph tensors "
                                               "of one element type");
    if (isMean && !isa<FloatType>(element))
      return rewriter.notifyMatchFailure(op, "Mean of integers");
    if (inputs.size() == 1 && !isMean)
      return forwardValue(rewriter, op, inputs.front());
    if (!mayRetype(op->getResult(0)))
      return rewriter.notifyMatchFailure(op,
                                         "unranked result used outside onnx");
    Value result = op->getResult(0);
    Value acc = inputs.front();
    for (size_t i = 1; i < inputs.size(); ++i) {
      Value wanted = i + 1 == inputs.size() && !isMean ? result : Value();
      FailureOr<GraphOp> next =
          createOp<GraphOp>(rewriter, op.getLoc(), wanted, acc, inputs[i]);
      if (failed(next))
        return rewriter.notifyMatchFailure(op, "inputs do not broadcast");
      acc = next->getResult();
    }
    if (isMean) {
      Value count = createScalarConstant(rewriter, op.getLoc(), element,
                                         static_cast<double>(inputs.size()));
      FailureOr<graph::DivOp> div =
          createOp<graph::DivOp>(rewriter, op.getLoc(), result, acc, count);
      if (failed(div))
        return rewriter.notifyMatchFailure(op, "result type mismatch");
      acc = div->getResult();
    }
    replaceFirstResult(rewriter, op, acc);
    return success();
  }
};

/// BitShift: direction "LEFT" or "RIGHT" (logical on the unsigned types
/// ONNX allows).
struct BitShiftPattern : OpRewritePattern<onnx::BitShiftOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::BitShiftOp op,
                                PatternRewriter &rewriter) const override {
    if (getElementTypeOrSelf(op.getX().getType()) !=
        getElementTypeOrSelf(op.getY().getType()))
      return rewriter.notifyMatchFailure(op, "operand element types differ");
    if (op.getDirection() == "LEFT")
      return replaceOp<graph::ShiftLeftOp>(rewriter, op, op.getX(), op.getY());
    if (op.getDirection() == "RIGHT")
      return replaceOp<graph::ShiftRightOp>(rewriter, op, op.getX(), op.getY());
    return rewriter.notifyMatchFailure(op, "unknown direction");
  }
};

template <typename OnnxOp> struct WherePattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!getElementTypeOrSelf(op.getCondition().getType()).isInteger(1))
      return rewriter.notifyMatchFailure(op, "condition is not bool");
    return replaceOp<graph::SelectOp>(rewriter, op, op.getCondition(),
                                      op.getX(), op.getY());
  }
};

/// Softmax and LogSoftmax along `axis` (opset 1/11's 2-D coercion is
/// rewritten by mica-normalize-onnx-versions).
template <typename OnnxOp, typename GraphOp>
struct SoftmaxPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    auto type = getGraphTensor(input.getType());
    if (!type || !hasFloatElements(type))
      return rewriter.notifyMatchFailure(op, "input is not a float tensor");
    int64_t axis = static_cast<int64_t>(op.getAxis());
    std::optional<int64_t> normalized = normalizeAxis(axis, type.getRank());
    if (!normalized)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    return replaceOp<GraphOp>(rewriter, op, input,
                              rewriter.getI64IntegerAttr(axis));
  }
};

/// Cast and CastLike: the target element type is the result's.
template <typename OnnxOp> struct CastPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op->getOperand(0);
    Value result = op->getResult(0);
    auto inputType = getGraphTensor(input.getType());
    auto resultShaped = dyn_cast<TensorType>(result.getType());
    if (!inputType || !resultShaped || !mayRetype(result))
      return rewriter.notifyMatchFailure(op, "unranked or non-graph types");
    Type type = inputType.clone(resultShaped.getElementType());
    if (!canRetype(result, type)) {
      if (!graph::areCompatibleResultTypes(TypeRange(type),
                                           TypeRange(resultShaped)))
        return rewriter.notifyMatchFailure(op, "result shape differs");
      type = resultShaped;
    }
    if (!isGraphTensor(type))
      return rewriter.notifyMatchFailure(op, "element type has no graph form");
    replaceFirstResult(
        rewriter, op,
        graph::CastOp::create(rewriter, op.getLoc(), type, input));
    return success();
  }
};

/// The linear index into a constant of `shape` that numpy broadcasting maps
/// the result index `index` to.
int64_t broadcastIndex(ArrayRef<int64_t> shape, ArrayRef<int64_t> index) {
  int64_t linear = 0;
  size_t offset = index.size() - shape.size();
  for (auto [k, d] : llvm::enumerate(shape))
    linear = linear * d + (d == 1 ? 0 : index[offset + k]);
  return linear;
}

/// graph.select of three small constants becomes a constant. Shape
/// subgraphs need it (ViT's Expand shape is Where(Equal(s, -1), 1, s)); it
/// belongs in graph.select's folder, which does not exist yet.
struct FoldConstantSelect : OpRewritePattern<graph::SelectOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(graph::SelectOp op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto cond = getConstantAttr(op.getCondition());
    auto lhs = getConstantAttr(op.getTrueValue());
    auto rhs = getConstantAttr(op.getFalseValue());
    if (!type.hasStaticShape() || type.getNumElements() > 4096 || !cond ||
        !lhs || !rhs)
      return rewriter.notifyMatchFailure(op, "not small constants");
    ArrayRef<int64_t> shape = type.getShape();
    SmallVector<bool> c(cond->getValues<bool>());
    SmallVector<Attribute> t(lhs->getValues<Attribute>());
    SmallVector<Attribute> f(rhs->getValues<Attribute>());
    SmallVector<Attribute> values;
    SmallVector<int64_t> index(shape.size(), 0);
    for (int64_t i = 0; i < type.getNumElements(); ++i) {
      int64_t rest = i;
      for (int64_t k = shape.size() - 1; k >= 0; --k) {
        index[k] = rest % shape[k];
        rest /= shape[k];
      }
      bool pick = c[broadcastIndex(cond->getType().getShape(), index)];
      values.push_back(
          pick ? t[broadcastIndex(lhs->getType().getShape(), index)]
               : f[broadcastIndex(rhs->getType().getShape(), index)]);
    }
    rewriter.replaceOpWithNewOp<graph::ConstantOp>(
        op, DenseElementsAttr::get(type, values));
    return success();
  }
};

} // namespace

void mica::onnx_to_graph::populateArithmeticPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
#define BINARY(ONNX, GRAPH)                                                    \
  patterns.add<BinaryPattern<onnx::ONNX, graph::GRAPH>>(ctx)
  BINARY(AddOp, AddOp);
  BINARY(SubOp, SubOp);
  BINARY(MulOp, MulOp);
  BINARY(DivOp, DivOp);
  BINARY(PowOp, PowOp);
  BINARY(ModOp, ModOp);
  BINARY(EqualOp, EqualOp);
  BINARY(LessOp, LessOp);
  BINARY(LessOrEqualOp, LessEqualOp);
  BINARY(GreaterOp, GreaterOp);
  BINARY(GreaterOrEqualOp, GreaterEqualOp);
  BINARY(AndOp, AndOp);
  BINARY(OrOp, OrOp);
  BINARY(XorOp, XorOp);
#undef BINARY
  patterns.add<BitShiftPattern, FoldConstantSelect,
               VariadicPattern<onnx::MaxOp, graph::MaxOp>,
               VariadicPattern<onnx::MinOp, graph::MinOp>,
               VariadicPattern<onnx::SumOp, graph::AddOp>,
               VariadicPattern<onnx::MeanOp, graph::AddOp, true>,
               WherePattern<onnx::WhereOp>,
               SoftmaxPattern<onnx::SoftmaxOp, graph::SoftmaxOp>,
               SoftmaxPattern<onnx::LogSoftmaxOp, graph::LogSoftmaxOp>,
               CastPattern<onnx::CastOp>, CastPattern<onnx::CastLikeOp>>(ctx);
}
