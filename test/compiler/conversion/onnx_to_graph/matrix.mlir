// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// Det by cofactor expansion along the first row, on [..., 1, 1] pieces.

// A batch of 2x2 matrices: a*d - b*c, reshaped to the batch shape.
// CHECK-LABEL: func.func @det_2x2
// CHECK-DAG: %[[A:.+]] = graph.slice %arg0 {ends = array<i64: 9223372036854775807, 1, 1>, starts = array<i64: 0, 0, 0>
// CHECK-DAG: %[[D:.+]] = graph.slice %arg0 {ends = array<i64: 9223372036854775807, 2, 2>, starts = array<i64: 0, 1, 1>
// CHECK: %[[AD:.+]] = graph.mul %[[A]], %[[D]]
// CHECK: %[[BC:.+]] = graph.mul
// CHECK: %[[DET:.+]] = graph.sub %[[AD]], %[[BC]] : (tensor<3x1x1xf32>, tensor<3x1x1xf32>) -> tensor<3x1x1xf32>
// CHECK: graph.reshape %[[DET]] {new_shape = array<i64: 3>}
func.func @det_2x2(%arg0: tensor<3x2x2xf32>) -> tensor<3xf32> {
  %0 = "onnx.Det"(%arg0) : (tensor<3x2x2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Larger matrices (n! products) stay unconverted.
// CHECK-LABEL: func.func @det_large
// CHECK: "onnx.Det"
func.func @det_large(%arg0: tensor<5x5xf32>) -> tensor<f32> {
  %0 = "onnx.Det"(%arg0) : (tensor<5x5xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}
