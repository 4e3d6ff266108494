// RUN: mica-opt %s -mica-convert-onnx-to-graph="strict=true" -split-input-file -verify-diagnostics

// Strict mode: an op that stays in onnx (here a Slice whose axes are computed
// at run time) is an error naming it.
func.func @leftover(%arg0: tensor<8xf32>, %arg1: tensor<1xi64>) -> tensor<?xf32> {
  %z = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %none = "onnx.NoValue"() : () -> none
  // expected-error @+1 {{no graph-dialect equivalent for this op}}
  %0 = "onnx.Slice"(%arg0, %z, %z, %arg1, %none) : (tensor<8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Strict mode passes when everything converts (NoValue may stay).
func.func @all_converted(%arg0: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %0 = "onnx.Relu"(%arg0) : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}
