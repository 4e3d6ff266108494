//===- EmitKernelEntry.cpp - The exported kernel function -----------------===//
//
// See Passes.td (mica-emit-kernel-entry) and KernelAbi.h. After the LLVM
// conversion, the bound entry function takes every memref as its expanded
// descriptor (allocated pointer, aligned pointer, offset, sizes...,
// strides...); the exported kernel builds those from the mica_kernel_ctx:
//
//   ctx       -> %ctx itself
//   segment 0 -> ctx->segments[k], size of the step's exec.segment, the
//                k-th of the module's (@constants, or a block's streamed
//                segment with --memory-budget)
//   arena     -> ctx->arena, size of the exec.entry_point's arena
//   input i   -> ctx->inputs[i], sizes static or ctx->input_dims[i][d],
//                row-major strides
//   output i  -> ctx->outputs[i] (bytes), shape -> ctx->output_dims[i]
//   group g   -> ctx->active_counts[g], for each of the entry point's
//                active_groups (--sortable-width), as an index
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/kernel/KernelAbi.h"
#include "targets/cpu/kernel/Passes.h"

namespace mica {
#define GEN_PASS_DEF_EMITKERNELENTRY
#include "targets/cpu/kernel/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::kernel;
namespace exec = mica::exec;

namespace {

struct EmitKernelEntryPass
    : mica::impl::EmitKernelEntryBase<EmitKernelEntryPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(emit()))
      signalPassFailure();
  }

  LogicalResult emit();
  LogicalResult emit(mica::exec::EntryPointOp entry, mica::exec::StepOp step);
};

LogicalResult EmitKernelEntryPass::emit() {
  ModuleOp module = getOperation();
  auto entries = llvm::to_vector(module.getOps<exec::EntryPointOp>());
  if (entries.empty())
    return module.emitError(
        "mica-emit-kernel-entry needs the module's "
        "exec.entry_point ops (mica-bind-kernel-interface)");
  // Everything but the kernels is private to the object.
  for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
    if (!fn.isExternal())
      fn.setLinkage(LLVM::Linkage::Internal);
  // One exported kernel per step (several for an entry point cut into
  // blocks by --memory-budget), each calling its own bound function.
  for (exec::EntryPointOp entry : entries)
    for (exec::StepOp step : entry.getStepOps())
      if (failed(emit(entry, step)))
        return failure();
  return success();
}

LogicalResult EmitKernelEntryPass::emit(exec::EntryPointOp entry,
                                        exec::StepOp step) {
  ModuleOp module = getOperation();
  MLIRContext *context = &getContext();
  FlatSymbolRefAttr bound = step.getBoundFunction();
  auto main = module.lookupSymbol<LLVM::LLVMFuncOp>(bound.getAttr());
  if (!main)
    return step.emitError("mica-emit-kernel-entry needs the lowered, bound "
                          "function '")
           << bound.getValue() << "'";
  StringRef symbol = step.getKernel();
  if (module.lookupSymbol(symbol))
    return step.emitError("symbol '") << symbol << "' already exists";
  // The function's segment argument is the step's one segment: kernels
  // index the segment table, which lists the module's segments in order.
  if (step.getSegments().size() != 1)
    return step.emitError("mica-emit-kernel-entry needs one segment per "
                          "step, got ")
           << step.getSegments().size();
  auto segmentRef = cast<SymbolRefAttr>(step.getSegments()[0]);
  exec::SegmentOp segment;
  int64_t segmentIndex = 0;
  for (auto candidate : module.getOps<exec::SegmentOp>()) {
    if (candidate.getSymName() == segmentRef.getRootReference()) {
      segment = candidate;
      break;
    }
    ++segmentIndex;
  }
  if (!segment)
    return step.emitError("no exec.segment ") << segmentRef;
  ArrayAttr inputShapes = entry.getInputShapes();
  SmallVector<int64_t> outputRanks;
  for (Attribute bound : entry.getOutputMaxShapes())
    outputRanks.push_back(cast<DenseI64ArrayAttr>(bound).size());
  int64_t segmentSize = segment.getSize();
  int64_t arenaSize = entry.getArenaSize();

  OpBuilder b(context);
  b.setInsertionPointToEnd(module.getBody());
  Type ptr = LLVM::LLVMPointerType::get(context);
  Type i64 = b.getI64Type(), i32 = b.getI32Type();
  Location loc = main.getLoc();

  // The bound entry's lowered arguments, built from the context (at b).
  auto entryArguments = [&](Value ctx) {
    auto constant = [&](int64_t v) -> Value {
      return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
    };
    // base[index] for an array of pointers or of i64.
    auto loadAt = [&](Value base, int64_t index, Type type) -> Value {
      Value address = LLVM::GEPOp::create(b, loc, ptr, type, base,
                                          ArrayRef<LLVM::GEPArg>{index});
      return LLVM::LoadOp::create(b, loc, type, address);
    };
    Value segments = loadAt(ctx, kCtxSegments, ptr);
    Value arena = loadAt(ctx, kCtxArena, ptr);
    Value inputs = loadAt(ctx, kCtxInputs, ptr);
    Value inputDims = loadAt(ctx, kCtxInputDims, ptr);
    Value outputs = loadAt(ctx, kCtxOutputs, ptr);
    Value outputDims = loadAt(ctx, kCtxOutputDims, ptr);

    SmallVector<Value> args{ctx};
    auto pushMemref = [&](Value data, ArrayRef<Value> sizes) {
      args.push_back(data);
      args.push_back(data);
      args.push_back(constant(0));
      SmallVector<Value> strides(sizes.size());
      Value stride = constant(1);
      for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
        strides[d] = stride;
        if (d > 0)
          stride = LLVM::MulOp::create(b, loc, stride, sizes[d]);
      }
      llvm::append_range(args, sizes);
      llvm::append_range(args, strides);
    };
    pushMemref(loadAt(segments, segmentIndex, ptr), {constant(segmentSize)});
    pushMemref(arena, {constant(arenaSize)});
    for (auto [i, attr] : llvm::enumerate(inputShapes)) {
      ArrayRef<int64_t> shape = cast<DenseI64ArrayAttr>(attr).asArrayRef();
      Value dims = loadAt(inputDims, i, ptr);
      SmallVector<Value> sizes;
      for (auto [d, size] : llvm::enumerate(shape))
        sizes.push_back(ShapedType::isDynamic(size) ? loadAt(dims, d, i64)
                                                    : constant(size));
      pushMemref(loadAt(inputs, i, ptr), sizes);
    }
    int64_t numOutputs = outputRanks.size();
    for (int64_t i = 0; i < numOutputs; ++i)
      pushMemref(loadAt(outputs, i, ptr), {constant(0)});
    for (int64_t i = 0; i < numOutputs; ++i)
      pushMemref(loadAt(outputDims, i, ptr), {constant(outputRanks[i])});
    if (std::optional<ArrayRef<int64_t>> groups = entry.getActiveGroups()) {
      Value counts = loadAt(ctx, kCtxActiveCounts, ptr);
      for (int64_t g : *groups)
        args.push_back(loadAt(counts, g, i64));
    }
    return args;
  };
  auto checkSignature = [&](LLVM::LLVMFuncOp callee,
                            ArrayRef<Value> args) -> LogicalResult {
    LLVM::LLVMFunctionType type = callee.getFunctionType();
    if (type.getNumParams() != args.size() ||
        !isa<LLVM::LLVMVoidType>(type.getReturnType()))
      return callee.emitError("bound function has ")
             << type.getNumParams() << " lowered parameters, expected "
             << args.size();
    for (auto [arg, t] : llvm::zip(args, type.getParams()))
      if (arg.getType() != t)
        return callee.emitError("bound function parameter type mismatch: ")
               << t << " vs " << arg.getType();
    return success();
  };

  auto fn = LLVM::LLVMFuncOp::create(b, loc, symbol,
                                     LLVM::LLVMFunctionType::get(i32, {ptr}));
  Block *block = fn.addEntryBlock(b);
  b.setInsertionPointToStart(block);
  SmallVector<Value> args = entryArguments(block->getArgument(0));
  if (failed(checkSignature(main, args)))
    return failure();
  LLVM::CallOp::create(b, loc, main, args);
  Value zero = LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0));
  LLVM::ReturnOp::create(b, loc, zero);

  // Tasks of parallel loops (mica-cpu-outline-parallel): each declared
  // thunk void(ctx, begin, end) of this entry becomes the C entry of its
  // task, which takes the bound entry's arguments and the range.
  for (auto thunk : llvm::to_vector(module.getOps<LLVM::LLVMFuncOp>())) {
    auto taskRef = thunk->getAttrOfType<FlatSymbolRefAttr>(kTaskAttr);
    auto entryRef = thunk->getAttrOfType<FlatSymbolRefAttr>(kTaskEntryAttr);
    if (!taskRef || !thunk.isExternal() || entryRef != bound)
      continue;
    auto task = module.lookupSymbol<LLVM::LLVMFuncOp>(taskRef.getAttr());
    if (!task)
      return thunk.emitError("task '") << taskRef.getValue() << "' not found";
    thunk->removeAttr(kTaskAttr);
    thunk->removeAttr(kTaskEntryAttr);
    thunk.setLinkage(LLVM::Linkage::Internal);
    Block *entryBlock = thunk.addEntryBlock(b);
    b.setInsertionPointToStart(entryBlock);
    SmallVector<Value> taskArgs = entryArguments(entryBlock->getArgument(0));
    taskArgs.push_back(entryBlock->getArgument(1));
    taskArgs.push_back(entryBlock->getArgument(2));
    if (failed(checkSignature(task, taskArgs)))
      return failure();
    LLVM::CallOp::create(b, loc, task, taskArgs);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  }
  return success();
}

} // namespace
