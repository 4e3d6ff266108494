// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// Reductions: one reduction generic into a tensor of the kept dims, a finish
// step for mean/l2/log_sum_exp, and keepdims as a free expand_shape.

// Global average pooling (mean over H, W with keepdims) on a dynamic batch.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[KEPT:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func @global_avg_pool
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK: arith.addf
// CHECK: %[[C:.+]] = arith.constant 49 : index
// CHECK: %[[N:.+]] = arith.sitofp
// CHECK: %[[MEAN:.+]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x8xf32>)
// CHECK: arith.divf %{{.+}}, %[[N]]
// CHECK: tensor.expand_shape %[[MEAN]] {{\[\[}}0], [1, 2, 3]] output_shape [%{{.+}}, 8, 1, 1] : tensor<?x8xf32> into tensor<?x8x1x1xf32>
func.func @global_avg_pool(%x: tensor<?x8x7x7xf32>) -> tensor<?x8x1x1xf32> {
  %0 = graph.reduce <mean> %x {axes = array<i64: 2, 3>} : (tensor<?x8x7x7xf32>) -> tensor<?x8x1x1xf32>
  return %0 : tensor<?x8x1x1xf32>
}

// -----

// Max over a negative axis without keepdims starts from -inf.
// CHECK-LABEL: func @reduce_max
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {{.*}}["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK-NOT: tensor.expand_shape
func.func @reduce_max(%x: tensor<3x?xf32>) -> tensor<3xf32> {
  %0 = graph.reduce <max> %x {axes = array<i64: -1>, keepdims = false} : (tensor<3x?xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// log_sum_exp subtracts the max before exp.
// CHECK-LABEL: func @log_sum_exp
// CHECK: arith.maximumf
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: math.log
func.func @log_sum_exp(%x: tensor<2x5xf32>) -> tensor<2x1xf32> {
  %0 = graph.reduce <log_sum_exp> %x {axes = array<i64: 1>} : (tensor<2x5xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// argmax reduces (value, index) pairs; the index is linalg.index of the axis.
// CHECK-LABEL: func @argmax
// CHECK: linalg.generic {{.*}} outs(%{{.+}}, %{{.+}} : tensor<4xf32>, tensor<4xi64>)
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK: linalg.yield %{{.+}}, %{{.+}} : f32, i64
func.func @argmax(%x: tensor<4x10xf32>) -> tensor<4xi64> {
  %0 = graph.argmax %x {axis = 1 : i64, keepdims = false} : (tensor<4x10xf32>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}
