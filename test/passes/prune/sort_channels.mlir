// RUN: mica-opt %s --mica-sort-channels --split-input-file | FileCheck %s
// RUN: mica-opt %s --mica-sort-channels --mica-annotate-width --split-input-file | FileCheck %s --check-prefix=WIDTH
// RUN: mica-opt %s --mica-sort-channels="round=2" --split-input-file | FileCheck %s --check-prefix=ROUND
// RUN: mica-opt %s --mica-annotate-width --split-input-file | FileCheck %s --check-prefix=UNSORTED
// RUN: not mica-opt %s --mica-sort-channels="score=data" --split-input-file 2>&1 | FileCheck %s --check-prefix=DATA

// conv1's four channels score 11, 5.1, 32 and 0.2 (mean |w| of their
// filters plus |bias|): sorted, the rows and the bias are channels 2, 0,
// 1, 3, and
// conv2's input columns follow (its own channels reach the output: not a
// group). The first k sorted channels are those --prune keeps with k.
// CHECK: module attributes {exec.width_groups = [{channels = 4 : i64, node = "", op = "conv", round = 1 : i64}]}
// CHECK-LABEL: func.func @chain
// CHECK: %[[W1:.*]] = graph.constant dense<{{\[}}{{\[}}{{\[}}[2.000000e+00]], {{\[}}[2.000000e+00]]], {{\[}}{{\[}}[1.000000e+00]], {{\[}}[-1.000000e+00]]], {{\[}}{{\[}}[1.000000e-01]], {{\[}}[1.000000e-01]]], {{\[}}{{\[}}[-2.000000e-01]], {{\[}}[2.000000e-01]]]]>
// CHECK: %[[B1:.*]] = graph.constant dense<[3.000000e+01, 1.000000e+01, 5.000000e+00, 0.000000e+00]>
// CHECK: %[[W2:.*]] = graph.constant dense<{{\[}}{{\[}}{{\[}}[3.000000e+00]], {{\[}}[1.000000e+00]], {{\[}}[2.000000e+00]], {{\[}}[4.000000e+00]]]]>
// CHECK: graph.conv %arg0, %[[W1]], %[[B1]] {dilations = array<i64: 1, 1>, mica.width_group = 0 : i64
// CHECK: graph.conv %{{.*}}, %[[W2]] {dilations = array<i64: 1, 1>, pads
// ROUND: exec.width_groups = [{channels = 4 : i64, node = "", op = "conv", round = 2 : i64}]
// WIDTH: exec.width_groups = [{bounded = true, channels = 4 : i64, node = "", op = "conv", round = 1 : i64}]
// WIDTH-LABEL: func.func @chain
// WIDTH: graph.conv %arg0, {{.*}}mica.width = {n = array<i64: 0, 1>}
// WIDTH: graph.conv {{.*}}mica.width = {k = array<i64: 0, 1>}
// UNSORTED-LABEL: func.func @chain
// UNSORTED-NOT: mica.width
// DATA: sortable width: unknown score 'data'
func.func @chain(%x: tensor<1x2x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w1 = graph.constant dense<[[[[1.0]], [[-1.0]]], [[[0.1]], [[0.1]]], [[[2.0]], [[2.0]]], [[[-0.2]], [[0.2]]]]> : tensor<4x2x1x1xf32>
  %b1 = graph.constant dense<[10.0, 5.0, 30.0, 0.0]> : tensor<4xf32>
  %w2 = graph.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]]> : tensor<1x4x1x1xf32>
  %c1 = graph.conv %x, %w1, %b1 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %r = graph.relu %c1 : tensor<1x4x4x4xf32>
  %c2 = graph.conv %r, %w2 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>) -> tensor<1x1x4x4xf32>
  return %c2 : tensor<1x1x4x4xf32>
}

// -----

// A residual add: one group written by both convs (both bounded on their
// outputs, the second reads it too); the flatten reads each channel as 4
// features (scale 4) in the sorted order.
// WIDTH-LABEL: func.func @residual_flatten
// WIDTH: graph.conv %arg0, {{.*}}mica.width = {n = array<i64: 0, 1>}
// WIDTH: graph.conv {{.*}}mica.width = {k = array<i64: 0, 1>, n = array<i64: 0, 1>}
// WIDTH: graph.fully_connected {{.*}}mica.width = {k = array<i64: 0, 4>}
func.func @residual_flatten(%x: tensor<1x2x2x2xf32>) -> tensor<1x3xf32> {
  %wa = graph.constant dense<[[[[0.1]], [[0.1]]], [[[1.0]], [[1.0]]], [[[2.0]], [[2.0]]], [[[0.1]], [[0.1]]]]> : tensor<4x2x1x1xf32>
  %wb = graph.constant dense<0.5> : tensor<4x4x1x1xf32>
  %wf = graph.constant dense<0.5> : tensor<3x16xf32>
  %a = graph.conv %x, %wa {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x2x2xf32>
  %b = graph.conv %a, %wb {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x2x2xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x2xf32>
  %s = graph.add %a, %b : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %f = graph.reshape %s {new_shape = array<i64: 1, -1>} : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>
  %y = graph.fully_connected %f, %wf : (tensor<1x16xf32>, tensor<3x16xf32>) -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}

// -----

// Two producers concatenated: their groups hold positions of the concat
// result among others' channels, so neither is bounded (the reason is
// recorded); sorting still permutes each within its own positions.
// WIDTH: exec.width_groups = [{bounded = false, channels = 2 : i64, node = "", op = "conv", reason = "the result of concat at node '' holds its channels among others, which conv at node '' reads", round = 1 : i64}, {bounded = false, channels = 2 : i64, node = "", op = "conv", reason = "the result of concat at node '' holds its channels among others, which conv at node '' reads", round = 1 : i64}]
// CHECK-LABEL: func.func @concat
// CHECK: graph.constant dense<{{\[}}{{\[}}{{\[}}[3.000000e+00]], {{\[}}[5.000000e-01]]], {{\[}}{{\[}}[1.000000e+00]], {{\[}}[1.000000e+00]]]]>
// WIDTH-LABEL: func.func @concat
// WIDTH-NOT: mica.width =
func.func @concat(%x: tensor<1x2x4x4xf32>) -> tensor<1x5x4x4xf32> {
  %wp = graph.constant dense<[[[[1.0]], [[1.0]]], [[[3.0]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %wq = graph.constant dense<[[[[1.0]], [[1.0]]], [[[0.5]], [[0.5]]]]> : tensor<2x2x1x1xf32>
  %wo = graph.constant dense<1.0> : tensor<5x4x1x1xf32>
  %p = graph.conv %x, %wp {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = graph.conv %x, %wq {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %c = graph.concat %p, %q {axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %o = graph.conv %c, %wo {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<5x4x1x1xf32>) -> tensor<1x5x4x4xf32>
  return %o : tensor<1x5x4x4xf32>
}

// -----

// An inverted residual's middle: the group passes through the depthwise
// convolution, which computes only the active channels too.
// WIDTH-LABEL: func.func @depthwise
// WIDTH: graph.conv %arg0, {{.*}}mica.width = {n = array<i64: 0, 1>}
// WIDTH: graph.conv {{.*}}groups = 4 : i64, mica.width = {n = array<i64: 0, 1>}
// WIDTH: graph.conv {{.*}}mica.width = {k = array<i64: 0, 1>}
func.func @depthwise(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w1 = graph.constant dense<[[[[1.0]], [[1.0]]], [[[0.5]], [[0.5]]], [[[3.0]], [[1.0]]], [[[0.1]], [[0.5]]]]> : tensor<4x2x1x1xf32>
  %wd = graph.constant dense<0.25> : tensor<4x1x3x3xf32>
  %wo = graph.constant dense<1.0> : tensor<3x4x1x1xf32>
  %a = graph.conv %x, %w1 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %d = graph.conv %a, %wd {dilations = array<i64: 1, 1>, groups = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  %o = graph.conv %d, %wo {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<3x4x1x1xf32>) -> tensor<1x3x4x4xf32>
  return %o : tensor<1x3x4x4xf32>
}
