//===- Passes.h - Pruning: fewer channels, smaller weights ------*- C++ -*-===//
#ifndef MICA_PASSES_PRUNE_PASSES_H
#define MICA_PASSES_PRUNE_PASSES_H

#include "dialects/exec/IR/ExecDialect.h"
#include "dialects/graph/Analysis/Atom.h"
#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/DenseSet.h"

#include <functional>
#include <optional>
#include <string>

namespace mica {

#define GEN_PASS_DECL
#include "passes/prune/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/prune/Passes.h.inc"

/// One group of channels pruned together, for the compile report.
struct PrunedGroup {
  std::string node; // the ONNX node of its producer
  std::string op;   // the producer's op (conv, fully_connected, matmul)
  int64_t channels = 0;
  llvm::SmallVector<int64_t> removed; // producer channel indices, ascending
};

/// For score=data: per channel (at `atom`) of the input of the contraction
/// `reader`, on calibration data, its mean and its standard deviation.
struct ChannelStats {
  llvm::SmallVector<double> mean, deviation;
};
using ChannelActivity = std::function<std::optional<ChannelStats>(
    mlir::Operation *reader, Atom atom)>;

/// mica-prune-channels on one function; the groups it found (also those it
/// left whole). score=data needs `activity`: a channel's score is then the
/// sum over the layers reading it of its standard deviation there times
/// the mean |w| of the weight column that reads it (what removing it
/// changes in their outputs, to first order, once its mean is compensated),
/// and each removed channel's mean, through those columns, is added to the
/// reading layer's bias. Errors are emitted at the op concerned.
mlir::FailureOr<llvm::SmallVector<PrunedGroup>>
pruneChannels(mlir::func::FuncOp func, const PruneChannelsOptions &options,
              const ChannelActivity &activity = {});

/// mica-remove-blocks on one function: the residual blocks `blocks`
/// (dialects/graph/Analysis/ResidualBlocks.h indices) replaced by their
/// inputs. Errors name an index beyond the blocks found.
mlir::LogicalResult removeBlocks(mlir::func::FuncOp func,
                                 llvm::ArrayRef<int64_t> blocks);

class ChannelGraph;

/// For score=data: each removed channel's mean, through the weight columns
/// that read it, added to the bias of the reading layer (its bias operand,
/// or a constant vector its only user adds); a layer without one is left
/// as it is.
void compensateMeans(const ChannelGraph &graph,
                     const llvm::DenseSet<int64_t> &removed,
                     const ChannelActivity &activity);

/// One group of mica-share-blocks, for the compile report.
struct SharedBlocks {
  llvm::SmallVector<int64_t> blocks;
  int64_t weights = 0; // matrices shared (0: the group was left alone)
  std::string skipped; // why, when left alone
};

/// mica-share-blocks on one function; its groups.
mlir::FailureOr<llvm::SmallVector<SharedBlocks>>
shareBlocks(mlir::func::FuncOp func, const ShareBlocksOptions &options);

/// One layer mica-sparsify looked at, for the compile report.
struct SparseLayer {
  std::string node; // the ONNX node of the layer
  std::string op;   // conv, fully_connected, matmul
  int64_t elements = 0, zeros = 0;
  bool data = false;   // scored with the calibration data
  std::string skipped; // why it was left dense, when it was
};

/// mica-sparsify on one function; the layers it looked at. With
/// `activity` (mica compile --calibration) a weight's score is |w| times
/// the root mean square of the input channel it reads (Wanda), where the
/// layer's input was measured; |w| elsewhere. Errors (a bad pattern or
/// ratio) are emitted at the function.
mlir::FailureOr<llvm::SmallVector<SparseLayer>>
sparsify(mlir::func::FuncOp func, const SparsifyOptions &options,
         const ChannelActivity &activity = {});

/// N and M of an `N:M` pattern (1 <= N < M <= 64).
mlir::FailureOr<std::pair<int64_t, int64_t>>
parseSparsityPattern(llvm::StringRef text);

/// One channel group of a sortable-width model (mica-sort-channels).
struct WidthGroup {
  std::string node; // the ONNX node of its producer
  std::string op;   // the producer's op
  int64_t channels = 0;
  int64_t round = 1;
};

/// A sortable-width model's group table (a module attribute) and, on each
/// group's producer op, its index in it.
using exec::kWidthGroupsAttr;
constexpr llvm::StringLiteral kWidthGroupAttr = "mica.width_group";
/// On graph ops (mica-annotate-width): {k = [G, scale], n = [G, scale]};
/// on linalg ops (the lowering): [[loop, G, scale], ...].
constexpr llvm::StringLiteral kWidthAttr = "mica.width";

/// mica-sort-channels on one function: its groups' channels permuted,
/// highest score first, producers tagged with their group's index; the
/// groups in that order. Errors are emitted at the function.
mlir::FailureOr<llvm::SmallVector<WidthGroup>>
sortChannels(mlir::func::FuncOp func, const SortChannelsOptions &options);

/// The group table as the module attribute kWidthGroupsAttr.
mlir::ArrayAttr widthGroupsAttr(mlir::MLIRContext *context,
                                llvm::ArrayRef<WidthGroup> groups);

/// mica-annotate-width on one function, with the module's group table
/// (updated: `bounded`, `reason`).
void annotateWidth(mlir::func::FuncOp func,
                   llvm::SmallVectorImpl<mlir::Attribute> &groups);

} // namespace mica

#endif // MICA_PASSES_PRUNE_PASSES_H
