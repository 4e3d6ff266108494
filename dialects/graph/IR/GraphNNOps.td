//===- GraphNNOps.td - Neural-network graph ops -----------*- tablegen -*-===//
//
// Convolutions, matrix products, attention, normalisations, pooling, resize
// and reductions. Layouts are ONNX's: activations [N, C, spatial...], conv
// weights [C_out, C_in / groups, kernel...].
//
//===----------------------------------------------------------------------===//
#ifndef MICA_GRAPH_NN_OPS
#define MICA_GRAPH_NN_OPS

//===----------------------------------------------------------------------===//
// Convolution and matrix products
//===----------------------------------------------------------------------===//

def Graph_ConvOp : Graph_InferOp<"conv"> {
  let summary = "N-D grouped convolution (cross-correlation)";
  let description = [{
    `input` is [N, C_in, D1..Dk], `weight` [C_out, C_in / groups, K1..Kk] and
    the optional `bias` [C_out], with k = rank - 2 >= 1. `strides` and
    `dilations` have k entries, `pads` 2k (ONNX order). Output spatial size:
    `floor((D + pad_begin + pad_end - dilation * (K - 1) - 1) / stride) + 1`.
    Requires `C_in == weight[1] * groups` and `C_out % groups == 0`;
    depthwise convolution is `groups == C_in`. i8 operands accumulate in an
    i32 result, with an i32 bias.

    ```mlir
    %y = graph.conv %x, %w, %b {dilations = array<i64: 1, 1>,
        pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
        : (tensor<?x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>)
        -> tensor<?x8x32x32xf32>
    ```
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_Tensor:$weight,
                   Optional<Graph_Tensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$pads,
                   DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` "
                       "functional-type(operands, results)";
}

def Graph_ConvTransposeOp : Graph_InferOp<"conv_transpose"> {
  let summary = "N-D grouped transposed convolution";
  let description = [{
    `input` is [N, C_in, D1..Dk], `weight` [C_in, C_out / groups, K1..Kk],
    optional `bias` [C_out]. Output spatial size (ONNX ConvTranspose with
    explicit pads): `stride * (D - 1) + output_padding + dilation * (K - 1)
    + 1 - pad_begin - pad_end`. `output_padding` has k entries, each smaller
    than its stride or dilation.
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_Tensor:$weight,
                   Optional<Graph_Tensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$output_padding,
                   DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` "
                       "functional-type(operands, results)";
}

def Graph_MatmulOp : Graph_InferOp<"matmul"> {
  let summary = "Matrix product with numpy matmul semantics";
  let description = [{
    numpy `matmul` (ONNX MatMul): a 1-D `lhs` is promoted to [1, K] and a 1-D
    `rhs` to [K, 1], the promoted dims being removed from the result; the
    batch dims (all but the last two) broadcast. Operands share an element
    type, which is the result's, except that i8 operands accumulate in an
    i32 result (as for graph.conv and graph.fully_connected: the quantised
    path, GraphQuantOps.td).
  }];
  let arguments = (ins Graph_Tensor:$lhs, Graph_Tensor:$rhs);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Graph_FullyConnectedOp : Graph_InferOp<"fully_connected"> {
  let summary = "Dense layer: input x weight^T + bias";
  let description = [{
    `input` [..., K], `weight` [N, K] (PyTorch Linear / ONNX Gemm with
    transB = 1), optional `bias` [N]; the result is [..., N].
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_Tensor:$weight,
                   Optional<Graph_Tensor>:$bias);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` "
                       "functional-type(operands, results)";
}

def Graph_AttentionOp : Graph_InferOp<"attention", [AttrSizedOperandSegments]> {
  let summary = "Fused multi-head scaled dot-product attention";
  let description = [{
    `query` [B, Sq, E], `key` [B, Skv, E] and `value` [B, Skv, E] with E
    divisible by `num_heads`. Per head h (slice of E/num_heads channels):
    `softmax(q_h k_h^T * scale + mask + key_bias [+ causal -inf above the
    diagonal]) v_h`, heads concatenated back to [B, Sq, E].

    The optional additive `mask` broadcasts to [B, num_heads, Sq, Skv]. The
    optional `key_bias` [B or 1, Skv] is added to every logit of key j in
    every row and head: a key-padding mask, or token merging's log(size)
    (proportional attention). It is an operand of its own because a kernel
    loads it once per row block where a mask is a stream per element, and
    because passes that change the keys find it by name.

    `mica-form-attention` builds the op from the matmul-softmax-matmul forms
    exporters write; `mica-decompose-attention` gives those back. With
    static shapes the CPU lowering computes it in row blocks whose scores
    stay in cache (compiler/conversion/graph_to_linalg/AttentionLowering.cpp);
    other attention is decomposed before lowering.
  }];
  let arguments = (ins Graph_FloatTensor:$query, Graph_FloatTensor:$key,
                   Graph_FloatTensor:$value, Optional<Graph_FloatTensor>:$mask,
                   Optional<Graph_FloatTensor>:$key_bias,
                   I64Attr:$num_heads, F64Attr:$scale,
                   DefaultValuedAttr<BoolAttr, "false">:$causal);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$query `,` $key `,` $value (`mask` $mask^)? "
                       "(`key_bias` $key_bias^)? attr-dict "
                       "`:` functional-type(operands, results)";
  let extraDecls = [{
    /// Whether every operand has a static shape: what the row-blocked
    /// lowering needs (the rest is decomposed first).
    bool hasStaticShapes() {
      return ::llvm::all_of(getOperandTypes(), [](::mlir::Type type) {
        auto shaped = ::llvm::dyn_cast<::mlir::RankedTensorType>(type);
        return shaped && shaped.hasStaticShape();
      });
    }
  }];
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

def Graph_BatchNormOp : Graph_InferOp<"batch_norm"> {
  let summary = "Inference-mode batch normalisation (channel axis 1)";
  let description = [{
    `(x - mean[c]) / sqrt(variance[c] + epsilon) * scale[c] + bias[c]` with c
    the index along axis 1; the four parameters are [C]. A batch_norm of a
    single-use conv with constant f32 operands folds into the conv
    (canonicalisation).
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                   Graph_FloatTensor:$bias, Graph_FloatTensor:$mean,
                   Graph_FloatTensor:$variance,
                   DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $scale `,` $bias `,` $mean `,` $variance "
                       "attr-dict `:` functional-type(operands, results)";
  let hasCanonicalizer = 1;
}

def Graph_LayerNormOp : Graph_InferOp<"layer_norm"> {
  let summary = "Layer normalisation over the trailing axes from `axis`";
  let description = [{
    Normalises over dims [axis, rank) (ONNX LayerNormalization); `scale` and
    the optional `bias` have the shape of those trailing dims.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                   Optional<Graph_FloatTensor>:$bias,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $scale (`,` $bias^)? attr-dict `:` "
                       "functional-type(operands, results)";
}

def Graph_InstanceNormOp : Graph_InferOp<"instance_norm"> {
  let summary = "Instance normalisation";
  let description = [{
    Normalises each (n, c) over the spatial dims; `scale` and `bias` are [C].
    The input has rank >= 3.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                   Graph_FloatTensor:$bias,
                   DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $scale `,` $bias attr-dict `:` "
                       "functional-type(operands, results)";
}

def Graph_GroupNormOp : Graph_InferOp<"group_norm"> {
  let summary = "Group normalisation";
  let description = [{
    Splits the C channels into `num_groups` groups (C % num_groups == 0) and
    normalises each (n, group) over its channels and spatial dims; `scale`
    and `bias` are per channel, [C] (ONNX GroupNormalization opset 21).
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$scale,
                   Graph_FloatTensor:$bias, I64Attr:$num_groups,
                   DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $scale `,` $bias attr-dict `:` "
                       "functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Pooling and resize
//===----------------------------------------------------------------------===//

class Graph_PoolOp<string mnemonic, string what> : Graph_InferOp<mnemonic> {
  let summary = "N-D " # what # " pooling";
  let description = "Slides a `kernel` window (k entries for k spatial dims of "
      # "an [N, C, D1..Dk] input) with `strides`, `dilations` and ONNX `pads` "
      # "(2k entries) and takes the " # what # " of each window. Output size: "
      # "`(D + pads - dilation * (K - 1) - 1) / stride + 1`, rounded down, or "
      # "up with `ceil_mode` (a window that would start in the end padding is "
      # "dropped). Global pooling is graph.reduce over the spatial axes.";
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let inferTypesBody = [{
    auto shape = ::mica::graph::inferPoolShape(
        ::mica::graph::getShape(adaptor.getInput().getType()),
        adaptor.getKernel(), adaptor.getStrides(), adaptor.getPads(),
        adaptor.getDilations(), adaptor.getCeilMode(), emitError);
    if (::mlir::failed(shape))
      return ::mlir::failure();
    types.push_back(::mlir::RankedTensorType::get(*shape,
        ::mica::graph::getElementType(adaptor.getInput().getType())));
    return ::mlir::success();
  }];
}

def Graph_MaxPoolOp : Graph_PoolOp<"max_pool", "maximum"> {
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations,
                   DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
}
def Graph_AvgPoolOp : Graph_PoolOp<"avg_pool", "average"> {
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations,
                   DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                   DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
}

def Graph_ResizeOp : Graph_InferOp<"resize"> {
  let summary = "Resize by per-axis scales (ONNX Resize)";
  let description = [{
    One `scales` entry per input dim; output dim = floor(in * scale) (a
    relative tolerance of 1e-9 absorbs the rounding of scales computed as
    sizes / in). The string attributes keep the ONNX spellings. With
    `tf_crop_and_resize`, `roi` (2 * rank entries: starts then ends, as
    fractions of each dim) selects the region that is resized and positions
    outside the input read `extrapolation_value`; its scales already include
    the roi width.
  }];
  let arguments = (ins Graph_Tensor:$input, DenseF64ArrayAttr:$scales,
      DefaultValuedStrAttr<Graph_StrChoiceAttr<["nearest", "linear", "cubic"]>,
                           "nearest">:$mode,
      DefaultValuedStrAttr<Graph_StrChoiceAttr<["half_pixel",
          "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
          "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"]>,
          "half_pixel">
          :$coordinate_transformation_mode,
      DefaultValuedStrAttr<Graph_StrChoiceAttr<["round_prefer_floor",
          "round_prefer_ceil", "floor", "ceil"]>, "round_prefer_floor">
          :$nearest_mode,
      DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
      DefaultValuedAttr<BoolAttr, "false">:$exclude_outside,
      OptionalAttr<DenseF64ArrayAttr>:$roi,
      DefaultValuedAttr<F64Attr, "0.0">:$extrapolation_value);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_GridSampleOp : Graph_InferOp<"grid_sample"> {
  let summary = "Sample an image at grid positions (ONNX GridSample-16)";
  let description = [{
    `input` [N, C, H, W], `grid` [N, Ho, Wo, 2] of (x, y) positions in
    [-1, 1]; the result is [N, C, Ho, Wo]. `mode`, `padding_mode` and
    `align_corners` keep their ONNX (and PyTorch grid_sample) meaning.
  }];
  let arguments = (ins Graph_FloatTensor:$input, Graph_FloatTensor:$grid,
      DefaultValuedStrAttr<Graph_StrChoiceAttr<["bilinear", "nearest",
          "bicubic"]>, "bilinear">:$mode,
      DefaultValuedStrAttr<Graph_StrChoiceAttr<["zeros", "border",
          "reflection"]>, "zeros">:$padding_mode,
      DefaultValuedAttr<BoolAttr, "false">:$align_corners);
  let results = (outs Graph_FloatTensor:$result);
  let assemblyFormat = "$input `,` $grid attr-dict `:` "
                       "functional-type(operands, results)";
  let inferTypesBody = [{
    auto in = ::mica::graph::getShape(adaptor.getInput().getType());
    auto grid = ::mica::graph::getShape(adaptor.getGrid().getType());
    if (in.size() != 4 || grid.size() != 4 || grid[3] != 2)
      return emitError() << "expects a 4-D input and an [N, Ho, Wo, 2] grid";
    types.push_back(::mlir::RankedTensorType::get(
        {in[0], in[1], grid[1], grid[2]},
        ::mica::graph::getElementType(adaptor.getInput().getType())));
    return ::mlir::success();
  }];
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

def Graph_ReduceOp : Graph_InferOp<"reduce"> {
  let summary = "Reduction over a set of axes";
  let description = [{
    Reduces `axes` (negative allowed, no repeats; empty = all axes) with
    `kind`; `keepdims` keeps them as size 1.

    ```mlir
    %m = graph.reduce <mean> %x {axes = array<i64: 2, 3>}
        : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
    ```
  }];
  let arguments = (ins Graph_ReduceKindAttr:$kind, Graph_Tensor:$input,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat =
      "$kind $input attr-dict `:` functional-type(operands, results)";
}

class Graph_ArgReduceOp<string mnemonic, string what>
    : Graph_InferOp<mnemonic> {
  let summary = "Index of the " # what # " along an axis";
  let description = "The i64 index of the " # what # " along `axis` "
      # "(first occurrence, or last with `select_last_index`); `keepdims` "
      # "keeps the axis as size 1.";
  let arguments = (ins Graph_Tensor:$input,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                   DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs Graph_I64Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let inferTypesBody = [{
    auto shape = ::mica::graph::inferArgReduceShape(
        ::mica::graph::getShape(adaptor.getInput().getType()),
        adaptor.getAxis(), adaptor.getKeepdims(), emitError);
    if (::mlir::failed(shape))
      return ::mlir::failure();
    types.push_back(::mlir::RankedTensorType::get(*shape,
        ::mlir::IntegerType::get(adaptor.getInput().getContext(), 64)));
    return ::mlir::success();
  }];
}
def Graph_ArgMaxOp : Graph_ArgReduceOp<"argmax", "maximum">;
def Graph_ArgMinOp : Graph_ArgReduceOp<"argmin", "minimum">;

#endif // MICA_GRAPH_NN_OPS
