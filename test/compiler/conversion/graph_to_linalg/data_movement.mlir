// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// concat / slice / split / gather / pad.

// Concat along a dynamic axis: insert_slices at running offsets into an empty
// tensor sized by the sum.
// CHECK-LABEL: func @concat
// CHECK-SAME: (%[[A:.+]]: tensor<1x?x8xf32>, %[[B:.+]]: tensor<1x?x8xf32>)
// CHECK: %[[E:.+]] = tensor.empty(%{{.+}}) : tensor<1x?x8xf32>
// CHECK: %[[I0:.+]] = tensor.insert_slice %[[A]] into %[[E]][0, 0, 0] [1, %{{.+}}, 8] [1, 1, 1]
// CHECK: tensor.insert_slice %[[B]] into %[[I0]][0, %{{.+}}, 0] [1, %{{.+}}, 8] [1, 1, 1]
func.func @concat(%a: tensor<1x?x8xf32>, %b: tensor<1x?x8xf32>) -> tensor<1x?x8xf32> {
  %0 = graph.concat %a, %b {axis = 1 : i64} : (tensor<1x?x8xf32>, tensor<1x?x8xf32>) -> tensor<1x?x8xf32>
  return %0 : tensor<1x?x8xf32>
}

// -----

// Static slice with ONNX clamping (end = INT64_MAX) and a step.
// CHECK-LABEL: func @slice_static
// CHECK: tensor.extract_slice %{{.+}}[0, 1] [2, 5] [1, 2] : tensor<2x10xf32> to tensor<2x5xf32>
func.func @slice_static(%x: tensor<2x10xf32>) -> tensor<2x5xf32> {
  %0 = graph.slice %x {starts = array<i64: 0, 1>, ends = array<i64: 9223372036854775807, 9223372036854775807>, steps = array<i64: 1, 2>} : (tensor<2x10xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// On a `?` dim, negative starts and clamping are index arithmetic.
// CHECK-LABEL: func @slice_dynamic
// CHECK: %[[D:.+]] = tensor.dim
// CHECK: arith.addi %[[D]]
// CHECK: arith.maxsi
// CHECK: arith.ceildivsi
// CHECK: tensor.extract_slice %{{.+}}[%{{.+}}, 0] [%{{.+}}, 4] [1, 1] : tensor<?x4xf32> to tensor<?x4xf32>
func.func @slice_dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = graph.slice %x {starts = array<i64: -3, 0>, ends = array<i64: 9223372036854775807, 4>, steps = array<i64: 1, 1>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A negative step reads through a reversed affine map.
// CHECK-DAG: #[[REV:.+]] = affine_map<(d0) -> (-d0 + 4)>
// CHECK-LABEL: func @slice_reverse
// CHECK: linalg.generic {indexing_maps = [#[[REV]], #{{.+}}]
func.func @slice_reverse(%x: tensor<5xf32>) -> tensor<5xf32> {
  %0 = graph.slice %x {starts = array<i64: -1>, ends = array<i64: -9223372036854775808>, steps = array<i64: -1>} : (tensor<5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Split into pieces of the given sizes along a static axis of a dynamic
// tensor (the fused qkv projection).
// CHECK-LABEL: func @split
// CHECK: tensor.extract_slice %{{.+}}[0, 0, 0] [1, %{{.+}}, 64] [1, 1, 1]
// CHECK: tensor.extract_slice %{{.+}}[0, 0, 64] [1, %{{.+}}, 64] [1, 1, 1]
// CHECK: tensor.extract_slice %{{.+}}[0, 0, 128] [1, %{{.+}}, 64] [1, 1, 1]
func.func @split(%x: tensor<1x?x192xf32>) -> (tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>) {
  %0:3 = graph.split %x {axis = 2 : i64, sizes = array<i64: 64, 64, 64>} : (tensor<1x?x192xf32>) -> (tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>)
  return %0#0, %0#1, %0#2 : tensor<1x?x64xf32>, tensor<1x?x64xf32>, tensor<1x?x64xf32>
}

// -----

// Gather (embedding lookup) with dynamic token ids: a generic over the
// result reading the indices, wrapping negatives, and extracting rows.
// CHECK-DAG: #[[IDX:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @gather
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.+}}]{{.*}} ins(%{{.+}} : tensor<1x?xi64>) outs(%{{.+}} : tensor<1x?x64xf32>)
// CHECK: arith.index_cast
// CHECK: arith.select
// CHECK: linalg.index 2
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}] : tensor<100x64xf32>
func.func @gather(%t: tensor<100x64xf32>, %ids: tensor<1x?xi64>) -> tensor<1x?x64xf32> {
  %0 = graph.gather %t, %ids {axis = 0 : i64} : (tensor<100x64xf32>, tensor<1x?xi64>) -> tensor<1x?x64xf32>
  return %0 : tensor<1x?x64xf32>
}

// -----

// Constant pad: negative pads crop with extract_slice, positive ones pad.
// CHECK-LABEL: func @pad_constant
// CHECK: tensor.extract_slice %{{.+}}[0, 1] [4, 5] [1, 1]
// CHECK: tensor.pad %{{.+}} low[1, 0] high[2, 0]
// CHECK: tensor.yield %{{.+}} : f32
func.func @pad_constant(%x: tensor<4x6xf32>) -> tensor<7x5xf32> {
  %0 = graph.pad %x {pads = array<i64: 1, -1, 2, 0>, value = 0.5 : f64} : (tensor<4x6xf32>) -> tensor<7x5xf32>
  return %0 : tensor<7x5xf32>
}

// -----

// Reflect pad: |i - pad| mirrored at the end, read with tensor.extract.
// CHECK-LABEL: func @pad_reflect
// CHECK: linalg.generic
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: tensor.extract
func.func @pad_reflect(%x: tensor<4xf32>) -> tensor<8xf32> {
  %0 = graph.pad %x {pads = array<i64: 2, 2>, mode = "reflect"} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// dynamic_slice reads its bounds at run time, clamps them as ONNX does and
// takes one extract_slice window on the listed axis.
// CHECK-LABEL: func.func @dynamic_slice
// CHECK: %[[B:.+]] = tensor.extract %arg1
// CHECK: arith.index_cast %[[B]]
// CHECK: %[[E:.+]] = tensor.extract %arg2
// CHECK: arith.select
// CHECK: arith.ceildivsi
// CHECK: tensor.extract_slice %arg0[0, %{{.+}}] [1, %{{.+}}] [1, 1] : tensor<1x64xf32> to tensor<1x?xf32>
func.func @dynamic_slice(%x: tensor<1x64xf32>, %b: tensor<1xi64>, %e: tensor<1xi64>) -> tensor<1x?xf32> {
  %0 = graph.dynamic_slice %x, %b, %e {axes = array<i64: 1>, steps = array<i64: 1>} : (tensor<1x64xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x?xf32>
  return %0 : tensor<1x?xf32>
}
