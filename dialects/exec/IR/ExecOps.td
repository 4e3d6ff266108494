//===- ExecOps.td - Mica execution dialect ops ------------*- tablegen -*-===//
//
// The execution plan of a compiled model, written by the kernel-interface
// passes of a target (targets/cpu/kernel) and read by the one function that
// builds the artifact (compiler/artifact/PlanToArtifact.cpp):
//
//   exec.segment      constants stored together (one segment shared by every
//                     entry point; a constant is stored once per distinct
//                     byte content)
//   exec.entry_point  one callable graph: its signature bounds and its static
//                     memory plan, with the steps that run it
//   exec.step         one kernel of an entry point, on one target
//   exec.node_table   the ONNX nodes that hooks and profiles refer to by index
//   exec.active_count a width group's active channel count, inside kernels
//                     (runtime-selectable width, --sortable-width)
//
//===----------------------------------------------------------------------===//
#ifndef MICA_EXEC_OPS
#define MICA_EXEC_OPS

include "dialects/exec/IR/ExecBase.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Exec_ShapeArrayAttr : TypedArrayAttrBase<DenseI64ArrayAttr,
                                             "array of shapes">;

def Exec_SegmentOp : Exec_Op<"segment", [Symbol]> {
  let summary = "A constants segment: weights stored together in the artifact";
  let description = [{
    A segment is a 64-byte aligned, separately mappable range of the artifact
    holding constants. Generated code reaches a constant through
    (segment, offset), never through a global symbol, so one segment serves
    every entry point of a model. `data`, when present, holds the bytes
    (`size` of them, a multiple of 64); a plan written by hand or read back
    with elided resources may leave it out.

    ```mlir
    exec.segment @constants size 4096
    exec.segment @constants size 64 data dense_resource<blob> : tensor<64xi8>
    exec.segment @block_1 streamed size 8192
    ```

    A `streamed` segment (--memory-budget, passes/partition) holds the
    constants of one block of steps: it is stored after the code at a
    page-aligned offset, and a streaming runtime reads it into one of a
    bounded set of buffers just before the steps that read it, instead of
    mapping it at load. A step reads at most one streamed segment, and a
    streamed segment is read by the steps of one entry point only.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, UnitAttr:$streamed,
                       I64Attr:$size, OptionalAttr<ElementsAttr>:$data);
  let assemblyFormat =
      "$sym_name (`streamed` $streamed^)? `size` $size (`data` $data^)? attr-dict";
  let hasVerifier = 1;
}

def Exec_EntryPointOp : Exec_Op<"entry_point", [
    SingleBlock, NoTerminator, IsolatedFromAbove,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "A callable graph of the model, its bounds and memory plan";
  let description = [{
    One entry point of the artifact, called by `name` (unique in the
    module; the runtime's mica_model_find_entry_point): `function` is the bound function that
    computes it; `input_shapes` the shapes of its inputs (dynamic dims as
    `?`, i.e. the minimum int64), `input_max_shapes` and `output_max_shapes`
    the upper bounds the memory plan was sized for, `output_elem_bytes` the
    bytes per element of each result. `arena_size` is the scratch a context
    needs (the static memory plan), `intermediates_size` the sum of all
    intermediates without reuse. The region lists the steps, in run order.

    ```mlir
    exec.entry_point "main" function @main arena 128 intermediates 192
        attributes {input_shapes = [array<i64: 4>], ...} {
      exec.step target "host" kernel "mica_main" segments [@constants]
    }
    ```
  }];
  let arguments = (ins StrAttr:$name,
                       FlatSymbolRefAttr:$function,
                       Exec_ShapeArrayAttr:$input_shapes,
                       Exec_ShapeArrayAttr:$input_max_shapes,
                       Exec_ShapeArrayAttr:$output_max_shapes,
                       DenseI64ArrayAttr:$output_elem_bytes,
                       I64Attr:$arena_size,
                       I64Attr:$intermediates_size,
                       OptionalAttr<DenseI64ArrayAttr>:$active_groups);
  let regions = (region SizedRegion<1>:$steps);
  let assemblyFormat = [{
    $name `function` $function `arena` $arena_size
    `intermediates` $intermediates_size attr-dict-with-keyword $steps
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The steps of the entry point, in run order.
    auto getStepOps() { return getSteps().front().getOps<StepOp>(); }
  }];
}

def Exec_StepOp : Exec_Op<"step", [
    HasParent<"EntryPointOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "One kernel of an entry point, run on one target";
  let description = [{
    `target` names the target that runs the step (`host`, `arm64`, ...),
    `kernel` the symbol of its code in that target's code (for the CPU
    targets a function with the ABI of runtime/include/mica/kernel_abi.h),
    `segments` the constants segments it reads, in the order of the
    kernel's segment table. `function`, when present, is the bound function
    the step's kernel calls (an entry point cut into several steps by
    --memory-budget: one function per block); absent, it is the entry
    point's `function`.

    ```mlir
    exec.step target "arm64" kernel "mica_main" segments [@constants]
    exec.step target "host" kernel "mica_main_s1" function @main_s1
        segments [@block_1]
    ```
  }];
  let arguments = (ins StrAttr:$target, StrAttr:$kernel,
                       OptionalAttr<FlatSymbolRefAttr>:$function,
                       SymbolRefArrayAttr:$segments);
  let assemblyFormat = [{
    `target` $target `kernel` $kernel (`function` $function^)?
    `segments` $segments attr-dict
  }];
  let extraClassDeclaration = [{
    /// The bound function the kernel calls: `function`, else the entry
    /// point's.
    ::mlir::FlatSymbolRefAttr getBoundFunction();
  }];
  let hasVerifier = 1;
}

def Exec_NodeTableOp : Exec_Op<"node_table"> {
  let summary = "The ONNX nodes of the source model, by index";
  let description = [{
    The artifact's node table: names and op types of the ONNX nodes, in the
    order hooks and profiles index them. Generated code passes a node's index
    to the runtime's layer and tensor hooks. One per module.

    ```mlir
    exec.node_table names ["conv1", "relu1"] op_types ["Conv", "Relu"]
    ```
  }];
  let arguments = (ins StrArrayAttr:$names, StrArrayAttr:$op_types);
  let assemblyFormat = "`names` $names `op_types` $op_types attr-dict";
  let hasVerifier = 1;
}

def Exec_ActiveCountOp : Exec_Op<"active_count", [Pure]> {
  let summary = "The active channel count of a width group, at run time";
  let description = [{
    Inside a kernel of a --sortable-width model: how many channels of width
    group `group` (an index into the model's width group table) the current
    run computes, between 0 and the group's full count. Written by the CPU
    contraction codegen where a loop is bounded by `mica.width`; the kernel
    interface (mica-bind-kernel-interface) replaces every one by an `index`
    argument of the entry function, listed in the entry point's
    `active_groups`, which the exported kernel loads from
    `mica_kernel_ctx.active_counts[group]`. Pure: the count does not change
    during a run.

    ```mlir
    %count = exec.active_count {group = 0} : index
    ```
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$group);
  let results = (outs Index:$count);
  let assemblyFormat = "attr-dict `:` type($count)";
}

#endif // MICA_EXEC_OPS
