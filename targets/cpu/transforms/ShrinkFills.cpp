//===- ShrinkFills.cpp - Fill only what nothing overwrites ----------------===//
//
// See Passes.td (mica-cpu-shrink-fills). A padded buffer is bufferized as a
// fill of the whole buffer followed by a copy of the data into its interior:
// the interior is written twice. The fill shrinks to the border.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/CodegenUtils.h"
#include "targets/cpu/transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mica {
#define GEN_PASS_DEF_CPUSHRINKFILLS
#include "targets/cpu/transforms/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::cpu;

namespace {

/// The value a fill-like op writes everywhere into its whole init: a
/// linalg.fill, or a linalg op without memref inputs whose body yields a
/// value from outside it.
Value filledValue(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != op.getNumParallelLoops() ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return Value();
  if (auto fill = dyn_cast<linalg::FillOp>(op.getOperation()))
    return fill.getInputs()[0];
  for (Value in : op.getDpsInputs())
    if (isa<MemRefType>(in.getType()))
      return Value();
  Value yielded = op.getBlock()->getTerminator()->getOperand(0);
  if (op->isAncestor(yielded.getParentBlock()->getParentOp()))
    return Value();
  return yielded;
}

struct CpuShrinkFillsPass : mica::impl::CpuShrinkFillsBase<CpuShrinkFillsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> fills;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (filledValue(op) && op->getBlock() == &getOperation().front())
        fills.push_back(op);
    });
    for (linalg::LinalgOp fill : fills)
      shrink(fill);
  }

  void shrink(linalg::LinalgOp fill) {
    Value buffer = fill.getDpsInits()[0];
    auto alloc = buffer.getDefiningOp<memref::AllocOp>();
    auto type = cast<MemRefType>(buffer.getType());
    if (!alloc || !type.hasStaticShape() || !type.getLayout().isIdentity())
      return;
    // The next op touching the buffer must overwrite a static subview of it
    // without reading the buffer; views in between are fine.
    memref::SubViewOp interior;
    for (Operation *op = fill->getNextNode(); op; op = op->getNextNode()) {
      auto touches = [&](Value v) {
        return isa<MemRefType>(v.getType()) && rootBuffer(v) == buffer;
      };
      if (!llvm::any_of(op->getOperands(), touches) &&
          !llvm::any_of(op->getRegions(), [&](Region &r) {
            bool any = false;
            r.walk([&](Operation *inner) {
              any |= llvm::any_of(inner->getOperands(), touches);
            });
            return any;
          }))
        continue;
      if (auto view = dyn_cast<memref::SubViewOp>(op)) {
        if (view.getSource() == buffer && !interior)
          interior = view;
        continue;
      }
      if (isa<memref::DimOp>(op))
        continue;
      if (interior && overwritesAll(op, interior.getResult()))
        break;
      return;
    }
    if (!interior || !interior.hasUnitStride() ||
        !llvm::all_of(interior.getStaticOffsets(),
                      [](int64_t o) { return !ShapedType::isDynamic(o); }) ||
        !llvm::all_of(interior.getStaticSizes(),
                      [](int64_t s) { return !ShapedType::isDynamic(s); }) ||
        interior.getSourceType().getRank() != type.getRank())
      return;
    ArrayRef<int64_t> shape = type.getShape();
    ArrayRef<int64_t> offsets = interior.getStaticOffsets();
    ArrayRef<int64_t> sizes = interior.getStaticSizes();
    // The complement of the interior as slabs: for dim d, the part before
    // and after the interior along d, with the dims before d restricted to
    // the interior and the dims after d whole.
    OpBuilder b(fill);
    Location loc = fill.getLoc();
    Value value = filledValue(fill);
    int64_t rank = type.getRank();
    for (int64_t d = 0; d < rank; ++d) {
      for (int side = 0; side < 2; ++side) {
        int64_t begin = side == 0 ? 0 : offsets[d] + sizes[d];
        int64_t end = side == 0 ? offsets[d] : shape[d];
        if (end <= begin)
          continue;
        SmallVector<int64_t> slabOffsets, slabSizes;
        for (int64_t e = 0; e < rank; ++e) {
          if (e < d) {
            slabOffsets.push_back(offsets[e]);
            slabSizes.push_back(sizes[e]);
          } else if (e == d) {
            slabOffsets.push_back(begin);
            slabSizes.push_back(end - begin);
          } else {
            slabOffsets.push_back(0);
            slabSizes.push_back(shape[e]);
          }
        }
        SmallVector<int64_t> strides(rank, 1);
        auto slab = memref::SubViewOp::create(b, loc, buffer, slabOffsets,
                                              slabSizes, strides);
        linalg::FillOp::create(b, loc, ValueRange{value},
                               ValueRange{slab.getResult()});
      }
    }
    fill->erase();
  }
};

} // namespace
