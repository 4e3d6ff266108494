//===- RecurrentPatterns.cpp - RNN, GRU and LSTM, unrolled ----------------===//
//
// ONNX's recurrent ops over a static number of time steps become the
// unrolled chain of graph ops their equations describe (matmuls with the
// transposed weights, gate slices, activations), one direction after the
// other. With sequence_lens, a batch entry past its length keeps its state
// and outputs zeros. layout = 1 (batch-major X and Y) transposes around the
// time-major computation.
//
//   RNN   H = f(x W^T + h R^T + Wb + Rb)
//   GRU   z, r = sigmoid(...); h~ = g(x Wh^T + (r * h) Rh^T + Rbh + Wbh)
//         (linear_before_reset: r * (h Rh^T + Rbh)); H = (1 - z) h~ + z h
//   LSTM  i, f = sigmoid(... + P * c); c~ = g(...); C = f c + i c~;
//         o = sigmoid(... + Po * C); H = o h(C)
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

enum class Cell { RNN, GRU, LSTM };

class Unroller {
public:
  Unroller(PatternRewriter &rewriter, Location loc, Type element)
      : rw(rewriter), loc(loc), element(element) {}

  Value slice(Value v, int64_t axis, int64_t start, int64_t end) {
    return sliceAlong(rw, loc, v, axis, start, end);
  }
  Value reshape(Value v, ArrayRef<int64_t> shape) {
    return createValue<graph::ReshapeOp>(rw, loc, v, Value(),
                                         rw.getDenseI64ArrayAttr(shape));
  }
  Value transpose(Value v, ArrayRef<int64_t> perm) {
    return createValue<graph::TransposeOp>(rw, loc, v,
                                           rw.getDenseI64ArrayAttr(perm));
  }
  Value add(Value a, Value b) {
    return createValue<graph::AddOp>(rw, loc, a, b);
  }
  Value sub(Value a, Value b) {
    return createValue<graph::SubOp>(rw, loc, a, b);
  }
  Value mul(Value a, Value b) {
    return createValue<graph::MulOp>(rw, loc, a, b);
  }
  Value matmul(Value a, Value b) {
    return createValue<graph::MatmulOp>(rw, loc, a, b);
  }
  Value scalar(double v) { return createScalarConstant(rw, loc, element, v); }
  Value zeros(ArrayRef<int64_t> shape) {
    return graph::ConstantOp::create(
        rw, loc,
        DenseElementsAttr::get(RankedTensorType::get(shape, element),
                               rw.getFloatAttr(element, 0.0)));
  }

  /// An ONNX activation by name, with its alpha/beta where it has them.
  Value activate(StringRef name, Value v, std::optional<double> alpha,
                 std::optional<double> beta) {
    auto type = cast<RankedTensorType>(v.getType());
    if (name == "Sigmoid")
      return graph::SigmoidOp::create(rw, loc, type, v);
    if (name == "Tanh")
      return graph::TanhOp::create(rw, loc, type, v);
    if (name == "Relu")
      return graph::ReluOp::create(rw, loc, type, v);
    if (name == "LeakyRelu")
      return graph::LeakyReluOp::create(
          rw, loc, type, v, rw.getF64FloatAttr(alpha.value_or(0.01)));
    if (name == "Elu")
      return graph::EluOp::create(rw, loc, type, v,
                                  rw.getF64FloatAttr(alpha.value_or(1.0)));
    if (name == "HardSigmoid")
      return graph::HardSigmoidOp::create(
          rw, loc, type, v, rw.getF64FloatAttr(alpha.value_or(0.2)),
          rw.getF64FloatAttr(beta.value_or(0.5)));
    if (name == "Softplus")
      return graph::SoftplusOp::create(rw, loc, type, v);
    if (name == "Affine")
      return add(mul(v, scalar(alpha.value_or(1.0))),
                 scalar(beta.value_or(0.0)));
    if (name == "ScaledTanh")
      return mul(graph::TanhOp::create(rw, loc, type,
                                       mul(v, scalar(beta.value_or(1.0)))),
                 scalar(alpha.value_or(1.0)));
    return Value();
  }

  PatternRewriter &rw;
  Location loc;
  Type element;
};

bool isKnownActivation(StringRef name) {
  return llvm::is_contained({"Sigmoid", "Tanh", "Relu", "LeakyRelu", "Elu",
                             "HardSigmoid", "Softplus", "Affine", "ScaledTanh"},
                            name);
}

template <typename OnnxOp, Cell cell>
struct RecurrentPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;

  static constexpr int64_t gates() {
    return cell == Cell::RNN ? 1 : cell == Cell::GRU ? 3 : 4;
  }

  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    auto operand = [&](unsigned i) -> Value {
      if (i >= op->getNumOperands() || isNone(op->getOperand(i)))
        return Value();
      return op->getOperand(i);
    };
    Value x = operand(0), w = operand(1), r = operand(2), b = operand(3),
          lens = operand(4), h0 = operand(5);
    Value c0 = cell == Cell::LSTM ? operand(6) : Value();
    Value p = cell == Cell::LSTM ? operand(7) : Value();
    auto xType = getGraphTensor(x.getType());
    auto wType = getGraphTensor(w.getType());
    if (!xType || !wType || !xType.hasStaticShape() || xType.getRank() != 3 ||
        !hasFloatElements(xType) || !wType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static float X and W");
    for (Value v : {r, b, h0, c0, p})
      if (v && (!getGraphTensor(v.getType()) ||
                !cast<RankedTensorType>(v.getType()).hasStaticShape()))
        return rewriter.notifyMatchFailure(op, "needs static operands");
    if (lens && !getGraphTensor(lens.getType()))
      return rewriter.notifyMatchFailure(op, "sequence_lens is not a tensor");
    auto layoutAttr = op->template getAttrOfType<IntegerAttr>("layout");
    bool batchMajor = layoutAttr && layoutAttr.getInt() != 0;
    auto directionAttr = op->template getAttrOfType<StringAttr>("direction");
    StringRef direction = directionAttr ? directionAttr.getValue() : "forward";
    int64_t dirs = direction == "bidirectional" ? 2 : 1;
    int64_t hidden = wType.getDimSize(1) / gates();
    if (auto hs = op->template getAttrOfType<IntegerAttr>("hidden_size"))
      hidden = hs.getInt();
    if (wType.getDimSize(0) != dirs || wType.getDimSize(1) != gates() * hidden)
      return rewriter.notifyMatchFailure(op, "unexpected weight shape");
    if (op->template getAttrOfType<FloatAttr>("clip"))
      return rewriter.notifyMatchFailure(op, "clip is not supported");
    if (auto forget = op->template getAttrOfType<IntegerAttr>("input_forget"))
      if (forget.getInt() != 0)
        return rewriter.notifyMatchFailure(op, "input_forget");
    if (lens && direction != "forward")
      return rewriter.notifyMatchFailure(op, "sequence_lens of a reverse pass");

    // Activations: the defaults, or the attribute's list (per direction).
    SmallVector<StringRef> acts;
    if (auto list = op->template getAttrOfType<ArrayAttr>("activations")) {
      for (Attribute a : list)
        acts.push_back(cast<StringAttr>(a).getValue());
    } else {
      SmallVector<StringRef> defaults =
          cell == Cell::RNN ? SmallVector<StringRef>{"Tanh"}
          : cell == Cell::GRU
              ? SmallVector<StringRef>{"Sigmoid", "Tanh"}
              : SmallVector<StringRef>{"Sigmoid", "Tanh", "Tanh"};
      for (int64_t d = 0; d < dirs; ++d)
        acts.append(defaults.begin(), defaults.end());
    }
    size_t perDir = cell == Cell::RNN ? 1 : cell == Cell::GRU ? 2 : 3;
    if (acts.size() != perDir * dirs ||
        !llvm::all_of(acts, [](StringRef a) { return isKnownActivation(a); }))
      return rewriter.notifyMatchFailure(op, "unsupported activations");
    SmallVector<double> alphas, betas;
    if (auto list = op->template getAttrOfType<ArrayAttr>("activation_alpha"))
      alphas = getF64s(list);
    if (auto list = op->template getAttrOfType<ArrayAttr>("activation_beta"))
      betas = getF64s(list);

    Location loc = op.getLoc();
    Type element = xType.getElementType();
    Unroller u(rewriter, loc, element);
    if (batchMajor)
      x = u.transpose(x, {1, 0, 2});
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t steps = xt.getDimSize(0), batch = xt.getDimSize(1),
            inputSize = xt.getDimSize(2);

    // Per step: t < len[b] ([batch, 1] bool), when sequence_lens is given.
    SmallVector<Value> valid;
    if (lens) {
      Value len = u.reshape(
          castElements(rewriter, loc, lens, rewriter.getI64Type()), {batch, 1});
      for (int64_t t = 0; t < steps; ++t)
        valid.push_back(createValue<graph::LessOp>(
            rewriter, loc,
            createScalarConstant(rewriter, loc, rewriter.getI64Type(), t),
            len));
    }

    SmallVector<Value> ys(dirs), hs(dirs), cs(dirs);
    size_t actIndex = 0;
    for (int64_t d = 0; d < dirs; ++d) {
      bool reverse = direction == "reverse" || d == 1;
      auto act = [&](unsigned k, Value v) {
        size_t i = actIndex + k;
        std::optional<double> alpha, beta;
        if (i < alphas.size())
          alpha = alphas[i];
        if (i < betas.size())
          beta = betas[i];
        return u.activate(acts[i], v, alpha, beta);
      };
      Value wd = u.transpose(
          u.reshape(u.slice(w, 0, d, d + 1), {gates() * hidden, inputSize}),
          {1, 0});
      Value rd = u.transpose(
          u.reshape(u.slice(r, 0, d, d + 1), {gates() * hidden, hidden}),
          {1, 0});
      Value wb, rb;
      if (b) {
        Value bd = u.reshape(u.slice(b, 0, d, d + 1), {2 * gates() * hidden});
        wb = u.slice(bd, 0, 0, gates() * hidden);
        rb = u.slice(bd, 0, gates() * hidden, 2 * gates() * hidden);
      }
      Value h = h0 ? u.reshape(u.slice(h0, 0, d, d + 1), {batch, hidden})
                   : u.zeros({batch, hidden});
      Value c;
      if (cell == Cell::LSTM)
        c = c0 ? u.reshape(u.slice(c0, 0, d, d + 1), {batch, hidden})
               : u.zeros({batch, hidden});
      Value pi, po, pf;
      if (p) {
        Value pd = u.reshape(u.slice(p, 0, d, d + 1), {3 * hidden});
        pi = u.slice(pd, 0, 0, hidden);
        po = u.slice(pd, 0, hidden, 2 * hidden);
        pf = u.slice(pd, 0, 2 * hidden, 3 * hidden);
      }
      auto gate = [&](Value all, int64_t g) {
        return u.slice(all, 1, g * hidden, (g + 1) * hidden);
      };
      auto gateBias = [&](Value bias, int64_t g) {
        return u.slice(bias, 0, g * hidden, (g + 1) * hidden);
      };
      SmallVector<Value> outputs(steps);
      for (int64_t s = 0; s < steps; ++s) {
        int64_t t = reverse ? steps - 1 - s : s;
        Value xs = u.reshape(u.slice(x, 0, t, t + 1), {batch, inputSize});
        Value xw = u.matmul(xs, wd);
        if (wb)
          xw = u.add(xw, wb);
        Value hr = u.matmul(h, rd);
        Value newH, newC;
        if (cell == Cell::RNN) {
          Value pre = u.add(xw, hr);
          if (rb)
            pre = u.add(pre, rb);
          newH = act(0, pre);
        } else if (cell == Cell::GRU) {
          auto lbrAttr =
              op->template getAttrOfType<IntegerAttr>("linear_before_reset");
          bool linearBeforeReset = lbrAttr && lbrAttr.getInt() != 0;
          Value hrb = rb ? u.add(hr, rb) : hr;
          Value z = act(0, u.add(gate(xw, 0), gate(hrb, 0)));
          Value rg = act(0, u.add(gate(xw, 1), gate(hrb, 1)));
          Value candidate;
          if (linearBeforeReset) {
            candidate = u.add(gate(xw, 2), u.mul(rg, gate(hrb, 2)));
          } else {
            Value rh =
                u.matmul(u.mul(rg, h), u.slice(rd, 1, 2 * hidden, 3 * hidden));
            if (rb)
              rh = u.add(rh, gateBias(rb, 2));
            candidate = u.add(gate(xw, 2), rh);
          }
          Value hTilde = act(1, candidate);
          newH = u.add(u.mul(u.sub(u.scalar(1.0), z), hTilde), u.mul(z, h));
        } else {
          Value pre = u.add(xw, hr);
          if (rb)
            pre = u.add(pre, rb);
          Value ig = gate(pre, 0), og = gate(pre, 1), fg = gate(pre, 2),
                cg = gate(pre, 3);
          if (pi) {
            ig = u.add(ig, u.mul(pi, c));
            fg = u.add(fg, u.mul(pf, c));
          }
          Value i = act(0, ig), f = act(0, fg), cTilde = act(1, cg);
          newC = u.add(u.mul(f, c), u.mul(i, cTilde));
          if (po)
            og = u.add(og, u.mul(po, newC));
          Value o = act(0, og);
          newH = u.mul(o, act(2, newC));
        }
        if (!newH)
          return rewriter.notifyMatchFailure(op, "shapes do not combine");
        Value out = newH;
        if (!valid.empty()) {
          out = createValue<graph::SelectOp>(rewriter, loc, valid[t], newH,
                                             u.zeros({batch, hidden}));
          newH = createValue<graph::SelectOp>(rewriter, loc, valid[t], newH, h);
          if (newC)
            newC =
                createValue<graph::SelectOp>(rewriter, loc, valid[t], newC, c);
        }
        outputs[t] = u.reshape(out, {1, 1, batch, hidden});
        h = newH;
        c = newC;
      }
      ys[d] = createValue<graph::ConcatOp>(rewriter, loc, ValueRange(outputs),
                                           rewriter.getI64IntegerAttr(0));
      hs[d] = u.reshape(h, {1, batch, hidden});
      if (c)
        cs[d] = u.reshape(c, {1, batch, hidden});
      actIndex += perDir;
    }
    auto join = [&](ArrayRef<Value> parts, int64_t axis) {
      if (parts.size() == 1)
        return parts.front();
      return createValue<graph::ConcatOp>(rewriter, loc, ValueRange(parts),
                                          rewriter.getI64IntegerAttr(axis));
    };
    Value y = join(ys, 1), yh = join(hs, 0);
    Value yc = cell == Cell::LSTM ? join(cs, 0) : Value();
    if (batchMajor) {
      y = u.transpose(y, {2, 0, 1, 3});
      yh = u.transpose(yh, {1, 0, 2});
      if (yc)
        yc = u.transpose(yc, {1, 0, 2});
    }
    SmallVector<Value> results{y, yh};
    if (cell == Cell::LSTM)
      results.push_back(yc);
    SmallVector<Value> used;
    for (auto [result, value] : llvm::zip(op->getResults(), results)) {
      if (result.use_empty()) {
        used.push_back(Value());
        continue;
      }
      if (!value || !canStandFor(result, value))
        return rewriter.notifyMatchFailure(op, "result types differ");
      used.push_back(value);
    }
    replaceResults(rewriter, op, used);
    return success();
  }
};

} // namespace

void mica::onnx_to_graph::populateRecurrentPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RecurrentPattern<onnx::RNNOp, Cell::RNN>,
               RecurrentPattern<onnx::GRUOp, Cell::GRU>,
               RecurrentPattern<onnx::LSTMOp, Cell::LSTM>>(
      patterns.getContext());
}
