//===- OutlineParallel.cpp - Parallel loops as runtime tasks --------------===//
//
// See Passes.td (mica-cpu-outline-parallel). The runtime's parallel-for
// (runtime/include/mica/kernel_abi.h) calls a task with the context and a
// range only, so a task must rebuild everything its loop body uses from the
// kernel's arguments: the body's free values are recomputed inside the task
// from the entry function's arguments (they are views of the arena, the
// constants segment and the inputs, their shapes and index arithmetic).
// A loop whose body uses anything else stays a sequential loop.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/kernel/KernelAbi.h"
#include "targets/cpu/transforms/Passes.h"

#include "dialects/exec/IR/ExecDialect.h"
#include "dialects/exec/IR/ExecUtils.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mica {
#define GEN_PASS_DEF_CPUOUTLINEPARALLEL
#include "targets/cpu/transforms/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kParallelForFn = "mica_kernel_parallel_for";

struct CpuOutlineParallelPass
    : mica::impl::CpuOutlineParallelBase<CpuOutlineParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // Each step's function (several with --memory-budget), each task
    // named after and rebuilt from the function of its step.
    for (auto entry : module.getOps<mica::exec::EntryPointOp>()) {
      for (mica::exec::StepOp step : entry.getStepOps()) {
        auto func =
            symbols.lookup<func::FuncOp>(step.getBoundFunction().getValue());
        if (!func || func.isExternal() || func.getNumArguments() == 0 ||
            !isa<LLVM::LLVMPointerType>(func.getArgument(0).getType()))
          continue; // not a bound kernel: loops stay sequential
        outline(func, symbols);
      }
    }
  }

  void outline(func::FuncOp func, SymbolTable &symbols) {
    ModuleOp module = getOperation();
    Block &body = func.front();
    MLIRContext *context = &getContext();
    Type ptr = LLVM::LLVMPointerType::get(context);
    Type i64 = IntegerType::get(context, 64);
    Type index = IndexType::get(context);
    unsigned count = 0;
    for (auto par :
         llvm::make_early_inc_range(body.getOps<scf::ParallelOp>())) {
      if (par.getNumLoops() != 1 || par.getNumResults() != 0 ||
          !isConstantIntValue(par.getLowerBound()[0], 0) ||
          !isConstantIntValue(par.getStep()[0], 1))
        continue;
      llvm::SetVector<Value> used;
      getUsedValuesDefinedAbove(par.getRegion(), used);
      llvm::SetVector<Operation *> slice;
      if (!llvm::all_of(used, [&](Value v) {
            return mica::exec::collectPureSlice(v, body, slice);
          }))
        continue;
      // Program order, so that every op follows its operands.
      SmallVector<Operation *> ordered(slice.begin(), slice.end());
      llvm::sort(ordered, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });

      // The task: the entry's arguments plus [begin, end).
      std::string name = (func.getSymName() + "_task" + Twine(count++)).str();
      SmallVector<Type> argTypes(func.getArgumentTypes());
      argTypes.append({index, index});
      OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
      auto task = func::FuncOp::create(mb, par.getLoc(), name,
                                       mb.getFunctionType(argTypes, {}));
      task.setPrivate();
      symbols.insert(task);
      Block *taskBody = task.addEntryBlock();
      IRMapping mapping;
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        mapping.map(func.getArgument(i), taskBody->getArgument(i));
      OpBuilder tb = OpBuilder::atBlockEnd(taskBody);
      for (Operation *op : ordered)
        tb.clone(*op, mapping);
      Value begin = taskBody->getArgument(func.getNumArguments());
      Value end = taskBody->getArgument(func.getNumArguments() + 1);
      Value one = arith::ConstantIndexOp::create(tb, par.getLoc(), 1);
      auto loop = scf::ForOp::create(tb, par.getLoc(), begin, end, one);
      {
        OpBuilder lb = OpBuilder::atBlockBegin(loop.getBody());
        lb.setInsertionPoint(loop.getBody()->getTerminator());
        mapping.map(par.getInductionVars()[0], loop.getInductionVar());
        for (Operation &op : par.getBody()->without_terminator())
          lb.clone(op, mapping);
      }
      func::ReturnOp::create(tb, par.getLoc());

      // Its C-ABI entry, defined by mica-emit-kernel-entry once the task has
      // its lowered signature: void THUNK(const mica_kernel_ctx *, i64, i64).
      std::string thunkName = name + "_thunk";
      auto thunk = LLVM::LLVMFuncOp::create(
          mb, par.getLoc(), thunkName,
          LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                      {ptr, i64, i64}));
      thunk->setAttr(mica::kernel::kTaskAttr,
                     FlatSymbolRefAttr::get(task.getSymNameAttr()));
      thunk->setAttr(mica::kernel::kTaskEntryAttr,
                     FlatSymbolRefAttr::get(func.getSymNameAttr()));
      symbols.insert(thunk);
      if (!symbols.lookup(kParallelForFn)) {
        auto decl =
            func::FuncOp::create(mb, module.getLoc(), kParallelForFn,
                                 mb.getFunctionType({ptr, ptr, i64}, {}));
        decl.setPrivate();
        symbols.insert(decl);
      }

      OpBuilder b(par);
      Value fn =
          LLVM::AddressOfOp::create(b, par.getLoc(), ptr, thunk.getSymName());
      Value n = arith::IndexCastOp::create(b, par.getLoc(), i64,
                                           par.getUpperBound()[0]);
      func::CallOp::create(b, par.getLoc(), kParallelForFn, TypeRange{},
                           ValueRange{func.getArgument(0), fn, n});
      par->erase();
    }
  }
};

} // namespace
