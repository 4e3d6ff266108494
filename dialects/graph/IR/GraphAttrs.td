//===- GraphAttrs.td - Mica graph dialect attributes ------*- tablegen -*-===//
//
// Enumerations of the graph dialect. String-valued ONNX options (gelu's
// `approximate`, resize's modes, pad's mode) stay `StrAttr`s constrained to the
// ONNX spellings (Graph_StrChoiceAttr); kinds that select among op variants
// are enums here.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_GRAPH_ATTRS
#define MICA_GRAPH_ATTRS

include "dialects/graph/IR/GraphBase.td"
include "mlir/IR/EnumAttr.td"

def Graph_ReduceKind : I32EnumAttr<"ReduceKind", "reduction kind of graph.reduce", [
    I32EnumAttrCase<"sum", 0>,
    I32EnumAttrCase<"mean", 1>,
    I32EnumAttrCase<"max", 2>,
    I32EnumAttrCase<"min", 3>,
    I32EnumAttrCase<"prod", 4>,
    I32EnumAttrCase<"l1", 5>,
    I32EnumAttrCase<"l2", 6>,
    I32EnumAttrCase<"sum_square", 7>,
    I32EnumAttrCase<"log_sum_exp", 8>]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mica::graph";
}

// Written `#graph.reduce_kind<mean>` inside attribute dictionaries and as
// `<mean>` in graph.reduce's own syntax.
def Graph_ReduceKindAttr
    : EnumAttr<Graph_Dialect, Graph_ReduceKind, "reduce_kind"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // MICA_GRAPH_ATTRS
