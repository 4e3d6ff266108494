// RUN: mica-opt %s -split-input-file -canonicalize | FileCheck %s

// Folds and canonicalisation patterns of the graph dialect.

// shape_of of a static shape is a constant.
// CHECK-LABEL: func @shape_of_static
func.func @shape_of_static(%x: tensor<2x3x4xf32>) -> tensor<3xi64> {
  // CHECK: %[[C:.+]] = graph.constant dense<[2, 3, 4]> : tensor<3xi64>
  // CHECK: return %[[C]]
  %0 = graph.shape_of %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// shape_of of a dynamic shape stays.
// CHECK-LABEL: func @shape_of_dynamic
func.func @shape_of_dynamic(%x: tensor<?x3xf32>) -> tensor<2xi64> {
  // CHECK: graph.shape_of
  %0 = graph.shape_of %x : (tensor<?x3xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// A whole shape subgraph (shape_of, gather, mul, concat) folds and the
// reshape's constant shape operand becomes its new_shape attribute.
// CHECK-LABEL: func @shape_subgraph
func.func @shape_subgraph(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %s = graph.shape_of %x : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %i0 = graph.constant dense<[0]> : tensor<1xi64>
  %i12 = graph.constant dense<[1, 2]> : tensor<2xi64>
  %n = graph.gather %s, %i0 {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %hw = graph.gather %s, %i12 {axis = 0 : i64} : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %h = graph.slice %hw {starts = array<i64: 0>, ends = array<i64: 1>, steps = array<i64: 1>} : (tensor<2xi64>) -> tensor<1xi64>
  %w = graph.slice %hw {starts = array<i64: -1>, ends = array<i64: 9223372036854775807>, steps = array<i64: 1>} : (tensor<2xi64>) -> tensor<1xi64>
  %f = graph.mul %h, %w : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %shape = graph.concat %n, %f {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  // CHECK: %[[R:.+]] = graph.reshape %{{.+}} {new_shape = array<i64: 2, 12>} : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  // CHECK-NEXT: return %[[R]]
  %r = graph.reshape %x, %shape : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
  return %r : tensor<2x12xf32>
}

// -----

// Integer arithmetic folds with broadcasting; ONNX Mod takes the divisor's sign.
// CHECK-LABEL: func @int_arith
func.func @int_arith() -> (tensor<2x2xi64>, tensor<3xi32>, tensor<3xi32>, tensor<3xi1>) {
  %a = graph.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %b = graph.constant dense<[10, 20]> : tensor<2xi64>
  %c = graph.constant dense<[7, -7, 7]> : tensor<3xi32>
  %d = graph.constant dense<[2, 2, -2]> : tensor<3xi32>
  // CHECK-DAG: graph.constant dense<{{\[}}[11, 22], [13, 24]]> : tensor<2x2xi64>
  %0 = graph.add %a, %b : (tensor<2x2xi64>, tensor<2xi64>) -> tensor<2x2xi64>
  // CHECK-DAG: graph.constant dense<[3, -3, -3]> : tensor<3xi32>
  %1 = graph.div %c, %d : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  // CHECK-DAG: graph.constant dense<[1, 1, -1]> : tensor<3xi32>
  %2 = graph.mod %c, %d : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  // CHECK-DAG: graph.constant dense<[false, true, false]> : tensor<3xi1>
  %3 = graph.less %c, %d : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi1>
  // CHECK-NOT: graph.add
  // CHECK-NOT: graph.div
  return %0, %1, %2, %3 : tensor<2x2xi64>, tensor<3xi32>, tensor<3xi32>, tensor<3xi1>
}

// -----

// Division by a constant zero is left alone.
// CHECK-LABEL: func @int_div_zero
func.func @int_div_zero() -> tensor<1xi32> {
  %a = graph.constant dense<[1]> : tensor<1xi32>
  %z = graph.constant dense<[0]> : tensor<1xi32>
  // CHECK: graph.div
  %0 = graph.div %a, %z : (tensor<1xi32>, tensor<1xi32>) -> tensor<1xi32>
  return %0 : tensor<1xi32>
}

// -----

// Integer casts fold; a cast to the same type is the identity.
// CHECK-LABEL: func @cast
func.func @cast(%x: tensor<3xf32>) -> (tensor<3xi32>, tensor<3xf32>) {
  %a = graph.constant dense<[1, -2, 300]> : tensor<3xi64>
  // CHECK-DAG: %[[C:.+]] = graph.constant dense<[1, -2, 300]> : tensor<3xi32>
  %0 = graph.cast %a : tensor<3xi64> -> tensor<3xi32>
  %1 = graph.cast %x : tensor<3xf32> -> tensor<3xf32>
  // CHECK: return %[[C]], %arg0
  return %0, %1 : tensor<3xi32>, tensor<3xf32>
}

// -----

// Constant transpose folds; identity transposes vanish; nested ones compose.
// CHECK-LABEL: func @transpose
func.func @transpose(%x: tensor<2x3x4xf32>) -> (tensor<3x2xi64>, tensor<2x3x4xf32>, tensor<4x2x3xf32>) {
  %a = graph.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  // CHECK-DAG: graph.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
  %0 = graph.transpose %a {perm = array<i64: 1, 0>} : (tensor<2x3xi64>) -> tensor<3x2xi64>
  %1 = graph.transpose %x {perm = array<i64: 0, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: %[[T:.+]] = graph.transpose %arg0 {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %2 = graph.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %3 = graph.transpose %2 {perm = array<i64: 1, 2, 0>} : (tensor<3x4x2xf32>) -> tensor<4x2x3xf32>
  // CHECK: return %{{.+}}, %arg0, %[[T]]
  return %0, %1, %3 : tensor<3x2xi64>, tensor<2x3x4xf32>, tensor<4x2x3xf32>
}

// -----

// Transposes that undo each other fold to their input.
// CHECK-LABEL: func @transpose_inverse
func.func @transpose_inverse(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = graph.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = graph.transpose %0 {perm = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  // CHECK-NOT: graph.transpose
  // CHECK: return %arg0
  return %1 : tensor<2x3xf32>
}

// -----

// reshape of reshape composes; identity reshape vanishes; constants reshape.
// CHECK-LABEL: func @reshape
func.func @reshape(%x: tensor<?x4x5xf32>, %y: tensor<2x6xf32>) -> (tensor<?x5xf32>, tensor<2x6xf32>, tensor<2x1xi64>) {
  // CHECK-DAG: graph.constant dense<{{\[}}[7], [8]]> : tensor<2x1xi64>
  // CHECK-DAG: %[[R:.+]] = graph.reshape %arg0 {new_shape = array<i64: -1, 5>} : (tensor<?x4x5xf32>) -> tensor<?x5xf32>
  %0 = graph.reshape %x {new_shape = array<i64: 0, -1>} : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
  %1 = graph.reshape %0 {new_shape = array<i64: -1, 5>} : (tensor<?x20xf32>) -> tensor<?x5xf32>
  %2 = graph.reshape %y {new_shape = array<i64: 2, 6>} : (tensor<2x6xf32>) -> tensor<2x6xf32>
  %c = graph.constant dense<[7, 8]> : tensor<2xi64>
  %3 = graph.reshape %c {new_shape = array<i64: 2, 1>} : (tensor<2xi64>) -> tensor<2x1xi64>
  // CHECK: return %[[R]], %arg1
  return %1, %2, %3 : tensor<?x5xf32>, tensor<2x6xf32>, tensor<2x1xi64>
}

// -----

// A reshape whose target copies (0) a dynamic intermediate dim is not
// composed with the reshape producing that dim; chains without 0 collapse.
// CHECK-LABEL: func @reshape_zero_kept
func.func @reshape_zero_kept(%x: tensor<?x20xf32>) -> (tensor<?x20xf32>, tensor<?x5xf32>) {
  // CHECK: %[[A:.+]] = graph.reshape %arg0 {new_shape = array<i64: -1, 4, 5>}
  // CHECK: %[[B:.+]] = graph.reshape %[[A]] {new_shape = array<i64: 0, 20>}
  // CHECK: %[[C:.+]] = graph.reshape %arg0 {new_shape = array<i64: -1, 5>}
  // CHECK: return %[[B]], %[[C]]
  %0 = graph.reshape %x {new_shape = array<i64: -1, 4, 5>} : (tensor<?x20xf32>) -> tensor<?x4x5xf32>
  %1 = graph.reshape %0 {new_shape = array<i64: 0, 20>} : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
  %2 = graph.reshape %0 {new_shape = array<i64: 0, 0, 5>} : (tensor<?x4x5xf32>) -> tensor<?x4x5xf32>
  %3 = graph.reshape %2 {new_shape = array<i64: -1, 5>} : (tensor<?x4x5xf32>) -> tensor<?x5xf32>
  return %1, %3 : tensor<?x20xf32>, tensor<?x5xf32>
}

// -----

// Constant slices and gathers fold; a full slice is the identity.
// CHECK-LABEL: func @slice_gather
func.func @slice_gather(%x: tensor<4xf32>) -> (tensor<2xi64>, tensor<2x2xi64>, tensor<4xf32>) {
  %a = graph.constant dense<[10, 20, 30, 40, 50]> : tensor<5xi64>
  // CHECK-DAG: graph.constant dense<[50, 30]> : tensor<2xi64>
  %0 = graph.slice %a {starts = array<i64: -1>, ends = array<i64: -9223372036854775808>, steps = array<i64: -2>} : (tensor<5xi64>) -> tensor<3xi64>
  %i = graph.constant dense<[0, 1]> : tensor<2xi64>
  %1 = graph.gather %0, %i {axis = 0 : i64} : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %m = graph.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %j = graph.constant dense<[-1, 0]> : tensor<2xi32>
  // CHECK-DAG: graph.constant dense<{{\[}}[2, 1], [4, 3]]> : tensor<2x2xi64>
  %2 = graph.gather %m, %j {axis = 1 : i64} : (tensor<2x2xi64>, tensor<2xi32>) -> tensor<2x2xi64>
  %3 = graph.slice %x {starts = array<i64: 0>, ends = array<i64: 9223372036854775807>, steps = array<i64: 1>} : (tensor<4xf32>) -> tensor<4xf32>
  // CHECK: return %{{.+}}, %{{.+}}, %arg0
  return %1, %2, %3 : tensor<2xi64>, tensor<2x2xi64>, tensor<4xf32>
}

// -----

// broadcast_to to the input's own type is the identity; splats broadcast.
// CHECK-LABEL: func @broadcast_to
func.func @broadcast_to(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<2x3xi64>) {
  %0 = graph.broadcast_to %x {shape = array<i64: 1, 4>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %c = graph.constant dense<7> : tensor<1xi64>
  // CHECK: %[[C:.+]] = graph.constant dense<7> : tensor<2x3xi64>
  %1 = graph.broadcast_to %c {shape = array<i64: 2, 3>} : (tensor<1xi64>) -> tensor<2x3xi64>
  // CHECK: return %arg0, %[[C]]
  return %0, %1 : tensor<?x4xf32>, tensor<2x3xi64>
}

// -----

// A single-input concat is its input.
// CHECK-LABEL: func @concat_single
func.func @concat_single(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = graph.concat %x {axis = 0 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  // CHECK: return %arg0
  return %0 : tensor<?x4xf32>
}

// -----

// batch_norm folds into the conv feeding it:
//   k = scale / sqrt(var + eps) = [1 / sqrt(3 + 1), 2 / sqrt(15 + 1)] = [0.5, 0.5]
//   W' = W * k = [2 * 0.5, 3 * 0.5] = [1.0, 1.5]
//   b' = (b - mean) * k + bias = [(1 - 1) * 0.5 + 0.5, (-1 - 1) * 0.5 + 0] = [0.5, -1.0]
// CHECK-LABEL: func @batch_norm_into_conv
func.func @batch_norm_into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = graph.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %b = graph.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %scale = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %bias = graph.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %mean = graph.constant dense<1.0> : tensor<2xf32>
  %var = graph.constant dense<[3.0, 15.0]> : tensor<2xf32>
  // CHECK-DAG: %[[W:.+]] = graph.constant dense<{{\[}}{{\[}}{{\[}}[1.000000e+00]]], {{\[}}{{\[}}[1.500000e+00]]]]> : tensor<2x1x1x1xf32>
  // CHECK-DAG: %[[B:.+]] = graph.constant dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>
  // CHECK: %[[Y:.+]] = graph.conv %arg0, %[[W]], %[[B]]
  // CHECK-NOT: graph.batch_norm
  // CHECK: return %[[Y]]
  %y = graph.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %z = graph.batch_norm %y, %scale, %bias, %mean, %var {epsilon = 1.0 : f64}
      : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %z : tensor<1x2x4x4xf32>
}

// -----

// Without a conv bias, b' = bias - mean * k.
// CHECK-LABEL: func @batch_norm_into_conv_no_bias
func.func @batch_norm_into_conv_no_bias(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %w = graph.constant dense<4.0> : tensor<1x1x1x1xf32>
  %one = graph.constant dense<1.0> : tensor<1xf32>
  %mean = graph.constant dense<2.0> : tensor<1xf32>
  %var = graph.constant dense<0.0> : tensor<1xf32>
  // k = 1 / sqrt(0 + 0.25) = 2; W' = 8; b' = (0 - 2) * 2 + 1 = -3
  // CHECK-DAG: %[[W:.+]] = graph.constant dense<8.000000e+00> : tensor<1x1x1x1xf32>
  // CHECK-DAG: %[[B:.+]] = graph.constant dense<-3.000000e+00> : tensor<1xf32>
  // CHECK: graph.conv %arg0, %[[W]], %[[B]]
  %y = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  %z = graph.batch_norm %y, %one, %one, %mean, %var {epsilon = 0.25 : f64}
      : (tensor<1x1x4x4xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  return %z : tensor<1x1x4x4xf32>
}

// -----

// A conv with another use keeps its batch_norm.
// CHECK-LABEL: func @batch_norm_conv_multi_use
func.func @batch_norm_conv_multi_use(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %w = graph.constant dense<4.0> : tensor<1x1x1x1xf32>
  %one = graph.constant dense<1.0> : tensor<1xf32>
  // CHECK: graph.batch_norm
  %y = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  %z = graph.batch_norm %y, %one, %one, %one, %one
      : (tensor<1x1x4x4xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1x4x4xf32>
  return %y, %z : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// Only f32 folds; an f16 conv keeps its batch_norm.
// CHECK-LABEL: func @batch_norm_f16
func.func @batch_norm_f16(%x: tensor<1x1x4x4xf16>) -> tensor<1x1x4x4xf16> {
  %w = graph.constant dense<4.0> : tensor<1x1x1x1xf16>
  %one = graph.constant dense<1.0> : tensor<1xf16>
  // CHECK: graph.batch_norm
  %y = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : (tensor<1x1x4x4xf16>, tensor<1x1x1x1xf16>) -> tensor<1x1x4x4xf16>
  %z = graph.batch_norm %y, %one, %one, %one, %one
      : (tensor<1x1x4x4xf16>, tensor<1xf16>, tensor<1xf16>, tensor<1xf16>, tensor<1xf16>) -> tensor<1x1x4x4xf16>
  return %z : tensor<1x1x4x4xf16>
}

// -----

// broadcast_to is not the identity when a `?` dim may be 1 and grow, even if
// the declared result type equals the input type.
// CHECK-LABEL: func @broadcast_to_dynamic_may_grow
func.func @broadcast_to_dynamic_may_grow(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // CHECK: graph.broadcast_to
  %0 = graph.broadcast_to %x {shape = array<i64: 2, 3>} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// shape_of with a dynamic declared result type does not fold into an invalid
// constant.
// CHECK-LABEL: func @shape_of_dynamic_result
func.func @shape_of_dynamic_result(%x: tensor<2x3xf32>) -> tensor<?xi64> {
  // CHECK: graph.shape_of
  %0 = graph.shape_of %x : (tensor<2x3xf32>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// dynamic_slice with constant bounds becomes a static slice over every dim.
// CHECK-LABEL: func @dynamic_slice_constant_bounds
func.func @dynamic_slice_constant_bounds(%x: tensor<1x64xf32>) -> tensor<1x?xf32> {
  %b = graph.constant dense<[2]> : tensor<1xi64>
  %e = graph.constant dense<[10]> : tensor<1xi64>
  // CHECK: graph.slice %{{.+}} {ends = array<i64: 9223372036854775807, 10>, starts = array<i64: 0, 2>, steps = array<i64: 1, 1>} : (tensor<1x64xf32>) -> tensor<1x?xf32>
  %0 = graph.dynamic_slice %x, %b, %e {axes = array<i64: 1>, steps = array<i64: 1>} : (tensor<1x64xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x?xf32>
  return %0 : tensor<1x?xf32>
}

// -----

// floor, ceil and relu of float constants fold (Range's expanded trip
// count: ceil((limit - start) / delta) clamped at 0).
// CHECK-LABEL: func @fold_rounding_relu
// CHECK-DAG: graph.constant dense<[-2.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: graph.constant dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: graph.constant dense<[0.000000e+00, 1.500000e+00]> : tensor<2xf32>
// CHECK-NOT: graph.floor
// CHECK-NOT: graph.ceil
// CHECK-NOT: graph.relu
func.func @fold_rounding_relu() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %c = graph.constant dense<[-1.5, 1.5]> : tensor<2xf32>
  %0 = graph.floor %c : tensor<2xf32>
  %1 = graph.ceil %c : tensor<2xf32>
  %2 = graph.relu %c : tensor<2xf32>
  return %0, %1, %2 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// Boolean ops of constants fold (shape-dependent If conditions).
// CHECK-LABEL: func.func @bool_folds
// CHECK-DAG: %[[NOT:.+]] = graph.constant dense<[false, true]> : tensor<2xi1>
// CHECK-DAG: %[[AND:.+]] = graph.constant dense<[true, false]> : tensor<2xi1>
// CHECK-DAG: %[[OR:.+]] = graph.constant dense<true> : tensor<2xi1>
// CHECK: return %[[NOT]], %[[AND]], %[[OR]], %[[NOT]]
func.func @bool_folds() -> (tensor<2xi1>, tensor<2xi1>, tensor<2xi1>, tensor<2xi1>) {
  %t = graph.constant dense<[true, false]> : tensor<2xi1>
  %f = graph.constant dense<[true, true]> : tensor<2xi1>
  %0 = graph.not %t : tensor<2xi1>
  %1 = graph.and %t, %f : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  %2 = graph.or %0, %t : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  %3 = graph.xor %t, %f : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  return %0, %1, %2, %3 : tensor<2xi1>, tensor<2xi1>, tensor<2xi1>, tensor<2xi1>
}

// -----

// abs of a constant; split of a constant into constants (tf2onnx pads).
// CHECK-LABEL: func.func @abs_split
// CHECK-DAG: graph.constant dense<[3, 4]> : tensor<2xi64>
// CHECK-DAG: graph.constant dense<1.000000e+00> : tensor<1xf32>
// CHECK-DAG: graph.constant dense<[-2.000000e+00, 3.000000e+00, -4.000000e+00]> : tensor<3xf32>
// CHECK-NOT: graph.split
func.func @abs_split() -> (tensor<2xi64>, tensor<1xf32>, tensor<3xf32>) {
  %i = graph.constant dense<[-3, 4]> : tensor<2xi64>
  %0 = graph.abs %i : tensor<2xi64>
  %c = graph.constant dense<[1.0, -2.0, 3.0, -4.0]> : tensor<4xf32>
  %1:2 = graph.split %c {axis = 0 : i64, sizes = array<i64: 1, 3>} : (tensor<4xf32>) -> (tensor<1xf32>, tensor<3xf32>)
  return %0, %1#0, %1#1 : tensor<2xi64>, tensor<1xf32>, tensor<3xf32>
}

// -----

// A gather or slice of a shape that picks only static dims is a constant,
// though other dims are symbolic.
// CHECK-LABEL: func.func @static_dims_of_shape
// CHECK-DAG: %[[D:.+]] = graph.constant dense<4> : tensor<i64>
// CHECK-DAG: %[[S:.+]] = graph.constant dense<[3, 4]> : tensor<2xi64>
// CHECK: return %[[D]], %[[S]]
func.func @static_dims_of_shape(%x: tensor<?x3x4xf32>) -> (tensor<i64>, tensor<2xi64>) {
  %s = graph.shape_of %x : (tensor<?x3x4xf32>) -> tensor<3xi64>
  %i = graph.constant dense<2> : tensor<i64>
  %0 = graph.gather %s, %i {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %1 = graph.slice %s {ends = array<i64: 3>, starts = array<i64: 1>, steps = array<i64: 1>} : (tensor<3xi64>) -> tensor<2xi64>
  return %0, %1 : tensor<i64>, tensor<2xi64>
}

// -----

// A broadcast to a run-time target takes the entries known at compile time
// into its shape (and its result type).
// CHECK-LABEL: func.func @broadcast_known_entries
// CHECK: graph.broadcast_to %{{.+}}, %{{.+}} {shape = array<i64: -1, 4>} : (tensor<f32>, tensor<2xi64>) -> tensor<?x4xf32>
func.func @broadcast_known_entries(%x: tensor<?x3x4xf32>, %n: tensor<1xi64>) -> tensor<?x4xf32> {
  %v = graph.constant dense<5.000000e-01> : tensor<f32>
  %four = graph.constant dense<4> : tensor<1xi64>
  %t = graph.concat %n, %four {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %0 = graph.broadcast_to %v, %t {shape = array<i64: -1, -1>} : (tensor<f32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = tensor.cast %0 : tensor<?x?xf32> to tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// x * sigmoid(x) in either order is graph.silu; a product with the sigmoid
// of another value is not.
// CHECK-LABEL: func.func @silu
// CHECK-NEXT: %[[A:.+]] = graph.silu %arg0 : tensor<2x8xf32>
// CHECK-NEXT: %[[B:.+]] = graph.silu %arg0 : tensor<2x8xf32>
// CHECK-NEXT: %[[S:.+]] = graph.sigmoid %arg1
// CHECK-NEXT: %[[C:.+]] = graph.mul %arg0, %[[S]]
// CHECK-NEXT: return %[[A]], %[[B]], %[[C]]
func.func @silu(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %s = graph.sigmoid %x : tensor<2x8xf32>
  %a = graph.mul %x, %s : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %b = graph.mul %s, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %t = graph.sigmoid %y : tensor<2x8xf32>
  %c = graph.mul %x, %t : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %a, %b, %c : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// GELU written out (torch's export before opset 20): 0.5 * x * (1 + erf(x /
// sqrt(2))) in two groupings, and with x * (1 / sqrt(2)), is graph.gelu; a
// product missing the 0.5 is not.
// CHECK-LABEL: func.func @gelu
// CHECK-DAG: %[[A:.+]] = graph.gelu %arg0 : tensor<4x8xf32>
// CHECK-DAG: %[[B:.+]] = graph.gelu %arg0 : tensor<4x8xf32>
// CHECK-DAG: %[[N:.+]] = graph.mul %arg0, %{{.+}} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK: return %[[A]], %[[B]], %[[N]]
func.func @gelu(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %half = graph.constant dense<0.5> : tensor<f32>
  %one = graph.constant dense<1.0> : tensor<f32>
  %sqrt2 = graph.constant dense<1.41421354> : tensor<f32>
  %rsqrt2 = graph.constant dense<0.707106769> : tensor<f32>
  %d = graph.div %x, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %e = graph.erf %d : tensor<4x8xf32>
  %p = graph.add %e, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %m = graph.mul %x, %p : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %a = graph.mul %m, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %d2 = graph.mul %rsqrt2, %x : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %e2 = graph.erf %d2 : tensor<4x8xf32>
  %p2 = graph.add %one, %e2 : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %h2 = graph.mul %half, %x : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = graph.mul %h2, %p2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %e3 = graph.erf %d : tensor<4x8xf32>
  %p3 = graph.add %e3, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %n = graph.mul %x, %p3 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %a, %b, %n : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// quantize(dequantize(q)) with the same scale is q when nothing else
// changes, and a rescale by 1 where the zero point or signedness does (the
// uint8 image of int8 integers, exactly).
// CHECK-LABEL: func.func @quantize_of_dequantize
// CHECK-NOT: graph.quantize
// CHECK: %[[U:.+]] = graph.rescale %arg0 {input_zero_point = -3 : i64, multiplier = array<i64: 1073741824>, output_zero_point = 125 : i64, shift = array<i64: 30>} : tensor<4xi8> -> tensor<4xui8>
// CHECK: return %arg0, %[[U]]
func.func @quantize_of_dequantize(%q: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xui8>) {
  %d = graph.dequantize %q {scale = 0.1 : f64, zero_point = -3 : i64} : tensor<4xi8> -> tensor<4xf32>
  %same = graph.quantize %d {scale = 0.1 : f64, zero_point = -3 : i64} : tensor<4xf32> -> tensor<4xi8>
  %u = graph.quantize %d {scale = 0.1 : f64, zero_point = 125 : i64} : tensor<4xf32> -> tensor<4xui8>
  return %same, %u : tensor<4xi8>, tensor<4xui8>
}

// -----

// A different scale is a real requantisation (it rounds): it stays.
// CHECK-LABEL: func.func @quantize_of_dequantize_rescaled
// CHECK: graph.quantize
func.func @quantize_of_dequantize_rescaled(%q: tensor<4xi8>) -> tensor<4xi8> {
  %d = graph.dequantize %q {scale = 0.1 : f64, zero_point = 0 : i64} : tensor<4xi8> -> tensor<4xf32>
  %r = graph.quantize %d {scale = 0.2 : f64, zero_point = 0 : i64} : tensor<4xf32> -> tensor<4xi8>
  return %r : tensor<4xi8>
}

// -----

// A constant quantises at compile time, as the op computes it in f32
// (half to even, clamped).
// CHECK-LABEL: func.func @quantize_constant
// CHECK: graph.constant dense<[-1, 2, 2, 127]> : tensor<4xi8>
func.func @quantize_constant() -> tensor<4xi8> {
  %c = graph.constant dense<[-0.1, 0.25, 0.15, 100.0]> : tensor<4xf32>
  %q = graph.quantize %c {scale = 0.1 : f64, zero_point = 0 : i64} : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

// Rescales by exactly 1 that never clamp fold into what reads them: a
// rescale reads the integers before the offset (here back to themselves),
// a dequantize too, with its zero point moved.
// CHECK-LABEL: func.func @exact_offsets
// CHECK-NOT: graph.rescale
// CHECK: %[[D:.+]] = graph.dequantize %arg0 {scale = 1.000000e-01 : f64, zero_point = 4 : i64} : tensor<4xi8> -> tensor<4xf32>
// CHECK: return %arg0, %[[D]]
func.func @exact_offsets(%q: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xf32>) {
  %u = graph.rescale %q {input_zero_point = 4 : i64, output_zero_point = 132 : i64, multiplier = array<i64: 1073741824>, shift = array<i64: 30>} : tensor<4xi8> -> tensor<4xui8>
  %back = graph.rescale %u {input_zero_point = 128 : i64, multiplier = array<i64: 1073741824>, shift = array<i64: 30>} : tensor<4xui8> -> tensor<4xi8>
  %d = graph.dequantize %u {scale = 0.1 : f64, zero_point = 132 : i64} : tensor<4xui8> -> tensor<4xf32>
  return %back, %d : tensor<4xi8>, tensor<4xf32>
}

// -----

// A layer norm written out as exporters before opset 17 write it: (x -
// mean) / sqrt(mean((x - mean)^2) + eps) over the last dim, times a scale,
// plus a bias, is one graph.layer_norm with that scale and bias (the
// constant product folds); with x * x and rsqrt, over the last two dims,
// and without a scale too. A mean that is not the one subtracted is not.
// CHECK-LABEL: func.func @layer_norm_formula
// CHECK-DAG: %[[S:.+]] = graph.constant dense<[2.000000e+00, 4.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[B:.+]] = graph.constant dense<5.000000e-01> : tensor<2xf32>
// CHECK-DAG: %[[A:.+]] = graph.layer_norm %arg0, %[[S]], %[[B]] {axis = 1 : i64, epsilon = 9.9999997473787516E-6 : f64} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
// CHECK-DAG: %[[ONES:.+]] = graph.constant dense<1.000000e+00> : tensor<3x2xf32>
// CHECK-DAG: %[[C:.+]] = graph.layer_norm %arg1, %[[ONES]] {axis = 1 : i64, epsilon = 0.0010000000474974513 : f64} : (tensor<4x3x2xf32>, tensor<3x2xf32>) -> tensor<4x3x2xf32>
// CHECK-DAG: %[[N:.+]] = graph.div
// CHECK: return %[[A]], %[[C]], %[[N]]
func.func @layer_norm_formula(%x: tensor<3x2xf32>, %y: tensor<4x3x2xf32>) -> (tensor<3x2xf32>, tensor<4x3x2xf32>, tensor<3x2xf32>) {
  %two = graph.constant dense<2.0> : tensor<f32>
  %eps = graph.constant dense<1.0e-5> : tensor<f32>
  %scale = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %bias = graph.constant dense<0.25> : tensor<2xf32>
  %k = graph.constant dense<2.0> : tensor<f32>
  %m = graph.reduce <mean> %x {axes = array<i64: -1>} : (tensor<3x2xf32>) -> tensor<3x1xf32>
  %d = graph.sub %x, %m : (tensor<3x2xf32>, tensor<3x1xf32>) -> tensor<3x2xf32>
  %p = graph.pow %d, %two : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  %v = graph.reduce <mean> %p {axes = array<i64: -1>} : (tensor<3x2xf32>) -> tensor<3x1xf32>
  %ve = graph.add %v, %eps : (tensor<3x1xf32>, tensor<f32>) -> tensor<3x1xf32>
  %s = graph.sqrt %ve : tensor<3x1xf32>
  %n = graph.div %d, %s : (tensor<3x2xf32>, tensor<3x1xf32>) -> tensor<3x2xf32>
  %g = graph.mul %n, %scale : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %b = graph.add %bias, %g : (tensor<2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  %a = graph.mul %b, %k : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  %eps3 = graph.constant dense<1.0e-3> : tensor<f32>
  %m2 = graph.reduce <mean> %y {axes = array<i64: 1, 2>} : (tensor<4x3x2xf32>) -> tensor<4x1x1xf32>
  %d2 = graph.sub %y, %m2 : (tensor<4x3x2xf32>, tensor<4x1x1xf32>) -> tensor<4x3x2xf32>
  %q2 = graph.mul %d2, %d2 : (tensor<4x3x2xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
  %v2 = graph.reduce <mean> %q2 {axes = array<i64: 2, 1>} : (tensor<4x3x2xf32>) -> tensor<4x1x1xf32>
  %ve2 = graph.add %eps3, %v2 : (tensor<f32>, tensor<4x1x1xf32>) -> tensor<4x1x1xf32>
  %r2 = graph.rsqrt %ve2 : tensor<4x1x1xf32>
  %c = graph.mul %r2, %d2 : (tensor<4x1x1xf32>, tensor<4x3x2xf32>) -> tensor<4x3x2xf32>
  %other = graph.reduce <mean> %x {axes = array<i64: 0>} : (tensor<3x2xf32>) -> tensor<1x2xf32>
  %d3 = graph.sub %x, %other : (tensor<3x2xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
  %p3 = graph.mul %d3, %d3 : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  %v3 = graph.reduce <mean> %p3 {axes = array<i64: -1>} : (tensor<3x2xf32>) -> tensor<3x1xf32>
  %s3 = graph.sqrt %v3 : tensor<3x1xf32>
  %n3 = graph.div %d3, %s3 : (tensor<3x2xf32>, tensor<3x1xf32>) -> tensor<3x2xf32>
  return %a, %c, %n3 : tensor<3x2xf32>, tensor<4x3x2xf32>, tensor<3x2xf32>
}

// -----

// pow of constants folds (d^-0.5 computed from a shape).
// CHECK-LABEL: func.func @pow_constants
// CHECK: %[[C:.+]] = graph.constant dense<2.500000e-01> : tensor<f32>
// CHECK: return %[[C]]
func.func @pow_constants() -> tensor<f32> {
  %a = graph.constant dense<16.0> : tensor<f32>
  %b = graph.constant dense<-0.5> : tensor<f32>
  %p = graph.pow %a, %b : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %p : tensor<f32>
}
