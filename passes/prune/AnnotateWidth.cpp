//===- AnnotateWidth.cpp - Contractions a run-time width bounds -----------===//
//
// On the graph stage 4 leaves, finds the sorted channel groups again and
// marks the contractions that read (k) or write (n) them, where every
// member holds the group's channels in order along a whole dim (see
// Passes.td, mica-annotate-width). A reduction that reads a group must stop
// at the active count, or it sums whatever the inactive channels hold: a
// group is bounded only when every reader can.
//
//===----------------------------------------------------------------------===//
#include "compiler/diagnostics/NodeLocation.h"
#include "passes/prune/ChannelOrder.h"
#include "passes/prune/Passes.h"

#include "llvm/Support/FormatVariadic.h"

#include <variant>

namespace mica {
#define GEN_PASS_DEF_ANNOTATEWIDTH
#include "passes/prune/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica;
using namespace mica::graph;

namespace {

/// `op` as the report names it: "conv at node 'x'".
std::string describe(Operation *op) {
  return llvm::formatv("{0} at node '{1}'", op->getName().stripDialect(),
                       getNodeLocInfo(op->getLoc()).node)
      .str();
}

/// Whether the atom covers its (static) dim whole, nothing outside it, in
/// a float tensor.
bool wholeDim(Value value, Atom atom) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getDimSize(atom.dim) == atom.extent * atom.inner &&
         isa<FloatType>(type.getElementType());
}

/// Whether `atom` of `value`, `op`'s input or result, is the channel dim
/// of a contraction whose lowering gives it a loop of its own: input and
/// output channels of a convolution with groups = 1, the last dim of a
/// fully-connected layer or of a product with a constant 2-D right operand.
bool hasChannelLoop(Operation *op, Value value, Atom atom) {
  if (!op || !wholeDim(value, atom))
    return false;
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  if (auto conv = dyn_cast<ConvOp>(op))
    return conv.getGroups() == 1 && atom.dim == 1 && rank >= 3 && rank <= 5;
  if (isa<FullyConnectedOp>(op))
    return atom.dim == rank - 1;
  if (auto matmul = dyn_cast<MatmulOp>(op)) {
    auto rhs = dyn_cast<RankedTensorType>(matmul.getRhs().getType());
    return rhs && rhs.getRank() == 2 && atom.dim == rank - 1;
  }
  return false;
}

/// Whether `value` is the result of a depthwise convolution (one filter
/// per channel), whose channels, at `atom`, are an outer loop of its
/// kernel: bounding it only skips work.
bool isDepthwiseResult(Value value, Atom atom) {
  auto conv = value.getDefiningOp<ConvOp>();
  if (!conv || !wholeDim(value, atom) || atom.dim != 1 || atom.inner != 1)
    return false;
  auto in = dyn_cast<RankedTensorType>(conv.getInput().getType());
  auto type = cast<RankedTensorType>(value.getType());
  return in && in.getRank() == 4 && type.getRank() == 4 &&
         static_cast<int64_t>(conv.getGroups()) == in.getDimSize(1) &&
         in.getDimSize(1) == type.getDimSize(1);
}

struct Bound {
  Operation *op;
  StringRef key; // k: the reduction over the group; n: its outputs
  int64_t scale; // elements of the dim per channel of the group
};

/// The bounds of one group, or why it cannot have them.
std::variant<SmallVector<Bound>, std::string>
boundsOf(const ChannelGraph &graph, const ChannelGroup &group,
         int64_t channels) {
  ArrayRef<ChannelSpace> spaces = graph.spaces();
  int64_t n = group.roots.size();
  if (n != channels)
    return llvm::formatv("{0} channels after graph optimisation, {1} when "
                         "sorted",
                         n, channels)
        .str();
  DenseMap<int64_t, int64_t> index;
  for (auto [i, root] : llvm::enumerate(group.roots))
    index[root] = i;
  // Whether channel c of space `id` is the group's channel c / u (then
  // the first `count` channels are its first count * u * inner elements);
  // or why not.
  auto order = [&](int64_t id) -> std::string {
    const ChannelSpace &space = spaces[id];
    Operation *where = space.value.getDefiningOp();
    std::string what =
        "the " + (where ? "result of " + describe(where) : "model input");
    int64_t extent = space.atom.extent, u = extent / n;
    for (int64_t c = 0; c < extent; ++c)
      if (!index.count(graph.root(graph.node(id, c))) || extent % n != 0)
        return what + " holds its channels among others";
    for (int64_t c = 0; c < extent; ++c)
      if (index.lookup(graph.root(graph.node(id, c))) != c / u)
        return what + " holds its channels out of order";
    return "";
  };
  // Only what the kernels bound must hold the group in order: the inputs
  // of the readers (a prefix is read) and the outputs of bounded producers
  // (a prefix is written). Ops in between compute every channel where it
  // is, from the same channels of their inputs.
  SmallVector<Bound> bounds;
  for (auto [id, space] : llvm::enumerate(spaces)) {
    bool member = false;
    for (int64_t c = 0; c < space.atom.extent && !member; ++c)
      member = index.count(graph.root(graph.node(id, c)));
    if (!member)
      continue;
    if (space.role == ChannelRole::Consumer && space.reader) {
      const ChannelSpace &input = spaces[space.activation];
      if (!space.value.hasOneUse())
        return "a weight read by several layers (" + describe(space.reader) +
               ")";
      if (space.reader->getOperand(0) != input.value ||
          !hasChannelLoop(space.reader, input.value, input.atom))
        return "read by " + describe(space.reader) +
               ", which cannot stop at a run-time width";
      std::string why = order(space.activation);
      if (!why.empty())
        return why + ", which " + describe(space.reader) + " reads";
      bounds.push_back(
          {space.reader, "k", input.atom.extent / n * input.atom.inner});
    }
    Operation *where = space.value.getDefiningOp();
    if (space.role == ChannelRole::Value &&
        (hasChannelLoop(where, space.value, space.atom) ||
         isDepthwiseResult(space.value, space.atom)) &&
        order(id).empty())
      bounds.push_back({where, "n", space.atom.extent / n * space.atom.inner});
  }
  return bounds;
}

} // namespace

void mica::annotateWidth(func::FuncOp func, SmallVectorImpl<Attribute> &table) {
  MLIRContext *context = func.getContext();
  Builder b(context);
  // The analysis runs on a copy whose shared vectors are split (as sorting
  // saw them); the copy's ops map back to the function's.
  OwningOpRef<func::FuncOp> copy = func.clone();
  DenseMap<Operation *, Operation *> original;
  {
    SmallVector<Operation *> mine, theirs;
    func.walk([&](Operation *op) { mine.push_back(op); });
    copy->walk([&](Operation *op) { theirs.push_back(op); });
    for (auto [a, c] : llvm::zip_equal(mine, theirs))
      original[c] = a;
  }
  splitSharedVectors(*copy);
  ChannelGraph graph(*copy);
  ArrayRef<ChannelSpace> spaces = graph.spaces();

  auto setStatus = [&](int64_t g, bool bounded, StringRef reason) {
    NamedAttrList entry(cast<DictionaryAttr>(table[g]));
    // A group bounded in one entry point but not in another is reported
    // with the reason (each function's bounds stand on their own).
    if (auto was = entry.get("bounded"))
      if (!cast<BoolAttr>(was).getValue())
        return;
    entry.set("bounded", b.getBoolAttr(bounded));
    if (!bounded)
      entry.set("reason", b.getStringAttr(reason));
    table[g] = entry.getDictionary(context);
  };
  SmallVector<bool> seen(table.size(), false);
  for (const ChannelGroup &group : graph.groups()) {
    Operation *producer = spaces[group.space].value.getDefiningOp();
    auto tag = producer ? producer->getAttrOfType<IntegerAttr>(kWidthGroupAttr)
                        : IntegerAttr();
    if (!tag || tag.getInt() < 0 ||
        tag.getInt() >= static_cast<int64_t>(table.size()))
      continue;
    int64_t g = tag.getInt();
    seen[g] = true;
    int64_t channels =
        cast<IntegerAttr>(cast<DictionaryAttr>(table[g]).get("channels"))
            .getInt();
    auto bounds = boundsOf(graph, group, channels);
    if (auto *why = std::get_if<std::string>(&bounds)) {
      setStatus(g, false, *why);
      continue;
    }
    for (const Bound &bound : std::get<SmallVector<Bound>>(bounds)) {
      Operation *op = original.lookup(bound.op);
      NamedAttrList width;
      if (auto existing = op->getAttrOfType<DictionaryAttr>(kWidthAttr))
        width = NamedAttrList(existing);
      width.set(bound.key, b.getDenseI64ArrayAttr({g, bound.scale}));
      op->setAttr(kWidthAttr, width.getDictionary(context));
    }
    setStatus(g, true, "");
  }
  for (auto [g, found] : llvm::enumerate(seen))
    if (!found)
      setStatus(g, false,
                "its channels are no longer one group after graph "
                "optimisation");
}

namespace {

struct AnnotateWidthPass : mica::impl::AnnotateWidthBase<AnnotateWidthPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto groups = module->getAttrOfType<ArrayAttr>(kWidthGroupsAttr);
    if (!groups)
      return;
    SmallVector<Attribute> table(groups.getValue());
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        annotateWidth(func, table);
    module->setAttr(kWidthGroupsAttr, ArrayAttr::get(&getContext(), table));
  }
};

} // namespace
