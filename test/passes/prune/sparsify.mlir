// RUN: mica-opt %s --mica-sparsify="pattern=2:4" --split-input-file | FileCheck %s
// RUN: mica-opt %s --mica-sparsify="ratio=0.5" --split-input-file | FileCheck %s --check-prefix=RATIO
// RUN: mica-opt %s --mica-sparsify --split-input-file | FileCheck %s --check-prefix=NONE
// RUN: not mica-opt %s --mica-sparsify="pattern=4:4" --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not mica-opt %s --mica-sparsify="pattern=2:4 ratio=0.5" --split-input-file 2>&1 | FileCheck %s --check-prefix=BOTH

// A linear layer [N=2, K=8]: 2:4 keeps the two largest |w| of each run of
// four inputs (ties: the first); ratio=0.5 the eight largest of sixteen.
// The bias is not touched.
// CHECK-LABEL: func.func @linear
// CHECK-DAG: graph.constant dense<{{\[\[}}0.000000e+00, -4.000000e+00, 3.000000e+00, 0.000000e+00, 5.000000e+00, 0.000000e+00, 0.000000e+00, -6.000000e+00], [1.000000e+00, 1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 8.000000e+00, 0.000000e+00, 9.000000e+00]]> : tensor<2x8xf32>
// CHECK-DAG: graph.constant dense<1.000000e-01> : tensor<2xf32>
// RATIO-LABEL: func.func @linear
// RATIO: graph.constant dense<{{\[\[}}0.000000e+00, -4.000000e+00, 3.000000e+00, 2.000000e+00, 5.000000e+00, 0.000000e+00, 0.000000e+00, -6.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 7.000000e+00, 8.000000e+00, 0.000000e+00, 9.000000e+00]]> : tensor<2x8xf32>
// NONE-LABEL: func.func @linear
// NONE: graph.constant dense<{{\[\[}}1.000000e+00, -4.000000e+00, 3.000000e+00, 2.000000e+00
// BAD: mica-sparsify: pattern '4:4' is not N:M with 1 <= N < M <= 64
// BOTH: mica-sparsify: give either a pattern or a ratio
func.func @linear(%x: tensor<1x8xf32>) -> tensor<1x2xf32> {
  %w = graph.constant dense<[[1.0, -4.0, 3.0, 2.0, 5.0, 0.5, -0.5, -6.0], [1.0, 1.0, 1.0, 1.0, 7.0, 8.0, 0.0, 9.0]]> : tensor<2x8xf32>
  %b = graph.constant dense<0.1> : tensor<2xf32>
  %y = graph.fully_connected %x, %w, %b : (tensor<1x8xf32>, tensor<2x8xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A product's constant rhs [K=4, N=2] is reduced over its rows: the runs of
// four go down each column. A convolution's runs go along its input
// channels at each kernel position: [O=1, C=4, 1, 2] keeps two of the four
// channels per position. One on 3 input channels is left dense.
// CHECK-LABEL: func.func @columns_and_channels
// CHECK-DAG: graph.constant dense<{{\[\[}}0.000000e+00, 5.000000e+00], [2.000000e+00, 0.000000e+00], [3.000000e+00, 0.000000e+00], [0.000000e+00, 6.000000e+00]]> : tensor<4x2xf32>
// CHECK-DAG: graph.constant dense<{{\[\[\[\[}}0.000000e+00, 4.000000e+00]], {{\[\[}}2.000000e+00, 0.000000e+00]], {{\[\[}}3.000000e+00, 0.000000e+00]], {{\[\[}}0.000000e+00, 5.000000e+00]]]]> : tensor<1x4x1x2xf32>
// CHECK-DAG: graph.constant dense<1.000000e+00> : tensor<2x3x1x1xf32>
// RATIO-LABEL: func.func @columns_and_channels
// RATIO-DAG: graph.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}1.000000e+00]], {{\[\[}}1.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}0.000000e+00]], {{\[\[}}0.000000e+00]]]]> : tensor<2x3x1x1xf32>
func.func @columns_and_channels(%x: tensor<3x4xf32>, %img: tensor<1x4x2x2xf32>, %rgb: tensor<1x3x2x2xf32>) -> (tensor<3x2xf32>, tensor<1x1x2x1xf32>, tensor<1x2x2x2xf32>) {
  %w = graph.constant dense<[[1.0, 5.0], [2.0, 1.0], [3.0, 1.0], [1.0, 6.0]]> : tensor<4x2xf32>
  %y = graph.matmul %x, %w : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  %k = graph.constant dense<[[[[1.0, 4.0]], [[2.0, 1.0]], [[3.0, 1.0]], [[1.0, 5.0]]]]> : tensor<1x4x1x2xf32>
  %c = graph.conv %img, %k {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x2x2xf32>, tensor<1x4x1x2xf32>) -> tensor<1x1x2x1xf32>
  %k3 = graph.constant dense<1.0> : tensor<2x3x1x1xf32>
  %c3 = graph.conv %rgb, %k3 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x2x2xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x2x2xf32>
  return %y, %c, %c3 : tensor<3x2xf32>, tensor<1x1x2x1xf32>, tensor<1x2x2x2xf32>
}
