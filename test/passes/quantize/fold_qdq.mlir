// RUN: mica-opt %s --mica-fold-qdq --split-input-file | FileCheck %s

// A quantize whose users are all dequantizes with its parameters goes with
// them; its input gets the range those parameters quantise exactly: uint8,
// scale 0.1, zero point 128 is [(0 - 128) 0.1, (255 - 128) 0.1].
// CHECK-LABEL: func.func @pair
// CHECK: %[[R:.+]] = graph.relu %arg0 {mica.model_grid, mica.range = array<f64: -1.280000e+01, 12.7{{0*[0-9]?}}>}
// CHECK-NOT: graph.quantize
// CHECK: graph.tanh %[[R]]
func.func @pair(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = graph.relu %x : tensor<4xf32>
  %q = graph.quantize %r {scale = 0.1 : f64, zero_point = 128 : i64} : tensor<4xf32> -> tensor<4xui8>
  %d = graph.dequantize %q {scale = 0.1 : f64, zero_point = 128 : i64} : tensor<4xui8> -> tensor<4xf32>
  %t = graph.tanh %d : tensor<4xf32>
  return %t : tensor<4xf32>
}

// -----

// A value computed only to be quantised (a QOperator op's output in its QDQ
// form) takes the grid of that quantisation, and the model's own grid is
// marked, even where its integers leave the model.
// CHECK-LABEL: func.func @quantised_only
// CHECK: graph.relu %arg0 {mica.model_grid, mica.range = array<f64: -5.000000e-01, 1.270000e+02>}
// CHECK: %[[Q:.+]] = graph.quantize
// CHECK: return %[[Q]]
func.func @quantised_only(%x: tensor<4xf32>) -> tensor<4xui8> {
  %r = graph.relu %x : tensor<4xf32>
  %q = graph.quantize %r {scale = 0.5 : f64, zero_point = 1 : i64} : tensor<4xf32> -> tensor<4xui8>
  return %q : tensor<4xui8>
}

// -----

// Data movement on quantised integers (a uint8 max pool between two QLinear
// ops) takes the QDQ form of its neighbours: quantize(max_pool(x)), the
// same integers, whose pair then folds like the others.
// CHECK-LABEL: func.func @moved_integers
// CHECK: %[[R:.+]] = graph.relu %arg0 {mica.model_grid, mica.range = array<f64: -5.000000e-01, 1.270000e+02>}
// CHECK: %[[P:.+]] = graph.max_pool %[[R]] {{.*}}mica.model_grid, mica.range = array<f64: -5.000000e-01, 1.270000e+02>{{.*}} : (tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32>
// CHECK-NOT: graph.quantize
// CHECK: graph.tanh %[[P]]
func.func @moved_integers(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32> {
  %r = graph.relu %x : tensor<1x1x2x2xf32>
  %q = graph.quantize %r {scale = 0.5 : f64, zero_point = 1 : i64} : tensor<1x1x2x2xf32> -> tensor<1x1x2x2xui8>
  %p = graph.max_pool %q {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x2x2xui8>) -> tensor<1x1x1x1xui8>
  %d = graph.dequantize %p {scale = 0.5 : f64, zero_point = 1 : i64} : tensor<1x1x1x1xui8> -> tensor<1x1x1x1xf32>
  %t = graph.tanh %d : tensor<1x1x1x1xf32>
  return %t : tensor<1x1x1x1xf32>
}

// -----

// A value that a float op reads besides the quantize gets no range there:
// its float readers would see the rounding.
// CHECK-LABEL: func.func @also_float
// CHECK-NOT: mica.range
func.func @also_float(%x: tensor<4xf32>) -> (tensor<4xui8>, tensor<4xf32>) {
  %r = graph.relu %x : tensor<4xf32>
  %q = graph.quantize %r {scale = 0.1 : f64, zero_point = 0 : i64} : tensor<4xf32> -> tensor<4xui8>
  %t = graph.tanh %r : tensor<4xf32>
  return %q, %t : tensor<4xui8>, tensor<4xf32>
}
