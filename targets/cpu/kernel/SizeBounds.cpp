//===- SizeBounds.cpp - Upper bounds of index values ----------------------===//
#include "targets/cpu/kernel/SizeBounds.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mica::kernel;

namespace {
/// The `dim`-th size among a list of mixed static/dynamic sizes.
std::optional<int64_t> sizeBound(SizeBoundEvaluator &eval,
                                 ArrayRef<OpFoldResult> sizes, int64_t dim) {
  if (dim < 0 || dim >= static_cast<int64_t>(sizes.size()))
    return std::nullopt;
  if (auto attr = dyn_cast<Attribute>(sizes[dim]))
    return cast<IntegerAttr>(attr).getInt();
  return eval.upperBound(cast<Value>(sizes[dim]));
}
/// The larger of `bound` over the values the two branches of `op` yield at
/// `index`; none when a branch has no bound (or no else branch).
std::optional<int64_t>
maxOfBranches(scf::IfOp op,
              llvm::function_ref<std::optional<int64_t>(Value)> bound,
              unsigned index) {
  if (op.getElseRegion().empty())
    return std::nullopt;
  std::optional<int64_t> a = bound(op.thenYield().getOperand(index));
  std::optional<int64_t> b = bound(op.elseYield().getOperand(index));
  if (!a || !b)
    return std::nullopt;
  return std::max(*a, *b);
}
} // namespace

std::optional<int64_t> SizeBoundEvaluator::dimUpperBound(Value value,
                                                         int64_t dim) {
  auto type = dyn_cast<ShapedType>(value.getType());
  if (!type || !type.hasRank() || dim < 0 || dim >= type.getRank())
    return std::nullopt;
  if (!type.isDynamicDim(dim))
    return type.getDimSize(dim);
  if (auto arg = dyn_cast<BlockArgument>(value))
    return argDimBound(arg, dim);
  Operation *def = value.getDefiningOp();
  auto dynamicIndex = [&](ShapedType t) {
    int64_t index = 0;
    for (int64_t d = 0; d < dim; ++d)
      index += t.isDynamicDim(d);
    return index;
  };
  return llvm::TypeSwitch<Operation *, std::optional<int64_t>>(def)
      .Case<memref::AllocOp, memref::AllocaOp>(
          [&](auto op) -> std::optional<int64_t> {
            return upperBound(op.getDynamicSizes()[dynamicIndex(type)]);
          })
      .Case([&](memref::ViewOp op) -> std::optional<int64_t> {
        return upperBound(op.getSizes()[dynamicIndex(type)]);
      })
      .Case(
          [&](memref::CastOp op) { return dimUpperBound(op.getSource(), dim); })
      .Case([&](memref::ReinterpretCastOp op) {
        return sizeBound(*this, op.getMixedSizes(), dim);
      })
      .Case([&](memref::ExpandShapeOp op) {
        return sizeBound(*this, op.getMixedOutputShape(), dim);
      })
      .Case([&](memref::SubViewOp op) -> std::optional<int64_t> {
        SmallVector<OpFoldResult> sizes;
        llvm::SmallBitVector dropped = op.getDroppedDims();
        for (auto [i, size] : llvm::enumerate(op.getMixedSizes()))
          if (!dropped.test(i))
            sizes.push_back(size);
        return sizeBound(*this, sizes, dim);
      })
      .Case([&](scf::IfOp op) -> std::optional<int64_t> {
        // A branch on a run-time value: the larger of the two branches.
        unsigned index = cast<OpResult>(value).getResultNumber();
        return maxOfBranches(
            op, [&](Value yielded) { return dimUpperBound(yielded, dim); },
            index);
      })
      .Case([&](memref::CollapseShapeOp op) -> std::optional<int64_t> {
        int64_t product = 1;
        for (int64_t d : op.getReassociationIndices()[dim]) {
          std::optional<int64_t> b = dimUpperBound(op.getSrc(), d);
          if (!b)
            return std::nullopt;
          product *= *b;
        }
        return product;
      })
      .Default([](Operation *) { return std::nullopt; });
}

std::optional<int64_t> SizeBoundEvaluator::upperBound(Value value) {
  auto it = cache.find(value);
  if (it != cache.end())
    return it->second;
  std::optional<int64_t> result = compute(value);
  cache[value] = result;
  return result;
}

std::optional<int64_t> SizeBoundEvaluator::compute(Value value) {
  APInt constant;
  if (matchPattern(value, m_ConstantInt(&constant)))
    return constant.getSExtValue();
  Operation *def = value.getDefiningOp();
  if (!def)
    return std::nullopt;
  auto both = [&](Value a, Value b, auto combine) -> std::optional<int64_t> {
    std::optional<int64_t> x = upperBound(a), y = upperBound(b);
    if (!x || !y)
      return std::nullopt;
    return combine(*x, *y);
  };
  // Division-like ops are monotone in their dividend only when the divisor is
  // a positive constant.
  auto byConstant = [&](Value a, Value b,
                        auto combine) -> std::optional<int64_t> {
    APInt divisor;
    if (!matchPattern(b, m_ConstantInt(&divisor)) ||
        divisor.getSExtValue() <= 0)
      return std::nullopt;
    std::optional<int64_t> x = upperBound(a);
    if (!x)
      return std::nullopt;
    return combine(*x, divisor.getSExtValue());
  };
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  return llvm::TypeSwitch<Operation *, std::optional<int64_t>>(def)
      .Case([&](memref::DimOp op) -> std::optional<int64_t> {
        std::optional<int64_t> index = op.getConstantIndex();
        if (!index)
          return std::nullopt;
        return dimUpperBound(op.getSource(), *index);
      })
      .Case([&](scf::IfOp op) -> std::optional<int64_t> {
        unsigned index = cast<OpResult>(value).getResultNumber();
        return maxOfBranches(
            op, [&](Value yielded) { return upperBound(yielded); }, index);
      })
      .Case<arith::AddIOp>([&](auto op) {
        return both(op.getLhs(), op.getRhs(),
                    [](int64_t a, int64_t b) { return a + b; });
      })
      .Case<arith::MulIOp>([&](auto op) {
        return both(op.getLhs(), op.getRhs(),
                    [](int64_t a, int64_t b) { return a * b; });
      })
      .Case<arith::MaxSIOp, arith::MaxUIOp, arith::SelectOp>(
          [&](auto op) -> std::optional<int64_t> {
            Value a = op->getOperand(op->getNumOperands() - 2);
            Value b = op->getOperand(op->getNumOperands() - 1);
            return both(a, b,
                        [](int64_t x, int64_t y) { return std::max(x, y); });
          })
      .Case<arith::MinSIOp, arith::MinUIOp>(
          [&](auto op) -> std::optional<int64_t> {
            std::optional<int64_t> x = upperBound(op.getLhs());
            std::optional<int64_t> y = upperBound(op.getRhs());
            if (x && y)
              return std::min(*x, *y);
            return x ? x : y;
          })
      .Case<arith::SubIOp>([&](auto op) -> std::optional<int64_t> {
        // a - c with a constant c is monotone in a; a - b is not.
        APInt c;
        if (!matchPattern(op.getRhs(), m_ConstantInt(&c)))
          return std::nullopt;
        std::optional<int64_t> x = upperBound(op.getLhs());
        if (!x)
          return std::nullopt;
        return *x - c.getSExtValue();
      })
      .Case<arith::DivSIOp, arith::DivUIOp, arith::FloorDivSIOp>([&](auto op) {
        return byConstant(op.getLhs(), op.getRhs(),
                          [](int64_t a, int64_t b) { return a / b; });
      })
      .Case<arith::CeilDivSIOp, arith::CeilDivUIOp>([&](auto op) {
        return byConstant(op.getLhs(), op.getRhs(), ceilDiv);
      })
      .Case<arith::RemSIOp, arith::RemUIOp>(
          [&](auto op) -> std::optional<int64_t> {
            APInt c;
            if (!matchPattern(op.getRhs(), m_ConstantInt(&c)))
              return upperBound(op.getLhs());
            return c.getSExtValue() - 1;
          })
      .Case<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
            arith::ExtUIOp, arith::TruncIOp>(
          [&](auto op) { return upperBound(op.getIn()); })
      .Case<affine::AffineApplyOp, affine::AffineMaxOp, affine::AffineMinOp>(
          [&](auto op) -> std::optional<int64_t> {
            // Evaluate the map at the operands' bounds. Only maps whose
            // coefficients are all non-negative are monotone.
            AffineMap map = op.getAffineMap();
            bool monotone = true;
            for (AffineExpr expr : map.getResults())
              expr.walk([&](AffineExpr e) {
                if (auto c = dyn_cast<AffineConstantExpr>(e))
                  if (c.getValue() < 0)
                    monotone = false;
              });
            if (!monotone)
              return std::nullopt;
            SmallVector<Attribute> operands;
            Builder b(op.getContext());
            for (Value operand : op.getMapOperands()) {
              std::optional<int64_t> x = upperBound(operand);
              if (!x)
                return std::nullopt;
              operands.push_back(b.getIndexAttr(*x));
            }
            SmallVector<Attribute> results;
            if (failed(map.constantFold(operands, results)) || results.empty())
              return std::nullopt;
            int64_t best = cast<IntegerAttr>(results[0]).getInt();
            for (Attribute r : results) {
              int64_t v = cast<IntegerAttr>(r).getInt();
              best = isa<affine::AffineMinOp>(op) ? std::min(best, v)
                                                  : std::max(best, v);
            }
            return best;
          })
      .Default([](Operation *) { return std::nullopt; });
}

std::optional<int64_t> SizeBoundEvaluator::elementsUpperBound(Value value) {
  auto type = dyn_cast<ShapedType>(value.getType());
  if (!type || !type.hasRank())
    return std::nullopt;
  int64_t product = 1;
  bool bounded = true;
  for (int64_t d = 0; d < type.getRank() && bounded; ++d) {
    std::optional<int64_t> dim = dimUpperBound(value, d);
    bounded = dim.has_value();
    if (dim)
      product *= std::max<int64_t>(*dim, 0);
  }
  if (bounded)
    return product;
  Operation *def = value.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto op = dyn_cast<memref::ExpandShapeOp>(def))
    return elementsUpperBound(op.getSrc());
  if (auto op = dyn_cast<memref::CollapseShapeOp>(def))
    return elementsUpperBound(op.getSrc());
  if (auto op = dyn_cast<memref::CastOp>(def))
    return elementsUpperBound(op.getSource());
  // A buffer whose dynamic sizes are exactly the dynamic dims of one other
  // value V, each once (in any order), and whose static sizes multiply to
  // V's: it has V's element count.
  ValueRange sizes;
  if (auto op = dyn_cast<memref::AllocOp>(def))
    sizes = op.getDynamicSizes();
  else if (auto op = dyn_cast<memref::AllocaOp>(def))
    sizes = op.getDynamicSizes();
  else
    return std::nullopt;
  Value source;
  llvm::SmallBitVector seen;
  for (Value size : sizes) {
    auto dim = size.getDefiningOp<memref::DimOp>();
    std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
    if (!index || (source && dim.getSource() != source))
      return std::nullopt;
    source = dim.getSource();
    auto sourceType = cast<ShapedType>(source.getType());
    if (seen.empty())
      seen.resize(sourceType.getRank());
    if (*index >= sourceType.getRank() || seen.test(*index) ||
        !sourceType.isDynamicDim(*index))
      return std::nullopt;
    seen.set(*index);
  }
  if (!source)
    return std::nullopt;
  auto sourceType = cast<ShapedType>(source.getType());
  int64_t staticOwn = 1, staticSource = 1;
  for (int64_t d : type.getShape())
    if (!ShapedType::isDynamic(d))
      staticOwn *= d;
  for (int64_t d : sourceType.getShape())
    if (!ShapedType::isDynamic(d))
      staticSource *= d;
  if (seen.count() != static_cast<size_t>(sourceType.getNumDynamicDims()) ||
      staticOwn != staticSource)
    return std::nullopt;
  return elementsUpperBound(source);
}
