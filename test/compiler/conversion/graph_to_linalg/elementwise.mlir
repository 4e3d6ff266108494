// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// Elementwise graph ops become one linalg.generic each; numpy broadcasting
// lives in the indexing maps and `?` dims are read with tensor.dim.

// A unary op on a dynamic dim: identity maps, the result sized by tensor.dim.
// CHECK-LABEL: func @relu_dynamic
// CHECK-SAME: (%[[X:.+]]: tensor<?x8xf32>)
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x8xf32>
// CHECK: %[[E:.+]] = tensor.empty(%[[D]]) : tensor<?x8xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%[[X]] : tensor<?x8xf32>) outs(%[[E]] : tensor<?x8xf32>)
// CHECK: arith.maximumf
// CHECK-NOT: graph.
func.func @relu_dynamic(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = graph.relu %x : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Broadcasting: a rank-1 rhs is aligned right, a static 1 against `?` reads
// index 0.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[B1:.+]] = affine_map<(d0, d1, d2) -> (0, d1, d2)>
// CHECK-LABEL: func @add_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
// CHECK: arith.addf
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[B1]], #[[ID]]]
// CHECK: arith.mulf
func.func @add_broadcast(%x: tensor<?x4x8xf32>, %b: tensor<8xf32>, %s: tensor<1x4x8xf32>) -> tensor<?x4x8xf32> {
  %0 = graph.add %x, %b : (tensor<?x4x8xf32>, tensor<8xf32>) -> tensor<?x4x8xf32>
  %1 = graph.mul %0, %s : (tensor<?x4x8xf32>, tensor<1x4x8xf32>) -> tensor<?x4x8xf32>
  return %1 : tensor<?x4x8xf32>
}

// -----

// Activations are written out in arith/math: hard_swish as
// x * clamp(x / 6 + 1/2, 0, 1), sigmoid as 1 / (1 + exp(-x)), gelu with erf.
// CHECK-LABEL: func @activations
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: arith.mulf
// CHECK: linalg.generic
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.generic
// CHECK: math.erf
func.func @activations(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %0 = graph.hard_swish %x : tensor<2x?xf32>
  %1 = graph.sigmoid %0 : tensor<2x?xf32>
  %2 = graph.gelu %1 : tensor<2x?xf32>
  return %2 : tensor<2x?xf32>
}

// -----

// Integer ops use signed arith; comparisons produce i1; select broadcasts
// all three operands.
// CHECK-LABEL: func @integer_compare_select
// CHECK: arith.divsi
// CHECK: arith.cmpi slt
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}}, %{{.+}} : tensor<4x?xi1>, tensor<4x?xi64>, tensor<i64>)
// CHECK: arith.select
func.func @integer_compare_select(%a: tensor<4x?xi64>, %b: tensor<?xi64>, %z: tensor<i64>) -> tensor<4x?xi64> {
  %0 = graph.div %a, %b : (tensor<4x?xi64>, tensor<?xi64>) -> tensor<4x?xi64>
  %1 = graph.less %0, %a : (tensor<4x?xi64>, tensor<4x?xi64>) -> tensor<4x?xi1>
  %2 = graph.select %1, %0, %z : (tensor<4x?xi1>, tensor<4x?xi64>, tensor<i64>) -> tensor<4x?xi64>
  return %2 : tensor<4x?xi64>
}

// -----

// Cast follows ONNX: float -> int truncates (fptosi), int -> bool is != 0.
// CHECK-LABEL: func @cast
// CHECK: arith.fptosi %{{.+}} : f32 to i64
// CHECK: arith.cmpi ne
func.func @cast(%x: tensor<?x3xf32>) -> tensor<?x3xi1> {
  %0 = graph.cast %x : tensor<?x3xf32> -> tensor<?x3xi64>
  %1 = graph.cast %0 : tensor<?x3xi64> -> tensor<?x3xi1>
  return %1 : tensor<?x3xi1>
}

// -----

// Constants become arith.constant with the same attribute.
// CHECK-LABEL: func @constant
// CHECK: %[[C:.+]] = arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: return %[[C]]
func.func @constant() -> tensor<2xf32> {
  %0 = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Clamp (relu6) on a static shape: max then min with the attribute bounds.
// CHECK-LABEL: func @clamp
// CHECK: %[[LO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[MAX:.+]] = arith.maximumf %{{.+}}, %[[LO]]
// CHECK: %[[HI:.+]] = arith.constant 6.000000e+00 : f32
// CHECK: arith.minimumf %[[MAX]], %[[HI]]
func.func @clamp(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %0 = graph.clamp %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}
