//===- PartitionWeights.cpp - Steps whose weights stream ------------------===//
//
// See Passes.td (mica-partition-weights). The analysis is WeightUnits.h,
// the cost model PlanBlocks.h; this file applies the plan: one function
// per step, the segments rebuilt, the entry point's steps.
//
//===----------------------------------------------------------------------===//
#include "passes/partition/Passes.h"
#include "passes/partition/PlanBlocks.h"
#include "passes/partition/WeightUnits.h"

#include "compiler/diagnostics/NodeLocation.h"
#include "targets/cpu/kernel/KernelAbi.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/FormatVariadic.h"

namespace mica {
#define GEN_PASS_DEF_PARTITIONWEIGHTS
#include "passes/partition/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::partition;
namespace exec = mica::exec;

namespace {

constexpr int64_t kAlignment = mica::kernel::kAlignment;

/// The arena among a bound function's arguments (KernelAbi.h).
constexpr unsigned kArenaArgument = 2;

/// Bytes of a spilled scalar's arena slot: its size rounded up to 8 (an
/// index is 8 bytes on every target).
int64_t slotBytes(Type type) {
  int64_t bits = type.isIndex() ? 64 : type.getIntOrFloatBitWidth();
  return std::max<int64_t>(8, (bits + 63) / 64 * 8);
}

int64_t alignUp(int64_t x) {
  return (x + kAlignment - 1) / kAlignment * kAlignment;
}

/// `bytes` for people, in MiB, KiB or bytes; `up` rounds up (a minimum that
/// must be enough when typed back in).
std::string formatBytes(int64_t bytes, bool up = false) {
  auto format = [&](double unit, const char *name) {
    double value = bytes / unit;
    value = up ? std::ceil(value * 10 - 1e-9) / 10 : value;
    return llvm::formatv("{0:F1} {1}", value, name).str();
  };
  if (bytes >= (1 << 20))
    return format(1 << 20, "MiB");
  if (bytes >= (1 << 10))
    return format(1 << 10, "KiB");
  return llvm::formatv("{0} bytes", bytes).str();
}

/// Where a segment's ranges go in a new, compacted segment: each merged
/// range at a 64-byte aligned offset (offsets inside a range keep their
/// alignment).
struct SegmentLayout {
  SmallVector<ByteRange> from;
  SmallVector<int64_t> to;
  int64_t size = 0;

  explicit SegmentLayout(SmallVector<ByteRange> ranges) {
    mergeRanges(ranges);
    from = std::move(ranges);
    for (const ByteRange &range : from) {
      to.push_back(size);
      size = alignUp(size + range.end - range.begin);
    }
  }

  std::optional<int64_t> map(int64_t offset) const {
    for (auto [range, at] : llvm::zip(from, to))
      if (offset >= range.begin && offset < range.end)
        return at + offset - range.begin;
    return std::nullopt;
  }

  std::vector<uint8_t> bytes(ArrayRef<char> source) const {
    std::vector<uint8_t> out(size, 0);
    // Ranges are whole 64-byte lines; the last may run past the source.
    int64_t sourceSize = source.size();
    for (auto [range, at] : llvm::zip(from, to))
      if (range.begin < sourceSize)
        std::copy(source.begin() + range.begin,
                  source.begin() + std::min(range.end, sourceSize),
                  out.begin() + at);
    return out;
  }
};

/// A step: consecutive units, all resident (block -1) or one streamed block.
struct Step {
  int64_t firstUnit = 0;
  int64_t endUnit = 0;
  int64_t block = -1;
};

/// The ONNX node of the first (or last) anchor of `ops` that names one.
std::string nodeOf(ArrayRef<Operation *> ops, bool last = false) {
  auto name = [](Operation *op) { return mica::getNodeLocInfo(op->getLoc()); };
  if (last) {
    for (Operation *op : llvm::reverse(ops))
      if (mica::NodeLocInfo info = name(op); !info.node.empty())
        return info.node;
  } else {
    for (Operation *op : ops)
      if (mica::NodeLocInfo info = name(op); !info.node.empty())
        return info.node;
  }
  return "";
}

struct PartitionWeightsPass
    : mica::impl::PartitionWeightsBase<PartitionWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (budget > 0 && failed(partition()))
      signalPassFailure();
  }

  LogicalResult partition();
};

/// The top-level ops of a step: its units' anchors and tied ops, the
/// rematerializable ops they read, and the spilled scalars defined in an
/// earlier step that those read.
struct StepOps {
  llvm::DenseSet<Operation *> members;
  llvm::SetVector<Operation *> remat;
  llvm::SetVector<Value> loads;
};

StepOps collectStep(func::FuncOp func, const UnitAnalysis &analysis,
                    const Step &step) {
  Block &body = func.front();
  StepOps ops;
  llvm::SetVector<Value> scalars;
  for (Operation &op : body.without_terminator()) {
    auto unit = analysis.unitOf.find(&op);
    if (unit == analysis.unitOf.end() || unit->second < step.firstUnit ||
        unit->second >= step.endUnit)
      continue;
    ops.members.insert(&op);
    collectRemat(op, body, ops.remat, scalars);
  }
  for (Value scalar : scalars)
    if (!ops.members.contains(scalar.getDefiningOp()))
      ops.loads.insert(scalar);
  return ops;
}

/// The rank-0 view of the arena slot at `offset` holding a `type` scalar.
Value slotView(OpBuilder &b, Location loc, Value arena, int64_t offset,
               Type type) {
  Value at = arith::ConstantIndexOp::create(b, loc, offset);
  return memref::ViewOp::create(b, loc, MemRefType::get({}, type), arena, at,
                                ValueRange{});
}

/// The clone of `ops` as a function named `name` with `func`'s signature:
/// the scalars of `ops.loads` loaded from their arena slots first, the
/// members and rematerialized ops in program order, each scalar of
/// `stores` stored into its slot right after the op defining it.
func::FuncOp cloneStep(func::FuncOp func, const StepOps &ops,
                       const llvm::DenseMap<Value, int64_t> &slots,
                       const llvm::SetVector<Value> &stores, StringRef name) {
  Block &body = func.front();
  OpBuilder mb(func);
  auto stepFunc =
      func::FuncOp::create(mb, func.getLoc(), name, func.getFunctionType());
  stepFunc.setVisibility(func.getVisibility());
  if (ArrayAttr argAttrs = func.getArgAttrsAttr())
    stepFunc.setArgAttrsAttr(argAttrs);
  for (NamedAttribute attr : func->getDiscardableAttrs())
    stepFunc->setAttr(attr.getName(), attr.getValue());
  Block *stepBody = stepFunc.addEntryBlock();
  IRMapping mapping;
  for (auto [from, to] :
       llvm::zip(func.getArguments(), stepBody->getArguments()))
    mapping.map(from, to);
  Value arena = stepBody->getArgument(kArenaArgument);
  OpBuilder ob = OpBuilder::atBlockEnd(stepBody);
  // Scalars an earlier step computed: from their slots, first.
  for (Value scalar : ops.loads) {
    Value slot = slotView(ob, func.getLoc(), arena, slots.lookup(scalar),
                          scalar.getType());
    mapping.map(scalar, memref::LoadOp::create(ob, func.getLoc(), slot));
  }
  // Program order: every op after its operands.
  for (Operation &op : body.without_terminator()) {
    if (!ops.members.contains(&op) && !ops.remat.contains(&op))
      continue;
    ob.clone(op, mapping);
    for (Value result : op.getResults())
      if (stores.contains(result)) {
        Value slot = slotView(ob, op.getLoc(), arena, slots.lookup(result),
                              result.getType());
        memref::StoreOp::create(ob, op.getLoc(), mapping.lookup(result), slot);
      }
  }
  func::ReturnOp::create(ob, body.getTerminator()->getLoc());
  return stepFunc;
}

LogicalResult PartitionWeightsPass::partition() {
  ModuleOp module = getOperation();
  MLIRContext *context = &getContext();
  Builder b(context);
  auto entries = llvm::to_vector(module.getOps<exec::EntryPointOp>());
  if (entries.size() != 1)
    return emitError(module.getLoc(),
                     "--memory-budget needs a model with one entry "
                     "point, got ")
           << entries.size();
  exec::EntryPointOp entry = entries.front();
  auto oldSteps = llvm::to_vector(entry.getStepOps());
  if (oldSteps.size() != 1 || oldSteps.front().getFunctionAttr())
    return entry.emitError("mica-partition-weights needs an entry point of "
                           "one step (mica-bind-kernel-interface)");
  exec::StepOp oldStep = oldSteps.front();
  auto func = module.lookupSymbol<func::FuncOp>(oldStep.getBoundFunction());
  auto constants =
      module.lookupSymbol<exec::SegmentOp>(mica::kernel::kConstantSegment);
  if (!func || func.isExternal() || func.getNumArguments() < 3 ||
      !func.getBody().hasOneBlock() || !constants ||
      oldStep.getSegments() !=
          b.getArrayAttr({FlatSymbolRefAttr::get(constants)}))
    return entry.emitError("mica-partition-weights needs the bound function "
                           "and the constants segment of its step "
                           "(mica-bind-kernel-interface)");

  FailureOr<UnitAnalysis> analysis = analyzeUnits(func, func.getArgument(1));
  if (failed(analysis))
    return failure();
  SmallVector<SmallVector<ByteRange>> unitRanges;
  for (const WeightUnit &unit : analysis->units)
    unitRanges.push_back(unit.ranges);
  // A cut build passes each scalar read outside its unit through a slot
  // after the planned arena (which the memory plan never touches), 8-byte
  // aligned; the arena grows to hold them (64-byte aligned), whether or not
  // the plan cuts between the units: a few bytes.
  int64_t arena = entry.getArenaSize(), outputs = 0;
  llvm::DenseMap<Value, int64_t> slots;
  int64_t slotEnd = (arena + 7) / 8 * 8;
  for (Value scalar : analysis->spilled) {
    slots[scalar] = slotEnd;
    slotEnd += slotBytes(scalar.getType());
  }
  int64_t cutArena = slots.empty() ? arena : alignUp(slotEnd);
  for (auto [shape, elementBytes] :
       llvm::zip(entry.getOutputMaxShapes(), entry.getOutputElemBytes())) {
    int64_t bytes = elementBytes;
    for (int64_t d : cast<DenseI64ArrayAttr>(shape).asArrayRef())
      bytes *= d;
    outputs += bytes;
  }

  BudgetShortfall shortfall;
  std::optional<BlockPlan> plan =
      planBlocks(unitRanges, arena, cutArena, outputs, budget, &shortfall);
  if (!plan) {
    InFlightDiagnostic diag = emitError(entry.getLoc(), "--memory-budget ")
                              << formatBytes(budget) << " cannot be met: ";
    if (shortfall.unit < 0 && shortfall.weightBytes == 0)
      return diag << "the arena " << formatBytes(arena) << " and outputs "
                  << formatBytes(outputs) << " alone need at least "
                  << formatBytes(shortfall.minimumBudget, /*up=*/true) << " ("
                  << shortfall.minimumBudget << " bytes)";
    if (shortfall.unit < 0)
      return diag << "streaming needs more than keeping all "
                  << formatBytes(shortfall.weightBytes) << " of weights "
                  << "resident with the arena " << formatBytes(arena)
                  << " and outputs " << formatBytes(outputs) << ": at least "
                  << formatBytes(shortfall.minimumBudget, /*up=*/true) << " ("
                  << shortfall.minimumBudget << " bytes)";
    std::string node = nodeOf(analysis->units[shortfall.unit].anchors);
    std::string buffer = formatBytes(shortfall.bufferBytes);
    diag << (node.empty() ? "a kernel" : "node '" + node + "'") << " reads "
         << buffer << " of weights in one kernel; streaming needs two "
         << "buffers of " << buffer << ", the arena " << formatBytes(cutArena)
         << " and outputs " << formatBytes(outputs);
    if (shortfall.forcedResidentBytes)
      diag << ", with " << formatBytes(shortfall.forcedResidentBytes)
           << " of larger kernels' weights resident";
    return diag << ": at least "
                << formatBytes(shortfall.minimumBudget, /*up=*/true) << " ("
                << shortfall.minimumBudget << " bytes)";
  }

  auto record = [&](int64_t arena, int64_t resident, int64_t buffer,
                    int64_t streamed, ArrayRef<Attribute> blocks) {
    module->setAttr(
        exec::kMemoryBudgetAttr,
        b.getDictionaryAttr({
            b.getNamedAttr("budget", b.getI64IntegerAttr(budget)),
            b.getNamedAttr("arena", b.getI64IntegerAttr(arena)),
            b.getNamedAttr("outputs", b.getI64IntegerAttr(outputs)),
            b.getNamedAttr("resident", b.getI64IntegerAttr(resident)),
            b.getNamedAttr("buffer", b.getI64IntegerAttr(buffer)),
            b.getNamedAttr("streamed", b.getI64IntegerAttr(streamed)),
            b.getNamedAttr("fits_resident", b.getBoolAttr(plan->fitsResident)),
            b.getNamedAttr("blocks", b.getArrayAttr(blocks)),
        }));
  };
  if (plan->fitsResident) {
    record(arena, constants.getSize(), 0, 0, {});
    return success();
  }

  // Steps: runs of resident units, and one per streamed block.
  SmallVector<Step> steps;
  for (auto [u, block] : llvm::enumerate(plan->block)) {
    int64_t unit = u;
    if (steps.empty() || steps.back().block != block) {
      steps.push_back({unit, unit + 1, block});
      continue;
    }
    steps.back().endUnit = unit + 1;
  }

  // The segments' new contents.
  auto data = constants.getData();
  auto resource = data ? dyn_cast<DenseResourceElementsAttr>(*data) : nullptr;
  AsmResourceBlob *blob =
      resource ? resource.getRawHandle().getBlob() : nullptr;
  if (!blob)
    return constants.emitError("mica-partition-weights needs the bytes of "
                               "the constants segment");
  ArrayRef<char> source = blob->getData();
  auto rangesOf = [&](const Step &step) {
    SmallVector<ByteRange> ranges;
    for (int64_t u = step.firstUnit; u < step.endUnit; ++u)
      llvm::append_range(ranges, analysis->units[u].ranges);
    return ranges;
  };
  SmallVector<ByteRange> residentRanges;
  for (const Step &step : steps)
    if (step.block < 0)
      llvm::append_range(residentRanges, rangesOf(step));
  SmallVector<SegmentLayout> layouts;
  layouts.emplace_back(residentRanges);
  for (const Step &step : steps)
    if (step.block >= 0)
      layouts.emplace_back(rangesOf(step));
  auto segmentData = [&](const SegmentLayout &layout, StringRef name) {
    std::vector<uint8_t> bytes = layout.bytes(source);
    auto type = RankedTensorType::get({layout.size}, b.getI8Type());
    return DenseResourceElementsAttr::get(
        type, name,
        HeapAsmResourceBlob::allocateAndCopyInferAlign(
            ArrayRef<uint8_t>(bytes)));
  };
  SmallVector<FlatSymbolRefAttr> segmentRefs{FlatSymbolRefAttr::get(constants)};
  OpBuilder sb(context);
  sb.setInsertionPointAfter(constants);
  for (size_t i = 1; i < layouts.size(); ++i) {
    std::string name = llvm::formatv("stream_{0}", i - 1).str();
    if (module.lookupSymbol(name))
      return module.emitError("symbol '") << name << "' already exists";
    auto segment = exec::SegmentOp::create(
        sb, constants.getLoc(), name, /*streamed=*/true, layouts[i].size,
        segmentData(layouts[i], "mica_stream_segment"));
    segmentRefs.push_back(FlatSymbolRefAttr::get(segment));
  }
  constants.setSize(layouts[0].size);
  constants.setDataAttr(segmentData(layouts[0], "mica_constant_segment"));

  // The ops of each step; a scalar a later step loads is stored by the
  // step computing it.
  SmallVector<StepOps> stepOps;
  llvm::SetVector<Value> stores;
  for (const Step &step : steps) {
    stepOps.push_back(collectStep(func, *analysis, step));
    for (Value scalar : stepOps.back().loads) {
      if (!slots.count(scalar))
        return scalar.getDefiningOp()->emitError(
            "mica-partition-weights: a scalar read in another step has no "
            "arena slot");
      stores.insert(scalar);
    }
  }
  entry.setArenaSize(cutArena);

  // One function and one exec.step per step.
  OpBuilder stepBuilder = OpBuilder::atBlockEnd(&entry.getSteps().front());
  SmallVector<Attribute> blocks;
  int64_t streamedBytes = 0, bufferBytes = 0, streamIndex = 0;
  for (auto [i, step] : llvm::enumerate(steps)) {
    std::string name = llvm::formatv("{0}_s{1}", func.getSymName(), i).str();
    if (module.lookupSymbol(name))
      return module.emitError("symbol '") << name << "' already exists";
    func::FuncOp stepFunc = cloneStep(func, stepOps[i], slots, stores, name);
    int64_t layoutIndex = step.block < 0 ? 0 : ++streamIndex;
    const SegmentLayout &layout = layouts[layoutIndex];
    Value segmentArg = stepFunc.getArgument(1);
    for (Operation *user : llvm::to_vector(segmentArg.getUsers())) {
      auto view = cast<memref::ViewOp>(user);
      std::optional<int64_t> offset = layout.map(viewRange(view)->begin);
      OpBuilder vb(view);
      view.getByteShiftMutable().assign(
          arith::ConstantIndexOp::create(vb, view.getLoc(), *offset));
    }
    std::string kernel = llvm::formatv("{0}_s{1}", oldStep.getKernel(), i);
    exec::StepOp::create(stepBuilder, oldStep.getLoc(), oldStep.getTarget(),
                         kernel, FlatSymbolRefAttr::get(stepFunc),
                         b.getArrayAttr({segmentRefs[layoutIndex]}));
    if (step.block < 0)
      continue;
    SmallVector<Operation *> anchors;
    for (int64_t u = step.firstUnit; u < step.endUnit; ++u)
      llvm::append_range(anchors, analysis->units[u].anchors);
    int64_t bytes = coveredBytes(rangesOf(step));
    streamedBytes += bytes;
    bufferBytes = std::max(bufferBytes, bytes);
    blocks.push_back(b.getDictionaryAttr({
        b.getNamedAttr("step", b.getI64IntegerAttr(i)),
        b.getNamedAttr("kernel", b.getStringAttr(kernel)),
        b.getNamedAttr("bytes", b.getI64IntegerAttr(bytes)),
        b.getNamedAttr("first_node", b.getStringAttr(nodeOf(anchors))),
        b.getNamedAttr("last_node",
                       b.getStringAttr(nodeOf(anchors, /*last=*/true))),
    }));
  }
  record(cutArena, coveredBytes(residentRanges), bufferBytes, streamedBytes,
         blocks);
  // The entry point names the first step's function (the old one goes).
  oldStep.erase();
  entry.setFunctionAttr((*entry.getStepOps().begin()).getFunctionAttr());
  func.erase();
  return success();
}

} // namespace
