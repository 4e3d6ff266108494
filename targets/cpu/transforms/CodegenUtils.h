//===- CodegenUtils.h - Shared pieces of the CPU kernels --------*- C++ -*-===//
//
// The CPU kernels address every operand through a flat, unit-stride view of
// its buffer and a linear function of the op's loop indices (FlatAccess):
// views, strides, padding offsets and merged dimensions all become integer
// coefficients, and a vector along the output's innermost dimension is one
// contiguous load or store. BodyVectorizer re-emits a linalg body (scalar
// arith/math) on vectors, lane by lane the same ops, so values do not change.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_TARGETS_CPU_TRANSFORMS_CODEGENUTILS_H
#define MICA_TARGETS_CPU_TRANSFORMS_CODEGENUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

#include <optional>
#include <vector>

namespace mica::cpu {

/// sum(coef[d] * d) + constant over `numDims` loop dims.
struct LinearExpr {
  llvm::SmallVector<int64_t> coef;
  int64_t constant = 0;
};

/// The linear form of an affine expression (dims, constants, +, * by a
/// constant), or nullopt for anything else (mod, floordiv, symbols).
std::optional<LinearExpr> parseLinear(mlir::AffineExpr expr, unsigned numDims);

/// How an operand's elements move in memory as the op's loop indices move:
/// per loop dim, the element stride in the buffer (nullopt when it depends on
/// a dynamic stride) and whether the operand depends on the dim at all.
struct AccessPattern {
  llvm::SmallVector<std::optional<int64_t>> coef;
  llvm::SmallVector<bool> depends;
  std::optional<int64_t> offset; // element offset at all-zero indices

  bool dependsOn(unsigned d) const { return depends[d]; }
  /// True when the element stride along `d` is statically `value`.
  bool hasCoef(unsigned d, int64_t value) const {
    return coef[d] && *coef[d] == value;
  }
};

/// The access pattern of a memref read through `map`, or nullopt when the
/// map is not linear or the memref has no strided layout.
std::optional<AccessPattern> analyzeAccess(mlir::MemRefType type,
                                           mlir::AffineMap map);

/// Index arithmetic that folds constants (OpFoldResult in, out).
class IndexMath {
public:
  IndexMath(mlir::OpBuilder &b, mlir::Location loc) : b(b), loc(loc) {}
  mlir::OpFoldResult add(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::OpFoldResult mul(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::OpFoldResult sub(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::Value value(mlir::OpFoldResult x);
  mlir::OpFoldResult constant(int64_t v) { return b.getIndexAttr(v); }

private:
  mlir::OpBuilder &b;
  mlir::Location loc;
};

/// Static value of an OpFoldResult, if any.
std::optional<int64_t> staticValue(mlir::OpFoldResult x);

/// An operand's elements as flat[base + sum(coef[d] * iv[d])], where `flat`
/// is a 1-D unit-stride view of the operand's memory (offset 0 from its
/// aligned pointer, so `base` includes the view's own offset).
struct FlatAccess {
  mlir::Value flat;
  mlir::OpFoldResult base;
  llvm::SmallVector<mlir::OpFoldResult> coef;
  llvm::SmallVector<bool> depends;

  bool dependsOn(unsigned d) const { return depends[d]; }
};

/// Builds the flat view and coefficients of `memref` read through `map`
/// (over `map.getNumDims()` loop dims). The map must be linear
/// (analyzeAccess succeeded on it).
FlatAccess buildFlatAccess(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value memref, mlir::AffineMap map);

/// Follows view-like ops (subview, reshapes, casts, views) up to the value
/// that owns the memory: an alloc, a get_global, or a block argument.
mlir::Value rootBuffer(mlir::Value memref);

/// True when `op` writes every element of `view` without reading it: an
/// all-parallel linalg op on buffers whose one init is `view` (identity
/// map), whose body ignores the init's value and whose inputs live in other
/// buffers.
bool overwritesAll(mlir::Operation *op, mlir::Value view);

/// How the target looks bytes up in a 256-entry table on vectors: the
/// lowering of graph.table reads a constant memref<256xi8> at a signed
/// byte + 128 (memref.load of index_cast(extsi(x) + 128)). x86: AVX-512
/// VBMI vpermi2b (64 lanes per step); arm64: NEON tbl/tbx (16 lanes); None:
/// bodies with such loads are not vectorised.
enum class ByteTable { None, X86Vbmi, ArmTbl };

/// "x86-vbmi", "arm-tbl" or "" (None); nullopt for anything else.
std::optional<ByteTable> parseByteTable(llvm::StringRef name);

/// Lanes per step of ByteTable `kind`'s lookup (0 for None).
int64_t byteTableLanes(ByteTable kind);

/// True when the values of `body` (a linalg body) can be computed on
/// vectors: every op is an elementwise-mappable arith/math op on scalar
/// int/float values, or a byte-table lookup the target has, and values
/// from outside are scalars.
bool isVectorizableBody(mlir::Block &body, ByteTable tables = ByteTable::None);

/// True when `body` computes its one result by a byte-table lookup alone
/// (graph.table: nothing else to do per lane, so wide vectors pay).
bool isByteTableBody(mlir::Block &body);

/// Emits the ops of `body` on `vectorType`-shaped values: block argument i
/// takes args[i] (a vector, or null when the argument is unused); values
/// defined outside the body are broadcast; byte-table lookups use `tables`'
/// instructions. Returns the yielded values.
llvm::SmallVector<mlir::Value>
vectorizeBody(mlir::OpBuilder &b, mlir::Location loc, mlir::Block &body,
              llvm::ArrayRef<mlir::Value> args, int64_t lanes,
              ByteTable tables = ByteTable::None);

/// A mask of `count` leading true lanes: a constant mask when `count` is
/// static, vector.create_mask otherwise.
mlir::Value buildMask(mlir::OpBuilder &b, mlir::Location loc, int64_t lanes,
                      mlir::OpFoldResult count);

/// Loads `lanes` consecutive elements of `flat` from `index`; only the first
/// `count` when `count` is set (the others are zero).
mlir::Value loadVector(mlir::OpBuilder &b, mlir::Location loc, mlir::Value flat,
                       mlir::OpFoldResult index, int64_t lanes,
                       std::optional<mlir::OpFoldResult> count);

/// Stores `value` to consecutive elements of `flat` from `index`; only the
/// first `count` when `count` is set.
void storeVector(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                 mlir::Value flat, mlir::OpFoldResult index,
                 std::optional<mlir::OpFoldResult> count);

/// Loads `lanes` elements of `flat` at index + l * stride, l < lanes (only
/// the first `count`; the others are zero): a contiguous load for stride 1,
/// two loads and a shuffle for stride 2, scalar loads otherwise.
mlir::Value loadStrided(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value flat, mlir::OpFoldResult index,
                        mlir::OpFoldResult stride, int64_t lanes,
                        std::optional<mlir::OpFoldResult> count);

/// Stores the lanes of `value` to `flat` at index + l * stride (only the
/// first `count`): a contiguous store for stride 1, scalar stores otherwise
/// (`count` must then be static).
void storeStrided(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                  mlir::Value flat, mlir::OpFoldResult index,
                  mlir::OpFoldResult stride,
                  std::optional<mlir::OpFoldResult> count);
/// A loop from `lb` to `ub` by `step` whose iterations are independent, as
/// an scf.parallel over [0, trip count) (mica-cpu-outline-parallel turns the
/// top-level ones into tasks for the runtime's threads); `body` gets the
/// iteration's value lb + i * step.
void emitParallelLoop(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::OpFoldResult lb, mlir::OpFoldResult ub,
                      int64_t step,
                      llvm::function_ref<void(mlir::OpFoldResult)> body);

/// Whether `op` already runs inside a loop whose iterations the runtime's
/// threads share (a lowered scf.forall): its kernel's loops then stay
/// sequential, one task per outer iteration.
bool insideParallelLoop(mlir::Operation *op);

/// A loop from `lb` to `ub` by `step` for the kernels' loop nests: nothing
/// for an empty range, the body inline for a single trip, the runtime's
/// threads (emitParallelLoop) when `parallel` is set (then cleared: only
/// the outermost loop is shared), else an scf.for.
void emitLoop(mlir::OpBuilder &b, mlir::Location loc, mlir::OpFoldResult lb,
              mlir::OpFoldResult ub, int64_t step, bool &parallel,
              llvm::function_ref<void(mlir::OpFoldResult)> body);
/// Folds the dims just outside `dim` in `outMap` (result `pos` is `dim`)
/// into `dim` while every access walks them contiguously: stride along the
/// outer dim = extent of `dim` so far x stride along `dim` (or neither is
/// used), both static. Stops at a dynamic extent, a missing access pattern
/// or a dim `stop` rejects. Appends the folded dims to `merged` and leaves
/// their extents 1 and `dim`'s the product (a 1x1 convolution over 56x56:
/// 3136 columns).
void mergeOuterDims(mlir::AffineMap outMap, unsigned pos,
                    llvm::ArrayRef<std::optional<AccessPattern>> accesses,
                    llvm::function_ref<bool(unsigned)> stop,
                    llvm::SmallVectorImpl<int64_t> &extents,
                    llvm::SmallVectorImpl<unsigned> &merged);
/// The constant data of a global (static shape, byte-sized elements), as
/// little-endian bytes in row-major order.
std::optional<std::vector<char>> readConstant(mlir::memref::GlobalOp global);

/// A new private constant global beside `like`, named like's name +
/// `suffix` (made unique), of `type` (static, identity layout) holding
/// `data` (its elements' little-endian bytes, row-major); returns its
/// memref.get_global at `b`'s insertion point.
mlir::Value createConstantGlobal(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::SymbolTable &symbols,
                                 mlir::memref::GlobalOp like,
                                 llvm::StringRef suffix, mlir::MemRefType type,
                                 llvm::ArrayRef<char> data);

/// Erases view-like ops and allocations that nothing reads or writes any
/// more (left behind when a kernel no longer needs an intermediate buffer).
void eraseDeadBuffers(mlir::Block &block);

} // namespace mica::cpu

#endif // MICA_TARGETS_CPU_TRANSFORMS_CODEGENUTILS_H
