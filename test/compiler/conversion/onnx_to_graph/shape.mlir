// RUN: mica-opt %s -mica-normalize-onnx-versions -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// Transpose without perm reverses the dims; Concat and Gather map directly.
// CHECK-LABEL: func.func @transpose_concat_gather
// CHECK: %[[T:.+]] = graph.transpose %arg0 {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK: %[[C:.+]] = graph.concat %[[T]], %[[T]] {axis = 0 : i64} : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<6x2xf32>
// CHECK: graph.gather %[[C]], %arg1 {axis = 1 : i64} : (tensor<6x2xf32>, tensor<4xi64>) -> tensor<6x4xf32>
func.func @transpose_concat_gather(%arg0: tensor<2x3xf32>, %arg1: tensor<4xi64>) -> tensor<6x4xf32> {
  %0 = "onnx.Transpose"(%arg0) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = "onnx.Concat"(%0, %0) <{axis = 0 : i64}> : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<6x2xf32>
  %2 = "onnx.Gather"(%1, %arg1) <{axis = 1 : i64}> : (tensor<6x2xf32>, tensor<4xi64>) -> tensor<6x4xf32>
  return %2 : tensor<6x4xf32>
}

// -----

// Constant starts/ends/axes/steps spread over every dim.
// CHECK-LABEL: func.func @slice
// CHECK: graph.slice %arg0 {ends = array<i64: 9223372036854775807, -1>, starts = array<i64: 0, 1>, steps = array<i64: 1, 2>} : (tensor<?x8xf32>) -> tensor<?x3xf32>
func.func @slice(%arg0: tensor<?x8xf32>) -> tensor<?x3xf32> {
  %b = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %e = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %a = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %s = "onnx.Constant"() <{value = dense<2> : tensor<1xi64>}> : () -> tensor<1xi64>
  %0 = "onnx.Slice"(%arg0, %b, %e, %a, %s) : (tensor<?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// A Slice with ends computed at run time (a sequence length) becomes
// graph.dynamic_slice over the listed axes, and the ops after it convert.
// CHECK-LABEL: func.func @slice_dynamic_ends
// CHECK: %[[S:.+]] = graph.dynamic_slice %{{.+}}, %{{.+}}, %arg1 {axes = array<i64: 1>, steps = array<i64: 1>} : ({{.+}}) -> tensor<1x?x8xf32>
// CHECK: graph.add %arg0, %[[S]] : (tensor<1x?x8xf32>, tensor<1x?x8xf32>) -> tensor<1x?x8xf32>
func.func @slice_dynamic_ends(%arg0: tensor<1x?x8xf32>, %arg1: tensor<1xi64>) -> tensor<1x?x8xf32> {
  %buf = "onnx.Constant"() <{value = dense<0.0> : tensor<1x64x8xf32>}> : () -> tensor<1x64x8xf32>
  %z = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %one = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %0 = "onnx.Slice"(%buf, %z, %arg1, %one, %one) : (tensor<1x64x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %1 = "onnx.Add"(%arg0, %0) : (tensor<1x?x8xf32>, tensor<*xf32>) -> tensor<1x?x8xf32>
  return %1 : tensor<1x?x8xf32>
}

// -----

// A Slice whose axes are computed at run time has no graph form and stays.
// CHECK-LABEL: func.func @slice_dynamic_axes
// CHECK: "onnx.Slice"
func.func @slice_dynamic_axes(%arg0: tensor<4x8xf32>, %arg1: tensor<1xi64>) -> tensor<?x?xf32> {
  %z = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %e = "onnx.Constant"() <{value = dense<2> : tensor<1xi64>}> : () -> tensor<1xi64>
  %0 = "onnx.Slice"(%arg0, %z, %e, %arg1, %z) : (tensor<4x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Shape of a dynamic tensor is shape_of; Shape-15's start slices it, and a
// slice of only static dims is a constant.
// CHECK-LABEL: func.func @shape
// CHECK: %[[C:.+]] = graph.constant dense<3> : tensor<1xi64>
// CHECK: %[[S:.+]] = graph.shape_of %arg0 : (tensor<?x3xf32>) -> tensor<2xi64>
// CHECK: return %[[S]], %[[C]]
func.func @shape(%arg0: tensor<?x3xf32>) -> (tensor<2xi64>, tensor<1xi64>) {
  %0 = "onnx.Shape"(%arg0) : (tensor<?x3xf32>) -> tensor<2xi64>
  %1 = "onnx.Shape"(%arg0) <{start = 1 : i64}> : (tensor<?x3xf32>) -> tensor<1xi64>
  return %0, %1 : tensor<2xi64>, tensor<1xi64>
}

// -----

// Dynamic-dim shape chains (GPT): Shape/Gather/Unsqueeze/Concat feed a
// Reshape through its shape operand. The only unknown element is the
// input's own symbolic dim at the same index, so the reshape takes a static
// new_shape that copies it (0), and the shape computation disappears.
// CHECK-LABEL: func.func @shape_chain
// CHECK-NOT: graph.shape_of
// CHECK: graph.reshape %arg0 {new_shape = array<i64: 1, 0, 2, 4>} : (tensor<1x?x8xf32>) -> tensor<1x?x2x4xf32>
func.func @shape_chain(%arg0: tensor<1x?x8xf32>) -> tensor<1x?x2x4xf32> {
  %i = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %ax = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %one = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %tail = "onnx.Constant"() <{value = dense<[2, 4]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0 = "onnx.Shape"(%arg0) : (tensor<1x?x8xf32>) -> tensor<3xi64>
  %1 = "onnx.Gather"(%0, %i) <{axis = 0 : i64}> : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %2 = "onnx.Unsqueeze"(%1, %ax) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %3 = "onnx.Concat"(%one, %2, %tail) <{axis = 0 : i64}> : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  %4 = "onnx.Reshape"(%arg0, %3) <{allowzero = 0 : i64}> : (tensor<1x?x8xf32>, tensor<4xi64>) -> tensor<1x?x2x4xf32>
  return %4 : tensor<1x?x2x4xf32>
}

// -----

// Tile needs constant repeats; Expand takes a constant shape as an
// attribute and a run-time one as the broadcast's target.
// CHECK-LABEL: func.func @expand_tile
// CHECK: %[[B:.+]] = graph.broadcast_to %arg0 {shape = array<i64: 2, 3>} : (tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: graph.tile %[[B]] {repeats = array<i64: 1, 2>} : (tensor<2x3xf32>) -> tensor<2x6xf32>
// CHECK: graph.broadcast_to %arg0, %arg1 {shape = array<i64: -1, -1>} : (tensor<3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
func.func @expand_tile(%arg0: tensor<3xf32>, %arg1: tensor<2xi64>) -> (tensor<2x6xf32>, tensor<?x3xf32>) {
  %s = "onnx.Constant"() <{value = dense<[2, 3]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %r = "onnx.Constant"() <{value = dense<[1, 2]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0 = "onnx.Expand"(%arg0, %s) : (tensor<3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  %1 = "onnx.Tile"(%0, %r) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x6xf32>
  %2 = "onnx.Expand"(%arg0, %arg1) : (tensor<3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  return %1, %2 : tensor<2x6xf32>, tensor<?x3xf32>
}

// -----

// Split-13 with constant sizes; Split-11 in equal parts of a static dim.
// CHECK-LABEL: func.func @split
// CHECK: graph.split %arg0 {axis = 1 : i64, sizes = array<i64: 2, 4>}
// CHECK: graph.split %arg0 {axis = 1 : i64, sizes = array<i64: 3, 3>}
func.func @split(%arg0: tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x4xf32>, tensor<2x3xf32>) {
  %s = "onnx.Constant"() <{value = dense<[2, 4]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0:2 = "onnx.Split"(%arg0, %s) <{axis = 1 : i64}> : (tensor<2x6xf32>, tensor<2xi64>) -> (tensor<2x2xf32>, tensor<2x4xf32>)
  %1:2 = "onnx.Split_v11"(%arg0) <{axis = 1 : i64}> : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return %0#0, %0#1, %1#1 : tensor<2x2xf32>, tensor<2x4xf32>, tensor<2x3xf32>
}

// -----

// Pad-13 with constant pads and value; Pad-2 attributes.
// CHECK-LABEL: func.func @pad
// CHECK: %[[P:.+]] = graph.pad %arg0 {pads = array<i64: 0, 1, 0, 2>, value = 5.000000e-01 : f64} : (tensor<2x3xf32>) -> tensor<2x6xf32>
// CHECK: graph.pad %[[P]] {mode = "edge", pads = array<i64: 1, 0, 1, 0>}
func.func @pad(%arg0: tensor<2x3xf32>) -> tensor<4x6xf32> {
  %p = "onnx.Constant"() <{value = dense<[0, 1, 0, 2]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %v = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %0 = "onnx.Pad"(%arg0, %p, %v) : (tensor<2x3xf32>, tensor<4xi64>, tensor<f32>) -> tensor<2x6xf32>
  %1 = "onnx.Pad_v2"(%0) <{mode = "edge", pads = [1, 0, 1, 0]}> : (tensor<2x6xf32>) -> tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}
