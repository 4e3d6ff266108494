// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// ONNX ops written as short chains of graph ops.

// Trilu with a run-time k: a constant (col - row) table compared with k.
// CHECK-LABEL: func.func @triu
// CHECK-SAME: (%[[X:.+]]: tensor<3x4xf32>, %[[K:.+]]: tensor<i64>)
// CHECK-DAG: %[[OFF:.+]] = graph.constant dense<{{\[\[}}0, 1, 2, 3], [-1, 0, 1, 2], [-2, -1, 0, 1]]> : tensor<3x4xi64>
// CHECK: %[[KEEP:.+]] = graph.greater_equal %[[OFF]], %[[K]]
// CHECK: graph.select %[[KEEP]], %[[X]], %{{.+}}
func.func @triu(%x: tensor<3x4xf32>, %k: tensor<i64>) -> tensor<3x4xf32> {
  %0 = "onnx.Trilu"(%x, %k) <{upper = 1 : i64}> : (tensor<3x4xf32>, tensor<i64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// DepthToSpace in DCR mode: reshape to 6-D, transpose, reshape back.
// CHECK-LABEL: func.func @depth_to_space
// CHECK: graph.reshape %{{.+}} {new_shape = array<i64: 1, 2, 2, 2, 2, 3>}
// CHECK: graph.transpose %{{.+}} {perm = array<i64: 0, 3, 4, 1, 5, 2>}
// CHECK: graph.reshape %{{.+}} {new_shape = array<i64: 1, 2, 4, 6>}
func.func @depth_to_space(%x: tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32> {
  %0 = "onnx.DepthToSpace"(%x) <{blocksize = 2 : i64}> : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  return %0 : tensor<1x2x4x6xf32>
}

// -----

// LayerNormalization whose Mean / InvStdDev outputs are used: reductions.
// CHECK-LABEL: func.func @layer_norm_stats
// CHECK: %[[MEAN:.+]] = graph.reduce <mean> %{{.+}} {axes = array<i64: 1>}
// CHECK: %[[INV:.+]] = graph.rsqrt
// CHECK: return %{{.+}}, %[[MEAN]], %[[INV]]
func.func @layer_norm_stats(%x: tensor<2x5xf32>, %s: tensor<5xf32>) -> (tensor<2x5xf32>, tensor<2x1xf32>, tensor<2x1xf32>) {
  %none = "onnx.NoValue"() : () -> none
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) <{axis = 1 : i64}> : (tensor<2x5xf32>, tensor<5xf32>, none) -> (tensor<2x5xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
  return %0#0, %0#1, %0#2 : tensor<2x5xf32>, tensor<2x1xf32>, tensor<2x1xf32>
}

// -----

// Size of a static shape is a constant; GatherElements maps one to one.
// CHECK-LABEL: func.func @size_and_gather
// CHECK-DAG: graph.constant dense<6> : tensor<i64>
// CHECK-DAG: graph.gather_elements %{{.+}}, %{{.+}} {axis = 1 : i64}
func.func @size_and_gather(%x: tensor<2x3xf32>, %i: tensor<2x2xi64>) -> (tensor<i64>, tensor<2x2xf32>) {
  %0 = "onnx.Size"(%x) : (tensor<2x3xf32>) -> tensor<i64>
  %1 = "onnx.GatherElements"(%x, %i) <{axis = 1 : i64}> : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x2xf32>
  return %0, %1 : tensor<i64>, tensor<2x2xf32>
}
