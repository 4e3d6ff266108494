//===- InsertLayerHooks.cpp - Per-node hook calls -------------------------===//
//
// See Passes.td (mica-insert-layer-hooks).
//
//===----------------------------------------------------------------------===//
#include "compiler/diagnostics/NodeLocation.h"
#include "compiler/support/DataTypes.h"
#include "targets/cpu/kernel/KernelAbi.h"
#include "targets/cpu/kernel/Passes.h"

#include "dialects/exec/IR/ExecDialect.h"
#include "dialects/graph/IR/GraphDialect.h"
#include "runtime/include/mica/artifact_format.h"

#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/StringMap.h"

namespace mica {
#define GEN_PASS_DEF_INSERTLAYERHOOKS
#include "targets/cpu/kernel/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::kernel;
namespace exec = mica::exec;

namespace {

/// Taps of ranks above this are skipped (one stack buffer serves all taps).
constexpr int64_t kMaxTapRank = 8;

/// The buffer `op` writes last, if it is a memref: the last init of a
/// destination-style op (linalg), the target of a copy.
Value writtenBuffer(Operation &op) {
  Value written;
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(op)) {
    for (Value init : dps.getDpsInits())
      if (isa<MemRefType>(init.getType()))
        written = init;
  } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
    written = copy.getTarget();
  } else if (isa<vector::VectorDialect, scf::SCFDialect>(op.getDialect())) {
    // The CPU kernels' loops and stores (targets/cpu/transforms): the
    // buffer of the last store, seen through the flat view they address it
    // by.
    op.walk([&](Operation *inner) {
      Value base;
      if (auto store = dyn_cast<vector::StoreOp>(inner))
        base = store.getBase();
      else if (auto store = dyn_cast<vector::MaskedStoreOp>(inner))
        base = store.getBase();
      else if (auto store = dyn_cast<memref::StoreOp>(inner))
        base = store.getMemRef();
      if (!base)
        return;
      if (auto flat = base.getDefiningOp<memref::ReinterpretCastOp>())
        base = flat.getSource();
      written = base;
    });
    // A loop that writes a view of a buffer per iteration (attention's row
    // blocks) wrote the buffer the views are of.
    while (written && op.isAncestor(written.getParentBlock()->getParentOp())) {
      auto view = written.getDefiningOp<ViewLikeOpInterface>();
      written = view ? view.getViewSource() : Value();
    }
  }
  return written;
}

/// Ops that do work (as opposed to views, constants and index math), whose
/// node starts a new layer.
bool doesWork(Operation &op) {
  return op.getNumRegions() > 0 ||
         isa<memref::CopyOp, vector::StoreOp, vector::MaskedStoreOp>(op) ||
         op.getDialect()->getNamespace() == "linalg";
}

struct InsertLayerHooksPass
    : mica::impl::InsertLayerHooksBase<InsertLayerHooksPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    // The bound function of every step (one per entry point, or one per
    // block of a --memory-budget build).
    SmallVector<func::FuncOp> entries;
    SmallVector<exec::StepOp> steps;
    for (auto entry : module.getOps<exec::EntryPointOp>()) {
      for (exec::StepOp step : entry.getStepOps()) {
        FlatSymbolRefAttr ref = step.getBoundFunction();
        auto func = module.lookupSymbol<func::FuncOp>(ref.getAttr());
        if (!func || func.isExternal() || func.getNumArguments() == 0 ||
            !isa<LLVM::LLVMPointerType>(func.getArgument(0).getType())) {
          entry.emitError("mica-insert-layer-hooks needs the bound function '")
              << ref.getValue() << "' (run mica-bind-kernel-interface first)";
          return signalPassFailure();
        }
        entries.push_back(func);
        steps.push_back(step);
      }
    }
    if (entries.empty()) {
      module.emitError("mica-insert-layer-hooks found no exec.entry_point "
                       "(run mica-bind-kernel-interface first)");
      return signalPassFailure();
    }
    Builder b(context);
    SmallVector<Attribute> names, opTypes;
    llvm::StringMap<int32_t> index;
    auto tables = llvm::to_vector(module.getOps<exec::NodeTableOp>());
    if (tables.size() > 1) {
      tables[1].emitError("a module has one exec.node_table");
      return signalPassFailure();
    }
    if (!tables.empty()) {
      names.assign(tables[0].getNames().begin(), tables[0].getNames().end());
      opTypes.assign(tables[0].getOpTypes().begin(),
                     tables[0].getOpTypes().end());
    }
    for (auto [i, name] : llvm::enumerate(names))
      index.try_emplace(cast<StringAttr>(name).getValue(), i);

    Type ptr = LLVM::LLVMPointerType::get(context);
    Type i32 = b.getI32Type();
    OpBuilder mb(module.getBodyRegion());
    auto hookType = b.getFunctionType({ptr, i32, i32}, {});
    if (!module.lookupSymbol<func::FuncOp>(kLayerHookFn)) {
      auto decl =
          func::FuncOp::create(mb, module.getLoc(), kLayerHookFn, hookType);
      decl.setPrivate();
    }
    if (!module.lookupSymbol<func::FuncOp>(kTensorHookFn)) {
      auto decl = func::FuncOp::create(
          mb, module.getLoc(), kTensorHookFn,
          b.getFunctionType({ptr, i32, ptr, i32, ptr, i32}, {}));
      decl.setPrivate();
    }
    bool fails = false;
    for (func::FuncOp func : entries)
      fails |= func->walk([](mica::graph::FailOp) {
                     return WalkResult::interrupt();
                   })
                   .wasInterrupted();
    if (fails && !module.lookupSymbol<func::FuncOp>(kFailFn)) {
      auto decl = func::FuncOp::create(mb, module.getLoc(), kFailFn,
                                       b.getFunctionType({ptr, i32}, {}));
      decl.setPrivate();
      // The artifact says that its code needs a runtime that provides it.
      SmallVector<Attribute> features;
      if (auto old = module->getAttrOfType<ArrayAttr>(
              mica::exec::kRequiredFeaturesAttr))
        features.assign(old.begin(), old.end());
      features.push_back(b.getStringAttr(MICA_FEATURE_MODEL_PATH_ERRORS));
      module->setAttr(mica::exec::kRequiredFeaturesAttr,
                      b.getArrayAttr(features));
    }
    for (auto [func, step] : llvm::zip(entries, steps)) {
      SmallVector<int32_t> nodes = insertHooks(func, names, opTypes, index);
      lowerFails(func, names, opTypes, index);
      // An entry point of several steps: the nodes each one reports, for
      // the artifact's per-step node lists (PlanToArtifact).
      auto entry = cast<exec::EntryPointOp>(step->getParentOp());
      if (!llvm::hasSingleElement(entry.getStepOps()))
        step->setAttr(kStepNodesAttr, b.getDenseI32ArrayAttr(nodes));
    }
    if (!tables.empty())
      tables[0].erase();
    OpBuilder tb = OpBuilder::atBlockEnd(module.getBody());
    exec::NodeTableOp::create(tb, module.getLoc(), b.getArrayAttr(names),
                              b.getArrayAttr(opTypes));
  }

  /// Each graph.fail becomes a call of mica_kernel_fail with its node.
  void lowerFails(func::FuncOp func, SmallVectorImpl<Attribute> &names,
                  SmallVectorImpl<Attribute> &opTypes,
                  llvm::StringMap<int32_t> &index) {
    Builder b(&getContext());
    Value ctx = func.getArgument(0);
    func.walk([&](mica::graph::FailOp fail) {
      mica::NodeLocInfo info = mica::getNodeLocInfo(fail.getLoc());
      int32_t node = -1;
      if (!info.node.empty()) {
        auto [it, inserted] = index.try_emplace(info.node, names.size());
        if (inserted) {
          names.push_back(b.getStringAttr(info.node));
          StringRef kind = info.domainAndOp;
          opTypes.push_back(b.getStringAttr(kind.substr(kind.rfind(':') + 1)));
        }
        node = it->second;
      }
      OpBuilder ob(fail);
      Value n =
          arith::ConstantIntOp::create(ob, fail.getLoc(), b.getI32Type(), node);
      func::CallOp::create(ob, fail.getLoc(), kFailFn, TypeRange{},
                           ValueRange{ctx, n});
      fail.erase();
    });
  }

  /// Brackets the code of each node of `func` with hook calls, extending the
  /// node table with the nodes it names for the first time; returns the
  /// nodes it brackets, in order of first call.
  SmallVector<int32_t> insertHooks(func::FuncOp func,
                                   SmallVectorImpl<Attribute> &names,
                                   SmallVectorImpl<Attribute> &opTypes,
                                   llvm::StringMap<int32_t> &index) {
    SmallVector<int32_t> reported;
    MLIRContext *context = &getContext();
    Builder b(context);
    Type ptr = LLVM::LLVMPointerType::get(context);
    Type i32 = b.getI32Type();
    Value ctx = func.getArgument(0);
    Block &body = func.front();
    // Sizes and strides of a tapped buffer, for the tensor hook.
    OpBuilder eb = OpBuilder::atBlockBegin(&body);
    Value dimsBuffer = memref::AllocaOp::create(
        eb, func.getLoc(), MemRefType::get({2 * kMaxTapRank}, b.getI64Type()));
    auto toPtr = [&](OpBuilder &ob, Location loc, Value index) -> Value {
      Value i64 = arith::IndexCastOp::create(ob, loc, b.getI64Type(), index);
      return LLVM::IntToPtrOp::create(ob, loc, ptr, i64);
    };
    auto call = [&](Operation *before, int32_t node, int32_t phase,
                    Value written) {
      OpBuilder ob(before);
      Location loc = before->getLoc();
      Value n = arith::ConstantIntOp::create(ob, loc, i32, node);
      Value p = arith::ConstantIntOp::create(ob, loc, i32, phase);
      func::CallOp::create(ob, loc, kLayerHookFn, TypeRange{},
                           ValueRange{ctx, n, p});
      auto type = written ? dyn_cast<MemRefType>(written.getType()) : nullptr;
      if (phase != 1 || !type || type.getRank() > kMaxTapRank ||
          !type.getElementType().isIntOrFloat())
        return;
      // The tensor hook: first element, sizes and strides, element type.
      int64_t rank = type.getRank();
      int64_t elementBytes = std::max<int64_t>(
          1, (type.getElementType().getIntOrFloatBitWidth() + 7) / 8);
      auto meta = memref::ExtractStridedMetadataOp::create(ob, loc, written);
      Value base =
          memref::ExtractAlignedPointerAsIndexOp::create(ob, loc, written);
      Value offset = arith::MulIOp::create(
          ob, loc, meta.getOffset(),
          arith::ConstantIndexOp::create(ob, loc, elementBytes));
      Value data = toPtr(ob, loc, arith::AddIOp::create(ob, loc, base, offset));
      for (int64_t d = 0; d < rank; ++d) {
        for (auto [slot, value] :
             {std::pair<int64_t, Value>{d, meta.getSizes()[d]},
              {rank + d, meta.getStrides()[d]}}) {
          Value v = arith::IndexCastOp::create(ob, loc, b.getI64Type(), value);
          memref::StoreOp::create(
              ob, loc, v, dimsBuffer,
              ValueRange{arith::ConstantIndexOp::create(ob, loc, slot)});
        }
      }
      Value dims = toPtr(
          ob, loc,
          memref::ExtractAlignedPointerAsIndexOp::create(ob, loc, dimsBuffer));
      Value r = arith::ConstantIntOp::create(ob, loc, i32, rank);
      Value dtype = arith::ConstantIntOp::create(
          ob, loc, i32, mica::onnxDataType(type.getElementType()));
      func::CallOp::create(ob, loc, kTensorHookFn, TypeRange{},
                           ValueRange{ctx, n, data, r, dims, dtype});
    };
    int32_t current = -1;
    Value written;
    for (Operation &op : llvm::make_early_inc_range(body)) {
      if (op.hasTrait<OpTrait::IsTerminator>()) {
        if (current >= 0)
          call(&op, current, 1, written);
        break;
      }
      if (!doesWork(op))
        continue;
      mica::NodeLocInfo info = mica::getNodeLocInfo(op.getLoc());
      if (info.node.empty() || info.isInitializer)
        continue;
      auto [it, inserted] = index.try_emplace(info.node, names.size());
      if (inserted) {
        names.push_back(b.getStringAttr(info.node));
        StringRef kind = info.domainAndOp;
        opTypes.push_back(b.getStringAttr(kind.substr(kind.rfind(':') + 1)));
      }
      if (it->second != current) {
        if (current >= 0)
          call(&op, current, 1, written);
        current = it->second;
        if (!llvm::is_contained(reported, current))
          reported.push_back(current);
        written = Value();
        call(&op, current, 0, Value());
      }
      if (Value buffer = writtenBuffer(op))
        written = buffer;
    }
    return reported;
  }
};

} // namespace
