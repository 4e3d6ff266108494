//===- InsertLayerHooks.cpp - Per-node hook calls -------------------------===//
//
// See Passes.td (mica-insert-layer-hooks).
//
//===----------------------------------------------------------------------===//
#include "compiler/diagnostics/NodeLocation.h"
#include "compiler/kernel/KernelAbi.h"
#include "compiler/kernel/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "llvm/ADT/StringMap.h"

namespace mica {
#define GEN_PASS_DEF_INSERTLAYERHOOKS
#include "compiler/kernel/Passes.h.inc"
} // namespace mica

using namespace mlir;
using namespace mica::kernel;

namespace {

/// Ops that do work (as opposed to views, constants and index math), whose
/// node starts a new layer.
bool doesWork(Operation &op) {
  return op.getNumRegions() > 0 || isa<memref::CopyOp>(op) ||
         op.getDialect()->getNamespace() == "linalg";
}

struct InsertLayerHooksPass
    : mica::impl::InsertLayerHooksBase<InsertLayerHooksPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto func = module.lookupSymbol<func::FuncOp>(entry);
    if (!func || func.isExternal() || func.getNumArguments() == 0 ||
        !isa<LLVM::LLVMPointerType>(func.getArgument(0).getType())) {
      module.emitError("mica-insert-layer-hooks needs the bound entry '")
          << entry << "' (run mica-bind-kernel-interface first)";
      return signalPassFailure();
    }
    Builder b(context);
    SmallVector<Attribute> names, opTypes;
    llvm::StringMap<int32_t> index;
    if (auto existing = module->getAttrOfType<ArrayAttr>(kNodeNamesAttr))
      names.assign(existing.begin(), existing.end());
    if (auto existing = module->getAttrOfType<ArrayAttr>(kNodeOpTypesAttr))
      opTypes.assign(existing.begin(), existing.end());
    opTypes.resize(names.size(), b.getStringAttr(""));
    for (auto [i, name] : llvm::enumerate(names))
      index.try_emplace(cast<StringAttr>(name).getValue(), i);

    Type ptr = LLVM::LLVMPointerType::get(context);
    Type i32 = b.getI32Type();
    OpBuilder mb(module.getBodyRegion());
    auto hookType = b.getFunctionType({ptr, i32, i32}, {});
    if (!module.lookupSymbol<func::FuncOp>(kLayerHookFn)) {
      auto decl = func::FuncOp::create(mb, module.getLoc(), kLayerHookFn,
                                       hookType);
      decl.setPrivate();
    }
    Value ctx = func.getArgument(0);
    auto call = [&](Operation *before, int32_t node, int32_t phase) {
      OpBuilder ob(before);
      Location loc = before->getLoc();
      Value n = arith::ConstantIntOp::create(ob, loc, i32, node);
      Value p = arith::ConstantIntOp::create(ob, loc, i32, phase);
      func::CallOp::create(ob, loc, kLayerHookFn, TypeRange{},
                           ValueRange{ctx, n, p});
    };
    Block &body = func.front();
    int32_t current = -1;
    for (Operation &op : llvm::make_early_inc_range(body)) {
      if (op.hasTrait<OpTrait::IsTerminator>()) {
        if (current >= 0)
          call(&op, current, 1);
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
      if (it->second == current)
        continue;
      if (current >= 0)
        call(&op, current, 1);
      current = it->second;
      call(&op, current, 0);
    }
    module->setAttr(kNodeNamesAttr, b.getArrayAttr(names));
    module->setAttr(kNodeOpTypesAttr, b.getArrayAttr(opTypes));
  }
};

} // namespace
