//===- TfIdfPatterns.cpp - TfIdfVectorizer on integer tokens --------------===//
//
// TfIdfVectorizer over int32/int64 tokens [N] or [B, N] (rows counted apart)
// with a constant integer pool. Pool entry e, an n-gram (t_0 .. t_{n-1}) of
// a level within [min_gram_length, max_gram_length], is counted at every
// start i and skip s (items s + 1 apart; unigrams once, bigrams and longer
// for s = 0 .. max_skip_count) where x[i + m (s + 1)] == t_m for all m:
// equal compares on strided slices, and-ed, cast to f32 and summed along
// the row. TF keeps the counts, IDF min(count, 1) and TFIDF count, times the
// entry's weight; feature f is the sum over the entries ngram_indexes maps
// to it (zero where none). String pools stay unsupported.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

struct TfIdfVectorizerPattern : OpRewritePattern<onnx::TfIdfVectorizerOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::TfIdfVectorizerOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op->getOperand(0);
    auto type = getGraphTensor(x.getType());
    if (!type || !type.hasStaticShape() || type.getRank() < 1 ||
        type.getRank() > 2 ||
        !(type.getElementType().isInteger(32) ||
          type.getElementType().isInteger(64)))
      return rewriter.notifyMatchFailure(op, "needs static int tokens");
    auto pool = op->getAttrOfType<ArrayAttr>("pool_int64s");
    if (!pool)
      return rewriter.notifyMatchFailure(op, "no integer pool");
    SmallVector<int64_t> tokens = getI64s(pool);
    SmallVector<int64_t> levels = getI64s(op.getNgramCounts());
    SmallVector<int64_t> indexes = getI64s(op.getNgramIndexes());
    SmallVector<double> weights;
    if (auto attr = op->getAttrOfType<ArrayAttr>("weights"))
      weights = getF64s(attr);
    int64_t minGram = op.getMinGramLength(), maxGram = op.getMaxGramLength();
    int64_t maxSkip = op.getMaxSkipCount();
    StringRef mode = op.getMode();
    if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
      return rewriter.notifyMatchFailure(op, "unknown mode");
    // The pool's entries: (first token, n) in order.
    SmallVector<std::pair<int64_t, int64_t>> entries;
    int64_t poolSize = static_cast<int64_t>(tokens.size());
    for (auto [level, start] : llvm::enumerate(levels)) {
      int64_t n = static_cast<int64_t>(level) + 1;
      int64_t end = level + 1 < levels.size() ? levels[level + 1] : poolSize;
      if (start < 0 || end < start || end > poolSize || (end - start) % n)
        return rewriter.notifyMatchFailure(op, "bad ngram_counts");
      for (int64_t e = start; e < end; e += n)
        entries.push_back({e, n});
    }
    if (entries.size() != indexes.size() ||
        (!weights.empty() && weights.size() != entries.size()) ||
        llvm::any_of(indexes, [](int64_t f) { return f < 0; }))
      return rewriter.notifyMatchFailure(op, "bad ngram_indexes or weights");
    int64_t features = 0;
    for (int64_t f : indexes)
      features = std::max(features, f + 1);
    auto resultType = getGraphTensor(op->getResult(0).getType());
    if (!resultType || !hasFloatElements(resultType))
      return rewriter.notifyMatchFailure(op, "result is not a float tensor");
    SmallVector<int64_t> shape(type.getShape().drop_back());
    shape.push_back(features);
    if (!canRetype(op->getResult(0), resultType.clone(shape)))
      return rewriter.notifyMatchFailure(op, "result type differs");

    Location loc = op.getLoc();
    int64_t rank = type.getRank(), length = type.getShape().back();
    Type f32 = resultType.getElementType();
    SmallVector<int64_t> countShape(type.getShape().drop_back());
    countShape.push_back(1);
    auto countType = RankedTensorType::get(countShape, f32);
    auto slice = [&](int64_t start, int64_t size, int64_t step) {
      SmallVector<int64_t> starts(rank, 0), ends(type.getShape()),
          steps(rank, 1);
      starts.back() = start;
      ends.back() = start + size;
      return createValue<graph::SliceOp>(rewriter, loc, x,
                                         rewriter.getDenseI64ArrayAttr(starts),
                                         rewriter.getDenseI64ArrayAttr(ends),
                                         rewriter.getDenseI64ArrayAttr(steps));
    };
    Value one = createScalarConstant(rewriter, loc, f32, 1.0);
    SmallVector<Value> perFeature(features);
    for (auto [e, entry] : llvm::enumerate(entries)) {
      auto [first, n] = entry;
      if (n < minGram || n > maxGram)
        continue;
      Value count;
      for (int64_t s = 0; s <= (n == 1 ? 0 : maxSkip); ++s) {
        int64_t starts = length - (n - 1) * (s + 1);
        if (starts <= 0)
          continue;
        Value match;
        for (int64_t m = 0; m < n; ++m) {
          Value eq = createValue<graph::EqualOp>(
              rewriter, loc, slice(m * (s + 1), starts, 1),
              createScalarConstant(rewriter, loc, type.getElementType(),
                                   static_cast<double>(tokens[first + m])));
          match =
              match ? createValue<graph::AndOp>(rewriter, loc, match, eq) : eq;
        }
        SmallVector<int64_t> matchShape(countShape);
        matchShape.back() = starts;
        Value ones = graph::CastOp::create(
            rewriter, loc, RankedTensorType::get(matchShape, f32), match);
        Value sum = createValue<graph::ReduceOp>(
            rewriter, loc,
            graph::ReduceKindAttr::get(op.getContext(), graph::ReduceKind::sum),
            ones, rewriter.getDenseI64ArrayAttr({rank - 1}),
            rewriter.getBoolAttr(true));
        count =
            count ? createValue<graph::AddOp>(rewriter, loc, count, sum) : sum;
      }
      if (!count)
        continue;
      if (mode == "IDF")
        count = createValue<graph::MinOp>(rewriter, loc, count, one);
      if (mode != "TF" && !weights.empty())
        count = createValue<graph::MulOp>(
            rewriter, loc, count,
            createScalarConstant(rewriter, loc, f32, weights[e]));
      Value &slot = perFeature[indexes[e]];
      slot =
          slot ? createValue<graph::AddOp>(rewriter, loc, slot, count) : count;
    }
    Value zeros;
    for (Value &slot : perFeature) {
      if (slot)
        continue;
      if (!zeros)
        zeros = createConstant(rewriter, loc, countType, {0.0});
      slot = zeros;
    }
    return replaceOp<graph::ConcatOp>(rewriter, op, ValueRange(perFeature),
                                      rewriter.getI64IntegerAttr(rank - 1));
  }
};

} // namespace

void mica::onnx_to_graph::populateTfIdfPatterns(RewritePatternSet &patterns) {
  patterns.add<TfIdfVectorizerPattern>(patterns.getContext());
}
