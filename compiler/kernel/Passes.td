//===- Passes.td - Kernel ABI passes ----------------------*- tablegen -*-===//
#ifndef MICA_COMPILER_KERNEL_PASSES
#define MICA_COMPILER_KERNEL_PASSES

include "mlir/Pass/PassBase.td"

def BindKernelInterface : Pass<"mica-bind-kernel-interface", "::mlir::ModuleOp"> {
  let summary = "Rewrite a bufferized entry function to the kernel ABI: "
                "constants in a segment, intermediates in a planned arena, "
                "results in caller buffers";
  let description = [{
    Runs on bufferized IR (after one-shot bufferization, before any
    deallocation pass) and rewrites the entry function (`entry`, default
    `main`) into

      func @main(%ctx: !llvm.ptr, %segment0: memref<?xi8>,
                 %arena: memref<?xi8>, <inputs>..., <output buffers:
                 memref<?xi8>>..., <output shapes: memref<RANKxi64>>...)

    - Weights by reference: every `memref.get_global` of a constant becomes a
      `memref.view` of %segment0 at a 64-byte aligned offset; the globals are
      removed and their bytes stored as the module's
      `mica.constant_segment` (a dense_resource of i8). Generated code then
      holds no weight.
    - Static memory plan: every `memref.alloc` becomes a `memref.view` of
      %arena at an offset chosen by a liveness-based planner (buffers whose
      lifetimes are disjoint share bytes). Sizes of dynamic dimensions come
      from the inputs' `mica.max_shape` argument attributes.
    - Results: a result computed into a fresh buffer is computed directly in
      the caller's output buffer; any other result is copied there. Each
      result's actual shape is stored into its shape memref.

    The plan (input shapes, output ranks and bounds, segment and arena sizes,
    the sum of all intermediates) is recorded in the module attribute
    `mica.kernel` for mica-emit-kernel-entry and the compiler driver.
  }];
  let options = [
    Option<"entry", "entry", "std::string", "\"main\"",
           "Name of the function to rewrite">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def InsertLayerHooks : Pass<"mica-insert-layer-hooks", "::mlir::ModuleOp"> {
  let summary = "Call mica_kernel_layer_hook around the code of each ONNX node";
  let description = [{
    After mica-bind-kernel-interface: groups the top-level ops of the entry
    function by the ONNX node named in their location and brackets each
    group with `mica_kernel_layer_hook(%ctx, node, 0)` and `(..., 1)`, where
    `node` indexes the module's `mica.node_names` (extended with nodes found
    only in locations). The runtime turns these calls into per-layer timing;
    without hooks installed each costs a call and a branch.
  }];
  let options = [
    Option<"entry", "entry", "std::string", "\"main\"",
           "Name of the entry function">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

def EmitKernelEntry : Pass<"mica-emit-kernel-entry", "::mlir::ModuleOp"> {
  let summary = "Add the exported kernel `int32_t SYMBOL(const mica_kernel_ctx*)`";
  let description = [{
    Runs on the LLVM dialect after the whole lowering: adds an external
    `llvm.func @SYMBOL(!llvm.ptr) -> i32` that reads the segment table, arena,
    inputs and their shapes, and output buffers from the context
    (runtime/include/mica/kernel_abi.h), builds the memref descriptors of the
    bound entry function and calls it. Every other defined function becomes
    internal, so two models' objects can be linked into one program.
  }];
  let options = [
    Option<"entry", "entry", "std::string", "\"main\"",
           "Name of the bound entry function">,
    Option<"symbol", "symbol", "std::string", "\"mica_main\"",
           "Symbol of the exported kernel">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // MICA_COMPILER_KERNEL_PASSES
