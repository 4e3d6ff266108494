//===- ConvertOnnxToGraph.cpp - The mica-convert-onnx-to-graph pass -------===//
#include "compiler/conversion/onnx_to_graph/Passes.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mica {
#define GEN_PASS_DEF_CONVERTONNXTOGRAPH
#include "compiler/conversion/onnx_to_graph/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

bool isOnnx(Operation *op) {
  return op->getDialect() && op->getDialect()->getNamespace() == "onnx" &&
         !isa<mica::onnxir::NoValueOp, mica::onnxir::YieldOp>(op);
}

bool isIf(Operation *op) { return mica::onnxir::getOnnxOpType(op) == "If"; }

/// The first op in `region` left in the onnx dialect although its operands
/// converted: what the compiled shapes leave no lowering for (a Reshape of a
/// wrong element count, a Squeeze of a dim that is not 1).
Operation *unconvertible(Region &region) {
  Operation *found = nullptr;
  region.walk([&](Operation *op) {
    if (!isOnnx(op) || isIf(op))
      return WalkResult::advance();
    bool operandsConverted = llvm::all_of(op->getOperandTypes(), [](Type t) {
      return isa<RankedTensorType, NoneType>(t);
    });
    if (!operandsConverted)
      return WalkResult::advance();
    found = op;
    return WalkResult::interrupt();
  });
  return found;
}

/// Whether placeholder() can make a value of `type`.
bool hasPlaceholder(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && isa<FloatType, IntegerType>(ranked.getElementType());
}

/// A value of `type` (an If result type, hasPlaceholder) for code after a
/// graph.fail, which nothing reads: a zero constant whose dynamic dims are 0,
/// so that a branch yielding a `?` shape costs no storage and no buffer.
Value placeholder(OpBuilder &b, Location loc, Type type) {
  auto ranked = cast<RankedTensorType>(type);
  Attribute zero = b.getZeroAttr(ranked.getElementType());
  SmallVector<int64_t> shape;
  for (int64_t d : ranked.getShape())
    shape.push_back(ShapedType::isDynamic(d) ? 0 : d);
  auto constantType = RankedTensorType::get(shape, ranked.getElementType());
  Value value = mica::graph::ConstantOp::create(
      b, loc, DenseElementsAttr::get(constantType, zero));
  if (constantType != type)
    value = tensor::CastOp::create(b, loc, type, value);
  return value;
}

/// An If on a run-time condition one of whose branches cannot be compiled
/// with the compiled shapes (the other can): that branch becomes a
/// graph.fail, so the run fails only if it is taken, as in ONNX Runtime.
/// Returns whether anything changed; warns for each branch it replaced.
bool failUnrunnableBranches(ModuleOp module) {
  SmallVector<Operation *> ifs;
  module.walk([&](Operation *op) {
    if (isIf(op) && op->getNumRegions() == 2)
      ifs.push_back(op); // Post-order: inner Ifs first.
  });
  bool changed = false;
  for (Operation *op : ifs) {
    Operation *bad[2] = {unconvertible(op->getRegion(0)),
                         unconvertible(op->getRegion(1))};
    if (!bad[0] == !bad[1])
      continue; // Both compile (the conversion goes on) or neither does.
    Region &region = op->getRegion(bad[0] ? 0 : 1);
    Operation *culprit = bad[0] ? bad[0] : bad[1];
    if (!llvm::all_of(op->getResultTypes(), hasPlaceholder))
      continue; // Left for the error report.
    Block &body = region.front();
    Operation *yield = body.getTerminator();
    SmallVector<Operation *> original;
    for (Operation &old :
         llvm::make_range(body.begin(), Block::iterator(yield)))
      original.push_back(&old);
    OpBuilder b(yield);
    Location loc = culprit->getLoc();
    std::string message = (culprit->getName().stripDialect() +
                           " cannot run with the compiled input shapes")
                              .str();
    SmallVector<Value> values;
    for (Type type : op->getResultTypes())
      values.push_back(placeholder(b, loc, type));
    mica::graph::FailOp::create(b, loc, b.getStringAttr(message));
    yield->setOperands(values);
    // What the branch computed is dead now (its ops use only each other and
    // values from outside).
    for (Operation *dead : llvm::reverse(original)) {
      dead->dropAllUses();
      dead->erase();
    }
    emitWarning(loc) << "this node cannot run with the compiled input "
                        "shapes; it is in a branch of an If on a run-time "
                        "value, which is compiled to fail the run "
                        "(MICA_ERROR_MODEL_PATH) if it is taken";
    changed = true;
  }
  return changed;
}

struct ConvertOnnxToGraphPass
    : mica::impl::ConvertOnnxToGraphBase<ConvertOnnxToGraphPass> {
  using ConvertOnnxToGraphBase::ConvertOnnxToGraphBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    mica::populateOnnxToGraphPatterns(patterns);
    // Older versions that needed operand ranks the importer did not know
    // take the newest form here, once conversion has refined the types.
    mica::populateVersionNormalizationPatterns(patterns);
    mica::populateRefineResultTypePatterns(patterns);
    // Graph canonicalisations run in the same sweep so that constant shape
    // subgraphs fold and unlock the conversion of the ops they feed.
    for (RegisteredOperationName name : getContext().getRegisteredOperations())
      if (name.getDialectNamespace() == "graph")
        name.getCanonicalizationPatterns(patterns, &getContext());
    // Not converging within the cap is no error: the ops still in onnx are
    // allowed (and reported by `strict`).
    GreedyRewriteConfig config;
    config.setMaxIterations(64);
    FrozenRewritePatternSet frozen(std::move(patterns));
    (void)applyPatternsGreedily(getOperation(), frozen, config);
    // Branches that cannot run become run-time failures; the Ifs holding
    // them then convert.
    while (failUnrunnableBranches(getOperation()))
      (void)applyPatternsGreedily(getOperation(), frozen, config);

    if (!strict)
      return;
    WalkResult result = getOperation().walk([](Operation *op) {
      if (op->getDialect() && op->getDialect()->getNamespace() == "onnx" &&
          !isa<mica::onnxir::NoValueOp, mica::onnxir::YieldOp>(op)) {
        op->emitError("no graph-dialect equivalent for this op");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
