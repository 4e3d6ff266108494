//===- ContractionEmitter.h - Emitting a planned contraction ----*- C++ -*-===//
//
// The emitter of one planned contraction kernel (ContractionPlan.h), shared
// by the files that implement it: ContractionEmitter.cpp (loops, tiles,
// reduction, epilogue), ContractionPacking.cpp (constants packed into
// panels and row blocks) and ContractionDotProducts.cpp (the int8
// dot-product instructions: vpdpbusd, vpmaddwd, sdot, smmla). Private to
// targets/cpu/transforms.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_TRANSFORMS_CONTRACTIONEMITTER_H
#define MICA_TARGETS_CPU_TRANSFORMS_CONTRACTIONEMITTER_H

#include "targets/cpu/transforms/CodegenUtils.h"
#include "targets/cpu/transforms/ContractionPlan.h"

#include "mlir/IR/SymbolTable.h"

namespace mica::cpu {
// The emitter's files are written against MLIR's names.
using namespace mlir;

class ContractionEmitter {
public:
  ContractionEmitter(Plan &p, const TargetShape &target, OpBuilder &b,
                     SymbolTable &symbols)
      : p(p), target(target), lanes(p.lanes), b(b), loc(p.op.getLoc()),
        im(b, loc), symbols(symbols) {}
  LogicalResult run();

private:
  using Tail = std::optional<OpFoldResult>;
  void loop(OpFoldResult lb, OpFoldResult ub, int64_t step,
            function_ref<void(OpFoldResult)> body);
  void overN(function_ref<void(OpFoldResult, int64_t, Tail)> body);
  /// overN for a static extent and a width bound on n.
  void boundedN(int64_t extent,
                function_ref<void(OpFoldResult, int64_t, Tail)> body);
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
  // Per loop dim: its run-time width bound (Plan::widths), min(ext,
  // active count * scale), or null.
  SmallVector<OpFoldResult> bound;
  /// Where loop dim `d`'s iterations stop: its bound, else its extent.
  OpFoldResult limit(unsigned d) { return bound[d] ? bound[d] : ext[d]; }
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

} // namespace mica::cpu

#endif // MICA_TARGETS_CPU_TRANSFORMS_CONTRACTIONEMITTER_H
