//===- EmitKernelEntry.cpp - The exported kernel function -----------------===//
//
// See Passes.td (mica-emit-kernel-entry) and KernelAbi.h. After the LLVM
// conversion, the bound entry function takes every memref as its expanded
// descriptor (allocated pointer, aligned pointer, offset, sizes..., strides...);
// the exported kernel builds those from the mica_kernel_ctx:
//
//   ctx       -> %ctx itself
//   segment 0 -> ctx->segments[0], size segment_size
//   arena     -> ctx->arena, size arena_size
//   input i   -> ctx->inputs[i], sizes static or ctx->input_dims[i][d],
//                row-major strides
//   output i  -> ctx->outputs[i] (bytes), shape -> ctx->output_dims[i]
//
//===----------------------------------------------------------------------===//
#include "compiler/kernel/KernelAbi.h"
#include "compiler/kernel/Passes.h"

namespace mica {
#define GEN_PASS_DEF_EMITKERNELENTRY
#include "compiler/kernel/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::kernel;

namespace {

struct EmitKernelEntryPass
    : mica::impl::EmitKernelEntryBase<EmitKernelEntryPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(emit()))
      signalPassFailure();
  }

  LogicalResult emit();
};

LogicalResult EmitKernelEntryPass::emit() {
  ModuleOp module = getOperation();
  MLIRContext *context = &getContext();
  auto kernel = module->getAttrOfType<DictionaryAttr>(kKernelAttr);
  auto main = module.lookupSymbol<LLVM::LLVMFuncOp>(entry);
  if (!kernel || !main)
    return module.emitError("mica-emit-kernel-entry needs the lowered, bound "
                            "entry '")
           << entry << "' and its mica.kernel attribute";
  if (module.lookupSymbol(symbol))
    return module.emitError("symbol '") << symbol << "' already exists";
  auto inputShapes = cast<ArrayAttr>(kernel.get("input_shapes"));
  auto outputRanks = cast<DenseI64ArrayAttr>(kernel.get("output_ranks"));
  int64_t segmentSize = cast<IntegerAttr>(kernel.get("segment_size")).getInt();
  int64_t arenaSize = cast<IntegerAttr>(kernel.get("arena_size")).getInt();

  // Everything but the kernel is private to the object.
  for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
    if (!fn.isExternal())
      fn.setLinkage(LLVM::Linkage::Internal);

  OpBuilder b(context);
  b.setInsertionPointToEnd(module.getBody());
  Type ptr = LLVM::LLVMPointerType::get(context);
  Type i64 = b.getI64Type(), i32 = b.getI32Type();
  Location loc = main.getLoc();
  auto fn = LLVM::LLVMFuncOp::create(
      b, loc, symbol, LLVM::LLVMFunctionType::get(i32, {ptr}));
  Block *block = fn.addEntryBlock(b);
  b.setInsertionPointToStart(block);
  Value ctx = block->getArgument(0);

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
  pushMemref(loadAt(segments, 0, ptr), {constant(segmentSize)});
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

  LLVM::LLVMFunctionType mainType = main.getFunctionType();
  if (mainType.getNumParams() != args.size() ||
      !isa<LLVM::LLVMVoidType>(mainType.getReturnType()))
    return main.emitError("bound entry has ")
           << mainType.getNumParams() << " lowered parameters, expected "
           << args.size();
  for (auto [arg, type] : llvm::zip(args, mainType.getParams()))
    if (arg.getType() != type)
      return main.emitError("bound entry parameter type mismatch: ")
             << type << " vs " << arg.getType();
  LLVM::CallOp::create(b, loc, main, args);
  Value zero = LLVM::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0));
  LLVM::ReturnOp::create(b, loc, zero);
  return success();
}

} // namespace
