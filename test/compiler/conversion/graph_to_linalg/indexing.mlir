// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// Gathers read the input with tensor.extract inside a generic over the
// result; scatters and cumsum are scf.for nests carrying the result tensor.

// gather_elements: the axis coordinate comes from the index, wrapped when
// negative.
// CHECK-LABEL: func @gather_elements
// CHECK-SAME: (%[[X:.+]]: tensor<3x4xf32>, %[[I:.+]]: tensor<3x2xi64>)
// CHECK: linalg.generic {{.*}} ins(%[[I]] : tensor<3x2xi64>)
// CHECK: %[[R:.+]] = linalg.index 0
// CHECK: %[[C:.+]] = arith.select
// CHECK: tensor.extract %[[X]][%[[R]], %[[C]]]
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  %0 = graph.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// scatter_elements with reduction "add": read, combine, insert, in order.
// CHECK-LABEL: func @scatter_add
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[OLD:.+]] = tensor.extract
// CHECK: arith.addf %[[OLD]]
// CHECK: tensor.insert
func.func @scatter_add(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>, %u: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %0 = graph.scatter_elements %x, %i, %u {axis = 1 : i64, reduction = "add"} : (tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// gather_nd with one batch dim: tuples of 1 index address dim 1.
// CHECK-LABEL: func @gather_nd
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}] : tensor<2x3x4xf32>
func.func @gather_nd(%x: tensor<2x3x4xf32>, %i: tensor<2x5x1xi64>) -> tensor<2x5x4xf32> {
  %0 = graph.gather_nd %x, %i {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x5x1xi64>) -> tensor<2x5x4xf32>
  return %0 : tensor<2x5x4xf32>
}

// -----

// cumsum: one loop nest; each element adds the running sum before it.
// CHECK-LABEL: func @cumsum
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @cumsum(%x: tensor<5xf64>) -> tensor<5xf64> {
  %0 = graph.cumsum %x {axis = 0 : i64, exclusive = true, reverse = true} : (tensor<5xf64>) -> tensor<5xf64>
  return %0 : tensor<5xf64>
}
