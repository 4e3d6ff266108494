// RUN: mica-opt %s --mica-cpu-contraction-codegen="vector-width=8 registers=16" --split-input-file --verify-diagnostics

// A width bound on a reduction loop of an op the contraction codegen does
// not plan (a sum into a scalar): left to the generic loops, it would sum the
// stale channels past the count.
func.func @unplanned_sum(%x: memref<64xf32>, %out: memref<f32>) {
  // expected-error @+1 {{cannot honour the width bound on loop 0: the op is not a kernel of mica-cpu-contraction-codegen}}
  linalg.generic {indexing_maps = [affine_map<(k) -> (k)>, affine_map<(k) -> ()>],
                  iterator_types = ["reduction"]}
      ins(%x : memref<64xf32>) outs(%out : memref<f32>)
      attrs = {mica.width = [array<i64: 0, 0, 1>]} {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A bound on a parallel loop of an op this pass leaves alone (elementwise)
// is only an optimisation: no error, the op keeps its full width.
func.func @unplanned_parallel(%x: memref<64xf32>, %out: memref<64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(n) -> (n)>, affine_map<(n) -> (n)>],
                  iterator_types = ["parallel"]}
      ins(%x : memref<64xf32>) outs(%out : memref<64xf32>)
      attrs = {mica.width = [array<i64: 0, 0, 1>]} {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// int8 dot products reduce over 4-byte words (and smmla over word pairs):
// a bound in channels cannot be honoured there.
func.func @dot4_k_bound(%x: memref<4x16xi32>, %w: memref<16x16xi32>, %out: memref<4x16xi32>) {
  // expected-error @+1 {{cannot honour the width bound on loop 2: an int8 dot-product reduction}}
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x16xi32>, memref<16x16xi32>) outs(%out : memref<4x16xi32>)
      attrs = {mica.dot4 = "x86-vnni", mica.width = [array<i64: 2, 0, 1>]} {
  ^bb0(%a: i32, %b: i32, %acc: i32):
    %p = arith.muli %a, %b : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// A malformed bound (a loop the op does not have).
func.func @bad_loop(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %out: memref<4x16xf32>) {
  // expected-error @+1 {{malformed mica.width entry array<i64: 3, 0, 1>}}
  linalg.matmul {mica.width = [array<i64: 3, 0, 1>]}
      ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%out : memref<4x16xf32>)
  return
}
