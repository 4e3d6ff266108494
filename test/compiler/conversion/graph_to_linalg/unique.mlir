// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// graph.unique is three scf.for passes over the slices along the axis
// (first occurrences, sorted positions, outputs) into buffers of the axis
// extent, sliced to the run-time count clamped to that extent.

// Sorted, along axis 0 of a 3x2 input: slices compare lexicographically.
// CHECK-LABEL: func @unique_sorted
// CHECK: %[[FIRSTS:.+]]:3 = scf.for {{.*}} -> (tensor<3xi64>, tensor<3xi64>, index)
// CHECK: arith.cmpf olt
// CHECK: %[[POS:.+]] = scf.for {{.*}} iter_args(%{{.+}} = %[[FIRSTS]]#1) -> (tensor<3xi64>)
// CHECK: %[[OUT:.+]]:4 = scf.for {{.*}} -> (tensor<3x2xf32>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>)
// CHECK: tensor.extract %[[POS]]
// CHECK: %[[N:.+]] = arith.minui %[[FIRSTS]]#2, %c3
// CHECK: %[[Y:.+]] = tensor.extract_slice %[[OUT]]#0[0, 0] [%[[N]], 2] [1, 1] : tensor<3x2xf32> to tensor<?x2xf32>
// CHECK: %[[I:.+]] = tensor.extract_slice %[[OUT]]#1[0] [%[[N]]] [1] : tensor<3xi64> to tensor<?xi64>
// CHECK: %[[C:.+]] = tensor.extract_slice %[[OUT]]#3[0] [%[[N]]] [1] : tensor<3xi64> to tensor<?xi64>
// CHECK: return %[[Y]], %[[I]], %[[OUT]]#2, %[[C]]
func.func @unique_sorted(%x: tensor<3x2xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>) {
  %0:4 = graph.unique %x {axis = 0 : i64} : (tensor<3x2xf32>) -> (tensor<?x2xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<?x2xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>
}

// -----

// Not sorted: the order of first occurrence, no ranking pass; unsigned
// elements compare unsigned (and become signless at the end).
// CHECK-LABEL: func @unique_first_occurrence
// CHECK: scf.for {{.*}} -> (tensor<4xi64>, tensor<4xi64>, index)
// CHECK: arith.cmpi ult
// CHECK-NOT: -> (tensor<4xi64>) {
// CHECK: scf.for {{.*}} -> (tensor<4xi8>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>)
func.func @unique_first_occurrence(%x: tensor<4xui8>) -> (tensor<?xui8>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>) {
  %0:4 = graph.unique %x {axis = 0 : i64, sorted = false} : (tensor<4xui8>) -> (tensor<?xui8>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<?xui8>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>
}
