//===- ContractionEmitter.cpp - Emitting a planned contraction kernel -----===//
//
// See ContractionPlan.h: scf loops over vector ops for a Plan, with the
// register tile, fused initialisation and epilogue, and the outermost loop
// handed to the runtime's threads when there is enough work. Packing is in
// ContractionPacking.cpp, the int8 dot-product steps in
// ContractionDotProducts.cpp.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/ContractionEmitter.h"
#include "targets/cpu/transforms/Passes.h"

#include "dialects/exec/IR/ExecDialect.h"

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
/// How far ahead of a packed weight stream the kernels prefetch.
constexpr int64_t kPrefetchBytes = 2048;
} // namespace

Value ContractionEmitter::loadAlongN(const FlatAccess &x, OpFoldResult index,
                                     Tail count) {
  if (!x.dependsOn(p.nDim)) {
    Value s = memref::LoadOp::create(b, loc, x.flat, im.value(index));
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, s.getType()), s);
  }
  return loadStrided(b, loc, x.flat, index, x.coef[p.nDim], lanes, count);
}

void ContractionEmitter::loop(OpFoldResult lb, OpFoldResult ub, int64_t step,
                              function_ref<void(OpFoldResult)> body) {
  emitLoop(b, loc, lb, ub, step, parallel, body);
}

OpFoldResult ContractionEmitter::origin(const FlatAccess &x,
                                        ArrayRef<OpFoldResult> ivs,
                                        OpFoldResult m0, OpFoldResult n0) {
  OpFoldResult off = x.base;
  for (unsigned d : p.outer)
    if (x.dependsOn(d))
      off = im.add(off, im.mul(x.coef[d], ivs[d]));
  if (p.mDim >= 0 && x.dependsOn(p.mDim))
    off = im.add(off, im.mul(x.coef[p.mDim], m0));
  if (x.dependsOn(p.nDim))
    off = im.add(off, im.mul(x.coef[p.nDim], n0));
  return off;
}

LogicalResult ContractionEmitter::run() {
  linalg::LinalgOp op = p.op;
  // Ops from between the epilogue steps go before the kernel (they define
  // the buffers and views it writes, or fill other buffers).
  Operation *first = p.initOp ? p.initOp.getOperation() : op.getOperation();
  for (Operation *h : p.hoist)
    h->moveBefore(first);
  b.setInsertionPoint(op);
  // Worth splitting over threads? (kParallelWork: a hand-off costs a
  // microsecond or two, keeping each thread's data in its own cache more.)
  int64_t work = 1;
  for (int64_t e : p.extents)
    work = ShapedType::isDynamic(e) ? work * 64 : work * e;
  parallel = work >= kParallelWork && !insideParallelLoop(op);
  // Extents.
  SmallVector<Range> ranges = op.createLoopRanges(b, loc);
  for (unsigned d = 0; d < p.numLoops; ++d)
    ext.push_back(ShapedType::isDynamic(p.extents[d])
                      ? ranges[d].size
                      : b.getIndexAttr(p.extents[d]));
  // Width bounds, read once before every loop (exec.active_count is pure:
  // the tasks of a parallel loop get it as an argument of the kernel).
  bound.assign(p.numLoops, OpFoldResult());
  for (const WidthBound &w : p.widths) {
    Value count =
        exec::ActiveCountOp::create(b, loc, b.getIndexType(), w.group);
    Value scaled = im.value(im.mul(count, im.constant(w.scale)));
    // Unsigned: a count the runtime did not validate cannot go negative.
    bound[w.loop] =
        arith::MinUIOp::create(b, loc, scaled, im.value(ext[w.loop]))
            .getResult();
  }
  // Accesses.
  auto access = [&](Value memref, AffineMap map) {
    return buildFlatAccess(b, loc, memref, map);
  };
  pairDim = pairedDim();
  if (p.aPacked) {
    if (failed(packA()))
      return failure();
  } else if (p.aInput >= 0) {
    OpOperand *in = op.getDpsInputOperand(p.aInput);
    a = access(in->get(), op.getMatchingIndexingMap(in));
  }
  if (p.bMode == BMode::Packed) {
    if (failed(packB()))
      return failure();
  } else {
    OpOperand *in = op.getDpsInputOperand(p.bInput);
    bAcc = access(in->get(), op.getMatchingIndexingMap(in));
  }
  for (int i : p.extraInputs) {
    OpOperand *in = op.getDpsInputOperand(i);
    extras.push_back(access(in->get(), op.getMatchingIndexingMap(in)));
  }
  c = access(op.getDpsInits()[0], p.cMap);
  if (p.initOp && p.initInput >= 0) {
    OpOperand *src = p.initOp.getDpsInputOperand(p.initInput);
    init = access(src->get(),
                  p.initOp.getMatchingIndexingMap(src).compose(p.cMap));
  }
  for (EpilogueStep &step : p.epilogue) {
    SmallVector<std::optional<FlatAccess>> ins;
    for (OpOperand *in : step.op.getDpsInputOperands()) {
      if (in->get() == step.input)
        ins.push_back(std::nullopt);
      else
        ins.push_back(access(
            in->get(), step.op.getMatchingIndexingMap(in).compose(step.pos)));
    }
    epi.push_back(std::move(ins));
  }
  out = p.epilogue.empty() ? *c : access(p.out, p.outPos);

  // Loops over the outer dims, then the tiles; with mOuter the row blocks
  // go around everything else.
  SmallVector<OpFoldResult> ivs(p.numLoops, b.getIndexAttr(0));
  std::function<void(unsigned, OpFoldResult, int64_t)> nest =
      [&](unsigned level, OpFoldResult m0, int64_t rows) {
        if (level == p.outer.size()) {
          tiles(ivs, m0, rows);
          return;
        }
        unsigned d = p.outer[level];
        loop(im.constant(0), limit(d), 1, [&](OpFoldResult iv) {
          ivs[d] = iv;
          nest(level + 1, m0, rows);
        });
      };
  if (p.mOuter)
    overM([&](OpFoldResult m0, int64_t rows) { nest(0, m0, rows); });
  else
    nest(0, OpFoldResult(), 0);

  if (p.initOp)
    p.initOp->erase();
  for (const EpilogueStep &step : p.epilogue)
    step.op->erase();
  op->erase();
  return success();
}

void ContractionEmitter::overN(
    function_ref<void(OpFoldResult, int64_t, Tail)> body) {
  int64_t nr = p.nv * lanes;
  OpFoldResult n = ext[p.nDim];
  std::optional<int64_t> sn = staticValue(n);
  if (sn && bound[p.nDim]) {
    boundedN(*sn, body);
    return;
  }
  if (sn) {
    int64_t full = *sn / nr * nr, rem = *sn % nr;
    loop(im.constant(0), im.constant(full), nr,
         [&](OpFoldResult n0) { body(n0, p.nv, std::nullopt); });
    if (rem)
      body(im.constant(full), (rem + lanes - 1) / lanes, im.constant(rem));
    return;
  }
  // A dynamic extent has masked tails already: a bound just shortens it.
  Value nv = im.value(limit(p.nDim));
  Value full = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, nv, im.value(im.constant(nr))),
      im.value(im.constant(nr)));
  loop(im.constant(0), full, nr,
       [&](OpFoldResult n0) { body(n0, p.nv, std::nullopt); });
  Value rem = arith::SubIOp::create(b, loc, nv, full);
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, rem,
                                    im.value(im.constant(0)));
  auto ifOp = scf::IfOp::create(b, loc, any, /*withElse=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  body(full, p.nv, OpFoldResult(rem));
}

void ContractionEmitter::boundedN(
    int64_t extent, function_ref<void(OpFoldResult, int64_t, Tail)> body) {
  // The first `bound` columns of a static extent, rounded up to whole
  // vectors: full tiles, then one tile of 1 .. NV-1 whole vectors picked
  // at run time, or the static partial tail when the bound reaches into it.
  // Whole vectors only: lane-by-lane stores (stridedN) need static counts,
  // and the columns past the bound may be written (buffers are full width).
  int64_t nr = p.nv * lanes, full = extent / nr * nr, rem = extent % nr;
  if (full == 0) {
    // One partial tile: all of it.
    body(im.constant(0), (rem + lanes - 1) / lanes, im.constant(rem));
    return;
  }
  auto c = [&](int64_t v) { return im.value(im.constant(v)); };
  Value a = im.value(bound[p.nDim]);
  Value vectors = arith::CeilDivUIOp::create(b, loc, a, c(lanes));
  // Full tiles in a loop when there may be two or more (one is run by the
  // tail below, which keeps the outermost loop for the rows).
  OpFoldResult ub = im.constant(0);
  if (full > nr) {
    Value tilesEnd = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, vectors, c(p.nv)), c(nr));
    // Past `full` only when the bound reaches the static tail (which may
    // itself hold NV vectors, the last one partial).
    ub = arith::MinUIOp::create(b, loc, tilesEnd, c(full)).getResult();
    loop(im.constant(0), ub, nr,
         [&](OpFoldResult n0) { body(n0, p.nv, std::nullopt); });
  }
  // With the bound at most `full`: the vectors left after the loop's tiles
  // (fewer than NV; with no loop, up to NV: then, and for none, one whole
  // tile), all within [0, full).
  auto vectorTail = [&]() {
    Value left = vectors;
    if (full > nr)
      left = arith::SubIOp::create(
          b, loc, vectors,
          arith::DivUIOp::create(b, loc, im.value(ub), c(lanes)));
    SmallVector<int64_t> cases;
    for (int64_t v = 1; v < p.nv; ++v)
      cases.push_back(v);
    if (cases.empty()) {
      if (full == nr)
        body(ub, p.nv, std::nullopt);
      return;
    }
    auto sw = scf::IndexSwitchOp::create(b, loc, TypeRange{}, left, cases,
                                         cases.size());
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&sw.getDefaultRegion());
    if (full == nr)
      body(ub, p.nv, std::nullopt);
    scf::YieldOp::create(b, loc);
    for (auto [i, v] : llvm::enumerate(cases)) {
      b.createBlock(&sw.getCaseRegions()[i]);
      body(ub, v, std::nullopt);
      scf::YieldOp::create(b, loc);
    }
  };
  if (!rem) {
    vectorTail();
    return;
  }
  Value pastFull =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, a, c(full));
  auto ifOp = scf::IfOp::create(b, loc, pastFull, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  if (full == nr)
    body(im.constant(0), p.nv, std::nullopt);
  body(im.constant(full), (rem + lanes - 1) / lanes, im.constant(rem));
  b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
  vectorTail();
}

void ContractionEmitter::overM(function_ref<void(OpFoldResult, int64_t)> body) {
  OpFoldResult m = p.mDim >= 0 ? ext[p.mDim] : im.constant(1);
  if (std::optional<int64_t> sm = staticValue(m)) {
    int64_t full = *sm / p.mr * p.mr, rem = *sm % p.mr;
    if (p.mDim >= 0 && bound[p.mDim]) {
      // The first `bound` rows rounded up to whole row blocks (packed A's
      // blocks start at multiples of MR), then the static rest when the
      // bound reaches into it. A single block runs unconditionally (the
      // outermost loop stays for what is inside).
      Value a = im.value(bound[p.mDim]);
      Value mr = im.value(im.constant(p.mr));
      Value fullV = im.value(im.constant(full));
      if (full > p.mr) {
        Value blocks = arith::MulIOp::create(
            b, loc, arith::CeilDivUIOp::create(b, loc, a, mr), mr);
        Value ub = arith::MinUIOp::create(b, loc, blocks, fullV);
        loop(im.constant(0), ub, p.mr,
             [&](OpFoldResult m0) { body(m0, p.mr); });
      } else if (full == p.mr) {
        body(im.constant(0), p.mr);
      }
      if (rem && full == 0) {
        body(im.constant(0), rem);
      } else if (rem) {
        Value pastFull =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, a, fullV);
        auto ifOp = scf::IfOp::create(b, loc, pastFull, /*withElse=*/false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
        body(im.constant(full), rem);
      }
      return;
    }
    loop(im.constant(0), im.constant(full), p.mr,
         [&](OpFoldResult m0) { body(m0, p.mr); });
    if (rem)
      body(im.constant(full), rem);
    return;
  }
  // A dynamic extent (A then is not packed): a bound just shortens it.
  Value mv = im.value(p.mDim >= 0 ? limit(p.mDim) : m);
  Value full = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, mv, im.value(im.constant(p.mr))),
      im.value(im.constant(p.mr)));
  loop(im.constant(0), full, p.mr, [&](OpFoldResult m0) { body(m0, p.mr); });
  // The remaining rows (fewer than MR, known at run time only: a sequence
  // length) in blocks of descending powers of two, each under an scf.if:
  // at most log2(MR) tiles instead of one single-row tile per row, whose one
  // accumulator would wait out the FMA latency at every step.
  Value rem = arith::SubIOp::create(b, loc, mv, full);
  Value at = full;
  for (int64_t size = llvm::PowerOf2Ceil(p.mr) / 2; size >= 1; size /= 2) {
    if (size >= p.mr)
      continue;
    Value bit = arith::AndIOp::create(b, loc, rem, im.value(im.constant(size)));
    Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, bit,
                                      im.value(im.constant(0)));
    auto ifOp = scf::IfOp::create(b, loc, any, /*withElse=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      body(at, size);
    }
    // Rows taken so far: full + (rem's bits above and at `size`).
    at = arith::AddIOp::create(b, loc, at, bit);
  }
}

void ContractionEmitter::tiles(ArrayRef<OpFoldResult> ivs, OpFoldResult m0,
                               int64_t rows) {
  SmallVector<OpFoldResult> ivCopy(ivs);
  if (p.mOuter) {
    overN([&](OpFoldResult n0, int64_t vecs, Tail count) {
      tile(ivCopy, m0, rows, n0, vecs, count);
    });
    return;
  }
  // A bounded n of one full tile picks its vector count at run time around
  // the tile: with the rows inside, their loop could not be the outermost
  // (the threads'); one tile of B stays in cache either way.
  std::optional<int64_t> sn = staticValue(ext[p.nDim]);
  int64_t nr = p.nv * lanes;
  if (bound[p.nDim] && sn && *sn >= nr && *sn < 2 * nr) {
    overM([&](OpFoldResult mm, int64_t r) {
      overN([&](OpFoldResult n0, int64_t vecs, Tail count) {
        tile(ivCopy, mm, r, n0, vecs, count);
      });
    });
    return;
  }
  overN([&](OpFoldResult n0, int64_t vecs, Tail count) {
    overM([&](OpFoldResult mm, int64_t r) {
      tile(ivCopy, mm, r, n0, vecs, count);
    });
  });
}

void ContractionEmitter::tile(ArrayRef<OpFoldResult> ivs, OpFoldResult m0,
                              int64_t rows, OpFoldResult n0, int64_t vecs,
                              Tail count) {
  // Initial accumulators (of the contraction's type, which an integer
  // epilogue may narrow before the store).
  SmallVector<Value> accs;
  OpFoldResult cOrigin = origin(*c, ivs, m0, n0);
  OpFoldResult initOrigin = init ? origin(*init, ivs, m0, n0) : OpFoldResult();
  Value splat;
  if (p.initOp && p.initInput < 0) {
    Value scalar = p.initScalar;
    if (!scalar)
      scalar = arith::ConstantOp::create(b, loc, cast<TypedAttr>(p.initConst));
    splat = vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, scalar.getType()), scalar);
  }
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < vecs; ++j) {
      Tail cnt = vectorCount(count, j);
      if (splat) {
        accs.push_back(splat);
      } else if (init) {
        OpFoldResult idx = im.add(initOrigin, rowOffset(*init, i));
        if (init->dependsOn(p.nDim))
          idx = im.add(idx, im.mul(init->coef[p.nDim], im.constant(j * lanes)));
        accs.push_back(loadAlongN(*init, idx, cnt));
      } else {
        OpFoldResult idx =
            im.add(im.add(cOrigin, rowOffset(*c, i)),
                   im.mul(c->coef[p.nDim], im.constant(j * lanes)));
        accs.push_back(loadAlongN(*c, idx, cnt));
      }
    }
  }
  // The reduction.
  OpFoldResult offA = a ? origin(*a, ivs, m0, n0) : OpFoldResult();
  OpFoldResult offB;
  if (p.bMode == BMode::Packed)
    offB = im.mul(n0, im.constant(kFlat)); // panel n0 / NR of NR * kFlat
  else
    offB = origin(*bAcc, ivs, m0, n0);
  SmallVector<OpFoldResult> offX;
  for (const FlatAccess &x : extras)
    offX.push_back(origin(x, ivs, m0, n0));
  if (pairDim < 0) {
    accs = reduce(0, offA, offB, offX, accs, rows, vecs, count);
  } else {
    // smmla: rows in pairs (an odd count padded by a row whose results are
    // dropped), accumulators as 2x2 blocks during the reduction.
    int64_t paired = llvm::alignTo(rows, 2);
    Value zero = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(cast<VectorType>(accs[0].getType()),
                               b.getI32IntegerAttr(0)));
    accs.append((paired - rows) * vecs, zero);
    lastRow = rows - 1;
    swapPairLayout(accs, paired, vecs);
    accs = reduce(0, offA, offB, offX, accs, paired, vecs, count);
    swapPairLayout(accs, paired, vecs);
    accs.resize(rows * vecs);
  }

  // Epilogue and the one store.
  OpFoldResult outOrigin = origin(*out, ivs, m0, n0);
  SmallVector<OpFoldResult> epiOrigins;
  for (auto [s, step] : llvm::enumerate(p.epilogue))
    for (auto &x : epi[s])
      epiOrigins.push_back(x ? origin(*x, ivs, m0, n0) : OpFoldResult());
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < vecs; ++j) {
      Tail cnt = vectorCount(count, j);
      Value v = accs[i * vecs + j];
      unsigned originIndex = 0;
      for (auto [s, step] : llvm::enumerate(p.epilogue)) {
        Block &stepBody = *step.op.getBlock();
        SmallVector<Value> args;
        for (auto [k, inPtr] : llvm::enumerate(step.op.getDpsInputOperands())) {
          OpOperand &in = *inPtr;
          OpFoldResult o = epiOrigins[originIndex++];
          if (in.get() == step.input) {
            args.push_back(v);
            continue;
          }
          const FlatAccess &x = *epi[s][k];
          if (step.op.getMatchingBlockArgument(&in).use_empty()) {
            args.push_back(Value());
            continue;
          }
          OpFoldResult idx = im.add(o, rowOffset(x, i));
          if (x.dependsOn(p.nDim))
            idx = im.add(idx, im.mul(x.coef[p.nDim], im.constant(j * lanes)));
          args.push_back(loadAlongN(x, idx, cnt));
        }
        // The output argument, if the op has one (used only in place).
        if (stepBody.getNumArguments() > args.size())
          args.push_back(v);
        v = vectorizeBody(b, loc, stepBody, args, lanes, target.tables)[0];
      }
      OpFoldResult idx =
          im.add(im.add(outOrigin, rowOffset(*out, i)),
                 im.mul(out->coef[p.nDim], im.constant(j * lanes)));
      storeStrided(b, loc, v, out->flat, idx, out->coef[p.nDim], cnt);
    }
  }
}

SmallVector<Value> ContractionEmitter::reduce(unsigned level, OpFoldResult offA,
                                              OpFoldResult offB,
                                              ArrayRef<OpFoldResult> offX,
                                              ValueRange accs, int64_t rows,
                                              int64_t vecs, Tail count) {
  if (level == p.red.size() && pairDim >= 0)
    return pairedStep(offA, offB, accs, rows, vecs, count);
  if (level == p.red.size()) {
    // One reduction step: A scalars, B vectors, the body per accumulator.
    bool aRows = a && p.mDim >= 0 && a->dependsOn(p.mDim);
    bool bRows = bAcc && p.mDim >= 0 && bAcc->dependsOn(p.mDim);
    SmallVector<Value> aVals;
    // A packed weight is one sequential stream read a few bytes per step
    // (MR scalars): from a cold cache the hardware prefetcher, which stops
    // at 4 KiB pages, leaves each page's first lines to demand misses.
    // Prefetching 2 KiB ahead hides them (in a whole-model run the weights
    // are cold by the time their layer runs). Not for packed B: its panels
    // stream several vectors per step, and there the extra instruction per
    // step made whole models slower (measurements: docs/cpu-kernels.md,
    // "Measurements behind the choices").
    if (a && p.aPacked)
      memref::PrefetchOp::create(
          b, loc, a->flat,
          ValueRange{im.value(im.add(offA, im.constant(kPrefetchBytes / 4)))},
          /*isWrite=*/false, /*localityHint=*/3, /*isDataCache=*/true);
    if (a) {
      // arm64 sdot reads one 32-bit lane of its last operand for all four
      // lanes (sdot by element): four rows' words that lie next to each
      // other load as one vector, and each row is a lane of it, instead of
      // a broadcast load per row (which unrolled 3x3 windows spill).
      int64_t grouped =
          aRows && byElementDot() && rowsAdjacent() ? rows / lanes * lanes : 0;
      for (int64_t i = 0; i < grouped; i += lanes) {
        Value words = vector::LoadOp::create(
            b, loc,
            VectorType::get(
                {lanes}, cast<MemRefType>(a->flat.getType()).getElementType()),
            a->flat, ValueRange{im.value(im.add(offA, aRowOffset(i)))});
        for (int64_t l = 0; l < lanes; ++l)
          aVals.push_back(vector::ShuffleOp::create(
              b, loc, words, words, SmallVector<int64_t>(lanes, l)));
      }
      for (int64_t i = grouped; i < (aRows ? rows : 1); ++i) {
        Value s = memref::LoadOp::create(b, loc, a->flat,
                                         im.value(im.add(offA, aRowOffset(i))));
        aVals.push_back(vector::BroadcastOp::create(
            b, loc, VectorType::get({lanes}, s.getType()), s));
      }
    }
    SmallVector<Value> bVals(bGiven);
    for (int64_t i = 0; i < (bRows ? rows : 1) && bGiven.empty(); ++i) {
      for (int64_t j = 0; j < vecs; ++j) {
        if (p.bMode == BMode::Packed) {
          bVals.push_back(vector::LoadOp::create(
              b, loc,
              VectorType::get(
                  {lanes}, cast<MemRefType>(packed.getType()).getElementType()),
              packed,
              ValueRange{im.value(im.add(offB, im.constant(j * lanes)))}));
          continue;
        }
        OpFoldResult idx =
            im.add(im.add(offB, rowOffset(*bAcc, i)),
                   im.mul(bAcc->coef[p.nDim], im.constant(j * lanes)));
        bVals.push_back(loadStrided(b, loc, bAcc->flat, idx, bAcc->coef[p.nDim],
                                    lanes, vectorCount(count, j)));
      }
    }
    // The other inputs along n, per row when they vary with it.
    SmallVector<SmallVector<Value>> xVals;
    for (auto [k, x, off] : llvm::enumerate(extras, offX)) {
      if (k < xGiven.size() && !xGiven[k].empty()) {
        xVals.push_back(xGiven[k]);
        continue;
      }
      bool xRows = p.mDim >= 0 && x.dependsOn(p.mDim);
      SmallVector<Value> vals;
      for (int64_t i = 0; i < (xRows ? rows : 1); ++i)
        for (int64_t j = 0; j < vecs; ++j)
          vals.push_back(loadStrided(
              b, loc, x.flat,
              im.add(im.add(off, rowOffset(x, i)),
                     im.mul(x.coef[p.nDim], im.constant(j * lanes))),
              x.coef[p.nDim], lanes, vectorCount(count, j)));
      xVals.push_back(std::move(vals));
    }
    Block &body = *p.op.getBlock();
    SmallVector<Value> result;
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < vecs; ++j) {
        SmallVector<Value> args(body.getNumArguments());
        if (a)
          args[p.aInput] = aVals[aRows ? i : 0];
        args[p.bInput] = bVals[(bRows ? i : 0) * vecs + j];
        for (auto [k, input] : llvm::enumerate(p.extraInputs)) {
          bool xRows = p.mDim >= 0 && extras[k].dependsOn(p.mDim);
          args[input] = xVals[k][(xRows ? i : 0) * vecs + j];
        }
        args.back() = accs[i * vecs + j];
        result.push_back(applyStep(body, args));
      }
    }
    return result;
  }

  unsigned d = p.red[level];
  SmallVector<OpFoldResult> nextX(offX);
  auto advance = [&](OpFoldResult iv, OpFoldResult &nextA,
                     OpFoldResult &nextB) {
    for (auto [k, x] : llvm::enumerate(extras))
      nextX[k] =
          x.dependsOn(d) ? im.add(offX[k], im.mul(x.coef[d], iv)) : offX[k];
    nextA = offA;
    if (a && a->dependsOn(d))
      nextA = im.add(offA, im.mul(a->coef[d], iv));
    nextB = offB;
    if (p.bMode == BMode::Packed)
      nextB =
          im.add(offB, im.mul(im.constant(redStride[d] * p.nv * lanes), iv));
    else if (bAcc->dependsOn(d))
      nextB = im.add(offB, im.mul(bAcc->coef[d], iv));
  };
  std::optional<int64_t> extent = staticValue(ext[d]);
  // A width-bounded dim runs exactly to its run-time bound: never skipped
  // for an extent of 1 (the bound may be 0) nor unrolled.
  bool bounded = static_cast<bool>(bound[d]);
  if (extent && *extent == 1 && !bounded)
    return reduce(level + 1, offA, offB, offX, accs, rows, vecs, count);
  // smmla's pair dim advances two words per step.
  int64_t step = static_cast<int64_t>(d) == pairDim ? 2 : 1;
  // A gathered operand that walks the innermost reduction dim contiguously
  // (the row sums and maxima of a softmax or a norm: n runs across rows):
  // blocks of `lanes` steps load one contiguous vector per lane and
  // transpose them in registers, a few shuffles per vector instead of one
  // scalar load and insert per element. The steps still run in order.
  if (SmallVector<Value> blocked =
          pairDim < 0 ? transposedReduce(level, offA, offB, offX, accs, rows,
                                         vecs, count)
                      : SmallVector<Value>();
      !blocked.empty())
    return blocked;
  // Short windows (3x3, 5x5 kernels) are unrolled: their offsets become
  // constants folded into the addressing.
  // Not when a step is big (gathered B vectors are a dozen instructions
  // each): LLVM's code generation slows down badly on huge blocks.
  int64_t unrolled = 1;
  for (unsigned l = level + 1; l < p.red.size(); ++l)
    if (std::optional<int64_t> e = staticValue(ext[p.red[l]]);
        e && *e <= 7 && !bound[p.red[l]])
      unrolled *= *e;
  auto gatheredAccess = [&](const FlatAccess &x) {
    std::optional<int64_t> s = staticValue(x.coef[p.nDim]);
    return !s || (*s != 1 && *s != 2);
  };
  bool gathered = (p.bMode == BMode::Strided && gatheredAccess(*bAcc)) ||
                  llvm::any_of(extras, gatheredAccess);
  if (extent && *extent <= 7 && unrolled * *extent <= 64 && !gathered &&
      !bounded) {
    SmallVector<Value> cur(accs);
    for (int64_t v = 0; v < *extent; v += step) {
      OpFoldResult nextA, nextB;
      advance(im.constant(v), nextA, nextB);
      cur = reduce(level + 1, nextA, nextB, nextX, cur, rows, vecs, count);
    }
    return cur;
  }
  auto forOp =
      scf::ForOp::create(b, loc, im.value(im.constant(0)), im.value(limit(d)),
                         im.value(im.constant(step)), accs);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    OpFoldResult nextA, nextB;
    advance(forOp.getInductionVar(), nextA, nextB);
    SmallVector<Value> inner =
        reduce(level + 1, nextA, nextB, nextX, forOp.getRegionIterArgs(), rows,
               vecs, count);
    scf::YieldOp::create(b, loc, inner);
  }
  return SmallVector<Value>(forOp.getResults());
}

SmallVector<Value> ContractionEmitter::transposedSteps(const FlatAccess &x,
                                                       OpFoldResult index,
                                                       Tail count) {
  auto vecType = VectorType::get(
      {lanes}, cast<MemRefType>(x.flat.getType()).getElementType());
  // Row l holds the lanes steps of lane l; lanes past a partial vector's
  // count re-read the last valid lane (their results are never stored).
  SmallVector<Value> rows;
  for (int64_t l = 0; l < lanes; ++l) {
    OpFoldResult lane = im.constant(l);
    if (count) {
      Value last = arith::SubIOp::create(b, loc, im.value(*count),
                                         im.value(im.constant(1)));
      lane = arith::MinUIOp::create(b, loc, im.value(lane), last).getResult();
    }
    OpFoldResult at = im.add(index, im.mul(x.coef[p.nDim], lane));
    rows.push_back(vector::LoadOp::create(b, loc, vecType, x.flat,
                                          ValueRange{im.value(at)}));
  }
  // Swap bit `bit` of the row and the column index, for each bit: after all
  // rounds element (l, t) sits at (t, l).
  for (int64_t bit = lanes / 2; bit >= 1; bit /= 2) {
    SmallVector<int64_t> lowMask, highMask;
    for (int64_t q = 0; q < lanes; ++q) {
      lowMask.push_back(q & bit ? lanes + q - bit : q);
      highMask.push_back(q & bit ? lanes + q : q + bit);
    }
    for (int64_t i = 0; i < lanes; ++i) {
      if (i & bit)
        continue;
      Value lo = rows[i], hi = rows[i + bit];
      rows[i] = vector::ShuffleOp::create(b, loc, lo, hi, lowMask);
      rows[i + bit] = vector::ShuffleOp::create(b, loc, lo, hi, highMask);
    }
  }
  return rows;
}

SmallVector<Value> ContractionEmitter::transposedReduce(
    unsigned level, OpFoldResult offA, OpFoldResult offB,
    ArrayRef<OpFoldResult> offX, ValueRange accs, int64_t rows, int64_t vecs,
    Tail count) {
  unsigned d = p.red[level];
  if (level + 1 != p.red.size() || !bAcc || p.bMode == BMode::Packed ||
      !llvm::isPowerOf2_64(lanes) || lanes < 4)
    return {};
  std::optional<int64_t> extent = staticValue(ext[d]);
  if (extent && *extent < lanes)
    return {};
  auto unitAlongD = [&](const FlatAccess &x) {
    std::optional<int64_t> s = staticValue(x.coef[d]);
    return s && *s == 1;
  };
  // Gathered along n (a static stride other than 1 and 2) and contiguous
  // along d: transposed. Not depending on d: loaded per step as usual.
  auto transposable = [&](const FlatAccess &x) {
    std::optional<int64_t> s = staticValue(x.coef[p.nDim]);
    return x.dependsOn(p.nDim) && s && *s != 1 && *s != 2 && unitAlongD(x) &&
           !(p.mDim >= 0 && x.dependsOn(p.mDim) && rows > 1);
  };
  if (!transposable(*bAcc))
    return {};
  for (const FlatAccess &x : extras)
    if (x.dependsOn(d) && !transposable(x))
      return {};

  Value step = im.value(im.constant(lanes));
  // The choice above is the full extent's (the same kernel at full width);
  // the steps stop at the bound.
  Value extentV = im.value(limit(d));
  Value full = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, extentV, step), step);
  auto forOp =
      scf::ForOp::create(b, loc, im.value(im.constant(0)), full, step, accs);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    Value k0 = forOp.getInductionVar();
    // Per vector of the tile: lanes transposed steps of B and of each extra.
    SmallVector<SmallVector<Value>> bBlocks;
    for (int64_t j = 0; j < vecs; ++j)
      bBlocks.push_back(transposedSteps(
          *bAcc,
          im.add(
              im.add(offB, im.mul(bAcc->coef[p.nDim], im.constant(j * lanes))),
              k0),
          vectorCount(count, j)));
    SmallVector<SmallVector<SmallVector<Value>>> xBlocks(extras.size());
    for (auto [k, x] : llvm::enumerate(extras)) {
      if (!x.dependsOn(d))
        continue;
      for (int64_t j = 0; j < vecs; ++j)
        xBlocks[k].push_back(transposedSteps(
            x,
            im.add(
                im.add(offX[k], im.mul(x.coef[p.nDim], im.constant(j * lanes))),
                k0),
            vectorCount(count, j)));
    }
    SmallVector<Value> cur(forOp.getRegionIterArgs());
    for (int64_t t = 0; t < lanes; ++t) {
      OpFoldResult iv = im.add(k0, im.constant(t));
      bGiven.clear();
      for (int64_t j = 0; j < vecs; ++j)
        bGiven.push_back(bBlocks[j][t]);
      xGiven.assign(extras.size(), {});
      SmallVector<OpFoldResult> nextX(offX);
      for (auto [k, x] : llvm::enumerate(extras)) {
        if (!x.dependsOn(d))
          continue;
        for (int64_t j = 0; j < vecs; ++j)
          xGiven[k].push_back(xBlocks[k][j][t]);
      }
      OpFoldResult nextA =
          a && a->dependsOn(d) ? im.add(offA, im.mul(a->coef[d], iv)) : offA;
      cur = reduce(level + 1, nextA, offB, nextX, cur, rows, vecs, count);
    }
    bGiven.clear();
    xGiven.clear();
    scf::YieldOp::create(b, loc, cur);
  }
  // The remaining steps one by one, gathered.
  auto rest = scf::ForOp::create(b, loc, full, extentV,
                                 im.value(im.constant(1)), forOp.getResults());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(rest.getBody());
    Value iv = rest.getInductionVar();
    SmallVector<OpFoldResult> nextX(offX);
    for (auto [k, x] : llvm::enumerate(extras))
      if (x.dependsOn(d))
        nextX[k] = im.add(offX[k], im.mul(x.coef[d], iv));
    OpFoldResult nextA =
        a && a->dependsOn(d) ? im.add(offA, im.mul(a->coef[d], iv)) : offA;
    OpFoldResult nextB = im.add(offB, im.mul(bAcc->coef[d], iv));
    SmallVector<Value> inner =
        reduce(level + 1, nextA, nextB, nextX, rest.getRegionIterArgs(), rows,
               vecs, count);
    scf::YieldOp::create(b, loc, inner);
  }
  return SmallVector<Value>(rest.getResults());
}

LogicalResult mica::cpu::emitContraction(Plan &plan, const TargetShape &target,
                                         OpBuilder &b, SymbolTable &symbols) {
  return ContractionEmitter(plan, target, b, symbols).run();
}
