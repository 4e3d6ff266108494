//===- GraphOps.td - Mica graph dialect ops ---------------*- tablegen -*-===//
//
// The op list of the graph dialect, one file per family so that each stays
// readable: elementwise ops, neural-network ops (conv, matmul, attention,
// norms, pooling, resize, reductions), shape/quantisation ops and indexing
// ops (gathers, scatters, cumsum).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_GRAPH_OPS
#define MICA_GRAPH_OPS

include "dialects/graph/IR/GraphBase.td"
include "dialects/graph/IR/GraphAttrs.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def Graph_ConstantOp : Graph_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor (weights, shapes, scalars)";
  let description = [{
    Materialises `value` (any `ElementsAttr`, dense or resource) as a tensor.
    The result type is the attribute's type.

    ```mlir
    %w = graph.constant dense<1.0> : tensor<8x3x3x3xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyTensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

include "dialects/graph/IR/GraphElementwiseOps.td"
include "dialects/graph/IR/GraphNNOps.td"
include "dialects/graph/IR/GraphShapeOps.td"
include "dialects/graph/IR/GraphIndexingOps.td"

#endif // MICA_GRAPH_OPS
