//===- ContractionCodegen.cpp - Register-tiled reductions on vectors ------===//
//
// One kernel generator for every linalg op on buffers that reduces into its
// output in place (see Passes.td, mica-cpu-contraction-codegen):
//
//   matmul / fully connected / batched matmul   out[m, n] += A[m, k] * B[k, n]
//   convolution (NCHW)                          out[f, oh, ow] += W[f, c, kh,
//   kw]
//                                                   * X[c, oh*s + kh, ow*s +
//                                                   kw]
//   depthwise convolution                       out[c, oh, ow] += W[c, kh, kw]
//                                                   * X[c, oh*s + kh, ow*s +
//                                                   kw]
//   pooling (max, sum)                          out[c, oh, ow] = max(out,
//   X[...])
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
// A --sortable-width model's ops carry mica.width (ContractionPlan.h,
// kWidthAttr): their loops then stop at the width group's active count,
// read by exec.active_count (the kernel ABI's active_counts).
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/CodegenUtils.h"
#include "targets/cpu/transforms/ContractionPlan.h"
#include "targets/cpu/transforms/Passes.h"

#include "dialects/exec/IR/ExecDialect.h"

#include "mlir/IR/SymbolTable.h"

namespace mica {
#define GEN_PASS_DEF_CPUCONTRACTIONCODEGEN
#include "targets/cpu/transforms/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::cpu;

namespace {

struct CpuContractionCodegenPass
    : mica::impl::CpuContractionCodegenBase<CpuContractionCodegenPass> {
  using Base::Base;

  /// Fails with an error on `op` when it carries a width bound on a
  /// reduction loop (which only a planned kernel applies).
  static LogicalResult checkUnbounded(linalg::LinalgOp op) {
    FailureOr<SmallVector<WidthBound>> bounds = readWidthBounds(op);
    if (failed(bounds))
      return failure();
    for (const WidthBound &w : *bounds)
      if (op.getIteratorTypesArray()[w.loop] == utils::IteratorType::reduction)
        return op.emitError("cannot honour the width bound on loop ")
               << w.loop << ": the op is not a kernel of "
               << "mica-cpu-contraction-codegen";
    return success();
  }

  /// The trace's bounds: ` bounds n<-g0 k<-g1*49 d2<-g0 (dropped m<-g0)`
  /// (n, m, k: the vectorised, row and reduction dims; dN: an outer dim).
  static void printBounds(const Plan &p) {
    if (p.widths.empty() && p.droppedWidths.empty())
      return;
    auto print = [&](const WidthBound &w) {
      if (w.loop == p.nDim)
        llvm::errs() << "n";
      else if (static_cast<int>(w.loop) == p.mDim)
        llvm::errs() << "m";
      else if (p.reduction[w.loop])
        llvm::errs() << "k";
      else
        llvm::errs() << "d" << w.loop;
      llvm::errs() << "<-g" << w.group;
      if (w.scale != 1)
        llvm::errs() << "*" << w.scale;
    };
    llvm::errs() << " bounds";
    for (const WidthBound &w : p.widths) {
      llvm::errs() << " ";
      print(w);
    }
    if (!p.droppedWidths.empty()) {
      llvm::errs() << " (dropped";
      for (const WidthBound &w : p.droppedWidths) {
        llvm::errs() << " ";
        print(w);
      }
      llvm::errs() << ")";
    }
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    std::optional<ByteTable> tables = parseByteTable(byteTable);
    if (!tables) {
      module.emitError("mica-cpu-contraction-codegen: unknown byte-table '")
          << byteTable << "' (x86-vbmi, arm-tbl)";
      return signalPassFailure();
    }
    TargetShape target{static_cast<int64_t>(vectorWidth),
                       static_cast<int64_t>(registers),
                       static_cast<int64_t>(maxAccumulators), *tables};
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
        std::optional<Plan> plan = planContraction(op, target);
        if (!plan) {
          // Left to the generic loops, a width-bounded reduction would sum
          // the stale channels past the active count.
          if (failed(checkUnbounded(op)))
            return signalPassFailure();
          continue;
        }
        if (failed(planWidthBounds(*plan)))
          return signalPassFailure();
        if (trace) {
          llvm::errs() << "mica-cpu-contraction-codegen: " << op->getName()
                       << " at " << op.getLoc() << ": n=" << plan->nExtent
                       << " (merged " << plan->merged.size() << ")"
                       << " m="
                       << (plan->mDim >= 0 ? plan->extents[plan->mDim] : 1)
                       << " tile " << plan->mr << "x" << plan->nv << "x"
                       << plan->lanes << " B mode " << int(plan->bMode)
                       << (plan->stridedN ? " strided n" : "")
                       << (plan->mOuter ? " rows outer" : "")
                       << (plan->initOp ? " +init" : "") << " +"
                       << plan->epilogue.size() << " epilogue, ~"
                       << static_cast<int64_t>(plan->cycles) << " cycles";
          printBounds(*plan);
          llvm::errs() << "\n";
        }
        erased.insert(op);
        if (plan->initOp)
          erased.insert(plan->initOp);
        for (const EpilogueStep &step : plan->epilogue)
          erased.insert(step.op);
        OpBuilder b(op);
        if (failed(emitContraction(*plan, target, b, symbols))) {
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
