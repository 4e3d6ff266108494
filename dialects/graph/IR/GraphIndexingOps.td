//===- GraphIndexingOps.td - Data-dependent indexing ops --*- tablegen -*-===//
//
// Ops that read or write elements at positions given by an index tensor
// (gather_elements, scatter_elements, gather_nd, scatter_nd) and the running
// sum along an axis (cumsum). Indices are i32/i64; negative ones count from
// the end of their axis.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_GRAPH_INDEXING_OPS
#define MICA_GRAPH_INDEXING_OPS

def Graph_ScatterReductionAttr : Graph_StrChoiceAttr<
    ["none", "add", "mul", "max", "min"]>;

def Graph_GatherElementsOp : Graph_InferOp<"gather_elements"> {
  let summary = "Gather single elements along an axis (ONNX GatherElements)";
  let description = [{
    `result[i0, .., ik, ..] = input[i0, .., indices[i0, .., ik, ..], ..]`
    with the index at `axis`; the result has the shape of `indices` and the
    element type of `input`; both have one rank.
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $indices attr-dict `:` "
                       "functional-type(operands, results)";
  let inferTypesBody = [{
    return ::mica::graph::inferGatherElementsTypes(adaptor.getInput().getType(),
        adaptor.getIndices().getType(), adaptor.getAxis(), emitError, types);
  }];
}

def Graph_ScatterElementsOp : Graph_InferOp<"scatter_elements"> {
  let summary = "Scatter single elements along an axis (ONNX ScatterElements)";
  let description = [{
    A copy of `input` where, for every position p of `updates`, the element
    at p with p[axis] replaced by `indices[p]` becomes `updates[p]` (or is
    combined with it by `reduction`). Updates are applied in row-major order,
    so with `reduction = "none"` the last duplicate wins. `indices` and
    `updates` share a shape.
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                   Graph_Tensor:$updates,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedStrAttr<Graph_ScatterReductionAttr, "none">
                       :$reduction);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $indices `,` $updates attr-dict `:` "
                       "functional-type(operands, results)";
  let inferTypesBody = [{
    return ::mica::graph::inferScatterElementsTypes(
        adaptor.getInput().getType(), adaptor.getIndices().getType(),
        adaptor.getUpdates().getType(), adaptor.getAxis(), emitError, types);
  }];
}

def Graph_GatherNdOp : Graph_InferOp<"gather_nd"> {
  let summary = "Gather slices by index tuples (ONNX GatherND)";
  let description = [{
    The last dim of `indices` (K, static) holds index tuples into the dims
    [batch_dims, batch_dims + K) of `input`; the first `batch_dims` dims of
    both are shared. Result shape: indices.shape[:-1] ++
    input.shape[batch_dims + K:].
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $indices attr-dict `:` "
                       "functional-type(operands, results)";
  let inferTypesBody = [{
    return ::mica::graph::inferGatherNdTypes(adaptor.getInput().getType(),
        adaptor.getIndices().getType(), adaptor.getBatchDims(), emitError,
        types);
  }];
}

def Graph_ScatterNdOp : Graph_InferOp<"scatter_nd"> {
  let summary = "Scatter slices by index tuples (ONNX ScatterND)";
  let description = [{
    A copy of `input` where the slice addressed by each index tuple (the last
    dim of `indices`, K entries, static) becomes the matching slice of
    `updates` (or is combined with it by `reduction`), in row-major order.
    updates.shape = indices.shape[:-1] ++ input.shape[K:].
  }];
  let arguments = (ins Graph_Tensor:$input, Graph_IndexTensor:$indices,
                   Graph_Tensor:$updates,
                   DefaultValuedStrAttr<Graph_ScatterReductionAttr, "none">
                       :$reduction);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input `,` $indices `,` $updates attr-dict `:` "
                       "functional-type(operands, results)";
  let inferTypesBody = [{
    return ::mica::graph::inferScatterNdTypes(adaptor.getInput().getType(),
        adaptor.getIndices().getType(), adaptor.getUpdates().getType(),
        emitError, types);
  }];
}

def Graph_CumSumOp : Graph_InferOp<"cumsum"> {
  let summary = "Running sum along an axis (ONNX CumSum)";
  let description = [{
    `result[.., k, ..] = sum of input[.., j, ..]` over j <= k (j < k with
    `exclusive`; j >= k, or j > k, with `reverse`), summed in the order of
    the axis. The result has the input's type.
  }];
  let arguments = (ins Graph_Tensor:$input, I64Attr:$axis,
                   DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                   DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let inferTypesBody = [{
    return ::mica::graph::inferAxisPreservingTypes(adaptor.getInput().getType(),
        adaptor.getAxis(), emitError, types);
  }];
}

def Graph_TopKOp : Graph_InferOp<"top_k"> {
  let summary = "The k largest (or smallest) elements along an axis";
  let description = [{
    `values` holds the k largest elements along `axis` (smallest with
    `largest = false`), sorted from the most extreme, equal values ordered
    by index; `indices` (i64) their positions. The results have the input's
    shape with `k` at `axis`.
  }];
  let arguments = (ins Graph_Tensor:$input, I64Attr:$k,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<BoolAttr, "true">:$largest);
  let results = (outs Graph_Tensor:$values, Graph_I64Tensor:$indices);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let inferTypesBody = [{
    return ::mica::graph::inferTopKTypes(adaptor.getInput().getType(),
        adaptor.getK(), adaptor.getAxis(), emitError, types);
  }];
}

def Graph_EinsumOp : Graph_InferOp<"einsum"> {
  let summary = "Einstein summation (ONNX Einsum)";
  let description = [{
    `equation` in ONNX syntax (`"bij,bjk->bik"`, `...` for broadcast dims,
    an implicit output when `->` is absent): the product of the operands
    summed over the labels missing from the output. All operands share one
    element type.
  }];
  let arguments = (ins Variadic<Graph_Tensor>:$inputs, StrAttr:$equation);
  let results = (outs Graph_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let inferTypesBody = [{
    return ::mica::graph::inferEinsumTypes(adaptor.getInputs().getTypes(),
        adaptor.getEquation(), emitError, types);
  }];
}

def Graph_NonZeroOp : Graph_InferOp<"nonzero"> {
  let summary = "Coordinates of the non-zero elements (ONNX NonZero)";
  let description = [{
    The result is [rank, count] (i64): column j holds the coordinates of the
    j-th non-zero element in row-major order. `count` is known at run time
    only (at most the input's element count, which bounds the buffer).
  }];
  let arguments = (ins Graph_Tensor:$input);
  let results = (outs Graph_I64Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let inferTypesBody = [{
    int64_t rank = ::mica::graph::getShape(adaptor.getInput().getType()).size();
    types.push_back(::mlir::RankedTensorType::get(
        {rank, ::mlir::ShapedType::kDynamic},
        ::mlir::IntegerType::get(adaptor.getInput().getContext(), 64)));
    return ::mlir::success();
  }];
}

def Graph_NonMaxSuppressionOp : Graph_InferOp<"non_max_suppression"> {
  let summary = "Greedy non-maximum suppression (ONNX NonMaxSuppression)";
  let description = [{
    `boxes` [B, N, 4] (corners in any order, or centre and size with
    `center_point_box`), `scores` [B, C, N], scalar `iou_threshold` and
    optional `score_threshold`. For each batch and class, boxes scoring above
    the threshold are selected best first (ties: lower index) unless their
    IoU with an already selected box exceeds `iou_threshold`, at most
    `max_output` per class. The result lists (batch, class, box) rows (i64)
    in that order; its row count is known at run time only.
  }];
  let arguments = (ins Graph_FloatTensor:$boxes, Graph_FloatTensor:$scores,
                   Graph_FloatTensor:$iou_threshold,
                   Optional<Graph_FloatTensor>:$score_threshold,
                   I64Attr:$max_output,
                   DefaultValuedAttr<BoolAttr, "false">:$center_point_box);
  let results = (outs Graph_I64Tensor:$result);
  let assemblyFormat = "$boxes `,` $scores `,` $iou_threshold "
                       "(`,` $score_threshold^)? attr-dict `:` "
                       "functional-type(operands, results)";
  let inferTypesBody = [{
    auto boxes = ::mica::graph::getShape(adaptor.getBoxes().getType());
    auto scores = ::mica::graph::getShape(adaptor.getScores().getType());
    if (boxes.size() != 3 || scores.size() != 3 || boxes[2] != 4)
      return emitError() << "expects [B, N, 4] boxes and [B, C, N] scores";
    types.push_back(::mlir::RankedTensorType::get(
        {::mlir::ShapedType::kDynamic, 3},
        ::mlir::IntegerType::get(adaptor.getBoxes().getContext(), 64)));
    return ::mlir::success();
  }];
}

def Graph_UniqueOp : Graph_InferOp<"unique"> {
  let summary = "Distinct slices along an axis (ONNX Unique)";
  let description = [{
    The distinct slices of `input` along `axis` (ONNX flattens the input
    first when it has no axis), in ascending lexicographic order with
    `sorted`, else in the order of their first occurrence. `unique` holds
    them (the input's shape with `count` at `axis`), `indices` the position
    of each one's first occurrence, `inverse` the position in `unique` of
    every input slice and `counts` how often each one occurs (all i64).
    `count` is known at run time only (at most the axis extent, which bounds
    the buffers).
  }];
  let arguments = (ins Graph_Tensor:$input, I64Attr:$axis,
                   DefaultValuedAttr<BoolAttr, "true">:$sorted);
  let results = (outs Graph_Tensor:$unique, Graph_I64Tensor:$indices,
                      Graph_I64Tensor:$inverse, Graph_I64Tensor:$counts);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let inferTypesBody = [{
    auto inputType = ::llvm::dyn_cast<::mlir::RankedTensorType>(
        adaptor.getInput().getType());
    if (!inputType)
      return emitError() << "expects a ranked input";
    int64_t rank = inputType.getRank(), axis = adaptor.getAxis();
    if (axis < 0 || axis >= rank)
      return emitError() << "axis " << axis << " is out of range for rank "
                         << rank;
    ::llvm::SmallVector<int64_t> shape(inputType.getShape());
    int64_t extent = shape[axis];
    shape[axis] = ::mlir::ShapedType::kDynamic;
    auto i64 = ::mlir::IntegerType::get(inputType.getContext(), 64);
    auto dynamic = ::mlir::RankedTensorType::get(
        {::mlir::ShapedType::kDynamic}, i64);
    types.push_back(inputType.clone(shape));
    types.push_back(dynamic);
    types.push_back(::mlir::RankedTensorType::get({extent}, i64));
    types.push_back(dynamic);
    return ::mlir::success();
  }];
}

#endif // MICA_GRAPH_INDEXING_OPS
