//===- Atom.cpp - An axis inside a tensor's dims --------------------------===//
#include "dialects/graph/Analysis/Atom.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"

using namespace mlir;
using namespace mica;

static int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

std::optional<Atom> mica::atomThroughReshape(ArrayRef<int64_t> in, Atom atom,
                                             ArrayRef<int64_t> out) {
  // Only the dims from the atom's inward need be static: a symbolic batch
  // in front moves nothing inside.
  if (ShapedType::isDynamicShape(in.drop_front(atom.dim)))
    return std::nullopt;
  int64_t stride = product(in.drop_front(atom.dim + 1)) * atom.inner;
  int64_t span = stride * atom.extent;
  for (int64_t d = out.size() - 1; d >= 0; --d) {
    if (ShapedType::isDynamic(out[d]))
      return std::nullopt;
    int64_t outStride = product(out.drop_front(d + 1));
    int64_t outSpan = outStride * out[d];
    if (outStride <= stride && stride % outStride == 0 && outSpan >= span &&
        outSpan % span == 0)
      return Atom{d, stride / outStride, atom.extent};
  }
  return std::nullopt;
}
