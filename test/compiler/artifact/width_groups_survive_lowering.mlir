// RUN: mica-opt %s --mica-lower-to-kernel="target=host" | FileCheck %s

// The width groups of a --sortable-width build are a module attribute set
// before lowering (exec::kWidthGroupsAttr); buildArtifact reads them from
// the lowered module, so stages 4 and 5 must keep them (other passes may add
// keys to a group, e.g. `bounded`).
// CHECK: module attributes {
// CHECK-SAME: exec.width_groups = [{
// CHECK-SAME: channels = 16 : i64, node = "fc1", op = "Gemm",
// CHECK-SAME: round = 4 : i64}, {
// CHECK-SAME: channels = 3 : i64, node = "head", op = "MatMul",
// CHECK-SAME: round = 4 : i64}]
// CHECK: exec.entry_point "main"
module attributes {exec.width_groups = [{node = "fc1", op = "Gemm", channels = 16 : i64, round = 4 : i64}, {node = "head", op = "MatMul", channels = 3 : i64, round = 4 : i64}]} {
  func.func @main(%x: tensor<8x4xf32> {exec.max_shape = array<i64: 8, 4>}) -> tensor<8x4xf32> {
    %w = graph.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
    %y = graph.add %x, %w : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
    return %y : tensor<8x4xf32>
  }
}
