//===- QuantizeInt8.cpp - W8A8 rewrite of calibrated float graphs ---------===//
//
// The pass, the walk over each function (Quantizer::run) and what every
// rewrite shares: where a rewrite ends, its rescale, and the integer form of
// a float value (Quantizer.h says how the pieces fit).
//
//===----------------------------------------------------------------------===//
#include "passes/quantize/Passes.h"
#include "passes/quantize/Quantizer.h"

#include "compiler/diagnostics/NodeLocation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

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

namespace mica::quant {

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

RankedTensorType withElement(Type type, Type element) {
  return cast<RankedTensorType>(type).clone(element);
}

std::optional<std::vector<float>> constantValues(Value value) {
  DenseElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)) ||
      !attr.getElementType().isF32())
    return std::nullopt;
  auto range = attr.getValues<float>();
  return std::vector<float>(range.begin(), range.end());
}

} // namespace mica::quant

void Quantizer::run() {
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (isa<ConvOp, FullyConnectedOp, MatmulOp, AddOp, MulOp, DivOp, ReduceOp,
            ConcatOp, AvgPoolOp, SoftmaxOp, LayerNormOp>(op) ||
        tabulated(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    // An op already fused into an earlier rewrite (a ReLU after a conv)
    // has lost its users; it is left for the clean-up. An op that an
    // earlier pass keeps float (token merging's) already says why.
    if (op->use_empty() || op->hasAttr(kQuantFloatReasonAttr))
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
    else if (isa<ConvOp, FullyConnectedOp, MatmulOp>(op))
      if (std::optional<Contraction> c = match(op))
        rewrite(*c);
    // A division by anything but a positive constant has no integer form:
    // the walk below says why it stays float.
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
    if (!isa<AddOp, MulOp, DivOp, MaxPoolOp, AvgPoolOp>(op) && !tabulated(op) &&
        !(reduce && reduce.getKind() == ReduceKind::mean))
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
    else if (isa<DivOp>(op))
      keep(op, "no integer form of a division by a run-time value");
  });
}

std::nullopt_t Quantizer::keep(Operation *op, StringRef reason) {
  op->setAttr(kQuantFloatReasonAttr, StringAttr::get(op->getContext(), reason));
  return std::nullopt;
}

bool Quantizer::keptByUser(Operation *op) {
  NodeLocInfo info = getNodeLocInfo(op->getLoc());
  StringRef kind = info.domainAndOp;
  kind = kind.substr(kind.rfind(':') + 1);
  return keepFloat.count(info.node) || keepFloat.count(kind.str());
}

Location Quantizer::spanLoc(Operation *first, Operation *last) {
  SmallVector<Location> locs{first->getLoc()};
  for (Operation *op = first; op != last;) {
    op = *op->getResult(0).getUsers().begin();
    locs.push_back(op->getLoc());
  }
  return FusedLoc::get(first->getContext(), locs);
}

Operation *
Quantizer::fusedActivation(Operation *op,
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

AddOp Quantizer::biasAdd(Operation *op, int64_t axis) {
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

std::optional<Quantizer::Output> Quantizer::outputOf(Operation *op) {
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

std::pair<int64_t, int64_t>
Quantizer::clampBounds(const std::optional<std::pair<double, double>> &clamp,
                       QuantParams out) {
  int64_t lo = -128, hi = 127;
  if (clamp) {
    lo = std::max<int64_t>(lo, quantizeValue(clamp->first, out));
    if (std::isfinite(clamp->second))
      hi = std::min<int64_t>(hi, quantizeValue(clamp->second, out));
  }
  return {lo, hi};
}

Value Quantizer::buildRescale(
    OpBuilder &b, Location loc, Value input, Type resultType,
    ArrayRef<int64_t> multipliers, ArrayRef<int64_t> shifts, int64_t axis,
    int64_t inputZeroPoint, int64_t outputZeroPoint,
    std::optional<std::pair<int64_t, int64_t>> bounds) {
  auto attr = [&](std::optional<int64_t> v, int64_t none) {
    return v && *v != none ? b.getI64IntegerAttr(*v) : IntegerAttr();
  };
  return RescaleOp::create(
      b, loc, resultType, input, b.getDenseI64ArrayAttr(multipliers),
      b.getDenseI64ArrayAttr(shifts), b.getI64IntegerAttr(axis),
      b.getI64IntegerAttr(inputZeroPoint), b.getI64IntegerAttr(outputZeroPoint),
      attr(bounds ? std::optional<int64_t>(bounds->first) : std::nullopt, -128),
      attr(bounds ? std::optional<int64_t>(bounds->second) : std::nullopt,
           127));
}

std::optional<std::pair<Quantizer::Output, FixedPoint>>
Quantizer::requantized(Operation *op, double scale) {
  std::optional<Output> output = outputOf(op);
  if (!output)
    return std::nullopt;
  std::optional<FixedPoint> m = toFixedPoint(scale / output->params.scale);
  if (!m)
    return keep(op, "the requantisation scale is out of the fixed-point range");
  return std::make_pair(*output, *m);
}

DictionaryAttr Quantizer::quantInfo(OpBuilder &b, QuantParams in,
                                    QuantParams out, Operation *replaced,
                                    ArrayRef<NamedAttribute> extra) {
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

void Quantizer::finishFromI32(OpBuilder &b, Location loc, Value acc,
                              QuantParams in, const Output &out, FixedPoint m,
                              int64_t inputZeroPoint) {
  acc.getDefiningOp()->setAttr(kQuantInfoAttr,
                               quantInfo(b, in, out.params, out.op));
  Value result = out.op->getResult(0);
  Value q = buildRescale(
      b, loc, acc, withElement(result.getType(), b.getIntegerType(8)),
      {m.multiplier}, {m.shift}, 0, inputZeroPoint, out.params.zeroPoint,
      clampBounds(out.clamp, out.params));
  finish(b, loc, result, q, out.params);
}

void Quantizer::finish(OpBuilder &b, Location loc, Value result, Value q,
                       QuantParams params) {
  Value real = DequantizeOp::create(b, loc, result.getType(), q,
                                    b.getF64FloatAttr(params.scale),
                                    b.getI64IntegerAttr(params.zeroPoint));
  result.replaceAllUsesWith(real);
  integers[real] = IntegerValue{q, params};
}

Value Quantizer::padByZeroPoint(OpBuilder &b, Location loc, IntegerValue x,
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

DequantizeOp Quantizer::modelIntegers(Value value) {
  auto dq = value.getDefiningOp<DequantizeOp>();
  if (!dq || !getElementTypeOrSelf(dq.getInput().getType()).isInteger(8) ||
      !isF32Tensor(dq.getResult()) || matchPattern(dq.getInput(), m_Constant()))
    return {};
  return dq;
}

std::optional<IntegerValue> Quantizer::operandOf(Value value) {
  return integerOf(value, onModelGrid(value) && rangeOf(value).has_value());
}

bool Quantizer::hasIntegerForm(Value value) {
  if (integers.count(value) || modelIntegers(value))
    return true;
  if (constantRange(value))
    return true;
  Operation *def = value.getDefiningOp();
  return def && movesData(def) && hasIntegerForm(def->getOperand(0));
}

bool Quantizer::movesData(Operation *op) {
  if (op->getNumResults() != 1 || op->getNumOperands() == 0)
    return false;
  if (auto broadcast = dyn_cast<BroadcastToOp>(op))
    return !broadcast.getTarget();
  if (auto resize = dyn_cast<ResizeOp>(op))
    return resize.getMode() == "nearest" &&
           resize.getCoordinateTransformationMode() != "tf_crop_and_resize";
  return isa<ReshapeOp, TransposeOp, MaxPoolOp, SliceOp, PadOp>(op);
}

std::optional<std::pair<double, double>> Quantizer::constantRange(Value value) {
  std::optional<std::vector<float>> values = constantValues(value);
  if (!values || values->empty() ||
      !llvm::all_of(*values, [](float v) { return std::isfinite(v); }))
    return std::nullopt;
  auto [lo, hi] = std::minmax_element(values->begin(), values->end());
  return std::make_pair(double(*lo), double(*hi));
}

std::optional<IntegerValue> Quantizer::integerOf(Value value, bool create) {
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
  if (def && movesData(def)) {
    if (std::optional<IntegerValue> source =
            integerOf(def->getOperand(0), /*create=*/false)) {
      OpBuilder b(def);
      b.setInsertionPointAfter(def);
      Operation *clone = b.clone(*def);
      clone->setOperand(0, source->value);
      clone->getResult(0).setType(
          withElement(value.getType(), b.getIntegerType(8)));
      // A constant pad value becomes the integer standing for it.
      if (auto pad = dyn_cast<PadOp>(clone))
        pad.setValueAttr(b.getF64FloatAttr((double)quantizeValue(
            pad.getValue().convertToDouble(), source->params)));
      IntegerValue result{clone->getResult(0), source->params};
      integers[value] = result;
      return result;
    }
  }
  // A constant (an add's or a concatenation's constant operand, a ViT's
  // class token or position embedding): its int8 image at its own range,
  // computed here (unless the model gave it a grid).
  if (!rangeOf(value))
    if (std::optional<std::pair<double, double>> range = constantRange(value)) {
      QuantParams params = activationParams(range->first, range->second);
      auto type = cast<RankedTensorType>(withElement(
          value.getType(), IntegerType::get(value.getContext(), 8)));
      std::vector<float> values = *constantValues(value);
      SmallVector<int8_t> q;
      for (float v : values)
        q.push_back(static_cast<int8_t>(quantizeValue(v, params)));
      OpBuilder b(value.getContext());
      b.setInsertionPointAfter(def);
      Value c = ConstantOp::create(b, value.getLoc(), type,
                                   DenseElementsAttr::get(type, ArrayRef(q)));
      IntegerValue result{c, params};
      integers[value] = result;
      return result;
    }
  if (!create && !matchPattern(value, m_Constant()))
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

namespace {

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
