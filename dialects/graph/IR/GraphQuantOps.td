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

#endif // MICA_GRAPH_QUANT_OPS
