//===- PruneRequest.h - What `mica compile --prune` asks --------*- C++ -*-===//
#ifndef MICA_COMPILER_DRIVER_PRUNEREQUEST_H
#define MICA_COMPILER_DRIVER_PRUNEREQUEST_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace mica {

/// `--prune channels=F[,score=l1|l2][,round=N]` or `--prune flops=F[,...]`
/// (docs/pruning.md). channels=0 prunes nothing.
struct PruneRequest {
  /// The fraction of each channel group removed, in [0, 1).
  double channels = 0;
  /// With flops: the channel fraction that brings the model's multiply-adds
  /// to at most this fraction of the original, in (0, 1).
  double flops = 0;
  std::string score = "l1";
  int64_t round = 1;

  bool enabled() const { return channels > 0 || flops > 0; }
};

/// Parses the --prune value; false with `error` set on a bad one.
bool parsePrune(llvm::StringRef text, PruneRequest &request,
                std::string &error);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_PRUNEREQUEST_H
