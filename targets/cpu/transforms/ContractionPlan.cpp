//===- ContractionPlan.cpp - Planning a contraction kernel ----------------===//
//
// See ContractionPlan.h and Passes.td (mica-cpu-contraction-codegen): which
// linalg ops become kernels, how their loops map to rows, vectors and
// reductions, the register tile, packing, the loop order, and which
// producers and consumers fuse into the kernel.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/ContractionPlan.h"
#include "targets/cpu/transforms/CodegenUtils.h"
#include "targets/cpu/transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mica::cpu;

namespace {

/// Element types the kernels vectorise: floats, and the integers of the
/// quantised path (i8 operands accumulating in i32, i32 operands).
bool isNumericMemRef(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type)
    return false;
  Type element = type.getElementType();
  return isa<FloatType>(element) || element.isSignlessInteger(8) ||
         element.isSignlessInteger(32) || element.isSignlessInteger(64);
}

/// All buffers reachable from `root` through view-like ops, and the ops
/// that use any of them for something else than making a view.
void collectUsers(Value root, SmallVectorImpl<Operation *> &users) {
  SmallVector<Value> worklist{root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      bool view =
          isa<ViewLikeOpInterface, memref::CastOp, memref::ExpandShapeOp,
              memref::CollapseShapeOp, memref::ReinterpretCastOp,
              memref::TransposeOp, memref::ExtractStridedMetadataOp>(user);
      if (view) {
        for (Value r : user->getResults())
          if (isa<BaseMemRefType>(r.getType()))
            worklist.push_back(r);
        continue;
      }
      users.push_back(user);
    }
  }
}

/// True when the contents of `buffer` (a fresh allocation, or part of one)
/// are never read after `after`: every later op that touches its memory
/// first overwrites all of it without reading it (a fill or an
/// initialisation reusing the buffer), or frees it, or nothing touches it
/// and it is not returned. Bufferization reuses allocations, so "no other
/// users" would be far too strict.
bool deadAfter(Value buffer, Operation *after) {
  Value root = rootBuffer(buffer);
  if (!root.getDefiningOp<memref::AllocOp>())
    return false;
  SmallVector<Operation *> users;
  collectUsers(root, users);
  llvm::SmallPtrSet<Operation *, 16> touching;
  Block *block = after->getBlock();
  for (Operation *user : users) {
    Operation *top = block->findAncestorOpInBlock(*user);
    if (!top)
      return false;
    touching.insert(top);
  }

  for (Operation *op = after->getNextNode(); op; op = op->getNextNode()) {
    if (!touching.contains(op))
      continue;
    if (isa<memref::DeallocOp>(op) || overwritesAll(op, root))
      return true;
    // memref.dim only reads the shape; views are followed through their
    // users (collectUsers), so a view op itself touches nothing.
    if (isa<memref::DimOp, ViewLikeOpInterface, memref::CastOp,
            memref::ExpandShapeOp, memref::CollapseShapeOp,
            memref::ReinterpretCastOp, memref::ExtractStridedMetadataOp>(op))
      continue;
    return false;
  }
  return true;
}

class Analyzer {
public:
  /// `forcedN`: vectorise along this loop dim of the output instead of
  /// its innermost (the output then is written lane by lane).
  Analyzer(const TargetShape &target, std::optional<unsigned> forcedN)
      : target(target), forcedN(forcedN) {}
  std::optional<Plan> analyze(linalg::LinalgOp op);

private:
  void analyzeInit(Plan &p);
  void analyzeEpilogue(Plan &p);
  void mergeInnerDims(Plan &p);
  void chooseRows(Plan &p);
  void mergeRowDims(Plan &p);
  void chooseTile(Plan &p);
  /// Plan::cycles from the tile model's cost per reduction step.
  void estimateCycles(Plan &p, double perStep);
  /// The access patterns (in the op's loop dims) of every buffer the kernel
  /// touches along n, for the merge check.
  SmallVector<std::optional<AccessPattern>> nAccesses(Plan &p);

  TargetShape target;
  std::optional<unsigned> forcedN;
  SmallVector<std::optional<AccessPattern>> inputPatterns;
  std::optional<AccessPattern> cPattern;
};

std::optional<Plan> Analyzer::analyze(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() > 2)
    return std::nullopt;
  Plan p;
  p.op = op;
  p.numLoops = op.getNumLoops();
  Value c = op.getDpsInits()[0];
  if (!isNumericMemRef(c) || cast<MemRefType>(c.getType()).getRank() == 0)
    return std::nullopt;
  for (utils::IteratorType it : op.getIteratorTypesArray())
    p.reduction.push_back(it == utils::IteratorType::reduction);
  if (llvm::none_of(p.reduction, [](bool r) { return r; }))
    return std::nullopt;
  p.extents = op.getStaticLoopRanges();

  Block *body = op.getBlock();
  if (!isVectorizableBody(*body))
    return std::nullopt;
  BlockArgument outArg = body->getArguments().back();
  if (outArg.use_empty())
    return std::nullopt; // not an accumulation

  // The output: every result a loop dim, the innermost with unit stride.
  p.cMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (AffineExpr e : p.cMap.getResults())
    if (!isa<AffineDimExpr>(e))
      return std::nullopt;
  cPattern = analyzeAccess(cast<MemRefType>(c.getType()), p.cMap);
  if (!cPattern)
    return std::nullopt;
  // n: the innermost output dim longer than 1 (a [N, C, 1, 1] pooling
  // result vectorises along C), which must be contiguous.
  p.nPos = p.cMap.getNumResults() - 1;
  while (
      p.nPos > 0 &&
      p.extents[cast<AffineDimExpr>(p.cMap.getResult(p.nPos)).getPosition()] ==
          1)
    --p.nPos;
  if (forcedN) {
    std::optional<unsigned> pos =
        p.cMap.getResultPosition(getAffineDimExpr(*forcedN, op.getContext()));
    if (!pos)
      return std::nullopt;
    p.nPos = *pos;
  }
  p.nDim = cast<AffineDimExpr>(p.cMap.getResult(p.nPos)).getPosition();
  p.stridedN = !cPattern->hasCoef(p.nDim, 1);
  if (p.reduction[p.nDim] || !cPattern->coef[p.nDim] ||
      (p.stridedN && !forcedN))
    return std::nullopt;

  // Inputs the body reads: one depends on n (B), at most one does not (A).
  inputPatterns.assign(op.getNumDpsInputs(), std::nullopt);
  for (int64_t i = 0; i < op.getNumDpsInputs(); ++i) {
    OpOperand *operand = op.getDpsInputOperand(i);
    if (op.getMatchingBlockArgument(operand).use_empty())
      continue;
    if (!isNumericMemRef(operand->get()))
      return std::nullopt;
    inputPatterns[i] = analyzeAccess(cast<MemRefType>(operand->get().getType()),
                                     op.getMatchingIndexingMap(operand));
    if (!inputPatterns[i])
      return std::nullopt;
    if (inputPatterns[i]->dependsOn(p.nDim)) {
      if (p.bInput >= 0)
        p.extraInputs.push_back(i);
      else
        p.bInput = i;
    } else {
      if (p.aInput >= 0)
        return std::nullopt;
      p.aInput = i;
    }
    // Writing the output while reading an input of the same memory would
    // need the op's exact order; bufferization never produces that.
    if (rootBuffer(operand->get()) == rootBuffer(c))
      return std::nullopt;
  }
  if (p.bInput < 0)
    return std::nullopt;
  const AccessPattern &b = *inputPatterns[p.bInput];
  p.bMode = b.hasCoef(p.nDim, 1) ? BMode::Contiguous : BMode::Strided;

  analyzeInit(p);
  analyzeEpilogue(p);
  if (!p.stridedN)
    mergeInnerDims(p);
  p.nExtent = p.extents[p.nDim];
  chooseRows(p);
  if (p.stridedN)
    mergeRowDims(p);
  for (unsigned d = 0; d < p.numLoops; ++d) {
    if (d == p.nDim || static_cast<int>(d) == p.mDim ||
        llvm::is_contained(p.merged, d) || llvm::is_contained(p.mergedRows, d))
      continue;
    (p.reduction[d] ? p.red : p.outer).push_back(d);
  }

  // A constant B (a weight) is packed into panels of the tile width at
  // compile time: a panel is then one contiguous stream, where reading
  // [K, N] row-major takes one cache line from every row, K rows apart (for
  // the 4096-wide head of a decoder, a page apart: weights that stream from
  // memory stream at a fraction of the bandwidth). A B gathered lane by lane
  // must be packed, or be worth it: each gathered vector serving several
  // rows.
  auto bGlobal = rootBuffer(op.getDpsInputOperand(p.bInput)->get())
                     .getDefiningOp<memref::GetGlobalOp>();
  bool bPackable =
      bGlobal && b.offset && !ShapedType::isDynamic(p.extents[p.nDim]);
  for (unsigned d = 0; d < p.numLoops && bPackable; ++d) {
    if (!b.dependsOn(d) || p.extents[d] == 1)
      continue;
    if (!b.coef[d] || ShapedType::isDynamic(p.extents[d]) ||
        (d != p.nDim && !p.reduction[d]))
      bPackable = false;
  }
  if (bPackable && p.bMode == BMode::Contiguous &&
      llvm::any_of(p.red, [&](unsigned d) { return p.extents[d] > 1; }))
    p.bMode = BMode::Packed;
  if (p.bMode == BMode::Strided && !b.hasCoef(p.nDim, 2)) {
    bool packable = bPackable;
    // A plain reduction (pooling, the sums of a softmax or a norm over the
    // innermost dim) gathers too: lane by lane it is the scalar loop, but
    // the lanes' chains run side by side instead of one add's latency per
    // element.
    if (packable)
      p.bMode = BMode::Packed;
    else if ((p.mDim < 0 || b.dependsOn(p.mDim)) && p.aInput >= 0)
      return std::nullopt;
  }
  // Along a strided output dim, only a weight packed into panels gives the
  // unit-stride vectors that make it pay.
  if (p.stridedN && (p.bMode != BMode::Packed || p.mDim < 0))
    return std::nullopt;
  chooseTile(p);

  // Weights as A: one contiguous stream per row block instead of MR streams
  // (convolutions read W[f, c, kh, kw] for MR filters at once).
  if (p.aInput >= 0 && p.mDim >= 0 && p.mr > 1) {
    const AccessPattern &a = *inputPatterns[p.aInput];
    auto global = rootBuffer(op.getDpsInputOperand(p.aInput)->get())
                      .getDefiningOp<memref::GetGlobalOp>();
    bool packable = global && a.offset && a.dependsOn(p.mDim) &&
                    !ShapedType::isDynamic(p.extents[p.mDim]);
    for (unsigned d = 0; d < p.numLoops && packable; ++d) {
      if (!a.dependsOn(d) || p.extents[d] == 1)
        continue;
      if (!a.coef[d] || ShapedType::isDynamic(p.extents[d]) ||
          (static_cast<int>(d) != p.mDim && !p.reduction[d]))
        packable = false;
    }
    p.aPacked = packable;
  }
  return p;
}

void Analyzer::analyzeInit(Plan &p) {
  Value c = p.op.getDpsInits()[0];
  auto init = dyn_cast_or_null<linalg::LinalgOp>(p.op->getPrevNode());
  if (!init || !init.hasPureBufferSemantics() || init.getNumDpsInits() != 1 ||
      init.getDpsInits()[0] != c || init.getNumDpsInputs() > 1 ||
      init.getNumLoops() != init.getNumParallelLoops() ||
      !init.getMatchingIndexingMap(init.getDpsInitOperand(0)).isIdentity())
    return;
  Block *body = init.getBlock();
  Value yielded = body->getTerminator()->getOperand(0);
  if (yielded.getType() != cast<MemRefType>(c.getType()).getElementType())
    return;
  if (auto arg = dyn_cast<BlockArgument>(yielded);
      arg && arg.getOwner() == body) {
    if (init.getNumDpsInputs() != 1 || arg.getArgNumber() != 0 ||
        std::next(body->begin()) != body->end())
      return;
    Value src = init.getDpsInputOperand(0)->get();
    if (!isa<MemRefType>(src.getType())) {
      p.initScalar = src; // linalg.fill
    } else {
      if (rootBuffer(src) == rootBuffer(c))
        return;
      AffineMap map = init.getMatchingIndexingMap(init.getDpsInputOperand(0))
                          .compose(p.cMap);
      if (!analyzeAccess(cast<MemRefType>(src.getType()), map))
        return;
      p.initInput = 0;
    }
  } else if (auto cst = yielded.getDefiningOp<arith::ConstantOp>();
             cst && cst->getBlock() == body) {
    p.initConst = cst.getValue();
  } else if (!init->isAncestor(yielded.getParentBlock()->getParentOp()) &&
             std::next(body->begin()) == body->end()) {
    p.initScalar = yielded; // defined outside: the same value everywhere
  } else {
    return;
  }
  p.initOp = init;
}

void Analyzer::analyzeEpilogue(Plan &p) {
  Value cur = p.op.getDpsInits()[0];
  SmallVector<Operation *> fused{p.op};
  if (p.initOp)
    fused.push_back(p.initOp);
  SmallVector<Value> readRoots;
  for (int64_t i = 0; i < p.op.getNumDpsInputs(); ++i)
    if (inputPatterns[i])
      readRoots.push_back(rootBuffer(p.op.getDpsInputOperand(i)->get()));
  // The fused initialisation reads its source where the kernel starts: an op
  // hoisted before the kernel must not write it (average pooling's window
  // counts, summed into the buffer the sums' zero-initialisation copies).
  if (p.initOp && p.initInput >= 0)
    readRoots.push_back(
        rootBuffer(p.initOp.getDpsInputOperand(p.initInput)->get()));
  auto cType = cast<MemRefType>(cur.getType());
  // Roots of every buffer the kernel so far reads or writes.
  llvm::SmallPtrSet<Value, 8> groupRoots;
  for (Value root : readRoots)
    groupRoots.insert(root);
  groupRoots.insert(rootBuffer(cur));
  // An op that can run before the kernel instead: it only defines buffers
  // or views, or writes a buffer the kernel does not touch (yet) from
  // buffers the kernel does not write.
  auto independent = [&](Operation *op) {
    if (isa<memref::AllocOp, arith::ConstantOp, memref::DimOp,
            ViewLikeOpInterface, memref::CastOp, memref::ExpandShapeOp,
            memref::CollapseShapeOp, memref::ReinterpretCastOp,
            memref::ExtractStridedMetadataOp>(op))
      return op->getNumRegions() == 0;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !linalgOp.hasPureBufferSemantics())
      return false;
    for (Value v : linalgOp->getOperands())
      if (isa<MemRefType>(v.getType()) && groupRoots.contains(rootBuffer(v)))
        return false;
    // Every operand must be defined before the kernel (or be hoisted).
    return true;
  };
  SmallVector<Operation *> pending;
  // Position of the running value in terms of the kernel's loops.
  AffineMap curPos = p.cMap;
  Operation *next = p.op->getNextNode();
  while (next) {
    auto g = dyn_cast<linalg::LinalgOp>(next);
    if (!g || !llvm::is_contained(next->getOperands(), cur)) {
      if (!independent(next))
        break;
      pending.push_back(next);
      next = next->getNextNode();
      continue;
    }
    if (!g.hasPureBufferSemantics() || g.getNumDpsInits() != 1 ||
        g.getNumLoops() != g.getNumParallelLoops() ||
        g.getNumLoops() != static_cast<unsigned>(cType.getRank()) ||
        !isVectorizableBody(*g.getBlock(), target.tables))
      break;
    Value d = g.getDpsInits()[0];
    if (!isNumericMemRef(d) ||
        !g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity())
      break;
    // How the step reads the running value: the same permutation wherever
    // it reads it.
    AffineMap curMap;
    bool ok = true;
    for (OpOperand *in : g.getDpsInputOperands()) {
      if (in->get() != cur)
        continue;
      AffineMap map = g.getMatchingIndexingMap(in);
      if (!map.isPermutation() || (curMap && map != curMap))
        ok = false;
      curMap = map;
    }
    if (!ok || !curMap)
      break;
    AffineMap pos = inversePermutation(curMap).compose(curPos);
    auto dPattern = analyzeAccess(cast<MemRefType>(d.getType()), pos);
    if (!dPattern || !dPattern->coef[p.nDim] ||
        (!p.stridedN && !dPattern->hasCoef(p.nDim, 1)))
      break;
    bool readsCur = true;
    for (OpOperand *inPtr : g.getDpsInputOperands()) {
      OpOperand &in = *inPtr;
      AffineMap map = g.getMatchingIndexingMap(&in);
      if (in.get() == cur)
        continue;
      if (!isa<MemRefType>(in.get().getType()) ||
          !analyzeAccess(cast<MemRefType>(in.get().getType()),
                         map.compose(pos))) {
        ok = false;
        continue;
      }
      // An input that shares memory with the output must be read at the
      // very element being written (else a store could precede a read).
      if (rootBuffer(in.get()) == rootBuffer(d) &&
          !(map.isIdentity() && in.get() == d))
        ok = false;
    }
    // linalg.map has no block argument for its output.
    Block *gBody = g.getBlock();
    if (gBody->getNumArguments() > g.getNumDpsInputs() &&
        !gBody->getArguments().back().use_empty() && d != cur)
      ok = false;
    // The kernel writes `d` while it still reads its inputs.
    for (Value root : readRoots)
      if (root == rootBuffer(d))
        ok = false;
    if (!ok || !readsCur)
      break;
    fused.push_back(g);
    if (d != cur && !deadAfter(cur, g))
      break;
    p.epilogue.push_back({g, cur, pos});
    curPos = pos;
    llvm::append_range(p.hoist, pending);
    pending.clear();
    for (OpOperand *in : g.getDpsInputOperands())
      if (in->get() != cur) {
        readRoots.push_back(rootBuffer(in->get()));
        groupRoots.insert(rootBuffer(in->get()));
      }
    groupRoots.insert(rootBuffer(d));
    cur = d;
    next = g->getNextNode();
  }
  p.out = cur;
  p.outPos = curPos;
}

SmallVector<std::optional<AccessPattern>> Analyzer::nAccesses(Plan &p) {
  SmallVector<std::optional<AccessPattern>> result;
  result.push_back(inputPatterns[p.bInput]);
  for (int i : p.extraInputs)
    result.push_back(inputPatterns[i]);
  result.push_back(cPattern);
  if (p.initOp && p.initInput >= 0) {
    OpOperand *src = p.initOp.getDpsInputOperand(p.initInput);
    result.push_back(
        analyzeAccess(cast<MemRefType>(src->get().getType()),
                      p.initOp.getMatchingIndexingMap(src).compose(p.cMap)));
  }
  for (EpilogueStep &step : p.epilogue) {
    for (OpOperand *in : step.op.getDpsInputOperands())
      if (in->get() != step.input)
        result.push_back(analyzeAccess(
            cast<MemRefType>(in->get().getType()),
            step.op.getMatchingIndexingMap(in).compose(step.pos)));
  }
  result.push_back(analyzeAccess(cast<MemRefType>(p.out.getType()), p.outPos));
  return result;
}

void Analyzer::mergeInnerDims(Plan &p) {
  // Output dims just outside n merge into it (longer vectors, fewer partial
  // tiles), except those A varies along: they are its rows.
  std::optional<AccessPattern> a =
      p.aInput >= 0 ? inputPatterns[p.aInput] : std::nullopt;
  mergeOuterDims(
      p.cMap, p.nPos, nAccesses(p),
      [&](unsigned d) { return a && a->dependsOn(d); }, p.extents, p.merged);
}

void Analyzer::chooseRows(Plan &p) {
  std::optional<AccessPattern> a =
      p.aInput >= 0 ? inputPatterns[p.aInput] : std::nullopt;
  const AccessPattern &b = *inputPatterns[p.bInput];
  auto extentOf = [&](unsigned d) {
    return ShapedType::isDynamic(p.extents[d]) ? 64 : p.extents[d];
  };
  auto pick = [&](auto &&accept) {
    int best = -1;
    for (AffineExpr e : p.cMap.getResults()) {
      unsigned d = cast<AffineDimExpr>(e).getPosition();
      if (d == p.nDim || llvm::is_contained(p.merged, d) || extentOf(d) <= 1 ||
          !accept(d))
        continue;
      // With n strided, the innermost dim: the rows are then the
      // contiguous columns of the output (merged outwards by mergeRowDims).
      if (best < 0 || extentOf(d) > extentOf(best) || p.stridedN)
        best = d;
    }
    return best;
  };
  // B reuse across rows (GEMM) first, then A reuse (depthwise, pooling).
  p.mDim =
      pick([&](unsigned d) { return a && a->dependsOn(d) && !b.dependsOn(d); });
  if (p.mDim < 0)
    p.mDim = pick(
        [&](unsigned d) { return b.dependsOn(d) && !(a && a->dependsOn(d)); });
}

void Analyzer::mergeRowDims(Plan &p) {
  // Like mergeInnerDims for the rows: the output dims just outside m fold
  // into it while every buffer, A included, walks them contiguously (a 7x7
  // map: 49 rows).
  if (p.mDim < 0)
    return;
  SmallVector<std::optional<AccessPattern>> accesses = nAccesses(p);
  if (p.aInput >= 0)
    accesses.push_back(inputPatterns[p.aInput]);
  std::optional<unsigned> mPos =
      p.cMap.getResultPosition(getAffineDimExpr(p.mDim, p.op.getContext()));
  mergeOuterDims(
      p.cMap, *mPos, accesses, [&](unsigned d) { return d == p.nDim; },
      p.extents, p.mergedRows);
}

void Analyzer::estimateCycles(Plan &p, double perStep) {
  auto extent = [&](unsigned d) {
    return ShapedType::isDynamic(p.extents[d]) ? 64.0 : double(p.extents[d]);
  };
  double steps = 1, outer = 1, elements = 1;
  for (unsigned d = 0; d < p.numLoops; ++d) {
    if (p.reduction[d])
      steps *= extent(d);
    else
      elements *= extent(d);
  }
  for (unsigned d : p.outer)
    outer *= extent(d);
  p.cycles = perStep * steps * outer;
  if (!p.stridedN)
    return;
  // Lane-by-lane stores, and loads of epilogue operands strided along n:
  // about half a cycle per element each (two stores per cycle; fitted on
  // 1x1 convolutions on 7x7 maps, K = 192 .. 1152).
  // nAccesses: B (packed, skipped), the extra inputs (in the tile cost),
  // then the ones per output element.
  SmallVector<std::optional<AccessPattern>> accesses = nAccesses(p);
  int strided = 0;
  for (const std::optional<AccessPattern> &x :
       ArrayRef(accesses).drop_front(1 + p.extraInputs.size()))
    if (x && x->dependsOn(p.nDim) && !x->hasCoef(p.nDim, 1))
      ++strided;
  p.cycles += 0.5 * strided * elements;
}

void Analyzer::chooseTile(Plan &p) {
  const AccessPattern &b = *inputPatterns[p.bInput];
  bool aRows = p.aInput >= 0 && p.mDim >= 0 &&
               inputPatterns[p.aInput]->dependsOn(p.mDim);
  bool bRows = p.mDim >= 0 && b.dependsOn(p.mDim);
  int64_t n = ShapedType::isDynamic(p.nExtent) ? 256 : p.nExtent;
  int64_t m = p.mDim < 0                                 ? 1
              : ShapedType::isDynamic(p.extents[p.mDim]) ? 64
                                                         : p.extents[p.mDim];
  // A read row by row where it lies (activations: the left operand of a
  // matmul, not a weight packed into row blocks): each row is a stream of
  // its own and costs a broadcast load per row and step. Rows a multiple of
  // 4 KiB apart also share one L1 set (8 ways). Such tiles take few rows and
  // several vectors (tall one-vector tiles were much slower on gpt_decoder's
  // matmuls; measurements: docs/cpu-kernels.md, "Measurements behind the
  // choices").
  bool aStreams = aRows && !rootBuffer(p.op.getDpsInputOperand(p.aInput)->get())
                                .getDefiningOp<memref::GetGlobalOp>();
  const int64_t kMaxStreamRows = 8;
  // Reduction steps unrolled (short windows) keep several steps' loads live.
  bool unrolledSteps = llvm::any_of(p.red, [&](unsigned d) {
    return !ShapedType::isDynamic(p.extents[d]) && p.extents[d] > 1 &&
           p.extents[d] <= 7;
  });
  // Accumulators a tile may hold: the vector registers less the B vectors
  // and A broadcasts of a step, with room for LLVM's scheduler, which
  // overlaps the loads of the unrolled window steps (12 x 2 on 32 registers
  // spills). A plain loop over K holds one step: 6 x 4 accumulators, 4 B
  // vectors and a broadcast fit 32 registers.
  // An epilogue with transcendentals (swish, sigmoid, GELU) runs a long
  // chain per accumulator with constants of its own: with the
  // accumulators of a full tile live around it, LLVM spills constants and
  // temporaries at every step, so such tiles keep fewer accumulators. Only
  // for short reductions: over a long one (K >= 128) the spills are
  // amortised and a full tile's reuse counts more (measurements:
  // docs/cpu-kernels.md, "Measurements behind the choices").
  int64_t steps = 1;
  for (unsigned d : p.red)
    steps *= ShapedType::isDynamic(p.extents[d]) ? 64 : p.extents[d];
  bool heavyEpilogue =
      steps < 128 && llvm::any_of(
                         p.epilogue,
                         [](EpilogueStep &step) {
                           bool heavy = false;
                           step.op.getBlock()->walk([&](Operation *op) {
                             if (op->getDialect()->getNamespace() == "math")
                               heavy = true;
                           });
                           return heavy;
                         });
  auto maxAcc = [&](int64_t nv) -> int64_t {
    int64_t regs = target.registers;
    if (target.maxAccumulators > 0)
      return target.maxAccumulators;
    if (heavyEpilogue)
      return regs / 4;
    if (aStreams && !unrolledSteps)
      return regs - regs / 4;
    // Rows that read their own B (depthwise: output rows of one channel)
    // share input rows: LLVM keeps the shared loads live across rows, so
    // such tiles stay smaller (measured on mobilenet_v2's depthwise layers;
    // measurements: docs/cpu-kernels.md, "Measurements behind the choices").
    if (bRows)
      return regs * 3 / 8;
    return std::min<int64_t>(regs - regs / 4, regs - 4 - 4 * nv);
  };
  // Cycles per reduction step of a tile: FMAs issue on two pipes of half
  // the widest vector (one full-width FMA per cycle: Zen 4's AVX-512, and
  // NEON's two 128-bit pipes as two), two loads per cycle, and each
  // accumulator waits out a 4-cycle FMA latency. Narrower vectors cost the
  // same per element, so they win when n is short (7x7 feature maps).
  auto cost = [&](int64_t lanes, int64_t mr, int64_t nv) {
    double fmaRate = lanes == target.lanes && lanes >= 16 ? 1.0 : 2.0;
    // Gathered B that walks the innermost reduction dim contiguously is
    // loaded in blocks of `lanes` steps and transposed (log2(lanes) shuffle
    // rounds, ContractionEmitter::transposedReduce); otherwise lane by lane.
    unsigned inner = p.red.empty() ? 0 : p.red.back();
    bool transposed =
        !p.red.empty() && !bRows && b.hasCoef(inner, 1) &&
        (ShapedType::isDynamic(p.extents[inner]) || p.extents[inner] >= lanes);
    double gatherCost =
        transposed ? 1.0 + std::log2(double(lanes)) / 2 : double(lanes);
    double loadCost = p.bMode == BMode::Strided
                          ? (b.hasCoef(p.nDim, 2) ? 2.5 : gatherCost)
                          : 1.0;
    double fmas = double(mr * nv);
    double loads = (p.aInput >= 0 ? (aRows ? (aStreams ? 2 : 1) * mr : 1) : 0) +
                   (bRows ? mr : 1) * nv * loadCost;
    for (int i : p.extraInputs) {
      const AccessPattern &x = *inputPatterns[i];
      double cost = x.hasCoef(p.nDim, 1)   ? 1.0
                    : x.hasCoef(p.nDim, 2) ? 2.5
                                           : double(lanes);
      loads += (p.mDim >= 0 && x.dependsOn(p.mDim) ? mr : 1) * nv * cost;
    }
    return std::max({fmas / fmaRate, loads / 2.0, 4.0}) + 0.5;
  };
  double best = std::numeric_limits<double>::infinity();
  SmallVector<int64_t, 2> widths{target.lanes};
  if (target.lanes >= 16)
    widths.push_back(target.lanes / 2);
  for (int64_t lanes : widths) {
    for (int64_t nv = 1; nv <= 4; ++nv) {
      if (nv > 1 && (nv - 1) * lanes >= n)
        break;
      int64_t tilesN = (n + nv * lanes - 1) / (nv * lanes);
      int64_t maxRows = std::min<int64_t>(m, maxAcc(nv) / nv);
      if (aStreams)
        maxRows = std::min(maxRows, kMaxStreamRows);
      for (int64_t mr = 1; mr <= maxRows; ++mr) {
        double total = tilesN * ((m / mr) * cost(lanes, mr, nv) +
                                 (m % mr ? cost(lanes, m % mr, nv) : 0.0));
        // Ties go to the wider vector (fewer instructions).
        if (total < best * (1 - 1e-6)) {
          best = total;
          p.lanes = lanes;
          p.mr = mr;
          p.nv = nv;
        }
      }
    }
  }
  estimateCycles(p, best);
  // Loop order. With rows innermost, A (all rows x K) is re-read for every
  // n tile and every outer index (each output row of a convolution); when
  // that is more than L2 keeps, the row blocks go outermost instead and B
  // is re-read per row block.
  if (p.mDim >= 0 && p.aInput >= 0 && aRows) {
    // Dynamic dims at the size the tile model assumes (a sequence of 64).
    auto bytes = [&](Value v) -> int64_t {
      int64_t elements = 4;
      for (int64_t d : cast<MemRefType>(v.getType()).getShape())
        elements *= ShapedType::isDynamic(d) ? 64 : d;
      return elements;
    };
    OpOperand *aOperand = p.op.getDpsInputOperand(p.aInput);
    int64_t aBytes = bytes(aOperand->get());
    // What one pass over the tiles re-reads is A's slice at one index of
    // the outer dims it depends on (a batched product's own matrix), not
    // the whole buffer.
    AffineMap aMap = p.op.getMatchingIndexingMap(aOperand);
    for (unsigned d = 0; d < p.numLoops; ++d)
      if (!p.reduction[d] && d != p.nDim && static_cast<int>(d) != p.mDim &&
          !ShapedType::isDynamic(p.extents[d]) && p.extents[d] > 1 &&
          aMap.isFunctionOfDim(d))
        aBytes /= p.extents[d];
    int64_t passes = (n + p.nv * p.lanes - 1) / (p.nv * p.lanes);
    for (unsigned d = 0; d < p.numLoops; ++d)
      if (!p.reduction[d] && d != p.nDim && static_cast<int>(d) != p.mDim)
        passes *= ShapedType::isDynamic(p.extents[d]) ? 1 : p.extents[d];
    p.mOuter = passes > 1 && aBytes > 256 * 1024;
  }
}

} // namespace

std::optional<Plan> mica::cpu::planContraction(linalg::LinalgOp op,
                                               const TargetShape &target) {
  std::optional<Plan> plan = Analyzer(target, std::nullopt).analyze(op);
  if (!plan || ShapedType::isDynamic(plan->nExtent))
    return plan;
  // Short rows fill the vectors poorly (49 columns: 77% of 16-lane and 88%
  // of 8-lane vectors). Another output dim may fill them (the output
  // channels): the plan along it, when the model finds it cheaper.
  auto fill = [&](int64_t lanes) {
    return double(plan->nExtent) /
           double((plan->nExtent + lanes - 1) / lanes * lanes);
  };
  if (std::max(fill(target.lanes),
               fill(std::max<int64_t>(target.lanes / 2, 1))) >= 0.95)
    return plan;
  std::optional<Plan> best = plan;
  for (AffineExpr e : plan->cMap.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    if (d == plan->nDim || ShapedType::isDynamic(plan->extents[d]) ||
        plan->extents[d] < 2 * target.lanes)
      continue;
    std::optional<Plan> alt = Analyzer(target, d).analyze(op);
    if (alt && alt->cycles < 0.95 * best->cycles)
      best = std::move(alt);
  }
  return best;
}

FailureOr<SmallVector<WidthBound>> mica::cpu::readWidthBounds(Operation *op) {
  SmallVector<WidthBound> bounds;
  Attribute attr = op->getAttr(kWidthAttr);
  if (!attr)
    return bounds;
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  auto entries = dyn_cast<ArrayAttr>(attr);
  if (!linalgOp || !entries)
    return op->emitError("malformed ")
           << kWidthAttr << ": expected an array of array<i64: loop, group, "
           << "scale> on a linalg op";
  for (Attribute entry : entries) {
    auto values = dyn_cast<DenseI64ArrayAttr>(entry);
    if (!values || values.size() != 3 || values[0] < 0 ||
        values[0] >= static_cast<int64_t>(linalgOp.getNumLoops()) ||
        values[1] < 0 || values[2] < 1)
      return op->emitError("malformed ")
             << kWidthAttr << " entry " << entry
             << ": expected array<i64: loop, group, scale> with a loop of the "
                "op, a group >= 0 and a scale >= 1";
    if (llvm::any_of(bounds, [&](const WidthBound &w) {
          return w.loop == static_cast<unsigned>(values[0]);
        }))
      return op->emitError("malformed ")
             << kWidthAttr << ": two bounds on loop " << values[0];
    bounds.push_back({static_cast<unsigned>(values[0]), values[1], values[2]});
  }
  return bounds;
}

LogicalResult mica::cpu::planWidthBounds(Plan &p) {
  FailureOr<SmallVector<WidthBound>> bounds = readWidthBounds(p.op);
  if (failed(bounds))
    return failure();
  for (const WidthBound &w : *bounds) {
    unsigned d = w.loop;
    if (p.reduction[d]) {
      // Words of 4 bytes (and smmla's word pairs) would need a bound in
      // words and corrections summed over the active part only.
      if (p.op->hasAttr(kDot4Attr))
        return p.op->emitError("cannot honour the width bound on loop ")
               << d << ": an int8 dot-product reduction";
      p.widths.push_back(w);
      continue;
    }
    // A prefix of n (or m) is not a prefix of n merged with outer dims, nor
    // of a merged outer dim; a static extent of 1 leaves nothing to skip.
    bool merged = llvm::is_contained(p.merged, d) ||
                  llvm::is_contained(p.mergedRows, d) ||
                  (d == p.nDim && !p.merged.empty()) ||
                  (static_cast<int>(d) == p.mDim && !p.mergedRows.empty()) ||
                  p.extents[d] == 1;
    (merged ? p.droppedWidths : p.widths).push_back(w);
  }
  return success();
}
