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
  if (ShapedType::isDynamicShape(in) || ShapedType::isDynamicShape(out))
    return std::nullopt;
  int64_t stride = product(in.drop_front(atom.dim + 1)) * atom.inner;
  int64_t span = stride * atom.extent;
  for (size_t d = 0; d < out.size(); ++d) {
    int64_t outStride = product(out.drop_front(d + 1));
    int64_t outSpan = outStride * out[d];
    if (outStride <= stride && stride % outStride == 0 && outSpan >= span &&
        outSpan % span == 0)
      return Atom{static_cast<int64_t>(d), stride / outStride, atom.extent};
  }
  return std::nullopt;
}
