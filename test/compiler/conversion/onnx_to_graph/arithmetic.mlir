// RUN: mica-opt %s -mica-normalize-onnx-versions -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// Binary ops broadcast like numpy; comparisons give i1.
// CHECK-LABEL: func.func @binary
// CHECK: %[[A:.+]] = graph.add %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: %[[M:.+]] = graph.mul %[[A]], %arg1
// CHECK: %[[P:.+]] = graph.pow %[[M]], %arg1
// CHECK: %[[E:.+]] = graph.equal %[[P]], %arg0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
// CHECK: graph.select %[[E]], %[[P]], %arg0
func.func @binary(%arg0: tensor<2x3xf32>, %arg1: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = "onnx.Add"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = "onnx.Mul"(%0, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = "onnx.Pow"(%1, %arg1) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %3 = "onnx.Equal"(%2, %arg0) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  %4 = "onnx.Where"(%3, %2, %arg0) : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %4 : tensor<2x3xf32>
}

// -----

// Pow with an exponent of another type casts the exponent first.
// CHECK-LABEL: func.func @pow_mixed
// CHECK: %[[C:.+]] = graph.cast %arg1 : tensor<i64> -> tensor<f32>
// CHECK: graph.pow %arg0, %[[C]]
func.func @pow_mixed(%arg0: tensor<4xf32>, %arg1: tensor<i64>) -> tensor<4xf32> {
  %0 = "onnx.Pow"(%arg0, %arg1) : (tensor<4xf32>, tensor<i64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Opset-6 broadcast aligns B at `axis`: at the end it is numpy
// broadcasting; at an inner axis B gets trailing unit dims first.
// CHECK-LABEL: func.func @legacy_broadcast
// CHECK: graph.add %arg0, %arg2
// CHECK: %[[B:.+]] = graph.reshape %arg1 {new_shape = array<i64: 3, 1>}
// CHECK: graph.add %arg0, %[[B]]
func.func @legacy_broadcast(%arg0: tensor<2x3x4xf32>, %arg1: tensor<3xf32>, %arg2: tensor<4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = "onnx.Add_v6"(%arg0, %arg2) <{axis = 2 : i64, broadcast = 1 : i64}> : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %1 = "onnx.Add_v6"(%arg0, %arg1) <{axis = 1 : i64, broadcast = 1 : i64}> : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  return %0, %1 : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// Variadic Max becomes a chain; Mean divides the sum by the count.
// CHECK-LABEL: func.func @variadic
// CHECK-DAG: %[[N:.+]] = graph.constant dense<3.000000e+00> : tensor<f32>
// CHECK-DAG: %[[M0:.+]] = graph.max %arg0, %arg1
// CHECK: graph.max %[[M0]], %arg2
// CHECK: %[[S0:.+]] = graph.add %arg0, %arg1
// CHECK: %[[S1:.+]] = graph.add %[[S0]], %arg2
// CHECK: graph.div %[[S1]], %[[N]]
func.func @variadic(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>, %arg2: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "onnx.Max"(%arg0, %arg1, %arg2) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = "onnx.Mean"(%arg0, %arg1, %arg2) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Softmax-13 maps directly; Softmax-11 coerces to 2-D at its axis (the
// same as -13 only over the last axis).
// CHECK-LABEL: func.func @softmax
// CHECK: graph.softmax %arg0 {axis = 1 : i64}
// CHECK: graph.log_softmax %arg0 : (tensor<2x3x4xf32>)
// CHECK: %[[F:.+]] = graph.reshape %arg0 {new_shape = array<i64: 2, 12>}
// CHECK: %[[S:.+]] = graph.softmax %[[F]] {axis = 1 : i64}
// CHECK: graph.reshape %[[S]] {new_shape = array<i64: 2, 3, 4>}
func.func @softmax(%arg0: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = "onnx.Softmax"(%arg0) <{axis = 1 : i64}> : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %1 = "onnx.LogSoftmax_v11"(%arg0) <{axis = -1 : i64}> : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %2 = "onnx.Softmax_v11"(%arg0) <{axis = 1 : i64}> : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0, %1, %2 : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// Cast takes the result element type; booleans from comparisons use Not/And.
// CHECK-LABEL: func.func @cast_logic
// CHECK: %[[C:.+]] = graph.cast %arg0 : tensor<3xf32> -> tensor<3xi64>
// CHECK: %[[L:.+]] = graph.less %[[C]], %arg1
// CHECK: %[[N:.+]] = graph.not %[[L]] : tensor<3xi1>
// CHECK: graph.and %[[N]], %[[L]]
func.func @cast_logic(%arg0: tensor<3xf32>, %arg1: tensor<3xi64>) -> tensor<3xi1> {
  %0 = "onnx.Cast"(%arg0) <{to = 7 : i64}> : (tensor<3xf32>) -> tensor<3xi64>
  %1 = "onnx.Less"(%0, %arg1) : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %2 = "onnx.Not"(%1) : (tensor<3xi1>) -> tensor<3xi1>
  %3 = "onnx.And"(%2, %1) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return %3 : tensor<3xi1>
}

// -----

// Where on constants folds (ViT's Expand shape), unlocking the Expand.
// CHECK-LABEL: func.func @where_constant_shape
// CHECK-NOT: onnx.
// CHECK: graph.broadcast_to %arg0 {shape = array<i64: 2, 1, 1>} : (tensor<1x1x8xf32>) -> tensor<2x1x8xf32>
func.func @where_constant_shape(%arg0: tensor<1x1x8xf32>) -> tensor<2x1x8xf32> {
  %s = "onnx.Constant"() <{value = dense<[2, -1, -1]> : tensor<3xi64>}> : () -> tensor<3xi64>
  %m = "onnx.Constant"() <{value = dense<-1> : tensor<3xi64>}> : () -> tensor<3xi64>
  %o = "onnx.Constant"() <{value = dense<1> : tensor<3xi64>}> : () -> tensor<3xi64>
  %e = "onnx.Equal"(%s, %m) : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %w = "onnx.Where"(%e, %o, %s) : (tensor<3xi1>, tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %0 = "onnx.Expand"(%arg0, %w) : (tensor<1x1x8xf32>, tensor<3xi64>) -> tensor<2x1x8xf32>
  return %0 : tensor<2x1x8xf32>
}
