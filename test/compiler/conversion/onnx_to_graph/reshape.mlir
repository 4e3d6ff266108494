// RUN: mica-opt %s -mica-normalize-onnx-versions -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// A constant Reshape shape keeps its 0 and -1 entries.
// CHECK-LABEL: func.func @reshape_constant
// CHECK: graph.reshape %arg0 {new_shape = array<i64: 0, -1>} : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
func.func @reshape_constant(%arg0: tensor<?x3x4xf32>) -> tensor<?x12xf32> {
  %s = "onnx.Constant"() <{value = dense<[0, -1]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0 = "onnx.Reshape"(%arg0, %s) <{allowzero = 0 : i64}> : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<?x12xf32>
  return %0 : tensor<?x12xf32>
}

// -----

// A shape computed at run time becomes the shape operand.
// CHECK-LABEL: func.func @reshape_runtime
// CHECK: graph.reshape %arg0, %arg1 : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
func.func @reshape_runtime(%arg0: tensor<?x8xf32>, %arg1: tensor<3xi64>) -> tensor<?x?x?xf32> {
  %0 = "onnx.Reshape"(%arg0, %arg1) <{allowzero = 0 : i64}> : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// allowzero = 1 with a runtime shape cannot be expressed: stays.
// CHECK-LABEL: func.func @reshape_allowzero
// CHECK: "onnx.Reshape"
func.func @reshape_allowzero(%arg0: tensor<?x8xf32>, %arg1: tensor<3xi64>) -> tensor<?x?x?xf32> {
  %0 = "onnx.Reshape"(%arg0, %arg1) <{allowzero = 1 : i64}> : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// Unsqueeze-13 (input axes) and Squeeze-11 (attribute axes) copy dynamic dims
// that keep their index with 0 entries.
// CHECK-LABEL: func.func @squeeze_unsqueeze
// CHECK: %[[U:.+]] = graph.reshape %arg0 {new_shape = array<i64: 0, 1, 5>} : (tensor<?x5xf32>) -> tensor<?x1x5xf32>
// CHECK: graph.reshape %[[U]] {new_shape = array<i64: 0, 5>} : (tensor<?x1x5xf32>) -> tensor<?x5xf32>
func.func @squeeze_unsqueeze(%arg0: tensor<?x5xf32>) -> tensor<?x5xf32> {
  %axes = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %0 = "onnx.Unsqueeze"(%arg0, %axes) : (tensor<?x5xf32>, tensor<1xi64>) -> tensor<?x1x5xf32>
  %1 = "onnx.Squeeze_v11"(%0) <{axes = [1]}> : (tensor<?x1x5xf32>) -> tensor<?x5xf32>
  return %1 : tensor<?x5xf32>
}

// -----

// A dynamic dim that moves becomes the single -1.
// CHECK-LABEL: func.func @unsqueeze_front
// CHECK: graph.reshape %arg0 {new_shape = array<i64: 1, -1, 4>} : (tensor<?x4xf32>) -> tensor<1x?x4xf32>
func.func @unsqueeze_front(%arg0: tensor<?x4xf32>) -> tensor<1x?x4xf32> {
  %0 = "onnx.Unsqueeze_v11"(%arg0) <{axes = [0]}> : (tensor<?x4xf32>) -> tensor<1x?x4xf32>
  return %0 : tensor<1x?x4xf32>
}

// -----

// Several moving dynamic dims: the shape is gathered from shape_of at run time.
// CHECK-LABEL: func.func @unsqueeze_two_dynamic
// CHECK: %[[S:.+]] = graph.shape_of %arg0
// CHECK: %[[T:.+]] = graph.concat %[[S]], %{{.+}} {axis = 0 : i64}
// CHECK: %[[G:.+]] = graph.gather %[[T]], %{{.+}} : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
// CHECK: graph.reshape %arg0, %[[G]] : (tensor<?x?xf32>, tensor<3xi64>) -> tensor<1x?x?xf32>
func.func @unsqueeze_two_dynamic(%arg0: tensor<?x?xf32>) -> tensor<1x?x?xf32> {
  %0 = "onnx.Unsqueeze_v11"(%arg0) <{axes = [0]}> : (tensor<?x?xf32>) -> tensor<1x?x?xf32>
  return %0 : tensor<1x?x?xf32>
}

// -----

// Unsqueeze with axes computed at run time stays in onnx.
// CHECK-LABEL: func.func @unsqueeze_dynamic_axes
// CHECK: "onnx.Unsqueeze"
func.func @unsqueeze_dynamic_axes(%arg0: tensor<4xf32>, %arg1: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Unsqueeze"(%arg0, %arg1) : (tensor<4xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Flatten: the static half is a product, the dynamic batch a 0 entry.
// CHECK-LABEL: func.func @flatten
// CHECK: graph.reshape %arg0 {new_shape = array<i64: 0, 48>} : (tensor<?x3x4x4xf32>) -> tensor<?x48xf32>
func.func @flatten(%arg0: tensor<?x3x4x4xf32>) -> tensor<?x48xf32> {
  %0 = "onnx.Flatten"(%arg0) <{axis = 1 : i64}> : (tensor<?x3x4x4xf32>) -> tensor<?x48xf32>
  return %0 : tensor<?x48xf32>
}
