// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// Matrix products: linalg.matmul where the operands are (views of) 2-D
// matrices, a broadcasting contraction generic otherwise.

// 2-D x 2-D with a dynamic M.
// CHECK-LABEL: func @matmul_2d
// CHECK: %[[Z:.+]] = linalg.fill
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<?x8xf32>, tensor<8x5xf32>) outs(%[[Z]] : tensor<?x5xf32>)
func.func @matmul_2d(%a: tensor<?x8xf32>, %b: tensor<8x5xf32>) -> tensor<?x5xf32> {
  %0 = graph.matmul %a, %b : (tensor<?x8xf32>, tensor<8x5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// A batched lhs with a 2-D rhs folds the batch into M: collapse, matmul,
// expand (views only).
// CHECK-LABEL: func @matmul_dynamic_batch
// CHECK-SAME: (%[[A:.+]]: tensor<?x4x8xf32>
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2]] : tensor<?x4x8xf32> into tensor<?x8xf32>
// CHECK: %[[P:.+]] = linalg.matmul ins(%[[FLAT]], %{{.+}} : tensor<?x8xf32>, tensor<8x5xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2]] output_shape [%{{.+}}, 4, 5] : tensor<?x5xf32> into tensor<?x4x5xf32>
func.func @matmul_dynamic_batch(%a: tensor<?x4x8xf32>, %b: tensor<8x5xf32>) -> tensor<?x4x5xf32> {
  %0 = graph.matmul %a, %b : (tensor<?x4x8xf32>, tensor<8x5xf32>) -> tensor<?x4x5xf32>
  return %0 : tensor<?x4x5xf32>
}

// -----

// Batched x batched with a broadcast batch dim (static 1 reads index 0):
// loops (b, h, m, n, k), k the only reduction.
// CHECK-DAG: #[[LHS:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[RHS:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, d4, d3)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func @batched_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @batched_broadcast(%a: tensor<?x3x?x8xf32>, %b: tensor<1x3x8x?xf32>) -> tensor<?x3x?x?xf32> {
  %0 = graph.matmul %a, %b : (tensor<?x3x?x8xf32>, tensor<1x3x8x?xf32>) -> tensor<?x3x?x?xf32>
  return %0 : tensor<?x3x?x?xf32>
}

// -----

// A 1-D rhs is viewed as [K, 1] and the unit dim collapsed away after.
// CHECK-LABEL: func @matvec
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
// CHECK: linalg.matmul
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1]] : tensor<4x1xf32> into tensor<4xf32>
func.func @matvec(%a: tensor<4x8xf32>, %v: tensor<8xf32>) -> tensor<4xf32> {
  %0 = graph.matmul %a, %v : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// fully_connected contracts with the [N, K] weight directly (no transposed
// copy) into an output initialised with the bias.
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @fully_connected
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1], [2]] : tensor<1x?x64xf32> into tensor<?x64xf32>
// CHECK: %[[INIT:.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<256xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<?x64xf32>, tensor<256x64xf32>) outs(%[[INIT]] : tensor<?x256xf32>)
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1], [2]] output_shape [1, %{{.+}}, 256] : tensor<?x256xf32> into tensor<1x?x256xf32>
func.func @fully_connected(%x: tensor<1x?x64xf32>, %w: tensor<256x64xf32>, %b: tensor<256xf32>) -> tensor<1x?x256xf32> {
  %0 = graph.fully_connected %x, %w, %b : (tensor<1x?x64xf32>, tensor<256x64xf32>, tensor<256xf32>) -> tensor<1x?x256xf32>
  return %0 : tensor<1x?x256xf32>
}
