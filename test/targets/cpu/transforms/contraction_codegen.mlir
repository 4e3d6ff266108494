// RUN: mica-opt %s --mica-cpu-contraction-codegen="vector-width=8 registers=16" --split-input-file | FileCheck %s

// A matmul initialised by a fill and followed by a relu: one kernel, the
// fill is the accumulators' start value, the relu is applied before the only
// store, so neither the zeros nor the pre-activation values reach memory.
// M = 6, N = 16 (two 8-lane vectors), K in a loop carrying the tile.
// CHECK-LABEL: func.func @matmul_fill_relu
// CHECK-NOT: linalg.
// CHECK: %[[ZERO:.+]] = vector.broadcast %{{.+}} : f32 to vector<8xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.+}} = %[[ZERO]]
// CHECK: memref.load {{.*}} : memref<?xf32>
// CHECK: vector.broadcast {{.*}} : f32 to vector<8xf32>
// CHECK: vector.load {{.*}} : memref<?xf32>, vector<8xf32>
// CHECK: arith.mulf {{.*}} : vector<8xf32>
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK: scf.yield
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: vector.store {{.*}} : memref<?xf32>, vector<8xf32>
// CHECK-NOT: linalg.
// CHECK: return
func.func @matmul_fill_relu(%a: memref<6x32xf32>, %b: memref<32x16xf32>, %out: memref<6x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<6x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<6x16xf32>)
  linalg.matmul ins(%a, %b : memref<6x32xf32>, memref<32x16xf32>) outs(%c : memref<6x16xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<6x16xf32>) outs(%out : memref<6x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.maximumf %x, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<6x16xf32>
  return
}

// -----

// A fully connected layer reads its constant [N, K] weight with stride K
// along n: the weight is packed at compile time into panels of the tile
// width (two 8-lane vectors: one panel of 16 columns x K = 8, zero past
// N = 12) and the original global goes away. The bias broadcast along n
// initialises the accumulators; the second vector is partial (a masked load
// of the bias, a masked store).
// CHECK: memref.global "private" constant @w_panels16 : memref<128xf32>
// CHECK-NOT: memref.global "private" constant @w :
// CHECK-LABEL: func.func @fully_connected
// CHECK: memref.get_global @w_panels16
// CHECK: vector.maskedload
// CHECK: vector.load %{{.+}}[%{{.+}}] : memref<128xf32>, vector<8xf32>
// CHECK: vector.maskedstore
memref.global "private" constant @w : memref<12x8xf32> = dense<1.0>
func.func @fully_connected(%x: memref<4x8xf32>, %bias: memref<12xf32>, %out: memref<4x12xf32>) {
  %w = memref.get_global @w : memref<12x8xf32>
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<12xf32>) outs(%out : memref<4x12xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xf32>, memref<12x8xf32>) outs(%out : memref<4x12xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A 1x1 convolution over a contiguous 4x4 map: H and W merge into the
// vectorised dimension (16 positions, two full vectors), the 4 output
// channels are the register rows: one 4x2 tile (the weight is no constant:
// each filter a stream of its own, so few rows and several vectors), the
// input channels a loop inside.
// CHECK-LABEL: func.func @conv1x1
// CHECK-NOT: linalg.conv
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-8: vector.store {{.*}} vector<8xf32>
// CHECK-NOT: vector.maskedstore
func.func @conv1x1(%x: memref<1x8x4x4xf32>, %w: memref<4x8x1x1xf32>, %out: memref<1x4x4x4xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x8x4x4xf32>, memref<4x8x1x1xf32>) outs(%out : memref<1x4x4x4xf32>)
  return
}

// -----

// A depthwise convolution: output rows are the register rows (the weight
// is the same for all; 4 on 16 registers, as rows share input rows), the
// 3x3 window is unrolled (no reduction loop), channels and row blocks are
// loops around the tile.
// CHECK-LABEL: func.func @depthwise
// CHECK-NOT: linalg.depthwise
// CHECK-NOT: iter_args
// CHECK-COUNT-36: arith.mulf {{.*}} : vector<8xf32>
func.func @depthwise(%x: memref<1x4x10x10xf32>, %w: memref<4x3x3xf32>, %out: memref<1x4x8x8xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x4x10x10xf32>, memref<4x3x3xf32>) outs(%out : memref<1x4x8x8xf32>)
  return
}

// -----

// Stride 2 along the vectorised dimension: two loads and a shuffle of the
// even lanes per vector of the input.
// CHECK-LABEL: func.func @max_pool_stride2
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14] : vector<8xf32>, vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
func.func @max_pool_stride2(%x: memref<1x2x17x17xf32>, %window: memref<3x3xf32>, %out: memref<1x2x8x8xf32>) {
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %window : memref<1x2x17x17xf32>, memref<3x3xf32>) outs(%out : memref<1x2x8x8xf32>)
  return
}

// -----

// Average pooling with ceil mode: the sums start from a copy of %zeros,
// which the window counts' pooling overwrites next. The counts' pooling
// must stay after the sums' kernel (it touches the buffer the fused
// initialisation reads), so the sums are not fused with the division: two
// kernels, the first reading %zeros before the second stores to it.
// CHECK-LABEL: func.func @avg_pool_counts_after_init
// CHECK-SAME: (%[[X:.+]]: memref<1x1x5x5xf32>, %[[ONES:.+]]: memref<1x1x5x5xf32>, %[[ZEROS:.+]]: memref<1x1x2x2xf32>
// CHECK-NOT: linalg.
// CHECK-NOT: memref.reinterpret_cast %[[ONES]]
// CHECK: memref.reinterpret_cast %[[X]]
// CHECK-NOT: memref.reinterpret_cast %[[ONES]]
// CHECK: vector.maskedstore
// CHECK-NOT: arith.divf
// CHECK: memref.reinterpret_cast %[[ONES]]
// CHECK: arith.divf
// CHECK: vector.maskedstore
// CHECK-NOT: linalg.
// CHECK: return
func.func @avg_pool_counts_after_init(%x: memref<1x1x5x5xf32>, %ones: memref<1x1x5x5xf32>, %zeros: memref<1x1x2x2xf32>, %window: memref<3x3xf32>) {
  %sums = memref.alloc() {alignment = 64 : i64} : memref<1x1x2x2xf32>
  linalg.copy ins(%zeros : memref<1x1x2x2xf32>) outs(%sums : memref<1x1x2x2xf32>)
  linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %window : memref<1x1x5x5xf32>, memref<3x3xf32>) outs(%sums : memref<1x1x2x2xf32>)
  linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%ones, %window : memref<1x1x5x5xf32>, memref<3x3xf32>) outs(%zeros : memref<1x1x2x2xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%sums, %zeros : memref<1x1x2x2xf32>, memref<1x1x2x2xf32>) outs(%zeros : memref<1x1x2x2xf32>) {
  ^bb0(%s: f32, %c: f32, %o: f32):
    %q = arith.divf %s, %c : f32
    linalg.yield %q : f32
  }
  memref.dealloc %sums : memref<1x1x2x2xf32>
  return
}

// -----

// Row sums over the contiguous innermost dim: n runs across rows (stride 37),
// so B is gathered along n. Blocks of 8 steps load one contiguous vector per
// row and transpose them in registers (3 rounds of 8 shuffles), then add the
// 8 steps in order; the last 37 mod 8 steps are gathered one by one.
// CHECK-LABEL: func.func @row_sums_transposed
// CHECK: scf.for {{.*}} step %{{.+}} iter_args
// CHECK-COUNT-8: vector.load {{.*}} : memref<?xf32>, vector<8xf32>
// CHECK-COUNT-24: vector.shuffle
// CHECK-COUNT-8: arith.addf {{.*}} : vector<8xf32>
// CHECK: scf.yield
// CHECK: scf.for
// CHECK: memref.load
// CHECK: vector.from_elements
func.func @row_sums_transposed(%x: memref<16x37xf32>, %out: memref<16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<16xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<16x37xf32>) outs(%out : memref<16xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A short reduction (K = 16) followed by a sigmoid: the exp's chain and
// constants need registers of their own, so the tile keeps at most a
// quarter of the 16 registers as accumulators (4 here, where the plain
// matmul above takes more).
// CHECK-LABEL: func.func @matmul_sigmoid_small_tile
// CHECK: scf.for {{.*}} iter_args({{[^,]+}}, {{[^,]+}}, {{[^,]+}}, {{[^,]+}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK: math.exp {{.*}} : vector<8xf32>
// CHECK: return
func.func @matmul_sigmoid_small_tile(%a: memref<64x16xf32>, %b: memref<16x64xf32>, %out: memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %c = memref.alloc() : memref<64x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<64x64xf32>)
  linalg.matmul ins(%a, %b : memref<64x16xf32>, memref<16x64xf32>) outs(%c : memref<64x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<64x64xf32>) outs(%out : memref<64x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %s = arith.divf %one, %d : f32
    linalg.yield %s : f32
  }
  memref.dealloc %c : memref<64x64xf32>
  return
}
