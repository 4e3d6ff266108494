//===- GraphElementwiseOps.td - Elementwise graph ops -----*- tablegen -*-===//
//
// Unary activations and math (result type = operand type), graph.cast,
// numpy-broadcasting binary arithmetic/comparison/logical ops, graph.select,
// softmax and log_softmax.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_GRAPH_ELEMENTWISE_OPS
#define MICA_GRAPH_ELEMENTWISE_OPS

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

// Result type equals the operand type, dimension for dimension.
class Graph_UnaryOp<string mnemonic, string formula,
                    Type tensorType = Graph_Tensor>
    : Graph_Op<mnemonic, [Pure, SameOperandsAndResultType,
                          InferTypeOpInterface]> {
  let summary = "Elementwise " # mnemonic;
  let description = "Computes `" # formula # "` for every element `x`. "
      # "The result has the operand's type.";
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Graph_ReluOp : Graph_UnaryOp<"relu", "max(x, 0)"> {
  let hasFolder = 1;
}
def Graph_SigmoidOp : Graph_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Graph_TanhOp : Graph_UnaryOp<"tanh", "tanh(x)">;
def Graph_ExpOp : Graph_UnaryOp<"exp", "exp(x)">;
def Graph_LogOp : Graph_UnaryOp<"log", "log(x)">;
def Graph_SqrtOp : Graph_UnaryOp<"sqrt", "sqrt(x)">;
def Graph_RsqrtOp : Graph_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def Graph_AbsOp : Graph_UnaryOp<"abs", "|x|"> {
  let hasFolder = 1;
}
def Graph_NegOp : Graph_UnaryOp<"neg", "-x"> {
  let hasFolder = 1;
}
def Graph_ErfOp : Graph_UnaryOp<"erf", "erf(x)">;
def Graph_ReciprocalOp : Graph_UnaryOp<"reciprocal", "1 / x">;
def Graph_FloorOp : Graph_UnaryOp<"floor", "floor(x)"> {
  let hasFolder = 1;
}
def Graph_CeilOp : Graph_UnaryOp<"ceil", "ceil(x)"> {
  let hasFolder = 1;
}
def Graph_RoundOp : Graph_UnaryOp<"round", "round half to even(x)">;
def Graph_SinOp : Graph_UnaryOp<"sin", "sin(x)">;
def Graph_CosOp : Graph_UnaryOp<"cos", "cos(x)">;
def Graph_TanOp : Graph_UnaryOp<"tan", "tan(x)">;
def Graph_AsinOp : Graph_UnaryOp<"asin", "asin(x)">;
def Graph_AcosOp : Graph_UnaryOp<"acos", "acos(x)">;
def Graph_AtanOp : Graph_UnaryOp<"atan", "atan(x)">;
def Graph_SinhOp : Graph_UnaryOp<"sinh", "sinh(x)">;
def Graph_CoshOp : Graph_UnaryOp<"cosh", "cosh(x)">;
def Graph_AsinhOp : Graph_UnaryOp<"asinh", "asinh(x)">;
def Graph_AcoshOp : Graph_UnaryOp<"acosh", "acosh(x)">;
def Graph_AtanhOp : Graph_UnaryOp<"atanh", "atanh(x)">;
def Graph_SignOp : Graph_UnaryOp<"sign", "sign(x) in {-1, 0, 1}">;
def Graph_NotOp : Graph_UnaryOp<"not", "!x (logical, i1)", Graph_BoolTensor> {
  let hasFolder = 1;
}
def Graph_SoftplusOp : Graph_UnaryOp<"softplus", "log(1 + exp(x))">;
def Graph_HardSwishOp
    : Graph_UnaryOp<"hard_swish", "x * max(0, min(1, x / 6 + 1 / 2))">;
def Graph_SiluOp : Graph_UnaryOp<"silu", "x * sigmoid(x)">;

def Graph_GeluOp : Graph_UnaryOp<"gelu",
    "x * Phi(x); with approximate = \"tanh\", "
    # "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))"> {
  let arguments = (ins Graph_Tensor:$input,
      DefaultValuedStrAttr<Graph_StrChoiceAttr<["none", "tanh"]>, "none">
          :$approximate);
}
def Graph_LeakyReluOp
    : Graph_UnaryOp<"leaky_relu", "x >= 0 ? x : alpha * x"> {
  let arguments = (ins Graph_Tensor:$input,
                   DefaultValuedAttr<F64Attr, "0.01">:$alpha);
}
def Graph_EluOp : Graph_UnaryOp<"elu", "x >= 0 ? x : alpha * (exp(x) - 1)"> {
  let arguments = (ins Graph_Tensor:$input,
                   DefaultValuedAttr<F64Attr, "1.0">:$alpha);
}
def Graph_HardSigmoidOp
    : Graph_UnaryOp<"hard_sigmoid", "max(0, min(1, alpha * x + beta))"> {
  let arguments = (ins Graph_Tensor:$input,
                   DefaultValuedAttr<F64Attr, "0.2">:$alpha,
                   DefaultValuedAttr<F64Attr, "0.5">:$beta);
}
def Graph_ClampOp : Graph_UnaryOp<"clamp", "min(max(x, min), max)"> {
  let description = [{
    Computes `min(max(x, min), max)` elementwise (ONNX Clip with constant
    bounds; relu6 is `clamp {min = 0.0, max = 6.0}`). `min <= max`.
  }];
  let arguments = (ins Graph_Tensor:$input, F64Attr:$min, F64Attr:$max);
  let hasVerifier = 1;
}

def Graph_CastOp : Graph_Op<"cast", [Pure]> {
  let summary = "Elementwise element-type conversion";
  let description = [{
    Converts every element to the result's element type (ONNX Cast: floats
    to integers truncate toward zero, booleans are 0/1). The shape is the
    operand's. Quantisation with a scale is graph.quantize.
  }];
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Binary and ternary, numpy broadcasting
//===----------------------------------------------------------------------===//

class Graph_BinaryOp<string mnemonic, string formula, bit boolResult = 0,
                     Type operandType = Graph_Tensor>
    : Graph_InferOp<mnemonic> {
  let summary = "Elementwise " # mnemonic # " with numpy broadcasting";
  let description = "Computes `" # formula # "` elementwise after "
      # "broadcasting both operands to a common shape (numpy rules, dims "
      # "aligned from the right; `?` against 1 or `?` stays `?`). Both "
      # "operands share one element type; the result has "
      # !if(boolResult, "element type i1.", "that element type.");
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let inferTypesBody = "return ::mica::graph::inferBroadcastTypes({adaptor.getLhs().getType(), adaptor.getRhs().getType()}, "
      # !if(boolResult, "true", "false") # ", emitError, types);";
}

let hasFolder = 1 in {
def Graph_AddOp : Graph_BinaryOp<"add", "lhs + rhs"> {
  // A layer norm's bias folds into it (LayerNormCanonicalization.cpp).
  let hasCanonicalizer = 1;
}
def Graph_SubOp : Graph_BinaryOp<"sub", "lhs - rhs">;
def Graph_MulOp : Graph_BinaryOp<"mul", "lhs * rhs"> {
  // x * sigmoid(x) becomes graph.silu, 0.5 * x * (1 + erf(x / sqrt(2)))
  // graph.gelu (one op to fuse, tabulate, ...); a written-out layer norm
  // graph.layer_norm, with its scale folded in.
  let hasCanonicalizer = 1;
}
def Graph_DivOp : Graph_BinaryOp<"div", "lhs / rhs (integers truncate)"> {
  // (x - mean) / sqrt(var + eps) becomes graph.layer_norm.
  let hasCanonicalizer = 1;
}
def Graph_MaxOp : Graph_BinaryOp<"max", "max(lhs, rhs)">;
def Graph_MinOp : Graph_BinaryOp<"min", "min(lhs, rhs)">;
def Graph_ModOp : Graph_BinaryOp<"mod",
    "lhs mod rhs (integers: sign of the divisor, as ONNX Mod fmod=0)">;
def Graph_EqualOp : Graph_BinaryOp<"equal", "lhs == rhs", 1>;
def Graph_LessOp : Graph_BinaryOp<"less", "lhs < rhs", 1>;
def Graph_LessEqualOp : Graph_BinaryOp<"less_equal", "lhs <= rhs", 1>;
def Graph_GreaterOp : Graph_BinaryOp<"greater", "lhs > rhs", 1>;
def Graph_GreaterEqualOp : Graph_BinaryOp<"greater_equal", "lhs >= rhs", 1>;
}
def Graph_RemOp : Graph_BinaryOp<"rem",
    "lhs - trunc(lhs / rhs) * rhs (the sign of the dividend, as C fmod and "
    "ONNX Mod fmod=1)">;
def Graph_ShiftLeftOp : Graph_BinaryOp<"shift_left", "lhs << rhs (integers)">;
def Graph_ShiftRightOp : Graph_BinaryOp<"shift_right",
    "lhs >> rhs (integers; logical for unsigned types)">;
def Graph_PowOp : Graph_BinaryOp<"pow", "lhs ^ rhs"> {
  let hasFolder = 1;
}
let hasFolder = 1 in {
def Graph_AndOp : Graph_BinaryOp<"and", "lhs && rhs", 1, Graph_BoolTensor>;
def Graph_OrOp : Graph_BinaryOp<"or", "lhs || rhs", 1, Graph_BoolTensor>;
def Graph_XorOp : Graph_BinaryOp<"xor", "lhs != rhs", 1, Graph_BoolTensor>;
}

def Graph_SelectOp : Graph_InferOp<"select"> {
  let summary = "Elementwise choice with 3-way numpy broadcasting";
  let description = [{
    `result[i] = condition[i] ? true_value[i] : false_value[i]` after
    broadcasting all three operands to a common shape (ONNX Where).
    `true_value` and `false_value` share the result's element type.
  }];
  let arguments = (ins Graph_BoolTensor:$condition, Graph_Tensor:$true_value,
                   Graph_Tensor:$false_value);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$condition `,` $true_value `,` $false_value attr-dict "
                       "`:` functional-type(operands, results)";
  let inferTypesBody = [{
    return ::mica::graph::inferSelectTypes(adaptor.getCondition().getType(),
        adaptor.getTrueValue().getType(), adaptor.getFalseValue().getType(),
        emitError, types);
  }];
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

class Graph_SoftmaxBase<string mnemonic, string formula>
    : Graph_InferOp<mnemonic> {
  let summary = formula # " along one axis";
  let description = "Computes `" # formula # "` along `axis` (negative "
      # "counts from the end; ONNX opset >= 13 semantics). The result has the "
      # "operand's type.";
  let arguments = (ins Graph_FloatTensor:$input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let inferTypesBody = [{
    return ::mica::graph::inferAxisPreservingTypes(adaptor.getInput().getType(),
        adaptor.getAxis(), emitError, types);
  }];
}
def Graph_SoftmaxOp : Graph_SoftmaxBase<"softmax", "exp(x) / sum(exp(x))">;
def Graph_LogSoftmaxOp
    : Graph_SoftmaxBase<"log_softmax", "x - log(sum(exp(x)))">;

#endif // MICA_GRAPH_ELEMENTWISE_OPS
