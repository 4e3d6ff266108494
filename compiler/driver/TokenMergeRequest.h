//===- TokenMergeRequest.h - What `mica compile --token-merge` asks -*- C++
//-*-===//
#ifndef MICA_COMPILER_DRIVER_TOKENMERGEREQUEST_H
#define MICA_COMPILER_DRIVER_TOKENMERGEREQUEST_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace mica {

/// `--token-merge r=N[,start=L][,protect=K][,proportional=true|false]` or
/// `--token-merge flops=F` (docs/token-merging.md); r = 0 and flops = 0
/// merge nothing.
struct TokenMergeRequest {
  int64_t r = 0;
  /// With flops: the r (the same in every block) that brings the model's
  /// multiply-adds to at most this fraction of the original, in (0, 1).
  double flops = 0;
  int64_t start = 0;
  int64_t protect = 1;
  bool proportional = true;

  bool enabled() const { return r > 0 || flops > 0; }
};

/// `--temporal-merge frames=F[,blocks=A-B][,dim=D]` (docs/token-merging.md):
/// frame pairs averaged around the attention of blocks A..B (all by default).
struct TemporalMergeRequest {
  int64_t frames = 0;
  int64_t first = 0, last = -1;
  /// dim=D: the frame axis's index in the input, when several dims have F
  /// elements (-1: the only one).
  int64_t dim = -1;
  /// --keep-unmerged: each entry point also compiled without merging, as
  /// NAME_unmerged, sharing the weights.
  bool keepUnmerged = false;

  bool enabled() const { return frames > 0; }
};

/// Parses the --token-merge value; false with `error` set on a bad one.
bool parseTokenMerge(llvm::StringRef text, TokenMergeRequest &options,
                     std::string &error);

/// Parses the --temporal-merge value; false with `error` set on a bad one.
bool parseTemporalMerge(llvm::StringRef text, TemporalMergeRequest &request,
                        std::string &error);

} // namespace mica

#endif // MICA_COMPILER_DRIVER_TOKENMERGEREQUEST_H
