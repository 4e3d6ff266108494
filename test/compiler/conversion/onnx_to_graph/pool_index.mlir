// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// MaxPool with its Indices output: one strided slice per window offset of
// the (-inf padded) input and of a constant of flat indices; a strictly
// larger value takes over, so the first maximum wins.
// CHECK-LABEL: func.func @max_pool_indices
// CHECK-DAG: %[[X:.+]] = graph.pad %arg0 {{.*}}value = 0xFFF0000000000000
// CHECK-DAG: %[[I:.+]] = graph.pad %{{.+}} {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<1x1x4x4xi64>)
// CHECK-COUNT-4: graph.slice %[[X]]
// CHECK-NOT: graph.slice %[[X]]
// CHECK: %[[GT:.+]] = graph.greater
// CHECK: graph.select %[[GT]]
// CHECK: return {{.*}} : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>
func.func @max_pool_indices(%arg0: tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) {
  %0, %1 = "onnx.MaxPool"(%arg0) <{kernel_shape = [2, 2], strides = [2, 2]}> : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
  return %0, %1 : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>
}

// -----

// MaxUnpool: the values scattered at their flat indices into zeros of the
// natural shape ((2 - 1) * 2 + 2 = 4 per spatial dim).
// CHECK-LABEL: func.func @max_unpool
// CHECK-DAG: %[[Z:.+]] = graph.constant dense<0.000000e+00> : tensor<16xf32>
// CHECK-DAG: %[[I:.+]] = graph.reshape %arg1 {new_shape = array<i64: 4>}
// CHECK-DAG: %[[X:.+]] = graph.reshape %arg0 {new_shape = array<i64: 4>}
// CHECK: %[[S:.+]] = graph.scatter_elements %[[Z]], %[[I]], %[[X]] :
// CHECK: graph.reshape %[[S]] {new_shape = array<i64: 1, 1, 4, 4>}
func.func @max_unpool(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<1x1x4x4xf32> {
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.MaxUnpool"(%x, %i, %none) <{kernel_shape = [2, 2], strides = [2, 2]}> : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// A larger output_shape keeps each index's coordinates: the flat indices are
// re-raveled from the natural 4x4 into 5x5.
// CHECK-LABEL: func.func @max_unpool_output_shape
// CHECK: graph.div
// CHECK: graph.mod
// CHECK: graph.scatter_elements {{.*}} : (tensor<25xf32>, tensor<4xi64>, tensor<4xf32>)
// CHECK: graph.reshape {{.*}} {new_shape = array<i64: 1, 1, 5, 5>}
func.func @max_unpool_output_shape(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<1x1x5x5xf32> {
  %shape = "onnx.Constant"() <{value = dense<[1, 1, 5, 5]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %0 = "onnx.MaxUnpool"(%x, %i, %shape) <{kernel_shape = [2, 2], strides = [2, 2]}> : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<4xi64>) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}
