// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// Shape ops: reshape as collapse-to-1-D + expand (views), transpose as
// linalg.transpose, shape_of from tensor.dim, broadcast_to as a copy with
// broadcasting maps.

// ONNX 0 copies the dynamic batch, -1 is the element count / the others.
// CHECK-LABEL: func @reshape_dynamic
// CHECK-SAME: (%[[X:.+]]: tensor<?x6x4xf32>)
// CHECK: %[[N:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x6x4xf32>
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1, 2]] : tensor<?x6x4xf32> into tensor<?xf32>
// CHECK: tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1, 2, 3]] output_shape [%[[N]], 3, 2, %{{.+}}] : tensor<?xf32> into tensor<?x3x2x?xf32>
func.func @reshape_dynamic(%x: tensor<?x6x4xf32>) -> tensor<?x3x2x?xf32> {
  %0 = graph.reshape %x {new_shape = array<i64: 0, 3, 2, -1>} : (tensor<?x6x4xf32>) -> tensor<?x3x2x?xf32>
  return %0 : tensor<?x3x2x?xf32>
}

// -----

// A static flatten (the classifier head): collapse, then expand to [1, 512].
// CHECK-LABEL: func @flatten
// CHECK: tensor.collapse_shape %{{.+}} {{\[\[}}0, 1, 2, 3]] : tensor<1x512x1x1xf32> into tensor<512xf32>
// CHECK: tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [1, 512] : tensor<512xf32> into tensor<1x512xf32>
func.func @flatten(%x: tensor<1x512x1x1xf32>) -> tensor<1x512xf32> {
  %0 = graph.reshape %x {new_shape = array<i64: 1, -1>} : (tensor<1x512x1x1xf32>) -> tensor<1x512xf32>
  return %0 : tensor<1x512xf32>
}

// -----

// A runtime shape operand: entries are read with tensor.extract.
// CHECK-LABEL: func @reshape_runtime
// CHECK: tensor.extract %{{.+}}[%{{.+}}] : tensor<2xi64>
// CHECK: arith.select
// CHECK: tensor.expand_shape {{.*}} into tensor<?x?xf32>
func.func @reshape_runtime(%x: tensor<?x4xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = graph.reshape %x, %s : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Transpose of a tensor with a dynamic dim.
// CHECK-LABEL: func @transpose
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x4x16xf32>)
// CHECK: %[[S:.+]] = tensor.dim %[[X]], %{{.+}}
// CHECK: %[[E:.+]] = tensor.empty(%[[S]]) : tensor<1x4x?x16xf32>
// CHECK: linalg.transpose ins(%[[X]] : tensor<1x?x4x16xf32>) outs(%[[E]] : tensor<1x4x?x16xf32>) permutation = [0, 2, 1, 3]
func.func @transpose(%x: tensor<1x?x4x16xf32>) -> tensor<1x4x?x16xf32> {
  %0 = graph.transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x?x4x16xf32>) -> tensor<1x4x?x16xf32>
  return %0 : tensor<1x4x?x16xf32>
}

// -----

// shape_of builds an i64 tensor from tensor.dim and constants.
// CHECK-LABEL: func @shape_of
// CHECK: tensor.dim
// CHECK: arith.index_cast
// CHECK: tensor.from_elements %{{.+}}, %{{.+}} : tensor<2xi64>
func.func @shape_of(%x: tensor<?x8xf32>) -> tensor<2xi64> {
  %0 = graph.shape_of %x : (tensor<?x8xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// broadcast_to copies with a map that reads index 0 of the unit dim.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-LABEL: func @broadcast_to
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.+}}]{{.*}} outs(%{{.+}} : tensor<2x3x4xf32>)
func.func @broadcast_to(%x: tensor<1x4xf32>) -> tensor<2x3x4xf32> {
  %0 = graph.broadcast_to %x {shape = array<i64: 2, 3, 4>} : (tensor<1x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// tile reads input[i mod dim] with tensor.extract.
// CHECK-LABEL: func @tile
// CHECK: linalg.index 0
// CHECK: arith.remui
// CHECK: tensor.extract
func.func @tile(%x: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %0 = graph.tile %x {repeats = array<i64: 2, 1>} : (tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}
