// RUN: mica-opt %s --mica-cpu-vector-math="isa=avx512" | FileCheck %s
// RUN: mica-opt %s --mica-cpu-vector-math="isa=avx2" | FileCheck %s --check-prefix=AVX2
// RUN: mica-opt %s --mica-cpu-vector-math | FileCheck %s --check-prefix=NONE

// Whole-vector calls of glibc's libmvec, by the x86-64 vector ABI's names;
// a width the ISA lacks keeps the math op (LLVM lowers it lane by lane).
// CHECK-LABEL: func.func @math
// CHECK: call @_ZGVeN16v_expf(%{{.+}}) : (vector<16xf32>) -> vector<16xf32>
// CHECK: call @_ZGVdN8v_erff(%{{.+}}) : (vector<8xf32>) -> vector<8xf32>
// CHECK: call @_ZGVbN4v_tanhf(%{{.+}}) : (vector<4xf32>) -> vector<4xf32>
// CHECK: math.exp %{{.+}} : f32
// CHECK: math.sqrt %{{.+}} : vector<16xf32>
// CHECK: func.func private @_ZGVeN16v_expf(vector<16xf32>) -> vector<16xf32>
// AVX2: math.exp %{{.+}} : vector<16xf32>
// AVX2: call @_ZGVdN8v_erff
// NONE-NOT: call
func.func @math(%a: vector<16xf32>, %b: vector<8xf32>, %c: vector<4xf32>, %s: f32)
    -> (vector<16xf32>, vector<8xf32>, vector<4xf32>, f32, vector<16xf32>) {
  %0 = math.exp %a : vector<16xf32>
  %1 = math.erf %b : vector<8xf32>
  %2 = math.tanh %c : vector<4xf32>
  %3 = math.exp %s : f32
  %4 = math.sqrt %a : vector<16xf32>
  return %0, %1, %2, %3, %4 : vector<16xf32>, vector<8xf32>, vector<4xf32>, f32, vector<16xf32>
}
