//===- UniqueLowering.cpp - graph.unique -> scf loops ---------------------===//
//
// The N slices along the axis are compared element by element
// (lexicographically, in row-major order of the other dims):
//  1. for each slice i, the first slice equal to it (first[i]); a slice is
//     new when first[i] == i, and gets position pos[i] = how many new
//     slices came before it (order of first occurrence);
//  2. sorted: pos[i] of a new slice = how many new slices are smaller;
//  3. every slice i adds one to counts[pos[first[i]]] and sets
//     inverse[i] = pos[first[i]]; a new one also writes indices[pos[i]] and
//     copies itself to unique[pos[i]].
// The unique slices, indices and counts go to buffers of the axis extent N,
// sliced to the run-time count (clamped to N, so the memory plan bounds
// them). O(N^2) slice comparisons: Unique is a small-tensor op in models.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/LoweringUtils.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace mica::graph_to_linalg {
namespace {

class UniqueBuilder {
public:
  UniqueBuilder(Value input, int64_t axis)
      : input(input), type(cast<RankedTensorType>(input.getType())),
        axis(axis) {
    sliceSize = type.getNumElements() / std::max<int64_t>(1, extent());
  }

  int64_t extent() const { return type.getDimSize(axis); }
  int64_t slice() const { return sliceSize; }

  static Value idx(OpBuilder &b, Location loc, int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }

  /// The coordinates of element `m` (row-major over the other dims) of
  /// slice `i`.
  SmallVector<Value> coords(OpBuilder &b, Location loc, Value i,
                            Value m) const {
    SmallVector<Value> result(type.getRank());
    Value rest = m;
    for (int64_t d = type.getRank() - 1; d >= 0; --d) {
      if (d == axis) {
        result[d] = i;
        continue;
      }
      Value size = idx(b, loc, type.getDimSize(d));
      result[d] = arith::RemUIOp::create(b, loc, rest, size);
      rest = arith::DivUIOp::create(b, loc, rest, size);
    }
    return result;
  }

  Value element(OpBuilder &b, Location loc, Value i, Value m) const {
    return toSignless(
        b, loc, tensor::ExtractOp::create(b, loc, input, coords(b, loc, i, m)));
  }

  /// (slice i < slice j, slice i == slice j), lexicographically; NaNs
  /// compare equal to everything.
  std::pair<Value, Value> compare(OpBuilder &b, Location loc, Value i,
                                  Value j) const {
    bool isUnsigned = isUnsignedInt(type.getElementType());
    Value no = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
    auto loop = scf::ForOp::create(
        b, loc, idx(b, loc, 0), idx(b, loc, sliceSize), idx(b, loc, 1),
        ValueRange{no, no},
        [&](OpBuilder &lb, Location l, Value m, ValueRange state) {
          Value x = element(lb, l, i, m), y = element(lb, l, j, m);
          Value lt, gt;
          if (isa<FloatType>(x.getType())) {
            lt = arith::CmpFOp::create(lb, l, arith::CmpFPredicate::OLT, x, y);
            gt = arith::CmpFOp::create(lb, l, arith::CmpFPredicate::OGT, x, y);
          } else {
            lt = arith::CmpIOp::create(lb, l,
                                       isUnsigned ? arith::CmpIPredicate::ult
                                                  : arith::CmpIPredicate::slt,
                                       x, y);
            gt = arith::CmpIOp::create(lb, l,
                                       isUnsigned ? arith::CmpIPredicate::ugt
                                                  : arith::CmpIPredicate::sgt,
                                       x, y);
          }
          Value decided = state[0];
          Value less = arith::SelectOp::create(lb, l, decided, state[1], lt);
          decided = arith::OrIOp::create(lb, l, decided,
                                         arith::OrIOp::create(lb, l, lt, gt));
          scf::YieldOp::create(lb, l, ValueRange{decided, less});
        });
    Value yes = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    Value equal = arith::XOrIOp::create(b, loc, loop.getResult(0), yes);
    return {loop.getResult(1), equal};
  }

private:
  Value input;
  RankedTensorType type;
  int64_t axis;
  int64_t sliceSize = 0;
};

Value readI64(OpBuilder &b, Location loc, Value tensor, Value i) {
  Value raw = tensor::ExtractOp::create(b, loc, tensor, ValueRange{i});
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
}

Value writeI64(OpBuilder &b, Location loc, Value value, Value tensor, Value i) {
  Value raw = arith::IndexCastOp::create(b, loc, b.getI64Type(), value);
  return tensor::InsertOp::create(b, loc, raw, tensor, ValueRange{i});
}

struct UniqueLowering : OpConversionPattern<graph::UniqueOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(graph::UniqueOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    if (!inputType.hasStaticShape() ||
        !isArithmeticType(inputType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a static numeric input");
    int64_t axis = op.getAxis();
    UniqueBuilder slices(input, axis);
    int64_t n = slices.extent();
    if (n == 0)
      return rewriter.notifyMatchFailure(op, "empty axis");
    Location loc = op.getLoc();
    auto c = [&](OpBuilder &b, int64_t v) {
      return UniqueBuilder::idx(b, loc, v);
    };
    Type i64 = rewriter.getI64Type();
    auto vectorType = RankedTensorType::get({n}, i64);
    auto vector = [&]() -> Value {
      return tensor::EmptyOp::create(rewriter, loc, vectorType.getShape(), i64);
    };
    Value firstInit = vector(), posInit = vector();
    Value indicesInit = vector(), inverseInit = vector();
    Value zero64 =
        arith::ConstantOp::create(rewriter, loc, rewriter.getI64IntegerAttr(0));
    Value countsInit = createFilled(rewriter, loc, vectorType, {}, zero64);
    Value uniqueInit = tensor::EmptyOp::create(
        rewriter, loc, inputType.getShape(), inputType.getElementType());

    // 1. first[i], pos[i] in the order of first occurrence, and the count.
    auto firsts = scf::ForOp::create(
        rewriter, loc, c(rewriter, 0), c(rewriter, n), c(rewriter, 1),
        ValueRange{firstInit, posInit, c(rewriter, 0)},
        [&](OpBuilder &b, Location l, Value i, ValueRange state) {
          auto search = scf::ForOp::create(
              b, l, c(b, 0), i, c(b, 1), ValueRange{i},
              [&](OpBuilder &sb, Location sl, Value j, ValueRange found) {
                Value notYet = arith::CmpIOp::create(
                    sb, sl, arith::CmpIPredicate::eq, found[0], i);
                auto check = scf::IfOp::create(
                    sb, sl, notYet,
                    [&](OpBuilder &tb, Location tl) {
                      Value equal = slices.compare(tb, tl, j, i).second;
                      scf::YieldOp::create(tb, tl,
                                           ValueRange{arith::SelectOp::create(
                                               tb, tl, equal, j, found[0])});
                    },
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(eb, el, found);
                    });
                scf::YieldOp::create(sb, sl, check.getResults());
              });
          Value first = search.getResult(0);
          Value isNew =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, first, i);
          Value firstTensor = writeI64(b, l, first, state[0], i);
          Value posTensor = writeI64(b, l, state[2], state[1], i);
          Value count = arith::SelectOp::create(
              b, l, isNew, arith::AddIOp::create(b, l, state[2], c(b, 1)),
              state[2]);
          scf::YieldOp::create(b, l, ValueRange{firstTensor, posTensor, count});
        });
    Value first = firsts.getResult(0), pos = firsts.getResult(1);
    Value count = firsts.getResult(2);

    // 2. Sorted: the position of a new slice is its rank among the new ones.
    if (op.getSorted()) {
      auto ranks = scf::ForOp::create(
          rewriter, loc, c(rewriter, 0), c(rewriter, n), c(rewriter, 1),
          ValueRange{pos},
          [&](OpBuilder &b, Location l, Value i, ValueRange state) {
            auto smaller = scf::ForOp::create(
                b, l, c(b, 0), c(b, n), c(b, 1), ValueRange{c(b, 0)},
                [&](OpBuilder &sb, Location sl, Value j, ValueRange acc) {
                  Value isNew =
                      arith::CmpIOp::create(sb, sl, arith::CmpIPredicate::eq,
                                            readI64(sb, sl, first, j), j);
                  auto check = scf::IfOp::create(
                      sb, sl, isNew,
                      [&](OpBuilder &tb, Location tl) {
                        Value less = slices.compare(tb, tl, j, i).first;
                        Value one = arith::SelectOp::create(tb, tl, less,
                                                            c(tb, 1), c(tb, 0));
                        scf::YieldOp::create(tb, tl,
                                             ValueRange{arith::AddIOp::create(
                                                 tb, tl, acc[0], one)});
                      },
                      [&](OpBuilder &eb, Location el) {
                        scf::YieldOp::create(eb, el, acc);
                      });
                  scf::YieldOp::create(sb, sl, check.getResults());
                });
            Value rank = smaller.getResult(0);
            Value isNew = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                readI64(b, l, first, i), i);
            Value old = readI64(b, l, state[0], i);
            Value chosen = arith::SelectOp::create(b, l, isNew, rank, old);
            scf::YieldOp::create(
                b, l, ValueRange{writeI64(b, l, chosen, state[0], i)});
          });
      pos = ranks.getResult(0);
    }

    // 3. The outputs.
    auto fill = scf::ForOp::create(
        rewriter, loc, c(rewriter, 0), c(rewriter, n), c(rewriter, 1),
        ValueRange{uniqueInit, indicesInit, inverseInit, countsInit},
        [&](OpBuilder &b, Location l, Value i, ValueRange state) {
          Value f = readI64(b, l, first, i);
          Value p = readI64(b, l, pos, f);
          Value inverse = writeI64(b, l, p, state[2], i);
          Value counted = arith::AddIOp::create(
              b, l, tensor::ExtractOp::create(b, l, state[3], ValueRange{p}),
              arith::ConstantOp::create(b, l, b.getI64IntegerAttr(1)));
          Value counts =
              tensor::InsertOp::create(b, l, counted, state[3], ValueRange{p});
          Value isNew =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, f, i);
          auto copy = scf::IfOp::create(
              b, l, isNew,
              [&](OpBuilder &tb, Location tl) {
                Value indices = writeI64(tb, tl, i, state[1], p);
                auto slice = scf::ForOp::create(
                    tb, tl, c(tb, 0), c(tb, slices.slice()), c(tb, 1),
                    ValueRange{state[0]},
                    [&](OpBuilder &cb, Location cl, Value m, ValueRange acc) {
                      Value v = tensor::ExtractOp::create(
                          cb, cl, input, slices.coords(cb, cl, i, m));
                      scf::YieldOp::create(
                          cb, cl,
                          ValueRange{tensor::InsertOp::create(
                              cb, cl, v, acc[0], slices.coords(cb, cl, p, m))});
                    });
                scf::YieldOp::create(tb, tl,
                                     ValueRange{slice.getResult(0), indices});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, ValueRange{state[0], state[1]});
              });
          scf::YieldOp::create(b, l,
                               ValueRange{copy.getResult(0), copy.getResult(1),
                                          inverse, counts});
        });

    count = arith::MinUIOp::create(rewriter, loc, count, c(rewriter, n));
    auto leading = [&](Value tensor, int64_t dim) -> Value {
      auto type = cast<RankedTensorType>(tensor.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(),
                                        rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes;
      for (int64_t size : type.getShape())
        sizes.push_back(rewriter.getIndexAttr(size));
      sizes[dim] = count;
      SmallVector<OpFoldResult> strides(type.getRank(),
                                        rewriter.getIndexAttr(1));
      return tensor::ExtractSliceOp::create(rewriter, loc, tensor, offsets,
                                            sizes, strides);
    };
    SmallVector<Value> results{leading(fill.getResult(0), axis),
                               leading(fill.getResult(1), 0), fill.getResult(2),
                               leading(fill.getResult(3), 0)};
    for (auto [value, result] : llvm::zip_equal(results, op->getResults()))
      value = castTo(rewriter, loc, value, result.getType());
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void populateUniquePatterns(RewritePatternSet &patterns) {
  patterns.add<UniqueLowering>(patterns.getContext());
}

} // namespace mica::graph_to_linalg
