//===- ControlFlowPatterns.cpp - If, Loop and Scan -> scf -----------------===//
//
// The subgraph bodies become the regions of scf ops; their ops are converted
// by the same patterns as the rest of the graph (a control-flow op waits
// until no onnx op but its onnx.Yield is left in its bodies):
//
//  * If: scf.if on the rank-0 condition; each branch's yield is cast to the
//    result type.
//  * Loop: scf.for over a constant trip count carrying (cond, values...,
//    scan buffers..., count); each iteration runs the body under scf.if
//    cond, appends the scan outputs at row `count` of a [trip, ...] buffer
//    and counts itself. The scan outputs are the first `count` rows (a
//    run-time size bounded by the trip count). When the condition can never
//    turn false (absent or constant true, and yielded unchanged or constant
//    true) there is no scf.if and the scan outputs keep the trip count.
//  * Scan: scf.for over the scan axis of the first scan input: slices of the
//    scan inputs (from the end for reverse directions) in, states carried,
//    outputs written into [.., trip, ..] buffers at their axes.
//
// Loop-carried values keep one type: a body input less precise than the
// initial value (unranked, `?` dims) is refined to it before the body is
// converted, and a body output whose type is not compatible with its input's
// leaves the op unconverted. Body inputs that are onnx-typed scalars of the
// iteration number come from tensor.from_elements.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/onnx_to_graph/PatternUtils.h"

#include "dialects/onnx/IR/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mica;
using namespace mica::onnx_to_graph;
namespace onnx = mica::onnxir;

namespace {

/// Whether only onnx.Yield terminators (and onnx.NoValue) are left of the
/// onnx dialect in `op`'s bodies.
bool bodiesConverted(Operation *op) {
  WalkResult result = WalkResult::advance();
  for (Region &region : op->getRegions()) {
    result = region.walk([](Operation *inner) {
      if (inner->getName().getDialectNamespace() == "onnx" &&
          !isa<onnx::YieldOp>(inner) &&
          inner->getName().getStringRef() != "onnx.NoValue")
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return false;
  }
  return true;
}

/// `value` as `type` (a tensor.cast between compatible tensor types), or
/// null when the two are not compatible.
Value castOrNull(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  auto from = dyn_cast<RankedTensorType>(value.getType());
  auto to = dyn_cast<TensorType>(type);
  if (!from || !to || !tensor::CastOp::areCastCompatible(from, to))
    return Value();
  return tensor::CastOp::create(b, loc, type, value);
}

/// Refines each block argument `block.getArgument(first + i)` to `types[i]`
/// where that is more precise and compatible and every user accepts it (the
/// body ops then convert with static shapes). True when any changed.
bool refineArguments(PatternRewriter &rewriter, Operation *op, Block &block,
                     unsigned first, TypeRange types) {
  bool changed = false;
  for (auto [i, type] : llvm::enumerate(types)) {
    BlockArgument arg = block.getArgument(first + i);
    auto wanted = dyn_cast<RankedTensorType>(type);
    if (!wanted || arg.getType() == wanted ||
        !tensor::CastOp::areCastCompatible(arg.getType(), wanted) ||
        !usersAcceptRefinement(arg))
      continue;
    auto current = dyn_cast<RankedTensorType>(arg.getType());
    bool morePrecise =
        !current || current.getNumDynamicDims() > wanted.getNumDynamicDims();
    if (!morePrecise)
      continue;
    rewriter.modifyOpInPlace(op, [&] { arg.setType(wanted); });
    changed = true;
  }
  return changed;
}

/// The i1 scalar of a one-element bool tensor.
Value scalarOf(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> zeros(type.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, tensor, zeros);
}

/// Moves the single block of `from` into `to` (a region with one empty
/// block), its arguments replaced by `args`; returns the onnx.Yield's
/// operands and erases the yield. The insertion point ends after the moved
/// ops.
SmallVector<Value> inlineBody(PatternRewriter &rewriter, Region &from,
                              Block *to, ValueRange args) {
  Block &body = from.front();
  auto yield = cast<onnx::YieldOp>(body.getTerminator());
  SmallVector<Value> results;
  for (Value value : yield->getOperands()) {
    auto arg = dyn_cast<BlockArgument>(value);
    // The body's own arguments vanish with its block: their replacements.
    results.push_back(arg && arg.getOwner() == &body ? args[arg.getArgNumber()]
                                                     : value);
  }
  rewriter.eraseOp(yield);
  rewriter.inlineBlockBefore(&body, to, to->end(), args);
  rewriter.setInsertionPointToEnd(to);
  return results;
}

/// The full-size offsets/sizes/strides of a buffer of `shape` with a single
/// row `position` at `axis`.
void rowAt(OpBuilder &b, ArrayRef<int64_t> shape, int64_t axis,
           OpFoldResult position, SmallVectorImpl<OpFoldResult> &offsets,
           SmallVectorImpl<OpFoldResult> &sizes,
           SmallVectorImpl<OpFoldResult> &strides) {
  for (auto [d, size] : llvm::enumerate(shape)) {
    offsets.push_back(static_cast<int64_t>(d) == axis ? position
                                                      : b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(static_cast<int64_t>(d) == axis ? 1 : size));
    strides.push_back(b.getIndexAttr(1));
  }
}

/// `element` written as row `position` along `axis` of `buffer`.
Value insertRow(OpBuilder &b, Location loc, Value element, Value buffer,
                int64_t axis, OpFoldResult position) {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  rowAt(b, cast<RankedTensorType>(buffer.getType()).getShape(), axis, position,
        offsets, sizes, strides);
  return tensor::InsertSliceOp::create(b, loc, element, buffer, offsets, sizes,
                                       strides);
}

/// Row `position` along `axis` of `source`, without that dim.
Value extractRow(OpBuilder &b, Location loc, Value source, int64_t axis,
                 OpFoldResult position) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  rowAt(b, type.getShape(), axis, position, offsets, sizes, strides);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  return tensor::ExtractSliceOp::create(b, loc, type.clone(shape), source,
                                        offsets, sizes, strides);
}

/// A static shape with `extent` inserted at `axis`.
RankedTensorType stacked(RankedTensorType element, int64_t axis,
                         int64_t extent) {
  SmallVector<int64_t> shape(element.getShape());
  shape.insert(shape.begin() + axis, extent);
  return element.clone(shape);
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

/// An If whose condition is a constant (it tests shapes the compiled input
/// shapes decide: what `x.squeeze(d)` becomes in script mode) is its taken
/// branch: those ops move before the If, the other branch is dropped without
/// being converted (its shapes may contradict each other, as ONNX Runtime
/// never runs it either).
template <typename OnnxOp> struct ConstantIfPattern : OpRewritePattern<OnnxOp> {
  ConstantIfPattern(MLIRContext *context)
      : OpRewritePattern<OnnxOp>(context, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> cond = getConstantInts(op.getCond());
    if (!cond || cond->size() != 1)
      return rewriter.notifyMatchFailure(op, "condition is not a constant");
    Region &taken = cond->front() ? op.getThenBranch() : op.getElseBranch();
    Block &body = taken.front();
    auto yield = cast<onnx::YieldOp>(body.getTerminator());
    if (body.getNumArguments() != 0 ||
        yield->getNumOperands() != op->getNumResults())
      return rewriter.notifyMatchFailure(op, "branch output count differs");
    for (auto [value, result] :
         llvm::zip_equal(yield->getOperands(), op->getResults()))
      if (!tensor::CastOp::areCastCompatible(value.getType(), result.getType()))
        return rewriter.notifyMatchFailure(op, "branch result type differs");
    SmallVector<Value> values(yield->getOperands());
    rewriter.eraseOp(yield);
    rewriter.inlineBlockBefore(&body, op);
    for (auto [value, result] : llvm::zip_equal(values, op->getResults()))
      if (value.getType() != result.getType() && !canReplaceWith(result, value))
        value = tensor::CastOp::create(rewriter, op.getLoc(), result.getType(),
                                       value);
    rewriter.replaceOp(op, values);
    return success();
  }
};

template <typename OnnxOp> struct IfPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    if (!bodiesConverted(op))
      return rewriter.notifyMatchFailure(op, "branches not converted yet");
    auto condType = getGraphTensor(op.getCond().getType());
    if (!condType || !condType.hasStaticShape() ||
        condType.getNumElements() != 1)
      return rewriter.notifyMatchFailure(op, "condition is not one bool");
    SmallVector<Type> types;
    for (Value result : op->getResults()) {
      if (!getGraphTensor(result.getType()))
        return rewriter.notifyMatchFailure(op, "result is not a graph tensor");
      types.push_back(result.getType());
    }
    Region *branches[2] = {&op.getThenBranch(), &op.getElseBranch()};
    for (Region *branch : branches) {
      auto yield = cast<onnx::YieldOp>(branch->front().getTerminator());
      if (yield->getNumOperands() != types.size() ||
          branch->front().getNumArguments() != 0)
        return rewriter.notifyMatchFailure(op, "branch output count differs");
      for (auto [value, type] : llvm::zip_equal(yield->getOperands(), types))
        if (!tensor::CastOp::areCastCompatible(value.getType(), type))
          return rewriter.notifyMatchFailure(op, "branch result type differs");
    }
    Location loc = op.getLoc();
    Value cond = scalarOf(rewriter, loc, op.getCond());
    auto ifOp = scf::IfOp::create(rewriter, loc, types, cond,
                                  /*withElseRegion=*/true);
    Block *blocks[2] = {ifOp.thenBlock(), ifOp.elseBlock()};
    for (auto [branch, block] : llvm::zip_equal(branches, blocks)) {
      OpBuilder::InsertionGuard guard(rewriter);
      SmallVector<Value> values = inlineBody(rewriter, *branch, block, {});
      for (auto [value, type] : llvm::zip_equal(values, types))
        value = castOrNull(rewriter, loc, value, type);
      scf::YieldOp::create(rewriter, loc, values);
    }
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

/// Whether `value` is a constant true.
bool isConstantTrue(Value value) {
  std::optional<SmallVector<int64_t>> ints = getConstantInts(value);
  return ints && ints->size() == 1 && ints->front() != 0;
}

template <typename OnnxOp> struct LoopPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    Value tripOperand = op->getOperand(0), condOperand = op->getOperand(1);
    ValueRange initial = op->getOperands().drop_front(2);
    Block &body = op.getBody().front();
    unsigned numCarried = initial.size();
    if (body.getNumArguments() != numCarried + 2)
      return rewriter.notifyMatchFailure(op, "body inputs do not match");
    for (Value v : initial)
      if (!getGraphTensor(v.getType()))
        return rewriter.notifyMatchFailure(op, "carried value not a tensor");
    if (refineArguments(rewriter, op, body, 2, initial.getTypes()))
      return success();
    if (!bodiesConverted(op))
      return rewriter.notifyMatchFailure(op, "body not converted yet");
    std::optional<SmallVector<int64_t>> trip =
        isNone(tripOperand) ? std::nullopt : getConstantInts(tripOperand);
    if (!trip || trip->size() != 1 || trip->front() < 0)
      return rewriter.notifyMatchFailure(op, "trip count is not constant");
    int64_t tripCount = trip->front();

    auto yield = cast<onnx::YieldOp>(body.getTerminator());
    ValueRange yielded = yield->getOperands();
    unsigned numScan = yielded.size() - 1 - numCarried;
    if (yielded.size() < 1 + numCarried ||
        op->getNumResults() != numCarried + numScan)
      return rewriter.notifyMatchFailure(op, "body outputs do not match");
    for (auto [value, init] :
         llvm::zip_equal(yielded.slice(1, numCarried), initial))
      if (!tensor::CastOp::areCastCompatible(value.getType(), init.getType()))
        return rewriter.notifyMatchFailure(op, "carried value changes type");
    SmallVector<RankedTensorType> scanTypes;
    for (Value value : yielded.drop_front(1 + numCarried)) {
      auto type = getGraphTensor(value.getType());
      if (!type || !type.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "scan output not static");
      scanTypes.push_back(stacked(type, 0, tripCount));
    }
    BlockArgument condArg = body.getArgument(1);
    bool alwaysRuns = (isNone(condOperand) || isConstantTrue(condOperand)) &&
                      (yielded[0] == condArg || isConstantTrue(yielded[0]));

    // The results: the carried values, then the scan outputs (the rows the
    // iterations that ran wrote, a run-time count unless all run).
    auto boolType = RankedTensorType::get({}, rewriter.getI1Type());
    if (!isNone(condOperand) &&
        !tensor::CastOp::areCastCompatible(condOperand.getType(), boolType))
      return rewriter.notifyMatchFailure(op, "condition is not one bool");
    SmallVector<Type> resultTypes(initial.getTypes());
    for (RankedTensorType type : scanTypes)
      resultTypes.push_back(
          alwaysRuns ? type
                     : stacked(type.clone(type.getShape().drop_front()), 0,
                               ShapedType::kDynamic));
    for (auto [result, type] : llvm::zip_equal(op->getResults(), resultTypes))
      if (!canRetype(result, type) &&
          !tensor::CastOp::areCastCompatible(type, result.getType()))
        return rewriter.notifyMatchFailure(op, "result type differs");

    Location loc = op.getLoc();
    auto idx = [&](int64_t v) {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };
    Value cond = isNone(condOperand)
                     ? createConstant(rewriter, loc, boolType, {1.0})
                     : castOrNull(rewriter, loc, condOperand, boolType);
    SmallVector<Value> inits{cond};
    inits.append(initial.begin(), initial.end());
    for (RankedTensorType type : scanTypes)
      inits.push_back(tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                              type.getElementType()));
    inits.push_back(idx(0));

    auto forOp = scf::ForOp::create(rewriter, loc, idx(0), idx(tripCount),
                                    idx(1), inits);
    Block *loopBody = forOp.getBody();
    ValueRange state = forOp.getRegionIterArgs();
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loopBody);
      Value iv = forOp.getInductionVar();
      Value count = state.back();
      // One iteration: the body, its scan outputs appended at row `count`.
      auto iterate = [&](Block *block) -> SmallVector<Value> {
        rewriter.setInsertionPointToEnd(block);
        Value iteration = tensor::FromElementsOp::create(
            rewriter, loc, RankedTensorType::get({}, rewriter.getI64Type()),
            ValueRange{arith::IndexCastOp::create(rewriter, loc,
                                                  rewriter.getI64Type(), iv)});
        SmallVector<Value> args{iteration, state[0]};
        for (auto [arg, value] : llvm::zip_equal(
                 body.getArguments().drop_front(2), state.slice(1, numCarried)))
          args.push_back(castOrNull(rewriter, loc, value, arg.getType()));
        SmallVector<Value> outs =
            inlineBody(rewriter, op.getBody(), block, args);
        SmallVector<Value> next{castOrNull(rewriter, loc, outs[0], boolType)};
        for (unsigned i = 0; i < numCarried; ++i)
          next.push_back(
              castOrNull(rewriter, loc, outs[1 + i], initial[i].getType()));
        for (unsigned k = 0; k < numScan; ++k)
          next.push_back(insertRow(rewriter, loc, outs[1 + numCarried + k],
                                   state[1 + numCarried + k], 0, count));
        next.push_back(arith::AddIOp::create(
            rewriter, loc, count,
            arith::ConstantIndexOp::create(rewriter, loc, 1)));
        return next;
      };
      if (alwaysRuns) {
        scf::YieldOp::create(rewriter, loc, iterate(loopBody));
      } else {
        auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange(inits),
                                      scalarOf(rewriter, loc, state[0]),
                                      /*withElseRegion=*/true);
        scf::YieldOp::create(rewriter, loc, ifOp.getResults());
        SmallVector<Value> next = iterate(ifOp.thenBlock());
        scf::YieldOp::create(rewriter, loc, next);
        rewriter.setInsertionPointToEnd(ifOp.elseBlock());
        scf::YieldOp::create(rewriter, loc, state);
      }
    }

    SmallVector<Value> results(forOp.getResults().slice(1, numCarried));
    Value count = arith::MinUIOp::create(
        rewriter, loc, forOp.getResults().back(), idx(tripCount));
    for (unsigned k = 0; k < numScan; ++k) {
      Value buffer = forOp.getResult(1 + numCarried + k);
      if (!alwaysRuns) {
        auto type = cast<RankedTensorType>(buffer.getType());
        SmallVector<OpFoldResult> offsets(type.getRank(),
                                          rewriter.getIndexAttr(0));
        SmallVector<OpFoldResult> sizes;
        for (int64_t size : type.getShape())
          sizes.push_back(rewriter.getIndexAttr(size));
        sizes[0] = count;
        SmallVector<OpFoldResult> strides(type.getRank(),
                                          rewriter.getIndexAttr(1));
        buffer = tensor::ExtractSliceOp::create(rewriter, loc, buffer, offsets,
                                                sizes, strides);
      }
      results.push_back(buffer);
    }
    replaceResults(rewriter, op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

/// An i64-list attribute of `op` normalised against `ranks`, or `fallback`
/// for each entry when absent.
std::optional<SmallVector<int64_t>> axesOf(Operation *op, StringRef name,
                                           ArrayRef<int64_t> ranks,
                                           int64_t fallback) {
  SmallVector<int64_t> values(ranks.size(), fallback);
  if (auto attr = op->getAttrOfType<ArrayAttr>(name)) {
    if (attr.size() != ranks.size())
      return std::nullopt;
    for (auto [i, a] : llvm::enumerate(attr.getAsRange<IntegerAttr>()))
      values[i] = a.getInt();
  }
  for (auto [value, rank] : llvm::zip_equal(values, ranks)) {
    std::optional<int64_t> axis = normalizeAxis(value, rank);
    if (!axis)
      return std::nullopt;
    value = *axis;
  }
  return values;
}

template <typename OnnxOp> struct ScanPattern : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;

  /// Scan-8 has a batch dim in front of every value: its `sequence_lens`
  /// must be absent and the batch one.
  static constexpr bool kBatched = std::is_same_v<OnnxOp, onnx::Scan_v8Op>;

  LogicalResult matchAndRewrite(OnnxOp op,
                                PatternRewriter &rewriter) const override {
    ValueRange operands = op->getOperands();
    if constexpr (kBatched) {
      if (!isNone(operands[0]))
        return rewriter.notifyMatchFailure(op, "sequence_lens");
      operands = operands.drop_front();
    }
    int64_t numInputs = op.getNumScanInputs();
    int64_t numStates = static_cast<int64_t>(operands.size()) - numInputs;
    Block &body = op.getBody().front();
    if (numStates < 0 || body.getNumArguments() != operands.size())
      return rewriter.notifyMatchFailure(op, "body inputs do not match");
    for (Value v : operands) {
      auto type = getGraphTensor(v.getType());
      if (!type || !type.hasStaticShape() ||
          (kBatched && (type.getRank() < 1 || type.getDimSize(0) != 1)))
        return rewriter.notifyMatchFailure(op, "needs static inputs");
    }
    // Scan-8: the types without the batch dim of one.
    SmallVector<RankedTensorType> types;
    for (Value v : operands) {
      auto type = cast<RankedTensorType>(v.getType());
      types.push_back(kBatched ? type.clone(type.getShape().drop_front())
                               : type);
    }
    ArrayRef<RankedTensorType> inputTypes =
        ArrayRef<RankedTensorType>(types).drop_front(numStates);
    SmallVector<int64_t> inputRanks;
    for (RankedTensorType type : inputTypes)
      inputRanks.push_back(type.getRank());
    std::optional<SmallVector<int64_t>> inAxes =
        axesOf(op, "scan_input_axes", inputRanks, 0);
    std::optional<SmallVector<int64_t>> inDirs =
        axesOf(op, kBatched ? "directions" : "scan_input_directions",
               SmallVector<int64_t>(numInputs, 2), 0);
    if (!inAxes || !inDirs || numInputs == 0)
      return rewriter.notifyMatchFailure(op, "bad scan input attributes");
    int64_t trip = inputTypes[0].getDimSize((*inAxes)[0]);
    SmallVector<Type> wanted(
        ArrayRef<RankedTensorType>(types).take_front(numStates));
    SmallVector<Type> stateTypes(wanted);
    for (auto [type, axis] : llvm::zip_equal(inputTypes, *inAxes)) {
      SmallVector<int64_t> shape(type.getShape());
      if (shape[axis] != trip)
        return rewriter.notifyMatchFailure(op, "scan lengths differ");
      shape.erase(shape.begin() + axis);
      wanted.push_back(type.clone(shape));
    }
    for (auto [arg, type] : llvm::zip_equal(body.getArguments(), wanted))
      if (!tensor::CastOp::areCastCompatible(arg.getType(), type))
        return rewriter.notifyMatchFailure(op, "body input type differs");
    if (refineArguments(rewriter, op, body, 0, wanted))
      return success();
    if (!bodiesConverted(op))
      return rewriter.notifyMatchFailure(op, "body not converted yet");

    auto yield = cast<onnx::YieldOp>(body.getTerminator());
    ValueRange yielded = yield->getOperands();
    int64_t numOutputs = static_cast<int64_t>(yielded.size()) - numStates;
    if (numOutputs < 0 ||
        op->getNumResults() != static_cast<unsigned>(numStates + numOutputs))
      return rewriter.notifyMatchFailure(op, "body outputs do not match");
    SmallVector<RankedTensorType> outTypes;
    SmallVector<int64_t> outRanks;
    for (Value value : yielded.drop_front(numStates)) {
      auto type = getGraphTensor(value.getType());
      if (!type || !type.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "scan output not static");
      outTypes.push_back(type);
      outRanks.push_back(type.getRank() + 1);
    }
    std::optional<SmallVector<int64_t>> outAxes =
        axesOf(op, "scan_output_axes", outRanks, 0);
    std::optional<SmallVector<int64_t>> outDirs = axesOf(
        op, "scan_output_directions", SmallVector<int64_t>(numOutputs, 2), 0);
    if (kBatched)
      outDirs = SmallVector<int64_t>(numOutputs, 0);
    if (!outAxes || !outDirs)
      return rewriter.notifyMatchFailure(op, "bad scan output attributes");
    for (auto [value, type] :
         llvm::zip_equal(yielded.take_front(numStates), stateTypes))
      if (!tensor::CastOp::areCastCompatible(value.getType(), type))
        return rewriter.notifyMatchFailure(op, "state changes type");

    Location loc = op.getLoc();
    SmallVector<Value> values;
    for (Value v : operands)
      values.push_back(
          kBatched ? extractRow(rewriter, loc, v, 0, rewriter.getIndexAttr(0))
                   : v);
    ValueRange states = ValueRange(values).take_front(numStates);
    ValueRange inputs = ValueRange(values).drop_front(numStates);
    auto idx = [&](OpBuilder &b, int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    SmallVector<Value> inits(states);
    SmallVector<RankedTensorType> bufferTypes;
    for (auto [type, axis] : llvm::zip_equal(outTypes, *outAxes)) {
      bufferTypes.push_back(stacked(type, axis, trip));
      inits.push_back(tensor::EmptyOp::create(
          rewriter, loc, bufferTypes.back().getShape(), type.getElementType()));
    }
    auto forOp =
        scf::ForOp::create(rewriter, loc, idx(rewriter, 0), idx(rewriter, trip),
                           idx(rewriter, 1), inits);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(forOp.getBody());
      Value iv = forOp.getInductionVar();
      Value reversed =
          arith::SubIOp::create(rewriter, loc, idx(rewriter, trip - 1), iv);
      ValueRange state = forOp.getRegionIterArgs();
      SmallVector<Value> args;
      for (auto [arg, value] :
           llvm::zip(body.getArguments(), state.take_front(numStates)))
        args.push_back(castOrNull(rewriter, loc, value, arg.getType()));
      for (auto [i, v] : llvm::enumerate(inputs)) {
        Value position = (*inDirs)[i] ? reversed : iv;
        Value slice = extractRow(rewriter, loc, v, (*inAxes)[i], position);
        args.push_back(castOrNull(rewriter, loc, slice,
                                  body.getArgument(numStates + i).getType()));
      }
      SmallVector<Value> outs =
          inlineBody(rewriter, op.getBody(), forOp.getBody(), args);
      SmallVector<Value> next;
      for (int64_t i = 0; i < numStates; ++i)
        next.push_back(castOrNull(rewriter, loc, outs[i], stateTypes[i]));
      for (int64_t k = 0; k < numOutputs; ++k) {
        Value position = (*outDirs)[k] ? reversed : iv;
        next.push_back(insertRow(rewriter, loc, outs[numStates + k],
                                 state[numStates + k], (*outAxes)[k],
                                 position));
      }
      scf::YieldOp::create(rewriter, loc, next);
    }

    SmallVector<Value> results(forOp.getResults());
    if constexpr (kBatched) {
      // Back to a batch of one.
      for (Value &result : results) {
        auto type = cast<RankedTensorType>(result.getType());
        SmallVector<int64_t> shape(type.getShape());
        shape.insert(shape.begin(), 1);
        Value empty = tensor::EmptyOp::create(rewriter, loc, shape,
                                              type.getElementType());
        result = insertRow(rewriter, loc, result, empty, 0,
                           rewriter.getIndexAttr(0));
      }
    }
    replaceResults(rewriter, op, results);
    return success();
  }
};

} // namespace

void mica::onnx_to_graph::populateControlFlowPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConstantIfPattern<onnx::IfOp>>(patterns.getContext());
  patterns.add<IfPattern<onnx::IfOp>, LoopPattern<onnx::LoopOp>,
               ScanPattern<onnx::Scan_v8Op>, ScanPattern<onnx::ScanOp>>(
      patterns.getContext());
}
