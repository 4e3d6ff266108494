//===- Atom.h - An axis inside a tensor's dims ------------------*- C++ -*-===//
//
// Axes that compression passes follow (tokens, frames, channels) are often
// merged with other axes by reshapes: torch's MultiheadAttention puts the
// frames of a video in the batch and the heads after them ([frames * heads,
// S, D]), a flatten before a linear layer puts the channels of a feature
// map outside its pixels ([N, C * H * W]). An Atom says where an axis of
// `extent` elements sits: in dim `dim`, with `inner` elements of that dim
// inside each of its steps (the dim is outer * extent * inner). Element i of
// the dim belongs to axis position (i / inner) % extent.
//
//===----------------------------------------------------------------------===//
#ifndef MICA_DIALECTS_GRAPH_ANALYSIS_ATOM_H
#define MICA_DIALECTS_GRAPH_ANALYSIS_ATOM_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>

namespace mica {

struct Atom {
  int64_t dim = 0;
  int64_t inner = 1;
  int64_t extent = 0;

  bool operator==(const Atom &other) const {
    return dim == other.dim && inner == other.inner && extent == other.extent;
  }
};

/// The atom after a row-major reshape from `in` to `out` (static shapes):
/// the output dim that holds it whole, or nullopt when the reshape splits
/// it across dims.
std::optional<Atom> atomThroughReshape(llvm::ArrayRef<int64_t> in, Atom atom,
                                       llvm::ArrayRef<int64_t> out);

} // namespace mica

#endif // MICA_DIALECTS_GRAPH_ANALYSIS_ATOM_H
