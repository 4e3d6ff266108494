//===- GraphShapeOps.td - Shape graph ops -----------------*- tablegen -*-===//
//
// Data-movement ops (reshape, transpose, concat, slice, gather, broadcast_to,
// split, pad, shape_of, tile). Shape subgraphs made of these ops fold on
// small constant tensors.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_GRAPH_SHAPE_OPS
#define MICA_GRAPH_SHAPE_OPS

def Graph_ReshapeOp : Graph_InferOp<"reshape"> {
  let summary = "Reshape to a static or runtime shape (ONNX Reshape)";
  let description = [{
    Exactly one of `new_shape` (attribute) and `shape` (1-D i64 operand of
    static size) gives the target shape. `new_shape` has ONNX semantics: 0
    copies the input dim at the same index (a `?` stays `?`), -1 (at most
    one) is inferred from the element count. A constant `shape` operand is
    canonicalised into `new_shape`.
  }];
  let arguments = (ins Graph_Tensor:$input, Optional<Graph_I64Tensor>:$shape,
                   OptionalAttr<DenseI64ArrayAttr>:$new_shape);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input (`,` $shape^)? attr-dict `:` "
                       "functional-type(operands, results)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Graph_TransposeOp : Graph_InferOp<"transpose"> {
  let summary = "Permute dims: result dim i = input dim perm[i]";
  let description = [{
    `perm` is a permutation of [0, rank). Identity permutations fold away,
    nested transposes compose.
  }];
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Graph_ConcatOp : Graph_InferOp<"concat"> {
  let summary = "Concatenation along an axis";
  let description = [{
    All inputs share rank and element type and agree on every dim but `axis`
    (negative counts from the end).
  }];
  let arguments = (ins Variadic<Graph_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Graph_SliceOp : Graph_InferOp<"slice"> {
  let summary = "Strided slice with ONNX clamping";
  let description = [{
    One `starts`/`ends`/`steps` entry per input dim (steps != 0). Negative
    indexes count from the end; out-of-range values clamp as in ONNX Slice
    (ends may be INT64_MAX or INT64_MIN). A sliced `?` dim stays `?` unless
    the slice is the full dim.
  }];
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$starts,
                   DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Graph_DynamicSliceOp : Graph_InferOp<"dynamic_slice"> {
  let summary = "Strided slice whose starts and ends are known at run time";
  let description = [{
    `starts` and `ends` are 1-D integer tensors with one entry per axis in
    `axes`; `steps` has one (non-zero) entry per axis too. Axes not listed are
    kept whole. Values follow ONNX Slice: negative ones count from the end and
    out-of-range ones clamp. The sliced dims are `?`. When `starts` and `ends`
    are constant it canonicalises to `graph.slice`.

    ```mlir
    %r = graph.dynamic_slice %x, %b, %e {axes = array<i64: 1>, steps = array<i64: 1>}
        : (tensor<1x64xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x?xf32>
    ```
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$starts,
                   Graph_IndexTensor:$ends, DenseI64ArrayAttr:$axes,
                   DenseI64ArrayAttr:$steps);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $starts `,` $ends attr-dict `:` "
                       "functional-type(operands, results)";
  let hasCanonicalizer = 1;
}

def Graph_GatherOp : Graph_InferOp<"gather"> {
  let summary = "Gather slices along an axis (ONNX Gather)";
  let description = [{
    result shape = input[:axis] ++ indices.shape ++ input[axis + 1:]; indices
    are i32/i64, negative ones count from the end of the axis.
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $indices attr-dict `:` "
                       "functional-type(operands, results)";
  let hasFolder = 1;
}

def Graph_BroadcastToOp : Graph_InferOp<"broadcast_to"> {
  let summary = "Broadcast to a shape (ONNX Expand, ConstantOfShape)";
  let description = [{
    The result shape is the numpy broadcast of the input shape and `shape`
    (so a 1 in `shape` keeps the input dim, as in ONNX Expand). With the
    optional `target` operand (1-D i64, as long as `shape`), a -1 in `shape`
    is read from `target` at run time: shapes computed from symbolic dims.
    Entries of `target` that become known are canonicalised into `shape`.
  }];
  let arguments = (ins Graph_Tensor:$input, Optional<Graph_I64Tensor>:$target,
                   DenseI64ArrayAttr:$shape);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input (`,` $target^)? attr-dict `:` "
                       "functional-type(operands, results)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Graph_SplitOp : Graph_InferOp<"split"> {
  let summary = "Split along an axis into pieces of the given sizes";
  let description = [{
    One result per `sizes` entry (each >= 0); when the input dim is static the
    sizes sum to it.
  }];
  let arguments = (ins Graph_Tensor:$input, I64Attr:$axis,
                   DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Graph_Tensor>:$results);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Graph_PadOp : Graph_InferOp<"pad"> {
  let summary = "Pad with a constant, reflection or edge values";
  let description = [{
    `pads` has 2 * rank ONNX-ordered entries (negative ones crop); `value`
    is used by mode "constant".
  }];
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$pads,
      DefaultValuedStrAttr<Graph_StrChoiceAttr<["constant", "reflect", "edge"]>,
                           "constant">:$mode,
      DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Graph_ShapeOfOp : Graph_InferOp<"shape_of"> {
  let summary = "The shape of a tensor as a 1-D i64 tensor";
  let description = "Folds to a constant when the input shape is static.";
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_I64Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Graph_TileOp : Graph_InferOp<"tile"> {
  let summary = "Repeat a tensor along each dim (ONNX Tile)";
  let description = "result dim i = input dim i * repeats[i] (repeats >= 0).";
  let arguments = (ins Graph_Tensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

#endif // MICA_GRAPH_SHAPE_OPS
