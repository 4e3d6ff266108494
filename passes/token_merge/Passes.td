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

#endif // MICA_PASSES_TOKEN_MERGE_PASSES
