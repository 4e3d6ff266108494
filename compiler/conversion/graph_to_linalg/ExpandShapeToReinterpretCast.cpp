//===- ExpandShapeToReinterpretCast.cpp - multi-? expand_shape views ------===//
//
// Upstream `expand-strided-metadata` (LLVM 22) rewrites a memref.expand_shape
// into extract_strided_metadata + reinterpret_cast, but derives the expanded
// sizes from the source size divided by the static sizes of the group: it
// assumes at most one `?` per reassociation group and ignores output_shape.
// A group with two or more `?` sizes (reshape to a runtime shape, batched
// matmul/attention heads splitting a dynamic row count) leaves null sizes
// behind and the pass crashes building the reinterpret_cast.
//
// This pass does that rewrite itself for exactly those expand_shapes, with
// the sizes taken from output_shape: the view keeps the source's base buffer
// and offset, each group's innermost dim keeps the source dim's stride and
// every outer dim's stride is the inner stride times the inner size.
//
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mica {
#define GEN_PASS_DEF_EXPANDSHAPETOREINTERPRETCAST
#include "compiler/conversion/graph_to_linalg/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

/// True when some reassociation group of `op` has more than one `?` size,
/// the case upstream expand-strided-metadata cannot handle.
bool hasMultiDynamicGroup(memref::ExpandShapeOp op) {
  MemRefType type = op.getResultType();
  for (const ReassociationIndices &group : op.getReassociationIndices()) {
    int64_t dynamic = llvm::count_if(
        group, [&](int64_t dim) { return type.isDynamicDim(dim); });
    if (dynamic > 1)
      return true;
  }
  return false;
}

/// `a * b`, folded to an attribute when both are constants.
OpFoldResult mul(OpBuilder &b, Location loc, OpFoldResult a, OpFoldResult c) {
  std::optional<int64_t> x = getConstantIntValue(a);
  std::optional<int64_t> y = getConstantIntValue(c);
  if (x && y)
    return b.getIndexAttr(*x * *y);
  if (x == 1)
    return c;
  if (y == 1)
    return a;
  return arith::MulIOp::create(b, loc,
                               getValueOrCreateConstantIndexOp(b, loc, a),
                               getValueOrCreateConstantIndexOp(b, loc, c))
      .getResult();
}

void rewrite(RewriterBase &rewriter, memref::ExpandShapeOp op) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto meta =
      memref::ExtractStridedMetadataOp::create(rewriter, loc, op.getSrc());
  SmallVector<OpFoldResult> srcStrides = meta.getConstifiedMixedStrides();
  SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
  SmallVector<OpFoldResult> strides(sizes.size());
  for (auto [srcDim, group] : llvm::enumerate(op.getReassociationIndices())) {
    OpFoldResult stride = srcStrides[srcDim];
    for (int64_t dim : llvm::reverse(group)) {
      strides[dim] = stride;
      if (dim != group.front())
        stride = mul(rewriter, loc, stride, sizes[dim]);
    }
  }
  rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
      op, op.getResultType(), meta.getBaseBuffer(),
      meta.getConstifiedMixedOffset(), sizes, strides);
}

struct ExpandShapeToReinterpretCastPass
    : mica::impl::ExpandShapeToReinterpretCastBase<
          ExpandShapeToReinterpretCastPass> {
  void runOnOperation() override {
    SmallVector<memref::ExpandShapeOp> worklist;
    getOperation()->walk([&](memref::ExpandShapeOp op) {
      if (op.getSrcType().isStrided() && hasMultiDynamicGroup(op))
        worklist.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (memref::ExpandShapeOp op : worklist)
      rewrite(rewriter, op);
  }
};

} // namespace
