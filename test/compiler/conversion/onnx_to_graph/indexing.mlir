// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// Ops whose result size is known at run time only: the graph result has a
// `?` there, cast to the type the model declares.

// Unique without an axis works on the flattened input along axis 0.
// CHECK-LABEL: func.func @unique_flat
// CHECK: %[[F:.+]] = graph.reshape %arg0 {new_shape = array<i64: 6>}
// CHECK: graph.unique %[[F]] {axis = 0 : i64} : (tensor<6xf32>) -> (tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>)
func.func @unique_flat(%arg0: tensor<2x3xf32>) -> (tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>) {
  %0:4 = "onnx.Unique"(%arg0) <{sorted = 1 : i64}> : (tensor<2x3xf32>) -> (tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<?xf32>, tensor<?xi64>, tensor<6xi64>, tensor<?xi64>
}

// -----

// A negative axis is normalised; absent optional outputs are dropped.
// CHECK-LABEL: func.func @unique_axis
// CHECK: %[[Y:.+]], %{{.+}}, %{{.+}}, %{{.+}} = graph.unique %arg0 {axis = 1 : i64, sorted = false} : (tensor<2x3xf32>) -> (tensor<2x?xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>)
// CHECK: return %[[Y]] :
func.func @unique_axis(%arg0: tensor<2x3xf32>) -> tensor<2x?xf32> {
  %0:4 = "onnx.Unique"(%arg0) <{axis = -1 : i64, sorted = 0 : i64}> : (tensor<2x3xf32>) -> (tensor<2x?xf32>, none, none, none)
  return %0#0 : tensor<2x?xf32>
}

// -----

// NonZero: [rank, count] coordinates.
// CHECK-LABEL: func.func @nonzero
// CHECK: graph.nonzero %arg0 : (tensor<2x2xi1>) -> tensor<2x?xi64>
func.func @nonzero(%arg0: tensor<2x2xi1>) -> tensor<2x?xi64> {
  %0 = "onnx.NonZero"(%arg0) : (tensor<2x2xi1>) -> tensor<2x?xi64>
  return %0 : tensor<2x?xi64>
}
