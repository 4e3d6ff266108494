//===- ContractionPlan.h - A contraction kernel's plan ----------*- C++ -*-===//
//
// What mica-cpu-contraction-codegen decides for one linalg op
// (ContractionPlan.cpp: loops classified against the output's innermost dim,
// tile shape, packing,
// the fused initialisation and epilogue) and the emission of the planned
// kernel (ContractionEmitter.h and its .cpp files). The pass
// (ContractionCodegen.cpp) calls one after the other.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_TRANSFORMS_CONTRACTIONPLAN_H
#define MICA_TARGETS_CPU_TRANSFORMS_CONTRACTIONPLAN_H

#include "targets/cpu/transforms/CodegenUtils.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/SymbolTable.h"

#include <optional>
#include <vector>

namespace mica::cpu {

using mlir::AffineMap;
using mlir::Attribute;
using mlir::Operation;
using mlir::ShapedType;
using mlir::SmallVector;
using mlir::Value;
namespace linalg = mlir::linalg;

/// Multiply-adds (or reduction steps) from which a kernel's outermost loop
/// runs its iterations on the context's threads. Low: a hand-off costs a
/// microsecond or two, but a kernel run on one thread reads the half of its
/// input that the other threads wrote, from their caches (so even small
/// kernels, such as squeeze-and-excitation pooling and scaling, are slower
/// left serial), and its output then crosses back. Lowering it from 1 << 18
/// made whole-model runs on 2 threads faster; ElementwiseCodegen's
/// kParallelElements is low for the same reason (measurements:
/// docs/cpu-kernels.md, "Measurements behind the choices").
constexpr int64_t kParallelWork = 1 << 15;

/// Marks a contraction on i32 words whose body is the dot product of their
/// 4 bytes (mica-cpu-int8-dot-layout); the value names the instruction
/// family the emitter uses for it: "x86-vnni" (vpdpbusd, X's bytes
/// unsigned), "x86-pmaddwd" (two vpmaddwd, X's bytes unsigned) or
/// "arm-sdot" (sdot, both signed) or "arm-smmla" (smmla, both signed, on
/// word pairs of the dim kDotPairAttr names; sdot where a tile cannot pair).
constexpr llvm::StringLiteral kDot4Attr = "mica.dot4";
/// On an "arm-smmla" contraction: the reduction loop dim (even extent) whose
/// consecutive words pair into smmla's 8-byte groups.
constexpr llvm::StringLiteral kDotPairAttr = "mica.dot_pairs";

/// Discardable attribute of a linalg op of a --sortable-width model: an
/// ArrayAttr of DenseI64ArrayAttr `array<i64: loop, group, scale>`, each
/// saying that loop dim `loop` of the op only needs iterations
/// [0, min(extent, active_counts[group] * scale)) at run time (the other
/// channels of the width group hold stale data). Mandatory and exact on a
/// reduction loop (iterating further would sum stale data); an optimisation
/// on a parallel loop (computing more is harmless).
constexpr llvm::StringLiteral kWidthAttr = "mica.width";

/// One entry of kWidthAttr.
struct WidthBound {
  unsigned loop;
  int64_t group;
  int64_t scale;
};

/// The entries of `op`'s kWidthAttr (none without one), or failure (and an
/// error on `op`) when it is malformed.
mlir::FailureOr<SmallVector<WidthBound>> readWidthBounds(Operation *op);

struct TargetShape {
  int64_t lanes;     // f32 lanes per vector
  int64_t registers; // vector registers
  /// Tuning aid: a positive number overrides the accumulator budget.
  int64_t maxAccumulators = 0;
  /// Byte-table lookups in epilogues (a quantised activation function).
  ByteTable tables = ByteTable::None;
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
  unsigned nPos = 0;            // n's position among the output's dims
  SmallVector<unsigned> merged; // dims folded into nDim (run at index 0)
  // The output is not contiguous along n: n is another output dim than the
  // innermost (the output channels of a 1x1 convolution on a 7x7 map, whose
  // 49 columns fill 16-lane vectors to 77%); stores and epilogue loads along
  // n go lane by lane.
  bool stridedN = false;
  SmallVector<unsigned> mergedRows; // dims folded into mDim (index 0)
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
  Value out;        // the buffer stored to
  AffineMap outPos; // its indices as a function of the kernel's loops
  // Tile: MR rows x NV vectors of `lanes` elements.
  int64_t lanes = 8, mr = 1, nv = 1;
  // Loop order: row blocks outermost (A stays in cache while every other
  // loop runs) or innermost (B's tile stays while all rows pass).
  bool mOuter = false;
  // The kWidthAttr bounds the kernel applies (planWidthBounds), and those
  // on parallel dims it drops (folded into n or m, where a prefix of the
  // dim is not a prefix of the merged one).
  SmallVector<WidthBound> widths, droppedWidths;
  // Estimated cycles of the whole kernel (the tile model's cost per
  // reduction step times the steps and outer iterations, plus lane-by-lane
  // stores): compares the plans of one op.
  double cycles = 0;
};

/// The plan for `op`, or nullopt when it is not a kernel this pass makes.
std::optional<Plan> planContraction(linalg::LinalgOp op,
                                    const TargetShape &target);

/// Decides which of the op's kWidthAttr bounds the kernel applies
/// (Plan::widths): every one on a reduction dim, those on parallel dims that
/// stay dims of their own (an outer loop, n or m unmerged). Fails with an
/// error on the op when a reduction bound cannot be honoured exactly (the
/// int8 dot-product layouts reduce over 4-byte words).
mlir::LogicalResult planWidthBounds(Plan &plan);

/// Replaces the planned op (with its fused init and epilogue ops) by the
/// kernel's loops at `b`'s insertion point; packed constants go to `symbols`.
mlir::LogicalResult emitContraction(Plan &plan, const TargetShape &target,
                                    mlir::OpBuilder &b,
                                    mlir::SymbolTable &symbols);

} // namespace mica::cpu

#endif // MICA_TARGETS_CPU_TRANSFORMS_CONTRACTIONPLAN_H
