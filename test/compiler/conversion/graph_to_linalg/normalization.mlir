// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// Softmax and the norms: reductions are linalg.generics with "reduction"
// iterators, and the statistics are read back through maps that drop the
// reduced dims.

// Softmax over the last axis of a tensor with a dynamic sequence length:
// max-reduce (as x > m ? x : m, one vmaxps: the maximum only shifts the
// exponents, and a NaN still reaches its row through exp and the sum),
// exp(x - max), sum-reduce, divide.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEPT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @softmax
// CHECK: %[[NEG:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.+]] = linalg.fill ins(%[[NEG]] : f32) outs(%{{.+}} : tensor<2x?xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[MAXINIT]] : tensor<2x?xf32>)
// CHECK: %[[GT:.+]] = arith.cmpf ogt, %[[IN:.+]], %[[ACC:.+]] : f32
// CHECK: arith.select %[[GT]], %[[IN]], %[[ACC]] : f32
// CHECK: %[[EXP:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]], #[[ID]]]{{.*}} ins(%{{.+}}, %[[MAX]] :
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}}["parallel", "parallel", "reduction"]} ins(%[[EXP]]
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] :
// CHECK: arith.divf
func.func @softmax(%x: tensor<2x?x16xf32>) -> tensor<2x?x16xf32> {
  %0 = graph.softmax %x {axis = -1 : i64} : (tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  return %0 : tensor<2x?x16xf32>
}

// -----

// log_softmax ends with (x - max) - log(sum).
// CHECK-LABEL: func @log_softmax
// CHECK: math.log
// CHECK: arith.subf
func.func @log_softmax(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %0 = graph.log_softmax %x {axis = 1 : i64} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

// Layer norm over the last dim: two-pass mean and variance divided by the
// element count, then (x - mean) / sqrt(var + eps) * scale + bias with the
// parameters read by the trailing dim.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEPT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[PARAM:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func @layer_norm
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}}"reduction"
// CHECK: %[[MEAN:.+]] = linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK: arith.divf
// CHECK: %[[SQ:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]], #[[KEPT]]]{{.*}}"reduction"]} ins(%{{.+}}, %[[MEAN]] :
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: %[[VAR:.+]] = linalg.generic {{.*}} ins(%[[SQ]] :
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]], #[[KEPT]], #[[PARAM]], #[[PARAM]], #[[ID]]]
// CHECK-SAME: ins(%{{.+}}, %[[MEAN]], %[[VAR]], %{{.+}}, %{{.+}} :
// CHECK: math.sqrt
// CHECK: arith.divf
func.func @layer_norm(%x: tensor<1x?x64xf32>, %s: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<1x?x64xf32> {
  %0 = graph.layer_norm %x, %s, %b {axis = -1 : i64, epsilon = 1.0e-5 : f64} : (tensor<1x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x?x64xf32>
  return %0 : tensor<1x?x64xf32>
}

// -----

// Batch norm reads its four parameters along the channel dim.
// CHECK-DAG: #[[CH:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func @batch_norm
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[CH]], #[[CH]], #[[CH]], #[[CH]], #{{.+}}]
func.func @batch_norm(%x: tensor<?x3x4x4xf32>, %p: tensor<3xf32>) -> tensor<?x3x4x4xf32> {
  %0 = graph.batch_norm %x, %p, %p, %p, %p : (tensor<?x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x4x4xf32>
  return %0 : tensor<?x3x4x4xf32>
}

// -----

// Group norm views [N, C, H, W] as [N, G, C/G, H, W] and back.
// CHECK-LABEL: func @group_norm
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [2, 2, 4, 5, 5] : tensor<2x8x5x5xf32> into tensor<2x2x4x5x5xf32>
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<2x2x4x5x5xf32> into tensor<2x8x5x5xf32>
func.func @group_norm(%x: tensor<2x8x5x5xf32>, %s: tensor<8xf32>) -> tensor<2x8x5x5xf32> {
  %0 = graph.group_norm %x, %s, %s {num_groups = 2 : i64} : (tensor<2x8x5x5xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8x5x5xf32>
  return %0 : tensor<2x8x5x5xf32>
}
