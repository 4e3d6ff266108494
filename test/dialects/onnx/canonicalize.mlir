// RUN: mica-opt %s -canonicalize -split-input-file | FileCheck %s

// The onnx dialect is a faithful image of the model: canonicalisation only
// removes what is dead (NoValue and pure helper ops) and leaves ONNX ops, whose
// normalisation is the job of -mica-convert-onnx-to-graph.
// CHECK-LABEL: func.func @keeps_onnx_ops
func.func @keeps_onnx_ops(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NOT: onnx.NoValue
  %none = onnx.NoValue
  // CHECK: "onnx.Relu"
  %0 = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
