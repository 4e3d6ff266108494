// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// Conv spells out every window attribute; the bias is optional.
// CHECK-LABEL: func.func @conv
// CHECK: graph.conv %arg0, %arg1 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x1x7x5xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x4x3xf32>
func.func @conv(%arg0: tensor<1x1x7x5xf32>, %arg1: tensor<1x1x3x3xf32>) -> tensor<1x1x4x3xf32> {
  %0 = "onnx.NoValue"() : () -> none
  %1 = "onnx.Conv"(%arg0, %arg1, %0) <{auto_pad = "NOTSET", group = 1 : i64, kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]}> : (tensor<1x1x7x5xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x4x3xf32>
  return %1 : tensor<1x1x4x3xf32>
}

// -----

// Depthwise conv with bias, kernel from the weight, SAME_UPPER resolved.
// CHECK-LABEL: func.func @conv_same_upper
// CHECK: graph.conv %arg0, %arg1, %arg2 {dilations = array<i64: 1, 1>, groups = 4 : i64, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>}
func.func @conv_same_upper(%arg0: tensor<1x4x6x6xf32>, %arg1: tensor<4x1x3x3xf32>, %arg2: tensor<4xf32>) -> tensor<1x4x3x3xf32> {
  %0 = "onnx.Conv"(%arg0, %arg1, %arg2) <{auto_pad = "SAME_UPPER", group = 4 : i64, strides = [2, 2]}> : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<1x4x3x3xf32>
  return %0 : tensor<1x4x3x3xf32>
}

// -----

// SAME padding over a dynamic spatial dim cannot be resolved: stays.
// CHECK-LABEL: func.func @conv_same_dynamic
// CHECK: "onnx.Conv"
func.func @conv_same_dynamic(%arg0: tensor<1x4x?x6xf32>, %arg1: tensor<4x4x3x3xf32>) -> tensor<1x4x?x3xf32> {
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.Conv"(%arg0, %arg1, %none) <{auto_pad = "SAME_LOWER", strides = [2, 2]}> : (tensor<1x4x?x6xf32>, tensor<4x4x3x3xf32>, none) -> tensor<1x4x?x3xf32>
  return %0 : tensor<1x4x?x3xf32>
}

// -----

// MaxPool (unused Indices) with ceil_mode; AveragePool with count_include_pad.
// CHECK-LABEL: func.func @pools
// CHECK: %[[M:.+]] = graph.max_pool %arg0 {ceil_mode = true, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
// CHECK: graph.avg_pool %[[M]] {count_include_pad = true, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
func.func @pools(%arg0: tensor<1x2x8x8xf32>) -> tensor<1x2x5x5xf32> {
  %0, %1 = "onnx.MaxPool"(%arg0) <{ceil_mode = 1 : i64, kernel_shape = [3, 3], strides = [2, 2]}> : (tensor<1x2x8x8xf32>) -> (tensor<1x2x4x4xf32>, none)
  %2 = "onnx.AveragePool"(%0) <{count_include_pad = 1 : i64, kernel_shape = [2, 2], pads = [1, 1, 1, 1]}> : (tensor<1x2x4x4xf32>) -> tensor<1x2x5x5xf32>
  return %2 : tensor<1x2x5x5xf32>
}

// -----

// Global pooling is a keepdims reduction over the spatial axes.
// CHECK-LABEL: func.func @global_pools
// CHECK: %[[A:.+]] = graph.reduce <mean> %arg0 {axes = array<i64: 2, 3>} : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
// CHECK: graph.reduce <max> %[[A]] {axes = array<i64: 2, 3>}
func.func @global_pools(%arg0: tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32> {
  %0 = "onnx.GlobalAveragePool"(%arg0) : (tensor<1x8x7x7xf32>) -> tensor<1x8x1x1xf32>
  %1 = "onnx.GlobalMaxPool"(%0) : (tensor<1x8x1x1xf32>) -> tensor<1x8x1x1xf32>
  return %1 : tensor<1x8x1x1xf32>
}

// -----

// ConvTranspose with output_padding.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: graph.conv_transpose %arg0, %arg1 {dilations = array<i64: 1, 1>, output_padding = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
func.func @conv_transpose(%arg0: tensor<1x2x4x4xf32>, %arg1: tensor<2x3x3x3xf32>) -> tensor<1x3x8x8xf32> {
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.ConvTranspose"(%arg0, %arg1, %none) <{output_padding = [1, 1], pads = [1, 1, 1, 1], strides = [2, 2]}> : (tensor<1x2x4x4xf32>, tensor<2x3x3x3xf32>, none) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}
