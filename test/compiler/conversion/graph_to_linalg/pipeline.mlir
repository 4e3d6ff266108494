// RUN: mica-opt %s -mica-lower-to-llvm | FileCheck %s

// The full host pipeline takes graph ops to the LLVM dialect only: conv,
// relu, pooling and the dynamic-batch dense layer all end as llvm.func bodies
// with loops, libm/intrinsic calls for math, and malloc/free for buffers.

// CHECK-NOT: graph.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK-NOT: tensor.
// CHECK-DAG: llvm.func @erff(f32) -> f32
// CHECK-DAG: llvm.func @malloc
// CHECK-LABEL: llvm.func @net
// CHECK: llvm.intr.exp
// CHECK: llvm.call @erff
// CHECK: llvm.return
func.func @net(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %fw: tensor<5x4xf32>) -> tensor<?x5xf32> {
  %0 = graph.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x8x8xf32>
  %1 = graph.silu %0 : tensor<?x4x8x8xf32>
  %2 = graph.reduce <mean> %1 {axes = array<i64: 2, 3>, keepdims = false} : (tensor<?x4x8x8xf32>) -> tensor<?x4xf32>
  %3 = graph.gelu %2 : tensor<?x4xf32>
  %4 = graph.fully_connected %3, %fw : (tensor<?x4xf32>, tensor<5x4xf32>) -> tensor<?x5xf32>
  return %4 : tensor<?x5xf32>
}
