//===- GraphQuantOps.td - Integer quantisation ops --------*- tablegen -*-===//
//
// The quantised graph is made of plain integer tensors (i8 activations and
// weights, i32 accumulators): conv, fully_connected and matmul on i8 operands
// accumulate in i32, and these three ops are the only ones that know about
// scales. graph.quantize and graph.dequantize are the borders with float
// code; graph.rescale is the fixed-point requantisation between integer ops
// (TOSA's RESCALE). docs/design-notes.md says why scales live in attributes
// of these ops rather than in `!quant.uniform` element types, and
// docs/numerics.md gives the rounding of each op.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_GRAPH_QUANT_OPS
#define MICA_GRAPH_QUANT_OPS

def Graph_QuantizeOp : Graph_Op<"quantize", [Pure]> {
  let summary = "Quantise a float tensor to integers (ONNX QuantizeLinear)";
  let description = [{
    `q = clamp(round_half_even(x / scale) + zero_point)` to the range of the
    result's integer type (signless integers are signed), with one `scale`
    and one `zero_point` for the whole tensor. The division is a float
    division in the input's type, as ONNX and ONNX Runtime compute it.

    ```mlir
    %q = graph.quantize %x {scale = 0.0235 : f64, zero_point = -5 : i64}
        : tensor<1x64xf32> -> tensor<1x64xi8>
    ```
  }];
  let arguments = (ins Graph_FloatTensor:$input, F64Attr:$scale,
                   I64Attr:$zero_point);
  let results = (outs Graph_IntTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  // A constant folds to its integers; quantize(dequantize(q)) with the same
  // scale is q moved by the zero points (an integer rescale by 1).
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Graph_DequantizeOp : Graph_Op<"dequantize", [Pure]> {
  let summary = "Integers back to floats (ONNX DequantizeLinear)";
  let description = [{
    `x = float(q - zero_point) * scale`, the product rounded once in the
    result's float type.
  }];
  let arguments = (ins Graph_IntTensor:$input, F64Attr:$scale,
                   I64Attr:$zero_point);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  // A dequantize of an exact offset reads the integers before it.
  let hasCanonicalizer = 1;
}

def Graph_RescaleOp : Graph_Op<"rescale", [Pure]> {
  let summary = "Fixed-point requantisation (TOSA RESCALE, single rounding)";
  let description = [{
    For each element, with `m` and `s` the `multiplier` and `shift` of its
    index along `axis` (or the only entry, per tensor):

    ```
    v = int64(x - input_zero_point) * m + (1 << (s - 1))
    y = clamp((v >> s) + output_zero_point, min, max)
    ```

    `>>` is an arithmetic shift, so the rounding is half towards +infinity,
    exactly TOSA 1.0's RESCALE with `rounding_mode = SINGLE_ROUND`,
    `scale32 = true`, `per_channel` when there are several entries. The
    multiplier lies in [0, 2^31) and the shift in [2, 62]. `min`/`max`
    default to the result type's range; a fused ReLU or ReLU6 narrows them.
    The result type is an integer of at most 32 bits (i8 between layers, i32
    for the operands of an integer add).

    ```mlir
    %y = graph.rescale %acc {axis = 1 : i64, multiplier = array<i64: 1518500250, 1073741824>,
        shift = array<i64: 38, 37>, output_zero_point = -128 : i64}
        : tensor<1x2x8x8xi32> -> tensor<1x2x8x8xi8>
    ```
  }];
  let arguments = (ins Graph_IntTensor:$input, DenseI64ArrayAttr:$multiplier,
                   DenseI64ArrayAttr:$shift,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$input_zero_point,
                   DefaultValuedAttr<I64Attr, "0">:$output_zero_point,
                   OptionalAttr<I64Attr>:$min, OptionalAttr<I64Attr>:$max);
  let results = (outs Graph_IntTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The clamp bounds: `min`/`max` where set, else the result type's range.
    int64_t getLowest();
    int64_t getHighest();
    /// For a rescale by exactly 1 (multiplier 2^30, shift 30) that clamps
    /// no value of its input type: the offset zp_out - zp_in it adds.
    std::optional<int64_t> getExactOffset();
  }];
  // A rescale of an exact offset is one rescale.
  let hasCanonicalizer = 1;
}

def Graph_TableOp : Graph_Op<"table", [Pure]> {
  let summary = "int8 lookup table (TOSA TABLE)";
  let description = [{
    `y = table[x + 128]` for each int8 element: any function of one
    quantised value (sigmoid, tanh, hard-swish, GELU, ...) tabulated at
    compile time over the 256 inputs, with the input's and the output's
    scales and zero points folded in.

    ```mlir
    %y = graph.table %x {table = array<i64: -128, ..., 127>}
        : tensor<1x8xi8> -> tensor<1x8xi8>
    ```
  }];
  let arguments = (ins Graph_IntTensor:$input, DenseI64ArrayAttr:$table);
  let results = (outs Graph_IntTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Graph_IntegerSoftmaxOp : Graph_Op<"integer_softmax", [Pure]> {
  let summary = "int8 softmax in integer arithmetic";
  let description = [{
    Softmax of int8 values along `axis`, all in integers (I-BERT's idea,
    with the exponential tabulated instead of approximated). Per row:

    ```
    m = max(x)                            (x - m is in [-255, 0])
    e = exp_high[x - m + 255] * 256 + exp_low[x - m + 255]   (unsigned bytes)
    S = sum(e)                            (i32)
    r = floor(output_multiplier / S)      (i64, once per row)
    y = clamp(((e * r + 2^30) >> 31) + output_zero_point, -128, 127)
    ```

    `e` is the 16-bit fixed-point exponential round(2^15 exp(s (x - m))) for
    the input's scale s, tabulated at compile time over the 256 possible
    differences and stored as its high and low bytes (two byte tables the
    CPU kernels look up with vpermi2b / tbl). `output_multiplier` is
    round(2^31 / s_out) for the output's scale s_out (1 / 255 for the whole
    0 .. 1, less where calibration saw only smaller probabilities).
    Everything is exact integer arithmetic except that TOSA has no 64-bit
    division for the row reciprocal.

    ```mlir
    %y = graph.integer_softmax %x {axis = -1 : i64, exp_high = array<i64:
        ...>, exp_low = array<i64: ...>} : tensor<1x4x8xi8> -> tensor<1x4x8xi8>
    ```
  }];
  let arguments = (ins Graph_IntTensor:$input, I64Attr:$axis,
                   DenseI64ArrayAttr:$exp_high, DenseI64ArrayAttr:$exp_low,
                   I64Attr:$output_multiplier, I64Attr:$output_zero_point);
  let results = (outs Graph_IntTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Graph_IntegerLayerNormOp : Graph_Op<"integer_layer_norm", [Pure]> {
  let summary = "int8 layer normalisation over the last dim, in integers";
  let description = [{
    Layer normalisation of int8 values over the last dim (N elements), all
    in integers. Per row, with c = x - input_zero_point:

    ```
    d     = N c - sum(c)                       (i32: N (c - mean), exact)
    V     = sum(d^2) / N + epsilon_term        (i64: N^2 (variance + eps))
    sigma = floor(sqrt(V))                     (exact integer square root)
    R     = floor(2^40 / sigma)                (i64, once per row)
    t     = (d R + 2^23) >> 24                 ((c - mean) / std in Q16)
    y     = clamp(((t gamma[j] + beta[j] + 2^31) >> 32) + output_zero_point)
    ```

    `gamma[j]` = round(scale_j / s_out 2^16) and `beta[j]` = round(bias_j /
    s_out 2^32) per channel j of the last dim, `epsilon_term` = round(N^2
    eps / s_in^2): the float layer norm's scale, bias and epsilon folded
    with the input's and output's quantisation at compile time.
  }];
  let arguments = (ins Graph_IntTensor:$input, I64Attr:$input_zero_point,
                   I64Attr:$output_zero_point, I64Attr:$epsilon_term,
                   DenseI64ArrayAttr:$gamma, DenseI64ArrayAttr:$beta);
  let results = (outs Graph_IntTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

#endif // MICA_GRAPH_QUANT_OPS
