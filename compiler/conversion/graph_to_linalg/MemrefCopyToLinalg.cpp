//===- MemrefCopyToLinalg.cpp - memref.copy as linalg.copy ----------------===//
//
// Bufferization expresses copies as memref.copy, which the memref -> LLVM
// conversion turns into a call to `memrefCopy` from MLIR's runner-utils
// library whenever the destination is not contiguous (an input copied into a
// padded buffer, say). Mica's runtime ships no such library: generated code
// may only import libc/libm. Rewritten as linalg.copy, every copy becomes the
// loops of convert-linalg-to-loops (which LLVM turns into memcpy where it
// can).
//===----------------------------------------------------------------------===//
#include "compiler/conversion/graph_to_linalg/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mica {
#define GEN_PASS_DEF_MEMREFCOPYTOLINALG
#include "compiler/conversion/graph_to_linalg/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

struct MemrefCopyToLinalgPass
    : mica::impl::MemrefCopyToLinalgBase<MemrefCopyToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp op) {
      // linalg.copy needs ranked operands; unranked copies stay (none are
      // produced by Mica's lowering).
      if (isa<MemRefType>(op.getSource().getType()) &&
          isa<MemRefType>(op.getTarget().getType()))
        copies.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp op : copies) {
      rewriter.setInsertionPoint(op);
      linalg::CopyOp::create(rewriter, op.getLoc(), op.getSource(),
                             op.getTarget());
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
