// RUN: mica-opt %s -split-input-file -verify-diagnostics

// Operand types are checked against the schema's type constraints.
func.func @relu_on_int(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{'onnx.Relu' op operand #0 must be tensor of}}
  %0 = "onnx.Relu"(%x) : (tensor<4xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// A required attribute must be present.
func.func @cast_without_to(%x: tensor<4xf32>) -> tensor<4xi64> {
  // expected-error @+1 {{requires attribute 'to'}}
  %0 = "onnx.Cast"(%x) : (tensor<4xf32>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// Attributes have the schema's kind.
func.func @transpose_bad_perm(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{Invalid attribute `perm` in property conversion}}
  %0 = "onnx.Transpose"(%x) <{perm = "10"}> : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A missing required operand cannot be replaced by `none`.
func.func @conv_none_weight(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %none = onnx.NoValue
  // expected-error @+1 {{'onnx.Conv' op operand #1 must be tensor of}}
  %0 = "onnx.Conv"(%x, %none, %none) : (tensor<1x1x4x4xf32>, none, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}
