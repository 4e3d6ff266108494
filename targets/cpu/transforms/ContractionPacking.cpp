//===- ContractionPacking.cpp - Constants packed for a kernel ---------===//
//
// Constant operands of a contraction re-laid at compile time (see
// ContractionEmitter.h): B into panels of the tile width, A into blocks of
// MR rows, so that each reduction step reads one contiguous stream; for
// smmla, word pairs of the pair dim interleaved per row or column.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/ContractionEmitter.h"

#include <cstring>

using namespace mlir;
using namespace mica::cpu;

LogicalResult ContractionEmitter::packB() {
  // Panels of NR = nv * lanes columns: panel t holds, for every reduction
  // index k, the NR values B[k, t*NR .. t*NR+NR), zero past N.
  int64_t nr = p.nv * lanes;
  packed = packPanels(p.op.getDpsInputOperand(p.bInput), p.nDim, p.nExtent, nr,
                      ("_panels" + Twine(nr)).str());
  return success(packed != nullptr);
}

Value ContractionEmitter::packPanels(OpOperand *operand, unsigned dim,
                                     int64_t count, int64_t width,
                                     StringRef suffix) {
  auto getGlobal =
      rootBuffer(operand->get()).getDefiningOp<memref::GetGlobalOp>();
  auto global = symbols.lookup<memref::GlobalOp>(getGlobal.getName());
  std::optional<std::vector<char>> data = readConstant(global);
  std::optional<AccessPattern> pattern =
      analyzeAccess(cast<MemRefType>(operand->get().getType()),
                    p.op.getMatchingIndexingMap(operand));
  if (!data || !pattern || !pattern->offset)
    return Value();
  Type element = global.getType().getElementType();
  int64_t bytes = element.getIntOrFloatBitWidth() / 8;
  int64_t size = static_cast<int64_t>(data->size()) / bytes;
  // The reduction dims flattened row-major in loop order, smmla's pair dim
  // innermost: a panel holds for each pair of its words 2 * width values,
  // [i0 k0, i0 k1, i1 k0, i1 k1, i2 k0, ...], an smmla operand per 16
  // bytes.
  SmallVector<unsigned> order;
  for (unsigned d : p.red)
    if (static_cast<int64_t>(d) != pairDim)
      order.push_back(d);
  if (pairDim >= 0)
    order.push_back(pairDim);
  redStride.assign(p.numLoops, 0);
  kFlat = 1;
  for (unsigned d : llvm::reverse(order)) {
    redStride[d] = kFlat;
    kFlat *= p.extents[d];
  }
  int64_t panels = (count + width - 1) / width;
  std::vector<char> panel(panels * kFlat * width * bytes, 0);
  for (int64_t kk = 0; kk < kFlat; ++kk) {
    int64_t rem = kk, base = *pattern->offset;
    for (unsigned d : llvm::reverse(order)) {
      int64_t idx = rem % p.extents[d];
      rem /= p.extents[d];
      if (pattern->dependsOn(d))
        base += *pattern->coef[d] * idx;
    }
    for (int64_t i = 0; i < count; ++i) {
      int64_t src = base + *pattern->coef[dim] * i;
      if (src < 0 || src >= size)
        return Value();
      int64_t in = i % width;
      int64_t dst = (i / width) * kFlat * width +
                    (pairDim < 0 ? kk * width + in
                                 : (kk / 2) * 2 * width + (in / 2) * 4 +
                                       (in % 2) * 2 + kk % 2);
      std::memcpy(&panel[dst * bytes], &(*data)[src * bytes], bytes);
    }
  }
  return packedConstant(global, suffix, panel);
}

Value ContractionEmitter::packedConstant(memref::GlobalOp like,
                                         StringRef suffix,
                                         ArrayRef<char> data) {
  Type element = like.getType().getElementType();
  int64_t count = data.size() / (element.getIntOrFloatBitWidth() / 8);
  return createConstantGlobal(b, loc, symbols, like, suffix,
                              MemRefType::get({count}, element), data);
}

LogicalResult ContractionEmitter::packA() {
  // Blocks of MR rows: block t holds, for every reduction index k, A[t*MR ..
  // t*MR+MR), k], zero past M. A tile's step then reads MR adjacent scalars.
  int64_t mr = p.mr;
  Value flat = packPanels(p.op.getDpsInputOperand(p.aInput), p.mDim,
                          p.extents[p.mDim], mr, ("_rows" + Twine(mr)).str());
  if (!flat)
    return failure();
  FlatAccess access;
  access.flat = flat;
  access.base = im.constant(0);
  access.coef.assign(p.numLoops, im.constant(0));
  access.depends.assign(p.numLoops, false);
  // Row blocks start at multiples of MR: block m0 / MR begins at m0 * K.
  access.coef[p.mDim] = im.constant(kFlat);
  access.depends[p.mDim] = true;
  for (unsigned d : p.red) {
    access.coef[d] = im.constant(redStride[d] * mr);
    access.depends[d] = p.extents[d] > 1;
  }
  a = access;
  return success();
}
