// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// Constant spellings: value, value_float, value_ints.
// CHECK-LABEL: func.func @constants
// CHECK-DAG: graph.constant dense<[1, 2]> : tensor<2xi64>
// CHECK-DAG: graph.constant dense<2.500000e+00> : tensor<f32>
// CHECK-DAG: graph.constant dense<[3, 4]> : tensor<2xi64>
func.func @constants() -> (tensor<2xi64>, tensor<f32>, tensor<2xi64>) {
  %0 = "onnx.Constant"() <{value = dense<[1, 2]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %1 = "onnx.Constant"() <{value_float = 2.5 : f32}> : () -> tensor<f32>
  %2 = "onnx.Constant"() <{value_ints = [3, 4]}> : () -> tensor<2xi64>
  return %0, %1, %2 : tensor<2xi64>, tensor<f32>, tensor<2xi64>
}

// -----

// ConstantOfShape and Range with constant inputs fold to constants.
// CHECK-LABEL: func.func @constant_of_shape_range
// CHECK-DAG: graph.constant dense<7> : tensor<2x3xi32>
// CHECK-DAG: graph.constant dense<[1, 3, 5]> : tensor<3xi64>
func.func @constant_of_shape_range() -> (tensor<2x3xi32>, tensor<3xi64>) {
  %s = "onnx.Constant"() <{value = dense<[2, 3]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0 = "onnx.ConstantOfShape"(%s) <{value = dense<7> : tensor<1xi32>}> : (tensor<2xi64>) -> tensor<2x3xi32>
  %a = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %b = "onnx.Constant"() <{value = dense<6> : tensor<i64>}> : () -> tensor<i64>
  %c = "onnx.Constant"() <{value = dense<2> : tensor<i64>}> : () -> tensor<i64>
  %1 = "onnx.Range"(%a, %b, %c) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<3xi64>
  return %0, %1 : tensor<2x3xi32>, tensor<3xi64>
}

// -----

// ConstantOfShape of a shape computed at run time broadcasts its value to
// the shape read when the model runs.
// CHECK-LABEL: func.func @constant_of_dynamic_shape
// CHECK: %[[V:.+]] = graph.constant dense<0.000000e+00> : tensor<f32>
// CHECK: graph.broadcast_to %[[V]], %arg0 {shape = array<i64: -1, -1>} : (tensor<f32>, tensor<2xi64>) -> tensor<?x?xf32>
func.func @constant_of_dynamic_shape(%arg0: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.ConstantOfShape"(%arg0) : (tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Identity and inference Dropout forward their input.
// CHECK-LABEL: func.func @identity_dropout
// CHECK-NEXT: return %arg0
func.func @identity_dropout(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.Identity"(%arg0) : (tensor<4xf32>) -> tensor<4xf32>
  %1, %2 = "onnx.Dropout"(%0, %none, %none) : (tensor<4xf32>, none, none) -> (tensor<4xf32>, none)
  return %1 : tensor<4xf32>
}

// -----

// Training with a constant ratio of 0 drops nothing: the input, and an
// all-true mask.
// CHECK-LABEL: func.func @training_dropout_zero_ratio
// CHECK: %[[MASK:.+]] = graph.constant dense<true> : tensor<4xi1>
// CHECK: return %arg0, %[[MASK]]
func.func @training_dropout_zero_ratio(%arg0: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xi1>) {
  %r = "onnx.Constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
  %t = "onnx.Constant"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
  %0, %1 = "onnx.Dropout"(%arg0, %r, %t) : (tensor<4xf32>, tensor<f32>, tensor<i1>) -> (tensor<4xf32>, tensor<4xi1>)
  return %0, %1 : tensor<4xf32>, tensor<4xi1>
}

// -----

// Training with a non-zero or run-time ratio draws a random mask: it stays.
// CHECK-LABEL: func.func @training_dropout_random
// CHECK: "onnx.Dropout"
// CHECK: "onnx.Dropout"
func.func @training_dropout_random(%arg0: tensor<4xf32>, %ratio: tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %r = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %t = "onnx.Constant"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
  %0, %1 = "onnx.Dropout"(%arg0, %r, %t) : (tensor<4xf32>, tensor<f32>, tensor<i1>) -> (tensor<4xf32>, none)
  %2, %3 = "onnx.Dropout"(%arg0, %ratio, %t) : (tensor<4xf32>, tensor<f32>, tensor<i1>) -> (tensor<4xf32>, none)
  return %0, %2 : tensor<4xf32>, tensor<4xf32>
}
