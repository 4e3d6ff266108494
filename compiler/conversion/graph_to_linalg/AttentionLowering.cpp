//===- AttentionLowering.cpp - graph.attention as a row-blocked loop ------===//
//
// Attention is computed a block of query rows of one head at a time, so that
// the block's scores never leave the cache:
//
//   scf.forall over (batch, head, chunk of row blocks), per block:
//     S  = Q[rows, head] x K^T[head]           scores, Mb x Skv
//     S  = S * scale (+ mask) (+ key_bias) (causal: -inf above the diagonal)
//     S  = softmax over each row, in place     (max, exp(s - max), sum, /)
//     O[rows, head] = S x V[head]              straight into the output
//
// instead of the decomposed form's [B, H, Sq, Skv] score tensor, which every
// one of the softmax's four passes streams through memory. Mb is the largest
// multiple of 8 whose scores fit kScoreBytes, at least kMinBlockRows (the
// whole sequence when it is shorter); the rows past the last full block join
// it, in a second, static-shaped loop over (batch, head). A chunk is one or
// more consecutive blocks of one head computed in turn (kParallelChunks).
// Each iteration writes its own output slice and its own scores and row
// statistics (buffers of the iteration, which HoistRegionAllocs gives every
// iteration a slot of), so its iterations may run on any thread: the arithmetic
// of every output element is the same whatever the order. The per-block ops are
// ordinary linalg ops that the CPU kernel generator vectorises like any other;
// K is transposed once, before the loop, so that the score product reads it
// along keys.
//
// Numerics differ from the decomposed graph by rounding only: the scale is
// applied to the scores (an exporter may have scaled q), the rest is the same
// arithmetic in the same order (docs/numerics.md).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

/// Bytes of one block's scores: a block and its statistics stay in a 32 KiB
/// L1 data cache next to the tiles of Q and V the products read.
constexpr int64_t kScoreBytes = 16 * 1024;

/// Fewer rows starve the kernels: the row maximum and sum vectorise across
/// rows (a 16-lane vector wants 16), and each block reads all of V once for
/// its value product (long sequences: the scores then live in L2).
constexpr int64_t kMinBlockRows = 16;

/// Iterations the row blocks' loop aims for: enough for the runtime's
/// threads to balance (it splits a loop into a few chunks per thread); each
/// keeps one block of scores, so fewer iterations mean less scratch
/// (1024 tokens, 4 heads: 16 x 64 KiB instead of one per block, 16 MiB).
constexpr int64_t kParallelChunks = 16;

/// Query rows per block for `skv` keys of `bytes`-byte elements.
int64_t blockRows(int64_t sq, int64_t skv, int64_t bytes) {
  int64_t rows = kScoreBytes / std::max<int64_t>(1, skv * bytes);
  rows = std::max<int64_t>(rows / 8 * 8, kMinBlockRows);
  return std::min(rows, sq);
}

/// The static shapes and options of one attention.
struct AttentionShape {
  int64_t batch, sq, skv, heads, dh;
  double scale;
  bool causal;
  Type element;
};

/// A [rows, cols] slice of `source` (unit dims dropped) at `offsets`.
Value slice2d(OpBuilder &b, Location loc, Value source,
              ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
              int64_t rows, int64_t cols) {
  auto type = RankedTensorType::get(
      {rows, cols}, cast<RankedTensorType>(source.getType()).getElementType());
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, source, offsets, sizes,
                                        strides);
}

/// Builds the ops of one row block inside a forall body. The mask, when
/// present, has rank 2 to 4 (broadcasting to [B, H, Sq, Skv] from the right).
class BlockBuilder {
public:
  BlockBuilder(OpBuilder &b, Location loc, const AttentionShape &shape,
               Value query, Value keyT, Value value, Value mask, Value keyBias)
      : b(b), loc(loc), s(shape), query(query), keyT(keyT), value(value),
        mask(mask), keyBias(keyBias) {}

  /// Computes rows [r0, r0 + rows) of head `h` of batch `n` into `out`,
  /// their [rows, Dh] destination slice, and returns it.
  Value build(Value n, Value h, Value r0, int64_t rows, Value out);

private:
  OpFoldResult attr(int64_t v) { return b.getIndexAttr(v); }
  Value scoresEpilogue(Value scores, Value n, Value h, Value r0, int64_t rows);
  Value softmaxRows(Value scores, int64_t rows);

  OpBuilder &b;
  Location loc;
  const AttentionShape &s;
  Value query, keyT, value, mask, keyBias;
};

/// `S * scale (+ mask) (+ key_bias)`, causal positions set to -inf, as one
/// in-place generic on the block's scores (the decomposed graph's order).
Value BlockBuilder::scoresEpilogue(Value scores, Value n, Value h, Value r0,
                                   int64_t rows) {
  bool hasMask = static_cast<bool>(mask), hasBias = static_cast<bool>(keyBias);
  bool causal = s.causal, scaled = s.scale != 1;
  if (!hasMask && !hasBias && !causal && !scaled)
    return scores;
  MLIRContext *ctx = b.getContext();
  AffineExpr m = getAffineDimExpr(0, ctx), k = getAffineDimExpr(1, ctx);
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (hasMask) {
    // The block of the mask: a [rows or 1, Skv or 1] slice at this batch,
    // head and row, unit (broadcast) dims staying at 0.
    auto type = cast<RankedTensorType>(mask.getType());
    int64_t rank = type.getRank();
    int64_t full[] = {s.batch, s.heads, s.sq, s.skv};
    int64_t block[] = {1, 1, rows, s.skv};
    Value at[] = {n, h, r0};
    SmallVector<OpFoldResult> offsets, sizes;
    SmallVector<bool> broadcast;
    for (int64_t i = 4 - rank; i < 4; ++i) {
      int64_t dim = type.getDimSize(i - (4 - rank));
      broadcast.push_back(dim == 1 && full[i] != 1);
      offsets.push_back(i < 3 && !broadcast.back() ? OpFoldResult(at[i])
                                                   : attr(0));
      sizes.push_back(attr(broadcast.back() ? 1 : block[i]));
    }
    bool rowsBroadcast = broadcast[rank - 2], keysBroadcast = broadcast.back();
    inputs.push_back(slice2d(b, loc, mask, offsets, sizes,
                             rowsBroadcast ? 1 : rows,
                             keysBroadcast ? 1 : s.skv));
    maps.push_back(AffineMap::get(
        2, 0, {rowsBroadcast ? zero : m, keysBroadcast ? zero : k}, ctx));
  }
  if (hasBias) {
    bool broadcast =
        cast<RankedTensorType>(keyBias.getType()).getDimSize(0) == 1;
    inputs.push_back(slice2d(b, loc, keyBias,
                             {broadcast ? attr(0) : OpFoldResult(n), attr(0)},
                             {attr(1), attr(s.skv)}, 1, s.skv));
    maps.push_back(AffineMap::get(2, 0, {zero, k}, ctx));
  }
  inputs.push_back(scores);
  maps.push_back(b.getMultiDimIdentityMap(2));
  maps.push_back(b.getMultiDimIdentityMap(2));
  Value scale = scalarConstant(b, loc, s.element, s.scale);
  Value negInf = arith::ConstantOp::create(
      b, loc, s.element,
      b.getFloatAttr(s.element, -std::numeric_limits<double>::infinity()));
  return linalg::GenericOp::create(
             b, loc, TypeRange{scores.getType()}, inputs, ValueRange{scores},
             maps, parallelIterators(2),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               // The scores are the last input (the output's argument, the
               // same buffer, goes unused).
               ValueRange ins = args.drop_back();
               Value x = ins.back();
               if (scaled)
                 x = arith::MulFOp::create(nb, nl, x, scale);
               for (Value addend : ins.drop_back())
                 x = arith::AddFOp::create(nb, nl, x, addend);
               if (causal) {
                 // Top-left aligned: key j is hidden from query i when j > i.
                 Value i = arith::AddIOp::create(
                     nb, nl, linalg::IndexOp::create(nb, nl, 0), r0);
                 Value j = linalg::IndexOp::create(nb, nl, 1);
                 Value hidden = arith::CmpIOp::create(
                     nb, nl, arith::CmpIPredicate::ugt, j, i);
                 x = arith::SelectOp::create(nb, nl, hidden, negInf, x);
               }
               linalg::YieldOp::create(nb, nl, x);
             })
      .getResult(0);
}

/// Softmax over each row of `scores`, in place, computed as the graph
/// lowering computes it (NormalizationLowering.cpp): the row maximum as
/// `x > m ? x : m`, exp(x - max), the row sum, the quotient.
Value BlockBuilder::softmaxRows(Value scores, int64_t rows) {
  MLIRContext *ctx = b.getContext();
  AffineMap identity = b.getMultiDimIdentityMap(2);
  AffineMap row = AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx);
  auto rowType = RankedTensorType::get({rows}, s.element);
  SmallVector<utils::IteratorType> reduceIterators{
      utils::IteratorType::parallel, utils::IteratorType::reduction};
  auto reduce = [&](Value start, ScalarFn combine) -> Value {
    Value slot = tensor::EmptyOp::create(b, loc, rowType, ValueRange{});
    Value acc =
        linalg::FillOp::create(b, loc, ValueRange{start}, ValueRange{slot})
            .getResult(0);
    return linalg::GenericOp::create(
               b, loc, TypeRange{rowType}, ValueRange{scores}, ValueRange{acc},
               ArrayRef<AffineMap>{identity, row}, reduceIterators,
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 linalg::YieldOp::create(nb, nl, combine(nb, nl, args));
               })
        .getResult(0);
  };
  auto inPlace = [&](Value x, Value perRow, ScalarFn fn) -> Value {
    // x is an input too, so that the CPU kernels see an elementwise step
    // on the scores (fused into the product's epilogue where it follows
    // one); the output's block argument goes unused.
    return linalg::GenericOp::create(
               b, loc, TypeRange{x.getType()}, ValueRange{perRow, x},
               ValueRange{x}, ArrayRef<AffineMap>{row, identity, identity},
               parallelIterators(2),
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 linalg::YieldOp::create(nb, nl, fn(nb, nl, args));
               })
        .getResult(0);
  };
  Value max = reduce(lowestValue(b, loc, s.element), greaterOf);
  scores = inPlace(
      scores, max, [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return math::ExpOp::create(
            nb, nl, arith::SubFOp::create(nb, nl, args[1], args[0]));
      });
  Value sum = reduce(scalarConstant(b, loc, s.element, 0), addScalars);
  return inPlace(scores, sum,
                 [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
                   return arith::DivFOp::create(nb, nl, args[1], args[0]);
                 });
}

Value BlockBuilder::build(Value n, Value h, Value r0, int64_t rows, Value out) {
  Value zero = scalarConstant(b, loc, s.element, 0);
  Value col = arith::MulIOp::create(
      b, loc, h, arith::ConstantIndexOp::create(b, loc, s.dh));
  Value q = slice2d(b, loc, query, {n, r0, col},
                    {attr(1), attr(rows), attr(s.dh)}, rows, s.dh);
  Value kt = slice2d(b, loc, keyT, {n, h, attr(0), attr(0)},
                     {attr(1), attr(1), attr(s.dh), attr(s.skv)}, s.dh, s.skv);
  Value v = slice2d(b, loc, value, {n, attr(0), col},
                    {attr(1), attr(s.skv), attr(s.dh)}, s.skv, s.dh);
  // The block's scores: a buffer of the iteration (the memory plan gives
  // every iteration of the loop its own, HoistRegionAllocs.cpp).
  Value scores = tensor::EmptyOp::create(
      b, loc, RankedTensorType::get({rows, s.skv}, s.element), ValueRange{});
  Value filled =
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{scores})
          .getResult(0);
  Value product = linalg::MatmulOp::create(b, loc, TypeRange{scores.getType()},
                                           ValueRange{q, kt}, filled)
                      .getResult(0);
  Value logits = scoresEpilogue(product, n, h, r0, rows);
  Value probs = softmaxRows(logits, rows);
  Value acc = linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{out})
                  .getResult(0);
  Value result = linalg::MatmulOp::create(b, loc, TypeRange{out.getType()},
                                          ValueRange{probs, v}, acc)
                     .getResult(0);
  return result;
}

struct AttentionLowering : OpConversionPattern<graph::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Dynamic shapes: decomposed before lowering (mica-decompose-attention).
    if (!op.hasStaticShapes())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    auto qType = cast<RankedTensorType>(adaptor.getQuery().getType());
    auto kType = cast<RankedTensorType>(adaptor.getKey().getType());
    Location loc = op.getLoc();
    AttentionShape s;
    s.batch = qType.getDimSize(0);
    s.sq = qType.getDimSize(1);
    s.skv = kType.getDimSize(1);
    s.heads = op.getNumHeads();
    s.dh = qType.getDimSize(2) / s.heads;
    s.scale = op.getScale().convertToDouble();
    s.causal = op.getCausal();
    s.element = qType.getElementType();
    auto shaped = [&](ArrayRef<int64_t> shape) {
      return RankedTensorType::get(shape, s.element);
    };
    auto idx = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };

    // A 0-D or 1-D mask as [1, 1] or [1, Skv]: every mask has rank 2 to 4.
    Value mask = adaptor.getMask();
    if (mask) {
      auto type = cast<RankedTensorType>(mask.getType());
      if (type.getRank() < 2)
        mask = tensor::ExpandShapeOp::create(
            rewriter, loc,
            shaped({1, type.getRank() == 1 ? type.getDimSize(0) : 1}), mask,
            type.getRank() == 1 ? SmallVector<ReassociationIndices>{{0, 1}}
                                : SmallVector<ReassociationIndices>{});
    }
    // K [B, Skv, H*Dh] -> K^T [B, H, Dh, Skv], once for all blocks: the
    // score product then reads keys along its vectors.
    Value key = tensor::ExpandShapeOp::create(
        rewriter, loc, shaped({s.batch, s.skv, s.heads, s.dh}),
        adaptor.getKey(), SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    Value keyT = linalg::TransposeOp::create(
                     rewriter, loc, key,
                     tensor::EmptyOp::create(
                         rewriter, loc, shaped({s.batch, s.heads, s.dh, s.skv}),
                         ValueRange{}),
                     ArrayRef<int64_t>{0, 2, 3, 1})
                     .getResult()[0];
    BlockBuilder block(rewriter, loc, s, adaptor.getQuery(), keyT,
                       adaptor.getValue(), mask, adaptor.getKeyBias());

    // One forall over (batch, head, chunk) for `rows`-row blocks starting
    // at `firstRow`, each chunk `perChunk` consecutive blocks of one head
    // computed in turn (they share K and V in cache, and one scratch).
    auto loop = [&](Value out, int64_t rows, int64_t perChunk, int64_t chunks,
                    int64_t firstRow) -> Value {
      int64_t iterations = s.batch * s.heads * chunks;
      int64_t chunkRows = perChunk * rows;
      auto forall = scf::ForallOp::create(
          rewriter, loc,
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(iterations)},
          ValueRange{out}, std::nullopt);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(forall.getTerminator());
      Value i = forall.getInductionVars()[0];
      Value c = arith::RemUIOp::create(rewriter, loc, i, idx(chunks));
      Value nh = arith::DivUIOp::create(rewriter, loc, i, idx(chunks));
      Value h = arith::RemUIOp::create(rewriter, loc, nh, idx(s.heads));
      Value n = arith::DivUIOp::create(rewriter, loc, nh, idx(s.heads));
      Value first = arith::AddIOp::create(
          rewriter, loc,
          arith::MulIOp::create(rewriter, loc, c, idx(chunkRows)),
          idx(firstRow));
      Value col = arith::MulIOp::create(rewriter, loc, h, idx(s.dh));
      SmallVector<OpFoldResult> offsets{n, first, col};
      SmallVector<OpFoldResult> sizes{rewriter.getIndexAttr(1),
                                      rewriter.getIndexAttr(chunkRows),
                                      rewriter.getIndexAttr(s.dh)};
      Value shared = forall.getRegionIterArgs()[0];
      Value slot =
          slice2d(rewriter, loc, shared, offsets, sizes, chunkRows, s.dh);
      Value result;
      if (perChunk == 1) {
        result = block.build(n, h, first, rows, slot);
      } else {
        auto blocks = scf::ForOp::create(
            rewriter, loc, idx(0), idx(perChunk), idx(1), ValueRange{slot},
            [&](OpBuilder &fb, Location fl, Value k, ValueRange acc) {
              Value at = arith::MulIOp::create(fb, fl, k, idx(rows));
              Value r0 = arith::AddIOp::create(fb, fl, first, at);
              SmallVector<OpFoldResult> subOffsets{at, fb.getIndexAttr(0)};
              SmallVector<OpFoldResult> subSizes{fb.getIndexAttr(rows),
                                                 fb.getIndexAttr(s.dh)};
              Value sub =
                  slice2d(fb, fl, acc[0], subOffsets, subSizes, rows, s.dh);
              Value part = block.build(n, h, r0, rows, sub);
              SmallVector<OpFoldResult> strides(2, fb.getIndexAttr(1));
              Value next = tensor::InsertSliceOp::create(
                  fb, fl, part, acc[0], subOffsets, subSizes, strides);
              scf::YieldOp::create(fb, fl, next);
            });
        result = blocks.getResult(0);
      }
      rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
      SmallVector<OpFoldResult> strides(3, rewriter.getIndexAttr(1));
      tensor::ParallelInsertSliceOp::create(rewriter, loc, result, shared,
                                            offsets, sizes, strides);
      return forall.getResult(0);
    };
    // Chunks: the fewest (each keeps one block of scores) that still give
    // the runtime's threads kParallelChunks iterations to share, dividing the
    // blocks of a head evenly.
    auto chunksFor = [&](int64_t blocks) {
      for (int64_t d = 1; d <= blocks; ++d)
        if (blocks % d == 0 && s.batch * s.heads * d >= kParallelChunks)
          return d;
      return blocks;
    };
    int64_t mb = blockRows(s.sq, s.skv, s.element.getIntOrFloatBitWidth() / 8);
    Value out = tensor::EmptyOp::create(rewriter, loc, qType, ValueRange{});
    // The rows past the last full block join it (a block of fewer than
    // Mb + Mb rows, in a loop of its own), rather than forming a short one.
    int64_t blocks = s.sq / mb, tail = s.sq % mb;
    int64_t full = tail == 0 ? blocks : blocks - 1;
    if (full > 0) {
      int64_t chunks = chunksFor(full);
      out = loop(out, mb, full / chunks, chunks, 0);
    }
    if (tail != 0)
      out = loop(out, mb + tail, 1, 1, (blocks - 1) * mb);
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
