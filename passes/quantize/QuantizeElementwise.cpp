//===- QuantizeElementwise.cpp - Integer adds, products and tables --------===//
//
// Adds and products of two integer values, scalings by a constant,
// unary activations as 256-entry tables and concatenations.
//
//===----------------------------------------------------------------------===//
#include "passes/quantize/Quantizer.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mica;
using namespace mica::graph;
using namespace mica::quant;

void Quantizer::rewriteAdd(AddOp add) {
  if (!isF32Tensor(add.getResult()))
    return;
  std::optional<IntegerValue> a = operandOf(add.getLhs());
  std::optional<IntegerValue> c = operandOf(add.getRhs());
  if (!a || !c)
    return;
  std::optional<Output> output = outputOf(add);
  if (!output)
    return;
  Operation *out = output->op;
  double twiceMax = 2 * std::max(a->params.scale, c->params.scale);
  constexpr double kLeftShift = 1 << 20;
  std::optional<FixedPoint> ma =
      toFixedPoint(a->params.scale / twiceMax * kLeftShift);
  std::optional<FixedPoint> mc =
      toFixedPoint(c->params.scale / twiceMax * kLeftShift);
  std::optional<FixedPoint> mo =
      toFixedPoint(twiceMax / (kLeftShift * output->params.scale));
  if (!ma || !mc || !mo) {
    keep(add, "the requantisation scale is out of the fixed-point range");
    return;
  }
  OpBuilder b(out);
  b.setInsertionPointAfter(out);
  Location loc = spanLoc(add, out);
  Type i32 = b.getIntegerType(32);
  Type i32Type = withElement(add.getType(), i32);
  Value wideA = buildRescale(
      b, loc, a->value, withElement(a->value.getType(), i32), {ma->multiplier},
      {ma->shift}, 0, a->params.zeroPoint, 0, {});
  Value wideC = buildRescale(
      b, loc, c->value, withElement(c->value.getType(), i32), {mc->multiplier},
      {mc->shift}, 0, c->params.zeroPoint, 0, {});
  Value sum = AddOp::create(b, loc, i32Type, wideA, wideC);
  finishFromI32(b, loc, sum, a->params, *output, *mo);
}

void Quantizer::rewriteConcat(ConcatOp concat) {
  if (!isF32Tensor(concat.getResult()))
    return;
  // Only where integers flow already: quantising float inputs just to
  // join them would cost two conversions and gain nothing.
  if (llvm::none_of(concat.getInputs(), [&](Value input) {
        return !matchPattern(input, m_Constant()) && hasIntegerForm(input);
      }))
    return;
  SmallVector<IntegerValue> inputs;
  for (Value input : concat.getInputs()) {
    std::optional<IntegerValue> x = integerOf(input, /*create=*/true);
    if (!x)
      return;
    inputs.push_back(*x);
  }
  if (keptByUser(concat))
    return keepVoid(concat, "kept float by --keep-float");
  std::optional<std::pair<double, double>> range = rangeOf(concat.getResult());
  if (!range)
    return keepVoid(concat, "no calibrated range for the output");
  QuantParams params = activationParams(range->first, range->second);
  OpBuilder b(concat);
  b.setInsertionPointAfter(concat);
  Location loc = concat.getLoc();
  SmallVector<Value> values;
  for (const IntegerValue &x : inputs) {
    if (x.params.scale == params.scale &&
        x.params.zeroPoint == params.zeroPoint) {
      values.push_back(x.value);
      continue;
    }
    std::optional<FixedPoint> m = toFixedPoint(x.params.scale / params.scale);
    if (!m)
      return keepVoid(
          concat, "the requantisation scale is out of the fixed-point range");
    values.push_back(buildRescale(b, loc, x.value, x.value.getType(),
                                  {m->multiplier}, {m->shift}, 0,
                                  x.params.zeroPoint, params.zeroPoint, {}));
  }
  Value result = concat.getResult();
  Value q = ConcatOp::create(b, loc,
                             withElement(result.getType(), b.getIntegerType(8)),
                             values, concat.getAxisAttr());
  finish(b, loc, result, q, params);
}

std::function<double(double)> Quantizer::tabulated(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::function<double(double)>>(op)
      .Case([](SigmoidOp) {
        return [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
      })
      .Case([](TanhOp) { return [](double x) { return std::tanh(x); }; })
      .Case([](HardSwishOp) {
        return [](double x) { return x * std::clamp(x / 6.0 + 0.5, 0.0, 1.0); };
      })
      .Case([](HardSigmoidOp h) {
        double alpha = h.getAlpha().convertToDouble();
        double beta = h.getBeta().convertToDouble();
        return [=](double x) { return std::clamp(alpha * x + beta, 0.0, 1.0); };
      })
      .Case([](SiluOp) {
        return [](double x) { return x / (1.0 + std::exp(-x)); };
      })
      .Case([](GeluOp g) -> std::function<double(double)> {
        if (g.getApproximate() == "tanh")
          return [](double x) {
            return 0.5 * x *
                   (1.0 + std::tanh(std::sqrt(2.0 / M_PI) *
                                    (x + 0.044715 * x * x * x)));
          };
        return [](double x) {
          return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
        };
      })
      .Case([](LeakyReluOp l) {
        double alpha = l.getAlpha().convertToDouble();
        return [=](double x) { return x >= 0 ? x : alpha * x; };
      })
      .Case([](EluOp e) {
        double alpha = e.getAlpha().convertToDouble();
        return
            [=](double x) { return x >= 0 ? x : alpha * (std::exp(x) - 1.0); };
      })
      .Case([](ReluOp) { return [](double x) { return std::max(x, 0.0); }; })
      .Case([](ClampOp c) {
        double lo = c.getMin().convertToDouble();
        double hi = c.getMax().convertToDouble();
        return [=](double x) { return std::clamp(x, lo, hi); };
      })
      .Default([](Operation *) { return std::function<double(double)>(); });
}

void Quantizer::rewriteTable(Operation *op,
                             const std::function<double(double)> &f) {
  if (!isF32Tensor(op->getResult(0)))
    return;
  std::optional<IntegerValue> x = integerOf(op->getOperand(0), false);
  if (!x)
    return;
  if (keptByUser(op))
    return keepVoid(op, "kept float by --keep-float");
  std::optional<std::pair<double, double>> range = rangeOf(op->getResult(0));
  if (!range)
    return keepVoid(op, "no calibrated range for the output");
  QuantParams params = activationParams(range->first, range->second);
  SmallVector<int64_t> table;
  for (int64_t q = -128; q <= 127; ++q)
    table.push_back(quantizeValue(
        f((double)(q - x->params.zeroPoint) * x->params.scale), params));
  OpBuilder b(op);
  b.setInsertionPointAfter(op);
  Location loc = op->getLoc();
  Value result = op->getResult(0);
  auto tableOp = TableOp::create(b, loc, x->value.getType(), x->value,
                                 b.getDenseI64ArrayAttr(table));
  tableOp->setAttr(kQuantInfoAttr, quantInfo(b, x->params, params, op));
  finish(b, loc, result, tableOp, params);
}

bool Quantizer::isProductOfIntegers(Operation *op) {
  auto matmul = dyn_cast<MatmulOp>(op);
  if (!matmul || !isF32Tensor(matmul.getResult()))
    return false;
  Value rhs = matmul.getRhs();
  return !constantValues(rhs) ||
         (cast<RankedTensorType>(rhs.getType()).getRank() > 2 &&
          onModelGrid(rhs));
}

void Quantizer::rewriteProduct(Operation *op) {
  if (!isF32Tensor(op->getResult(0)))
    return;
  bool matmul = isa<MatmulOp>(op);
  if (matmul && keptByUser(op))
    return keepVoid(op, "kept float by --keep-float");
  auto operand = [&](Value v) {
    return matmul ? integerOf(v, /*create=*/true) : operandOf(v);
  };
  std::optional<IntegerValue> a = operand(op->getOperand(0));
  std::optional<IntegerValue> c = operand(op->getOperand(1));
  if (!a || !c)
    return;
  std::optional<std::pair<Output, FixedPoint>> requant =
      requantized(op, a->params.scale * c->params.scale);
  if (!requant)
    return;
  Operation *out = requant->first.op;
  OpBuilder b(out);
  b.setInsertionPointAfter(out);
  Location loc = spanLoc(op, out);
  // x - zp exactly: a rescale by 1 (2^30 * 2^-30).
  auto centred = [&](const IntegerValue &x) {
    return buildRescale(b, loc, x.value,
                        withElement(x.value.getType(), b.getIntegerType(32)),
                        {int64_t(1) << 30}, {30}, 0, x.params.zeroPoint, 0, {});
  };
  Type i32Result =
      withElement(op->getResult(0).getType(), b.getIntegerType(32));
  Value product =
      matmul ? MatmulOp::create(b, loc, i32Result, centred(*a), centred(*c))
                   .getResult()
             : MulOp::create(b, loc, i32Result, centred(*a), centred(*c))
                   .getResult();
  finishFromI32(b, loc, product, a->params, requant->first, requant->second);
}

std::optional<double> Quantizer::scalarOperand(Operation *op) {
  DenseElementsAttr attr;
  if (!matchPattern(op->getOperand(1), m_Constant(&attr)) || !attr.isSplat() ||
      !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  double c = attr.getSplatValue<APFloat>().convertToDouble();
  if (!(c > 0) || !std::isfinite(c))
    return std::nullopt;
  return isa<DivOp>(op) ? 1.0 / c : c;
}

void Quantizer::rewriteScaling(Operation *op) {
  if (!isF32Tensor(op->getResult(0)))
    return;
  std::optional<IntegerValue> x = operandOf(op->getOperand(0));
  if (!x)
    return;
  std::optional<std::pair<Output, FixedPoint>> requant =
      requantized(op, x->params.scale * *scalarOperand(op));
  if (!requant)
    return;
  auto [out, clamp, params] = requant->first;
  std::optional<FixedPoint> m = requant->second;
  OpBuilder b(out);
  b.setInsertionPointAfter(out);
  Location loc = spanLoc(op, out);
  Value result = out->getResult(0);
  Value q = buildRescale(b, loc, x->value,
                         withElement(result.getType(), b.getIntegerType(8)),
                         {m->multiplier}, {m->shift}, 0, x->params.zeroPoint,
                         params.zeroPoint, clampBounds(clamp, params));
  q.getDefiningOp()->setAttr(kQuantInfoAttr,
                             quantInfo(b, x->params, params, out));
  finish(b, loc, result, q, params);
}
