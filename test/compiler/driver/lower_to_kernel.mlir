// RUN: mica-opt %s --mica-lower-to-kernel="target=arm64 prefix=net" | FileCheck %s
// RUN: mica-opt %s --mica-lower-to-kernel="target=arm64 cpu-vector-width=0" | FileCheck %s --check-prefix=SCALAR
// RUN: not mica-opt %s --mica-lower-to-kernel="target=vulkan" 2>&1 | FileCheck %s --check-prefix=VULKAN

// Stages 4 and 5 of `mica compile` by hand, with the same options: the
// graph function becomes the exported kernel PREFIX_ENTRY, the plan exec
// ops (the weight in the shared segment, the entry point, its step on the
// named target); vectorised for NEON unless cpu-vector-width=0.
// CHECK: exec.segment @constants size 64 data
// CHECK: exec.entry_point "main" function @main
// CHECK-NEXT: exec.step target "arm64" kernel "net_main" segments [@constants]
// CHECK: exec.node_table
// CHECK: llvm.func @net_main(%{{.+}}: !llvm.ptr) -> i32
// SCALAR-NOT: vector<4xf32>
// SCALAR: exec.step target "arm64" kernel "mica_main"
// VULKAN: target 'vulkan' is not implemented yet
func.func @main(%x: tensor<8x4xf32> {exec.max_shape = array<i64: 8, 4>}) -> tensor<8x4xf32> {
  %w = graph.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = graph.add %x, %w : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  %z = graph.relu %y : tensor<8x4xf32>
  return %z : tensor<8x4xf32>
}
