// A kernel written by hand in the LLVM dialect against kernel_abi.h, compiled
// by mica-codegen for ModelCodegenTest (test/runtime/model/CodegenTest.cpp):
//   y[n, c] = x[n, c] + w[c],  x: f32 [N, 4] (input 0), w: f32[4] at
//   segments[0] + 0, y: output 0 with its dims written to output_dims[0].
// mica_kernel_ctx fields are read at their frozen offsets (8-byte slots).
module {
  llvm.func @mica_kernel_layer_hook(!llvm.ptr, i32, i32)

  llvm.func @mica_cg_add(%ctx: !llvm.ptr) -> i32 {
    %c0_i32 = llvm.mlir.constant(0 : i32) : i32
    %c1_i32 = llvm.mlir.constant(1 : i32) : i32
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %c3 = llvm.mlir.constant(3 : i64) : i64
    %c4 = llvm.mlir.constant(4 : i64) : i64
    // ctx->segments[0]
    %segs = llvm.load %ctx : !llvm.ptr -> !llvm.ptr
    %w = llvm.load %segs : !llvm.ptr -> !llvm.ptr
    // ctx->inputs[0], ctx->input_dims[0][0]
    %inputs_at = llvm.getelementptr %ctx[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %inputs = llvm.load %inputs_at : !llvm.ptr -> !llvm.ptr
    %x = llvm.load %inputs : !llvm.ptr -> !llvm.ptr
    %idims_at = llvm.getelementptr %ctx[3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %idims = llvm.load %idims_at : !llvm.ptr -> !llvm.ptr
    %xdims = llvm.load %idims : !llvm.ptr -> !llvm.ptr
    %n = llvm.load %xdims : !llvm.ptr -> i64
    // ctx->outputs[0], ctx->output_dims[0]
    %outputs_at = llvm.getelementptr %ctx[4] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %outputs = llvm.load %outputs_at : !llvm.ptr -> !llvm.ptr
    %y = llvm.load %outputs : !llvm.ptr -> !llvm.ptr
    %odims_at = llvm.getelementptr %ctx[5] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %odims = llvm.load %odims_at : !llvm.ptr -> !llvm.ptr
    %ydims = llvm.load %odims : !llvm.ptr -> !llvm.ptr

    llvm.call @mica_kernel_layer_hook(%ctx, %c0_i32, %c0_i32) : (!llvm.ptr, i32, i32) -> ()
    %total = llvm.mul %n, %c4 : i64
    llvm.br ^loop(%c0 : i64)
  ^loop(%i: i64):
    %more = llvm.icmp "slt" %i, %total : i64
    llvm.cond_br %more, ^body, ^done
  ^body:
    %xi_at = llvm.getelementptr %x[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %xi = llvm.load %xi_at : !llvm.ptr -> f32
    %c = llvm.and %i, %c3 : i64
    %wc_at = llvm.getelementptr %w[%c] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %wc = llvm.load %wc_at : !llvm.ptr -> f32
    %sum = llvm.fadd %xi, %wc : f32
    %yi_at = llvm.getelementptr %y[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    llvm.store %sum, %yi_at : f32, !llvm.ptr
    %next = llvm.add %i, %c1 : i64
    llvm.br ^loop(%next : i64)
  ^done:
    llvm.store %n, %ydims : i64, !llvm.ptr
    %ydim1 = llvm.getelementptr %ydims[1] : (!llvm.ptr) -> !llvm.ptr, i64
    llvm.store %c4, %ydim1 : i64, !llvm.ptr
    llvm.call @mica_kernel_layer_hook(%ctx, %c0_i32, %c1_i32) : (!llvm.ptr, i32, i32) -> ()
    llvm.return %c0_i32 : i32
  }
}
