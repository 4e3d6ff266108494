//===- ContractionEmitter.cpp - Emitting a planned contraction kernel -----===//
//
// See ContractionPlan.h: scf loops over vector ops for a Plan, with the
// register tile, packed constants, fused initialisation and epilogue, and
// the outermost loop handed to the runtime's threads when there is enough
// work.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/CodegenUtils.h"
#include "targets/cpu/transforms/ContractionPlan.h"
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
/// How far ahead of a packed weight stream the kernels prefetch.
constexpr int64_t kPrefetchBytes = 2048;

//===----------------------------------------------------------------------===//
// Emission
//===----------------------------------------------------------------------===//

class Emitter {
public:
  Emitter(Plan &p, const TargetShape &target, OpBuilder &b,
          SymbolTable &symbols)
      : p(p), target(target), lanes(p.lanes), b(b), loc(p.op.getLoc()),
        im(b, loc), symbols(symbols) {}
  LogicalResult run();

private:
  using Tail = std::optional<OpFoldResult>;
  void loop(OpFoldResult lb, OpFoldResult ub, int64_t step,
            function_ref<void(OpFoldResult)> body);
  void overN(function_ref<void(OpFoldResult, int64_t, Tail)> body);
  void overM(function_ref<void(OpFoldResult, int64_t)> body);
  void tiles(ArrayRef<OpFoldResult> ivs, OpFoldResult m0, int64_t rows);
  void tile(ArrayRef<OpFoldResult> ivs, OpFoldResult m0, int64_t rows,
            OpFoldResult n0, int64_t vecs, Tail count);
  OpFoldResult origin(const FlatAccess &x, ArrayRef<OpFoldResult> ivs,
                      OpFoldResult m0, OpFoldResult n0);
  OpFoldResult rowOffset(const FlatAccess &x, int64_t row) {
    return p.mDim >= 0 && x.dependsOn(p.mDim)
               ? im.mul(x.coef[p.mDim], im.constant(row))
               : im.constant(0);
  }
  Tail vectorCount(Tail count, int64_t j) {
    if (!count)
      return std::nullopt;
    return im.sub(*count, im.constant(j * lanes));
  }
  /// A vector of `x` at `index` (its position for lane 0) along n.
  Value loadAlongN(const FlatAccess &x, OpFoldResult index, Tail count);
  SmallVector<Value> reduce(unsigned level, OpFoldResult offA,
                            OpFoldResult offB, ArrayRef<OpFoldResult> offX,
                            ValueRange accs, int64_t rows, int64_t vecs,
                            Tail count);
  /// `lanes` vectors of `x` along n for reduction steps k0 .. k0 + lanes - 1
  /// of the innermost reduction dim, which `x` walks with unit stride: one
  /// contiguous load per lane, transposed in registers.
  SmallVector<Value> transposedSteps(const FlatAccess &x, OpFoldResult index,
                                     Tail count);
  /// reduce() for the innermost reduction dim in blocks of transposed
  /// steps; empty when the operands do not allow it.
  SmallVector<Value> transposedReduce(unsigned level, OpFoldResult offA,
                                      OpFoldResult offB,
                                      ArrayRef<OpFoldResult> offX,
                                      ValueRange accs, int64_t rows,
                                      int64_t vecs, Tail count);
  /// One reduction step of an smmla contraction (pairDim): two words of
  /// the pair dim per operand, 2x2 accumulator blocks (tile() interleaves
  /// the rows in pairs around the reduction).
  SmallVector<Value> pairedStep(OpFoldResult offA, OpFoldResult offB,
                                ValueRange accs, int64_t rows, int64_t vecs,
                                Tail count);
  /// The reduction dim whose word pairs feed arm64 smmla, when the op asks
  /// for it (kDotPairAttr) and this plan's tile allows it; -1 otherwise.
  int64_t pairedDim();
  /// Rows (i, i+1) of every vector j as smmla's 2x2 blocks: [r0 c0, r0 c1,
  /// r1 c0, r1 c1] and [r0 c2, r0 c3, r1 c2, r1 c3]; applied twice it gives
  /// back the rows.
  void swapPairLayout(SmallVector<Value> &accs, int64_t rows, int64_t vecs);
  /// One reduction step's new accumulator: the op's body on vectors, or
  /// for a dot-product contraction (kDot4Attr) the target's instruction
  /// where it has one for this width.
  Value applyStep(Block &body, ArrayRef<Value> args);
  LogicalResult packB();
  LogicalResult packA();
  /// The constant `operand` packed into panels of `width` along loop dim
  /// `dim` (extent `count`): panel t holds, for every flattened reduction
  /// index, the values at t*width .. t*width+width along `dim`, zero past
  /// `count`; sets redStride and kFlat. Null when the operand is not a
  /// constant with a static access.
  Value packPanels(OpOperand *operand, unsigned dim, int64_t count,
                   int64_t width, StringRef suffix);
  /// A new private constant global holding `data`, and its get_global.
  Value packedConstant(memref::GlobalOp like, StringRef suffix,
                       ArrayRef<char> data);
  OpFoldResult aRowOffset(int64_t row) {
    return p.aPacked ? im.constant(row) : rowOffset(*a, row);
  }
  /// Whether consecutive rows of A are consecutive elements.
  bool rowsAdjacent() {
    if (p.aPacked)
      return true;
    std::optional<int64_t> stride = staticValue(a->coef[p.mDim]);
    return stride && *stride == 1;
  }
  /// Whether the step is arm64's sdot, which has a by-element form.
  bool byElementDot() {
    auto dot = p.op->getAttrOfType<StringAttr>(kDot4Attr);
    return dot && isArmDot(dot.getValue()) && lanes == 4;
  }
  static bool isArmDot(StringRef dot) {
    return dot == "arm-sdot" || dot == "arm-smmla";
  }

  Plan &p;
  const TargetShape &target;
  int64_t lanes;
  OpBuilder &b;
  Location loc;
  IndexMath im;
  SymbolTable &symbols;
  // The first loop emitted (the outermost) becomes an scf.parallel.
  bool parallel = false;
  SmallVector<OpFoldResult> ext;
  std::optional<FlatAccess> a, bAcc, c, init, out;
  SmallVector<FlatAccess> extras; // per Plan::extraInputs
  // Vectors of a reduction step already loaded (by transposeGathered): B's
  // per vector of the tile, each extra's (empty: load as usual).
  SmallVector<Value> bGiven;
  SmallVector<SmallVector<Value>> xGiven;
  SmallVector<SmallVector<std::optional<FlatAccess>>> epi;
  // Packed B: panels [N/NR][kFlat][NR]; packed A: blocks [M/MR][kFlat][MR].
  Value packed;
  // Per loop dim: its stride in the flattened reduction index (reduction
  // dims only); kFlat reduction indices in all.
  SmallVector<int64_t> redStride;
  int64_t kFlat = 1;
  // smmla: the reduction dim taken two words at a time (-1: none), and the
  // tile's last real row (a duplicate of it pads an odd row count when A is
  // not packed).
  int64_t pairDim = -1;
  int64_t lastRow = 0;
};

Value Emitter::loadAlongN(const FlatAccess &x, OpFoldResult index, Tail count) {
  if (!x.dependsOn(p.nDim)) {
    Value s = memref::LoadOp::create(b, loc, x.flat, im.value(index));
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, s.getType()), s);
  }
  return loadStrided(b, loc, x.flat, index, x.coef[p.nDim], lanes, count);
}

void Emitter::loop(OpFoldResult lb, OpFoldResult ub, int64_t step,
                   function_ref<void(OpFoldResult)> body) {
  emitLoop(b, loc, lb, ub, step, parallel, body);
}

OpFoldResult Emitter::origin(const FlatAccess &x, ArrayRef<OpFoldResult> ivs,
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

LogicalResult Emitter::packB() {
  // Panels of NR = nv * lanes columns: panel t holds, for every reduction
  // index k, the NR values B[k, t*NR .. t*NR+NR), zero past N.
  int64_t nr = p.nv * lanes;
  packed = packPanels(p.op.getDpsInputOperand(p.bInput), p.nDim, p.nExtent, nr,
                      ("_panels" + Twine(nr)).str());
  return success(packed != nullptr);
}

Value Emitter::packPanels(OpOperand *operand, unsigned dim, int64_t count,
                          int64_t width, StringRef suffix) {
  auto getGlobal =
      rootBuffer(operand->get()).getDefiningOp<memref::GetGlobalOp>();
  auto global = symbols.lookup<memref::GlobalOp>(getGlobal.getName());
  std::optional<std::vector<char>> data = readConstant(global);
  std::optional<AccessPattern> pattern =
      analyzeAccess(cast<MemRefType>(operand->get().getType()),
                    p.op.getMatchingIndexingMap(operand));
  if (!data || !pattern || !pattern->offset)
    return Value();
  Type element = global.getType().getElementType();
  int64_t bytes = element.getIntOrFloatBitWidth() / 8;
  int64_t size = static_cast<int64_t>(data->size()) / bytes;
  // The reduction dims flattened row-major in loop order, smmla's pair dim
  // innermost: a panel holds for each pair of its words 2 * width values,
  // [i0 k0, i0 k1, i1 k0, i1 k1, i2 k0, ...], an smmla operand per 16
  // bytes.
  SmallVector<unsigned> order;
  for (unsigned d : p.red)
    if (static_cast<int64_t>(d) != pairDim)
      order.push_back(d);
  if (pairDim >= 0)
    order.push_back(pairDim);
  redStride.assign(p.numLoops, 0);
  kFlat = 1;
  for (unsigned d : llvm::reverse(order)) {
    redStride[d] = kFlat;
    kFlat *= p.extents[d];
  }
  int64_t panels = (count + width - 1) / width;
  std::vector<char> panel(panels * kFlat * width * bytes, 0);
  for (int64_t kk = 0; kk < kFlat; ++kk) {
    int64_t rem = kk, base = *pattern->offset;
    for (unsigned d : llvm::reverse(order)) {
      int64_t idx = rem % p.extents[d];
      rem /= p.extents[d];
      if (pattern->dependsOn(d))
        base += *pattern->coef[d] * idx;
    }
    for (int64_t i = 0; i < count; ++i) {
      int64_t src = base + *pattern->coef[dim] * i;
      if (src < 0 || src >= size)
        return Value();
      int64_t in = i % width;
      int64_t dst = (i / width) * kFlat * width +
                    (pairDim < 0 ? kk * width + in
                                 : (kk / 2) * 2 * width + (in / 2) * 4 +
                                       (in % 2) * 2 + kk % 2);
      std::memcpy(&panel[dst * bytes], &(*data)[src * bytes], bytes);
    }
  }
  return packedConstant(global, suffix, panel);
}

Value Emitter::packedConstant(memref::GlobalOp like, StringRef suffix,
                              ArrayRef<char> data) {
  Type element = like.getType().getElementType();
  int64_t count = data.size() / (element.getIntOrFloatBitWidth() / 8);
  return createConstantGlobal(b, loc, symbols, like, suffix,
                              MemRefType::get({count}, element), data);
}

LogicalResult Emitter::packA() {
  // Blocks of MR rows: block t holds, for every reduction index k, A[t*MR ..
  // t*MR+MR), k], zero past M. A tile's step then reads MR adjacent scalars.
  int64_t mr = p.mr;
  Value flat = packPanels(p.op.getDpsInputOperand(p.aInput), p.mDim,
                          p.extents[p.mDim], mr, ("_rows" + Twine(mr)).str());
  if (!flat)
    return failure();
  FlatAccess access;
  access.flat = flat;
  access.base = im.constant(0);
  access.coef.assign(p.numLoops, im.constant(0));
  access.depends.assign(p.numLoops, false);
  // Row blocks start at multiples of MR: block m0 / MR begins at m0 * K.
  access.coef[p.mDim] = im.constant(kFlat);
  access.depends[p.mDim] = true;
  for (unsigned d : p.red) {
    access.coef[d] = im.constant(redStride[d] * mr);
    access.depends[d] = p.extents[d] > 1;
  }
  a = access;
  return success();
}

LogicalResult Emitter::run() {
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
  parallel = work >= kParallelWork;
  // Extents.
  SmallVector<Range> ranges = op.createLoopRanges(b, loc);
  for (unsigned d = 0; d < p.numLoops; ++d)
    ext.push_back(ShapedType::isDynamic(p.extents[d])
                      ? ranges[d].size
                      : b.getIndexAttr(p.extents[d]));
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
        loop(im.constant(0), ext[d], 1, [&](OpFoldResult iv) {
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

void Emitter::overN(function_ref<void(OpFoldResult, int64_t, Tail)> body) {
  int64_t nr = p.nv * lanes;
  OpFoldResult n = ext[p.nDim];
  if (std::optional<int64_t> sn = staticValue(n)) {
    int64_t full = *sn / nr * nr, rem = *sn % nr;
    loop(im.constant(0), im.constant(full), nr,
         [&](OpFoldResult n0) { body(n0, p.nv, std::nullopt); });
    if (rem)
      body(im.constant(full), (rem + lanes - 1) / lanes, im.constant(rem));
    return;
  }
  Value nv = im.value(n);
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

void Emitter::overM(function_ref<void(OpFoldResult, int64_t)> body) {
  OpFoldResult m = p.mDim >= 0 ? ext[p.mDim] : im.constant(1);
  if (std::optional<int64_t> sm = staticValue(m)) {
    int64_t full = *sm / p.mr * p.mr, rem = *sm % p.mr;
    loop(im.constant(0), im.constant(full), p.mr,
         [&](OpFoldResult m0) { body(m0, p.mr); });
    if (rem)
      body(im.constant(full), rem);
    return;
  }
  Value mv = im.value(m);
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

void Emitter::tiles(ArrayRef<OpFoldResult> ivs, OpFoldResult m0, int64_t rows) {
  SmallVector<OpFoldResult> ivCopy(ivs);
  if (p.mOuter) {
    overN([&](OpFoldResult n0, int64_t vecs, Tail count) {
      tile(ivCopy, m0, rows, n0, vecs, count);
    });
    return;
  }
  overN([&](OpFoldResult n0, int64_t vecs, Tail count) {
    overM([&](OpFoldResult mm, int64_t r) {
      tile(ivCopy, mm, r, n0, vecs, count);
    });
  });
}

void Emitter::tile(ArrayRef<OpFoldResult> ivs, OpFoldResult m0, int64_t rows,
                   OpFoldResult n0, int64_t vecs, Tail count) {
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

SmallVector<Value> Emitter::reduce(unsigned level, OpFoldResult offA,
                                   OpFoldResult offB,
                                   ArrayRef<OpFoldResult> offX, ValueRange accs,
                                   int64_t rows, int64_t vecs, Tail count) {
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
  if (extent && *extent == 1)
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
    if (std::optional<int64_t> e = staticValue(ext[p.red[l]]); e && *e <= 7)
      unrolled *= *e;
  auto gatheredAccess = [&](const FlatAccess &x) {
    std::optional<int64_t> s = staticValue(x.coef[p.nDim]);
    return !s || (*s != 1 && *s != 2);
  };
  bool gathered = (p.bMode == BMode::Strided && gatheredAccess(*bAcc)) ||
                  llvm::any_of(extras, gatheredAccess);
  if (extent && *extent <= 7 && unrolled * *extent <= 64 && !gathered) {
    SmallVector<Value> cur(accs);
    for (int64_t v = 0; v < *extent; v += step) {
      OpFoldResult nextA, nextB;
      advance(im.constant(v), nextA, nextB);
      cur = reduce(level + 1, nextA, nextB, nextX, cur, rows, vecs, count);
    }
    return cur;
  }
  auto forOp =
      scf::ForOp::create(b, loc, im.value(im.constant(0)), im.value(ext[d]),
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

Value Emitter::applyStep(Block &body, ArrayRef<Value> args) {
  auto dot = p.op->getAttrOfType<StringAttr>(kDot4Attr);
  bool x86Width = lanes == 16 || lanes == 8 || lanes == 4;
  if (!dot || !((dot.getValue() == "x86-vnni" && x86Width) ||
                (dot.getValue() == "x86-pmaddwd" && x86Width) ||
                (isArmDot(dot.getValue()) && lanes == 4)))
    return vectorizeBody(b, loc, body, args, lanes)[0];
  // Operands: the accumulator, X's words (unsigned bytes on x86), W's words.
  Value acc = args.back(), x = args[0], w = args[1];
  auto call = [&](StringRef name, ValueRange operands) -> Value {
    return LLVM::CallIntrinsicOp::create(b, loc, acc.getType(),
                                         b.getStringAttr(name), operands)
        .getResult(0);
  };
  if (dot.getValue() != "x86-pmaddwd") {
    auto bytes = VectorType::get({4 * lanes}, b.getI8Type());
    Value xb = vector::BitCastOp::create(b, loc, bytes, x);
    Value wb = vector::BitCastOp::create(b, loc, bytes, w);
    // A's value (one word per row, in every lane) last: the operand the
    // by-element form takes a lane of. Signed times signed commutes.
    if (isArmDot(dot.getValue())) {
      SmallVector<Value> operands{acc, xb, wb};
      if (p.aInput == 0)
        std::swap(operands[1], operands[2]);
      return call("llvm.aarch64.neon.sdot.v4i32.v16i8", operands);
    }
    return call("llvm.x86.avx512.vpdpbusd." + std::to_string(lanes * 32),
                {acc, xb, wb});
  }
  // Without VNNI: pmaddwd multiplies 16-bit pairs and adds each pair into
  // a 32-bit lane, exactly (vpmaddubsw would saturate its 16-bit sums).
  // Bytes 0 and 2 of each word, then bytes 1 and 3, widened in place to
  // 16 bits: X's zero-extended by masking, W's sign-extended by shifts.
  auto halves = VectorType::get({2 * lanes}, b.getI16Type());
  auto splat32 = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(cast<VectorType>(x.getType()),
                               b.getI32IntegerAttr(static_cast<int32_t>(v))));
  };
  auto splat16 = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(halves, b.getI16IntegerAttr(v)));
  };
  Value mask = splat32(0x00FF00FF);
  Value xEven = vector::BitCastOp::create(
      b, loc, halves, arith::AndIOp::create(b, loc, x, mask));
  Value xOdd = vector::BitCastOp::create(
      b, loc, halves,
      arith::AndIOp::create(
          b, loc, arith::ShRUIOp::create(b, loc, x, splat32(8)), mask));
  Value w16 = vector::BitCastOp::create(b, loc, halves, w);
  Value eight = splat16(8);
  Value wEven = arith::ShRSIOp::create(
      b, loc, arith::ShLIOp::create(b, loc, w16, eight), eight);
  Value wOdd = arith::ShRSIOp::create(b, loc, w16, eight);
  std::string name = lanes == 16  ? "llvm.x86.avx512.pmaddw.d.512"
                     : lanes == 8 ? "llvm.x86.avx2.pmadd.wd"
                                  : "llvm.x86.sse2.pmadd.wd";
  Value sum = arith::AddIOp::create(b, loc, call(name, {xEven, wEven}),
                                    call(name, {xOdd, wOdd}));
  return arith::AddIOp::create(b, loc, acc, sum);
}

int64_t Emitter::pairedDim() {
  auto dim = p.op->getAttrOfType<IntegerAttr>(kDotPairAttr);
  // One row per tile (a matrix-vector product) would leave half of each
  // smmla's products unused: sdot does as much per instruction without the
  // shuffles.
  if (!dim || lanes != 4 || p.aInput < 0 || p.mDim < 0 || p.mr < 2 ||
      p.extents[p.mDim] == 1 || !p.extraInputs.empty() ||
      (p.aPacked && p.mr % 2))
    return -1;
  int64_t g = dim.getInt();
  if (g < 0 || g >= static_cast<int64_t>(p.numLoops) ||
      !llvm::is_contained(p.red, static_cast<unsigned>(g)) ||
      ShapedType::isDynamic(p.extents[g]) || p.extents[g] % 2)
    return -1;
  // A is read per row (smmla's two rows), B along n only.
  AffineMap aMap = p.op.getMatchingIndexingMap(
      p.op.getDpsInputOperand(static_cast<unsigned>(p.aInput)));
  AffineMap bMap = p.op.getMatchingIndexingMap(
      p.op.getDpsInputOperand(static_cast<unsigned>(p.bInput)));
  if (!aMap.isFunctionOfDim(p.mDim) || bMap.isFunctionOfDim(p.mDim))
    return -1;
  return g;
}

void Emitter::swapPairLayout(SmallVector<Value> &accs, int64_t rows,
                             int64_t vecs) {
  for (int64_t i = 0; i + 1 < rows; i += 2) {
    for (int64_t j = 0; j < vecs; ++j) {
      Value &x = accs[i * vecs + j], &y = accs[(i + 1) * vecs + j];
      Value lo = vector::ShuffleOp::create(b, loc, x, y,
                                           ArrayRef<int64_t>{0, 1, 4, 5});
      Value hi = vector::ShuffleOp::create(b, loc, x, y,
                                           ArrayRef<int64_t>{2, 3, 6, 7});
      x = lo;
      y = hi;
    }
  }
}

SmallVector<Value> Emitter::pairedStep(OpFoldResult offA, OpFoldResult offB,
                                       ValueRange accs, int64_t rows,
                                       int64_t vecs, Tail count) {
  Type i32 = b.getI32Type();
  auto words = VectorType::get({4}, i32);
  auto pair = VectorType::get({2}, i32);
  auto bytes = VectorType::get({16}, b.getI8Type());
  // Rows (i, i+1): [r0 k, r0 k+1, r1 k, r1 k+1], smmla's first operand.
  SmallVector<Value> rowPairs;
  for (int64_t i = 0; i < rows; i += 2) {
    if (p.aPacked) {
      rowPairs.push_back(vector::LoadOp::create(
          b, loc, words, a->flat,
          ValueRange{im.value(im.add(offA, im.constant(2 * i)))}));
      continue;
    }
    auto twoWords = [&](int64_t row) -> Value {
      OpFoldResult at = im.add(offA, rowOffset(*a, std::min(row, lastRow)));
      std::optional<int64_t> step = staticValue(a->coef[pairDim]);
      if (step && *step == 1)
        return vector::LoadOp::create(b, loc, pair, a->flat,
                                      ValueRange{im.value(at)});
      Value k0 = memref::LoadOp::create(b, loc, a->flat, im.value(at));
      Value k1 = memref::LoadOp::create(b, loc, a->flat,
                                        im.value(im.add(at, a->coef[pairDim])));
      return vector::FromElementsOp::create(b, loc, pair, ValueRange{k0, k1});
    };
    rowPairs.push_back(vector::ShuffleOp::create(
        b, loc, twoWords(i), twoWords(i + 1), ArrayRef<int64_t>{0, 1, 2, 3}));
  }
  // Columns (c, c+1) of vector j likewise, smmla's second operand: two per
  // vector.
  SmallVector<Value> colPairs;
  for (int64_t j = 0; j < vecs; ++j) {
    if (p.bMode == BMode::Packed) {
      for (int64_t h = 0; h < 2; ++h)
        colPairs.push_back(vector::LoadOp::create(
            b, loc, words, packed,
            ValueRange{im.value(im.add(offB, im.constant(8 * j + 4 * h)))}));
      continue;
    }
    OpFoldResult at =
        im.add(offB, im.mul(bAcc->coef[p.nDim], im.constant(j * lanes)));
    Tail cnt = vectorCount(count, j);
    Value k0 =
        loadStrided(b, loc, bAcc->flat, at, bAcc->coef[p.nDim], lanes, cnt);
    Value k1 = loadStrided(b, loc, bAcc->flat, im.add(at, bAcc->coef[pairDim]),
                           bAcc->coef[p.nDim], lanes, cnt);
    colPairs.push_back(vector::ShuffleOp::create(
        b, loc, k0, k1, ArrayRef<int64_t>{0, 4, 1, 5}));
    colPairs.push_back(vector::ShuffleOp::create(
        b, loc, k0, k1, ArrayRef<int64_t>{2, 6, 3, 7}));
  }
  SmallVector<Value> result(accs);
  for (int64_t i = 0; i < rows; i += 2) {
    Value rowBytes = vector::BitCastOp::create(b, loc, bytes, rowPairs[i / 2]);
    for (int64_t j = 0; j < vecs; ++j) {
      for (int64_t h = 0; h < 2; ++h) {
        Value &acc = result[(i + h) * vecs + j];
        Value colBytes =
            vector::BitCastOp::create(b, loc, bytes, colPairs[2 * j + h]);
        acc = LLVM::CallIntrinsicOp::create(
                  b, loc, acc.getType(),
                  b.getStringAttr("llvm.aarch64.neon.smmla.v4i32.v16i8"),
                  ValueRange{acc, rowBytes, colBytes})
                  .getResult(0);
      }
    }
  }
  return result;
}

SmallVector<Value> Emitter::transposedSteps(const FlatAccess &x,
                                            OpFoldResult index, Tail count) {
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

SmallVector<Value> Emitter::transposedReduce(unsigned level, OpFoldResult offA,
                                             OpFoldResult offB,
                                             ArrayRef<OpFoldResult> offX,
                                             ValueRange accs, int64_t rows,
                                             int64_t vecs, Tail count) {
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
  Value extentV = im.value(ext[d]);
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

} // namespace

LogicalResult mica::cpu::emitContraction(Plan &plan, const TargetShape &target,
                                         OpBuilder &b, SymbolTable &symbols) {
  return Emitter(plan, target, b, symbols).run();
}
