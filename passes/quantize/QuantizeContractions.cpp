//===- QuantizeContractions.cpp - Integer convolutions and dense layers ---===//
//
// A conv, dense layer or matmul by a constant weight (with its bias add
// and fused ReLU/clamp) as i8 x i8 -> i32 with an i32 bias that folds in
// the input's zero point, then one per-channel rescale to int8.
//
//===----------------------------------------------------------------------===//
#include "passes/quantize/Quantizer.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <climits>
#include <cmath>

using namespace mlir;
using namespace mica;
using namespace mica::graph;
using namespace mica::quant;

bool Quantizer::hasOffsets(const ChannelWeights &weights) {
  return llvm::any_of(weights.offsets, [](int64_t o) { return o != 0; });
}

std::optional<Contraction> Quantizer::match(Operation *op) {
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

void Quantizer::rewrite(const Contraction &c) {
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

  if (llvm::any_of(bias,
                   [](int64_t v) { return v < INT32_MIN || v > INT32_MAX; })) {
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
      SmallVector<int64_t> sumShape(cast<RankedTensorType>(accType).getShape());
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
    acc =
        AddOp::create(b, loc, accType, acc,
                      MulOp::create(b, loc, accType, windowSums, offsetValue));
  }

  Value result = c.out->getResult(0);
  Value rescale =
      buildRescale(b, loc, acc, withElement(result.getType(), i8), multipliers,
                   shifts, channels > 1 ? c.resultAxis : 0, 0, out.zeroPoint,
                   clampBounds(c.clamp, out));
  contraction->setAttr(
      kQuantInfoAttr,
      quantInfo(b, input->params, out, c.out,
                {b.getNamedAttr("weight_scales",
                                b.getDenseF64ArrayAttr(qw.scales))}));
  finish(b, loc, result, rescale, out);
}
