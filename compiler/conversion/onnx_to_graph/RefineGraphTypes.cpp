//===- RefineGraphTypes.cpp - Re-infer graph result types -----------------===//
//
// See Passes.td (mica-refine-graph-types).
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mica {
#define GEN_PASS_DEF_REFINEGRAPHTYPES
#include "compiler/conversion/onnx_to_graph/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

bool isGraphInferOp(Operation *op) {
  return op->getName().getDialectNamespace() == "graph" &&
         isa<InferTypeOpInterface>(op) &&
         !op->hasTrait<OpTrait::SameOperandsAndResultType>();
}

/// A unary graph op whose result has its operand's type (graph.erf).
bool isGraphUnarySameType(Operation *op) {
  return op->getName().getDialectNamespace() == "graph" &&
         op->hasTrait<OpTrait::SameOperandsAndResultType>() &&
         op->getNumOperands() == 1 && op->getNumResults() == 1;
}

/// graph.cast: its result has its operand's shape (and its own element
/// type), which no shape function states.
bool isGraphCast(Operation *op) {
  return op->getName().getStringRef() == "graph.cast";
}

/// Ops this pass re-types itself, so their operands may be refined.
bool refinesItself(Operation *op) {
  return isGraphInferOp(op) || isGraphUnarySameType(op) || isGraphCast(op);
}

/// The result types of a refinesItself() op computed from its operands.
LogicalResult inferResultTypes(Operation *op, SmallVectorImpl<Type> &inferred) {
  if (isGraphUnarySameType(op)) {
    inferred.push_back(op->getOperand(0).getType());
    return success();
  }
  if (isGraphCast(op)) {
    auto from = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
    if (!from)
      return failure();
    inferred.push_back(
        from.clone(getElementTypeOrSelf(op->getResult(0).getType())));
    return success();
  }
  if (failed(cast<InferTypeOpInterface>(op).inferReturnTypes(
          op->getContext(), std::nullopt, op->getOperands(),
          op->getAttrDictionary(), op->getPropertiesStorage(), op->getRegions(),
          inferred)))
    return failure();
  return success(inferred.size() == op->getNumResults());
}

/// `declared` with every `?` that `inferred` knows filled in; null when the
/// two do not describe the same kind of tensor.
RankedTensorType join(Type declared, Type inferred) {
  auto a = dyn_cast<RankedTensorType>(declared);
  auto b = dyn_cast<RankedTensorType>(inferred);
  if (!a || !b || a.getRank() != b.getRank() ||
      a.getElementType() != b.getElementType())
    return nullptr;
  SmallVector<int64_t> shape(a.getShape());
  for (auto [d, size] : llvm::enumerate(shape))
    if (ShapedType::isDynamic(size))
      size = b.getDimSize(d);
  return RankedTensorType::get(shape, a.getElementType(), a.getEncoding());
}

/// The rewrite form of one refinement, for the onnx -> graph sweep: a graph
/// op whose shape function knows more static dims than its result type
/// declares gets the refined type (users that need the old one see it through
/// a tensor.cast). Shape subgraphs then fold as they convert (a concat of
/// constants typed `?` cannot fold into a static constant).
struct RefineResultTypes : RewritePattern {
  RefineResultTypes(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!refinesItself(op))
      return failure();
    SmallVector<Type> inferred;
    if (failed(inferResultTypes(op, inferred)))
      return failure();
    bool changed = false;
    for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
      RankedTensorType refined = join(result.getType(), type);
      if (!refined || refined == result.getType())
        continue;
      Type old = result.getType();
      rewriter.setInsertionPointAfter(op);
      SmallVector<OpOperand *> needOld;
      for (OpOperand &use : result.getUses()) {
        Operation *user = use.getOwner();
        if (!refinesItself(user) &&
            user->getName().getDialectNamespace() != "onnx")
          needOld.push_back(&use);
      }
      if (!needOld.empty()) {
        Value cast =
            tensor::CastOp::create(rewriter, op->getLoc(), old, result);
        for (OpOperand *use : needOld)
          rewriter.modifyOpInPlace(use->getOwner(), [&] { use->set(cast); });
      }
      rewriter.modifyOpInPlace(op, [&] { result.setType(refined); });
      changed = true;
    }
    return success(changed);
  }
};

struct RefineGraphTypesPass
    : mica::impl::RefineGraphTypesBase<RefineGraphTypesPass> {
  void runOnOperation() override {
    // Refining one type can let a canonicalisation make the next reshape's
    // shape partially constant, whose refinement unlocks the next one (one
    // transformer block at a time): iterate to a fixed point.
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    for (Dialect *dialect : context->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName op : context->getRegisteredOperations())
      op.getCanonicalizationPatterns(patterns, context);
    FrozenRewritePatternSet frozen(std::move(patterns));
    for (int round = 0; round < 64 && refineOnce(); ++round)
      (void)applyPatternsGreedily(getOperation(), frozen);
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        refineResults(func);
  }

  /// Returns the precise value behind each tensor.cast to a less precise
  /// result type, and makes the function type say so.
  static void refineResults(func::FuncOp func) {
    if (!func.getBody().hasOneBlock())
      return;
    auto ret = dyn_cast<func::ReturnOp>(func.front().getTerminator());
    if (!ret)
      return;
    SmallVector<Type> results(func.getResultTypes());
    bool changed = false;
    for (OpOperand &operand : ret->getOpOperands()) {
      auto cast = operand.get().getDefiningOp<tensor::CastOp>();
      if (!cast)
        continue;
      auto precise = dyn_cast<RankedTensorType>(cast.getSource().getType());
      Type &declared = results[operand.getOperandNumber()];
      auto declaredRanked = dyn_cast<RankedTensorType>(declared);
      if (!precise || !tensor::CastOp::areCastCompatible(precise, declared) ||
          (declaredRanked &&
           precise.getNumDynamicDims() >= declaredRanked.getNumDynamicDims()))
        continue;
      operand.set(cast.getSource());
      declared = precise;
      changed = true;
      if (cast->use_empty())
        cast->erase();
    }
    if (changed)
      func.setFunctionType(FunctionType::get(func.getContext(),
                                             func.getArgumentTypes(), results));
  }

  /// One forward sweep; true when any type changed.
  bool refineOnce() {
    bool changed = false;
    getOperation()->walk([&](Operation *op) {
      if (!refinesItself(op))
        return;
      SmallVector<Type> inferred;
      if (failed(inferResultTypes(op, inferred)))
        return;
      for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
        RankedTensorType refined = join(result.getType(), type);
        if (!refined || refined == result.getType())
          continue;
        Type old = result.getType();
        Value cast;
        for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
          if (refinesItself(use.getOwner()))
            continue;
          if (!cast) {
            OpBuilder b(op->getContext());
            b.setInsertionPointAfter(op);
            cast = tensor::CastOp::create(b, op->getLoc(), old, result);
          }
          use.set(cast);
        }
        result.setType(refined);
        changed = true;
      }
    });
    return changed;
  }
};

} // namespace

void mica::populateRefineResultTypePatterns(RewritePatternSet &patterns) {
  patterns.add<RefineResultTypes>(patterns.getContext());
}
