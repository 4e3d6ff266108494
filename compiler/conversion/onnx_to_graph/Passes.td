//===- Passes.td - onnx -> graph conversion passes --------*- tablegen -*-===//
#ifndef MICA_CONVERSION_ONNX_TO_GRAPH_PASSES
#define MICA_CONVERSION_ONNX_TO_GRAPH_PASSES

include "mlir/Pass/PassBase.td"

def NormalizeOnnxVersions : Pass<"mica-normalize-onnx-versions", "::mlir::ModuleOp"> {
  let summary = "Rewrite older onnx op versions into the newest version's form";
  let description = [{
    The onnx dialect has one op per schema version; this pass rewrites every
    older version (`onnx.Slice_v1`, `onnx.Softmax_v11`, ...) into the newest op
    of its operator, so that the conversion to the graph dialect knows one form
    per operator. Versions that differ only in allowed types or in attributes
    added later are renamed; versions whose form or meaning changed (attributes
    that became operands, Softmax-1/11's 2-D coercion, opset-1/6 broadcasting,
    Upsample and Resize-10, ...) are rewritten, with constants for the moved
    attributes. A version that cannot be written in the newest form keeps its
    op and gets a `mica.unnormalized` attribute with the reason, which the
    conversion's error reports. Scan-8 (batched) keeps its own form.
  }];
}

def ConvertOnnxToGraph : Pass<"mica-convert-onnx-to-graph", "::mlir::ModuleOp"> {
  let summary = "Normalise onnx dialect ops into Mica's graph dialect";
  let description = [{
    Rewrites every onnx op that has a graph-dialect equivalent (and whose
    operands that decide shapes are constant) into graph ops, folding constant
    shape subgraphs on the way. Ops without an equivalent stay in the onnx
    dialect and are lowered directly later; with `strict`, any leftover onnx
    op is an error that names the node and op type.

    A graph op takes the onnx result type, refined per dim by the graph shape
    function where every user accepts a refined type. A Slice with runtime
    parameters (which stays in onnx) gets its unranked result refined to the
    input's rank so that the ops after it can convert.
  }];
  let options = [
    Option<"strict", "strict", "bool", /*default=*/"false",
           "Fail if any onnx op is left unconverted">
  ];
  let dependentDialects = ["::mica::graph::GraphDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RefineGraphTypes : Pass<"mica-refine-graph-types", "::mlir::ModuleOp"> {
  let summary = "Re-infer graph op result types, making dims static where "
                "operands now allow";
  let description = [{
    Canonicalisation can make a value's type more static after its users were
    created (a Reshape whose shape operand became partially constant, say);
    their result types then keep `?` dims they no longer need. This pass
    walks graph ops in order and joins each result type with the type the
    op's shape function infers from its current operands (a static dim wins
    over `?`). A use that does not re-infer its own types (func.return, ops of
    other dialects) keeps the old type through a tensor.cast. Static dims make
    the memory plan of symbolic-dim models exact and let loops be specialised.

    Last, a public function whose returned value is such a cast of a more
    precise tensor returns that tensor and says so in its type: a model output
    declared without a shape (or with `?` dims) that the compiled input shapes
    decide becomes ranked (static) in the signature.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

#endif // MICA_CONVERSION_ONNX_TO_GRAPH_PASSES
