//===- NativeRunTest.cpp - Compile, load and run a model natively ---------===//
//
// End to end on the host without mlir-runner: mica-codegen compiled
// Inputs/conv_relu_fc.mlir (conv -> relu -> reshape -> fully_connected ->
// softmax) into an ELF relocatable object at build time (MICA_E2E_OBJECT);
// this test maps it with the runtime loader, calls its entry `main` through
// the memref ABI that MLIR's LLVM lowering gives it, and compares the result
// with a plain C++ reference computed from the same constants.
//
// Entry ABI (no llvm.emit_c_interface; see mica-opt --mica-lower-to-llvm):
//   llvm.func @main(ptr allocated, ptr aligned, i64 offset,
//                   i64 sizes[4], i64 strides[4])
//       -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// i.e. the rank-4 input descriptor expanded into 11 scalar arguments and the
// rank-2 result descriptor returned by value. The 56-byte struct does not fit
// in return registers, so LLVM demotes it to a hidden pointer argument, which
// is what a C/C++ caller of a function returning that struct passes on
// x86-64 SysV (checked by this test; AArch64 not yet run). The result buffer is
// malloc'd by the code; the caller frees its allocated pointer.
//
//===----------------------------------------------------------------------===//
#include "mica/loader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace {

// Layout of MLIR's ranked memref descriptor (StridedMemRefType<T, N>).
template <int N> struct MemRefDesc {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[N];
  int64_t strides[N];
};

// The expanded-descriptor signature of the lowered @main.
using MainFn = MemRefDesc<2> (*)(float *, float *, int64_t, int64_t, int64_t,
                                 int64_t, int64_t, int64_t, int64_t, int64_t,
                                 int64_t);

// --- The model's constants (same formulas as Inputs/conv_relu_fc.mlir) -------
constexpr int kC = 3, kH = 8, kW = 8; // input 1x3x8x8
constexpr int kO = 4, kK = 3;         // conv 4x3x3x3, stride 2, pad 1
constexpr int kOH = 4, kOW = 4;       // conv output 1x4x4x4
constexpr int kFlat = kO * kOH * kOW; // 64
constexpr int kN = 10;                // fully_connected 10x64

double w1(int o, int c, int kh, int kw) {
  return ((o * 27 + c * 9 + kh * 3 + kw) % 7 - 3) * 0.0625;
}
double b1(int o) { return (o % 3 - 1) * 0.125; }
double w2(int n, int k) { return ((n * 64 + k) % 11 - 5) * 0.03125; }
double b2(int n) { return (n % 5 - 2) * 0.0625; }
// Input, also exact in f32.
float input(int i) { return static_cast<float>((i * 37 % 17 - 8) * 0.125); }

std::vector<double> reference(const std::vector<float> &x) {
  std::vector<double> flat(kFlat);
  for (int o = 0; o < kO; ++o)
    for (int oh = 0; oh < kOH; ++oh)
      for (int ow = 0; ow < kOW; ++ow) {
        double acc = b1(o);
        for (int c = 0; c < kC; ++c)
          for (int kh = 0; kh < kK; ++kh)
            for (int kw = 0; kw < kK; ++kw) {
              int ih = oh * 2 - 1 + kh, iw = ow * 2 - 1 + kw;
              if (ih < 0 || ih >= kH || iw < 0 || iw >= kW)
                continue;
              acc += w1(o, c, kh, kw) * x[(c * kH + ih) * kW + iw];
            }
        flat[(o * kOH + oh) * kOW + ow] = acc > 0 ? acc : 0; // relu, reshape
      }
  std::vector<double> logits(kN);
  double maxLogit = -INFINITY;
  for (int n = 0; n < kN; ++n) {
    double acc = b2(n);
    for (int k = 0; k < kFlat; ++k)
      acc += w2(n, k) * flat[k];
    logits[n] = acc;
    maxLogit = std::fmax(maxLogit, acc);
  }
  double sum = 0;
  for (double &l : logits)
    sum += (l = std::exp(l - maxLogit));
  for (double &l : logits)
    l /= sum;
  return logits;
}

std::vector<char> readFile(const char *path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in),
                           std::istreambuf_iterator<char>());
}

TEST(NativeRunTest, ConvReluFcSoftmaxMatchesReference) {
  std::vector<char> object = readFile(MICA_E2E_OBJECT);
  ASSERT_FALSE(object.empty()) << "cannot read " << MICA_E2E_OBJECT;

  // Only libc/libm: the pipeline lowers every copy to loops (no memrefCopy
  // from MLIR's runtime library), so the default imports must suffice.
  size_t numDefaults = 0;
  const mica_import *defaults = mica_default_imports(&numDefaults);
  std::vector<mica_import> imports(defaults, defaults + numDefaults);

  mica_code *code = nullptr;
  char error[256] = "";
  ASSERT_EQ(mica_code_load(object.data(), object.size(), imports.data(),
                           imports.size(), &code, error, sizeof(error)),
            MICA_OK)
      << error;
  auto entry = reinterpret_cast<MainFn>(mica_code_symbol(code, "main"));
  ASSERT_NE(entry, nullptr);

  std::vector<float> x(kC * kH * kW);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = input(static_cast<int>(i));

  MemRefDesc<2> out = entry(x.data(), x.data(), /*offset=*/0,
                            /*sizes=*/1, kC, kH, kW,
                            /*strides=*/kC * kH * kW, kH * kW, kW, 1);
  ASSERT_NE(out.aligned, nullptr);
  EXPECT_EQ(out.sizes[0], 1);
  EXPECT_EQ(out.sizes[1], kN);
  EXPECT_EQ(out.strides[1], 1);

  std::vector<double> ref = reference(x);
  double sum = 0;
  for (int n = 0; n < kN; ++n) {
    float got = out.aligned[out.offset + n * out.strides[1]];
    sum += got;
    std::printf("p[%d] = %.8f  ref %.8f  rel.err %.2e\n", n, got, ref[n],
                std::fabs(got - ref[n]) / ref[n]);
    EXPECT_NEAR(got, ref[n], 1e-5 * std::fabs(ref[n])) << "class " << n;
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);

  std::free(out.allocated); // malloc'd by the lowered code
  mica_code_unload(code);
}

} // namespace
