//===- BipartiteMerge.cpp - ToMe's merge as graph ops ---------------------===//
//
// Every step is an op the CPU kernels already compile (slices, a matmul,
// reductions, top_k, gather/scatter_elements); no sort op is needed: the
// unmerged A tokens are found in index order as the smallest keys
// `merged * 2 Na + index`.
//
//===----------------------------------------------------------------------===//
#include "passes/token_merge/BipartiteMerge.h"

#include "dialects/graph/IR/GraphDialect.h"

#include <limits>

using namespace mlir;
using namespace mica;
using namespace mica::graph;

MergedTokens mica::buildBipartiteMerge(OpBuilder &b, Location loc, Value tokens,
                                       Value sizes, Value metric, int64_t r,
                                       int64_t protect) {
  auto shapeOf = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  };
  ArrayRef<int64_t> shape = shapeOf(tokens);
  int64_t batch = shape[0], n = shape[1], c = shape[2];
  int64_t rest = n - protect, na = (rest + 1) / 2;
  Type f32 = cast<RankedTensorType>(tokens.getType()).getElementType();
  constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();

  // Every slice here is along the token axis (1) of a rank-3 tensor.
  auto slice = [&](Value v, int64_t start, int64_t end, int64_t step) {
    return SliceOp::create(b, loc, v, b.getDenseI64ArrayAttr({0, start, 0}),
                           b.getDenseI64ArrayAttr({kEnd, end, kEnd}),
                           b.getDenseI64ArrayAttr({1, step, 1}))
        .getResult();
  };
  auto reshape = [&](Value v, ArrayRef<int64_t> to) {
    return ReshapeOp::create(b, loc, v, Value(), b.getDenseI64ArrayAttr(to))
        .getResult();
  };
  auto constant = [&](ArrayRef<int64_t> to, ArrayRef<float> values) {
    auto type = RankedTensorType::get(to, f32);
    return ConstantOp::create(b, loc, type,
                              DenseElementsAttr::get(type, values))
        .getResult();
  };
  auto reduce = [&](ReduceKind kind, Value v, int64_t axis, bool keep) {
    return ReduceOp::create(b, loc, ReduceKindAttr::get(b.getContext(), kind),
                            v, b.getDenseI64ArrayAttr({axis}),
                            b.getBoolAttr(keep))
        .getResult();
  };
  // [B, k] indices as [B, k, width], to gather/scatter whole tokens.
  auto rows = [&](Value indices, int64_t width) -> Value {
    int64_t k = shapeOf(indices)[1];
    Value column = reshape(indices, {batch, k, 1});
    if (width == 1)
      return column;
    return BroadcastToOp::create(b, loc, column, Value(),
                                 b.getDenseI64ArrayAttr({batch, k, width}))
        .getResult();
  };

  // 1. Cosine similarity of every A token to every B token.
  Value m = protect ? slice(metric, protect, n, 1) : metric;
  Value norm = RsqrtOp::create(
      b, loc, reduce(ReduceKind::sum, MulOp::create(b, loc, m, m), 2, true));
  m = MulOp::create(b, loc, m, norm);
  Value ma = slice(m, 0, rest, 2), mb = slice(m, 1, rest, 2);
  Value scores = MatmulOp::create(
      b, loc, ma,
      TransposeOp::create(b, loc, mb, b.getDenseI64ArrayAttr({0, 2, 1})));

  // 2. Each A token's best B match; the r best matched A tokens merge.
  Value nodeMax = reduce(ReduceKind::max, scores, 2, false);
  Value nodeIdx = ArgMaxOp::create(b, loc, scores, 2, /*keepdims=*/false,
                                   /*select_last_index=*/false);
  Value src =
      TopKOp::create(b, loc, nodeMax, r, 1, /*largest=*/true).getIndices();
  Value dst = GatherElementsOp::create(b, loc, nodeIdx, src, 1);

  // 3. The A tokens that stay, in index order: the na - r smallest of
  //    merged * 2 na + index.
  SmallVector<float> ones(batch * r, 1.0f), iota(na);
  for (int64_t i = 0; i < na; ++i)
    iota[i] = static_cast<float>(i);
  Value merged = ScatterElementsOp::create(
      b, loc, constant({batch, na}, SmallVector<float>(batch * na, 0.0f)), src,
      constant({batch, r}, ones), 1, "none");
  Value key = AddOp::create(
      b, loc,
      MulOp::create(b, loc, merged, constant({}, {static_cast<float>(2 * na)})),
      constant({1, na}, iota));
  Value unm =
      TopKOp::create(b, loc, key, na - r, 1, /*largest=*/false).getIndices();

  // 4. Size-weighted sums: A tokens added into their B token, sizes too.
  Value x = protect ? slice(tokens, protect, n, 1) : tokens;
  Value s = protect ? slice(sizes, protect, n, 1) : sizes;
  Value xs = MulOp::create(b, loc, x, s);
  Value xa = slice(xs, 0, rest, 2), xb = slice(xs, 1, rest, 2);
  Value sa = slice(s, 0, rest, 2), sb = slice(s, 1, rest, 2);
  Value xbMerged = ScatterElementsOp::create(
      b, loc, xb, rows(dst, c),
      GatherElementsOp::create(b, loc, xa, rows(src, c), 1), 1, "add");
  Value sbMerged = ScatterElementsOp::create(
      b, loc, sb, rows(dst, 1),
      GatherElementsOp::create(b, loc, sa, rows(src, 1), 1), 1, "add");
  Value xu = GatherElementsOp::create(b, loc, xa, rows(unm, c), 1);
  Value su = GatherElementsOp::create(b, loc, sa, rows(unm, 1), 1);

  // 5. Means again, after the protected tokens.
  Value newSizes = ConcatOp::create(b, loc, ValueRange{su, sbMerged}, 1);
  Value newTokens = DivOp::create(
      b, loc, ConcatOp::create(b, loc, ValueRange{xu, xbMerged}, 1), newSizes);
  if (protect) {
    newTokens = ConcatOp::create(
        b, loc, ValueRange{slice(tokens, 0, protect, 1), newTokens}, 1);
    newSizes = ConcatOp::create(
        b, loc, ValueRange{slice(sizes, 0, protect, 1), newSizes}, 1);
  }
  return {newTokens, newSizes};
}
