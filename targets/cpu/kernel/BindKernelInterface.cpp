//===- BindKernelInterface.cpp - Constants, arena and outputs ------------===//
//
// See Passes.td (mica-bind-kernel-interface) and KernelAbi.h for the contract.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/kernel/KernelAbi.h"
#include "targets/cpu/kernel/MemoryPlanner.h"
#include "targets/cpu/kernel/Passes.h"
#include "targets/cpu/kernel/SizeBounds.h"

#include "runtime/include/mica/artifact_format.h"

#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/xxhash.h"

namespace mica {
#define GEN_PASS_DEF_BINDKERNELINTERFACE
#include "targets/cpu/kernel/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::kernel;
namespace exec = mica::exec;

namespace {

int64_t alignUp(int64_t x) {
  return (x + kAlignment - 1) / kAlignment * kAlignment;
}

/// Bytes per element in memory: LLVM stores i1 in a byte.
std::optional<int64_t> elementBytes(Type type) {
  if (type.isIntOrFloat())
    return std::max<int64_t>(1, (type.getIntOrFloatBitWidth() + 7) / 8);
  if (auto complex = dyn_cast<ComplexType>(type))
    if (auto bytes = elementBytes(complex.getElementType()))
      return 2 * *bytes;
  return std::nullopt;
}

/// Appends the bytes of a constant global's value in memory order.
LogicalResult appendConstantBytes(memref::GlobalOp global,
                                  std::vector<uint8_t> &out) {
  auto initial = global.getInitialValue();
  MemRefType type = global.getType();
  std::optional<int64_t> bytesPerElement = elementBytes(type.getElementType());
  if (!initial || !bytesPerElement)
    return global.emitError("cannot place global '")
           << global.getSymName() << "' in a constant segment";
  int64_t numElements = type.getNumElements();
  if (auto dense = dyn_cast<DenseElementsAttr>(*initial)) {
    if (type.getElementType().isInteger(1)) {
      for (bool b : dense.getValues<bool>())
        out.push_back(b ? 1 : 0);
      return success();
    }
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat()) {
      for (int64_t i = 0; i < numElements; ++i)
        out.insert(out.end(), raw.begin(), raw.begin() + *bytesPerElement);
      return success();
    }
    if (static_cast<int64_t>(raw.size()) != numElements * *bytesPerElement)
      return global.emitError("unexpected constant layout");
    out.insert(out.end(), raw.begin(), raw.end());
    return success();
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(*initial)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return global.emitError("constant '")
             << global.getSymName() << "' has no data (elided?)";
    ArrayRef<char> raw = blob->getData();
    if (static_cast<int64_t>(raw.size()) != numElements * *bytesPerElement ||
        type.getElementType().isInteger(1))
      return global.emitError("unexpected constant layout");
    out.insert(out.end(), raw.begin(), raw.end());
    return success();
  }
  return global.emitError("unsupported initial value of '")
         << global.getSymName() << "'";
}

/// Dynamic sizes of `value` (for a view of the same shape).
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc, Value value) {
  SmallVector<Value> sizes;
  auto type = cast<MemRefType>(value.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(memref::DimOp::create(b, loc, value, d));
  return sizes;
}

/// Marks the failure as a model feature Mica does not handle (exit 3), not
/// a bug: sizes that depend on run-time values.
void markUnsupported(func::FuncOp func) {
  if (auto module = func->getParentOfType<ModuleOp>())
    module->setAttr("mica.unsupported_model_feature",
                    UnitAttr::get(func.getContext()));
}

/// A diagnostic suffix naming the inputs whose values (not sizes) `value`'s
/// producers read (memref.load of an entry argument): a size computed from
/// them cannot be bounded from input shapes, but freezing them makes it
/// static.
std::string valueDependentInputs(Value value, func::FuncOp func) {
  SmallVector<std::string> names;
  llvm::SmallPtrSet<Operation *, 32> seen;
  SmallVector<Value> worklist{value};
  while (!worklist.empty()) {
    Value next = worklist.pop_back_val();
    // A buffer's contents come from the ops that write it (linalg outs,
    // copies, stores), which are its users, not its defining op.
    if (isa<MemRefType>(next.getType()))
      for (Operation *user : next.getUsers())
        if (!isa<memref::LoadOp, memref::DimOp>(user) &&
            seen.insert(user).second)
          llvm::append_range(worklist, user->getOperands());
    Operation *def = next.getDefiningOp();
    if (!def || !seen.insert(def).second)
      continue;
    // Values yielded from regions (scf.if/for results) come from their
    // terminators.
    for (Region &region : def->getRegions())
      for (Block &block : region)
        if (Operation *terminator = block.getTerminator())
          llvm::append_range(worklist, terminator->getOperands());
    if (auto load = dyn_cast<memref::LoadOp>(def))
      if (auto arg = dyn_cast<BlockArgument>(load.getMemRef()))
        if (arg.getOwner() == &func.front())
          if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                            "onnx.name"))
            if (!llvm::is_contained(names, name.str()))
              names.push_back(name.str());
    llvm::append_range(worklist, def->getOperands());
  }
  if (names.empty())
    return "";
  std::string text = "; it is computed from the value of the run-time input";
  text += names.size() > 1 ? "s " : " ";
  for (auto [i, name] : llvm::enumerate(names))
    text += (i ? ", '" : "'") + name + "'";
  return text + ": fix " + (names.size() > 1 ? "them" : "it") +
         " at compile time with --freeze-input " + names.front() +
         "=FILE (.npy or .pb)";
}

/// The constants segment being filled: every constant once per distinct
/// content (two entry points of one model, or two globals of equal value,
/// share their bytes), each at a 64-byte aligned offset.
class ConstantPool {
public:
  /// The offset of `global`'s bytes in the segment, appending them if no
  /// equal bytes are stored yet.
  FailureOr<int64_t> place(memref::GlobalOp global) {
    auto known = bySymbol.find(global);
    if (known != bySymbol.end())
      return known->second;
    std::vector<uint8_t> value;
    if (failed(appendConstantBytes(global, value)))
      return failure();
    uint64_t hash = llvm::xxh3_64bits(value);
    for (int64_t offset : byContent.lookup(hash))
      if (offset + value.size() <= bytes.size() &&
          std::equal(value.begin(), value.end(), bytes.begin() + offset))
        return bySymbol[global] = offset;
    bytes.resize(alignUp(bytes.size()), 0);
    int64_t offset = bytes.size();
    bytes.insert(bytes.end(), value.begin(), value.end());
    byContent[hash].push_back(offset);
    return bySymbol[global] = offset;
  }

  std::vector<uint8_t> bytes;

private:
  llvm::DenseMap<Operation *, int64_t> bySymbol;
  llvm::DenseMap<uint64_t, SmallVector<int64_t, 1>> byContent;
};

struct BindKernelInterfacePass
    : mica::impl::BindKernelInterfaceBase<BindKernelInterfacePass> {
  using Base::Base;

  void runOnOperation() override;

  LogicalResult bind(func::FuncOp func, ConstantPool &pool);
};

void BindKernelInterfacePass::runOnOperation() {
  ModuleOp module = getOperation();
  // Entry points: the public functions with a body, in module order.
  SmallVector<func::FuncOp> entries;
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      entries.push_back(func);
  if (entries.empty()) {
    module.emitError("no public function to bind");
    return signalPassFailure();
  }
  ConstantPool pool;
  auto segment = module.lookupSymbol<exec::SegmentOp>(kConstantSegment);
  if (segment) {
    auto data = segment.getData();
    auto resource = data ? dyn_cast<DenseResourceElementsAttr>(*data) : nullptr;
    AsmResourceBlob *blob =
        resource ? resource.getRawHandle().getBlob() : nullptr;
    if (!blob) {
      segment.emitError("cannot append to a constants segment without data");
      return signalPassFailure();
    }
    ArrayRef<char> raw = blob->getData();
    pool.bytes.assign(raw.begin(), raw.end());
  }
  for (func::FuncOp func : entries)
    if (failed(bind(func, pool)))
      return signalPassFailure();
  // Width counts are arguments of the entry functions only.
  WalkResult stray = module.walk([](exec::ActiveCountOp op) {
    op.emitError("exec.active_count outside an entry function (only their "
                 "kernels read the active counts)");
    return WalkResult::interrupt();
  });
  if (stray.wasInterrupted())
    return signalPassFailure();
  // The code reads mica_kernel_ctx.active_counts, which older runtimes lack.
  bool widths = llvm::any_of(
      module.getOps<exec::EntryPointOp>(),
      [](exec::EntryPointOp entry) { return entry.getActiveGroups(); });
  if (widths) {
    OpBuilder fb(module.getContext());
    SmallVector<Attribute> features;
    if (auto old =
            module->getAttrOfType<ArrayAttr>(exec::kRequiredFeaturesAttr))
      features.assign(old.begin(), old.end());
    StringAttr feature = fb.getStringAttr(MICA_FEATURE_SORTABLE_WIDTH);
    if (!llvm::is_contained(features, feature))
      features.push_back(feature);
    module->setAttr(exec::kRequiredFeaturesAttr, fb.getArrayAttr(features));
  }

  // The segment, created before the entry points that read it.
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  pool.bytes.resize(alignUp(pool.bytes.size()), 0);
  auto segmentType = RankedTensorType::get(
      {static_cast<int64_t>(pool.bytes.size())}, b.getI8Type());
  auto data = DenseResourceElementsAttr::get(
      segmentType, "mica_constant_segment",
      HeapAsmResourceBlob::allocateAndCopyInferAlign(
          ArrayRef<uint8_t>(pool.bytes)));
  if (segment) {
    segment.setSize(pool.bytes.size());
    segment.setDataAttr(data);
  } else {
    exec::SegmentOp::create(b, module.getLoc(), kConstantSegment,
                            /*streamed=*/false,
                            static_cast<int64_t>(pool.bytes.size()), data);
  }
}

LogicalResult BindKernelInterfacePass::bind(func::FuncOp func,
                                            ConstantPool &pool) {
  ModuleOp module = getOperation();
  MLIRContext *context = &getContext();
  if (!func.getBody().hasOneBlock())
    return func.emitError("the entry function must have a single block");
  Block &body = func.front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  OpBuilder b(context);
  Location loc = func.getLoc();

  // --- Signature checks and bounds -------------------------------------------
  unsigned numInputs = func.getNumArguments();
  unsigned numOutputs = func.getNumResults();
  llvm::DenseMap<Value, unsigned> inputIndex;
  SmallVector<SmallVector<int64_t>> maxShapes(numInputs);
  for (unsigned i = 0; i < numInputs; ++i) {
    auto type = dyn_cast<MemRefType>(func.getArgument(i).getType());
    if (!type || !type.getLayout().isIdentity())
      return func.emitError("input ") << i << " is not a dense memref";
    inputIndex[func.getArgument(i)] = i;
    auto bound =
        func.getArgAttrOfType<DenseI64ArrayAttr>(i, exec::kMaxShapeAttr);
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t value = type.getDimSize(d);
      if (type.isDynamicDim(d)) {
        if (!bound || static_cast<int64_t>(bound.size()) != type.getRank() ||
            bound[d] < 0)
          return func.emitError("dimension ")
                 << d << " of input " << i
                 << " is symbolic and has no upper bound (give one with "
                    "--max-shape)";
        value = bound[d];
      }
      maxShapes[i].push_back(value);
    }
  }
  SizeBoundEvaluator bounds(
      [&](BlockArgument arg, int64_t dim) -> std::optional<int64_t> {
        auto it = inputIndex.find(arg);
        if (it == inputIndex.end())
          return std::nullopt;
        return maxShapes[it->second][dim];
      });
  auto maxBytes = [&](Value value) -> std::optional<int64_t> {
    auto type = cast<MemRefType>(value.getType());
    std::optional<int64_t> bytes = elementBytes(type.getElementType());
    if (!bytes)
      return std::nullopt;
    std::optional<int64_t> elements = bounds.elementsUpperBound(value);
    if (!elements)
      return std::nullopt;
    return *elements * *bytes;
  };

  SmallVector<Attribute> outputMaxShapes;
  SmallVector<int64_t> outputRanks, outputElemBytes;
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    auto type = dyn_cast<MemRefType>(value.getType());
    if (!type)
      return func.emitError("result ") << i << " is not a ranked memref";
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      std::optional<int64_t> dim = bounds.dimUpperBound(value, d);
      if (!dim) {
        markUnsupported(func);
        return emitError(func.getLoc(), "cannot bound dimension ")
               << d << " of result " << i
               << ": its size is not a monotone function of input sizes"
               << valueDependentInputs(value, func);
      }
      shape.push_back(*dim);
    }
    outputMaxShapes.push_back(b.getDenseI64ArrayAttr(shape));
    outputRanks.push_back(type.getRank());
    outputElemBytes.push_back(*elementBytes(type.getElementType()));
  }

  // --- New arguments
  // -----------------------------------------------------------
  Type bytes = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
  Type ptr = LLVM::LLVMPointerType::get(context);
  SmallVector<unsigned> indices;
  SmallVector<Type> types;
  SmallVector<DictionaryAttr> attrs;
  SmallVector<Location> locs;
  auto add = [&](unsigned index, Type type) {
    indices.push_back(index);
    types.push_back(type);
    attrs.push_back(DictionaryAttr::get(context));
    locs.push_back(loc);
  };
  add(0, ptr);   // ctx
  add(0, bytes); // segment 0
  add(0, bytes); // arena
  for (unsigned i = 0; i < numOutputs; ++i)
    add(numInputs, bytes);
  for (unsigned i = 0; i < numOutputs; ++i)
    add(numInputs, MemRefType::get({outputRanks[i]}, b.getI64Type()));
  // The width groups the kernels read (exec.active_count), ascending: one
  // index argument each, after the output shapes.
  SmallVector<exec::ActiveCountOp> counts;
  func.walk([&](exec::ActiveCountOp op) { counts.push_back(op); });
  SmallVector<int64_t> groups;
  for (exec::ActiveCountOp op : counts)
    groups.push_back(op.getGroup());
  llvm::sort(groups);
  groups.erase(llvm::unique(groups), groups.end());
  for (size_t g = 0; g < groups.size(); ++g)
    add(numInputs, b.getIndexType());
  if (failed(func.insertArguments(indices, types, attrs, locs)))
    return failure();
  for (exec::ActiveCountOp op : counts) {
    unsigned k = llvm::lower_bound(groups, op.getGroup()) - groups.begin();
    op.replaceAllUsesWith(func.getArgument(3 + numInputs + 2 * numOutputs + k));
    op.erase();
  }
  Value segment = func.getArgument(1), arena = func.getArgument(2);
  auto outputBuffer = [&](unsigned i) {
    return func.getArgument(3 + numInputs + i);
  };
  auto outputDims = [&](unsigned i) {
    return func.getArgument(3 + numInputs + numOutputs + i);
  };
  auto indexConstant = [&](OpBuilder &builder, Location l, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(builder, l, v);
  };

  // --- Constants into the shared segment
  // ---------------------------------------
  SmallVector<memref::GetGlobalOp> getGlobals;
  llvm::SmallPtrSet<Operation *, 16> placed;
  func.walk([&](memref::GetGlobalOp op) { getGlobals.push_back(op); });
  for (memref::GetGlobalOp op : getGlobals) {
    auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
        op, op.getNameAttr());
    if (!global)
      return op.emitError("unknown global");
    if (!op.getType().getLayout().isIdentity())
      return op.emitError("constant with a non-identity layout");
    FailureOr<int64_t> offset = pool.place(global);
    if (failed(offset))
      return failure();
    placed.insert(global);
    b.setInsertionPoint(op);
    Value view = memref::ViewOp::create(b, op.getLoc(), op.getType(), segment,
                                        indexConstant(b, op.getLoc(), *offset),
                                        ValueRange{});
    op.replaceAllUsesWith(view);
    op.erase();
  }
  // A global goes once no function reads it any more (another entry point
  // may still read it until it is bound).
  for (auto global :
       llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
    if (placed.contains(global) &&
        SymbolTable::symbolKnownUseEmpty(global, module))
      global.erase();

  // --- Results into the caller's buffers
  // ---------------------------------------
  llvm::DenseMap<Value, unsigned> returnCount;
  for (Value value : ret.getOperands())
    ++returnCount[value];
  b.setInsertionPoint(ret);
  for (auto [i, value] :
       llvm::enumerate(SmallVector<Value>(ret.getOperands()))) {
    auto type = cast<MemRefType>(value.getType());
    Value result = value;
    auto alloc = value.getDefiningOp<memref::AllocOp>();
    if (alloc && alloc->getBlock() == &body && returnCount[value] == 1 &&
        type.getLayout().isIdentity()) {
      // Compute the result in place.
      OpBuilder ab(alloc);
      Value view = memref::ViewOp::create(
          ab, alloc.getLoc(), type, outputBuffer(i),
          indexConstant(ab, alloc.getLoc(), 0), alloc.getDynamicSizes());
      alloc.getResult().replaceAllUsesWith(view);
      alloc.erase();
      result = view;
    } else {
      auto dense = MemRefType::get(type.getShape(), type.getElementType());
      Value view = memref::ViewOp::create(b, loc, dense, outputBuffer(i),
                                          indexConstant(b, loc, 0),
                                          dynamicSizes(b, loc, value));
      memref::CopyOp::create(b, loc, value, view);
      result = view;
    }
    for (int64_t d = 0; d < type.getRank(); ++d) {
      Value size = memref::DimOp::create(b, loc, result, d);
      Value size64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), size);
      memref::StoreOp::create(b, loc, size64, outputDims(i),
                              ValueRange{indexConstant(b, loc, d)});
    }
  }
  func::ReturnOp::create(b, ret.getLoc());
  ret.erase();
  BitVector allResults(numOutputs, true);
  if (failed(func.eraseResults(allResults)))
    return failure();

  // --- Intermediates into the arena
  // ---------------------------------------------
  llvm::DenseMap<Operation *, int64_t> position;
  int64_t counter = 0;
  for (Operation &op : body)
    position[&op] = counter++;
  int64_t lastPosition = counter - 1;
  SmallVector<memref::AllocOp> allocs;
  WalkResult nested = func.walk([&](memref::AllocOp op) {
    if (op->getBlock() != &body) {
      op.emitError("buffer allocated inside a region (a loop or branch); "
                   "the static memory plan needs every buffer at the top "
                   "level of the function");
      return WalkResult::interrupt();
    }
    allocs.push_back(op);
    return WalkResult::advance();
  });
  if (nested.wasInterrupted())
    return failure();
  SmallVector<BufferRequest> requests;
  for (memref::AllocOp alloc : allocs) {
    if (!alloc.getType().getLayout().isIdentity())
      return alloc.emitError("allocation with a non-identity layout");
    std::optional<int64_t> size = maxBytes(alloc.getResult());
    if (!size) {
      markUnsupported(func);
      return alloc.emitError("cannot bound the size of this buffer: its "
                             "shape is not a monotone function of input "
                             "sizes")
             << valueDependentInputs(alloc.getResult(), func);
    }
    BufferRequest request;
    request.size = *size;
    request.first = lastPosition + 1;
    request.last = position[alloc];
    // Every op that reads or writes the buffer through any alias: it is
    // live from the first to the last (a buffer hoisted to the top of the
    // function for a loop deep inside it is live around that loop only).
    SmallVector<Value> worklist{alloc.getResult()};
    while (!worklist.empty()) {
      Value value = worklist.pop_back_val();
      for (OpOperand &use : value.getUses()) {
        Operation *user = use.getOwner();
        Operation *top = body.findAncestorOpInBlock(*user);
        if (!top)
          return user->emitError("buffer used outside the entry function");
        request.first = std::min(request.first, position[top]);
        request.last = std::max(request.last, position[top]);
        if (user->hasTrait<OpTrait::IsTerminator>() && user != top) {
          // Flows out of a region (scf.yield): alive until the end.
          request.last = lastPosition;
          continue;
        }
        bool aliases = isa<ViewLikeOpInterface, memref::CastOp,
                           memref::ReinterpretCastOp, memref::ExpandShapeOp,
                           memref::CollapseShapeOp, memref::TransposeOp>(user);
        if (aliases || (user->getNumRegions() > 0 && user->getNumResults() > 0))
          for (Value result : user->getResults())
            if (isa<BaseMemRefType>(result.getType()))
              worklist.push_back(result);
      }
    }
    request.first = std::min(request.first, request.last);
    requests.push_back(request);
  }
  MemoryPlan plan = planMemory(requests, kAlignment);
  for (auto [alloc, offset] : llvm::zip(allocs, plan.offsets)) {
    OpBuilder ab(alloc);
    Value view = memref::ViewOp::create(
        ab, alloc.getLoc(), alloc.getType(), arena,
        indexConstant(ab, alloc.getLoc(), offset), alloc.getDynamicSizes());
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    alloc.getResult().replaceAllUsesWith(view);
    alloc.erase();
  }

  // --- Record the plan
  // ------------------------------------------------------------
  SmallVector<Attribute> inputShapes, inputMaxShapes;
  for (unsigned i = 0; i < numInputs; ++i) {
    inputShapes.push_back(b.getDenseI64ArrayAttr(
        cast<MemRefType>(func.getArgument(3 + i).getType()).getShape()));
    inputMaxShapes.push_back(b.getDenseI64ArrayAttr(maxShapes[i]));
  }
  OpBuilder eb = OpBuilder::atBlockEnd(module.getBody());
  auto entryPoint = exec::EntryPointOp::create(
      eb, loc, func.getSymName(), func.getSymName(),
      b.getArrayAttr(inputShapes), b.getArrayAttr(inputMaxShapes),
      b.getArrayAttr(outputMaxShapes), outputElemBytes, plan.arenaSize,
      plan.totalSize,
      groups.empty() ? DenseI64ArrayAttr() : b.getDenseI64ArrayAttr(groups));
  OpBuilder sb = OpBuilder::atBlockBegin(&entryPoint.getSteps().emplaceBlock());
  exec::StepOp::create(
      sb, loc, target, (prefix + "_" + func.getSymName()).str(),
      /*function=*/FlatSymbolRefAttr(),
      b.getArrayAttr({FlatSymbolRefAttr::get(context, kConstantSegment)}));
  return success();
}

} // namespace
