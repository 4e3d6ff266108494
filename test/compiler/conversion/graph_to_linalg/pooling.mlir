// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// Pooling: explicit padding (-inf for max, 0 for average), then
// linalg.pooling_nchw_max/sum with a window-shaped tensor.empty.

// Max pool 3x3/2 with pads 1 (the ResNet stem).
// CHECK-LABEL: func @max_pool
// CHECK: %[[NEG:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PAD:.+]] = tensor.pad %{{.+}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEG]] : f32
// CHECK: %[[INIT:.+]] = linalg.fill ins(%[[NEG]] : f32) outs(%{{.+}} : tensor<1x64x56x56xf32>)
// CHECK: %[[WIN:.+]] = tensor.empty() : tensor<3x3xf32>
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %[[WIN]] : tensor<1x64x114x114xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<1x64x56x56xf32>)
func.func @max_pool(%x: tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32> {
  %0 = graph.max_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
  return %0 : tensor<1x64x56x56xf32>
}

// -----

// Ceil mode adds end padding so the last window fits: 6 -> 3 windows of 2/2
// need 6, 5 -> 3 windows need 6, one extra row and column.
// CHECK-LABEL: func @max_pool_ceil
// CHECK: tensor.pad %{{.+}} low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: linalg.pooling_nchw_max
func.func @max_pool_ceil(%x: tensor<?x2x5x5xf32>) -> tensor<?x2x3x3xf32> {
  %0 = graph.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<?x2x5x5xf32>) -> tensor<?x2x3x3xf32>
  return %0 : tensor<?x2x3x3xf32>
}

// -----

// Average pool without padding divides by the window size.
// CHECK-LABEL: func @avg_pool
// CHECK: linalg.pooling_nchw_sum
// CHECK: %[[K:.+]] = arith.constant 4.000000e+00 : f32
// CHECK: linalg.generic
// CHECK: arith.divf %{{.+}}, %[[K]]
func.func @avg_pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %0 = graph.avg_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// With padding that does not count, the divisor comes from sum-pooling a
// zero-padded ones tensor of the input's spatial shape.
// CHECK-LABEL: func @avg_pool_exclude_pad
// CHECK: %[[SUM:.+]] = linalg.pooling_nchw_sum
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ONE]] : f32) outs(%{{.+}} : tensor<1x1x6x6xf32>)
// CHECK: tensor.pad %{{.+}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[COUNT:.+]] = linalg.pooling_nchw_sum {{.*}} -> tensor<1x1x3x3xf32>
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[COUNT]] : tensor<1x2x3x3xf32>, tensor<1x1x3x3xf32>)
// CHECK: arith.divf
func.func @avg_pool_exclude_pad(%x: tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32> {
  %0 = graph.avg_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>} : (tensor<1x2x6x6xf32>) -> tensor<1x2x3x3xf32>
  return %0 : tensor<1x2x3x3xf32>
}
