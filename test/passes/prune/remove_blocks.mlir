// RUN: mica-opt %s --mica-remove-blocks="blocks=1" | FileCheck %s
// RUN: mica-opt %s --mica-remove-blocks="blocks=0,1" | FileCheck %s --check-prefix=BOTH
// RUN: not mica-opt %s --mica-remove-blocks="blocks=2" 2>&1 | FileCheck %s --check-prefix=RANGE

// Two identity residual units, then one with a projected skip (not a
// block). Removing block 1 reads block 0's output where block 1's was
// read; block 1's branch is erased.
// CHECK-LABEL: func.func @residual
// CHECK: %[[R0:.*]] = graph.relu %arg0
// CHECK: %[[B0:.*]] = graph.add %arg0, %[[R0]]
// CHECK-NOT: graph.tanh
// CHECK: %[[P:.*]] = graph.sigmoid %[[B0]]
// CHECK: %[[Q:.*]] = graph.exp %[[B0]]
// CHECK: graph.add %[[P]], %[[Q]]
// BOTH-LABEL: func.func @residual
// BOTH-NOT: graph.relu
// BOTH-NOT: graph.tanh
// BOTH: %[[P:.*]] = graph.sigmoid %arg0
// BOTH: %[[Q:.*]] = graph.exp %arg0
// BOTH: graph.add %[[P]], %[[Q]]
// RANGE: block removal: no residual block 2 (the function has 2)
func.func @residual(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r0 = graph.relu %x : tensor<4xf32>
  %b0 = graph.add %x, %r0 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r1 = graph.tanh %b0 : tensor<4xf32>
  %b1 = graph.add %b0, %r1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %p = graph.sigmoid %b1 : tensor<4xf32>
  %q = graph.exp %b1 : tensor<4xf32>
  %y = graph.add %p, %q : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
