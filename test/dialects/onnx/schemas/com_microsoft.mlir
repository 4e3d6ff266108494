// RUN: mica-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// The hand-kept com.microsoft schemas are ops of the onnx dialect, named
// with their domain, with the documented operands: an 8-bit tensor, f32
// scales, and optional zero points absent as `none`.
// CHECK-LABEL: func.func @sigmoid
func.func @sigmoid(%x: tensor<4xui8>, %s: tensor<f32>, %z: tensor<ui8>) -> tensor<4xui8> {
  %none = onnx.NoValue
  // CHECK: "onnx.com.microsoft.QLinearSigmoid"(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}})
  %0 = "onnx.com.microsoft.QLinearSigmoid"(%x, %s, %z, %s, %none) : (tensor<4xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, none) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// QLinearConcat's inputs are (tensor, scale, zero point) triples of mixed
// types after Y's scale and zero point: one variadic operand list.
// CHECK-LABEL: func.func @concat
func.func @concat(%a: tensor<1x2xi8>, %b: tensor<1x3xi8>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<1x5xi8> {
  // CHECK: "onnx.com.microsoft.QLinearConcat"{{.*}}axis = 1
  %0 = "onnx.com.microsoft.QLinearConcat"(%s, %z, %a, %s, %z, %b, %s, %z) <{axis = 1 : i64}> : (tensor<f32>, tensor<i8>, tensor<1x2xi8>, tensor<f32>, tensor<i8>, tensor<1x3xi8>, tensor<f32>, tensor<i8>) -> tensor<1x5xi8>
  return %0 : tensor<1x5xi8>
}

// -----

// The schema's type constraints hold: the data must be 8-bit.
func.func @float_data(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{'onnx.com.microsoft.QLinearLeakyRelu' op operand #0 must be tensor of 8-bit unsigned integer or 8-bit signless integer values}}
  %0 = "onnx.com.microsoft.QLinearLeakyRelu"(%x, %s, %none, %s, %none) : (tensor<4xf32>, tensor<f32>, none, tensor<f32>, none) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
