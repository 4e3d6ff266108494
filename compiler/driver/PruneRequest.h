//===- PruneRequest.h - What `mica compile --prune` asks --------*- C++ -*-===//
#ifndef MICA_COMPILER_DRIVER_PRUNEREQUEST_H
#define MICA_COMPILER_DRIVER_PRUNEREQUEST_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mica {

/// The sums of a contraction's input over the calibration items, per
/// element of one item: of the values and of their squares.
struct ActivitySums {
  std::vector<double> sum, squares;
  int64_t items = 0;
};
/// Per contraction (its tap key, TapModel.h), its input's sums.
using ActivityTable = std::map<std::string, ActivitySums>;

/// `--prune channels=F[,score=l1|l2|data][,round=N]` or `--prune
/// flops=F[,...]`, and/or `sparse=N:M|R` (docs/pruning.md). channels=0 prunes
/// nothing.
struct PruneRequest {
  /// The fraction of each channel group removed, in [0, 1).
  double channels = 0;
  /// With flops: the channel fraction that brings the model's multiply-adds
  /// to at most this fraction of the original, in (0, 1).
  double flops = 0;
  /// l1, l2 or data (the default with --calibration).
  std::string score = "l1";
  bool scoreGiven = false;
  int64_t round = 1;
  /// round=auto: the target's preferred channel multiple (its vector
  /// lanes), for groups of at least kAutoRoundUnits multiples; smaller
  /// groups round to 1. Resolved by the compile (Compile.cpp).
  bool roundAuto = false;
  static constexpr int64_t kAutoRoundUnits = 8;
  /// Groups of fewer channels round to 1: set where round=auto is resolved
  /// (for the compile's target, once: the calibration builds, for the
  /// host, must prune the same channels).
  int64_t roundMinChannels = 0;
  /// For score=data: the activations measured on the calibration data
  /// (PruneActivity.h), once per compile; the builds a compile makes of
  /// the same model (calibration, SQNR) reuse them.
  std::shared_ptr<const ActivityTable> activity;

  /// sparse=N:M (the pattern) or sparse=R (the fraction of each layer's
  /// weights set to zero): mica-sparsify after the channels.
  std::string sparsePattern;
  double sparseRatio = 0;

  /// Whether channels are removed.
  bool enabled() const { return channels > 0 || flops > 0; }
  /// Whether weights are sparsified.
  bool sparse() const { return !sparsePattern.empty() || sparseRatio > 0; }
};

/// `--sortable-width[=score=l1|l2][,round=N|auto]`: every channel group
/// ordered by importance (mica-sort-channels) so that the runtime can run
/// a prefix of each (mica run --width W) from one artifact.
struct SortableWidthRequest {
  bool enabled = false;
  std::string score = "l1";
  int64_t round = 1;
  /// round=auto (the default), as for --prune; resolved by the compile.
  bool roundAuto = true;
  int64_t roundMinChannels = 0;
};

/// `--remove-blocks N|F`: the N residual blocks (or the fraction F of them,
/// rounded) that change their input least on the calibration data.
struct BlockRemovalRequest {
  double count = 0;
  /// The blocks chosen (ResidualBlocks.h indices), once per compile; the
  /// builds a compile makes of the same model reuse them.
  std::shared_ptr<const std::vector<int64_t>> chosen;

  bool enabled() const { return count > 0; }
};

/// `--share-blocks K[,mode=mean|first][,scales=true|false]`: groups of K
/// adjacent residual blocks share their weight matrices.
struct BlockSharingRequest {
  int64_t group = 0;
  std::string mode = "mean";
  bool scales = true;

  bool enabled() const { return group > 1; }
};

/// Parses the --share-blocks value; false with `error` set on a bad one.
bool parseShareBlocks(llvm::StringRef text, BlockSharingRequest &request,
                      std::string &error);

/// Parses the --remove-blocks value; false with `error` set on a bad one.
bool parseRemoveBlocks(llvm::StringRef text, BlockRemovalRequest &request,
                       std::string &error);

/// Parses the --prune value; false with `error` set on a bad one.
/// Parses the value of --sortable-width (empty: the defaults); false with
/// `error` set on a bad value.
bool parseSortableWidth(llvm::StringRef text, SortableWidthRequest &request,
                        std::string &error);

bool parsePrune(llvm::StringRef text, PruneRequest &request,
                std::string &error);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_PRUNEREQUEST_H
