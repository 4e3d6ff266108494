// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// MelWeightMatrix with constant bins (4) and DFT length (8): a [5, 4] f64
// computation from the run-time sample rate and edge frequencies (mel
// points, FFT bin edges by floor), triangles by compare and select, cast to
// the result type.
// CHECK-LABEL: func.func @mel_weight_matrix
// CHECK: graph.log
// CHECK: graph.exp
// CHECK: graph.floor
// CHECK: graph.select {{.*}} -> tensor<5x4xf64>
// CHECK: %[[R:.+]] = graph.cast %{{.+}} : tensor<5x4xf64> -> tensor<5x4xf32>
// CHECK: return %[[R]]
func.func @mel_weight_matrix(%rate: tensor<i32>, %low: tensor<f32>, %high: tensor<f32>) -> tensor<5x4xf32> {
  %bins = "onnx.Constant"() <{value = dense<4> : tensor<i32>}> : () -> tensor<i32>
  %length = "onnx.Constant"() <{value = dense<8> : tensor<i32>}> : () -> tensor<i32>
  %0 = "onnx.MelWeightMatrix"(%bins, %length, %rate, %low, %high) : (tensor<i32>, tensor<i32>, tensor<i32>, tensor<f32>, tensor<f32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// A run-time bin count decides the shape: unsupported.
// CHECK-LABEL: func.func @mel_weight_matrix_runtime_bins
// CHECK: "onnx.MelWeightMatrix"
func.func @mel_weight_matrix_runtime_bins(%bins: tensor<i32>, %rate: tensor<i32>, %low: tensor<f32>, %high: tensor<f32>) -> tensor<5x?xf32> {
  %length = "onnx.Constant"() <{value = dense<8> : tensor<i32>}> : () -> tensor<i32>
  %0 = "onnx.MelWeightMatrix"(%bins, %length, %rate, %low, %high) : (tensor<i32>, tensor<i32>, tensor<i32>, tensor<f32>, tensor<f32>) -> tensor<5x?xf32>
  return %0 : tensor<5x?xf32>
}
