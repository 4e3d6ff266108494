//===- Quantizer.h - The W8A8 rewrite's state and its rewrites --*- C++ -*-===//
//
// mica-quantize-int8 walks each function in order. A contraction (conv,
// dense layer, matmul by a constant weight) whose input and output have
// calibrated ranges becomes an i8 x i8 -> i32 op plus a graph.rescale to
// i8; its float result is replaced by a graph.dequantize of the integers,
// which later integer ops look through (`integers`), so consecutive integer
// layers never go back to float. The float ops left without users are
// removed at the end.
//
// One class holds that state; its rewrites live in one file per family:
// QuantizeInt8.cpp (the walk and what every rewrite shares),
// QuantizeContractions.cpp, QuantizeElementwise.cpp, QuantizePooling.cpp and
// QuantizeNormalization.cpp. Internal to passes/quantize.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_QUANTIZE_QUANTIZER_H
#define MICA_PASSES_QUANTIZE_QUANTIZER_H

#include "passes/quantize/Passes.h"
#include "passes/quantize/QuantParams.h"

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mica::quant {

// The MLIR and graph-dialect names the declarations below use.
using graph::AddOp;
using graph::AvgPoolOp;
using graph::ConcatOp;
using graph::DequantizeOp;
using graph::LayerNormOp;
using graph::ReduceOp;
using graph::SoftmaxOp;
using mlir::ArrayRef;
using mlir::DenseMap;
using mlir::DictionaryAttr;
using mlir::Location;
using mlir::NamedAttribute;
using mlir::OpBuilder;
using mlir::Operation;
using mlir::RankedTensorType;
using mlir::StringRef;
using mlir::Type;
using mlir::Value;

/// An integer value standing for a float one: q with real = (q - zp) * scale.
struct IntegerValue {
  Value value;
  QuantParams params;
};

/// The calibrated [lo, hi] of a float value, if calibration saw it.
std::optional<std::pair<double, double>> rangeOf(Value value);

/// Whether the range of `value` is the grid the model itself quantises it
/// on (kQuantModelGridAttr).
bool onModelGrid(Value value);

/// Whether `value` is a ranked f32 tensor (what the rewrites start from).
bool isF32Tensor(Value value);

/// `type` (a ranked tensor) with element type `element`.
RankedTensorType withElement(Type type, Type element);

/// The f32 values of a constant operand (null for a run-time value).
std::optional<std::vector<float>> constantValues(Value value);

/// What one contraction needs: its kind-specific facts, gathered by match().
struct Contraction {
  Operation *op = nullptr;
  Value input, weight, bias;
  Operation *out = nullptr; // the op whose result the rescale replaces
  std::optional<std::pair<double, double>> clamp; // fused activation bounds
  int64_t weightAxis = 0; // output channels in the weight
  int64_t resultAxis = 0; // output channels in the result
};

/// The W8A8 rewrite of one function: run() visits the ops in order and
/// rewrites each that has an integer form and calibrated (or model-given)
/// ranges; `integers` maps each replaced float value to its integers.
class Quantizer {
public:
  Quantizer(mlir::func::FuncOp func, ArrayRef<std::string> keepFloat)
      : func(func), keepFloat(keepFloat.begin(), keepFloat.end()) {}

  void run();

private:
  /// Where an elementwise integer rewrite ends: the op whose result it
  /// replaces (the float op or its fused ReLU/clamp), those bounds, and the
  /// int8 parameters of the calibrated output.
  struct Output {
    Operation *op;
    std::optional<std::pair<double, double>> clamp;
    QuantParams params;
  };

  // Shared by the rewrites (QuantizeInt8.cpp).

  /// Why `op` stays float, on the op (the report lists it).
  std::nullopt_t keep(Operation *op, StringRef reason);

  /// Whether --keep-float names `op`'s ONNX node or op type.
  bool keptByUser(Operation *op);

  /// The location of the integer ops computing `first` through `last`, its
  /// fused bias add or activation (a chain of single uses): every node they
  /// implement, so that the report counts those nodes integer too.
  static Location spanLoc(Operation *first, Operation *last);

  /// A ReLU or clamp that is the only user of `op` becomes the bounds of
  /// the rescale that ends `op`: returns it (or `op`) and sets `clamp`.
  static Operation *
  fusedActivation(Operation *op,
                  std::optional<std::pair<double, double>> &clamp);

  /// The only user of `op`'s result when it adds a constant that varies
  /// along `axis` only (one value per output channel): a bias.
  static AddOp biasAdd(Operation *op, int64_t axis);

  /// Where an integer rewrite of `op` ends; nullopt (with the reason on
  /// `op`) when the user keeps it float or no range is known.
  std::optional<Output> outputOf(Operation *op);

  /// The clamp bounds of an int8 output with parameters `out`.
  static std::pair<int64_t, int64_t>
  clampBounds(const std::optional<std::pair<double, double>> &clamp,
              QuantParams out);

  /// The rescale of `input` to the int8 result of `out` (or i32 when
  /// `element` says so), with `clamp` bounds (none: the type's range).
  Value buildRescale(OpBuilder &b, Location loc, Value input, Type resultType,
                     ArrayRef<int64_t> multipliers, ArrayRef<int64_t> shifts,
                     int64_t axis, int64_t inputZeroPoint,
                     int64_t outputZeroPoint,
                     std::optional<std::pair<int64_t, int64_t>> bounds);

  /// Where an integer rewrite of `op` ends (outputOf) and the fixed-point
  /// requantisation from its integers' scale `scale` to the output's;
  /// nullopt, with `op` kept float and the reason on it, without one.
  std::optional<std::pair<Output, FixedPoint>> requantized(Operation *op,
                                                           double scale);

  /// What an integer layer is, for the report: its parameters, `extra`
  /// facts, and the calibration key of the float value it replaces (that of
  /// `replaced`'s result, if calibration gave one).
  static DictionaryAttr quantInfo(OpBuilder &b, QuantParams in, QuantParams out,
                                  Operation *replaced,
                                  ArrayRef<NamedAttribute> extra = {});

  /// keep() for rewrites that return nothing.
  void keepVoid(Operation *op, StringRef reason) { (void)keep(op, reason); }

  /// Ends a rewrite whose i32 value `acc` stands for `out.op`'s result with
  /// input parameters `in`: records them on `acc`'s op for the report,
  /// rescales `acc` (minus `inputZeroPoint`) by `m` to the int8 output with
  /// the fused clamp, and finish()es.
  void finishFromI32(OpBuilder &b, Location loc, Value acc, QuantParams in,
                     const Output &out, FixedPoint m,
                     int64_t inputZeroPoint = 0);

  /// Replaces the float `result` by the dequantised integers `q`, which
  /// later integer ops read directly.
  void finish(OpBuilder &b, Location loc, Value result, Value q,
              QuantParams params);

  /// `x` padded along its spatial dims by `pads` (ONNX order, begin then
  /// end) with its zero point, so that padded positions stand for 0.
  static Value padByZeroPoint(OpBuilder &b, Location loc, IntegerValue x,
                              ArrayRef<int64_t> pads);

  /// The dequantize of 8-bit integers of the model (not of a constant, which
  /// folds) that defines `value`, if any.
  static DequantizeOp modelIntegers(Value value);

  /// The integer form of an operand of an elementwise op or a product:
  /// integerOf, and for a value on the model's own grid (a QDQ model's
  /// quantised value, a QOperator op's constant operand) its integers on
  /// that grid, which lose nothing.
  std::optional<IntegerValue> operandOf(Value value);

  /// Whether `op` only moves or copies its input's elements, so that it
  /// runs on the integers with the same parameters: reshape, transpose,
  /// slice, max pool, broadcast, nearest resize, pad (its constant
  /// quantised).
  static bool movesData(Operation *op);

  /// [min, max] of a constant with finite f32 values, if `value` is one.
  static std::optional<std::pair<double, double>> constantRange(Value value);

  /// Whether integerOf(value, false) would find an integer form (without
  /// building one).
  bool hasIntegerForm(Value value);

  /// The integer form of a float value: the integers a dequantize of ours
  /// reads, a data-movement op redone on the integers of its input, a
  /// constant's int8 image, or (when `create`) a graph.quantize with the
  /// value's calibrated parameters.
  std::optional<IntegerValue> integerOf(Value value, bool create);

  // Convolutions, dense layers and matmuls by a constant weight
  // (QuantizeContractions.cpp).

  /// Whether given weights needed per-channel offsets to fit int8.
  static bool hasOffsets(const ChannelWeights &weights);

  /// The contraction `op` is, with its bias add and fused activation, when
  /// it can become integer; nullopt (with the reason on `op`) otherwise.
  std::optional<Contraction> match(Operation *op);

  /// `c` as an i8 x i8 -> i32 op with the input's zero point folded into
  /// an i32 bias, then a per-channel rescale to int8.
  void rewrite(const Contraction &c);

  // Adds, products, scalings, lookup tables and concatenations
  // (QuantizeElementwise.cpp).

  /// A float add of two integer values (a residual connection, with
  /// broadcasting): each side is rescaled to i32 at 2^20 / (2 max(s_a, s_b))
  /// steps per unit, the sum rescaled to int8 (TFLite's and TOSA's integer
  /// add).
  void rewriteAdd(AddOp add);

  /// A concatenation of integer values: each input whose parameters differ
  /// from the output's is rescaled to them, then the integers are joined.
  void rewriteConcat(ConcatOp concat);

  /// The real function of a unary op the integer path tabulates, or null.
  static std::function<double(double)> tabulated(Operation *op);

  /// A unary activation of an integer value: a 256-entry table from the
  /// input's integers to the output's (TOSA TABLE), computed in double.
  void rewriteTable(Operation *op, const std::function<double(double)> &f);

  /// Whether `op` is a matmul of two activations (attention's q k^T and
  /// weights x v, a QLinearMatMul of two run-time operands): its right
  /// operand is computed at run time, or is a constant batch of matrices
  /// the model quantised (a constant matrix is a weight: match()).
  bool isProductOfIntegers(Operation *op);

  /// A product of two integer values: elementwise (squeeze-and-excitation
  /// scaling) or a matmul of two activations. Each side minus its zero
  /// point in i32, an exact i32 product (broadcasting / batching as the
  /// float one did), one rescale to int8. A matmul's operands may be
  /// quantised here (an input of a float op); an elementwise product's must
  /// be integer already or on the model's grid (operandOf).
  void rewriteProduct(Operation *op);

  /// The positive scalar constant a Mul or Div scales by, if it is one.
  std::optional<double> scalarOperand(Operation *op);

  /// An integer value times (or over) a positive constant (attention's
  /// 1 / sqrt(d)): the same integers at another scale, one rescale to the
  /// output's calibrated parameters.
  void rewriteScaling(Operation *op);

  // Means and average pools (QuantizePooling.cpp).

  /// A mean over static axes of an integer value (GlobalAveragePool,
  /// ReduceMean): the i32 sum of the integers minus count * zp, rescaled
  /// by s_in / (count s_out).
  void rewriteMean(ReduceOp reduce);

  /// An average pool of an integer value: the i32 sums of (x - zp) over the
  /// windows (a depthwise convolution by ones of the input padded with its
  /// zero point, whose bias removes the zero point of every tap), divided
  /// by each window's count within the rescale to int8. Counts are a
  /// product of one count per spatial axis; an axis whose counts vary
  /// (padding not counted) gets a rescale of its own along that axis,
  /// keeping `bits` fractional bits in i32 until the last one.
  void rewriteAvgPool(AvgPoolOp pool);

  // Softmax and layer normalisation (QuantizeNormalization.cpp).

  /// Softmax of an integer value (attention's weights):
  /// graph.integer_softmax, whose exponentials are a 16-bit fixed-point
  /// table for the input's scale. The output range is [0, the largest
  /// probability calibration saw] (attention weights are mostly small: a
  /// whole 0 .. 1 range would leave them a step or two), [0, 1] without
  /// calibration.
  void rewriteSoftmax(SoftmaxOp softmax);

  /// Layer normalisation over the last dim of an integer value with
  /// constant scale and bias: graph.integer_layer_norm, its scale, bias and
  /// epsilon folded with the input's and the output's parameters.
  void rewriteLayerNorm(LayerNormOp norm);

  mlir::func::FuncOp func;
  std::set<std::string> keepFloat;
  DenseMap<Value, IntegerValue> integers;
};

} // namespace mica::quant

#endif // MICA_PASSES_QUANTIZE_QUANTIZER_H
