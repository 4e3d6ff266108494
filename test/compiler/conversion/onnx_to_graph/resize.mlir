// RUN: mica-opt %s -mica-normalize-onnx-versions -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// Resize-13 with constant scales keeps its modes.
// CHECK-LABEL: func.func @resize_scales
// CHECK: graph.resize %arg0 {coordinate_transformation_mode = "asymmetric", mode = "linear", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>}
func.func @resize_scales(%arg0: tensor<1x3x4x4xf32>) -> tensor<1x3x8x8xf32> {
  %none = "onnx.NoValue"() : () -> none
  %s = "onnx.Constant"() <{value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = "onnx.Resize"(%arg0, %none, %s, %none) <{coordinate_transformation_mode = "asymmetric", mode = "linear"}> : (tensor<1x3x4x4xf32>, none, tensor<4xf32>, none) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// Constant sizes over static dims become scales.
// CHECK-LABEL: func.func @resize_sizes
// CHECK: graph.resize %arg0 {scales = array<f64: 1.000000e+00, 1.000000e+00, 1.500000e+00, 5.000000e-01>}
func.func @resize_sizes(%arg0: tensor<1x3x4x4xf32>) -> tensor<1x3x6x2xf32> {
  %none = "onnx.NoValue"() : () -> none
  %sz = "onnx.Constant"() <{value = dense<[1, 3, 6, 2]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %0 = "onnx.Resize"(%arg0, %none, %none, %sz) : (tensor<1x3x4x4xf32>, none, none, tensor<4xi64>) -> tensor<1x3x6x2xf32>
  return %0 : tensor<1x3x6x2xf32>
}

// -----

// Upsample-9: asymmetric coordinates, floor rounding.
// CHECK-LABEL: func.func @upsample
// CHECK: graph.resize %arg0 {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00>}
func.func @upsample(%arg0: tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32> {
  %s = "onnx.Constant"() <{value = dense<[1.0, 1.0, 2.0, 3.0]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %0 = "onnx.Upsample_v9"(%arg0, %s) : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x1x4x6xf32>
  return %0 : tensor<1x1x4x6xf32>
}

// -----

// Sizes computed at run time keep Resize in onnx.
// CHECK-LABEL: func.func @resize_dynamic_sizes
// CHECK: "onnx.Resize"
func.func @resize_dynamic_sizes(%arg0: tensor<1x3x4x4xf32>, %arg1: tensor<4xi64>) -> tensor<?x?x?x?xf32> {
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.Resize"(%arg0, %none, %none, %arg1) : (tensor<1x3x4x4xf32>, none, none, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}
