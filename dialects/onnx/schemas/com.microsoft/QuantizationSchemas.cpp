//===- QuantizationSchemas.cpp - com.microsoft quantised operators --------===//
//
// The com.microsoft ops that ONNX Runtime's quantisation tools write into
// QOperator models besides the standard QLinearConv/QLinearMatMul, written
// from ONNX Runtime's published operator documentation (ContribOperators.md,
// "com.microsoft" opset 1): inputs in the documented order with their names,
// optionality and type constraints, the documented attributes and defaults.
// Every one means "dequantize the inputs, apply the float op, quantize the
// result" with per-tensor scales (f32 scalars) and zero points (8-bit
// scalars of the data's type).
//
//===----------------------------------------------------------------------===//
#include "dialects/onnx/schemas/HandKeptSchemas.h"

#include "onnx/defs/shape_inference.h"

#include <cmath>

using namespace ONNX_NAMESPACE;

namespace {

constexpr const char *kDomain = "com.microsoft";

/// A com.microsoft opset-1 schema: name, source line (for libonnx's
/// messages) and documentation.
OpSchema schema(const char *name, int line, const char *doc) {
  OpSchema s(name, __FILE__, line);
  s.SetDomain(kDomain).SinceVersion(1).SetDoc(doc);
  return s;
}

/// The (scale, zero point) inputs at `index` and `index + 1` of the value
/// `what`: a f32 scalar scale, a scalar zero point of type T.
void quantParams(OpSchema &s, int index, const std::string &scaleName,
                 const std::string &zeroPointName, const std::string &what,
                 bool zeroPointOptional = true) {
  s.Input(index, scaleName, "Scale of " + what + " (a scalar: per tensor).",
          "tensor(float)");
  s.Input(index + 1, zeroPointName,
          "Zero point of " + what + " (a scalar: per tensor)" +
              (zeroPointOptional ? "; 0 when absent." : "."),
          "T", zeroPointOptional ? OpSchema::Optional : OpSchema::Single);
}

void eightBitTypes(OpSchema &s, const char *name = "T") {
  s.TypeConstraint(name, {"tensor(uint8)", "tensor(int8)"},
                   "8-bit quantised tensors.");
}

/// Numpy broadcasting of inputs 0 and 3 (A and B of the binary ops).
void broadcastShape(InferenceContext &ctx) {
  propagateElemTypeFromInputToOutput(ctx, 0, 0);
  if (hasInputShape(ctx, 0) && hasInputShape(ctx, 3))
    bidirectionalBroadcastShapeInference(
        getInputShape(ctx, 0), getInputShape(ctx, 3),
        *ctx.getOutputType(0)->mutable_tensor_type()->mutable_shape());
}

/// A binary elementwise op with broadcasting: A, B, C with their scales and
/// zero points.
OpSchema binary(const char *name, int line, const char *doc) {
  OpSchema s = schema(name, line, doc);
  s.Input(0, "A", "First operand.", "T");
  quantParams(s, 1, "A_scale", "A_zero_point", "A");
  s.Input(3, "B", "Second operand.", "T");
  quantParams(s, 4, "B_scale", "B_zero_point", "B");
  quantParams(s, 6, "C_scale", "C_zero_point", "the result C");
  s.Output(0, "C", "The result, of the operands' type.", "T");
  eightBitTypes(s);
  s.TypeAndShapeInferenceFunction(broadcastShape);
  return s;
}

/// A unary elementwise op: X and Y with their scales and zero points.
OpSchema unary(const char *name, int line, const char *doc) {
  OpSchema s = schema(name, line, doc);
  s.Input(0, "X", "Input tensor.", "T");
  quantParams(s, 1, "X_scale", "X_zero_point", "X");
  quantParams(s, 3, "Y_scale", "Y_zero_point", "Y");
  s.Output(0, "Y", "Output tensor.", "T");
  eightBitTypes(s);
  s.TypeAndShapeInferenceFunction(propagateShapeAndTypeFromFirstInput);
  return s;
}

/// The spatial dims of an N-D input: [2, rank) in NCHW order, [1, rank - 1)
/// with channels_last.
std::pair<int, int> spatialDims(InferenceContext &ctx, int rank) {
  if (rank < 3)
    fail_shape_inference("the input must have rank 3 or more, got ", rank);
  bool channelsLast = getAttribute(ctx, "channels_last", 0) != 0;
  return channelsLast ? std::make_pair(1, rank - 1) : std::make_pair(2, rank);
}

/// AveragePool's output shape (ONNX's rules: explicit pads, or auto_pad, and
/// ceil_mode), laid out as the input.
void poolShape(InferenceContext &ctx) {
  propagateElemTypeFromInputToOutput(ctx, 0, 0);
  if (!hasInputShape(ctx, 0))
    return;
  const TensorShapeProto &in = getInputShape(ctx, 0);
  auto [begin, end] = spatialDims(ctx, in.dim_size());
  size_t k = static_cast<size_t>(end - begin);
  std::vector<int64_t> kernel, strides, pads;
  getRepeatedAttribute(ctx, "kernel_shape", kernel);
  getRepeatedAttribute(ctx, "strides", strides);
  getRepeatedAttribute(ctx, "pads", pads);
  if (kernel.size() != k)
    fail_shape_inference("kernel_shape has ", kernel.size(),
                         " entries; the input has ", k, " spatial dims");
  strides.resize(k, 1);
  pads.resize(2 * k, 0);
  std::string autoPad = getAttribute(ctx, "auto_pad", std::string("NOTSET"));
  bool ceilMode = getAttribute(ctx, "ceil_mode", 0) != 0;
  TensorShapeProto *out =
      ctx.getOutputType(0)->mutable_tensor_type()->mutable_shape();
  for (int d = 0; d < in.dim_size(); ++d) {
    TensorShapeProto::Dimension *dim = out->add_dim();
    if (d < begin || d >= end) {
      *dim = in.dim(d);
      continue;
    }
    size_t i = static_cast<size_t>(d - begin);
    if (!in.dim(d).has_dim_value() || strides[i] <= 0)
      continue;
    int64_t size = in.dim(d).dim_value();
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      dim->set_dim_value((size + strides[i] - 1) / strides[i]);
      continue;
    }
    if (autoPad == "VALID")
      pads[i] = pads[i + k] = 0;
    double steps =
        static_cast<double>(size + pads[i] + pads[i + k] - kernel[i]) /
        static_cast<double>(strides[i]);
    dim->set_dim_value(
        static_cast<int64_t>(ceilMode ? std::ceil(steps) : std::floor(steps)) +
        1);
  }
}

/// GlobalAveragePool's output: N and C kept, every spatial dim 1.
void globalPoolShape(InferenceContext &ctx) {
  propagateElemTypeFromInputToOutput(ctx, 0, 0);
  if (!hasInputShape(ctx, 0))
    return;
  const TensorShapeProto &in = getInputShape(ctx, 0);
  auto [begin, end] = spatialDims(ctx, in.dim_size());
  TensorShapeProto *out =
      ctx.getOutputType(0)->mutable_tensor_type()->mutable_shape();
  for (int d = 0; d < in.dim_size(); ++d) {
    if (d >= begin && d < end)
      out->add_dim()->set_dim_value(1);
    else
      *out->add_dim() = in.dim(d);
  }
}

/// QLinearConcat's output: the element type of Y_zero_point, the inputs'
/// shape with the sizes along `axis` added up.
void concatShape(InferenceContext &ctx) {
  propagateElemTypeFromInputToOutput(ctx, 1, 0);
  size_t numInputs = ctx.getNumInputs();
  if (numInputs < 5 || (numInputs - 2) % 3 != 0)
    fail_shape_inference("QLinearConcat takes Y_scale, Y_zero_point and then "
                         "(tensor, scale, zero point) triples; got ",
                         numInputs, " inputs");
  std::vector<const TensorShapeProto *> shapes;
  for (size_t i = 2; i < numInputs; i += 3) {
    if (!hasInputShape(ctx, i))
      return;
    shapes.push_back(&getInputShape(ctx, i));
  }
  int rank = shapes.front()->dim_size();
  int64_t axis = getAttribute(ctx, "axis", 0);
  if (axis < -rank || axis >= rank)
    fail_shape_inference("axis ", axis, " is out of range for rank ", rank);
  if (axis < 0)
    axis += rank;
  TensorShapeProto *out =
      ctx.getOutputType(0)->mutable_tensor_type()->mutable_shape();
  for (int d = 0; d < rank; ++d) {
    TensorShapeProto::Dimension *dim = out->add_dim();
    int64_t sum = 0;
    bool known = true;
    for (const TensorShapeProto *shape : shapes) {
      if (shape->dim_size() != rank)
        fail_shape_inference("the inputs of QLinearConcat differ in rank");
      const auto &in = shape->dim(d);
      if (d != axis && in.has_dim_value() && !dim->has_dim_value())
        dim->set_dim_value(in.dim_value());
      known = known && in.has_dim_value();
      sum += in.has_dim_value() ? in.dim_value() : 0;
    }
    if (d == axis && known)
      dim->set_dim_value(sum);
  }
}

} // namespace

void mica::onnxir::schemas::addComMicrosoftQuantization(
    std::vector<OpSchema> &out) {
  out.push_back(
      binary("QLinearAdd", __LINE__,
             "Elementwise addition of two quantised tensors with numpy "
             "broadcasting: C = quantize(dequantize(A) + dequantize(B)), each "
             "value with its own scale and zero point."));
  out.push_back(
      binary("QLinearMul", __LINE__,
             "Elementwise product of two quantised tensors with numpy "
             "broadcasting: C = quantize(dequantize(A) * dequantize(B)), each "
             "value with its own scale and zero point."));
  out.push_back(unary("QLinearSigmoid", __LINE__,
                      "Y = quantize(sigmoid(dequantize(X))), elementwise."));
  {
    OpSchema s = unary("QLinearLeakyRelu", __LINE__,
                       "Y = quantize(LeakyRelu(dequantize(X), alpha)), "
                       "elementwise: x for x >= 0, alpha * x below.");
    s.Attr("alpha", "Coefficient of leakage.", AttributeProto::FLOAT, 0.01f);
    out.push_back(std::move(s));
  }
  {
    OpSchema s = schema(
        "QLinearAveragePool", __LINE__,
        "Y = quantize(AveragePool(dequantize(X))) with ONNX AveragePool's "
        "attributes, on NCHW data or, with channels_last, NHWC data.");
    s.Attr("auto_pad", "NOTSET, SAME_UPPER, SAME_LOWER or VALID.",
           AttributeProto::STRING, std::string("NOTSET"));
    s.Attr("ceil_mode", "Round the output size up instead of down.",
           AttributeProto::INT, static_cast<int64_t>(0));
    s.Attr("channels_last", "The data is NHWC rather than NCHW.",
           AttributeProto::INT, static_cast<int64_t>(0));
    s.Attr("count_include_pad",
           "Divide by the whole window, padding included, rather than by "
           "the values inside the input.",
           AttributeProto::INT, static_cast<int64_t>(0));
    s.Attr("kernel_shape", "The window size along each spatial axis.",
           AttributeProto::INTS);
    s.Attr("pads", "Begin and end padding of each spatial axis.",
           AttributeProto::INTS, false);
    s.Attr("strides", "The stride along each spatial axis (default 1).",
           AttributeProto::INTS, false);
    s.Input(0, "X", "Input data.", "T");
    quantParams(s, 1, "x_scale", "x_zero_point", "X");
    quantParams(s, 3, "y_scale", "y_zero_point", "Y");
    s.Output(0, "Y", "Pooled data.", "T");
    eightBitTypes(s);
    s.TypeAndShapeInferenceFunction(poolShape);
    out.push_back(std::move(s));
  }
  {
    OpSchema s = schema("QLinearGlobalAveragePool", __LINE__,
                        "Y = quantize(GlobalAveragePool(dequantize(X))): the "
                        "mean over all spatial positions of each channel, "
                        "on NCHW data or, with channels_last, NHWC data.");
    s.Attr("channels_last", "The data is NHWC rather than NCHW.",
           AttributeProto::INT, static_cast<int64_t>(0));
    s.Input(0, "X", "Input data.", "T");
    quantParams(s, 1, "x_scale", "x_zero_point", "X",
                /*zeroPointOptional=*/false);
    quantParams(s, 3, "y_scale", "y_zero_point", "Y",
                /*zeroPointOptional=*/false);
    s.Output(0, "Y", "Pooled data: spatial dims of size 1.", "T");
    eightBitTypes(s);
    s.TypeAndShapeInferenceFunction(globalPoolShape);
    out.push_back(std::move(s));
  }
  {
    OpSchema s =
        schema("QLinearConcat", __LINE__,
               "Y = quantize(Concat(dequantize(X1), dequantize(X2), ...)): the "
               "inputs follow Y's scale and zero point as (tensor, scale, zero "
               "point) triples.");
    s.Attr("axis", "The axis to concatenate along.", AttributeProto::INT);
    s.Input(0, "Y_scale", "Scale of Y (a scalar).", "TF");
    s.Input(1, "Y_zero_point", "Zero point of Y (a scalar).", "T8");
    s.Input(2, "inputs", "(tensor, scale, zero point) of each input in turn.",
            "TV", OpSchema::Variadic, /*is_homogeneous=*/false);
    s.Output(0, "Y", "The concatenated tensor.", "T8");
    eightBitTypes(s, "T8");
    s.TypeConstraint("TF", {"tensor(float)"}, "Scales.");
    s.TypeConstraint("TV", {"tensor(uint8)", "tensor(int8)", "tensor(float)"},
                     "The members of the triples.");
    s.TypeAndShapeInferenceFunction(concatShape);
    out.push_back(std::move(s));
  }
}
