//===- QuantizeInt8.cpp - W8A8 rewrite of calibrated float graphs ---------===//
//
// Walks each function in order. A contraction (conv, dense layer, matmul by
// a constant weight) whose input and output have calibrated ranges becomes
// an i8 x i8 -> i32 op plus a graph.rescale to i8; its float result is
// replaced by a graph.dequantize of the integers, which later contractions
// look through (`integers`), so consecutive integer layers never go back to
// float. The float ops left without users are removed at the end.
//
//===----------------------------------------------------------------------===//
#include "passes/quantize/Passes.h"
#include "passes/quantize/QuantParams.h"

#include "compiler/diagnostics/NodeLocation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

namespace mica {
#define GEN_PASS_DEF_QUANTIZEINT8
#include "passes/quantize/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;
using namespace mica::quant;

namespace {

/// An integer value standing for a float one: q with real = (q - zp) * scale.
struct IntegerValue {
  Value value;
  QuantParams params;
};

/// The calibrated [lo, hi] of a float value, if calibration saw it.
std::optional<std::pair<double, double>> rangeOf(Value value) {
  DenseF64ArrayAttr attr;
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (func && arg.getOwner() == &func.getBody().front())
      attr = func.getArgAttrOfType<DenseF64ArrayAttr>(arg.getArgNumber(),
                                                      kQuantRangeAttr);
  } else if (value.getDefiningOp()->getNumResults() == 1) {
    attr = value.getDefiningOp()->getAttrOfType<DenseF64ArrayAttr>(
        kQuantRangeAttr);
  }
  if (!attr || attr.size() != 2)
    return std::nullopt;
  return std::make_pair(attr[0], attr[1]);
}

/// Whether the range of `value` is the grid the model itself quantises it
/// on (kQuantModelGridAttr).
bool onModelGrid(Value value) {
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    return func && arg.getOwner() == &func.getBody().front() &&
           func.getArgAttr(arg.getArgNumber(), kQuantModelGridAttr);
  }
  return value.getDefiningOp()->getNumResults() == 1 &&
         value.getDefiningOp()->hasAttr(kQuantModelGridAttr);
}

bool isF32Tensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isF32();
}

/// The f32 values of a constant operand (null for a run-time value).
std::optional<std::vector<float>> constantValues(Value value) {
  DenseElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)) ||
      !attr.getElementType().isF32())
    return std::nullopt;
  auto range = attr.getValues<float>();
  return std::vector<float>(range.begin(), range.end());
}

RankedTensorType withElement(Type type, Type element) {
  return cast<RankedTensorType>(type).clone(element);
}

/// What one contraction needs: its kind-specific facts, gathered by match().
struct Contraction {
  Operation *op = nullptr;
  Value input, weight, bias;
  Operation *out = nullptr; // the op whose result the rescale replaces
  std::optional<std::pair<double, double>> clamp; // fused activation bounds
  int64_t weightAxis = 0; // output channels in the weight
  int64_t resultAxis = 0; // output channels in the result
};

class Quantizer {
public:
  Quantizer(func::FuncOp func, ArrayRef<std::string> keepFloat)
      : func(func), keepFloat(keepFloat.begin(), keepFloat.end()) {}

  void run() {
    SmallVector<Operation *> ops;
    func.walk([&](Operation *op) {
      if (isa<ConvOp, FullyConnectedOp, MatmulOp, AddOp, MulOp, DivOp, ReduceOp,
              ConcatOp, AvgPoolOp, SoftmaxOp, LayerNormOp>(op) ||
          tabulated(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      // An op already fused into an earlier rewrite (a ReLU after a conv)
      // has lost its users; it is left for the clean-up.
      if (op->use_empty())
        continue;
      if (auto add = dyn_cast<AddOp>(op))
        rewriteAdd(add);
      else if (isa<MulOp, DivOp>(op) && scalarOperand(op))
        rewriteScaling(op);
      else if (isa<MulOp>(op) || isProductOfIntegers(op))
        rewriteProduct(op);
      else if (std::function<double(double)> f = tabulated(op))
        rewriteTable(op, f);
      else if (auto reduce = dyn_cast<ReduceOp>(op))
        rewriteMean(reduce);
      else if (auto concat = dyn_cast<ConcatOp>(op))
        rewriteConcat(concat);
      else if (auto softmax = dyn_cast<SoftmaxOp>(op))
        rewriteSoftmax(softmax);
      else if (auto norm = dyn_cast<LayerNormOp>(op))
        rewriteLayerNorm(norm);
      else if (auto pool = dyn_cast<AvgPoolOp>(op))
        rewriteAvgPool(pool);
      else if (std::optional<Contraction> c = match(op))
        rewrite(*c);
    }
    // Ops with an integer form that stay float say why (the report and
    // `mica inspect` show it): an input was float, an operand is a constant
    // (no integer form takes one yet), or, for a max pool that is redone on
    // integers only where a consumer wants them, no consumer did.
    func.walk([&](Operation *op) {
      if (op->getNumResults() != 1 || op->use_empty() ||
          op->hasAttr(kQuantFloatReasonAttr) || !isF32Tensor(op->getResult(0)))
        return;
      auto reduce = dyn_cast<ReduceOp>(op);
      if (!isa<AddOp, MulOp, DivOp, MaxPoolOp, AvgPoolOp>(op) &&
          !tabulated(op) && !(reduce && reduce.getKind() == ReduceKind::mean))
        return;
      auto isConstant = [](Value v) { return matchPattern(v, m_Constant()); };
      if (llvm::any_of(op->getOperands(), [&](Value v) {
            return !isConstant(v) && !hasIntegerForm(v);
          }))
        keep(op, "an input is float");
      else if (llvm::any_of(op->getOperands(), isConstant))
        keep(op, "no integer form with a constant operand yet");
      else if (isa<MaxPoolOp>(op))
        keep(op, "only float ops use its result");
    });
  }

private:
  /// Why `op` stays float, on the op (the report lists it).
  std::nullopt_t keep(Operation *op, StringRef reason) {
    op->setAttr(kQuantFloatReasonAttr,
                StringAttr::get(op->getContext(), reason));
    return std::nullopt;
  }

  bool keptByUser(Operation *op) {
    NodeLocInfo info = getNodeLocInfo(op->getLoc());
    StringRef kind = info.domainAndOp;
    kind = kind.substr(kind.rfind(':') + 1);
    return keepFloat.count(info.node) || keepFloat.count(kind.str());
  }

  /// The location of the integer ops computing `first` through `last`, its
  /// fused bias add or activation (a chain of single uses): every node they
  /// implement, so that the report counts those nodes integer too.
  static Location spanLoc(Operation *first, Operation *last) {
    SmallVector<Location> locs{first->getLoc()};
    for (Operation *op = first; op != last;) {
      op = *op->getResult(0).getUsers().begin();
      locs.push_back(op->getLoc());
    }
    return FusedLoc::get(first->getContext(), locs);
  }

  /// A ReLU or clamp that is the only user of `op` becomes the bounds of
  /// the rescale that ends `op`: returns it (or `op`) and sets `clamp`.
  static Operation *
  fusedActivation(Operation *op,
                  std::optional<std::pair<double, double>> &clamp) {
    Value result = op->getResult(0);
    if (!result.hasOneUse())
      return op;
    Operation *user = *result.getUsers().begin();
    if (isa<ReluOp>(user)) {
      clamp = {0.0, std::numeric_limits<double>::infinity()};
      return user;
    }
    if (auto c = dyn_cast<ClampOp>(user)) {
      clamp = {c.getMin().convertToDouble(), c.getMax().convertToDouble()};
      return user;
    }
    return op;
  }

  /// The only user of `op`'s result when it adds a constant that varies
  /// along `axis` only (one value per output channel): a bias.
  static AddOp biasAdd(Operation *op, int64_t axis) {
    Value result = op->getResult(0);
    if (!result.hasOneUse())
      return {};
    auto add = dyn_cast<AddOp>(*result.getUsers().begin());
    if (!add || add.getType() != result.getType())
      return {};
    Value other = add.getLhs() == result ? add.getRhs() : add.getLhs();
    auto type = dyn_cast<RankedTensorType>(other.getType());
    auto resultType = cast<RankedTensorType>(result.getType());
    int64_t channels = resultType.getDimSize(axis);
    if (!type || !constantValues(other) || type.getNumElements() != channels)
      return {};
    // Right-aligned with the result, every dim but `axis` is 1.
    int64_t offset = resultType.getRank() - type.getRank();
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (i + offset != axis && type.getDimSize(i) != 1)
        return {};
    return add;
  }

  /// Where an elementwise integer rewrite of `op` ends: the op whose result
  /// it replaces (`op` or its fused ReLU/clamp), those bounds, and the int8
  /// parameters of the calibrated output. Null (with the reason on `op`)
  /// when the user keeps it float or no range is known.
  struct Output {
    Operation *op;
    std::optional<std::pair<double, double>> clamp;
    QuantParams params;
  };
  std::optional<Output> outputOf(Operation *op) {
    if (keptByUser(op))
      return keep(op, "kept float by --keep-float");
    Output out;
    out.op = fusedActivation(op, out.clamp);
    std::optional<std::pair<double, double>> range =
        rangeOf(out.op->getResult(0));
    if (!range)
      return keep(op, "no calibrated range for the output");
    out.params = activationParams(range->first, range->second);
    return out;
  }

  /// The clamp bounds of an int8 output with parameters `out`.
  static std::pair<int64_t, int64_t>
  clampBounds(const std::optional<std::pair<double, double>> &clamp,
              QuantParams out) {
    int64_t lo = -128, hi = 127;
    if (clamp) {
      lo = std::max<int64_t>(lo, quantizeValue(clamp->first, out));
      if (std::isfinite(clamp->second))
        hi = std::min<int64_t>(hi, quantizeValue(clamp->second, out));
    }
    return {lo, hi};
  }

  /// The rescale of `input` to the int8 result of `out` (or i32 when
  /// `element` says so), with `clamp` bounds (none: the type's range).
  Value buildRescale(OpBuilder &b, Location loc, Value input, Type resultType,
                     ArrayRef<int64_t> multipliers, ArrayRef<int64_t> shifts,
                     int64_t axis, int64_t inputZeroPoint,
                     int64_t outputZeroPoint,
                     std::optional<std::pair<int64_t, int64_t>> bounds) {
    auto attr = [&](std::optional<int64_t> v, int64_t none) {
      return v && *v != none ? b.getI64IntegerAttr(*v) : IntegerAttr();
    };
    return RescaleOp::create(
        b, loc, resultType, input, b.getDenseI64ArrayAttr(multipliers),
        b.getDenseI64ArrayAttr(shifts), b.getI64IntegerAttr(axis),
        b.getI64IntegerAttr(inputZeroPoint),
        b.getI64IntegerAttr(outputZeroPoint),
        attr(bounds ? std::optional<int64_t>(bounds->first) : std::nullopt,
             -128),
        attr(bounds ? std::optional<int64_t>(bounds->second) : std::nullopt,
             127));
  }

  /// A float add of two integer values (a residual connection, with
  /// broadcasting): each side is rescaled to i32 at 2^20 / (2 max(s_a, s_b))
  /// steps per unit, the sum rescaled to int8 (TFLite's and TOSA's integer
  /// add).
  void rewriteAdd(AddOp add) {
    if (!isF32Tensor(add.getResult()))
      return;
    std::optional<IntegerValue> a = operandOf(add.getLhs());
    std::optional<IntegerValue> c = operandOf(add.getRhs());
    if (!a || !c)
      return;
    std::optional<Output> output = outputOf(add);
    if (!output)
      return;
    auto [out, clamp, params] = *output;
    double twiceMax = 2 * std::max(a->params.scale, c->params.scale);
    constexpr double kLeftShift = 1 << 20;
    std::optional<FixedPoint> ma =
        toFixedPoint(a->params.scale / twiceMax * kLeftShift);
    std::optional<FixedPoint> mc =
        toFixedPoint(c->params.scale / twiceMax * kLeftShift);
    std::optional<FixedPoint> mo =
        toFixedPoint(twiceMax / (kLeftShift * params.scale));
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
        b, loc, a->value, withElement(a->value.getType(), i32),
        {ma->multiplier}, {ma->shift}, 0, a->params.zeroPoint, 0, {});
    Value wideC = buildRescale(
        b, loc, c->value, withElement(c->value.getType(), i32),
        {mc->multiplier}, {mc->shift}, 0, c->params.zeroPoint, 0, {});
    Value sum = AddOp::create(b, loc, i32Type, wideA, wideC);
    sum.getDefiningOp()->setAttr(kQuantInfoAttr,
                                 quantInfo(b, a->params, params, out));
    Value result = out->getResult(0);
    Value q = buildRescale(b, loc, sum,
                           withElement(result.getType(), b.getIntegerType(8)),
                           {mo->multiplier}, {mo->shift}, 0, 0,
                           params.zeroPoint, clampBounds(clamp, params));
    finish(b, loc, result, q, params);
  }

  /// A mean over static axes of an integer value (GlobalAveragePool,
  /// ReduceMean): the i32 sum of the integers minus count * zp, rescaled
  /// by s_in / (count s_out).
  void rewriteMean(ReduceOp reduce) {
    if (reduce.getKind() != ReduceKind::mean ||
        !isF32Tensor(reduce.getResult()))
      return;
    std::optional<IntegerValue> x = integerOf(reduce.getInput(), false);
    if (!x)
      return;
    auto type = cast<RankedTensorType>(reduce.getInput().getType());
    SmallVector<int64_t> axes(reduce.getAxes());
    if (axes.empty())
      for (int64_t i = 0; i < type.getRank(); ++i)
        axes.push_back(i);
    int64_t count = 1;
    for (int64_t &axis : axes) {
      if (axis < 0)
        axis += type.getRank();
      if (type.isDynamicDim(axis))
        return keepVoid(reduce, "a mean over a dimension known at run time");
      count *= type.getDimSize(axis);
    }
    std::optional<Output> output = outputOf(reduce);
    if (!output)
      return;
    auto [out, clamp, params] = *output;
    std::optional<FixedPoint> m =
        toFixedPoint(x->params.scale / (count * params.scale));
    if (!m)
      return keepVoid(
          reduce, "the requantisation scale is out of the fixed-point range");
    OpBuilder b(out);
    b.setInsertionPointAfter(out);
    Location loc = spanLoc(reduce, out);
    Type i32 = b.getIntegerType(32);
    Value wide = CastOp::create(b, loc, withElement(type, i32), x->value);
    Value sum =
        ReduceOp::create(b, loc, withElement(reduce.getType(), i32),
                         ReduceKindAttr::get(b.getContext(), ReduceKind::sum),
                         wide, reduce.getAxesAttr(), reduce.getKeepdimsAttr());
    sum.getDefiningOp()->setAttr(kQuantInfoAttr,
                                 quantInfo(b, x->params, params, out));
    Value result = out->getResult(0);
    Value q = buildRescale(
        b, loc, sum, withElement(result.getType(), b.getIntegerType(8)),
        {m->multiplier}, {m->shift}, 0, count * x->params.zeroPoint,
        params.zeroPoint, clampBounds(clamp, params));
    finish(b, loc, result, q, params);
  }

  /// An average pool of an integer value: the i32 sums of (x - zp) over the
  /// windows (a depthwise convolution by ones of the input padded with its
  /// zero point, whose bias removes the zero point of every tap), divided
  /// by each window's count within the rescale to int8. Counts are a
  /// product of one count per spatial axis; an axis whose counts vary
  /// (padding not counted) gets a rescale of its own along that axis,
  /// keeping `bits` fractional bits in i32 until the last one.
  void rewriteAvgPool(AvgPoolOp pool) {
    if (!isF32Tensor(pool.getResult()))
      return;
    std::optional<IntegerValue> x = integerOf(pool.getInput(), false);
    if (!x)
      return;
    auto inType = cast<RankedTensorType>(pool.getInput().getType());
    auto outType = cast<RankedTensorType>(pool.getType());
    int64_t rank = inType.getRank(), k = rank - 2;
    for (int64_t d = 1; d < rank; ++d)
      if (inType.isDynamicDim(d) || outType.isDynamicDim(d))
        return keepVoid(pool, "a pool over dimensions known at run time");
    ArrayRef<int64_t> kernel = pool.getKernel(), strides = pool.getStrides(),
                      dilations = pool.getDilations(), pads = pool.getPads();
    int64_t taps = 1;
    std::vector<std::vector<int64_t>> counts(k);
    for (int64_t i = 0; i < k; ++i) {
      int64_t size = inType.getDimSize(2 + i), out = outType.getDimSize(2 + i);
      // ceil_mode's extra window would overhang the padded input.
      if ((size + pads[i] + pads[k + i] - dilations[i] * (kernel[i] - 1) - 1) /
                  strides[i] +
              1 !=
          out)
        return keepVoid(pool, "ceil_mode adds a partial window");
      counts[i] = pool.getCountIncludePad()
                      ? std::vector<int64_t>(out, kernel[i])
                      : windowCounts(size, kernel[i], strides[i], dilations[i],
                                     pads[i], out);
      taps *= kernel[i];
    }
    std::optional<Output> output = outputOf(pool);
    if (!output)
      return;
    auto [out, clamp, params] = *output;
    // Axes whose counts vary need a per-position rescale; the others fold
    // into one factor.
    SmallVector<int64_t> varying;
    double scale = x->params.scale / params.scale;
    for (int64_t i = 0; i < k; ++i) {
      if (llvm::all_equal(counts[i]))
        scale /= counts[i].front();
      else
        varying.push_back(i);
    }
    // |sum| <= 255 taps: each intermediate rescale may multiply it by
    // 2^bits without leaving i32.
    int64_t bits =
        varying.size() < 2
            ? 0
            : (30 - (int64_t)std::ceil(std::log2(255.0 * taps + 1))) /
                  (int64_t)(varying.size() - 1);
    if (varying.size() > 1 && bits < 8)
      return keepVoid(pool, "the pooling window is too large for the "
                            "integer division by its counts");

    // The rescales, computed before anything is built: one per varying
    // axis (the last to int8), or one for all.
    struct Step {
      int64_t axis = 0;
      SmallVector<int64_t> multipliers, shifts;
    };
    SmallVector<Step> steps;
    auto stepFor = [&](int64_t axis, ArrayRef<int64_t> along,
                       double factor) -> bool {
      Step step;
      step.axis = axis;
      for (int64_t count : along) {
        std::optional<FixedPoint> m = toFixedPoint(factor / count);
        if (!m)
          return false;
        step.multipliers.push_back(m->multiplier);
        step.shifts.push_back(m->shift);
      }
      steps.push_back(std::move(step));
      return true;
    };
    bool fits = true;
    for (size_t j = 0; j + 1 < varying.size(); ++j) {
      fits &=
          stepFor(2 + varying[j], counts[varying[j]], std::ldexp(1.0, bits));
      scale = std::ldexp(scale, -bits);
    }
    if (varying.empty())
      fits &= stepFor(0, {1}, scale);
    else
      fits &= stepFor(2 + varying.back(), counts[varying.back()], scale);
    if (!fits)
      return keepVoid(
          pool, "the requantisation scale is out of the fixed-point range");

    OpBuilder b(out);
    b.setInsertionPointAfter(out);
    Location loc = spanLoc(pool, out);
    Type i8 = b.getIntegerType(8), i32 = b.getIntegerType(32);
    int64_t channels = inType.getDimSize(1);
    SmallVector<int64_t> onesShape{channels, 1};
    onesShape.append(kernel.begin(), kernel.end());
    auto onesType = RankedTensorType::get(onesShape, i8);
    Value ones = ConstantOp::create(
        b, loc, onesType,
        DenseElementsAttr::get(onesType, b.getI8IntegerAttr(1)));
    auto biasType = RankedTensorType::get({channels}, i32);
    Value bias = ConstantOp::create(
        b, loc, biasType,
        DenseElementsAttr::get(
            biasType, b.getI32IntegerAttr(
                          static_cast<int32_t>(-x->params.zeroPoint * taps))));
    SmallVector<int64_t> zeros(pads.size(), 0);
    Value v = ConvOp::create(
        b, loc, withElement(outType, i32), padByZeroPoint(b, loc, *x, pads),
        ones, bias, pool.getStridesAttr(), pool.getDilationsAttr(),
        b.getDenseI64ArrayAttr(zeros), b.getI64IntegerAttr(channels));
    v.getDefiningOp()->setAttr(kQuantInfoAttr,
                               quantInfo(b, x->params, params, out));
    Value result = out->getResult(0);
    for (const Step &step : steps) {
      bool last = &step == &steps.back();
      v = buildRescale(
          b, loc, v, last ? withElement(result.getType(), i8) : v.getType(),
          step.multipliers, step.shifts, step.axis, 0,
          last ? params.zeroPoint : 0,
          last ? std::optional(clampBounds(clamp, params)) : std::nullopt);
    }
    Value q = v;
    finish(b, loc, result, q, params);
  }

  /// A concatenation of integer values: each input whose parameters differ
  /// from the output's is rescaled to them, then the integers are joined.
  void rewriteConcat(ConcatOp concat) {
    if (!isF32Tensor(concat.getResult()))
      return;
    // Only where integers flow already: quantising float inputs just to
    // join them would cost two conversions and gain nothing.
    if (llvm::none_of(concat.getInputs(), [&](Value input) {
          return integerOf(input, /*create=*/false).has_value();
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
    std::optional<std::pair<double, double>> range =
        rangeOf(concat.getResult());
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
    Value q = ConcatOp::create(
        b, loc, withElement(result.getType(), b.getIntegerType(8)), values,
        concat.getAxisAttr());
    finish(b, loc, result, q, params);
  }

  /// The real function of a unary op the integer path tabulates, or null.
  static std::function<double(double)> tabulated(Operation *op) {
    return llvm::TypeSwitch<Operation *, std::function<double(double)>>(op)
        .Case([](SigmoidOp) {
          return [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
        })
        .Case([](TanhOp) { return [](double x) { return std::tanh(x); }; })
        .Case([](HardSwishOp) {
          return
              [](double x) { return x * std::clamp(x / 6.0 + 0.5, 0.0, 1.0); };
        })
        .Case([](HardSigmoidOp h) {
          double alpha = h.getAlpha().convertToDouble();
          double beta = h.getBeta().convertToDouble();
          return
              [=](double x) { return std::clamp(alpha * x + beta, 0.0, 1.0); };
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
          return [=](double x) {
            return x >= 0 ? x : alpha * (std::exp(x) - 1.0);
          };
        })
        .Case([](ReluOp) { return [](double x) { return std::max(x, 0.0); }; })
        .Case([](ClampOp c) {
          double lo = c.getMin().convertToDouble();
          double hi = c.getMax().convertToDouble();
          return [=](double x) { return std::clamp(x, lo, hi); };
        })
        .Default([](Operation *) { return std::function<double(double)>(); });
  }

  /// A unary activation of an integer value: a 256-entry table from the
  /// input's integers to the output's (TOSA TABLE), computed in double.
  void rewriteTable(Operation *op, const std::function<double(double)> &f) {
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

  /// Whether `op` is a matmul of two activations (attention's q k^T and
  /// weights x v, a QLinearMatMul of two run-time operands): its right
  /// operand is computed at run time, or is a constant batch of matrices
  /// the model quantised (a constant matrix is a weight: match()).
  bool isProductOfIntegers(Operation *op) {
    auto matmul = dyn_cast<MatmulOp>(op);
    if (!matmul || !isF32Tensor(matmul.getResult()))
      return false;
    Value rhs = matmul.getRhs();
    return !constantValues(rhs) ||
           (cast<RankedTensorType>(rhs.getType()).getRank() > 2 &&
            onModelGrid(rhs));
  }

  /// A product of two integer values: elementwise (squeeze-and-excitation
  /// scaling) or a matmul of two activations. Each side minus its zero
  /// point in i32, an exact i32 product (broadcasting / batching as the
  /// float one did), one rescale to int8. A matmul's operands may be
  /// quantised here (an input of a float op); an elementwise product's must
  /// be integer already or on the model's grid (operandOf).
  void rewriteProduct(Operation *op) {
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
    auto [out, clamp, params] = requant->first;
    std::optional<FixedPoint> m = requant->second;
    OpBuilder b(out);
    b.setInsertionPointAfter(out);
    Location loc = spanLoc(op, out);
    // x - zp exactly: a rescale by 1 (2^30 * 2^-30).
    auto centred = [&](const IntegerValue &x) {
      return buildRescale(
          b, loc, x.value, withElement(x.value.getType(), b.getIntegerType(32)),
          {int64_t(1) << 30}, {30}, 0, x.params.zeroPoint, 0, {});
    };
    Type i32Result =
        withElement(op->getResult(0).getType(), b.getIntegerType(32));
    Value product =
        matmul ? MatmulOp::create(b, loc, i32Result, centred(*a), centred(*c))
                     .getResult()
               : MulOp::create(b, loc, i32Result, centred(*a), centred(*c))
                     .getResult();
    product.getDefiningOp()->setAttr(kQuantInfoAttr,
                                     quantInfo(b, a->params, params, out));
    Value result = out->getResult(0);
    Value q = buildRescale(b, loc, product,
                           withElement(result.getType(), b.getIntegerType(8)),
                           {m->multiplier}, {m->shift}, 0, 0, params.zeroPoint,
                           clampBounds(clamp, params));
    finish(b, loc, result, q, params);
  }

  /// Softmax of an integer value (attention's weights):
  /// graph.integer_softmax, whose exponentials are a 16-bit fixed-point
  /// table for the input's scale. The output range is [0, the largest
  /// probability calibration saw] (attention weights are mostly small: a
  /// whole 0 .. 1 range would leave them a step or two), [0, 1] without
  /// calibration.
  void rewriteSoftmax(SoftmaxOp softmax) {
    if (!isF32Tensor(softmax.getResult()))
      return;
    if (keptByUser(softmax))
      return keepVoid(softmax, "kept float by --keep-float");
    std::optional<IntegerValue> x = integerOf(softmax.getInput(), true);
    if (!x)
      return keepVoid(softmax, "no calibrated range for the input");
    SmallVector<int64_t> high, low;
    for (int64_t u = 0; u < 256; ++u) {
      auto e = static_cast<int64_t>(
          std::lround(32768.0 * std::exp(x->params.scale * double(u - 255))));
      high.push_back(static_cast<int8_t>(e >> 8));
      low.push_back(static_cast<int8_t>(e & 255));
    }
    double top = 1.0;
    if (std::optional<std::pair<double, double>> range =
            rangeOf(softmax.getResult()))
      top = std::clamp(range->second, 1.0 / 64, 1.0);
    QuantParams params = activationParams(0.0, top);
    OpBuilder b(softmax);
    b.setInsertionPointAfter(softmax);
    Location loc = softmax.getLoc();
    Value result = softmax.getResult();
    auto op = IntegerSoftmaxOp::create(
        b, loc, x->value.getType(), x->value,
        b.getI64IntegerAttr((int64_t)softmax.getAxis()),
        b.getDenseI64ArrayAttr(high), b.getDenseI64ArrayAttr(low),
        b.getI64IntegerAttr(std::llround(2147483648.0 / params.scale)),
        b.getI64IntegerAttr(params.zeroPoint));
    op->setAttr(kQuantInfoAttr, quantInfo(b, x->params, params, softmax));
    finish(b, loc, result, op, params);
  }

  /// Layer normalisation over the last dim of an integer value with
  /// constant scale and bias: graph.integer_layer_norm, its scale, bias and
  /// epsilon folded with the input's and the output's parameters.
  void rewriteLayerNorm(LayerNormOp norm) {
    if (!isF32Tensor(norm.getResult()))
      return;
    auto type = cast<RankedTensorType>(norm.getInput().getType());
    int64_t rank = type.getRank();
    int64_t axis = (int64_t)norm.getAxis();
    if (axis < 0)
      axis += rank;
    if (axis != rank - 1 || type.isDynamicDim(rank - 1))
      return keepVoid(norm, "no integer form of a layer norm over several "
                            "dims or a dynamic one yet");
    int64_t n = type.getShape().back();
    std::optional<std::vector<float>> scale = constantValues(norm.getScale());
    std::optional<std::vector<float>> bias;
    if (norm.getBias())
      bias = constantValues(norm.getBias());
    if (!scale || (norm.getBias() && !bias))
      return keepVoid(norm, "the scale or bias is computed at run time");
    auto channel = [&](const std::vector<float> &v, int64_t j) -> double {
      return v.size() == 1 ? v[0] : v[j];
    };
    if ((int64_t)scale->size() != n && scale->size() != 1)
      return keepVoid(norm, "the scale is not one value per channel");
    std::optional<IntegerValue> x = integerOf(norm.getInput(), true);
    if (!x)
      return keepVoid(norm, "no calibrated range for the input");
    std::optional<Output> output = outputOf(norm);
    if (!output)
      return;
    auto [out, clamp, params] = *output;
    SmallVector<int64_t> gamma, beta;
    for (int64_t j = 0; j < n; ++j) {
      gamma.push_back(
          std::llround(channel(*scale, j) / params.scale * 65536.0));
      double b = bias ? channel(*bias, j) : 0.0;
      beta.push_back(std::llround(b / params.scale * 4294967296.0));
    }
    double epsilon = norm.getEpsilon().convertToDouble();
    auto epsTerm = static_cast<int64_t>(std::llround(
        double(n) * double(n) * epsilon / (x->params.scale * x->params.scale)));
    OpBuilder b(out);
    b.setInsertionPointAfter(out);
    Location loc = spanLoc(norm, out);
    Value result = out->getResult(0);
    auto op = IntegerLayerNormOp::create(
        b, loc, x->value.getType(), x->value,
        b.getI64IntegerAttr(x->params.zeroPoint),
        b.getI64IntegerAttr(params.zeroPoint), b.getI64IntegerAttr(epsTerm),
        b.getDenseI64ArrayAttr(gamma), b.getDenseI64ArrayAttr(beta));
    op->setAttr(kQuantInfoAttr, quantInfo(b, x->params, params, out));
    Value q = op;
    // A fused ReLU / clip after the norm: an identity rescale's clamp.
    if (clamp)
      q = buildRescale(b, loc, q, q.getType(), {int64_t(1) << 30}, {30}, 0,
                       params.zeroPoint, params.zeroPoint,
                       clampBounds(clamp, params));
    finish(b, loc, result, q, params);
  }

  /// Where an integer rewrite of `op` ends (outputOf) and the fixed-point
  /// requantisation from its integers' scale `scale` to the output's;
  /// nullopt, with `op` kept float and the reason on it, without one.
  std::optional<std::pair<Output, FixedPoint>> requantized(Operation *op,
                                                           double scale) {
    std::optional<Output> output = outputOf(op);
    if (!output)
      return std::nullopt;
    std::optional<FixedPoint> m = toFixedPoint(scale / output->params.scale);
    if (!m)
      return keep(op,
                  "the requantisation scale is out of the fixed-point range");
    return std::make_pair(*output, *m);
  }

  /// The positive scalar constant a Mul or Div scales by, if it is one.
  std::optional<double> scalarOperand(Operation *op) {
    DenseElementsAttr attr;
    if (!matchPattern(op->getOperand(1), m_Constant(&attr)) ||
        !attr.isSplat() || !isa<FloatType>(attr.getElementType()))
      return std::nullopt;
    double c = attr.getSplatValue<APFloat>().convertToDouble();
    if (!(c > 0) || !std::isfinite(c))
      return std::nullopt;
    return isa<DivOp>(op) ? 1.0 / c : c;
  }

  /// An integer value times (or over) a positive constant (attention's
  /// 1 / sqrt(d)): the same integers at another scale, one rescale to the
  /// output's calibrated parameters.
  void rewriteScaling(Operation *op) {
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

  /// What an integer layer is, for the report: its parameters, `extra`
  /// facts, and the calibration key of the float value it replaces (that of
  /// `replaced`'s result, if calibration gave one).
  static DictionaryAttr quantInfo(OpBuilder &b, QuantParams in, QuantParams out,
                                  Operation *replaced,
                                  ArrayRef<NamedAttribute> extra = {}) {
    SmallVector<NamedAttribute> entries{
        b.getNamedAttr("input_scale", b.getF64FloatAttr(in.scale)),
        b.getNamedAttr("input_zero_point", b.getI64IntegerAttr(in.zeroPoint)),
        b.getNamedAttr("output_scale", b.getF64FloatAttr(out.scale)),
        b.getNamedAttr("output_zero_point", b.getI64IntegerAttr(out.zeroPoint)),
    };
    if (auto tap = replaced->getAttrOfType<StringAttr>(kQuantTapAttr))
      entries.push_back(b.getNamedAttr("tap", tap));
    entries.append(extra.begin(), extra.end());
    return b.getDictionaryAttr(entries);
  }

  void keepVoid(Operation *op, StringRef reason) { (void)keep(op, reason); }

  /// Replaces the float `result` by the dequantised integers `q`, which
  /// later integer ops read directly.
  void finish(OpBuilder &b, Location loc, Value result, Value q,
              QuantParams params) {
    Value real = DequantizeOp::create(b, loc, result.getType(), q,
                                      b.getF64FloatAttr(params.scale),
                                      b.getI64IntegerAttr(params.zeroPoint));
    result.replaceAllUsesWith(real);
    integers[real] = IntegerValue{q, params};
  }

  static bool hasOffsets(const ChannelWeights &weights) {
    return llvm::any_of(weights.offsets, [](int64_t o) { return o != 0; });
  }

  /// `x` padded along its spatial dims by `pads` (ONNX order, begin then
  /// end) with its zero point, so that padded positions stand for 0.
  static Value padByZeroPoint(OpBuilder &b, Location loc, IntegerValue x,
                              ArrayRef<int64_t> pads) {
    if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
      return x.value;
    auto xType = cast<RankedTensorType>(x.value.getType());
    int64_t rank = xType.getRank(), k = rank - 2;
    SmallVector<int64_t> all(2 * rank, 0), shape;
    for (int64_t i = 0; i < k; ++i) {
      all[2 + i] = pads[i];
      all[rank + 2 + i] = pads[k + i];
    }
    for (int64_t i = 0; i < rank; ++i)
      shape.push_back(xType.isDynamicDim(i)
                          ? ShapedType::kDynamic
                          : xType.getDimSize(i) + all[i] + all[rank + i]);
    return PadOp::create(
        b, loc, RankedTensorType::get(shape, xType.getElementType()), x.value,
        b.getDenseI64ArrayAttr(all), b.getStringAttr("constant"),
        b.getF64FloatAttr(x.params.zeroPoint));
  }

  std::optional<Contraction> match(Operation *op) {
    Contraction c;
    c.op = op;
    if (auto conv = dyn_cast<ConvOp>(op)) {
      c.input = conv.getInput();
      c.weight = conv.getWeight();
      c.bias = conv.getBias();
      c.resultAxis = 1;
    } else if (auto fc = dyn_cast<FullyConnectedOp>(op)) {
      c.input = fc.getInput();
      c.weight = fc.getWeight();
      c.bias = fc.getBias();
      c.resultAxis = cast<RankedTensorType>(fc.getType()).getRank() - 1;
    } else {
      auto matmul = cast<MatmulOp>(op);
      c.input = matmul.getLhs();
      c.weight = matmul.getRhs();
      auto weightType = cast<RankedTensorType>(c.weight.getType());
      if (weightType.getRank() != 2 ||
          cast<RankedTensorType>(c.input.getType()).getRank() < 2)
        return keep(op, "matmul by a weight that is not a matrix");
      c.weightAxis = 1;
      c.resultAxis = cast<RankedTensorType>(matmul.getType()).getRank() - 1;
    }
    if (!isF32Tensor(c.input) || !isF32Tensor(op->getResult(0)))
      return std::nullopt; // not a float op: nothing to say
    if (keptByUser(op))
      return keep(op, "kept float by --keep-float");
    if (!constantValues(c.weight) || (c.bias && !constantValues(c.bias)))
      return keep(op, "the weight is computed at run time");
    if (!integerOf(c.input, /*create=*/false) && !rangeOf(c.input))
      return keep(op, "no calibrated range for the input");
    Operation *last = op;
    if (!c.bias)
      if (AddOp add = biasAdd(op, c.resultAxis)) {
        // MatMul + Add (and bias-less Conv + Add) as exporters write them.
        c.bias = add.getLhs() == op->getResult(0) ? add.getRhs() : add.getLhs();
        last = add;
      }
    c.out = fusedActivation(last, c.clamp);
    if (!rangeOf(c.out->getResult(0)))
      return keep(op, "no calibrated range for the output");
    return c;
  }

  /// The dequantize of 8-bit integers of the model (not of a constant, which
  /// folds) that defines `value`, if any.
  static DequantizeOp modelIntegers(Value value) {
    auto dq = value.getDefiningOp<DequantizeOp>();
    if (!dq || !getElementTypeOrSelf(dq.getInput().getType()).isInteger(8) ||
        !isF32Tensor(dq.getResult()) ||
        matchPattern(dq.getInput(), m_Constant()))
      return {};
    return dq;
  }

  /// The integer form of an operand of an elementwise op or a product:
  /// integerOf, and for a value on the model's own grid (a QDQ model's
  /// quantised value, a QOperator op's constant operand) its integers on
  /// that grid, which lose nothing.
  std::optional<IntegerValue> operandOf(Value value) {
    return integerOf(value, onModelGrid(value) && rangeOf(value).has_value());
  }

  /// Whether integerOf(value, false) would find an integer form (without
  /// building one).
  bool hasIntegerForm(Value value) {
    if (integers.count(value) || modelIntegers(value))
      return true;
    Operation *def = value.getDefiningOp();
    return def && isa<ReshapeOp, TransposeOp, MaxPoolOp, SliceOp>(def) &&
           hasIntegerForm(def->getOperand(0));
  }

  /// The integer form of a float value: the integers a dequantize of ours
  /// reads, a data-movement op redone on the integers of its input, or (when
  /// `create`) a graph.quantize with the value's calibrated parameters.
  std::optional<IntegerValue> integerOf(Value value, bool create) {
    auto known = integers.find(value);
    if (known != integers.end())
      return known->second;
    if (DequantizeOp dq = modelIntegers(value)) {
      // The model's own 8-bit integers (a QOperator model's uint8 input, the
      // result of an integer op that runs on them): as they are for int8;
      // uint8 moves to int8 by -128, exactly, with its zero point.
      QuantParams params{dq.getScale().convertToDouble(),
                         static_cast<int64_t>(dq.getZeroPoint())};
      Value q = dq.getInput();
      if (getElementTypeOrSelf(q.getType()).isUnsignedInteger()) {
        OpBuilder b(dq);
        q = buildRescale(b, dq.getLoc(), q,
                         withElement(q.getType(), b.getIntegerType(8)),
                         {int64_t(1) << 30}, {30}, 0, 128, 0, {});
        params.zeroPoint -= 128;
      }
      IntegerValue result{q, params};
      integers[value] = result;
      return result;
    }
    Operation *def = value.getDefiningOp();
    if (def && isa<ReshapeOp, TransposeOp, MaxPoolOp, SliceOp>(def) &&
        def->getNumResults() == 1) {
      if (std::optional<IntegerValue> source =
              integerOf(def->getOperand(0), /*create=*/false)) {
        OpBuilder b(def);
        b.setInsertionPointAfter(def);
        Operation *clone = b.clone(*def);
        clone->setOperand(0, source->value);
        clone->getResult(0).setType(
            withElement(value.getType(), b.getIntegerType(8)));
        IntegerValue result{clone->getResult(0), source->params};
        integers[value] = result;
        return result;
      }
    }
    if (!create)
      return std::nullopt;
    std::optional<std::pair<double, double>> range = rangeOf(value);
    if (!range)
      return std::nullopt;
    OpBuilder b(value.getContext());
    if (def)
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(cast<BlockArgument>(value).getOwner());
    QuantParams params = activationParams(range->first, range->second);
    Value q = QuantizeOp::create(
        b, value.getLoc(), withElement(value.getType(), b.getIntegerType(8)),
        value, b.getF64FloatAttr(params.scale),
        b.getI64IntegerAttr(params.zeroPoint));
    IntegerValue result{q, params};
    integers[value] = result;
    return result;
  }

  void rewrite(const Contraction &c) {
    Operation *op = c.op;
    std::optional<IntegerValue> input = integerOf(c.input, /*create=*/true);
    if (!input) {
      keep(op, "no calibrated range for the input");
      return;
    }
    auto range = *rangeOf(c.out->getResult(0));
    QuantParams out = activationParams(range.first, range.second);

    // Weights, per output channel, and the requantisation of each channel.
    auto weightType = cast<RankedTensorType>(c.weight.getType());
    std::vector<float> w = *constantValues(c.weight);
    int64_t channels = weightType.getDimSize(c.weightAxis);
    std::optional<ChannelWeights> given;
    if (auto scales =
            op->getAttrOfType<DenseF64ArrayAttr>(kQuantWeightScalesAttr)) {
      given = weightsOnGrid(w, weightType.getShape(), c.weightAxis,
                            scales.asArrayRef());
      // Offsets are added back from the input's window sums, one per group:
      // a grouped convolution needs one group or one channel per group.
      auto conv = dyn_cast<ConvOp>(op);
      if (given && conv && hasOffsets(*given) && conv.getGroups() != 1 &&
          (int64_t)conv.getGroups() != channels)
        given.reset();
      if (!given)
        emitWarning(op->getLoc())
            << "the weights are not on the 8-bit grid of their scales; "
               "quantised again, per channel";
    }
    ChannelWeights qw =
        given ? std::move(*given)
              : quantizeWeights(w, weightType.getShape(), c.weightAxis);
    SmallVector<int64_t> multipliers, shifts;
    for (double scale : qw.scales) {
      std::optional<FixedPoint> m =
          toFixedPoint(input->params.scale * scale / out.scale);
      if (!m) {
        keep(op, "the requantisation scale is out of the fixed-point range");
        return;
      }
      multipliers.push_back(m->multiplier);
      shifts.push_back(m->shift);
    }

    // Bias with the input zero point folded in: b / (s_in s_w) - zp_in sum(w).
    std::vector<int64_t> bias(channels, 0);
    std::vector<float> b0 =
        c.bias ? *constantValues(c.bias) : std::vector<float>(channels, 0.f);
    int64_t inner = 1;
    for (int64_t i = c.weightAxis + 1; i < weightType.getRank(); ++i)
      inner *= weightType.getDimSize(i);
    std::vector<int64_t> sums(channels, 0);
    for (size_t i = 0; i < qw.values.size(); ++i)
      sums[(i / inner) % channels] += qw.values[i];
    // Each output sums (x - zp) * (value + offset) over `taps` inputs: the
    // offset's part is offset * (window sum of x) - offset * zp * taps.
    int64_t taps = weightType.getNumElements() / channels;
    for (int64_t ch = 0; ch < channels; ++ch) {
      double real =
          std::nearbyint(b0[ch] / (input->params.scale * qw.scales[ch]));
      real = std::clamp(real, -2147483648.0, 2147483647.0);
      int64_t offset = hasOffsets(qw) ? qw.offsets[ch] : 0;
      bias[ch] = (int64_t)real - input->params.zeroPoint * sums[ch] -
                 offset * input->params.zeroPoint * taps;
    }

    if (llvm::any_of(
            bias, [](int64_t v) { return v < INT32_MIN || v > INT32_MAX; })) {
      keep(op, "the folded bias does not fit in int32");
      return;
    }

    OpBuilder b(c.out);
    b.setInsertionPointAfter(c.out);
    Location loc = spanLoc(op, c.out);
    Type i8 = b.getIntegerType(8), i32 = b.getIntegerType(32);
    auto weightI8 = RankedTensorType::get(weightType.getShape(), i8);
    Value weight = ConstantOp::create(
        b, loc, weightI8,
        DenseElementsAttr::get(weightI8, ArrayRef<int8_t>(qw.values)));
    auto biasType = RankedTensorType::get({channels}, i32);
    std::vector<int32_t> bias32(bias.begin(), bias.end());
    Value biasValue = ConstantOp::create(
        b, loc, biasType,
        DenseElementsAttr::get(biasType, ArrayRef<int32_t>(bias32)));
    Type accType = withElement(op->getResult(0).getType(), i32);
    Value acc, windowSums;
    if (auto conv = dyn_cast<ConvOp>(op)) {
      // Padded taps add (zp - zp) * w.
      ArrayRef<int64_t> pads = conv.getPads();
      Value x = padByZeroPoint(b, loc, *input, pads);
      SmallVector<int64_t> zeros(pads.size(), 0);
      acc = ConvOp::create(b, loc, accType, x, weight, biasValue,
                           conv.getStridesAttr(), conv.getDilationsAttr(),
                           b.getDenseI64ArrayAttr(zeros), conv.getGroupsAttr());
      if (hasOffsets(qw)) {
        // The window sums of x, one per group (all inputs of the group).
        int64_t groups = conv.getGroups();
        SmallVector<int64_t> onesShape(weightType.getShape());
        onesShape[0] = groups;
        auto onesType = RankedTensorType::get(onesShape, i8);
        SmallVector<int64_t> sumShape(
            cast<RankedTensorType>(accType).getShape());
        sumShape[1] = groups;
        windowSums = ConvOp::create(
            b, loc, RankedTensorType::get(sumShape, i32), x,
            ConstantOp::create(
                b, loc, onesType,
                DenseElementsAttr::get(onesType, b.getI8IntegerAttr(1))),
            Value(), conv.getStridesAttr(), conv.getDilationsAttr(),
            b.getDenseI64ArrayAttr(zeros), conv.getGroupsAttr());
      }
    } else if (isa<FullyConnectedOp>(op)) {
      acc = FullyConnectedOp::create(b, loc, accType, input->value, weight,
                                     biasValue);
    } else {
      acc = MatmulOp::create(b, loc, accType, input->value, weight);
    }
    Operation *contraction = acc.getDefiningOp();
    if (isa<MatmulOp>(contraction))
      acc = AddOp::create(b, loc, accType, acc, biasValue);
    if (hasOffsets(qw)) {
      if (!windowSums) {
        // A dense layer's window is the input row.
        auto xType = cast<RankedTensorType>(input->value.getType());
        SmallVector<int64_t> sumShape(xType.getShape());
        sumShape.back() = 1;
        Value wide =
            CastOp::create(b, loc, withElement(xType, i32), input->value);
        windowSums = ReduceOp::create(
            b, loc, RankedTensorType::get(sumShape, i32),
            ReduceKindAttr::get(b.getContext(), ReduceKind::sum), wide,
            b.getDenseI64ArrayAttr({xType.getRank() - 1}), b.getBoolAttr(true));
      }
      // offset[c] along the result's channel axis.
      auto accRanked = cast<RankedTensorType>(accType);
      SmallVector<int64_t> offsetShape{channels};
      offsetShape.append(accRanked.getRank() - 1 - c.resultAxis, 1);
      auto offsetType = RankedTensorType::get(offsetShape, i32);
      std::vector<int32_t> offsets(qw.offsets.begin(), qw.offsets.end());
      Value offsetValue = ConstantOp::create(
          b, loc, offsetType,
          DenseElementsAttr::get(offsetType, ArrayRef<int32_t>(offsets)));
      acc = AddOp::create(
          b, loc, accType, acc,
          MulOp::create(b, loc, accType, windowSums, offsetValue));
    }

    Value result = c.out->getResult(0);
    Value rescale =
        buildRescale(b, loc, acc, withElement(result.getType(), i8),
                     multipliers, shifts, channels > 1 ? c.resultAxis : 0, 0,
                     out.zeroPoint, clampBounds(c.clamp, out));
    contraction->setAttr(
        kQuantInfoAttr,
        quantInfo(b, input->params, out, c.out,
                  {b.getNamedAttr("weight_scales",
                                  b.getDenseF64ArrayAttr(qw.scales))}));
    finish(b, loc, result, rescale, out);
  }

  func::FuncOp func;
  std::set<std::string> keepFloat;
  DenseMap<Value, IntegerValue> integers;
};

struct QuantizeInt8Pass : mica::impl::QuantizeInt8Base<QuantizeInt8Pass> {
  using QuantizeInt8Base::QuantizeInt8Base;

  void runOnOperation() override {
    std::vector<std::string> kept(keepFloat.begin(), keepFloat.end());
    getOperation().walk([&](func::FuncOp func) {
      Quantizer(func, kept).run();
      // The float ops the integer ones replaced.
      IRRewriter rewriter(func.getContext());
      (void)runRegionDCE(rewriter, func.getBody());
      // The ranges served their purpose; later stages see none.
      func.walk([](Operation *op) {
        op->removeAttr(kQuantRangeAttr);
        op->removeAttr(kQuantModelGridAttr);
        op->removeAttr(kQuantTapAttr);
      });
      for (unsigned i = 0; i < func.getNumArguments(); ++i) {
        func.removeArgAttr(i, kQuantRangeAttr);
        func.removeArgAttr(i, kQuantModelGridAttr);
        func.removeArgAttr(i, kQuantTapAttr);
      }
    });
  }
};

} // namespace
