//===- ContractionCodegen.cpp - Register-tiled reductions on vectors ------===//
//
// One kernel generator for every linalg op on buffers that reduces into its
// output in place (see Passes.td, mica-cpu-contraction-codegen):
//
//   matmul / fully connected / batched matmul   out[m, n] += A[m, k] * B[k, n]
//   convolution (NCHW)                          out[f, oh, ow] += W[f, c, kh, kw]
//                                                   * X[c, oh*s + kh, ow*s + kw]
//   depthwise convolution                       out[c, oh, ow] += W[c, kh, kw]
//                                                   * X[c, oh*s + kh, ow*s + kw]
//   pooling (max, sum)                          out[c, oh, ow] = max(out, X[...])
//
// The op's loops are classified against its output's innermost dimension n
// (unit stride, vectorised):
//   - the vector operand B depends on n; the broadcast operand A does not;
//   - the row dimension m is register-tiled: preferably one A depends on and B
//     does not (B's vectors are then reused by every row: GEMM), else one B
//     depends on and A does not (A's scalar is reused: depthwise, pooling);
//   - other parallel dims are plain loops outside the tile; reduction dims are
//     loops (or unrolled when short) inside it, in the op's own order.
// A tile holds MR x NV accumulator vectors in registers; per reduction step it
// loads NV vectors of B (or MR x NV) and MR (or 1) scalars of A and applies
// the op's own body to vectors. Partial tiles use masked loads and stores.
//
//===----------------------------------------------------------------------===//
#include "compiler/transforms/cpu/CodegenUtils.h"
#include "compiler/transforms/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <cmath>
#include <limits>

namespace mica {
#define GEN_PASS_DEF_CPUCONTRACTIONCODEGEN
#include "compiler/transforms/cpu/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::cpu;

namespace {

/// Multiply-adds (or reduction steps) from which a kernel's outermost loop
/// runs its iterations on the context's threads.
constexpr int64_t kParallelWork = 1 << 18;

struct TargetShape {
  int64_t lanes;     // f32 lanes per vector
  int64_t registers; // vector registers
};

enum class BMode { Contiguous, Strided, Packed };

/// The elementwise consumers fused after the reduction.
struct EpilogueStep {
  linalg::LinalgOp op; // all-parallel: generic, map, copy, transpose
  Value input; // the buffer holding the running value (C or the previous out)
  // The step's loop indices as a function of the kernel's: the step reads
  // `input` through a permutation (a transpose), so its loops are the
  // kernel's output position permuted back.
  AffineMap pos;
};

struct Plan {
  linalg::LinalgOp op;
  unsigned numLoops = 0;
  SmallVector<int64_t> extents; // static; kDynamic when dynamic
  SmallVector<bool> reduction;
  AffineMap cMap;
  int aInput = -1, bInput = -1; // dps inputs read by the body
  // Further inputs that vary along n (the mean in a variance's sum), loaded
  // like B but never packed.
  SmallVector<int> extraInputs;
  unsigned nDim = 0;
  unsigned nPos = 0; // n's position among the output's dims
  SmallVector<unsigned> merged; // dims folded into nDim (run at index 0)
  int64_t nExtent = ShapedType::kDynamic;
  int mDim = -1;
  SmallVector<unsigned> outer, red;
  BMode bMode = BMode::Contiguous;
  // A (a constant weight read per row) packed at compile time into blocks of
  // MR rows: [M/MR][reduction][MR], so that a step's MR scalars are adjacent.
  bool aPacked = false;
  // Initial value of the accumulators.
  linalg::LinalgOp initOp;
  int initInput = -1;  // dps input of initOp read elementwise
  Value initScalar;    // otherwise: this scalar (captured or constant)
  Attribute initConst; // ... or this constant from inside the init body
  SmallVector<EpilogueStep> epilogue;
  // Ops between the epilogue steps that touch none of their buffers
  // (allocations, views, fills of other buffers): moved before the kernel.
  SmallVector<Operation *> hoist;
  Value out; // the buffer stored to
  AffineMap outPos; // its indices as a function of the kernel's loops
  // Tile: MR rows x NV vectors of `lanes` elements.
  int64_t lanes = 8, mr = 1, nv = 1;
  // Loop order: row blocks outermost (A stays in cache while every other
  // loop runs) or innermost (B's tile stays while all rows pass).
  bool mOuter = false;
};

bool isFloatMemRef(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// All buffers reachable from `root` through view-like ops, and the ops
/// that use any of them for something else than making a view.
void collectUsers(Value root, SmallVectorImpl<Operation *> &users) {
  SmallVector<Value> worklist{root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      bool view = isa<ViewLikeOpInterface, memref::CastOp, memref::ExpandShapeOp,
                      memref::CollapseShapeOp, memref::ReinterpretCastOp,
                      memref::TransposeOp, memref::ExtractStridedMetadataOp>(
          user);
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
  auto overwritesAll = [&](Operation *op) {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !linalgOp.hasPureBufferSemantics() ||
        linalgOp.getNumDpsInits() != 1 ||
        linalgOp.getNumLoops() != linalgOp.getNumParallelLoops())
      return false;
    OpOperand *init = linalgOp.getDpsInitOperand(0);
    if (init->get() != root ||
        !linalgOp.getMatchingIndexingMap(init).isIdentity())
      return false;
    for (OpOperand *in : linalgOp.getDpsInputOperands())
      if (isa<MemRefType>(in->get().getType()) &&
          rootBuffer(in->get()) == root)
        return false;
    Block *body = linalgOp.getBlock();
    return body->getNumArguments() == linalgOp.getNumDpsInputs() ||
           body->getArguments().back().use_empty();
  };
  for (Operation *op = after->getNextNode(); op; op = op->getNextNode()) {
    if (!touching.contains(op))
      continue;
    if (isa<memref::DeallocOp>(op) || overwritesAll(op))
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

/// The constant data of a global, as floats.
std::optional<std::vector<float>> readConstant(memref::GlobalOp global) {
  if (!global || !global.getConstant() || !global.getInitialValue())
    return std::nullopt;
  MemRefType type = global.getType();
  if (!type.getElementType().isF32() || !type.hasStaticShape())
    return std::nullopt;
  int64_t n = type.getNumElements();
  Attribute init = *global.getInitialValue();
  if (auto dense = dyn_cast<DenseElementsAttr>(init)) {
    auto values = dense.getValues<float>();
    return std::vector<float>(values.begin(), values.end());
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(init)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || static_cast<int64_t>(blob->getData().size()) != n * 4)
      return std::nullopt;
    std::vector<float> data(n);
    std::memcpy(data.data(), blob->getData().data(), n * 4);
    return data;
  }
  return std::nullopt;
}

class Analyzer {
public:
  Analyzer(const TargetShape &target) : target(target) {}
  std::optional<Plan> analyze(linalg::LinalgOp op);

private:
  void analyzeInit(Plan &p);
  void analyzeEpilogue(Plan &p);
  void mergeInnerDims(Plan &p);
  void chooseRows(Plan &p);
  void chooseTile(Plan &p);
  /// The access patterns (in the op's loop dims) of every buffer the kernel
  /// touches along n, for the merge check.
  SmallVector<std::optional<AccessPattern>> nAccesses(Plan &p);

  TargetShape target;
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
  if (!isFloatMemRef(c) || cast<MemRefType>(c.getType()).getRank() == 0)
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
  while (p.nPos > 0 &&
         p.extents[cast<AffineDimExpr>(p.cMap.getResult(p.nPos)).getPosition()] == 1)
    --p.nPos;
  p.nDim = cast<AffineDimExpr>(p.cMap.getResult(p.nPos)).getPosition();
  if (!cPattern->hasCoef(p.nDim, 1) || p.reduction[p.nDim])
    return std::nullopt;

  // Inputs the body reads: one depends on n (B), at most one does not (A).
  inputPatterns.assign(op.getNumDpsInputs(), std::nullopt);
  for (int64_t i = 0; i < op.getNumDpsInputs(); ++i) {
    OpOperand *operand = op.getDpsInputOperand(i);
    if (op.getMatchingBlockArgument(operand).use_empty())
      continue;
    if (!isFloatMemRef(operand->get()))
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
  mergeInnerDims(p);
  p.nExtent = p.extents[p.nDim];
  chooseRows(p);
  for (unsigned d = 0; d < p.numLoops; ++d) {
    if (d == p.nDim || static_cast<int>(d) == p.mDim ||
        llvm::is_contained(p.merged, d))
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
  bool bPackable = bGlobal && b.offset && !ShapedType::isDynamic(p.extents[p.nDim]);
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
  if (auto arg = dyn_cast<BlockArgument>(yielded); arg && arg.getOwner() == body) {
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
        !isVectorizableBody(*g.getBlock()))
      break;
    Value d = g.getDpsInits()[0];
    if (!isFloatMemRef(d) ||
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
    if (!dPattern || !dPattern->hasCoef(p.nDim, 1))
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
    result.push_back(analyzeAccess(
        cast<MemRefType>(src->get().getType()),
        p.initOp.getMatchingIndexingMap(src).compose(p.cMap)));
  }
  for (EpilogueStep &step : p.epilogue) {
    for (OpOperand *in : step.op.getDpsInputOperands())
      if (in->get() != step.input)
        result.push_back(analyzeAccess(
            cast<MemRefType>(in->get().getType()),
            step.op.getMatchingIndexingMap(in).compose(step.pos)));
  }
  result.push_back(
      analyzeAccess(cast<MemRefType>(p.out.getType()), p.outPos));
  return result;
}

void Analyzer::mergeInnerDims(Plan &p) {
  // Output dims just outside n merge into it while every buffer walks them
  // contiguously (out[.., oh, ow] with X[.., oh, ow] of a 1x1 convolution):
  // longer vectors and fewer partial tiles.
  SmallVector<std::optional<AccessPattern>> accesses = nAccesses(p);
  std::optional<AccessPattern> a =
      p.aInput >= 0 ? inputPatterns[p.aInput] : std::nullopt;
  int64_t inner = p.extents[p.nDim];
  for (int64_t r = static_cast<int64_t>(p.nPos) - 1; r >= 0; --r) {
    unsigned d = cast<AffineDimExpr>(p.cMap.getResult(r)).getPosition();
    if (ShapedType::isDynamic(inner) || ShapedType::isDynamic(p.extents[d]) ||
        (a && a->dependsOn(d)))
      break;
    bool ok = true;
    for (const std::optional<AccessPattern> &x : accesses) {
      if (!x) {
        ok = false;
        break;
      }
      if (!x->dependsOn(d) && !x->dependsOn(p.nDim))
        continue;
      if (!x->coef[d] || !x->coef[p.nDim] ||
          *x->coef[d] != inner * *x->coef[p.nDim]) {
        ok = false;
        break;
      }
    }
    if (!ok)
      break;
    p.merged.push_back(d);
    inner *= p.extents[d];
  }
  p.extents[p.nDim] = inner;
  for (unsigned d : p.merged)
    p.extents[d] = 1;
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
      if (best < 0 || extentOf(d) > extentOf(best))
        best = d;
    }
    return best;
  };
  // B reuse across rows (GEMM) first, then A reuse (depthwise, pooling).
  p.mDim = pick([&](unsigned d) { return a && a->dependsOn(d) && !b.dependsOn(d); });
  if (p.mDim < 0)
    p.mDim = pick([&](unsigned d) { return b.dependsOn(d) && !(a && a->dependsOn(d)); });
}

void Analyzer::chooseTile(Plan &p) {
  const AccessPattern &b = *inputPatterns[p.bInput];
  bool aRows = p.aInput >= 0 && p.mDim >= 0 &&
               inputPatterns[p.aInput]->dependsOn(p.mDim);
  bool bRows = p.mDim >= 0 && b.dependsOn(p.mDim);
  int64_t n = ShapedType::isDynamic(p.nExtent) ? 256 : p.nExtent;
  int64_t m = p.mDim < 0 ? 1
              : ShapedType::isDynamic(p.extents[p.mDim]) ? 64
                                                          : p.extents[p.mDim];
  // A read row by row where it lies (activations: the left operand of a
  // matmul, not a weight packed into row blocks): each row is a stream of
  // its own and costs a broadcast load per row and step. Rows a multiple of
  // 4 KiB apart also share one L1 set (8 ways). Such tiles take few rows and
  // several vectors (gpt_decoder's matmuls, M = 16: 16x1 tiles 1.5x slower
  // than 6x4).
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
  auto maxAcc = [&](int64_t nv) -> int64_t {
    int64_t regs = target.registers;
    if (const char *env = std::getenv("MICA_CPU_MAX_ACC"))
      return std::atoi(env);
    if (aStreams && !unrolledSteps)
      return regs - regs / 4;
    // Rows that read their own B (depthwise: output rows of one channel)
    // share input rows: LLVM keeps the shared loads live across rows, so
    // such tiles stay smaller (measured on mobilenet_v2's depthwise layers:
    // 12 accumulators 20% faster than 24).
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
    // rounds, Emitter::transposedReduce); otherwise lane by lane.
    unsigned inner = p.red.empty() ? 0 : p.red.back();
    bool transposed = !p.red.empty() && !bRows && b.hasCoef(inner, 1) &&
                      (ShapedType::isDynamic(p.extents[inner]) ||
                       p.extents[inner] >= lanes);
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

//===----------------------------------------------------------------------===//
// Emission
//===----------------------------------------------------------------------===//

class Emitter {
public:
  Emitter(Plan &p, const TargetShape &target, OpBuilder &b, SymbolTable &symbols)
      : p(p), lanes(p.lanes), b(b), loc(p.op.getLoc()), im(b, loc),
        symbols(symbols) {}
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
                       ArrayRef<float> data);
  OpFoldResult aRowOffset(int64_t row) {
    return p.aPacked ? im.constant(row) : rowOffset(*a, row);
  }

  Plan &p;
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
  std::optional<int64_t> l = staticValue(lb), u = staticValue(ub);
  if (l && u) {
    if (*u <= *l)
      return;
    if (*u - *l <= step) {
      body(lb);
      return;
    }
  }
  if (parallel) {
    parallel = false;
    emitParallelLoop(b, loc, lb, ub, step, body);
    return;
  }
  auto forOp = scf::ForOp::create(b, loc, im.value(lb), im.value(ub),
                                  im.value(im.constant(step)));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forOp.getBody()->getTerminator());
  body(forOp.getInductionVar());
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
  packed = packPanels(p.op.getDpsInputOperand(p.bInput), p.nDim, p.nExtent,
                      nr, ("_panels" + Twine(nr)).str());
  return success(packed != nullptr);
}

Value Emitter::packPanels(OpOperand *operand, unsigned dim, int64_t count,
                          int64_t width, StringRef suffix) {
  auto getGlobal = rootBuffer(operand->get()).getDefiningOp<memref::GetGlobalOp>();
  auto global = symbols.lookup<memref::GlobalOp>(getGlobal.getName());
  std::optional<std::vector<float>> data = readConstant(global);
  std::optional<AccessPattern> pattern =
      analyzeAccess(cast<MemRefType>(operand->get().getType()),
                    p.op.getMatchingIndexingMap(operand));
  if (!data || !pattern || !pattern->offset)
    return Value();
  // The reduction dims flattened row-major in loop order.
  redStride.assign(p.numLoops, 0);
  kFlat = 1;
  for (unsigned d : llvm::reverse(p.red)) {
    redStride[d] = kFlat;
    kFlat *= p.extents[d];
  }
  int64_t panels = (count + width - 1) / width;
  std::vector<float> panel(panels * kFlat * width, 0.0f);
  for (int64_t kk = 0; kk < kFlat; ++kk) {
    int64_t rem = kk, base = *pattern->offset;
    for (int64_t r = p.red.size() - 1; r >= 0; --r) {
      unsigned d = p.red[r];
      int64_t idx = rem % p.extents[d];
      rem /= p.extents[d];
      if (pattern->dependsOn(d))
        base += *pattern->coef[d] * idx;
    }
    for (int64_t i = 0; i < count; ++i) {
      int64_t src = base + *pattern->coef[dim] * i;
      if (src < 0 || src >= static_cast<int64_t>(data->size()))
        return Value();
      panel[(i / width) * kFlat * width + kk * width + i % width] = (*data)[src];
    }
  }
  return packedConstant(global, suffix, panel);
}

Value Emitter::packedConstant(memref::GlobalOp like, StringRef suffix,
                              ArrayRef<float> data) {
  auto type = MemRefType::get({static_cast<int64_t>(data.size())}, b.getF32Type());
  auto tensorType = RankedTensorType::get(type.getShape(), b.getF32Type());
  OpBuilder mb(like);
  std::string name = (like.getSymName() + suffix).str();
  auto global = memref::GlobalOp::create(
      mb, like.getLoc(), name, mb.getStringAttr("private"), type,
      DenseResourceElementsAttr::get(
          tensorType, name,
          HeapAsmResourceBlob::allocateAndCopyInferAlign(data)),
      /*constant=*/true, mb.getI64IntegerAttr(64));
  symbols.insert(global);
  return memref::GetGlobalOp::create(b, loc, type, global.getSymName());
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
  // Worth splitting over threads? (A thread hand-off costs about a
  // microsecond; this is some 20 of work.)
  int64_t work = 1;
  for (int64_t e : p.extents)
    work = ShapedType::isDynamic(e) ? work * 64 : work * e;
  parallel = work >= kParallelWork;
  // Extents.
  SmallVector<Range> ranges = op.createLoopRanges(b, loc);
  for (unsigned d = 0; d < p.numLoops; ++d)
    ext.push_back(ShapedType::isDynamic(p.extents[d]) ? ranges[d].size
                                                      : b.getIndexAttr(p.extents[d]));
  // Accesses.
  auto access = [&](Value memref, AffineMap map) {
    return buildFlatAccess(b, loc, memref, map);
  };
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
        ins.push_back(access(in->get(), step.op.getMatchingIndexingMap(in)
                                            .compose(step.pos)));
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
    Value bit = arith::AndIOp::create(b, loc, rem,
                                      im.value(im.constant(size)));
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
  auto vecType = VectorType::get(
      {lanes}, cast<MemRefType>(out->flat.getType()).getElementType());
  // Initial accumulators.
  SmallVector<Value> accs;
  OpFoldResult cOrigin = origin(*c, ivs, m0, n0);
  OpFoldResult initOrigin = init ? origin(*init, ivs, m0, n0) : OpFoldResult();
  Value splat;
  if (p.initOp && p.initInput < 0) {
    Value scalar = p.initScalar;
    if (!scalar)
      scalar = arith::ConstantOp::create(b, loc, cast<TypedAttr>(p.initConst));
    splat = vector::BroadcastOp::create(b, loc, vecType, scalar);
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
        OpFoldResult idx = im.add(im.add(cOrigin, rowOffset(*c, i)),
                                  im.constant(j * lanes));
        accs.push_back(loadVector(b, loc, c->flat, idx, lanes, cnt));
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
  accs = reduce(0, offA, offB, offX, accs, rows, vecs, count);

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
        v = vectorizeBody(b, loc, stepBody, args, lanes)[0];
      }
      OpFoldResult idx = im.add(im.add(outOrigin, rowOffset(*out, i)),
                                im.constant(j * lanes));
      storeVector(b, loc, v, out->flat, idx, cnt);
    }
  }
}

SmallVector<Value> Emitter::reduce(unsigned level, OpFoldResult offA,
                                   OpFoldResult offB,
                                   ArrayRef<OpFoldResult> offX, ValueRange accs,
                                   int64_t rows, int64_t vecs, Tail count) {
  if (level == p.red.size()) {
    // One reduction step: A scalars, B vectors, the body per accumulator.
    bool aRows = a && p.mDim >= 0 && a->dependsOn(p.mDim);
    bool bRows = bAcc && p.mDim >= 0 && bAcc->dependsOn(p.mDim);
    auto vecType = cast<VectorType>(accs.front().getType());
    SmallVector<Value> aVals;
    if (a) {
      for (int64_t i = 0; i < (aRows ? rows : 1); ++i) {
        Value s = memref::LoadOp::create(
            b, loc, a->flat, im.value(im.add(offA, aRowOffset(i))));
        aVals.push_back(vector::BroadcastOp::create(b, loc, vecType, s));
      }
    }
    SmallVector<Value> bVals(bGiven);
    for (int64_t i = 0; i < (bRows ? rows : 1) && bGiven.empty(); ++i) {
      for (int64_t j = 0; j < vecs; ++j) {
        if (p.bMode == BMode::Packed) {
          bVals.push_back(vector::LoadOp::create(
              b, loc, vecType, packed,
              ValueRange{im.value(im.add(offB, im.constant(j * lanes)))}));
          continue;
        }
        OpFoldResult idx = im.add(
            im.add(offB, rowOffset(*bAcc, i)),
            im.mul(bAcc->coef[p.nDim], im.constant(j * lanes)));
        bVals.push_back(loadStrided(b, loc, bAcc->flat, idx,
                                    bAcc->coef[p.nDim], lanes,
                                    vectorCount(count, j)));
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
        result.push_back(vectorizeBody(b, loc, body, args, lanes)[0]);
      }
    }
    return result;
  }

  unsigned d = p.red[level];
  SmallVector<OpFoldResult> nextX(offX);
  auto advance = [&](OpFoldResult iv, OpFoldResult &nextA, OpFoldResult &nextB) {
    for (auto [k, x] : llvm::enumerate(extras))
      nextX[k] = x.dependsOn(d) ? im.add(offX[k], im.mul(x.coef[d], iv))
                                : offX[k];
    nextA = offA;
    if (a && a->dependsOn(d))
      nextA = im.add(offA, im.mul(a->coef[d], iv));
    nextB = offB;
    if (p.bMode == BMode::Packed)
      nextB = im.add(offB, im.mul(im.constant(redStride[d] * p.nv * lanes), iv));
    else if (bAcc->dependsOn(d))
      nextB = im.add(offB, im.mul(bAcc->coef[d], iv));
  };
  std::optional<int64_t> extent = staticValue(ext[d]);
  if (extent && *extent == 1)
    return reduce(level + 1, offA, offB, offX, accs, rows, vecs, count);
  // A gathered operand that walks the innermost reduction dim contiguously
  // (the row sums and maxima of a softmax or a norm: n runs across rows):
  // blocks of `lanes` steps load one contiguous vector per lane and
  // transpose them in registers, a few shuffles per vector instead of one
  // scalar load and insert per element. The steps still run in order.
  if (SmallVector<Value> blocked = transposedReduce(level, offA, offB, offX,
                                                    accs, rows, vecs, count);
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
    for (int64_t v = 0; v < *extent; ++v) {
      OpFoldResult nextA, nextB;
      advance(im.constant(v), nextA, nextB);
      cur = reduce(level + 1, nextA, nextB, nextX, cur, rows, vecs, count);
    }
    return cur;
  }
  auto forOp = scf::ForOp::create(b, loc, im.value(im.constant(0)),
                                  im.value(ext[d]), im.value(im.constant(1)),
                                  accs);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    OpFoldResult nextA, nextB;
    advance(forOp.getInductionVar(), nextA, nextB);
    SmallVector<Value> inner =
        reduce(level + 1, nextA, nextB, nextX, forOp.getRegionIterArgs(), rows, vecs,
               count);
    scf::YieldOp::create(b, loc, inner);
  }
  return SmallVector<Value>(forOp.getResults());
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
  auto forOp = scf::ForOp::create(b, loc, im.value(im.constant(0)), full, step,
                                  accs);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    Value k0 = forOp.getInductionVar();
    // Per vector of the tile: lanes transposed steps of B and of each extra.
    SmallVector<SmallVector<Value>> bBlocks;
    for (int64_t j = 0; j < vecs; ++j)
      bBlocks.push_back(transposedSteps(
          *bAcc,
          im.add(im.add(offB, im.mul(bAcc->coef[p.nDim], im.constant(j * lanes))),
                 k0),
          vectorCount(count, j)));
    SmallVector<SmallVector<SmallVector<Value>>> xBlocks(extras.size());
    for (auto [k, x] : llvm::enumerate(extras)) {
      if (!x.dependsOn(d))
        continue;
      for (int64_t j = 0; j < vecs; ++j)
        xBlocks[k].push_back(transposedSteps(
            x,
            im.add(im.add(offX[k], im.mul(x.coef[p.nDim], im.constant(j * lanes))),
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
  auto rest = scf::ForOp::create(b, loc, full, extentV, im.value(im.constant(1)),
                                 forOp.getResults());
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
    SmallVector<Value> inner = reduce(level + 1, nextA, nextB, nextX,
                                      rest.getRegionIterArgs(), rows, vecs, count);
    scf::YieldOp::create(b, loc, inner);
  }
  return SmallVector<Value>(rest.getResults());
}

struct CpuContractionCodegenPass
    : mica::impl::CpuContractionCodegenBase<CpuContractionCodegenPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    TargetShape target{static_cast<int64_t>(vectorWidth),
                       static_cast<int64_t>(registers)};
    // Tuning aid: print every kernel's plan.
    bool trace = std::getenv("MICA_CPU_CODEGEN_TRACE") != nullptr;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      SmallVector<linalg::LinalgOp> candidates;
      func.walk([&](linalg::LinalgOp op) { candidates.push_back(op); });
      llvm::DenseSet<Operation *> erased;
      for (linalg::LinalgOp op : candidates) {
        // An earlier kernel may have fused (and erased) this op.
        if (erased.contains(op))
          continue;
        Analyzer analyzer(target);
        std::optional<Plan> plan = analyzer.analyze(op);
        if (!plan)
          continue;
        if (trace) {
          llvm::errs() << "mica-cpu-contraction-codegen: " << op->getName()
                       << " at " << op.getLoc() << ": n=" << plan->nExtent
                       << " (merged " << plan->merged.size() << ")"
                       << " m=" << (plan->mDim >= 0 ? plan->extents[plan->mDim] : 1)
                       << " tile " << plan->mr << "x" << plan->nv << "x"
                       << plan->lanes << " B mode " << int(plan->bMode)
                       << (plan->mOuter ? " rows outer" : "")
                       << (plan->initOp ? " +init" : "") << " +"
                       << plan->epilogue.size() << " epilogue\n";
        }
        erased.insert(op);
        if (plan->initOp)
          erased.insert(plan->initOp);
        for (const EpilogueStep &step : plan->epilogue)
          erased.insert(step.op);
        OpBuilder b(op);
        Emitter emitter(*plan, target, b, symbols);
        if (failed(emitter.run())) {
          op.emitError("CPU kernel generation failed");
          return signalPassFailure();
        }
      }
      for (Block &block : func.getBody())
        eraseDeadBuffers(block);
    }
    // Weights that only packed panels use now are not part of the model.
    for (auto global :
         llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
      if (global.isPrivate() &&
          SymbolTable::symbolKnownUseEmpty(global, module))
        global.erase();
  }
};

} // namespace
