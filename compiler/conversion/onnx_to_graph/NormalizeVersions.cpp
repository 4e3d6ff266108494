//===- NormalizeVersions.cpp - Older onnx op versions in the newest form --===//
//
// The onnx dialect has one op per schema version (`onnx.Slice_v1`,
// `onnx.Slice_v10`, ..., `onnx.Slice`). This pass rewrites every older
// version into the newest op, so that the conversion to the graph dialect
// (and every later pass) only knows one form per operator.
//
// Most versions differ from the newest only in the types they allow or in
// attributes that the newest version added with a default that keeps the old
// meaning: those are renamed (operands and results the newest version added
// as optional are passed as absent). Legacy attributes with no meaning for
// inference (`consumed_inputs`, `is_test`, Dropout's `ratio`) are dropped.
// Versions whose form or meaning changed are rewritten by a dedicated
// function in kFormChanges: attributes that became operands (Slice-1,
// Reshape-1, Squeeze/Unsqueeze/ReduceSum axes, Split, Clip, Pad, TopK),
// Softmax-1/11's "coerce to 2-D" axis, opset-1/6 `broadcast`/`axis`
// broadcasting, PRelu-1/6's per-channel slope, Cast-1's string type,
// Upsample and Resize-10 (Resize with asymmetric coordinates and floor
// rounding), Scatter (ScatterElements), RoiAlign-10 (output_half_pixel),
// LpPool's float `p`, Tile-1's single axis, BatchNormalization-1..9's
// training outputs.
//
// A version that cannot be written in the newest form keeps its op, and the
// conversion reports it (exit 3) with the reason recorded here as a
// `mica.unnormalized` attribute. The one deliberate exception is Scan-8,
// whose batched form has no newest-Scan equivalent: it has its own lowering.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/Passes.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringMap.h"

namespace mica {
#define GEN_PASS_DEF_NORMALIZEONNXVERSIONS
#include "compiler/conversion/onnx_to_graph/Passes.h.inc"
} // namespace mica

using namespace mlir;
namespace onnx = mica::onnxir;

namespace {

/// Splits `onnx.X_vN` into X and N; false for a newest-version op.
bool splitVersion(Operation *op, StringRef &opType, int &version) {
  opType = onnx::getOnnxOpType(op);
  StringRef name = op->getName().stripDialect();
  name = name.substr(name.rfind('.') + 1); // without a domain prefix
  return !opType.empty() && name.size() > opType.size() &&
         !name.drop_front(opType.size() + 2).getAsInteger(10, version);
}

/// The number of operands (or results) an op always has; -1 when variadic.
template <template <unsigned> class N, typename Zero, typename One,
          size_t... Is>
int fixedCount(OperationName name, std::index_sequence<Is...>) {
  if (name.hasTrait<Zero::template Impl>())
    return 0;
  if (name.hasTrait<One::template Impl>())
    return 1;
  int count = -1;
  ((name.hasTrait<N<Is + 2>::template Impl>() ? (count = Is + 2) : 0), ...);
  return count;
}

struct ZeroOperandsT {
  template <typename T> using Impl = OpTrait::ZeroOperands<T>;
};
struct OneOperandT {
  template <typename T> using Impl = OpTrait::OneOperand<T>;
};
struct ZeroResultsT {
  template <typename T> using Impl = OpTrait::ZeroResults<T>;
};
struct OneResultT {
  template <typename T> using Impl = OpTrait::OneResult<T>;
};

int operandCount(OperationName name) {
  return fixedCount<OpTrait::NOperands, ZeroOperandsT, OneOperandT>(
      name, std::make_index_sequence<15>());
}
int resultCount(OperationName name) {
  return fixedCount<OpTrait::NResults, ZeroResultsT, OneResultT>(
      name, std::make_index_sequence<15>());
}

/// Builds onnx ops by name (the newest version of each operator).
struct Builder {
  PatternRewriter &rewriter;
  Location loc;

  Value none() {
    return onnx::NoValueOp::create(rewriter, loc, rewriter.getNoneType());
  }

  Value constant(DenseElementsAttr value) {
    OperationState state(loc, "onnx.Constant");
    state.addTypes(value.getType());
    state.addAttribute("value", value);
    return rewriter.create(state)->getResult(0);
  }

  Value i64s(ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                      rewriter.getI64Type());
    return constant(DenseElementsAttr::get(type, values));
  }

  Operation *op(StringRef name, ValueRange operands, TypeRange results,
                ArrayRef<NamedAttribute> attrs = {}) {
    OperationState state(loc, ("onnx." + name).str());
    state.addOperands(operands);
    state.addTypes(results);
    state.addAttributes(attrs);
    return rewriter.create(state);
  }
};

/// A float constant of `element` (f16, bf16, f32 or f64).
DenseElementsAttr floatScalar(Type element, double value) {
  auto type = RankedTensorType::get({}, element);
  auto f = cast<FloatType>(element);
  APFloat v(value);
  bool lost = false;
  v.convert(f.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
  return DenseElementsAttr::get(type, v);
}

SmallVector<int64_t> intsOf(Attribute attr) {
  SmallVector<int64_t> out;
  if (auto array = dyn_cast_or_null<ArrayAttr>(attr))
    for (Attribute a : array)
      if (auto i = dyn_cast<IntegerAttr>(a))
        out.push_back(i.getInt());
  return out;
}

std::optional<double> floatOf(Attribute attr) {
  if (auto f = dyn_cast_or_null<FloatAttr>(attr))
    return f.getValueAsDouble();
  return std::nullopt;
}

int64_t intOf(Attribute attr, int64_t otherwise) {
  if (auto i = dyn_cast_or_null<IntegerAttr>(attr))
    return i.getInt();
  return otherwise;
}

RankedTensorType rankedOf(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

/// What a form-change rewrite hands to the generic rename: the operands,
/// attributes and (for a different newest op) the op to build.
struct Renamed {
  std::string opType;
  SmallVector<Value> operands;
  NamedAttrList attrs;
};

/// Rewrites `op` (older version `version` of `opType`) into the operands
/// and attributes of the newest version; a failure carries the reason.
using FormChange = FailureOr<Renamed> (*)(Operation *op, int version,
                                          Builder &b, std::string &why);

/// `op`'s operands and attributes for the newest op `opType` (by default its
/// own operator).
Renamed keep(Operation *op, StringRef opType = {}) {
  Renamed r;
  r.opType = (opType.empty() ? onnx::getOnnxOpType(op) : opType).str();
  r.operands.assign(op->operand_begin(), op->operand_end());
  r.attrs = NamedAttrList(op->getAttrs());
  return r;
}

/// An attribute that became an operand: `name` as a constant at `index`.
void attrToOperand(Renamed &r, StringRef name, unsigned index, Builder &b) {
  Attribute attr = r.attrs.erase(name);
  if (r.operands.size() <= index)
    r.operands.resize(index + 1, Value());
  if (!attr) {
    r.operands[index] = b.none();
    return;
  }
  SmallVector<int64_t> values = intsOf(attr);
  if (isa<IntegerAttr>(attr))
    values = {cast<IntegerAttr>(attr).getInt()};
  r.operands[index] = b.i64s(values);
}

FailureOr<Renamed> softmax(Operation *op, int, Builder &b, std::string &why) {
  // Versions 1 and 11 flatten the input to 2-D at `axis` (default 1) and
  // normalise each row; 13 normalises along `axis` (default -1).
  Value x = op->getOperand(0);
  auto type = rankedOf(x);
  if (!type) {
    return failure(); // Unranked for now: retried once types are refined.
  }
  int64_t rank = type.getRank();
  int64_t axis = intOf(op->getAttr("axis"), 1);
  if (axis < 0)
    axis += rank;
  StringRef opType = onnx::getOnnxOpType(op);
  Renamed r = keep(op);
  r.attrs.erase("axis");
  if (axis >= rank - 1 || rank == 0) {
    r.attrs.set("axis", b.rewriter.getI64IntegerAttr(-1));
    return r;
  }
  // Flatten, normalise the rows, reshape back.
  int64_t rows = 1, cols = 1;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = type.getDimSize(i);
    int64_t &side = i < axis ? rows : cols;
    side = (side == ShapedType::kDynamic || d == ShapedType::kDynamic)
               ? ShapedType::kDynamic
               : side * d;
  }
  auto flatType = RankedTensorType::get({rows, cols}, type.getElementType());
  Value flat = b.op("Flatten", {x}, {flatType},
                    {b.rewriter.getNamedAttr(
                        "axis", b.rewriter.getI64IntegerAttr(axis))})
                   ->getResult(0);
  Value normalised =
      b.op(opType, {flat}, {flatType},
           {b.rewriter.getNamedAttr("axis", b.rewriter.getI64IntegerAttr(1))})
          ->getResult(0);
  auto shapeType = RankedTensorType::get({rank}, b.rewriter.getI64Type());
  Value shape = b.op("Shape", {x}, {shapeType})->getResult(0);
  Renamed reshape;
  reshape.opType = "Reshape";
  reshape.operands = {normalised, shape};
  return reshape;
}

FailureOr<Renamed> legacyBroadcast(Operation *op, int, Builder &b,
                                   std::string &why) {
  Renamed r = keep(op);
  Attribute broadcast = r.attrs.erase("broadcast");
  Attribute axisAttr = r.attrs.erase("axis");
  if (intOf(broadcast, 0) == 0)
    return r; // Same shapes: numpy broadcasting agrees.
  auto lhs = rankedOf(op->getOperand(0));
  auto rhs = rankedOf(op->getOperand(1));
  if (!lhs || !rhs) {
    return failure(); // Unranked for now: retried once types are refined.
  }
  int64_t axis = axisAttr ? intOf(axisAttr, 0) : lhs.getRank() - rhs.getRank();
  if (axis < 0)
    axis += lhs.getRank();
  int64_t trailing = lhs.getRank() - axis - rhs.getRank();
  if (axis < 0 || trailing < 0) {
    why = "opset-1/6 broadcast axis out of range";
    return failure();
  }
  if (trailing == 0)
    return r;
  // B is aligned at `axis` of A: give it trailing unit dims.
  SmallVector<int64_t> axes, shape(rhs.getShape());
  for (int64_t i = 0; i < trailing; ++i) {
    axes.push_back(rhs.getRank() + i);
    shape.push_back(1);
  }
  r.operands[1] = b.op("Unsqueeze", {op->getOperand(1), b.i64s(axes)},
                       {RankedTensorType::get(shape, rhs.getElementType())})
                      ->getResult(0);
  return r;
}

FailureOr<Renamed> prelu(Operation *op, int version, Builder &b,
                         std::string &) {
  // Versions 1 and 6: a 1-D slope of C values applies per channel (dim 1).
  Renamed r = keep(op, "PRelu");
  if (version >= 7)
    return r;
  auto x = rankedOf(op->getOperand(0));
  auto slope = rankedOf(op->getOperand(1));
  if (!x || !slope)
    return failure(); // Unranked for now: retried once types are refined.
  if (slope.getRank() == 1 && x.getRank() > 2 && slope.getDimSize(0) != 1) {
    SmallVector<int64_t> shape(x.getRank() - 1, 1);
    shape[0] = slope.getDimSize(0);
    r.operands[1] = b.op("Reshape", {op->getOperand(1), b.i64s(shape)},
                         {RankedTensorType::get(shape, slope.getElementType())})
                        ->getResult(0);
  }
  return r;
}

FailureOr<Renamed> castTo(Operation *op, int version, Builder &b,
                          std::string &why) {
  Renamed r = keep(op, "Cast");
  if (version >= 6)
    return r;
  auto to = dyn_cast_or_null<StringAttr>(r.attrs.get("to"));
  static const std::pair<const char *, int64_t> kTypes[] = {
      {"FLOAT", 1},   {"UINT8", 2},    {"INT8", 3},    {"UINT16", 4},
      {"INT16", 5},   {"INT32", 6},    {"INT64", 7},   {"STRING", 8},
      {"BOOL", 9},    {"FLOAT16", 10}, {"DOUBLE", 11}, {"UINT32", 12},
      {"UINT64", 13}, {"BFLOAT16", 16}};
  for (const auto &[name, code] : kTypes)
    if (to && to.getValue().equals_insensitive(name)) {
      r.attrs.set("to", b.rewriter.getI64IntegerAttr(code));
      return r;
    }
  why = "Cast-1 to an unknown type name";
  return failure();
}

FailureOr<Renamed> reshape(Operation *op, int version, Builder &b,
                           std::string &) {
  Renamed r = keep(op, "Reshape");
  if (version < 5)
    attrToOperand(r, "shape", 1, b);
  return r;
}

FailureOr<Renamed> slice(Operation *op, int version, Builder &b,
                         std::string &) {
  Renamed r = keep(op, "Slice");
  if (version < 10) {
    attrToOperand(r, "starts", 1, b);
    attrToOperand(r, "ends", 2, b);
    attrToOperand(r, "axes", 3, b);
    r.operands.resize(5, Value());
    r.operands[4] = b.none();
  }
  return r;
}

/// Squeeze, Unsqueeze and ReduceSum: `axes` became operand 1 in version 13.
FailureOr<Renamed> axesOperand(Operation *op, int version, Builder &b,
                               std::string &) {
  Renamed r = keep(op);
  if (version < 13)
    attrToOperand(r, "axes", 1, b);
  return r;
}

FailureOr<Renamed> split(Operation *op, int version, Builder &b,
                         std::string &) {
  Renamed r = keep(op, "Split");
  if (version >= 13)
    return r;
  // Version 1 also took the sizes as an optional second operand.
  if (r.operands.size() > 1 && !isa<NoneType>(r.operands[1].getType())) {
    r.attrs.erase("split");
    return r;
  }
  r.operands.resize(1);
  attrToOperand(r, "split", 1, b);
  return r;
}

FailureOr<Renamed> clip(Operation *op, int version, Builder &b,
                        std::string &why) {
  Renamed r = keep(op, "Clip");
  if (version >= 11)
    return r;
  Type element = getElementTypeOrSelf(op->getOperand(0).getType());
  if (!isa<FloatType>(element)) {
    why = "Clip-1/6 of a non-float tensor";
    return failure();
  }
  r.operands.resize(3);
  for (auto [index, name] : {std::pair<unsigned, StringRef>{1, "min"},
                             std::pair<unsigned, StringRef>{2, "max"}}) {
    std::optional<double> v = floatOf(r.attrs.erase(name));
    r.operands[index] = v ? b.constant(floatScalar(element, *v)) : b.none();
  }
  return r;
}

FailureOr<Renamed> pad(Operation *op, int version, Builder &b,
                       std::string &why) {
  Renamed r = keep(op, "Pad");
  if (version >= 11)
    return r;
  Type element = getElementTypeOrSelf(op->getOperand(0).getType());
  attrToOperand(r, version < 2 ? "paddings" : "pads", 1, b);
  std::optional<double> value = floatOf(r.attrs.erase("value"));
  r.operands.resize(3);
  if (value && *value != 0.0) {
    if (!isa<FloatType>(element)) {
      why = "Pad-1/2 value on a non-float tensor";
      return failure();
    }
    r.operands[2] = b.constant(floatScalar(element, *value));
  } else {
    r.operands[2] = b.none();
  }
  return r;
}

FailureOr<Renamed> topk(Operation *op, int version, Builder &b, std::string &) {
  Renamed r = keep(op, "TopK");
  if (version < 10)
    attrToOperand(r, "k", 1, b);
  return r;
}

FailureOr<Renamed> dropout(Operation *op, int version, Builder &b,
                           std::string &why) {
  // Inference: the identity; the ratio (an attribute before 12) is unused.
  Renamed r = keep(op, "Dropout");
  if (version >= 12)
    return r;
  r.attrs.erase("ratio");
  r.attrs.erase("is_test");
  if (op->getNumResults() > 1 && !op->getResult(1).use_empty() &&
      !getElementTypeOrSelf(op->getResult(1).getType()).isInteger(1)) {
    why = "the mask of Dropout before version 10 has the data's type";
    return failure();
  }
  r.operands.resize(3);
  r.operands[1] = b.none();
  r.operands[2] = b.none();
  return r;
}

/// Upsample (every version) and Resize-10: Resize with asymmetric
/// coordinates and floor rounding, scales only.
FailureOr<Renamed> upsample(Operation *op, int version, Builder &b,
                            std::string &why) {
  bool isResize = op->getName().stripDialect().starts_with("Resize");
  Renamed r = keep(op, "Resize");
  if (isResize && version > 10)
    return r;
  Value scales = op->getNumOperands() > 1 ? op->getOperand(1) : Value();
  if (!isResize && version < 9) {
    SmallVector<double> values;
    if (version < 7) {
      std::optional<double> h = floatOf(r.attrs.erase("height_scale"));
      std::optional<double> w = floatOf(r.attrs.erase("width_scale"));
      if (!h || !w) {
        why = "Upsample-1 without height_scale and width_scale";
        return failure();
      }
      values = {1.0, 1.0, *h, *w};
    } else if (auto array =
                   dyn_cast_or_null<ArrayAttr>(r.attrs.get("scales"))) {
      for (Attribute a : array)
        values.push_back(cast<FloatAttr>(a).getValueAsDouble());
    }
    r.attrs.erase("scales");
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                      b.rewriter.getF32Type());
    SmallVector<float> floats(values.begin(), values.end());
    scales = b.constant(DenseElementsAttr::get(type, ArrayRef<float>(floats)));
  }
  if (!scales) {
    why = "Upsample without scales";
    return failure();
  }
  std::string mode = "nearest";
  if (auto m = dyn_cast_or_null<StringAttr>(r.attrs.get("mode")))
    mode = m.getValue().lower();
  if (mode == "bilinear")
    mode = "linear";
  r.attrs.set("mode", b.rewriter.getStringAttr(mode));
  r.attrs.set("coordinate_transformation_mode",
              b.rewriter.getStringAttr("asymmetric"));
  r.attrs.set("nearest_mode", b.rewriter.getStringAttr("floor"));
  r.operands = {op->getOperand(0), b.none(), scales, b.none()};
  return r;
}

FailureOr<Renamed> scatter(Operation *op, int, Builder &, std::string &) {
  return keep(op, "ScatterElements");
}

FailureOr<Renamed> roiAlign(Operation *op, int, Builder &b, std::string &) {
  // Version 10 has no coordinate_transformation_mode; it computes what 16
  // calls output_half_pixel (16's default is half_pixel).
  Renamed r = keep(op, "RoiAlign");
  r.attrs.set("coordinate_transformation_mode",
              b.rewriter.getStringAttr("output_half_pixel"));
  return r;
}

FailureOr<Renamed> lpPool(Operation *op, int version, Builder &b,
                          std::string &why) {
  Renamed r = keep(op);
  if (version >= 2)
    return r;
  // Version 1's `p` is a float; 2 made it an integer.
  std::optional<double> p = floatOf(r.attrs.erase("p"));
  if (p) {
    if (*p != static_cast<double>(static_cast<int64_t>(*p))) {
      why = "a non-integer p";
      return failure();
    }
    r.attrs.set("p", b.rewriter.getI64IntegerAttr(static_cast<int64_t>(*p)));
  }
  return r;
}

FailureOr<Renamed> tile(Operation *op, int version, Builder &b,
                        std::string &why) {
  if (version >= 6)
    return keep(op, "Tile");
  // Tile-1 repeats one axis: (input, tiles, axis) with constant scalars.
  auto x = rankedOf(op->getOperand(0));
  auto constantInt = [](Value v) -> std::optional<int64_t> {
    Operation *def = v.getDefiningOp();
    if (!def || onnx::getOnnxOpType(def) != "Constant")
      return std::nullopt;
    auto value = dyn_cast_or_null<DenseElementsAttr>(def->getAttr("value"));
    if (!value || value.getNumElements() != 1)
      return std::nullopt;
    if (isa<FloatType>(value.getElementType()))
      return static_cast<int64_t>(
          (*value.getValues<APFloat>().begin()).convertToDouble());
    return (*value.getValues<APInt>().begin()).getSExtValue();
  };
  std::optional<int64_t> tiles = constantInt(op->getOperand(1));
  std::optional<int64_t> axis = constantInt(op->getOperand(2));
  if (!x)
    return failure(); // Unranked for now: retried once types are refined.
  if (!tiles || !axis || *axis < 0 || *axis >= x.getRank()) {
    why = "Tile-1 needs constant tiles and axis";
    return failure();
  }
  SmallVector<int64_t> repeats(x.getRank(), 1);
  repeats[*axis] = *tiles;
  Renamed r;
  r.opType = "Tile";
  r.operands = {op->getOperand(0), b.i64s(repeats)};
  return r;
}

FailureOr<Renamed> batchNorm(Operation *op, int version, Builder &b,
                             std::string &why) {
  Renamed r = keep(op, "BatchNormalization");
  if (version >= 14)
    return r;
  if (intOf(r.attrs.erase("spatial"), 1) == 0) {
    why = "BatchNormalization with spatial = 0 (statistics per activation)";
    return failure();
  }
  r.attrs.erase("is_test");
  for (OpResult result : op->getResults().drop_front())
    if (!result.use_empty() && !isa<NoneType>(result.getType())) {
      why = "the training outputs of BatchNormalization before version 14";
      return failure();
    }
  return r;
}

FailureOr<Renamed> concat(Operation *op, int, Builder &b, std::string &) {
  // Version 1's axis defaults to 1; from 4 on it is required.
  Renamed r = keep(op, "Concat");
  if (!r.attrs.get("axis"))
    r.attrs.set("axis", b.rewriter.getI64IntegerAttr(1));
  return r;
}

const llvm::StringMap<FormChange> &formChanges() {
  static const llvm::StringMap<FormChange> kFormChanges = {
      {"Softmax", softmax},
      {"LogSoftmax", softmax},
      {"Hardmax", softmax},
      {"Add", legacyBroadcast},
      {"Sub", legacyBroadcast},
      {"Mul", legacyBroadcast},
      {"Div", legacyBroadcast},
      {"Pow", legacyBroadcast},
      {"And", legacyBroadcast},
      {"Or", legacyBroadcast},
      {"Xor", legacyBroadcast},
      {"Equal", legacyBroadcast},
      {"Less", legacyBroadcast},
      {"Greater", legacyBroadcast},
      {"PRelu", prelu},
      {"Cast", castTo},
      {"Reshape", reshape},
      {"Slice", slice},
      {"Squeeze", axesOperand},
      {"Unsqueeze", axesOperand},
      {"ReduceSum", axesOperand},
      {"Split", split},
      {"Clip", clip},
      {"Pad", pad},
      {"TopK", topk},
      {"Dropout", dropout},
      {"Upsample", upsample},
      {"Resize", upsample},
      {"Scatter", scatter},
      {"RoiAlign", roiAlign},
      {"LpPool", lpPool},
      {"GlobalLpPool", lpPool},
      {"Tile", tile},
      {"BatchNormalization", batchNorm},
      {"Concat", concat}};
  return kFormChanges;
}

/// Attributes of older versions that mean nothing for inference.
bool isLegacyAttribute(StringRef opType, StringRef attr) {
  if (attr == "consumed_inputs")
    return true;
  if (attr == "is_test")
    return opType == "Dropout" || opType == "BatchNormalization";
  if (attr == "broadcast")
    return opType == "Gemm";     // C broadcasts unidirectionally either way.
  if (attr == "output_sequence") // RNN-1: Y is always computed.
    return opType == "RNN" || opType == "GRU" || opType == "LSTM";
  return false;
}

/// The newest version of Upsample (10) and of Scatter (11) deprecates the
/// operator: Resize and ScatterElements replace them.
bool isDeprecated(Operation *op, StringRef &opType, int &version) {
  StringRef name = op->getName().getStringRef();
  if (name == "onnx.Upsample")
    version = 10;
  else if (name == "onnx.Scatter")
    version = 11;
  else
    return false;
  opType = name.drop_front(5);
  return true;
}

struct NormalizeVersion : RewritePattern {
  explicit NormalizeVersion(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    StringRef opType;
    int version = 0;
    if (op->hasAttr("mica.unnormalized") ||
        !(splitVersion(op, opType, version) ||
          isDeprecated(op, opType, version)))
      return failure();
    if (opType == "Scan" && version == 8)
      return rewriter.notifyMatchFailure(op, "Scan-8 keeps its batched form");
    Builder b{rewriter, op->getLoc()};
    std::string why;
    FailureOr<Renamed> renamed = failure();
    auto change = formChanges().find(opType);
    // An operator whose form changed has a rewrite (which renames the
    // versions after the change); the others are renamed as they are.
    if (change != formChanges().end())
      renamed = change->second(op, version, b, why);
    else
      renamed = keep(op, opType);
    // A failure without a reason is for now (an operand not yet ranked):
    // the conversion, which refines types, runs this pattern again.
    if (failed(renamed))
      return why.empty() ? failure() : unnormalized(op, rewriter, why);
    return rename(op, *renamed, rewriter);
  }

  LogicalResult unnormalized(Operation *op, PatternRewriter &rewriter,
                             StringRef why) const {
    rewriter.modifyOpInPlace(op, [&] {
      op->setAttr("mica.unnormalized", rewriter.getStringAttr(why));
    });
    return failure();
  }

  LogicalResult rename(Operation *op, Renamed &r,
                       PatternRewriter &rewriter) const {
    OperationName newest("onnx." + r.opType, op->getContext());
    if (!newest.isRegistered())
      return unnormalized(op, rewriter, "no newest op " + r.opType);
    Builder b{rewriter, op->getLoc()};
    // Attributes the newest version does not have.
    NamedAttrList attrs;
    ArrayRef<StringAttr> known = newest.getAttributeNames();
    for (NamedAttribute attr : r.attrs) {
      if (llvm::is_contained(known, attr.getName()))
        attrs.push_back(attr);
      else if (!isLegacyAttribute(r.opType, attr.getName().getValue()))
        return unnormalized(op, rewriter,
                            ("attribute '" + attr.getName().getValue() +
                             "' has no equivalent in the newest version")
                                .str());
    }
    // Operands and results the newest version added are absent.
    int operands = operandCount(newest), results = resultCount(newest);
    SmallVector<Value> values;
    for (Value v : r.operands)
      values.push_back(v ? v : b.none());
    if (operands >= 0) {
      if (static_cast<int>(values.size()) > operands)
        return unnormalized(op, rewriter,
                            "more operands than the newest "
                            "version has");
      while (static_cast<int>(values.size()) < operands)
        values.push_back(b.none());
    }
    SmallVector<Type> types(op->getResultTypes());
    unsigned used = op->getNumResults();
    if (results >= 0) {
      while (static_cast<int>(types.size()) > results) {
        if (!op->getResult(types.size() - 1).use_empty())
          return unnormalized(op, rewriter,
                              "a result the newest version "
                              "does not have is used");
        types.pop_back();
      }
      used = types.size();
      while (static_cast<int>(types.size()) < results)
        types.push_back(rewriter.getNoneType());
    }
    OperationState state(op->getLoc(), newest);
    state.addOperands(values);
    state.addTypes(types);
    state.addAttributes(attrs);
    for (unsigned i = 0, e = op->getNumRegions(); i < e; ++i)
      state.addRegion();
    Operation *created = rewriter.create(state);
    for (auto [from, to] : llvm::zip(op->getRegions(), created->getRegions()))
      rewriter.inlineRegionBefore(from, to, to.end());
    // The newest version may allow fewer types (Dropout-7's mask): keep the
    // old op then.
    bool valid;
    {
      ScopedDiagnosticHandler quiet(op->getContext(),
                                    [](Diagnostic &) { return success(); });
      valid = succeeded(verify(created, /*verifyRecursively=*/false));
    }
    if (!valid) {
      for (auto [from, to] : llvm::zip(created->getRegions(), op->getRegions()))
        rewriter.inlineRegionBefore(from, to, to.end());
      rewriter.eraseOp(created);
      return unnormalized(op, rewriter,
                          "the newest version does not accept its types");
    }
    SmallVector<Value> replacements(created->getResults().take_front(used));
    for (unsigned i = used; i < op->getNumResults(); ++i)
      replacements.push_back(b.none());
    rewriter.replaceOp(op, replacements);
    return success();
  }
};

struct NormalizeOnnxVersionsPass
    : mica::impl::NormalizeOnnxVersionsBase<NormalizeOnnxVersionsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    mica::populateVersionNormalizationPatterns(patterns);
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return; // Not converging leaves older versions, reported later.
  }
};

} // namespace

void mica::populateVersionNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<NormalizeVersion>(patterns.getContext());
}
