//===- BipartiteMerge.h - ToMe's merge as graph ops -------------*- C++ -*-===//
#ifndef MICA_PASSES_TOKEN_MERGE_BIPARTITEMERGE_H
#define MICA_PASSES_TOKEN_MERGE_BIPARTITEMERGE_H

#include "mlir/IR/Builders.h"

namespace mica {

struct MergedTokens {
  mlir::Value tokens; // [B, N - r, C]
  mlir::Value sizes;  // [B, N - r, 1]
};

/// Bipartite soft matching (Bolya et al., "Token Merging: Your ViT but
/// faster") on static shapes: `tokens` [B, N, C], their `sizes` [B, N, 1]
/// (how many input tokens each stands for) and `metric` [B, N, D] (the
/// head-averaged keys). The first `protect` tokens are left out and kept
/// first; the others alternate into sets A (even) and B (odd); each A token
/// is matched with its most cosine-similar B token and the `r` best matched
/// A tokens are averaged into their B tokens, weighted by size. Result
/// order: protected, unmerged A (in order), B. Ties go to the lower index
/// (top_k and argmax order), so the result is deterministic.
/// Requires 0 < r <= (N - protect) / 2.
MergedTokens buildBipartiteMerge(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::Value tokens, mlir::Value sizes,
                                 mlir::Value metric, int64_t r,
                                 int64_t protect);

} // namespace mica

#endif // MICA_PASSES_TOKEN_MERGE_BIPARTITEMERGE_H
