// RUN: mica-opt %s -mica-normalize-onnx-versions -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// Unary activations keep the operand type; old opsets map the same way.
// CHECK-LABEL: func.func @unary
// CHECK: %[[R:.+]] = graph.relu %arg0 : tensor<1x8xf32>
// CHECK: %[[S:.+]] = graph.sigmoid %[[R]] : tensor<1x8xf32>
// CHECK: %[[T:.+]] = graph.tanh %[[S]] : tensor<1x8xf32>
// CHECK: %[[E:.+]] = graph.erf %[[T]] : tensor<1x8xf32>
// CHECK: graph.hard_swish %[[E]] : tensor<1x8xf32>
func.func @unary(%arg0: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %0 = "onnx.Relu"(%arg0) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %1 = "onnx.Sigmoid_v6"(%0) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %2 = "onnx.Tanh"(%1) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %3 = "onnx.Erf"(%2) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %4 = "onnx.HardSwish"(%3) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  return %4 : tensor<1x8xf32>
}

// -----

// An unranked onnx result takes the operand type when only onnx ops use it.
// CHECK-LABEL: func.func @unary_unranked
// CHECK: %[[N:.+]] = graph.neg %arg0 : tensor<2x?xf32>
// CHECK: graph.abs %[[N]] : tensor<2x?xf32>
func.func @unary_unranked(%arg0: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %0 = "onnx.Neg"(%arg0) : (tensor<2x?xf32>) -> tensor<*xf32>
  %1 = "onnx.Abs"(%0) : (tensor<*xf32>) -> tensor<2x?xf32>
  return %1 : tensor<2x?xf32>
}

// -----

// Activation attributes become f64 attributes with the f32's shortest spelling.
// CHECK-LABEL: func.func @activation_attrs
// CHECK: graph.leaky_relu %arg0 {alpha = 1.000000e-01 : f64}
// CHECK: graph.hard_sigmoid %{{.+}} {alpha = 1.666670e-01 : f64} : tensor<4xf32>
// CHECK: graph.elu %{{.+}} : tensor<4xf32>
func.func @activation_attrs(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "onnx.LeakyRelu"(%arg0) <{alpha = 1.000000e-01 : f32}> : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "onnx.HardSigmoid"(%0) <{alpha = 0.166667 : f32}> : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "onnx.Elu"(%1) : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// Clip-11+ with constant bounds (relu6) and an absent max; Clip-6 attributes.
// CHECK-LABEL: func.func @clip
// CHECK: %[[A:.+]] = graph.clamp %arg0 {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64}
// CHECK: %[[B:.+]] = graph.clamp %[[A]] {max = 0x7FF0000000000000 : f64, min = -1.000000e+00 : f64}
// CHECK: graph.clamp %[[B]] {max = 2.000000e+00 : f64, min = -2.000000e+00 : f64}
func.func @clip(%arg0: tensor<4xf32>) -> tensor<4xf32> {
  %lo = "onnx.Constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
  %hi = "onnx.Constant"() <{value = dense<6.0> : tensor<f32>}> : () -> tensor<f32>
  %m1 = "onnx.Constant"() <{value = dense<-1.0> : tensor<f32>}> : () -> tensor<f32>
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.Clip"(%arg0, %lo, %hi) : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  %1 = "onnx.Clip"(%0, %m1, %none) : (tensor<4xf32>, tensor<f32>, none) -> tensor<4xf32>
  %2 = "onnx.Clip_v6"(%1) <{max = 2.0 : f32, min = -2.0 : f32}> : (tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// A Clip bound computed at run time becomes graph.max / graph.min.
// CHECK-LABEL: func.func @clip_dynamic_bound
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>, %[[LO:.+]]: tensor<f32>, %[[HI:.+]]: tensor<f32>)
// CHECK: %[[MAX:.+]] = graph.max %[[X]], %[[LO]]
// CHECK: graph.min %[[MAX]], %[[HI]]
// CHECK-NOT: onnx.Clip
func.func @clip_dynamic_bound(%arg0: tensor<4xf32>, %arg1: tensor<f32>, %arg2: tensor<f32>) -> tensor<4xf32> {
  %0 = "onnx.Clip"(%arg0, %arg1, %arg2) : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Unranked operands stay in onnx.
// CHECK-LABEL: func.func @unranked_operand
// CHECK: "onnx.Relu"
func.func @unranked_operand(%arg0: tensor<*xf32>) -> tensor<*xf32> {
  %0 = "onnx.Relu"(%arg0) : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}
