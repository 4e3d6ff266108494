// RUN: mica-opt %s -mica-normalize-onnx-versions -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// A dense Gemm (transB = 1, constant B, 1-D C) is a fully_connected layer.
// CHECK-LABEL: func.func @gemm_dense
// CHECK: %[[W:.+]] = graph.constant dense<1.000000e+00> : tensor<5x4xf32>
// CHECK: graph.fully_connected %arg0, %[[W]], %arg1 : (tensor<2x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<2x5xf32>
func.func @gemm_dense(%arg0: tensor<2x4xf32>, %arg1: tensor<5xf32>) -> tensor<2x5xf32> {
  %w = "onnx.Constant"() <{value = dense<1.0> : tensor<5x4xf32>}> : () -> tensor<5x4xf32>
  %0 = "onnx.Gemm"(%arg0, %w, %arg1) <{transB = 1 : i64}> : (tensor<2x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// With transB = 0 the constant weight is folded transposed.
// CHECK-LABEL: func.func @gemm_transpose_weight
// CHECK: %[[W:.+]] = graph.constant dense<{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: graph.fully_connected %arg0, %[[W]] : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
func.func @gemm_transpose_weight(%arg0: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = "onnx.Constant"() <{value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.Gemm"(%arg0, %w, %none) : (tensor<3x2xf32>, tensor<2x2xf32>, none) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Any other Gemm: transposes, matmul, alpha and beta scaling, add.
// CHECK-LABEL: func.func @gemm_general
// CHECK-DAG: %[[ALPHA:.+]] = graph.constant dense<2.000000e+00> : tensor<f32>
// CHECK-DAG: %[[BETA:.+]] = graph.constant dense<5.000000e-01> : tensor<f32>
// CHECK: %[[AT:.+]] = graph.transpose %arg0 {perm = array<i64: 1, 0>}
// CHECK: %[[MM:.+]] = graph.matmul %[[AT]], %arg1
// CHECK: %[[S:.+]] = graph.mul %[[MM]], %[[ALPHA]]
// CHECK: %[[C:.+]] = graph.mul %arg2, %[[BETA]]
// CHECK: graph.add %[[S]], %[[C]] : (tensor<3x5xf32>, tensor<1x5xf32>) -> tensor<3x5xf32>
func.func @gemm_general(%arg0: tensor<4x3xf32>, %arg1: tensor<4x5xf32>, %arg2: tensor<1x5xf32>) -> tensor<3x5xf32> {
  %0 = "onnx.Gemm"(%arg0, %arg1, %arg2) <{alpha = 2.0 : f32, beta = 0.5 : f32, transA = 1 : i64}> : (tensor<4x3xf32>, tensor<4x5xf32>, tensor<1x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// MatMul with dynamic batch dims.
// CHECK-LABEL: func.func @matmul
// CHECK: graph.matmul %arg0, %arg1 : (tensor<?x8x16xf32>, tensor<16x4xf32>) -> tensor<?x8x4xf32>
func.func @matmul(%arg0: tensor<?x8x16xf32>, %arg1: tensor<16x4xf32>) -> tensor<?x8x4xf32> {
  %0 = "onnx.MatMul"(%arg0, %arg1) : (tensor<?x8x16xf32>, tensor<16x4xf32>) -> tensor<?x8x4xf32>
  return %0 : tensor<?x8x4xf32>
}

// -----

// Inference BatchNormalization (opset 15 and 9); the epsilon keeps its f32 spelling.
// CHECK-LABEL: func.func @batch_norm
// CHECK: %[[B:.+]] = graph.batch_norm %arg0, %arg1, %arg1, %arg1, %arg1 {epsilon = 1.000000e-03 : f64}
// CHECK: graph.batch_norm %[[B]], %arg1, %arg1, %arg1, %arg1 : (
func.func @batch_norm(%arg0: tensor<1x3x4x4xf32>, %arg1: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  %0, %1, %2 = "onnx.BatchNormalization"(%arg0, %arg1, %arg1, %arg1, %arg1) <{epsilon = 1.000000e-03 : f32}> : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<1x3x4x4xf32>, none, none)
  %3, %4, %5, %6, %7 = "onnx.BatchNormalization_v9"(%0, %arg1, %arg1, %arg1, %arg1) : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<1x3x4x4xf32>, none, none, none, none)
  return %3 : tensor<1x3x4x4xf32>
}

// -----

// Training-mode BatchNormalization: batch statistics over every axis but 1;
// the running mean is input_mean * momentum + batch_mean * (1 - momentum).
// CHECK-LABEL: func.func @batch_norm_training
// CHECK-DAG: %[[M:.+]] = graph.constant dense<0.899999976> : tensor<f32>
// CHECK-DAG: %[[B:.+]] = graph.constant dense<1.000000e-01> : tensor<f32>
// CHECK: %[[MEAN:.+]] = graph.reduce <mean> %arg0 {axes = array<i64: 0, 2, 3>}
// CHECK: %[[KEPT:.+]] = graph.mul %arg1, %[[M]]
// CHECK: %[[FLAT:.+]] = graph.reshape %[[MEAN]] {new_shape = array<i64: -1>}
// CHECK: %[[NEW:.+]] = graph.mul %[[FLAT]], %[[B]]
// CHECK: graph.add %[[KEPT]], %[[NEW]]
// CHECK-NOT: onnx.BatchNormalization
func.func @batch_norm_training(%arg0: tensor<1x3x4x4xf32>, %arg1: tensor<3xf32>) -> tensor<3xf32> {
  %0, %1, %2 = "onnx.BatchNormalization"(%arg0, %arg1, %arg1, %arg1, %arg1) <{training_mode = 1 : i64}> : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>)
  return %1 : tensor<3xf32>
}

// -----

// LayerNormalization (absent bias) and InstanceNormalization.
// CHECK-LABEL: func.func @norms
// CHECK: %[[L:.+]] = graph.layer_norm %arg0, %arg1 {axis = 2 : i64} : (tensor<1x3x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
// CHECK: graph.instance_norm %[[L]], %arg2, %arg2 {epsilon = 9.9999999999999995E-7 : f64}
func.func @norms(%arg0: tensor<1x3x4xf32>, %arg1: tensor<4xf32>, %arg2: tensor<3xf32>) -> tensor<1x3x4xf32> {
  %none = "onnx.NoValue"() : () -> none
  %0, %1, %2 = "onnx.LayerNormalization"(%arg0, %arg1, %none) <{axis = 2 : i64}> : (tensor<1x3x4xf32>, tensor<4xf32>, none) -> (tensor<1x3x4xf32>, none, none)
  %3 = "onnx.InstanceNormalization"(%0, %arg2, %arg2) <{epsilon = 1.0e-6 : f32}> : (tensor<1x3x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x4xf32>
  return %3 : tensor<1x3x4xf32>
}
