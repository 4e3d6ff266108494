// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// Attribute axes (ReduceMean-13) and input axes (ReduceSum-13).
// CHECK-LABEL: func.func @reduce
// CHECK: %[[M:.+]] = graph.reduce <mean> %arg0 {axes = array<i64: -1>} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
// CHECK: graph.reduce <sum> %[[M]] {axes = array<i64: 1>, keepdims = false} : (tensor<2x3x1xf32>) -> tensor<2x1xf32>
func.func @reduce(%arg0: tensor<2x3x4xf32>) -> tensor<2x1xf32> {
  %axes = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %0 = "onnx.ReduceMean"(%arg0) <{axes = [-1]}> : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %1 = "onnx.ReduceSum"(%0, %axes) <{keepdims = 0 : i64}> : (tensor<2x3x1xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  return %1 : tensor<2x1xf32>
}

// -----

// No axes reduces everything; ReduceLogSum is log of a sum.
// CHECK-LABEL: func.func @reduce_all
// CHECK: %[[M:.+]] = graph.reduce <max> %arg0 : (tensor<2x3xf32>) -> tensor<1x1xf32>
// CHECK: %[[S:.+]] = graph.reduce <sum> %arg0 {axes = array<i64: 0>}
// CHECK: graph.log %[[S]] : tensor<1x3xf32>
func.func @reduce_all(%arg0: tensor<2x3xf32>) -> (tensor<1x1xf32>, tensor<1x3xf32>) {
  %0 = "onnx.ReduceMax"(%arg0) : (tensor<2x3xf32>) -> tensor<1x1xf32>
  %1 = "onnx.ReduceLogSum"(%arg0) <{axes = [0]}> : (tensor<2x3xf32>) -> tensor<1x3xf32>
  return %0, %1 : tensor<1x1xf32>, tensor<1x3xf32>
}

// -----

// ReduceSum-13 with axes computed at run time stays in onnx.
// CHECK-LABEL: func.func @reduce_dynamic_axes
// CHECK: "onnx.ReduceSum"
func.func @reduce_dynamic_axes(%arg0: tensor<2x3xf32>, %arg1: tensor<1xi64>) -> tensor<*xf32> {
  %0 = "onnx.ReduceSum"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// ArgMax keeps axis/keepdims/select_last_index.
// CHECK-LABEL: func.func @argmax
// CHECK: graph.argmax %arg0 {axis = 1 : i64, keepdims = false, select_last_index = true} : (tensor<2x3xf32>) -> tensor<2xi64>
func.func @argmax(%arg0: tensor<2x3xf32>) -> tensor<2xi64> {
  %0 = "onnx.ArgMax"(%arg0) <{axis = 1 : i64, keepdims = 0 : i64, select_last_index = 1 : i64}> : (tensor<2x3xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}
