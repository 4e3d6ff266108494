//===- Passes.td - graph -> linalg lowering passes --------*- tablegen -*-===//
#ifndef MICA_CONVERSION_GRAPH_TO_LINALG_PASSES
#define MICA_CONVERSION_GRAPH_TO_LINALG_PASSES

include "mlir/Pass/PassBase.td"

def ConvertGraphToLinalg : Pass<"mica-convert-graph-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower Mica's graph dialect to linalg, tensor, arith and math";
  let description = [{
    Rewrites every graph op into upstream tensor-level IR: convolutions and
    pooling into linalg named ops (`linalg.conv_2d_nchw_fchw`,
    `linalg.depthwise_conv_2d_nchw_chw`, `linalg.conv_2d_ngchw_gfchw`,
    `linalg.pooling_nchw_max/sum`) on explicitly padded inputs, 2-D products
    into `linalg.matmul`, and elementwise ops (with numpy broadcasting in the
    indexing maps), reductions, norms, softmax and batched products into
    `linalg.generic`s. Reshapes, slices and splits become `tensor` views
    (collapse/expand_shape, extract_slice), concatenation `insert_slice`s into
    a `tensor.empty`, constants `arith.constant`.

    Dynamic (`?`) dims are read with `tensor.dim` and flow through index
    arithmetic. Numerics: no fast-math flags, accumulation in the element
    type, reductions in loop order, so results do not depend on any thread
    count.

    A graph op without a lowering (quantize/dequantize, attention, resize,
    conv_transpose, unsigned element types, ...) makes the pass fail with a
    "failed to legalize" error at the op, whose location carries the ONNX
    node name. Ops of other dialects (leftover `onnx.*`) are left alone.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def ExpandShapeToReinterpretCast : Pass<"mica-expand-shape-to-reinterpret-cast"> {
  let summary = "Rewrite memref.expand_shape with several ? sizes in one "
                "group into a reinterpret_cast of its source";
  let description = [{
    Upstream `expand-strided-metadata` handles at most one dynamic size per
    reassociation group of a `memref.expand_shape` (it divides the source size
    by the group's static sizes and ignores `output_shape`); with two or more
    it crashes. This pass rewrites exactly those expand_shapes into
    `memref.extract_strided_metadata` + `memref.reinterpret_cast` with the
    sizes of `output_shape` and the matching strides (the source dim's stride
    for a group's innermost dim, times the inner sizes outwards). It must run
    before `expand-strided-metadata`; other expand_shapes are left alone.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def MemrefCopyToLinalg : Pass<"mica-memref-copy-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy so that no copy needs "
                "MLIR's runtime library";
  let description = [{
    The memref -> LLVM conversion lowers a `memref.copy` into a non-contiguous
    destination to a call of `memrefCopy`, a function of MLIR's runner-utils
    library that Mica's runtime does not ship (generated code may import only
    libc and libm). As `linalg.copy`, a copy becomes plain loops under
    `convert-linalg-to-loops`; this pass must therefore run before it.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LoopCarriedInPlace : Pass<"mica-loop-carried-in-place"> {
  let summary = "Write each scf.for-carried tensor into its iteration "
                "argument, so that it bufferizes to one buffer";
  let description = [{
    A yielded tensor that is not already written into its iteration argument
    (through destination-style ops, scf.if branches or inner loops) is
    materialized in it with `bufferization.materialize_in_destination`:
    one-shot bufferization then keeps the loop in place (it refuses
    non-equivalent yields), and the temporaries of an iteration never outlive
    it (see mica-hoist-region-allocs). Runs right before empty-tensor
    elimination, which lets the producer write into the argument directly.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def HoistRegionAllocs : Pass<"mica-hoist-region-allocs"> {
  let summary = "Move static-shaped buffers out of loop and branch bodies";
  let description = [{
    A `memref.alloc` with a static shape inside an scf region, none of whose
    aliases flows out of an iteration of an enclosing loop, moves to the start
    of its function's entry block: the static memory plan needs every buffer
    at the top level, and such a buffer can be reused by every iteration.
    One in the body of a 1-D `scf.parallel` with a static trip count (whose
    iterations may run at once) becomes a `memref.view` of its iteration's
    slot in one top-level i8 allocation of trip count x size (rounded up to
    the alignment). Others stay (the memory plan reports them).
  }];
}

#endif // MICA_CONVERSION_GRAPH_TO_LINALG_PASSES
