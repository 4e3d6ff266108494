// A Halide generator for an f32 matrix product C[M, N] = A[M, K] x B[K, N]
// (row-major; in Halide's dimension order A(k, m), B(n, k), C(n, m)), with
// one schedule per target family. It exists to measure Halide's code against
// Mica's MLIR-generated matmul kernels (bench/halide/README.md); it runs at
// build time in its own process (Halide links its own LLVM 14).
#include "Halide.h"

namespace {

using namespace Halide;

class Sgemm : public Generator<Sgemm> {
public:
  Input<Buffer<float, 2>> a{"a"};
  Input<Buffer<float, 2>> b{"b"};
  Output<Buffer<float, 2>> c{"c"};

  void generate() {
    Var n("n"), m("m");
    RDom k(0, a.dim(0).extent(), "k");
    Func prod("prod");
    prod(n, m) = 0.0f;
    prod(n, m) += a(k, m) * b(n, k);
    c(n, m) = prod(n, m);

    // A register tile of `rows` x (2 vectors) accumulators, reduction
    // innermost around it: the same shape as Mica's own kernels choose
    // (rows x NV vectors, docs/cpu-kernels.md), so that the comparison is
    // between code generators, not between tile shapes.
    const int vec = natural_vector_size<float>();
    const bool manyRegisters = get_target().has_feature(Target::AVX512) ||
                               get_target().arch == Target::ARM;
    const int rows = manyRegisters ? 12 : 6;
    Var no("no"), mo("mo"), ni("ni"), mi("mi");
    c.tile(n, m, no, mo, ni, mi, 2 * vec, rows, TailStrategy::GuardWithIf)
        .vectorize(ni, vec)
        .unroll(ni)
        .unroll(mi);
    // The accumulators live in registers: no allocation at run time (the
    // kernels run without Halide's runtime, see README.md).
    prod.compute_at(c, no)
        .bound_extent(n, 2 * vec)
        .bound_extent(m, rows)
        .store_in(MemoryType::Register)
        .vectorize(n, vec)
        .unroll(n)
        .unroll(m);
    prod.update().reorder(n, m, k).vectorize(n, vec).unroll(n).unroll(m);
    c.dim(0).set_min(0);
    c.dim(1).set_min(0);
  }
};

} // namespace

HALIDE_REGISTER_GENERATOR(Sgemm, sgemm)
