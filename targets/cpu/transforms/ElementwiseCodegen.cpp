//===- ElementwiseCodegen.cpp - Vectorised all-parallel linalg ops --------===//
//
// See Passes.td (mica-cpu-elementwise-codegen). The output's innermost
// dimension (merged with the dims outside it while every operand walks them
// contiguously) is vectorised, UNROLL vectors per iteration and a masked
// tail; every other dim is a plain loop. Each lane evaluates the op's own
// body on its element, so values equal the scalar loops'.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/CodegenUtils.h"
#include "targets/cpu/transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mica {
#define GEN_PASS_DEF_CPUELEMENTWISECODEGEN
#include "targets/cpu/transforms/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::cpu;

namespace {

constexpr int64_t kUnroll = 4;
/// Elements from which the outermost loop runs on the context's threads
/// (low for the data's sake: see kParallelWork in ContractionPlan.h).
constexpr int64_t kParallelElements = 1 << 13;

struct ElementwisePlan {
  linalg::LinalgOp op;
  int64_t lanes = 8;
  SmallVector<int64_t> extents;
  unsigned nDim = 0;
  SmallVector<unsigned> merged, outer;
};

/// f32, and the integers of the quantised path (i8 activations, i32
/// accumulators).
bool isSupportedElement(Type type) {
  return type.isF32() || type.isInteger(32) || type.isInteger(8);
}

std::optional<ElementwisePlan> analyze(linalg::LinalgOp op, int64_t lanes,
                                       ByteTable tables) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumLoops() == 0 || op.getNumLoops() != op.getNumParallelLoops() ||
      !isVectorizableBody(*op.getBlock(), tables))
    return std::nullopt;
  ElementwisePlan p;
  p.op = op;
  // A byte-table lookup and nothing else (graph.table): as many bytes per
  // step as the lookup instruction takes, where others compute on 32-bit
  // lanes.
  p.lanes = tables != ByteTable::None && isByteTableBody(*op.getBlock())
                ? std::max(lanes, byteTableLanes(tables))
                : lanes;
  p.extents = op.getStaticLoopRanges();
  OpOperand *init = op.getDpsInitOperand(0);
  auto outType = dyn_cast<MemRefType>(init->get().getType());
  if (!outType || !isSupportedElement(outType.getElementType()))
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(init);
  if (!outMap.isPermutation())
    return std::nullopt;
  // The innermost dim longer than 1 is vectorised.
  int64_t nPos = outMap.getNumResults() - 1;
  while (nPos > 0 &&
         p.extents[cast<AffineDimExpr>(outMap.getResult(nPos)).getPosition()] ==
             1)
    --nPos;
  p.nDim = cast<AffineDimExpr>(outMap.getResult(nPos)).getPosition();
  SmallVector<AccessPattern> patterns;
  std::optional<AccessPattern> outPattern = analyzeAccess(outType, outMap);
  if (!outPattern || !outPattern->hasCoef(p.nDim, 1))
    return std::nullopt;
  patterns.push_back(*outPattern);
  Value outRoot = rootBuffer(init->get());
  for (OpOperand *in : op.getDpsInputOperands()) {
    auto type = dyn_cast<MemRefType>(in->get().getType());
    if (!type) {
      if (!op.getMatchingBlockArgument(in).use_empty() &&
          !isa<FloatType, IntegerType>(in->get().getType()))
        return std::nullopt;
      continue; // a scalar operand: broadcast
    }
    if (!isSupportedElement(type.getElementType()))
      return std::nullopt;
    AffineMap map = op.getMatchingIndexingMap(in);
    std::optional<AccessPattern> pattern = analyzeAccess(type, map);
    if (!pattern)
      return std::nullopt;
    // Reading memory the op also writes is only safe element by element.
    if (rootBuffer(in->get()) == outRoot &&
        !(in->get() == init->get() && map == outMap))
      return std::nullopt;
    patterns.push_back(*pattern);
  }
  // Not worth it when the innermost dim is a single element (and a gather
  // along it would be no better than the scalar loop).
  bool anyContiguous = llvm::any_of(
      patterns, [&](const AccessPattern &x) { return x.hasCoef(p.nDim, 1); });
  if (p.extents[p.nDim] == 1 || !anyContiguous)
    return std::nullopt;

  // Merge the dims outside n while every operand is contiguous across them.
  SmallVector<std::optional<AccessPattern>> accesses(patterns.begin(),
                                                     patterns.end());
  mergeOuterDims(
      outMap, nPos, accesses, [](unsigned) { return false; }, p.extents,
      p.merged);
  for (unsigned d = 0; d < op.getNumLoops(); ++d)
    if (d != p.nDim && !llvm::is_contained(p.merged, d))
      p.outer.push_back(d);
  return p;
}

class Emitter {
public:
  Emitter(ElementwisePlan &p, ByteTable tables, OpBuilder &b)
      : p(p), lanes(p.lanes), tables(tables), b(b), loc(p.op.getLoc()),
        im(b, loc) {}

  void run() {
    linalg::LinalgOp op = p.op;
    b.setInsertionPoint(op);
    int64_t elements = 1;
    for (int64_t e : p.extents)
      elements = ShapedType::isDynamic(e) ? elements * 64 : elements * e;
    parallel = elements >= kParallelElements && !insideParallelLoop(op);
    SmallVector<Range> ranges = op.createLoopRanges(b, loc);
    for (unsigned d = 0; d < op.getNumLoops(); ++d)
      ext.push_back(ShapedType::isDynamic(p.extents[d])
                        ? ranges[d].size
                        : b.getIndexAttr(p.extents[d]));
    for (OpOperand &operand : op->getOpOperands()) {
      if (isa<MemRefType>(operand.get().getType()))
        accesses.push_back(buildFlatAccess(
            b, loc, operand.get(), op.getMatchingIndexingMap(&operand)));
      else
        accesses.push_back(std::nullopt);
    }
    SmallVector<OpFoldResult> ivs(op.getNumLoops(), b.getIndexAttr(0));
    std::function<void(unsigned)> nest = [&](unsigned level) {
      if (level == p.outer.size()) {
        inner(ivs);
        return;
      }
      unsigned d = p.outer[level];
      loop(im.constant(0), ext[d], 1, [&](OpFoldResult iv) {
        ivs[d] = iv;
        nest(level + 1);
      });
    };
    nest(0);
    op->erase();
  }

private:
  using Tail = std::optional<OpFoldResult>;

  void loop(OpFoldResult lb, OpFoldResult ub, int64_t step,
            function_ref<void(OpFoldResult)> body) {
    emitLoop(b, loc, lb, ub, step, parallel, body);
  }

  void inner(ArrayRef<OpFoldResult> ivs) {
    int64_t step = kUnroll * lanes;
    OpFoldResult n = ext[p.nDim];
    SmallVector<OpFoldResult> origins;
    for (auto &x : accesses) {
      if (!x) {
        origins.push_back(OpFoldResult());
        continue;
      }
      OpFoldResult off = x->base;
      for (unsigned d : p.outer)
        if (x->dependsOn(d))
          off = im.add(off, im.mul(x->coef[d], ivs[d]));
      origins.push_back(off);
    }
    auto body = [&](OpFoldResult n0, int64_t vecs, Tail count) {
      for (int64_t j = 0; j < vecs; ++j) {
        Tail cnt;
        if (count)
          cnt = im.sub(*count, im.constant(j * lanes));
        OpFoldResult pos = im.add(n0, im.constant(j * lanes));
        vector(origins, pos, cnt);
      }
    };
    if (std::optional<int64_t> sn = staticValue(n)) {
      int64_t full = *sn / step * step;
      loop(im.constant(0), im.constant(full), step,
           [&](OpFoldResult n0) { body(n0, kUnroll, std::nullopt); });
      int64_t rem = *sn - full;
      // Whole vectors of the remainder unmasked, then one masked.
      int64_t whole = rem / lanes;
      if (whole)
        body(im.constant(full), whole, std::nullopt);
      if (rem % lanes)
        body(im.constant(full + whole * lanes), 1, im.constant(rem % lanes));
      return;
    }
    Value nv = im.value(n);
    Value cstep = im.value(im.constant(lanes));
    Value full = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, nv, cstep), cstep);
    loop(im.constant(0), full, lanes,
         [&](OpFoldResult n0) { body(n0, 1, std::nullopt); });
    Value rem = arith::SubIOp::create(b, loc, nv, full);
    Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, rem,
                                      im.value(im.constant(0)));
    auto ifOp = scf::IfOp::create(b, loc, any, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    body(full, 1, OpFoldResult(rem));
  }

  /// One vector of outputs at position `pos` along n.
  void vector(ArrayRef<OpFoldResult> origins, OpFoldResult pos, Tail count) {
    linalg::LinalgOp op = p.op;
    Block &body = *op.getBlock();
    SmallVector<Value> args;
    for (auto [i, operand] : llvm::enumerate(op->getOpOperands())) {
      BlockArgument arg = op.getMatchingBlockArgument(&operand);
      if (arg.use_empty()) {
        args.push_back(Value());
        continue;
      }
      if (!accesses[i]) {
        args.push_back(vector::BroadcastOp::create(
            b, loc, VectorType::get({lanes}, operand.get().getType()),
            operand.get()));
        continue;
      }
      const FlatAccess &x = *accesses[i];
      if (!x.dependsOn(p.nDim)) {
        Value s = memref::LoadOp::create(b, loc, x.flat, im.value(origins[i]));
        args.push_back(vector::BroadcastOp::create(
            b, loc, VectorType::get({lanes}, s.getType()), s));
        continue;
      }
      OpFoldResult idx = im.add(origins[i], im.mul(x.coef[p.nDim], pos));
      args.push_back(
          loadStrided(b, loc, x.flat, idx, x.coef[p.nDim], lanes, count));
    }
    Value result = vectorizeBody(b, loc, body, args, lanes, tables)[0];
    const FlatAccess &outAccess = *accesses.back();
    storeVector(b, loc, result, outAccess.flat, im.add(origins.back(), pos),
                count);
  }

  ElementwisePlan &p;
  int64_t lanes;
  ByteTable tables;
  bool parallel = false;
  OpBuilder &b;
  Location loc;
  IndexMath im;
  SmallVector<OpFoldResult> ext;
  SmallVector<std::optional<FlatAccess>> accesses;
};

struct CpuElementwiseCodegenPass
    : mica::impl::CpuElementwiseCodegenBase<CpuElementwiseCodegenPass> {
  using Base::Base;

  void runOnOperation() override {
    std::optional<ByteTable> tables = parseByteTable(byteTable);
    if (!tables) {
      getOperation().emitError("mica-cpu-elementwise-codegen: unknown "
                               "byte-table '")
          << byteTable << "' (x86-vbmi, arm-tbl)";
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) { candidates.push_back(op); });
    for (linalg::LinalgOp op : candidates) {
      std::optional<ElementwisePlan> plan = analyze(op, vectorWidth, *tables);
      if (!plan)
        continue;
      OpBuilder b(op);
      Emitter(*plan, *tables, b).run();
    }
    for (Block &block : getOperation().getBody())
      eraseDeadBuffers(block);
  }
};

} // namespace
