//===- NmsLowering.cpp - graph.non_max_suppression -> scf loops -----------===//
//
// For each (batch, class): an `alive` mask starts as score > threshold;
// up to max_output times, the best alive box (highest score, lowest index)
// is appended to the result and every alive box whose IoU with it exceeds
// the threshold dies (the selected one too). Picking the best remaining box
// each time selects the same boxes, in the same order, as walking the boxes
// sorted by score. The result rows go into a [B * C * min(N, max), 3]
// buffer, sliced to the run-time count (clamped, so the plan bounds it).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

#include <array>
#include <limits>

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

class NmsBuilder {
public:
  NmsBuilder(OpBuilder &b, Location loc, Value boxes, bool centerPoint)
      : b(b), loc(loc), boxes(boxes), centerPoint(centerPoint) {}

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// Corners (y1, x1, y2, x2) with y1 <= y2, x1 <= x2 of box `i` of batch n.
  std::array<Value, 4> corners(Value n, Value i) {
    std::array<Value, 4> v;
    for (int64_t k = 0; k < 4; ++k)
      v[k] = tensor::ExtractOp::create(b, loc, boxes, ValueRange{n, i, idx(k)});
    if (centerPoint) {
      Type t = v[0].getType();
      Value half = arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 0.5));
      Value hw = arith::MulFOp::create(b, loc, v[2], half);
      Value hh = arith::MulFOp::create(b, loc, v[3], half);
      return {arith::SubFOp::create(b, loc, v[1], hh),
              arith::SubFOp::create(b, loc, v[0], hw),
              arith::AddFOp::create(b, loc, v[1], hh),
              arith::AddFOp::create(b, loc, v[0], hw)};
    }
    return {arith::MinimumFOp::create(b, loc, v[0], v[2]),
            arith::MinimumFOp::create(b, loc, v[1], v[3]),
            arith::MaximumFOp::create(b, loc, v[0], v[2]),
            arith::MaximumFOp::create(b, loc, v[1], v[3])};
  }

  /// Whether IoU(a, c) > threshold (never when the union is empty).
  Value overlaps(const std::array<Value, 4> &a, const std::array<Value, 4> &c,
                 Value threshold) {
    Type t = a[0].getType();
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 0.0));
    auto extent = [&](Value lo1, Value hi1, Value lo2, Value hi2) {
      Value lo = arith::MaximumFOp::create(b, loc, lo1, lo2);
      Value hi = arith::MinimumFOp::create(b, loc, hi1, hi2);
      return arith::MaximumFOp::create(
          b, loc, arith::SubFOp::create(b, loc, hi, lo), zero);
    };
    Value inter = arith::MulFOp::create(b, loc, extent(a[0], a[2], c[0], c[2]),
                                        extent(a[1], a[3], c[1], c[3]));
    auto area = [&](const std::array<Value, 4> &q) {
      return arith::MulFOp::create(b, loc,
                                   arith::SubFOp::create(b, loc, q[2], q[0]),
                                   arith::SubFOp::create(b, loc, q[3], q[1]));
    };
    Value unionArea = arith::SubFOp::create(
        b, loc, arith::AddFOp::create(b, loc, area(a), area(c)), inter);
    Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                           unionArea, zero);
    Value iou = arith::DivFOp::create(b, loc, inter, unionArea);
    Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, iou,
                                        threshold);
    return arith::AndIOp::create(b, loc, positive, above);
  }

  OpBuilder &b;
  Location loc;
  Value boxes;
  bool centerPoint;
};

struct NonMaxSuppressionLowering
    : OpConversionPattern<graph::NonMaxSuppressionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::NonMaxSuppressionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value boxes = adaptor.getBoxes(), scores = adaptor.getScores();
    auto scoresType = cast<RankedTensorType>(scores.getType());
    auto boxesType = cast<RankedTensorType>(boxes.getType());
    if (!scoresType.hasStaticShape() || !boxesType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    Location loc = op.getLoc();
    int64_t batches = scoresType.getDimSize(0),
            classes = scoresType.getDimSize(1), n = scoresType.getDimSize(2);
    int64_t perClass =
        std::max<int64_t>(0, std::min<int64_t>(n, op.getMaxOutput()));
    int64_t capacity = std::max<int64_t>(1, batches * classes * perClass);
    Type i64 = rewriter.getI64Type(), i1 = rewriter.getI1Type();
    Type element = scoresType.getElementType();
    auto scalarOf = [&](Value t) -> Value {
      auto type = cast<RankedTensorType>(t.getType());
      SmallVector<Value> zeros(
          type.getRank(), arith::ConstantIndexOp::create(rewriter, loc, 0));
      return tensor::ExtractOp::create(rewriter, loc, t, zeros);
    };
    Value iouThreshold = scalarOf(adaptor.getIouThreshold());
    Value scoreThreshold = adaptor.getScoreThreshold()
                               ? scalarOf(adaptor.getScoreThreshold())
                               : Value();
    NmsBuilder nms(rewriter, loc, boxes, op.getCenterPointBox());
    auto c = [&](int64_t v) { return nms.idx(v); };
    Value out = tensor::EmptyOp::create(rewriter, loc,
                                        ArrayRef<int64_t>{capacity, 3}, i64);
    Value aliveInit =
        tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{n}, i1);
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, ValueRange{c(0), c(0)},
        ValueRange{c(batches), c(classes)}, ValueRange{c(1), c(1)},
        ValueRange{out, c(0)},
        [&](OpBuilder &b, Location l, ValueRange ivs,
            ValueRange acc) -> scf::ValueVector {
          Value bi = ivs[0], ci = ivs[1];
          auto score = [&](OpBuilder &sb, Value i) {
            return tensor::ExtractOp::create(sb, l, scores,
                                             ValueRange{bi, ci, i})
                .getResult();
          };
          // alive[i] = score > score_threshold (or true).
          auto fill = scf::ForOp::create(
              b, l, c(0), c(n), c(1), ValueRange{aliveInit},
              [&](OpBuilder &fb, Location fl, Value i, ValueRange a) {
                Value ok = scoreThreshold
                               ? arith::CmpFOp::create(
                                     fb, fl, arith::CmpFPredicate::OGT,
                                     score(fb, i), scoreThreshold)
                                     .getResult()
                               : arith::ConstantOp::create(fb, fl,
                                                           fb.getBoolAttr(true))
                                     .getResult();
                scf::YieldOp::create(fb, fl,
                                     ValueRange{tensor::InsertOp::create(
                                         fb, fl, ok, a[0], ValueRange{i})});
              });
          auto picks = scf::ForOp::create(
              b, l, c(0), c(perClass), c(1),
              ValueRange{fill.getResult(0), acc[0], acc[1]},
              [&](OpBuilder &pb, Location pl, Value, ValueRange state) {
                Value alive = state[0];
                // The best alive box: highest score, then lowest index.
                Value lowest = arith::ConstantOp::create(
                    pb, pl,
                    pb.getFloatAttr(element,
                                    -std::numeric_limits<double>::infinity()));
                auto best = scf::ForOp::create(
                    pb, pl, c(0), c(n), c(1),
                    ValueRange{lowest, c(0),
                               arith::ConstantOp::create(
                                   pb, pl, pb.getBoolAttr(false))},
                    [&](OpBuilder &sb, Location sl, Value i, ValueRange cur) {
                      Value s = score(sb, i);
                      Value isAlive = tensor::ExtractOp::create(sb, sl, alive,
                                                                ValueRange{i});
                      Value better = arith::OrIOp::create(
                          sb, sl,
                          arith::XOrIOp::create(
                              sb, sl, cur[2],
                              arith::ConstantOp::create(sb, sl,
                                                        sb.getBoolAttr(true))),
                          arith::CmpFOp::create(
                              sb, sl, arith::CmpFPredicate::OGT, s, cur[0]));
                      Value take =
                          arith::AndIOp::create(sb, sl, isAlive, better);
                      scf::YieldOp::create(
                          sb, sl,
                          ValueRange{
                              arith::SelectOp::create(sb, sl, take, s, cur[0]),
                              arith::SelectOp::create(sb, sl, take, i, cur[1]),
                              arith::OrIOp::create(sb, sl, cur[2], take)});
                    });
                Value found = best.getResult(2), pick = best.getResult(1);
                auto branch = scf::IfOp::create(
                    pb, pl, found,
                    [&](OpBuilder &tb, Location tl) {
                      Value row = state[2];
                      Value updated = state[1];
                      Value fields[3] = {bi, ci, pick};
                      for (int64_t k = 0; k < 3; ++k)
                        updated = tensor::InsertOp::create(
                            tb, tl,
                            arith::IndexCastOp::create(tb, tl, i64, fields[k]),
                            updated, ValueRange{row, c(k)});
                      NmsBuilder inner(tb, tl, boxes, op.getCenterPointBox());
                      std::array<Value, 4> chosen = inner.corners(bi, pick);
                      auto sweep = scf::ForOp::create(
                          tb, tl, c(0), c(n), c(1), ValueRange{alive},
                          [&](OpBuilder &wb, Location wl, Value j,
                              ValueRange a) {
                            NmsBuilder w(wb, wl, boxes, op.getCenterPointBox());
                            Value was = tensor::ExtractOp::create(
                                wb, wl, a[0], ValueRange{j});
                            Value same = arith::CmpIOp::create(
                                wb, wl, arith::CmpIPredicate::eq, j, pick);
                            Value hit = arith::OrIOp::create(
                                wb, wl, same,
                                w.overlaps(chosen, w.corners(bi, j),
                                           iouThreshold));
                            Value keep = arith::AndIOp::create(
                                wb, wl, was,
                                arith::XOrIOp::create(
                                    wb, wl, hit,
                                    arith::ConstantOp::create(
                                        wb, wl, wb.getBoolAttr(true))));
                            scf::YieldOp::create(
                                wb, wl,
                                ValueRange{tensor::InsertOp::create(
                                    wb, wl, keep, a[0], ValueRange{j})});
                          });
                      scf::YieldOp::create(
                          tb, tl,
                          ValueRange{sweep.getResult(0), updated,
                                     arith::AddIOp::create(tb, tl, row, c(1))});
                    },
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(eb, el, state);
                    });
                scf::YieldOp::create(pb, pl, branch.getResults());
              });
          return scf::ValueVector{picks.getResult(1), picks.getResult(2)};
        });
    Value count = arith::MinUIOp::create(rewriter, loc, nest.results[1],
                                         c(batches * classes * perClass));
    Value result = tensor::ExtractSliceOp::create(
        rewriter, loc, nest.results[0],
        SmallVector<OpFoldResult>{rewriter.getIndexAttr(0),
                                  rewriter.getIndexAttr(0)},
        SmallVector<OpFoldResult>{count, rewriter.getIndexAttr(3)},
        SmallVector<OpFoldResult>{rewriter.getIndexAttr(1),
                                  rewriter.getIndexAttr(1)});
    rewriter.replaceOp(op, castTo(rewriter, loc, result, op.getType()));
    return success();
  }
};

} // namespace

void populateNmsPatterns(RewritePatternSet &patterns) {
  patterns.add<NonMaxSuppressionLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
