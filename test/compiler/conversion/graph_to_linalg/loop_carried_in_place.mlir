// RUN: mica-opt %s -mica-loop-carried-in-place -split-input-file | FileCheck %s

// A carried value computed afresh is materialized in its iteration
// argument; one already written into it (insert_slice) is left alone.
// CHECK-LABEL: func @carried
// CHECK: scf.for {{.*}} iter_args(%[[X:.+]] = %arg0, %[[B:.+]] = %arg1)
// CHECK: %[[NEW:.+]] = arith.addf
// CHECK: %[[ROW:.+]] = tensor.insert_slice %{{.+}} into %[[B]]
// CHECK: %[[M:.+]] = bufferization.materialize_in_destination %[[NEW]] in %[[X]]
// CHECK: scf.yield %[[M]], %[[ROW]]
func.func @carried(%x: tensor<2xf32>, %b: tensor<4x2xf32>) -> (tensor<2xf32>, tensor<4x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %0:2 = scf.for %i = %c0 to %c4 step %c1 iter_args(%v = %x, %buf = %b) -> (tensor<2xf32>, tensor<4x2xf32>) {
    %1 = arith.addf %v, %v : tensor<2xf32>
    %2 = tensor.insert_slice %1 into %buf[%i, 0] [1, 2] [1, 1] : tensor<2xf32> into tensor<4x2xf32>
    scf.yield %1, %2 : tensor<2xf32>, tensor<4x2xf32>
  }
  return %0#0, %0#1 : tensor<2xf32>, tensor<4x2xf32>
}

// -----

// Through an scf.if: in place when both branches write the argument.
// CHECK-LABEL: func @branches
// CHECK-NOT: materialize_in_destination
func.func @branches(%b: tensor<4xf32>, %c: i1, %f: f32) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %0 = scf.for %i = %c0 to %c4 step %c1 iter_args(%buf = %b) -> (tensor<4xf32>) {
    %1 = scf.if %c -> (tensor<4xf32>) {
      %2 = tensor.insert %f into %buf[%i] : tensor<4xf32>
      scf.yield %2 : tensor<4xf32>
    } else {
      scf.yield %buf : tensor<4xf32>
    }
    scf.yield %1 : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}
