//===- ChannelOrder.cpp - Scoring channel groups, gathering constants -----===//
#include "passes/prune/ChannelOrder.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

/// Mean |w|^power of a constant's elements per channel of `atom`.
SmallVector<double> channelMeans(Value value, Atom atom, int power) {
  auto attr = cast<DenseElementsAttr>(
      cast<ConstantOp>(value.getDefiningOp()).getValue());
  auto type = cast<RankedTensorType>(attr.getType());
  int64_t inner = atom.inner;
  for (int64_t d = atom.dim + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  SmallVector<double> sum(atom.extent, 0.0);
  SmallVector<int64_t> count(atom.extent, 0);
  auto add = [&](int64_t i, double w) {
    int64_t c = (i / inner) % atom.extent;
    sum[c] += power == 1 ? std::fabs(w) : w * w;
    ++count[c];
  };
  if (attr.getElementType().isF32()) {
    int64_t i = 0;
    for (float w : attr.getValues<float>())
      add(i++, w);
  } else if (isa<FloatType>(attr.getElementType())) {
    int64_t i = 0;
    for (const APFloat &w : attr.getValues<APFloat>())
      add(i++, w.convertToDouble());
  }
  for (int64_t c = 0; c < atom.extent; ++c)
    sum[c] = count[c] ? sum[c] / count[c] : 0.0;
  return sum;
}

} // namespace

void mica::splitSharedVectors(func::FuncOp func) {
  for (auto constant : llvm::make_early_inc_range(func.getOps<ConstantOp>())) {
    auto type = dyn_cast<RankedTensorType>(constant.getType());
    if (!type || type.getRank() != 1 || constant->hasOneUse())
      continue;
    for (OpOperand &use :
         llvm::make_early_inc_range(llvm::drop_begin(constant->getUses())))
      use.set(OpBuilder(constant).clone(*constant)->getResult(0));
  }
}

DenseMap<int64_t, double> mica::scoreChannels(const ChannelGraph &graph,
                                              StringRef scoreName,
                                              const ChannelActivity &activity) {
  ArrayRef<ChannelSpace> spaces = graph.spaces();
  bool data = scoreName == "data";
  DenseMap<int64_t, double> score;
  int power = scoreName == "l2" ? 2 : 1;
  for (auto [id, space] : llvm::enumerate(spaces)) {
    if (space.role != (data ? ChannelRole::Consumer : ChannelRole::Producer))
      continue;
    SmallVector<double> means = channelMeans(space.value, space.atom, power);
    if (data) {
      const ChannelSpace &input = spaces[space.activation];
      // A layer the dense model does not have weighs by its reading
      // weights alone.
      if (std::optional<ChannelStats> stats =
              activity(space.reader, input.atom))
        for (int64_t c = 0; c < space.atom.extent; ++c)
          means[c] *= stats->deviation[c];
    }
    for (int64_t c = 0; c < space.atom.extent; ++c)
      score[graph.root(graph.node(id, c))] += means[c];
  }
  return score;
}

SmallVector<int64_t>
mica::ascendingOrder(const ChannelGroup &group,
                     const DenseMap<int64_t, double> &score) {
  SmallVector<int64_t> order(group.roots.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return score.lookup(group.roots[a]) < score.lookup(group.roots[b]);
  });
  return order;
}

DenseElementsAttr mica::gatherElements(DenseElementsAttr attr,
                                       ArrayRef<SmallVector<int64_t>> kept,
                                       RankedTensorType type) {
  if (attr.isSplat())
    return DenseElementsAttr::get(type, attr.getSplatValue<Attribute>());
  auto old = cast<RankedTensorType>(attr.getType());
  size_t bytes = old.getElementTypeBitWidth() / 8;
  ArrayRef<char> raw = attr.getRawData();
  int64_t rank = old.getRank();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * old.getDimSize(d + 1);
  auto source = [&](int64_t d, int64_t i) {
    return kept[d].empty() ? i : kept[d][i];
  };
  std::vector<char> data(type.getNumElements() * bytes);
  SmallVector<int64_t> index(rank, 0);
  for (int64_t e = 0, n = type.getNumElements(); e < n; ++e) {
    int64_t from = 0;
    for (int64_t d = 0; d < rank; ++d)
      from += source(d, index[d]) * strides[d];
    std::memcpy(&data[e * bytes], &raw[from * bytes], bytes);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < type.getDimSize(d))
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::getFromRawBuffer(type, data);
}
