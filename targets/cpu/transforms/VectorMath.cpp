//===- VectorMath.cpp - Vector transcendentals from the C library ---------===//
//
// See Passes.td (mica-cpu-vector-math). LLVM lowers math on vectors lane by
// lane into calls of the scalar libm function (16 calls, with every vector
// register spilled around each); glibc's libmvec has the same functions for
// whole vectors, under the x86-64 vector function ABI names.
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mica {
#define GEN_PASS_DEF_CPUVECTORMATH
#include "targets/cpu/transforms/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

/// The libmvec base name of a math op on f32, if libmvec has it.
std::optional<StringRef> libmvecName(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<StringRef>>(op)
      .Case([](math::ExpOp) { return StringRef("expf"); })
      .Case([](math::LogOp) { return StringRef("logf"); })
      .Case([](math::ErfOp) { return StringRef("erff"); })
      .Case([](math::TanhOp) { return StringRef("tanhf"); })
      .Case([](math::SinOp) { return StringRef("sinf"); })
      .Case([](math::CosOp) { return StringRef("cosf"); })
      .Default([](Operation *) { return std::nullopt; });
}

struct CpuVectorMathPass : mica::impl::CpuVectorMathBase<CpuVectorMathPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The vector ABI's ISA letter per width: 'b' SSE (4 lanes), 'c' AVX or
    // 'd' AVX2 (8), 'e' AVX-512 (16); a width the target lacks stays with
    // LLVM's lane-by-lane lowering.
    llvm::DenseMap<int64_t, char> letters;
    if (isa == "avx512")
      letters = {{4, 'b'}, {8, 'd'}, {16, 'e'}};
    else if (isa == "avx2")
      letters = {{4, 'b'}, {8, 'd'}};
    else if (isa == "avx")
      letters = {{4, 'b'}, {8, 'c'}};
    else if (isa == "sse")
      letters = {{4, 'b'}};
    else if (!isa.empty()) {
      module.emitError("mica-cpu-vector-math: unknown isa '") << isa << "'";
      return signalPassFailure();
    }
    if (letters.empty())
      return;
    SymbolTable symbols(module);
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (op->getNumResults() != 1 || op->getNumOperands() != 1 ||
          !libmvecName(op))
        return;
      auto type = dyn_cast<VectorType>(op->getResult(0).getType());
      if (type && type.getRank() == 1 && type.getElementType().isF32() &&
          !type.isScalable() && letters.count(type.getNumElements()))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      auto type = cast<VectorType>(op->getResult(0).getType());
      int64_t lanes = type.getNumElements();
      std::string name = (Twine("_ZGV") + Twine(letters[lanes]) + "N" +
                          Twine(lanes) + "v_" + *libmvecName(op))
                             .str();
      if (!symbols.lookup(name)) {
        OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
        auto decl = func::FuncOp::create(mb, module.getLoc(), name,
                                         mb.getFunctionType({type}, {type}));
        decl.setPrivate();
        symbols.insert(decl);
      }
      OpBuilder b(op);
      auto call = func::CallOp::create(b, op->getLoc(), name, TypeRange{type},
                                       op->getOperands());
      op->getResult(0).replaceAllUsesWith(call.getResult(0));
      op->erase();
    }
  }
};

} // namespace
