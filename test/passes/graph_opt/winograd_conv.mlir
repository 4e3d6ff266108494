// RUN: mica-opt %s --mica-winograd-conv --split-input-file | FileCheck %s
// RUN: mica-opt %s --mica-winograd-conv="min-channels=64" --split-input-file | FileCheck %s --check-prefix=NARROW
// A sparse weight (2:4, half zeros) stays direct: G g G^T would densify it.
// RUN: mica-opt %s --mica-sparsify="pattern=2:4" --mica-winograd-conv --split-input-file | FileCheck %s --check-prefix=SPARSE

// A 3x3 stride-1 conv with 32 channels and 4x4 tiles of a 16x16 output:
// padded to 4 * 4 + 2 = 18, B^T on rows then columns as grouped convs with
// stride 4, the 36 products as one einsum with the transformed weight
// [36, K, C], A^T as a matmul and an einsum that writes the 4x4 blocks in
// place, the bias added.
// CHECK-LABEL: func.func @tiles
// CHECK: graph.pad %{{.*}} {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>} : (tensor<1x32x16x16xf32>) -> tensor<1x32x18x18xf32>
// CHECK: graph.conv {{.*}}groups = 32 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 4, 1>} : (tensor<1x32x18x18xf32>, tensor<192x1x6x1xf32>) -> tensor<1x192x4x18xf32>
// CHECK: graph.conv {{.*}}groups = 192 : i64, {{.*}}strides = array<i64: 1, 4>} : (tensor<1x192x4x18xf32>, tensor<1152x1x1x6xf32>) -> tensor<1x1152x4x4xf32>
// CHECK: graph.einsum {{.*}}equation = "xoc,cxt->xot"{{.*}} -> tensor<36x32x16xf32>
// CHECK: graph.matmul {{.*}} : (tensor<4x6xf32>, tensor<6x3072xf32>) -> tensor<4x3072xf32>
// CHECK: graph.einsum {{.*}}equation = "bv,avknhw->nkhawb"{{.*}} : (tensor<4x6xf32>, tensor<4x6x32x1x4x4xf32>) -> tensor<1x32x4x4x4x4xf32>
// CHECK: %[[Y:.*]] = graph.reshape {{.*}} -> tensor<1x32x16x16xf32>
// CHECK-NOT: graph.slice
// CHECK: %[[B:.*]] = graph.reshape %{{.*}} {new_shape = array<i64: 1, 32, 1, 1>}
// CHECK: %[[R:.*]] = graph.add %[[Y]], %[[B]]
// CHECK: return %[[R]]
// SPARSE-LABEL: func.func @tiles
// SPARSE: graph.conv
// SPARSE-NOT: graph.einsum
// NARROW-LABEL: func.func @tiles
// NARROW: graph.conv
// NARROW-NOT: graph.einsum
func.func @tiles(%x: tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32> {
  %w = graph.constant dense<0.5> : tensor<32x32x3x3xf32>
  %b = graph.constant dense<1.0> : tensor<32xf32>
  %y = graph.conv %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x32x16x16xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<1x32x16x16xf32>
  return %y : tensor<1x32x16x16xf32>
}

// -----

// A batch of 2 with asymmetric pads: an output of 15x17 takes 4x5 tiles,
// the blocks are cropped back, the batch stays its own einsum index.
// CHECK-LABEL: func.func @batch_and_crop
// CHECK: graph.pad %{{.*}} {pads = array<i64: 0, 0, 0, 1, 0, 0, 2, 5>} : (tensor<2x32x16x16xf32>) -> tensor<2x32x18x22xf32>
// CHECK: graph.einsum {{.*}}equation = "xoc,ncxt->xont"{{.*}} -> tensor<36x48x2x20xf32>
// CHECK: graph.slice {{.*}} : (tensor<2x48x16x20xf32>) -> tensor<2x48x15x17xf32>
// CHECK-NOT: graph.add
func.func @batch_and_crop(%x: tensor<2x32x16x16xf32>) -> tensor<2x48x15x17xf32> {
  %w = graph.constant dense<0.25> : tensor<48x32x3x3xf32>
  %y = graph.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 1, 2>, strides = array<i64: 1, 1>} : (tensor<2x32x16x16xf32>, tensor<48x32x3x3xf32>) -> tensor<2x48x15x17xf32>
  return %y : tensor<2x48x15x17xf32>
}

// -----

// Left direct: stride 2, too few channels, too few tiles (7x7 output), a
// weight that is not a constant, a dynamic batch.
// CHECK-LABEL: func.func @direct
// CHECK-COUNT-5: graph.conv
// CHECK-NOT: graph.einsum
func.func @direct(%x: tensor<1x32x16x16xf32>, %x7: tensor<1x64x7x7xf32>, %wv: tensor<32x32x3x3xf32>, %xd: tensor<?x32x16x16xf32>) -> (tensor<1x32x8x8xf32>, tensor<1x8x16x16xf32>, tensor<1x64x7x7xf32>, tensor<1x32x16x16xf32>, tensor<?x32x16x16xf32>) {
  %w = graph.constant dense<0.5> : tensor<32x32x3x3xf32>
  %w8 = graph.constant dense<0.5> : tensor<8x32x3x3xf32>
  %w64 = graph.constant dense<0.5> : tensor<64x64x3x3xf32>
  %s2 = graph.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x32x16x16xf32>, tensor<32x32x3x3xf32>) -> tensor<1x32x8x8xf32>
  %narrow = graph.conv %x, %w8 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x32x16x16xf32>, tensor<8x32x3x3xf32>) -> tensor<1x8x16x16xf32>
  %small = graph.conv %x7, %w64 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x64x7x7xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x7x7xf32>
  %var = graph.conv %x, %wv {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x32x16x16xf32>, tensor<32x32x3x3xf32>) -> tensor<1x32x16x16xf32>
  %dyn = graph.conv %xd, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x32x16x16xf32>, tensor<32x32x3x3xf32>) -> tensor<?x32x16x16xf32>
  return %s2, %narrow, %small, %var, %dyn : tensor<1x32x8x8xf32>, tensor<1x8x16x16xf32>, tensor<1x64x7x7xf32>, tensor<1x32x16x16xf32>, tensor<?x32x16x16xf32>
}
