//===- ChannelGroups.cpp - Channels that must be pruned together ----------===//
#include "passes/prune/ChannelGroups.h"

#include "dialects/graph/IR/GraphDialect.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

RankedTensorType staticType(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() ? type : RankedTensorType();
}

/// Ranked is enough where only the channel dims' sizes are read (a batch
/// left symbolic by the user keeps them static); each use checks those.
RankedTensorType rankedType(Value value) {
  return dyn_cast<RankedTensorType>(value.getType());
}

bool isConstant(Value value) {
  return value && value.getDefiningOp<ConstantOp>();
}

/// A constant whose elements can be sliced byte-wise (not i1's packed bits).
bool isSliceableConstant(Value value) {
  if (!isConstant(value) || !staticType(value))
    return false;
  unsigned bits = getElementTypeOrSelf(value.getType()).getIntOrFloatBitWidth();
  return bits % 8 == 0;
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

} // namespace

ChannelGraph::ChannelGraph(func::FuncOp func) {
  for (Operation &op : func.getBody().front()) {
    addSource(&op);
    for (OpOperand &operand : op.getOpOperands()) {
      if (isConstant(operand.get()))
        continue;
      // Spaces this visit creates on the operand are tied already.
      SmallVector<int, 1> current(spacesOf(operand.get()));
      for (int space : current)
        propagate(&op, operand.getOperandNumber(), space);
    }
  }
  finish();
}

ArrayRef<int> ChannelGraph::spacesOf(Value value) const {
  auto it = byValue.find(value);
  return it == byValue.end() ? ArrayRef<int>() : ArrayRef<int>(it->second);
}

int64_t ChannelGraph::root(int64_t node) const {
  while (parent[node] != node) {
    parent[node] = parent[parent[node]];
    node = parent[node];
  }
  return node;
}

int ChannelGraph::create(Value value, Atom atom, ChannelRole role,
                         bool coarser) {
  int id = spaceList.size();
  spaceList.push_back({value, atom, role, static_cast<int64_t>(parent.size())});
  for (int64_t c = 0; c < atom.extent; ++c) {
    parent.push_back(parent.size());
    frozen.push_back(false);
  }
  // Two channel axes laid differently over one dim (a flatten read as
  // channels of two sizes) cannot be sliced consistently: neither prunes.
  SmallVector<int, 1> &list = byValue[value];
  for (int other : SmallVector<int, 1>(list))
    if (spaceList[other].atom.dim == atom.dim && !coarser) {
      freeze(other);
      freeze(id);
    }
  byValue[value].push_back(id);
  return id;
}

int ChannelGraph::getOrCreate(Value value, Atom atom, ChannelRole role) {
  for (int space : spacesOf(value))
    if (spaceList[space].atom == atom)
      return space;
  return create(value, atom, role);
}

int ChannelGraph::operandSpace(Value value, Atom atom, ChannelRole role) {
  if (isSliceableConstant(value))
    return getOrCreate(value, atom, role);
  for (int space : spacesOf(value))
    if (spaceList[space].atom == atom)
      return space;
  int space = create(value, atom, ChannelRole::Value);
  freeze(space);
  return space;
}

void ChannelGraph::consume(Operation *reader, int activation, Value weight,
                           Atom atom) {
  int space = operandSpace(weight, atom, ChannelRole::Consumer);
  spaceList[space].activation = activation;
  spaceList[space].reader = reader;
  tie(activation, space);
}

void ChannelGraph::tie(int a, int64_t offsetA, int b, int64_t offsetB,
                       int64_t count) {
  for (int64_t c = 0; c < count; ++c) {
    int64_t ra = root(node(a, offsetA + c)), rb = root(node(b, offsetB + c));
    if (ra != rb)
      parent[std::max(ra, rb)] = std::min(ra, rb);
  }
}

void ChannelGraph::freeze(int space, int64_t offset, int64_t count) {
  if (count < 0)
    count = spaceList[space].atom.extent - offset;
  for (int64_t c = 0; c < count; ++c)
    frozen[node(space, offset + c)] = true;
}

void ChannelGraph::addSource(Operation *op) {
  Value weight, bias;
  int64_t rowsDim = 0;
  if (auto conv = dyn_cast<ConvOp>(op)) {
    if (conv.getGroups() != 1)
      return;
    weight = conv.getWeight();
    bias = conv.getBias();
    rowsDim = 0;
  } else if (auto fc = dyn_cast<FullyConnectedOp>(op)) {
    weight = fc.getWeight();
    bias = fc.getBias();
  } else if (auto matmul = dyn_cast<MatmulOp>(op)) {
    auto lhs = rankedType(matmul.getLhs());
    auto rhs = staticType(matmul.getRhs());
    if (!lhs || !rhs || lhs.getRank() < 2 || rhs.getRank() != 2)
      return;
    weight = matmul.getRhs();
    rowsDim = 1;
  } else {
    return;
  }
  auto out = rankedType(op->getResult(0));
  if (!out || !isSliceableConstant(weight) ||
      (bias && !isSliceableConstant(bias)))
    return;
  int64_t channelDim = isa<ConvOp>(op) ? 1 : out.getRank() - 1;
  int64_t channels = out.getDimSize(channelDim);
  if (ShapedType::isDynamic(channels) || channels < 2)
    return;
  if (isa<FullyConnectedOp>(op))
    rowsDim = 0;
  int space = create(op->getResult(0), Atom{channelDim, 1, channels},
                     ChannelRole::Value);
  tie(space,
      operandSpace(weight, Atom{rowsDim, 1, channels}, ChannelRole::Producer));
  if (bias)
    tie(space, operandSpace(bias, Atom{0, 1, channels}, ChannelRole::Producer));
}

void ChannelGraph::propagate(Operation *op, unsigned operand, int space) {
  Atom atom = spaceList[space].atom;
  auto in = rankedType(op->getOperand(operand));
  auto stop = [&] { freeze(space); };
  if (!in || op->getNumResults() == 0 || isa<func::ReturnOp>(op))
    return stop();
  auto out = rankedType(op->getResult(0));
  // The channels continue in result `index` at `next`.
  auto keep = [&](Atom next, unsigned index = 0) {
    tie(space, getOrCreate(op->getResult(index), next, ChannelRole::Value));
  };
  // The op's other operands must carry the same channels where their dims
  // meet the result's (numpy broadcasting: a dim of 1 does not).
  auto alignOthers = [&](Atom inResult, ChannelRole role) {
    for (OpOperand &other : op->getOpOperands()) {
      if (other.getOperandNumber() == operand)
        continue;
      auto type = rankedType(other.get());
      if (!type)
        return false;
      int64_t dim = inResult.dim - (out.getRank() - type.getRank());
      if (dim < 0 || type.getDimSize(dim) == 1)
        continue;
      if (type.getDimSize(dim) != in.getDimSize(atom.dim))
        return false;
      tie(space,
          operandSpace(other.get(), Atom{dim, atom.inner, atom.extent}, role));
    }
    return true;
  };
  if (!out)
    return stop();
  int64_t rank = in.getRank();
  Atom same{atom.dim + (out.getRank() - rank), atom.inner, atom.extent};

  if ((op->hasTrait<OpTrait::SameOperandsAndResultType>() &&
       op->getNumOperands() == 1) ||
      isa<CastOp>(op))
    return keep(atom);
  if (isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, ModOp, RemOp,
          EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp, AndOp, OrOp,
          XorOp, SelectOp>(op)) {
    if (!alignOthers(same, ChannelRole::Other))
      return stop();
    return keep(same);
  }
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    if (reshape.getShape())
      return stop();
    if (std::optional<Atom> next =
            atomThroughReshape(in.getShape(), atom, out.getShape()))
      return keep(*next);
    return splitChannels(space, op->getResult(0)) ? void() : stop();
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    auto indices = rankedType(gather.getIndices());
    int64_t axis = normalizeAxis(gather.getAxis(), rank);
    if (operand != 0 || !indices || atom.dim == axis)
      return stop();
    return keep(
        Atom{atom.dim < axis ? atom.dim : atom.dim - 1 + indices.getRank(),
             atom.inner, atom.extent});
  }
  if (auto attention = dyn_cast<AttentionOp>(op))
    return attentionHeads(attention, operand, space) ? void() : stop();
  if (auto transpose = dyn_cast<TransposeOp>(op)) {
    auto it = llvm::find(transpose.getPerm(), atom.dim);
    return keep(
        Atom{it - transpose.getPerm().begin(), atom.inner, atom.extent});
  }
  if (auto norm = dyn_cast<BatchNormOp>(op)) {
    if (atom.dim != 1)
      return keep(atom);
    if (atom.inner != 1 || atom.extent != in.getDimSize(1))
      return stop();
    for (Value param :
         {norm.getScale(), norm.getBias(), norm.getMean(), norm.getVariance()})
      tie(space,
          operandSpace(param, Atom{0, 1, atom.extent}, ChannelRole::Other));
    return keep(atom);
  }
  if (auto norm = dyn_cast<LayerNormOp>(op))
    return atom.dim < normalizeAxis(norm.getAxis(), rank) ? keep(atom) : stop();
  if (auto softmax = dyn_cast<SoftmaxOp>(op))
    return atom.dim != normalizeAxis(softmax.getAxis(), rank) ? keep(atom)
                                                              : stop();
  if (auto softmax = dyn_cast<LogSoftmaxOp>(op))
    return atom.dim != normalizeAxis(softmax.getAxis(), rank) ? keep(atom)
                                                              : stop();
  if (isa<MaxPoolOp, AvgPoolOp>(op))
    return atom.dim <= 1 ? keep(atom) : stop();
  if (auto reduce = dyn_cast<ReduceOp>(op)) {
    int64_t before = 0;
    if (reduce.getAxes().empty())
      return stop();
    for (int64_t axis : reduce.getAxes()) {
      axis = normalizeAxis(axis, rank);
      if (axis == atom.dim)
        return stop();
      before += axis < atom.dim;
    }
    return keep(Atom{reduce.getKeepdims() ? atom.dim : atom.dim - before,
                     atom.inner, atom.extent});
  }
  if (auto pad = dyn_cast<PadOp>(op)) {
    ArrayRef<int64_t> pads = pad.getPads();
    return pads[atom.dim] == 0 && pads[atom.dim + rank] == 0 ? keep(atom)
                                                             : stop();
  }
  if (auto conv = dyn_cast<ConvOp>(op)) {
    if (operand != 0 || atom.dim > 1)
      return stop();
    if (atom.dim == 0)
      return keep(atom);
    int64_t channelsIn = in.getDimSize(1), channelsOut = out.getDimSize(1);
    if (conv.getGroups() == 1) {
      if (!isSliceableConstant(conv.getWeight()))
        return stop();
      consume(op, space, conv.getWeight(), Atom{1, atom.inner, atom.extent});
      return;
    }
    // Depthwise (channel multiplier m): channel c is output channels
    // c*m..c*m+m-1, and weight and bias rows likewise.
    Value bias = conv.getBias();
    if (static_cast<int64_t>(conv.getGroups()) != channelsIn ||
        atom.inner != 1 || atom.extent != channelsIn ||
        channelsOut % channelsIn != 0 ||
        !isSliceableConstant(conv.getWeight()) ||
        (bias && !isSliceableConstant(bias)))
      return stop();
    Atom rows{0, channelsOut / channelsIn, channelsIn};
    tie(space, operandSpace(conv.getWeight(), rows, ChannelRole::Producer));
    if (bias)
      tie(space, operandSpace(bias, rows, ChannelRole::Producer));
    return keep(Atom{1, rows.inner, channelsIn});
  }
  if (auto conv = dyn_cast<ConvTransposeOp>(op)) {
    if (operand != 0 || atom.dim != 1 || conv.getGroups() != 1 ||
        !isSliceableConstant(conv.getWeight()))
      return stop();
    consume(op, space, conv.getWeight(), Atom{0, atom.inner, atom.extent});
    return;
  }
  if (auto fc = dyn_cast<FullyConnectedOp>(op)) {
    if (operand != 0)
      return stop();
    if (atom.dim != rank - 1)
      return keep(atom);
    if (!isSliceableConstant(fc.getWeight()))
      return stop();
    consume(op, space, fc.getWeight(), Atom{1, atom.inner, atom.extent});
    return;
  }
  if (auto matmul = dyn_cast<MatmulOp>(op)) {
    auto rhs = rankedType(matmul.getRhs());
    if (operand == 0 && rank >= 2 && rhs) {
      if (atom.dim == rank - 1) {
        if (rhs.getRank() != 2 || !isSliceableConstant(matmul.getRhs()))
          return stop();
        consume(op, space, matmul.getRhs(), Atom{0, atom.inner, atom.extent});
        return;
      }
      if (atom.dim == rank - 2 || rhs.getRank() <= 2)
        return keep(same);
    }
    if (operand == 1 && rank >= 2 && atom.dim == rank - 1 &&
        rankedType(matmul.getLhs()) &&
        rankedType(matmul.getLhs()).getRank() >= 2)
      return keep(Atom{out.getRank() - 1, atom.inner, atom.extent});
    return stop();
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    int64_t axis = normalizeAxis(concat.getAxis(), rank);
    if (atom.dim != axis) {
      if (!alignOthers(atom, ChannelRole::Other))
        return stop();
      return keep(atom);
    }
    if (atom.inner != 1 || atom.extent != in.getDimSize(axis) ||
        out.isDynamicDim(axis) || llvm::any_of(op->getOperands(), [&](Value v) {
          return rankedType(v).isDynamicDim(axis);
        }))
      return stop();
    // The result's channels are the operands' side by side; those of an
    // operand that carries none cannot go.
    Atom whole{axis, 1, out.getDimSize(axis)};
    bool fresh = llvm::none_of(spacesOf(concat.getResult()), [&](int s) {
      return spaceList[s].atom == whole;
    });
    int result = getOrCreate(concat.getResult(), whole, ChannelRole::Value);
    int64_t offset = 0, mine = 0;
    for (OpOperand &input : op->getOpOperands()) {
      int64_t size = rankedType(input.get()).getDimSize(axis);
      if (input.getOperandNumber() == operand)
        mine = offset;
      Atom its{axis, 1, size};
      if (fresh && llvm::none_of(spacesOf(input.get()), [&](int s) {
            return spaceList[s].atom == its;
          }))
        freeze(result, offset, size);
      offset += size;
    }
    tie(space, 0, result, mine, atom.extent);
    return;
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    if (slice.getSteps()[atom.dim] != 1)
      return stop();
    int64_t size = in.getDimSize(atom.dim);
    int64_t count = out.getDimSize(atom.dim);
    if (ShapedType::isDynamic(count))
      return stop();
    if (count == size)
      return keep(atom);
    if (atom.inner != 1 || atom.extent != size)
      return stop();
    int64_t start = slice.getStarts()[atom.dim];
    start = std::clamp<int64_t>(start < 0 ? start + size : start, 0, size);
    int result = getOrCreate(slice.getResult(), Atom{atom.dim, 1, count},
                             ChannelRole::Value);
    tie(space, start, result, 0, count);
    return;
  }
  if (auto split = dyn_cast<SplitOp>(op)) {
    int64_t axis = normalizeAxis(split.getAxis(), rank);
    if (atom.dim != axis) {
      for (unsigned i = 0; i < op->getNumResults(); ++i)
        keep(atom, i);
      return;
    }
    if (atom.inner != 1 || atom.extent != in.getDimSize(axis))
      return stop();
    int64_t offset = 0;
    for (auto [i, size] : llvm::enumerate(split.getSizes())) {
      if (size > 0)
        tie(space, offset,
            getOrCreate(op->getResult(i), Atom{axis, 1, size},
                        ChannelRole::Value),
            0, size);
      offset += size;
    }
    return;
  }
  stop();
}

bool ChannelGraph::splitChannels(int space, Value result) {
  // A reshape that splits a channel axis into several dims ([B, S, 3*H*D]
  // -> [B, S, 3, H, D], an attention's head split): its channels can only
  // go by whole indices of one of those dims, the second-to-last (the
  // heads; the last is within a head, the first picks q, k or v). Channel
  // c of the input ties to that dim's index of c.
  Atom atom = spaceList[space].atom;
  auto in = rankedType(spaceList[space].value);
  auto out = rankedType(result);
  if (!out || atom.inner != 1 || atom.extent != in.getDimSize(atom.dim))
    return false;
  int64_t stride = 1;
  for (int64_t d = atom.dim + 1; d < in.getRank(); ++d) {
    if (in.isDynamicDim(d))
      return false;
    stride *= in.getDimSize(d);
  }
  // The output dims [first, last] that hold the axis exactly.
  int64_t outStride = 1, last = -1, first = -1, product = 1;
  for (int64_t d = out.getRank() - 1; d >= 0 && first < 0; --d) {
    if (out.isDynamicDim(d))
      return false;
    if (outStride == stride)
      last = d;
    if (last >= 0) {
      product *= out.getDimSize(d);
      if (product == atom.extent)
        first = d;
      else if (product > atom.extent)
        return false;
    }
    outStride *= out.getDimSize(d);
  }
  if (first < 0 || first == last)
    return false;
  int64_t heads = last - 1, within = 1;
  for (int64_t d = heads + 1; d <= last; ++d)
    within *= out.getDimSize(d);
  int64_t count = out.getDimSize(heads);
  int split = getOrCreate(result, Atom{heads, 1, count}, ChannelRole::Value);
  for (int64_t c = 0; c < atom.extent; ++c)
    tie(space, c, split, (c / within) % count, 1);
  return true;
}

bool ChannelGraph::attentionHeads(AttentionOp op, unsigned operand, int space) {
  // Heads go whole, from the query, key and value alike: channel c of
  // each is in head c / D, and the output's channels are the value's.
  Atom atom = spaceList[space].atom;
  auto query = rankedType(op.getQuery());
  if (operand > 2 || !query || query.isDynamicDim(query.getRank() - 1))
    return false;
  int64_t dim = query.getRank() - 1;
  int64_t heads = op.getNumHeads(), width = query.getDimSize(dim);
  if (op.getMask()) {
    // A mask per head would need slicing with them.
    auto mask = rankedType(op.getMask());
    if (!mask || (heads > 1 && mask.getRank() >= 3 &&
                  mask.getDimSize(mask.getRank() - 3) == heads))
      return false;
  }
  if (atom.dim == 0 && dim > 0) {
    // The batch of the products: heads folded into it ([B*H, S, D], as
    // torch's MultiheadAttention exports) go with the same batch entries
    // of the key, the value and the result.
    if (op.getKeyBias() || op.getMask())
      return false;
    for (Value other : {op.getQuery(), op.getKey(), op.getValue()})
      if (other != op->getOperand(operand))
        tie(space, operandSpace(other, atom, ChannelRole::Value));
    tie(space, getOrCreate(op.getResult(), atom, ChannelRole::Value));
    return true;
  }
  if (atom.dim != dim || atom.inner * atom.extent != width)
    return false;
  Atom head{dim, width / heads, heads};
  Atom channel{dim, 1, width};
  auto headSpace = [&](Value value) {
    for (int s : spacesOf(value))
      if (spaceList[s].atom == head)
        return s;
    return create(value, head, ChannelRole::Value, /*coarser=*/true);
  };
  // The operand's own channels, per channel or per head, join its heads.
  int mine = headSpace(op->getOperand(operand));
  if (mine != space) {
    if (!(atom == channel))
      return false;
    for (int64_t c = 0; c < width; ++c)
      tie(space, c, mine, c / head.inner, 1);
  }
  for (Value other : {op.getQuery(), op.getKey(), op.getValue()}) {
    if (other == op->getOperand(operand))
      continue;
    bool known = llvm::any_of(spacesOf(other), [&](int s) {
      return spaceList[s].atom == head || spaceList[s].atom == channel;
    });
    int theirs = headSpace(other);
    // An operand whose producer cannot drop heads keeps them all.
    if (!known)
      freeze(theirs);
    tie(mine, theirs);
  }
  tie(mine, getOrCreate(op.getResult(), head, ChannelRole::Value));
  return true;
}

void ChannelGraph::finish() {
  // A value read inside a region (the branches of an if, a loop body) has
  // readers the analysis does not follow: it keeps its channels.
  for (size_t id = 0; id < spaceList.size(); ++id) {
    Value value = spaceList[id].value;
    Block *block = value.getParentBlock();
    if (llvm::any_of(value.getUsers(), [&](Operation *user) {
          return user->getBlock() != block;
        }))
      freeze(id);
  }
  DenseMap<int64_t, bool> frozenRoot;
  for (size_t n = 0; n < parent.size(); ++n)
    if (frozen[n])
      frozenRoot[root(n)] = true;
  // A component belongs to the first space that holds one of its channels
  // (spaces are numbered in program order: its producer's result).
  DenseMap<int64_t, int> owner;
  DenseMap<int, size_t> groupOf;
  for (auto [id, space] : llvm::enumerate(spaceList)) {
    for (int64_t c = 0; c < space.atom.extent; ++c) {
      int64_t r = root(node(id, c));
      if (frozenRoot.count(r) || !owner.try_emplace(r, id).second)
        continue;
      auto [it, inserted] = groupOf.try_emplace(id, groupList.size());
      if (inserted)
        groupList.push_back({static_cast<int>(id), {}});
      groupList[it->second].roots.push_back(r);
    }
  }
  llvm::erase_if(groupList,
                 [](const ChannelGroup &g) { return g.roots.size() < 2u; });
}
