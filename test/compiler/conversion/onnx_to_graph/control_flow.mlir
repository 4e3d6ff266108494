// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// If, Loop and Scan become scf ops whose regions hold the converted bodies.

// If: scf.if on the rank-0 condition, each branch yielding its value (the
// onnx op lists else_branch first).
// CHECK-LABEL: func.func @if
// CHECK: %[[C:.+]] = tensor.extract %arg0[] : tensor<i1>
// CHECK: scf.if %[[C]] -> (tensor<2xf32>)
// CHECK: graph.add
// CHECK: scf.yield
// CHECK: } else {
// CHECK: graph.mul
// CHECK-NOT: onnx.
func.func @if(%arg0: tensor<i1>, %arg1: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "onnx.If"(%arg0) ({
    %1 = "onnx.Mul"(%arg1, %arg1) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1 : tensor<2xf32>
  }, {
    %1 = "onnx.Add"(%arg1, %arg1) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1 : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Loop with a constant trip count and a run-time condition: each iteration
// runs under scf.if cond; the scan output rows go to a [trip, ...] buffer
// sliced to the number of iterations that ran. The unranked carried body
// input is refined to the initial value's type so the body converts.
// CHECK-LABEL: func.func @loop
// CHECK: %[[BUF:.+]] = tensor.empty() : tensor<4x2xf32>
// CHECK: %[[L:.+]]:4 = scf.for %[[I:.+]] = %c0 to %c4 step %c1 iter_args(%[[COND:.+]] = %arg0, %[[X:.+]] = %arg1, %[[S:.+]] = %[[BUF]], %[[N:.+]] = %c0) -> (tensor<i1>, tensor<2xf32>, tensor<4x2xf32>, index)
// CHECK: scf.if
// CHECK: %[[NEW:.+]] = graph.add %[[X]], %[[X]]
// CHECK: tensor.insert_slice %[[NEW]] into %[[S]][%[[N]], 0] [1, 2] [1, 1]
// CHECK: %[[COUNT:.+]] = arith.minui %[[L]]#3, %c4
// CHECK: tensor.extract_slice %[[L]]#2[0, 0] [%[[COUNT]], 2] [1, 1] : tensor<4x2xf32> to tensor<?x2xf32>
func.func @loop(%cond: tensor<i1>, %x: tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) {
  %trip = "onnx.Constant"() <{value = dense<4> : tensor<i64>}> : () -> tensor<i64>
  %0:2 = "onnx.Loop"(%trip, %cond, %x) ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %v: tensor<*xf32>):
    %1 = "onnx.Add"(%v, %v) : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    onnx.Yield %c, %1, %1 : tensor<i1>, tensor<*xf32>, tensor<*xf32>
  }) : (tensor<i64>, tensor<i1>, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<?x2xf32>
}

// -----

// A condition that stays true (absent, yielded unchanged): no scf.if, and
// the scan output has the trip count; the iteration number is a tensor.
// CHECK-LABEL: func.func @loop_always
// CHECK: scf.for %[[I:.+]] = %c0 to %c3
// CHECK-NOT: scf.if
// CHECK: %[[I64:.+]] = arith.index_cast %[[I]] : index to i64
// CHECK: tensor.from_elements %[[I64]] : tensor<i64>
// CHECK: return {{.*}} : tensor<3xi64>
func.func @loop_always(%x: tensor<i64>) -> tensor<3xi64> {
  %none = "onnx.NoValue"() : () -> none
  %trip = "onnx.Constant"() <{value = dense<3> : tensor<i64>}> : () -> tensor<i64>
  %0:2 = "onnx.Loop"(%trip, %none, %x) ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %v: tensor<i64>):
    %1 = "onnx.Add"(%v, %i) : (tensor<i64>, tensor<i64>) -> tensor<i64>
    onnx.Yield %c, %1, %i : tensor<i1>, tensor<i64>, tensor<i64>
  }) : (tensor<i64>, none, tensor<i64>) -> (tensor<i64>, tensor<3xi64>)
  return %0#1 : tensor<3xi64>
}

// -----

// A run-time trip count has no bound for the scan outputs: the Loop stays
// (reported as unsupported at its node).
// CHECK-LABEL: func.func @loop_runtime_trip
// CHECK: "onnx.Loop"
func.func @loop_runtime_trip(%trip: tensor<i64>, %x: tensor<2xf32>) -> tensor<?x2xf32> {
  %none = "onnx.NoValue"() : () -> none
  %0:2 = "onnx.Loop"(%trip, %none, %x) ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %v: tensor<2xf32>):
    onnx.Yield %c, %v, %v : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }) : (tensor<i64>, none, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>)
  return %0#1 : tensor<?x2xf32>
}

// -----

// Scan (opset 9+): rows of the scan input (from the end when reversed) in,
// the state carried, the outputs written at their axis.
// CHECK-LABEL: func.func @scan
// CHECK: %[[OUT:.+]] = tensor.empty() : tensor<2x3xf32>
// CHECK: scf.for %[[I:.+]] = %c0 to %c3 step %c1 iter_args(%[[S:.+]] = %arg0, %[[B:.+]] = %[[OUT]])
// CHECK: %[[R:.+]] = arith.subi %c2, %[[I]]
// CHECK: %[[ROW:.+]] = tensor.extract_slice %arg1[%[[R]], 0] [1, 2] [1, 1] : tensor<3x2xf32> to tensor<2xf32>
// CHECK: %[[SUM:.+]] = graph.add %[[S]], %[[ROW]]
// CHECK: tensor.insert_slice %[[SUM]] into %[[B]][0, %[[I]]] [2, 1] [1, 1] : tensor<2xf32> into tensor<2x3xf32>
func.func @scan(%init: tensor<2xf32>, %x: tensor<3x2xf32>) -> (tensor<2xf32>, tensor<2x3xf32>) {
  %0:2 = "onnx.Scan"(%init, %x) <{num_scan_inputs = 1 : i64, scan_input_directions = [1], scan_output_axes = [1]}> ({
  ^bb0(%s: tensor<2xf32>, %row: tensor<2xf32>):
    %1 = "onnx.Add"(%s, %row) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1, %1 : tensor<2xf32>, tensor<2xf32>
  }) : (tensor<2xf32>, tensor<3x2xf32>) -> (tensor<2xf32>, tensor<2x3xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<2x3xf32>
}
