// RUN: mica-opt %s --mica-cpu-contraction-codegen="vector-width=8 registers=16 trace=1" --split-input-file 2>%t.trace | FileCheck %s
// RUN: FileCheck %s --check-prefix=TRACE < %t.trace

// Loops of ops carrying mica.width (--sortable-width) stop at the width
// group's run-time count, read once per kernel by exec.active_count before
// every loop: min(extent, count * scale).

// A fully connected layer bounded along N (group 0) and K (group 1): the
// 8x4-vector (32-column) tiles run up to the bound rounded down to whole
// tiles, then one tile of 1..3 whole vectors chosen at run time (no masks);
// the reduction stops exactly at K's count.
// TRACE: n=64 {{.*}} bounds n<-g0 k<-g1
// CHECK-LABEL: func.func @fc_bounds
// CHECK: %[[G0:.+]] = exec.active_count {group = 0 : i64} : index
// CHECK: %[[N:.+]] = arith.minui %[[G0]], %c64 : index
// CHECK: %[[G1:.+]] = exec.active_count {group = 1 : i64} : index
// CHECK: %[[K:.+]] = arith.minui %[[G1]], %c48 : index
// CHECK: %[[VECS:.+]] = arith.ceildivui %[[N]], %{{.+}} : index
// CHECK: %[[TILES:.+]] = arith.divui %[[VECS]], %{{.+}} : index
// CHECK: %[[END:.+]] = arith.muli %[[TILES]], %{{.+}} : index
// CHECK: %[[UB:.+]] = arith.minui %[[END]], %{{.+}} : index
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[UB]] step
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[K]] step %{{.+}} iter_args
// CHECK-COUNT-8: vector.store
// CHECK: %[[LEFT:.+]] = arith.subi %[[VECS]], %{{.+}} : index
// CHECK: scf.index_switch %[[LEFT]]
// CHECK: case 1 {
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[K]] step
// CHECK: case 2 {
// CHECK: case 3 {
// CHECK-NOT: vector.maskedstore
// CHECK: return
memref.global "private" constant @w : memref<64x48xf32> = dense<1.0>
func.func @fc_bounds(%x: memref<4x48xf32>, %bias: memref<64xf32>, %out: memref<4x64xf32>) {
  %w = memref.get_global @w : memref<64x48xf32>
  linalg.generic {indexing_maps = [affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<64xf32>) outs(%out : memref<4x64xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  }
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x48xf32>, memref<64x48xf32>) outs(%out : memref<4x64xf32>)
      attrs = {mica.width = [array<i64: 1, 0, 1>, array<i64: 2, 1, 1>]} {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A 3x3 convolution bounded along its output channels (the register rows,
// group 0) and its 4 input channels (group 1): the row blocks (8 filters,
// packed) run up to the bound rounded up to whole blocks; the short
// input-channel loop is a loop to the bound, not unrolled (the 3x3 window
// inside it still is).
// TRACE: linalg.conv_2d_nchw_fchw {{.*}} m=16 tile 8x1x8 {{.*}} bounds m<-g0 k<-g1
// CHECK-LABEL: func.func @conv_bounds
// CHECK: %[[G0:.+]] = exec.active_count {group = 0 : i64} : index
// CHECK: %[[F:.+]] = arith.minui %[[G0]], %{{.+}} : index
// CHECK: %[[G1:.+]] = exec.active_count {group = 1 : i64} : index
// CHECK: %[[C:.+]] = arith.minui %[[G1]], %{{.+}} : index
// CHECK: scf.parallel
// CHECK: %[[BLOCKS:.+]] = arith.ceildivui %[[F]], %[[MR:.+]] : index
// CHECK: %[[ROUNDED:.+]] = arith.muli %[[BLOCKS]], %[[MR]] : index
// CHECK: %[[UB:.+]] = arith.minui %[[ROUNDED]], %{{.+}} : index
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[UB]] step
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[C]] step %{{.+}} iter_args
// CHECK-COUNT-72: arith.mulf {{.*}} : vector<8xf32>
// CHECK: scf.yield
memref.global "private" constant @w : memref<16x4x3x3xf32> = dense<1.0>
func.func @conv_bounds(%x: memref<1x4x10x10xf32>, %out: memref<1x16x8x8xf32>) {
  %w = memref.get_global @w : memref<16x4x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                            mica.width = [array<i64: 1, 0, 1>, array<i64: 4, 1, 1>]}
      ins(%x, %w : memref<1x4x10x10xf32>, memref<16x4x3x3xf32>) outs(%out : memref<1x16x8x8xf32>)
  return
}

// -----

// 20 output rows in blocks of 7: the loop over the two full blocks runs to
// the bound rounded up to a block, and the static rest block of 6 rows only
// when the bound passes the full blocks.
// TRACE: m=20 tile 7x1x8 {{.*}} bounds m<-g0
// CHECK-LABEL: func.func @rows_rest
// CHECK: %[[G0:.+]] = exec.active_count {group = 0 : i64} : index
// CHECK: %[[F:.+]] = arith.minui %[[G0]], %{{.+}} : index
// CHECK: %[[BLOCKS:.+]] = arith.ceildivui %[[F]], %[[MR:.+]] : index
// CHECK: %[[ROUNDED:.+]] = arith.muli %[[BLOCKS]], %[[MR]] : index
// CHECK: %[[UB:.+]] = arith.minui %[[ROUNDED]], %[[FULL:.+]] : index
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[UB]] step %[[MR]]
// CHECK-COUNT-7: vector.store
// CHECK: %[[PAST:.+]] = arith.cmpi ugt, %[[F]], %[[FULL]] : index
// CHECK: scf.if %[[PAST]] {
// CHECK-COUNT-6: vector.store
// CHECK-NOT: vector.store
// CHECK: return
memref.global "private" constant @w : memref<20x4x3x3xf32> = dense<1.0>
func.func @rows_rest(%x: memref<1x4x10x10xf32>, %out: memref<1x20x8x8xf32>) {
  %w = memref.get_global @w : memref<20x4x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                            mica.width = [array<i64: 1, 0, 1>]}
      ins(%x, %w : memref<1x4x10x10xf32>, memref<20x4x3x3xf32>) outs(%out : memref<1x20x8x8xf32>)
  return
}

// -----

// N = 36 in tiles of 24 with a partial tail of 12: the tail (a static,
// masked tile) runs after the full tile when the bound passes it, else one
// tile of the whole vectors needed (1 or 2; none or 3: the full tile).
// TRACE: n=36 {{.*}} tile 3x3x8 {{.*}} bounds n<-g0
// CHECK-LABEL: func.func @n_static_tail
// CHECK: %[[G0:.+]] = exec.active_count {group = 0 : i64} : index
// CHECK: %[[N:.+]] = arith.minui %[[G0]], %{{.+}} : index
// CHECK: %[[VECS:.+]] = arith.ceildivui %[[N]], %{{.+}} : index
// CHECK: %[[PAST:.+]] = arith.cmpi ugt, %[[N]], %{{.+}} : index
// CHECK: scf.if %[[PAST]] {
// CHECK-COUNT-9: vector.store
// CHECK: vector.maskedstore
// CHECK: } else {
// CHECK: scf.index_switch %[[VECS]]
// CHECK: case 1 {
// CHECK-COUNT-3: vector.store
// CHECK: case 2 {
// CHECK-COUNT-6: vector.store
// CHECK: default {
// CHECK-COUNT-9: vector.store
func.func @n_static_tail(%x: memref<3x8xf32>, %w: memref<8x36xf32>, %out: memref<3x36xf32>) {
  linalg.matmul {mica.width = [array<i64: 1, 0, 1>]}
      ins(%x, %w : memref<3x8xf32>, memref<8x36xf32>) outs(%out : memref<3x36xf32>)
  return
}

// -----

// Batched products (attention heads): the head loop (group 2) is an outer
// loop to the bound; K counts 4 per channel of group 1 (scale 4).
// TRACE: bounds d0<-g2 k<-g1*4
// CHECK-LABEL: func.func @batched
// CHECK: %[[G2:.+]] = exec.active_count {group = 2 : i64} : index
// CHECK: %[[H:.+]] = arith.minui %[[G2]], %{{.+}} : index
// CHECK: %[[G1:.+]] = exec.active_count {group = 1 : i64} : index
// CHECK: %[[SCALED:.+]] = arith.muli %[[G1]], %{{.+}} : index
// CHECK: %[[K:.+]] = arith.minui %[[SCALED]], %{{.+}} : index
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[H]] step
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[K]] step %{{.+}} iter_args
func.func @batched(%a: memref<4x8x16xf32>, %b: memref<4x16x32xf32>, %out: memref<4x8x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(h, m, n, k) -> (h, m, k)>, affine_map<(h, m, n, k) -> (h, k, n)>, affine_map<(h, m, n, k) -> (h, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x8x16xf32>, memref<4x16x32xf32>) outs(%out : memref<4x8x32xf32>)
      attrs = {mica.width = [array<i64: 0, 2, 1>, array<i64: 3, 1, 4>]} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A 1x1 convolution merges H and W into n: bounds on those dims are
// dropped (a prefix of W is no prefix of H*W), the input-channel bound
// stays, and the 1x1 window's reduction dims (extent 1, bounded here by
// group 2) are loops to their bound rather than skipped.
// TRACE: n=16 (merged 1) {{.*}} bounds k<-g1 k<-g2 (dropped d2<-g0 n<-g0)
// CHECK-LABEL: func.func @conv1x1_merged
// CHECK-DAG: %[[G1:.+]] = exec.active_count {group = 1 : i64} : index
// CHECK-DAG: %[[G2:.+]] = exec.active_count {group = 2 : i64} : index
// CHECK-NOT: exec.active_count {group = 0
// CHECK: %[[KH:.+]] = arith.minui %[[G2]], %[[ONE:.+]] : index
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[KH]] step %{{.+}} iter_args
func.func @conv1x1_merged(%x: memref<1x8x4x4xf32>, %w: memref<4x8x1x1xf32>, %out: memref<1x4x4x4xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                            mica.width = [array<i64: 2, 0, 1>, array<i64: 3, 0, 1>, array<i64: 4, 1, 1>, array<i64: 5, 2, 1>]}
      ins(%x, %w : memref<1x8x4x4xf32>, memref<4x8x1x1xf32>) outs(%out : memref<1x4x4x4xf32>)
  return
}
