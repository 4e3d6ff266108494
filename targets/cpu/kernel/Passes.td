//===- Passes.td - Kernel ABI passes ----------------------*- tablegen -*-===//
#ifndef MICA_TARGETS_CPU_KERNEL_PASSES
#define MICA_TARGETS_CPU_KERNEL_PASSES

include "mlir/Pass/PassBase.td"

def BindKernelInterface : Pass<"mica-bind-kernel-interface", "::mlir::ModuleOp"> {
  let summary = "Rewrite a bufferized entry function to the kernel ABI: "
                "constants in a segment, intermediates in a planned arena, "
                "results in caller buffers";
  let description = [{
    Runs on bufferized IR (after one-shot bufferization, before any
    deallocation pass) and rewrites each entry function into

      func @main(%ctx: !llvm.ptr, %segment0: memref<?xi8>,
                 %arena: memref<?xi8>, <inputs>..., <output buffers:
                 memref<?xi8>>..., <output shapes: memref<RANKxi64>>...,
                 <active counts: index>...)

    - Weights by reference: every `memref.get_global` of a constant becomes a
      `memref.view` of %segment0 at a 64-byte aligned offset; the globals are
      removed and their bytes stored in the module's
      `exec.segment @constants` (a dense_resource of i8). Generated code then
      holds no weight.
    - Static memory plan: every `memref.alloc` becomes a `memref.view` of
      %arena at an offset chosen by a liveness-based planner (buffers whose
      lifetimes are disjoint share bytes). Sizes of dynamic dimensions come
      from the inputs' `exec.max_shape` argument attributes.
    - Results: a result computed into a fresh buffer is computed directly in
      the caller's output buffer; any other result is copied there. Each
      result's actual shape is stored into its shape memref.
    - Width (--sortable-width): each width group the kernels read through
      `exec.active_count` becomes one trailing `index` argument (groups
      ascending, listed in the entry point's `active_groups`), and the
      module's `exec.required_features` gets "sortable_width".

    Every public function with a body is an entry point (a model compiled
    at several input shapes has one per shape set); all of them share one
    constants segment, `exec.segment @constants`, where a constant is stored
    once per distinct content. Each bound function gets an
    `exec.entry_point` (input shapes and bounds, output bounds and element
    sizes, arena and intermediates sizes) with one `exec.step` that runs the
    kernel `PREFIX_ENTRY` on `target`. mica-emit-kernel-entry and the
    artifact builder read these ops and nothing else.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"host\"",
           "Target name recorded on each step">,
    Option<"prefix", "prefix", "std::string", "\"mica\"",
           "Prefix of the exported kernels: PREFIX_ENTRY">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mica::exec::ExecDialect"];
}

def InsertLayerHooks : Pass<"mica-insert-layer-hooks", "::mlir::ModuleOp"> {
  let summary = "Call mica_kernel_layer_hook around the code of each ONNX node";
  let description = [{
    After mica-bind-kernel-interface: groups the top-level ops of the entry
    function by the ONNX node named in their location and brackets each
    group with `mica_kernel_layer_hook(%ctx, node, 0)` and `(..., 1)`, where
    `node` indexes the module's `exec.node_table` (extended with nodes found
    only in locations). The runtime turns these calls into per-layer timing;
    without hooks installed each costs a call and a branch. Runs on every
    function an `exec.entry_point` names; the node table is the module's
    `exec.node_table` (created when absent).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mica::exec::ExecDialect"];
}

def EmitKernelEntry : Pass<"mica-emit-kernel-entry", "::mlir::ModuleOp"> {
  let summary = "Add the exported kernel `int32_t SYMBOL(const mica_kernel_ctx*)`";
  let description = [{
    Runs on the LLVM dialect after the whole lowering: for each
    `exec.entry_point`, adds an external `llvm.func @KERNEL(!llvm.ptr) -> i32`
    (KERNEL: the symbol its step names) that reads the segment table, arena,
    inputs and their shapes, and output buffers from the context
    (runtime/include/mica/kernel_abi.h), builds the memref descriptors of the
    bound entry function and calls it. Every other defined function becomes
    internal, so two models' objects can be linked into one program.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MICA_TARGETS_CPU_KERNEL_PASSES
