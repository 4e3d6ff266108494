//===- Passes.td - CPU code generation passes -------------*- tablegen -*-===//
//
// Mica's CPU kernels: register-tiled, vectorised loops generated from linalg
// ops on buffers, with their producers' initialisation and their elementwise
// consumers fused. They run between one-shot bufferization and the kernel
// ABI binding (targets/cpu/Pipeline.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_TRANSFORMS_PASSES
#define MICA_TARGETS_CPU_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def CpuContractionCodegen
    : Pass<"mica-cpu-contraction-codegen", "::mlir::ModuleOp"> {
  let summary = "Register-tiled, vectorised loops for matmuls, convolutions "
                "and depthwise convolutions on buffers, with fused "
                "initialisation and elementwise epilogues";
  let description = [{
    Rewrites every float linalg op on buffers whose body is a
    multiply-accumulate (`out + a * b`: linalg.matmul, the fully connected and
    batched-matmul generics, linalg.conv_2d_nchw_fchw, depthwise and grouped
    convolutions) or a windowed max/sum (pooling) into scf loops over vector
    ops:

    - the innermost output dimension (contiguous in memory) is vectorised with
      `vector-width` lanes; adjacent output dimensions that are contiguous in
      every operand are merged into it first (a 1x1 convolution becomes a
      matmul over H*W);
    - a register tile of MR rows x NV vectors accumulates in registers, with
      MR and NV chosen per op by a small cost model under `registers`;
    - a weight that is read with a non-unit stride along the vectorised
      dimension (the [N, K] weight of a fully connected layer) is packed at
      compile time into panels of the tile width;
    - the op that initialises the output (a fill or a broadcast bias) becomes
      the accumulators' initial value, and the all-parallel elementwise
      generics that consume the output next (activation, residual add,
      scaling) are applied to the accumulators before the one store, so
      neither the initialised nor the pre-activation buffer is written.

    Numerics (docs/numerics.md): only parallel dimensions are vectorised or
    tiled; every output accumulates its reduction in the op's own loop order,
    so results equal those of the scalar loops (multiply and add stay separate
    ops; the backend contracts them into FMAs exactly as it does for the
    scalar code).

    Runtime-selectable width (--sortable-width): an op carrying `mica.width`
    (`[array<i64: loop, group, scale>, ...]`) runs loop `loop` only up to
    min(extent, count * scale), where count is the width group's active
    channel count at run time (`exec.active_count`, read once per kernel
    before its loops; mica-bind-kernel-interface makes it an argument). A
    bounded reduction loop is never unrolled nor skipped and stops exactly
    at the bound; bounded parallel loops may compute more: whole MR row
    blocks, whole vectors along n (full tiles, then a tail of 1 .. NV-1 whole
    vectors chosen at run time, never run-time masks). Bounds on dims merged
    into n or m are dropped. A reduction bound the kernel cannot honour (an
    int8 dot-product layout, an op this pass does not plan) is an error.
    With every count at its full value the loops run the same iterations in
    the same order: results are bit-identical to the unbounded kernel's.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "unsigned", "8",
           "f32 lanes per vector (16: AVX-512, 8: AVX2, 4: NEON)">,
    Option<"registers", "registers", "unsigned", "32",
           "Vector registers of the target (16: AVX2, 32: AVX-512/NEON)">,
    Option<"maxAccumulators", "max-acc", "unsigned", "0",
           "Tuning aid: the most accumulator registers of a tile (0: the "
           "cost model's budget)">,
    Option<"trace", "trace", "bool", "false",
           "Print each kernel's plan (tile, packing, fusion, estimated "
           "cycles) on stderr">,
    Option<"byteTable", "byte-table", "std::string", "\"\"",
           "Byte-table lookups in fused epilogues (see "
           "mica-cpu-elementwise-codegen): x86-vbmi, arm-tbl or empty">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mica::exec::ExecDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def CpuInt8DotLayout : Pass<"mica-cpu-int8-dot-layout", "::mlir::ModuleOp"> {
  let summary = "int8 convolutions and dense layers as 4-byte dot products "
                "(x86 VNNI, arm64 sdot and smmla)";
  let description = [{
    Rewrites each int8 multiply-accumulate on buffers (`out + sext(x) *
    sext(w)`, i8 operands, i32 output: convolutions, dense layers, matmuls by
    a constant) whose weight is a constant and whose activation and weight
    both index one reduction dim g directly (input channels, K) into the
    same contraction over ceil(g / 4) on i32 words, each holding 4
    consecutive values of g:

    - the weight is re-packed at compile time (zero bytes past g's extent);
    - the activation is copied before the kernel into a new buffer of words
      (NCHW becomes N[C/4]HW; byte t of a word is channel 4 * word + t),
      for x86 with each byte XOR 0x80 (the unsigned operand of vpdpbusd),
      and then a constant -128 * (sum of the weights each output meets) is
      added right after the contraction;
    - the new op's body states the dot product in shifts, multiplies and
      adds, so its integers equal the original op's everywhere; it carries
      `mica.dot4 = "<dot>"`, from which mica-cpu-contraction-codegen emits
      one instruction per vector (vpdpbusd on 16, 8 or 4 lanes; sdot on 4;
      without VNNI two vpmaddwd on the words' even and odd bytes widened to
      16 bits, which never saturates);
    - for arm-smmla the word count is rounded up to even and the op also
      carries `mica.dot_pairs = g`: smmla multiplies 2x8 by 8x2 bytes, two
      consecutive words of g for two rows and two columns at once.

    The reduction order changes (4 values of g per step): the sums are
    exact in i32, so the results do not.
  }];
  let options = [
    Option<"dot", "dot", "std::string", "\"\"",
           "The target's dot-product instructions: x86-vnni (AVX-512 VNNI "
           "or AVX-VNNI), x86-pmaddwd (AVX2 or AVX-512BW without VNNI: two "
           "vpmaddwd per word), arm-sdot (+dotprod), arm-smmla (+i8mm "
           "with +dotprod); empty: do nothing">,
    Option<"vectorWidth", "vector-width", "unsigned", "16",
           "32-bit lanes per vector of the activation copy">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def CpuElementwiseCodegen
    : Pass<"mica-cpu-elementwise-codegen", "::mlir::func::FuncOp"> {
  let summary = "Vectorised loops for all-parallel linalg ops on buffers";
  let description = [{
    Rewrites every all-parallel linalg.generic / linalg.map on buffers of
    f32, i32 or i8 whose body is made of elementwise arith and math ops (and,
    with `byte-table`, lookups in graph.table's 256-byte tables) into loops
    over its
    output, the innermost (contiguous) dimension vectorised with
    `vector-width` lanes and a masked tail. Inputs read with a broadcast map
    are splatted; inputs read with a non-unit stride along the innermost
    dimension are gathered lane by lane. Each element's value is computed by
    the same scalar ops as before, so results do not change.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "unsigned", "8",
           "f32 lanes per vector">,
    Option<"byteTable", "byte-table", "std::string", "\"\"",
           "Byte-table lookups (graph.table) on vectors: x86-vbmi (AVX-512 "
           "VBMI vpermi2b, 64 bytes per step), arm-tbl (NEON tbl/tbx, 16); "
           "empty: such ops stay scalar loops">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def CpuShrinkFills : Pass<"mica-cpu-shrink-fills", "::mlir::func::FuncOp"> {
  let summary = "Fill only the border of a buffer whose interior is "
                "overwritten next (padded inputs of convolutions)";
  let description = [{
    One-shot bufferization turns `tensor.pad` into a fill of the whole
    padded buffer followed by a copy into its interior, so the interior is
    written twice (for a depthwise convolution's input, the fill costs about
    as much as the convolution). When the next op that touches a freshly
    allocated, filled buffer overwrites a static subview of it without
    reading it, the fill becomes fills of the subview's complement: per
    dim, the slabs before and after the interior (with the dims before it
    restricted to the interior). Values are unchanged.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CpuPolynomialExp : Pass<"mica-cpu-polynomial-exp", "::mlir::ModuleOp"> {
  let summary = "Compute f32 exp with MLIR's polynomial approximation";
  let description = [{
    Rewrites math.exp on f32 scalars and vectors into MLIR's upstream
    polynomial approximation (math dialect, PolynomialApproximation: range
    reduction by ln 2, a degree-5 polynomial, the exponent added to the
    bits): about a dozen inline vector instructions, where glibc's libmvec
    expf is a call of some 19 cycles per AVX-512 vector and arm64 has no
    vector expf. Accuracy (docs/numerics.md item 4, measured over 4M
    inputs): at most 1 ulp for |x| < 80, 4.6 ulp just below the overflow
    threshold (x > 88.6), results below FLT_MIN (x < -87.3) flushed to zero;
    inf, -inf and NaN map as in libm. Runs before mica-cpu-vector-math, which
    then no longer sees exp. `mica compile --polynomial-exp=false` keeps the
    C library's function.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def CpuVectorMath : Pass<"mica-cpu-vector-math", "::mlir::ModuleOp"> {
  let summary = "Call the C library's vector variants of exp, log, erf, "
                "tanh, sin and cos on f32 vectors";
  let description = [{
    LLVM lowers a math op on a vector lane by lane into calls of the scalar
    libm function. On x86-64 with glibc, libmvec (linked by -lm) provides the
    same functions for whole vectors under the vector function ABI's names
    (`_ZGVeN16v_expf`: AVX-512, 16 lanes; `d`: AVX2, `c`: AVX, `b`: SSE).
    This pass replaces math.exp/log/erf/tanh/sin/cos on vector<4|8|16xf32>
    with calls of those, for the widths `isa` provides. They are the C
    library's functions (docs/numerics.md): accurate to a few ulp like the
    scalar ones, deterministic, and each lane's result depends only on that
    lane's input.
  }];
  let options = [
    Option<"isa", "isa", "std::string", "\"\"",
           "The x86-64 vector ISA whose variants exist: avx512, avx2, avx, "
           "sse; empty disables the pass">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def CpuOutlineParallel
    : Pass<"mica-cpu-outline-parallel", "::mlir::ModuleOp"> {
  let summary = "Turn the kernels' top-level parallel loops into tasks for "
                "the runtime's threads";
  let description = [{
    Runs on every bound function an `exec.entry_point` names (after
    mica-bind-kernel-interface and mica-insert-layer-hooks). Each top-level 1-D `scf.parallel` from 0 by 1
    (the outermost loop of a CPU kernel big enough to share) becomes

      func.func private @ENTRY_taskK(<the entry's arguments>, %begin: index,
                                     %end: index)

    holding an scf.for over [begin, end) with the loop's body, the values
    it uses from outside recomputed from the arguments (views of the arena,
    segment and inputs, shapes, index math: a loop that uses anything else
    stays sequential); an external `llvm.func @ENTRY_taskK_thunk(ptr, i64,
    i64)` tagged `mica.task = @ENTRY_taskK, mica.task_entry = @ENTRY`, which mica-emit-kernel-entry
    defines as the task's C entry; and in place of the loop

      func.call @mica_kernel_parallel_for(%ctx, @ENTRY_taskK_thunk, %count)

    (runtime/include/mica/kernel_abi.h), which runs disjoint ranges of the
    iterations on the context's threads. Iterations are independent, so the
    result does not depend on the split.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // MICA_TARGETS_CPU_TRANSFORMS_PASSES
