//===- Passes.td - Graph-to-graph performance rewrites -----*- tablegen -*-===//
//
// Rewrites on the graph dialect that change how an op is computed, not what
// it computes: chosen for speed on the target, run at the start of the
// kernel pipeline (compiler/driver/Pipeline.cpp), before the lowering to
// linalg, so that what they produce meets the same CPU kernels as any
// other graph op.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_GRAPH_OPT_PASSES
#define MICA_PASSES_GRAPH_OPT_PASSES

include "mlir/Pass/PassBase.td"

def WinogradConv : Pass<"mica-winograd-conv", "::mlir::ModuleOp"> {
  let summary = "3x3 stride-1 convolutions as Winograd F(4x4, 3x3)";
  let description = [{
    Rewrites a 2-D `graph.conv` with a constant f32 3x3 weight, stride 1,
    dilation 1 and one group into Winograd's minimal filtering F(4x4, 3x3)
    (Lavin & Gray, 2016), expressed in graph ops that the CPU kernels
    already compile well:

    1. the input is zero-padded to 4 * tiles + 2 rows and columns;
    2. the input transform B^T d B of every overlapping 6x6 tile, separably:
       a grouped 6x1 convolution with stride 4 along H (B^T on the rows),
       then a grouped 1x6 convolution with stride 4 along W (B on the
       columns): [N, 36 C, TH, TW];
    3. 36 independent products with the weight transformed at compile time,
       U = G g G^T ([36, K, C]): one `graph.einsum`, 36 x K x C x tiles
       multiply-adds where the direct convolution does 144 per 4x4 outputs;
    4. the output transform A^T m A, separably: a matmul with the 4x6 A^T,
       then an einsum with A^T that writes the 4x4 blocks in place
       ([N, K, th, 4, tw, 4], a reshape away from the output), cropped to
       the output size, plus the bias.

    Numerics: the transforms change the rounding (relative error about
    1e-5 against the direct convolution in f32; docs/numerics.md).

    It pays when the 36 products are real matrix products: enough channels
    on both sides and enough tiles to reuse the 2.25x larger transformed
    weight. Below `min-channels` or `min-tiles` the convolution stays
    direct (at 7x7 outputs with 512 channels the transformed weight does
    not stay in cache and F(4x4, 3x3) is twice as slow as the direct code).
    A sparse weight (a tenth or more exact zeros: pruned, e.g. by
    `mica-sparsify`; dialects/graph/Analysis/Sparsity.h) stays direct too:
    G g G^T would make it dense again.
  }];
  let options = [
    Option<"minChannels", "min-channels", "int64_t", /*default=*/"32",
           "Input and output channels below which a conv stays direct">,
    Option<"minTiles", "min-tiles", "int64_t", /*default=*/"16",
           "4x4 output tiles (over the batch) below which a conv stays "
           "direct">,
  ];
}

def FoldTransposes : Pass<"mica-fold-transposes", "::mlir::ModuleOp"> {
  let summary = "Transposes folded into reshapes, scalar ops and matmuls";
  let description = [{
    Removes the layout copies exporters put around attention and other
    matmuls (each `graph.transpose` is a copy once lowered):

    - a transpose that only moves dims of extent 1 becomes a reshape;
    - an elementwise add/sub/mul/div with a one-element operand commutes
      with the transpose that feeds it (the transpose moves after it), so
      that the transpose reaches the matmul that reads it;
    - `matmul(transpose(a), transpose(b))` and `transpose(matmul(a, b))`
      become one `graph.einsum` whose subscripts carry the permutations.
      The left operand is always folded (the CPU kernels broadcast its
      elements one by one, in any layout); the right operand and the result
      only when their innermost dim stays innermost (the vectorised, unit-
      stride one), otherwise the transpose stays and the product reads a
      contiguous copy.

    Values and summation order are unchanged.
  }];
}

def FormAttention : Pass<"mica-form-attention", "::mlir::ModuleOp"> {
  let summary = "graph.attention from the matmul-softmax-matmul forms";
  let description = [{
    Recognises the attention exporters write,
    `softmax(matmul(Qh, Kt) * scale + mask) matmul V` with the scale as a
    scalar `graph.mul`/`graph.div` on the scores, on Qh or on Kt (or
    several, multiplied) and an optional additive mask, and replaces it by
    one `graph.attention`:

    - the match is rooted at a float softmax over the last axis whose only
      use is the left operand of the value product; every op peeled off on
      the way has one use (an exporter that also returns the probabilities
      keeps its matmuls);
    - [B, H, S, D] operands give `num_heads = H`; [G, S, D] ones (torch's
      seq-first MultiheadAttention puts the heads in the batch) give one
      head over G sequences; [S, D] one sequence;
    - sequence lengths and head sizes are static (a decoder whose length is
      an input keeps its matmuls);
    - operands are built as views ([B, S, H * D]) of the head-split
      tensors; the exporter's own transposes and reshapes cancel against
      them (a transpose above a scalar gather of a fused qkv tensor is moved
      below it so that it can).

    The fused op's location keeps the five ONNX nodes it stands for;
    `mica-decompose-attention` gives them back. Numerics: the scale moves to
    the scores (ulps when it is not a power of two).

    Token merging runs on the formed op (it finds keys, adds a key bias and
    resizes tokens there); the CPU lowering computes it fused (row blocks
    whose scores stay in cache) when its shapes are static.
  }];
}

def DecomposeAttention : Pass<"mica-decompose-attention", "::mlir::ModuleOp"> {
  let summary = "graph.attention as matmuls, a scale, masks and a softmax";
  let description = [{
    Writes each `graph.attention` as the ops the CPU kernels compile:
    per-head views ([B, H, S, D], or the [G, S, D] operands as they are for
    one head), `matmul(Q, K^T)`, a multiplication by `scale`, the mask, the
    key bias ([B, 1, 1, Skv]) and the causal mask (a constant, -inf above
    the diagonal) added, a softmax over the keys and the value product,
    then the heads back to [B, S, E]. The pieces take the locations of the
    nodes `mica-form-attention` formed the op from. Runs at the start of
    the lowering for every target, so that the op always lowers; with
    `keep-static` it leaves the attention whose shapes are all static, which
    the CPU lowering computes fused (graph_to_linalg/AttentionLowering.cpp).
  }];
  let options = [
    Option<"keepStatic", "keep-static", "bool", /*default=*/"false",
           "Leave graph.attention with static shapes (lowered fused)">,
  ];
}

#endif // MICA_PASSES_GRAPH_OPT_PASSES
