//===- OnnxOps.td - Hand-written onnx dialect ops ---------*- tablegen -*-===//
//
// The few ops that are not ONNX operators but that an ONNX graph needs in
// MLIR form: absent optional values and subgraph terminators.
//===----------------------------------------------------------------------===//
#ifndef MICA_ONNX_OPS
#define MICA_ONNX_OPS

include "dialects/onnx/IR/OnnxBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def ONNX_NoValueOp : Op<Onnx_Dialect, "NoValue", [Pure]> {
  let summary = "An absent optional input or output";
  let description = [{
    ONNX marks an omitted optional input with the empty name. Mica keeps every
    declared operand and passes the result of this op, of type `none`, in its
    place, so operand positions always match the schema.
  }];
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
}

def ONNX_YieldOp : Op<Onnx_Dialect, "Yield", [Pure, Terminator, ReturnLike]> {
  let summary = "The outputs of an ONNX subgraph (If/Loop/Scan body)";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

#endif // MICA_ONNX_OPS
