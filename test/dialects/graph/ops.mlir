// RUN: mica-opt %s -split-input-file | mica-opt -split-input-file | FileCheck %s

// Round trip of every graph op: printed IR parses back to the same IR.

// Unary ops keep the operand type, including `?` dims.
// CHECK-LABEL: func @unary
func.func @unary(%x: tensor<?x8xf32>, %b: tensor<4xi1>) -> tensor<?x8xf32> {
  // CHECK: graph.relu %{{.*}} : tensor<?x8xf32>
  %0 = graph.relu %x : tensor<?x8xf32>
  %1 = graph.sigmoid %0 : tensor<?x8xf32>
  %2 = graph.tanh %1 : tensor<?x8xf32>
  %3 = graph.exp %2 : tensor<?x8xf32>
  %4 = graph.log %3 : tensor<?x8xf32>
  %5 = graph.sqrt %4 : tensor<?x8xf32>
  %6 = graph.rsqrt %5 : tensor<?x8xf32>
  %7 = graph.abs %6 : tensor<?x8xf32>
  %8 = graph.neg %7 : tensor<?x8xf32>
  %9 = graph.erf %8 : tensor<?x8xf32>
  %10 = graph.reciprocal %9 : tensor<?x8xf32>
  %11 = graph.floor %10 : tensor<?x8xf32>
  %12 = graph.ceil %11 : tensor<?x8xf32>
  %13 = graph.round %12 : tensor<?x8xf32>
  %14 = graph.sin %13 : tensor<?x8xf32>
  %15 = graph.cos %14 : tensor<?x8xf32>
  %16 = graph.sign %15 : tensor<?x8xf32>
  %17 = graph.softplus %16 : tensor<?x8xf32>
  %18 = graph.hard_swish %17 : tensor<?x8xf32>
  %19 = graph.silu %18 : tensor<?x8xf32>
  // CHECK: graph.not %{{.*}} : tensor<4xi1>
  %n = graph.not %b : tensor<4xi1>
  return %19 : tensor<?x8xf32>
}

// -----

// Activations with attributes print the non-default ones.
// CHECK-LABEL: func @unary_attrs
func.func @unary_attrs(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // CHECK: graph.gelu %{{.*}} {approximate = "tanh"} : tensor<2x8xf32>
  %0 = graph.gelu %x {approximate = "tanh"} : tensor<2x8xf32>
  // CHECK: graph.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f64}
  %1 = graph.leaky_relu %0 {alpha = 0.1 : f64} : tensor<2x8xf32>
  // CHECK: graph.elu
  %2 = graph.elu %1 : tensor<2x8xf32>
  // CHECK: graph.hard_sigmoid %{{.*}} {alpha = 1.666000e-01 : f64, beta = 6.000000e-01 : f64}
  %3 = graph.hard_sigmoid %2 {alpha = 0.1666 : f64, beta = 0.6 : f64} : tensor<2x8xf32>
  // CHECK: graph.clamp %{{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64}
  %4 = graph.clamp %3 {min = 0.0 : f64, max = 6.0 : f64} : tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Cast changes the element type and keeps the shape.
// CHECK-LABEL: func @cast
func.func @cast(%x: tensor<?x3xf32>) -> tensor<?x3xi64> {
  // CHECK: graph.cast %{{.*}} : tensor<?x3xf32> -> tensor<?x3xi64>
  %0 = graph.cast %x : tensor<?x3xf32> -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

// Binary ops broadcast numpy-style; comparisons and logic give i1.
// CHECK-LABEL: func @binary
func.func @binary(%a: tensor<?x1x8xf32>, %b: tensor<4x1xf32>, %i: tensor<3xi32>, %u: tensor<3xui8>) {
  // CHECK: graph.add %{{.*}}, %{{.*}} : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  %0 = graph.add %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  %1 = graph.sub %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  %2 = graph.mul %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  %3 = graph.div %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  %4 = graph.pow %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  %5 = graph.max %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  %6 = graph.min %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  %7 = graph.mod %i, %i : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  %8 = graph.add %u, %u : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
  // A declared static dim may refine an inferred `?`.
  // CHECK: graph.equal %{{.*}}, %{{.*}} : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<2x4x8xi1>
  %9 = graph.equal %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<2x4x8xi1>
  %10 = graph.less %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xi1>
  %11 = graph.less_equal %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xi1>
  %12 = graph.greater %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xi1>
  %13 = graph.greater_equal %a, %b : (tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xi1>
  // CHECK: graph.and
  %14 = graph.and %10, %11 : (tensor<?x4x8xi1>, tensor<?x4x8xi1>) -> tensor<?x4x8xi1>
  %15 = graph.or %10, %11 : (tensor<?x4x8xi1>, tensor<?x4x8xi1>) -> tensor<?x4x8xi1>
  %16 = graph.xor %10, %11 : (tensor<?x4x8xi1>, tensor<?x4x8xi1>) -> tensor<?x4x8xi1>
  // CHECK: graph.select %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x4x8xi1>, tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  %17 = graph.select %16, %a, %b : (tensor<?x4x8xi1>, tensor<?x1x8xf32>, tensor<4x1xf32>) -> tensor<?x4x8xf32>
  return
}

// -----

// Softmax and log_softmax keep the input type.
// CHECK-LABEL: func @softmax
func.func @softmax(%x: tensor<2x?x16xf32>) -> tensor<2x?x16xf32> {
  // CHECK: graph.softmax %{{.*}} : (tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  %0 = graph.softmax %x : (tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  // CHECK: graph.log_softmax %{{.*}} {axis = 1 : i64}
  %1 = graph.log_softmax %0 {axis = 1 : i64} : (tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  return %1 : tensor<2x?x16xf32>
}

// -----

// Convolutions: 2-D with bias, depthwise, 1-D, transposed.
// CHECK-LABEL: func @conv
func.func @conv(%x: tensor<?x3x32x32xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>,
                %dw: tensor<8x1x3x3xf32>, %x1: tensor<1x4x10xf32>, %w1: tensor<6x2x3xf32>,
                %wt: tensor<8x4x2x2xf32>) {
  // CHECK: graph.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
  %0 = graph.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
      : (tensor<?x3x32x32xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<?x8x16x16xf32>
  // CHECK: graph.conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, groups = 8 : i64
  %1 = graph.conv %0, %dw {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 8 : i64}
      : (tensor<?x8x16x16xf32>, tensor<8x1x3x3xf32>) -> tensor<?x8x16x16xf32>
  // CHECK: graph.conv {{.*}} -> tensor<1x6x4xf32>
  %2 = graph.conv %x1, %w1 {strides = array<i64: 2>, dilations = array<i64: 2>, pads = array<i64: 0, 1>, groups = 2 : i64}
      : (tensor<1x4x10xf32>, tensor<6x2x3xf32>) -> tensor<1x6x4xf32>
  // CHECK: graph.conv_transpose {{.*}} -> tensor<?x4x32x32xf32>
  %3 = graph.conv_transpose %1, %wt {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>}
      : (tensor<?x8x16x16xf32>, tensor<8x4x2x2xf32>) -> tensor<?x4x32x32xf32>
  return
}

// -----

// Matmul follows numpy (1-D promotion, batch broadcast); fully_connected is [.., K] x [N, K]^T.
// CHECK-LABEL: func @matmul
func.func @matmul(%a: tensor<?x1x4x8xf32>, %b: tensor<3x8x5xf32>, %v: tensor<8xf32>,
                  %x: tensor<?x?x8xf32>, %w: tensor<16x8xf32>, %bias: tensor<16xf32>) {
  // CHECK: graph.matmul {{.*}} -> tensor<?x3x4x5xf32>
  %0 = graph.matmul %a, %b : (tensor<?x1x4x8xf32>, tensor<3x8x5xf32>) -> tensor<?x3x4x5xf32>
  // CHECK: graph.matmul {{.*}} -> tensor<3x5xf32>
  %1 = graph.matmul %v, %b : (tensor<8xf32>, tensor<3x8x5xf32>) -> tensor<3x5xf32>
  // CHECK: graph.matmul {{.*}} -> tensor<?x1x4xf32>
  %2 = graph.matmul %a, %v : (tensor<?x1x4x8xf32>, tensor<8xf32>) -> tensor<?x1x4xf32>
  // CHECK: graph.fully_connected {{.*}} -> tensor<?x?x16xf32>
  %3 = graph.fully_connected %x, %w, %bias : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %4 = graph.fully_connected %x, %w : (tensor<?x?x8xf32>, tensor<16x8xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

// Attention with and without an additive mask and a key bias.
// CHECK-LABEL: func @attention
func.func @attention(%q: tensor<2x?x64xf32>, %k: tensor<2x10x64xf32>, %m: tensor<1x1x?x10xf32>, %b: tensor<1x10xf32>) {
  // CHECK: graph.attention {{.*}} {causal = true, num_heads = 8 : i64, scale = 1.250000e-01 : f64}
  %0 = graph.attention %q, %k, %k {num_heads = 8 : i64, scale = 0.125 : f64, causal = true}
      : (tensor<2x?x64xf32>, tensor<2x10x64xf32>, tensor<2x10x64xf32>) -> tensor<2x?x64xf32>
  // CHECK: graph.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} {num_heads = 4 : i64
  %1 = graph.attention %q, %k, %k mask %m {num_heads = 4 : i64, scale = 0.25 : f64}
      : (tensor<2x?x64xf32>, tensor<2x10x64xf32>, tensor<2x10x64xf32>, tensor<1x1x?x10xf32>) -> tensor<2x?x64xf32>
  // CHECK: graph.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} key_bias %{{.*}} {num_heads = 4 : i64
  %2 = graph.attention %q, %k, %k mask %m key_bias %b {num_heads = 4 : i64, scale = 0.25 : f64}
      : (tensor<2x?x64xf32>, tensor<2x10x64xf32>, tensor<2x10x64xf32>, tensor<1x1x?x10xf32>, tensor<1x10xf32>) -> tensor<2x?x64xf32>
  // CHECK: graph.attention %{{.*}}, %{{.*}}, %{{.*}} key_bias %{{.*}} {num_heads = 4 : i64
  %3 = graph.attention %q, %k, %k key_bias %b {num_heads = 4 : i64, scale = 0.25 : f64}
      : (tensor<2x?x64xf32>, tensor<2x10x64xf32>, tensor<2x10x64xf32>, tensor<1x10xf32>) -> tensor<2x?x64xf32>
  return
}

// -----

// Normalisations keep the input type.
// CHECK-LABEL: func @norms
func.func @norms(%x: tensor<?x8x4x4xf32>, %c: tensor<8xf32>, %s: tensor<?x16xf32>, %g: tensor<16xf32>) {
  // CHECK: graph.batch_norm {{.*}} {epsilon = 1.000000e-03 : f64}
  %0 = graph.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-3 : f64}
      : (tensor<?x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: graph.layer_norm
  %1 = graph.layer_norm %s, %g, %g : (tensor<?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  %2 = graph.layer_norm %s, %g {axis = 1 : i64} : (tensor<?x16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  // CHECK: graph.instance_norm
  %3 = graph.instance_norm %x, %c, %c : (tensor<?x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: graph.group_norm {{.*}} {num_groups = 2 : i64}
  %4 = graph.group_norm %x, %c, %c {num_groups = 2 : i64} : (tensor<?x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x8x4x4xf32>
  return
}

// -----

// Pooling (floor and ceil mode) and resize.
// CHECK-LABEL: func @pool_resize
func.func @pool_resize(%x: tensor<?x8x7x7xf32>, %y: tensor<1x3x5x?xf32>) {
  // CHECK: graph.max_pool {{.*}} -> tensor<?x8x3x3xf32>
  %0 = graph.max_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>}
      : (tensor<?x8x7x7xf32>) -> tensor<?x8x3x3xf32>
  // CHECK: graph.avg_pool {{.*}} {ceil_mode = true, count_include_pad = true{{.*}} -> tensor<?x8x4x4xf32>
  %1 = graph.avg_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true, count_include_pad = true}
      : (tensor<?x8x7x7xf32>) -> tensor<?x8x4x4xf32>
  // CHECK: graph.resize {{.*}} {mode = "linear", scales = array<f64: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>} : (tensor<1x3x5x?xf32>) -> tensor<1x3x10x?xf32>
  %2 = graph.resize %y {mode = "linear", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x3x5x?xf32>) -> tensor<1x3x10x?xf32>
  %3 = graph.resize %y {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 0.5, 1.0>}
      : (tensor<1x3x5x?xf32>) -> tensor<1x3x2x?xf32>
  return
}

// -----

// Reductions with an enum kind; arg reductions give i64.
// CHECK-LABEL: func @reduce
func.func @reduce(%x: tensor<?x8x7x7xf32>) {
  // CHECK: graph.reduce <mean> %{{.*}} {axes = array<i64: 2, 3>} : (tensor<?x8x7x7xf32>) -> tensor<?x8x1x1xf32>
  %0 = graph.reduce <mean> %x {axes = array<i64: 2, 3>} : (tensor<?x8x7x7xf32>) -> tensor<?x8x1x1xf32>
  // CHECK: graph.reduce <log_sum_exp> {{.*}} -> tensor<?x7xf32>
  %1 = graph.reduce <log_sum_exp> %x {axes = array<i64: 1, -1>, keepdims = false} : (tensor<?x8x7x7xf32>) -> tensor<?x7xf32>
  // CHECK: graph.reduce <sum_square> {{.*}} -> tensor<f32>
  %2 = graph.reduce <sum_square> %x {keepdims = false} : (tensor<?x8x7x7xf32>) -> tensor<f32>
  // CHECK: graph.argmax {{.*}} -> tensor<?x7x7xi64>
  %3 = graph.argmax %x {axis = 1 : i64, keepdims = false} : (tensor<?x8x7x7xf32>) -> tensor<?x7x7xi64>
  // CHECK: graph.argmin {{.*}} {axis = -1 : i64, select_last_index = true}
  %4 = graph.argmin %x {axis = -1 : i64, select_last_index = true} : (tensor<?x8x7x7xf32>) -> tensor<?x8x7x1xi64>
  return
}

// -----

// Reshape with ONNX 0/-1 semantics on `?` dims, and with a runtime shape.
// CHECK-LABEL: func @reshape
func.func @reshape(%x: tensor<?x4x5xf32>, %s: tensor<2xi64>) {
  // CHECK: graph.reshape %{{.*}} {new_shape = array<i64: 0, -1>} : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
  %0 = graph.reshape %x {new_shape = array<i64: 0, -1>} : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
  // CHECK: graph.reshape %{{.*}}, %{{.*}} : (tensor<?x4x5xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = graph.reshape %x, %s : (tensor<?x4x5xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %2 = graph.reshape %x {new_shape = array<i64: -1, 2, 10>} : (tensor<?x4x5xf32>) -> tensor<?x2x10xf32>
  return
}

// -----

// Data-movement ops.
// CHECK-LABEL: func @data_movement
func.func @data_movement(%x: tensor<?x4x6xf32>, %y: tensor<?x2x6xf32>, %i: tensor<3xi64>) {
  // CHECK: graph.transpose %{{.*}} {perm = array<i64: 0, 2, 1>} : (tensor<?x4x6xf32>) -> tensor<?x6x4xf32>
  %0 = graph.transpose %x {perm = array<i64: 0, 2, 1>} : (tensor<?x4x6xf32>) -> tensor<?x6x4xf32>
  // CHECK: graph.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x4x6xf32>, tensor<?x2x6xf32>) -> tensor<?x6x6xf32>
  %1 = graph.concat %x, %y {axis = 1 : i64} : (tensor<?x4x6xf32>, tensor<?x2x6xf32>) -> tensor<?x6x6xf32>
  // CHECK: graph.slice {{.*}} -> tensor<?x2x3xf32>
  %2 = graph.slice %x {starts = array<i64: 0, 1, -1>, ends = array<i64: 9223372036854775807, 3, -9223372036854775808>, steps = array<i64: 1, 1, -2>}
      : (tensor<?x4x6xf32>) -> tensor<?x2x3xf32>
  // CHECK: graph.gather {{.*}} {axis = 2 : i64} : (tensor<?x4x6xf32>, tensor<3xi64>) -> tensor<?x4x3xf32>
  %3 = graph.gather %x, %i {axis = 2 : i64} : (tensor<?x4x6xf32>, tensor<3xi64>) -> tensor<?x4x3xf32>
  // CHECK: graph.broadcast_to {{.*}} -> tensor<2x?x4x6xf32>
  %4 = graph.broadcast_to %x {shape = array<i64: 2, 1, 1, 1>} : (tensor<?x4x6xf32>) -> tensor<2x?x4x6xf32>
  // CHECK: graph.split {{.*}} -> (tensor<?x4x2xf32>, tensor<?x4x4xf32>)
  %5:2 = graph.split %x {axis = -1 : i64, sizes = array<i64: 2, 4>} : (tensor<?x4x6xf32>) -> (tensor<?x4x2xf32>, tensor<?x4x4xf32>)
  // CHECK: graph.pad {{.*}} {mode = "reflect", pads = array<i64: 0, 1, 1, 0, 1, 1>} : (tensor<?x4x6xf32>) -> tensor<?x6x8xf32>
  %6 = graph.pad %x {pads = array<i64: 0, 1, 1, 0, 1, 1>, mode = "reflect"} : (tensor<?x4x6xf32>) -> tensor<?x6x8xf32>
  // CHECK: graph.shape_of {{.*}} -> tensor<3xi64>
  %7 = graph.shape_of %x : (tensor<?x4x6xf32>) -> tensor<3xi64>
  // CHECK: graph.tile {{.*}} -> tensor<?x8x6xf32>
  %8 = graph.tile %x {repeats = array<i64: 1, 2, 1>} : (tensor<?x4x6xf32>) -> tensor<?x8x6xf32>
  return
}

// -----

// The integer quantisation ops; 8-bit contractions accumulate in i32.
// CHECK-LABEL: func @quant
func.func @quant(%x: tensor<?x3xf32>, %w: tensor<4x3xi8>, %b: tensor<4xi32>) -> tensor<?x4xf32> {
  // CHECK: graph.quantize %{{.*}} {scale = 1.000000e-01 : f64, zero_point = -3 : i64} : tensor<?x3xf32> -> tensor<?x3xi8>
  %0 = graph.quantize %x {scale = 0.1 : f64, zero_point = -3 : i64} : tensor<?x3xf32> -> tensor<?x3xi8>
  // CHECK: graph.fully_connected {{.*}} -> tensor<?x4xi32>
  %1 = graph.fully_connected %0, %w, %b : (tensor<?x3xi8>, tensor<4x3xi8>, tensor<4xi32>) -> tensor<?x4xi32>
  // CHECK: graph.rescale %{{.*}} {axis = 1 : i64, min = -128 : i64, multiplier = array<i64: 1073741824, 1073741824, 1073741824, 1073741824>, output_zero_point = 5 : i64, shift = array<i64: 40, 40, 40, 40>} : tensor<?x4xi32> -> tensor<?x4xi8>
  %2 = graph.rescale %1 {axis = 1 : i64, min = -128 : i64, multiplier = array<i64: 1073741824, 1073741824, 1073741824, 1073741824>, output_zero_point = 5 : i64, shift = array<i64: 40, 40, 40, 40>} : tensor<?x4xi32> -> tensor<?x4xi8>
  // CHECK: graph.dequantize %{{.*}} : tensor<?x4xi8> -> tensor<?x4xf32>
  %3 = graph.dequantize %2 {scale = 0.5 : f64, zero_point = 5 : i64} : tensor<?x4xi8> -> tensor<?x4xf32>
  return %3 : tensor<?x4xf32>
}

// -----

// Constants of any element type.
// CHECK-LABEL: func @constant
func.func @constant() -> (tensor<2xi64>, tensor<2x2xf16>) {
  // CHECK: graph.constant dense<[1, 2]> : tensor<2xi64>
  %0 = graph.constant dense<[1, 2]> : tensor<2xi64>
  %1 = graph.constant dense<1.5> : tensor<2x2xf16>
  return %0, %1 : tensor<2xi64>, tensor<2x2xf16>
}

// -----

// dynamic_slice: run-time starts/ends on the listed axes; sliced dims are `?`.
// CHECK-LABEL: func @dynamic_slice
func.func @dynamic_slice(%x: tensor<1x1x64x64xf32>, %b: tensor<2xi64>, %e: tensor<2xi64>) -> tensor<1x1x?x?xf32> {
  // CHECK: graph.dynamic_slice %{{.+}}, %{{.+}}, %{{.+}} {axes = array<i64: 2, 3>, steps = array<i64: 1, 1>}
  %0 = graph.dynamic_slice %x, %b, %e {axes = array<i64: 2, 3>, steps = array<i64: 1, 1>} : (tensor<1x1x64x64xf32>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x?x?xf32>
  return %0 : tensor<1x1x?x?xf32>
}

// -----

// unique: the distinct slices along the axis (a run-time count there), the
// first-occurrence indices, the inverse map (one per input slice) and counts.
// CHECK-LABEL: func @unique
func.func @unique(%x: tensor<2x4xf32>) -> (tensor<2x?xf32>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>) {
  // CHECK: graph.unique %{{.+}} {axis = 1 : i64, sorted = false} : (tensor<2x4xf32>) -> (tensor<2x?xf32>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>)
  %0:4 = graph.unique %x {axis = 1 : i64, sorted = false} : (tensor<2x4xf32>) -> (tensor<2x?xf32>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>)
  return %0#0, %0#1, %0#2, %0#3 : tensor<2x?xf32>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>
}
