//===- ExecOps.td - Mica execution dialect ops ------------*- tablegen -*-===//
#ifndef MICA_EXEC_OPS
#define MICA_EXEC_OPS

include "dialects/exec/IR/ExecBase.td"
include "mlir/IR/SymbolInterfaces.td"

def Exec_SegmentOp : Exec_Op<"segment", [Symbol]> {
  let summary = "A weight segment: constants stored together in the artifact";
  let description = [{
    A segment is a 64-byte aligned, separately mappable range of the artifact
    holding constants. Generated code reaches a constant through
    (segment, offset), never through a global symbol.

    ```mlir
    exec.segment @weights_0 size 4096
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, I64Attr:$size);
  let assemblyFormat = "$sym_name `size` $size attr-dict";
  let hasVerifier = 1;
}

def Exec_BlockOp : Exec_Op<"block", [Symbol]> {
  let summary = "A group of ops compiled together for one target";
  let description = [{
    A block names a unit of the schedule. `target` is the target that runs it
    (`host`, `arm64`, `vulkan`, `npu`); `segments` lists the weight segments it
    reads, so the scheduler knows what must be resident before it runs.

    ```mlir
    exec.block @block_0 target "arm64" segments [@weights_0]
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$target,
                       SymbolRefArrayAttr:$segments);
  let assemblyFormat = "$sym_name `target` $target `segments` $segments attr-dict";
}

#endif // MICA_EXEC_OPS
