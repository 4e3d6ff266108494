//===- Passes.td - Token merging for transformers ----------*- tablegen -*-===//
//
// The token_merge family: passes that make a transformer compute on fewer
// tokens. They run per entry point right after import and normalisation
// (compiler/driver/Compile.cpp, buildTokenMergePipeline in Pipeline.cpp),
// on graph.attention ops that mica-form-attention builds, before the
// signature and the compression stage, so that everything after sees the
// merged static shapes.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_PASSES_TOKEN_MERGE_PASSES
#define MICA_PASSES_TOKEN_MERGE_PASSES

include "mlir/Pass/PassBase.td"

def TokenMerge : Pass<"mica-token-merge", "::mlir::ModuleOp"> {
  let summary = "ToMe: merge similar tokens after each block's attention";
  let description = [{
    Token merging (Bolya et al., 2023) as a compile-time rewrite with static
    shapes. For every transformer block (a `graph.attention` and the
    residual add that closes its branch; dialects/graph/Analysis/
    TransformerBlocks.h) from `start` on, after the residual add and before
    the MLP:

    1. metric: the attention's keys averaged over heads, normalised
       (cosine similarity);
    2. the first `protect` tokens (a class token) are left out; the others
       alternate into sets A and B; each A token's best B match; the `r`
       best matched A tokens are averaged into their B token, weighted by
       token size (how many input tokens it stands for): N -> N - r tokens
       (r is clamped to (N - protect) / 2 in late blocks);
    3. everything after the merge is re-typed for the new token count
       (reshapes that mention it are rewritten, the token axis followed
       through their splits and merges of dims by its stride);
    4. with `proportional`, log(size) is added to every later attention
       logit of that key (`key_bias`), so that a merged token weighs as
       much as the tokens it replaced;
    5. a mean over tokens at the end is weighted by size; a class token
       read by index (< protect) needs nothing.

    Cost: the merge is a [A x B] similarity product and a few gathers per
    block; the saving is every later op's work on r fewer tokens per block
    (attention quadratically). Numerics: the model changes (that is the
    point); `r = 0` returns without touching the IR. Errors name the node
    where tokens cannot be followed: a per-token output, a constant sized
    by the token count, a token axis split across dims, an op that mixes
    tokens other than the attention.
  }];
  let options = [
    Option<"r", "r", "int64_t", /*default=*/"0",
           "Tokens merged per block (0: no merging)">,
    Option<"start", "start", "int64_t", /*default=*/"0",
           "First block that merges (blocks count from 0 in graph order)">,
    Option<"protect", "protect", "int64_t", /*default=*/"1",
           "Leading tokens never merged (the class token)">,
    Option<"proportional", "proportional", "bool", /*default=*/"true",
           "Add log(token size) to the attention logits of merged keys">,
  ];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

def TemporalMerge : Pass<"mica-temporal-merge", "::mlir::ModuleOp"> {
  let summary = "TDTM: average frame pairs around chosen blocks' attention";
  let description = [{
    Temporal token merging as in On-device Sora (Kim et al., 2025) for
    spatial-temporal video transformers (attention over the tokens of a
    frame, then over the frames of a token, as in Open-Sora's STDiT), at
    compile time with static shapes:

    1. the frame axis is the input dim of `frames` elements (exactly one,
       or the one at index `dim`);
       it is traced forward through reshapes, transposes, elementwise and
       per-token ops, products and attention queries (Atom.h), also where it
       shares a dim with the batch or the heads;
    2. in each chosen block (`first`..`last`, numbered from 0 over every
       attention in graph order: a spatial, a cross and a temporal
       attention are three blocks), the attention branch reads the block
       input with consecutive frame pairs averaged (frames / 2), the branch
       is re-typed, and its output is repeated back to both frames of each
       pair before the residual add;
    3. the residual stream and everything outside the chosen branches keep
       every frame.

    Spatial attention runs on half the frames (half its cost), temporal
    attention on half the sequence (a quarter). Numerics: an approximation
    that is exact when paired frames are equal. Errors name the node where
    the frame axis cannot be traced, an odd frame count, or a block range
    outside the model.
  }];
  let options = [
    Option<"frames", "frames", "int64_t", /*default=*/"0",
           "Frames of the input (its one dim of this size is the frame axis)">,
    Option<"first", "first", "int64_t", /*default=*/"0",
           "First merged block">,
    Option<"last", "last", "int64_t", /*default=*/"-1",
           "Last merged block (-1: the last block)">,
    Option<"dim", "dim", "int64_t", /*default=*/"-1",
           "Index of the frame axis among the input's dims, when several "
           "have `frames` elements (-1: the only one)">,
  ];
  let dependentDialects = ["::mica::graph::GraphDialect"];
}

#endif // MICA_PASSES_TOKEN_MERGE_PASSES
