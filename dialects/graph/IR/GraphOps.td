//===- GraphOps.td - Mica graph dialect ops ---------------*- tablegen -*-===//
//
// The op list of the graph dialect, one file per family so that each stays
// readable: elementwise ops, neural-network ops (conv, matmul, attention,
// norms, pooling, resize, reductions), shape ops, indexing ops (gathers,
// scatters, cumsum) and the integer quantisation ops.
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

def Graph_FailOp : Graph_Op<"fail", [MemoryEffects<[MemWrite]>]> {
  let summary = "The run fails here (a branch that cannot run)";
  let description = [{
    Marks code that cannot run with the compiled input shapes, such as the
    branch of an `If` on a run-time value whose static shapes contradict each
    other (ONNX Runtime fails only when it takes such a branch; so does a
    compiled model). Lowered to a call of the runtime's `mica_kernel_fail`
    with the node's index: the run returns an error naming the node. Code
    after it still runs on placeholder values (zeros), which nothing reads.

    ```mlir
    graph.fail "Reshape of 6 elements to [4, 4]"
    ```
  }];
  let arguments = (ins StrAttr:$message);
  let assemblyFormat = "$message attr-dict";
}

include "dialects/graph/IR/GraphElementwiseOps.td"
include "dialects/graph/IR/GraphNNOps.td"
include "dialects/graph/IR/GraphShapeOps.td"
include "dialects/graph/IR/GraphIndexingOps.td"
include "dialects/graph/IR/GraphQuantOps.td"

#endif // MICA_GRAPH_OPS
