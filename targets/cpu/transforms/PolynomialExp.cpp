//===- PolynomialExp.cpp - f32 exp as MLIR's polynomial approximation -----===//
//
// See Passes.td (mica-cpu-polynomial-exp) and docs/numerics.md (item 4).
// glibc's AVX-512 expf costs some 19 cycles per 16 lanes and, being a call,
// makes a kernel's epilogue spill every live accumulator; arm64 has no
// vector expf at all (LLVM calls the scalar one lane by lane). MLIR's
// approximation is a dozen inline vector instructions, so models with
// swish activations run faster, and on the measured range it is more
// accurate than libmvec (test/targets/cpu/transforms/polynomial_exp_e2e.test).
// (measurements: docs/cpu-kernels.md, "Measurements behind the choices")
//
//===----------------------------------------------------------------------===//
#include "targets/cpu/transforms/Passes.h"

#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mica {
#define GEN_PASS_DEF_CPUPOLYNOMIALEXP
#include "targets/cpu/transforms/Passes.h.inc"
} // namespace mica

using namespace mlir;

namespace {

struct CpuPolynomialExpPass
    : mica::impl::CpuPolynomialExpBase<CpuPolynomialExpPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Only exp: the other approximations upstream has (tanh, erf, log, ...)
    // have not been measured against the C library's functions.
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) { return name == "math.exp"; });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
