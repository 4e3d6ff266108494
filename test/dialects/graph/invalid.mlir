// RUN: mica-opt %s -split-input-file -verify-diagnostics

// Negative cases: one or more per graph verifier.

// A declared static dim that differs from the inferred one names the dim.
func.func @result_dim_mismatch(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'graph.add' op result #0 dim 1 is 4 but the shape function infers 3}}
  %0 = graph.add %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

// A result of the wrong rank is rejected.
func.func @result_rank_mismatch(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{result #0 has rank 1}}
  %0 = graph.add %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<6xf32>
  return
}

// -----

// A result of the wrong element type is rejected.
func.func @result_element_mismatch(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{result #0 element type 'i1' does not match the inferred 'f32'}}
  %0 = graph.add %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xi1>
  return
}

// -----

// Binary operands must share an element type.
func.func @binary_element_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{operand #1 element type 'f16' differs from 'f32'}}
  %0 = graph.mul %a, %b : (tensor<3xf32>, tensor<3xf16>) -> tensor<3xf32>
  return
}

// -----

// Static dims that do not broadcast are rejected.
func.func @binary_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{operands are not broadcast-compatible: result dim 1 is 3 but operand #1 has 4}}
  %0 = graph.sub %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

// Comparisons produce i1.
func.func @comparison_result(%a: tensor<3xi32>) {
  // expected-error @+1 {{element type 'i32' does not match the inferred 'i1'}}
  %0 = graph.less %a, %a : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  return
}

// -----

// select's values must share an element type.
func.func @select_types(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+1 {{true_value and false_value element types differ}}
  %0 = graph.select %c, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xi32>) -> tensor<3xf32>
  return
}

// -----

// Unary ops keep the operand type.
func.func @unary_type(%a: tensor<3xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "graph.relu"(%a) : (tensor<3xf32>) -> tensor<3xf16>
  return
}

// -----

// gelu's approximate is "none" or "tanh".
func.func @gelu_mode(%a: tensor<3xf32>) {
  // expected-error @+1 {{one of none, tanh}}
  %0 = graph.gelu %a {approximate = "fast"} : tensor<3xf32>
  return
}

// -----

// clamp needs min <= max.
func.func @clamp_bounds(%a: tensor<3xf32>) {
  // expected-error @+1 {{min (6.000000e+00) must not exceed max (0.000000e+00)}}
  %0 = graph.clamp %a {min = 6.0 : f64, max = 0.0 : f64} : tensor<3xf32>
  return
}

// -----

// cast keeps the shape.
func.func @cast_shape(%a: tensor<3xf32>) {
  // expected-error @+1 {{result #0 dim 0 is 4 but the shape function infers 3}}
  %0 = graph.cast %a : tensor<3xf32> -> tensor<4xi32>
  return
}

// -----

// softmax's axis must be in range.
func.func @softmax_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = graph.softmax %a {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// conv: input channels must equal weight dim 1 * groups.
func.func @conv_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{input channels (dim 1 = 4) must equal weight dim 1 (3) * groups (1)}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : (tensor<1x4x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// conv: output channels must be divisible by groups.
func.func @conv_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) {
  // expected-error @+1 {{output channels (weight dim 0 = 6) must be divisible by groups (4)}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 4 : i64}
      : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32>
  return
}

// -----

// conv: bias has one element per output channel.
func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias has 4 elements but there are 8 output channels}}
  %0 = graph.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>, tensor<4xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// conv: attribute lengths follow the spatial rank.
func.func @conv_attrs(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{expects 2 strides and dilations and 4 pads for 2 spatial dims, got 1, 2 and 4}}
  %0 = graph.conv %x, %w {strides = array<i64: 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// conv: the inferred spatial size is checked against the declared one.
func.func @conv_spatial(%x: tensor<1x3x8x8xf32>, %w: tensor<8x3x3x3xf32>) {
  // expected-error @+1 {{result #0 dim 3 is 8 but the shape function infers 6}}
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>}
      : (tensor<1x3x8x8xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x6x8xf32>
  return
}

// -----

// conv_transpose: output_padding must be smaller than the stride.
func.func @conv_transpose_output_padding(%x: tensor<1x8x4x4xf32>, %w: tensor<8x4x2x2xf32>) {
  // expected-error @+1 {{output_padding[0] = 2 must be smaller than its stride or dilation}}
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 2, 0>}
      : (tensor<1x8x4x4xf32>, tensor<8x4x2x2xf32>) -> tensor<1x4x10x8xf32>
  return
}

// -----

// conv_transpose: input channels equal weight dim 0.
func.func @conv_transpose_channels(%x: tensor<1x6x4x4xf32>, %w: tensor<8x4x2x2xf32>) {
  // expected-error @+1 {{input channels (dim 1 = 6) must equal weight dim 0 (8)}}
  %0 = graph.conv_transpose %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>}
      : (tensor<1x6x4x4xf32>, tensor<8x4x2x2xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

// matmul: contracting dims must agree.
func.func @matmul_k(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{contracting dims differ: lhs has 3, rhs has 4}}
  %0 = graph.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

// matmul: batch dims broadcast.
func.func @matmul_batch(%a: tensor<2x2x3xf32>, %b: tensor<3x3x5xf32>) {
  // expected-error @+1 {{not broadcast-compatible}}
  %0 = graph.matmul %a, %b : (tensor<2x2x3xf32>, tensor<3x3x5xf32>) -> tensor<2x2x5xf32>
  return
}

// -----

// fully_connected: weight is [N, K].
func.func @fully_connected_k(%x: tensor<2x8xf32>, %w: tensor<16x4xf32>) {
  // expected-error @+1 {{input features (last dim = 8) must equal weight dim 1 (4)}}
  %0 = graph.fully_connected %x, %w : (tensor<2x8xf32>, tensor<16x4xf32>) -> tensor<2x16xf32>
  return
}

// -----

// attention: E must be divisible by num_heads.
func.func @attention_heads(%q: tensor<1x4x10xf32>) {
  // expected-error @+1 {{embedding size (dim 2 = 10) must be divisible by num_heads (4)}}
  %0 = graph.attention %q, %q, %q {num_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<1x4x10xf32>, tensor<1x4x10xf32>, tensor<1x4x10xf32>) -> tensor<1x4x10xf32>
  return
}

// -----

// attention: the mask broadcasts to [B, heads, Sq, Skv].
func.func @attention_mask(%q: tensor<1x4x8xf32>, %k: tensor<1x6x8xf32>, %m: tensor<4x5xf32>) {
  // expected-error @+1 {{mask dim 1 (5) does not broadcast to scores dim 3 (6)}}
  %0 = graph.attention %q, %k, %k mask %m {num_heads = 2 : i64, scale = 1.0 : f64}
      : (tensor<1x4x8xf32>, tensor<1x6x8xf32>, tensor<1x6x8xf32>, tensor<4x5xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

// attention: the key bias is [B or 1, Skv].
func.func @attention_key_bias(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %b: tensor<2x5xf32>) {
  // expected-error @+1 {{key_bias must be [B or 1, Skv] = [2 or 1, 6]}}
  %0 = graph.attention %q, %k, %k key_bias %b {num_heads = 2 : i64, scale = 1.0 : f64}
      : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x6x8xf32>, tensor<2x5xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

// attention: the scale is finite and non-zero.
func.func @attention_scale(%q: tensor<1x4x8xf32>) {
  // expected-error @+1 {{scale must be finite and non-zero, got 0}}
  %0 = graph.attention %q, %q, %q {num_heads = 2 : i64, scale = 0.0 : f64}
      : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return
}

// -----

// batch_norm: parameters are [C].
func.func @batch_norm_params(%x: tensor<1x8x4x4xf32>, %c: tensor<8xf32>, %d: tensor<4xf32>) {
  // expected-error @+1 {{parameter operand #3 must be [C] with C = input dim 1 (8)}}
  %0 = graph.batch_norm %x, %c, %c, %d, %c : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  return
}

// -----

// layer_norm: scale has the shape of the normalised dims.
func.func @layer_norm_scale(%x: tensor<2x16xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{operand #1 must have the shape of input dims [1, 2)}}
  %0 = graph.layer_norm %x, %s : (tensor<2x16xf32>, tensor<8xf32>) -> tensor<2x16xf32>
  return
}

// -----

// instance_norm needs spatial dims.
func.func @instance_norm_rank(%x: tensor<2x8xf32>, %c: tensor<8xf32>) {
  // expected-error @+1 {{input rank must be >= 3, got 2}}
  %0 = graph.instance_norm %x, %c, %c : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return
}

// -----

// group_norm: channels divide into groups.
func.func @group_norm_groups(%x: tensor<1x6x4x4xf32>, %c: tensor<6xf32>) {
  // expected-error @+1 {{channels (dim 1 = 6) must be divisible by num_groups (4)}}
  %0 = graph.group_norm %x, %c, %c {num_groups = 4 : i64} : (tensor<1x6x4x4xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<1x6x4x4xf32>
  return
}

// -----

// max_pool: one kernel entry per spatial dim.
func.func @pool_kernel(%x: tensor<1x8x7x7xf32>) {
  // expected-error @+1 {{expects 2 kernel entries, got 1}}
  %0 = graph.max_pool %x {kernel = array<i64: 3>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>}
      : (tensor<1x8x7x7xf32>) -> tensor<1x8x5x5xf32>
  return
}

// -----

// avg_pool: ceil_mode changes the output size.
func.func @pool_ceil(%x: tensor<1x8x7x7xf32>) {
  // expected-error @+1 {{result #0 dim 2 is 3 but the shape function infers 4}}
  %0 = graph.avg_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, ceil_mode = true}
      : (tensor<1x8x7x7xf32>) -> tensor<1x8x3x4xf32>
  return
}

// -----

// resize: output dims are floor(in * scale).
func.func @resize_dims(%x: tensor<1x3x5x5xf32>) {
  // expected-error @+1 {{result #0 dim 2 is 11 but the shape function infers 10}}
  %0 = graph.resize %x {scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x3x5x5xf32>) -> tensor<1x3x11x10xf32>
  return
}

// -----

// resize: one positive scale per dim.
func.func @resize_scales(%x: tensor<1x3x5x5xf32>) {
  // expected-error @+1 {{expects one scale per input dim (4), got 2}}
  %0 = graph.resize %x {scales = array<f64: 2.0, 2.0>} : (tensor<1x3x5x5xf32>) -> tensor<1x3x10x10xf32>
  return
}

// -----

// resize: mode is an ONNX spelling.
func.func @resize_mode(%x: tensor<1x3x5x5xf32>) {
  // expected-error @+1 {{one of nearest, linear, cubic}}
  %0 = graph.resize %x {mode = "bilinear", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x3x5x5xf32>) -> tensor<1x3x10x10xf32>
  return
}

// -----

// reduce: axes do not repeat.
func.func @reduce_axes(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis -1 is repeated}}
  %0 = graph.reduce <sum> %x {axes = array<i64: 1, -1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return
}

// -----

// argmax: the axis is in range and the result is i64.
func.func @argmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 3 is out of range for rank 2}}
  %0 = graph.argmax %x {axis = 3 : i64} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  return
}

// -----

// reshape: exactly one of the shape operand and new_shape.
func.func @reshape_both(%x: tensor<2x3xf32>, %s: tensor<1xi64>) {
  // expected-error @+1 {{expects exactly one of the `shape` operand and the `new_shape` attribute}}
  %0 = graph.reshape %x, %s {new_shape = array<i64: 6>} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<6xf32>
  return
}

// -----

// reshape: at most one -1.
func.func @reshape_two_inferred(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{new_shape has more than one -1}}
  %0 = graph.reshape %x {new_shape = array<i64: -1, -1>} : (tensor<2x3xf32>) -> tensor<?x?xf32>
  return
}

// -----

// reshape: element counts agree.
func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{new_shape has 8 elements but the input has 6}}
  %0 = graph.reshape %x {new_shape = array<i64: 2, 4>} : (tensor<2x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

// transpose: perm is a permutation.
func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{perm is not a permutation of [0, 2)}}
  %0 = graph.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return
}

// -----

// concat: non-axis dims agree.
func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{input #1 dim 0 is 4, expected 2}}
  %0 = graph.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

// slice: steps are non-zero.
func.func @slice_step(%x: tensor<4xf32>) {
  // expected-error @+1 {{steps[0] must not be 0}}
  %0 = graph.slice %x {starts = array<i64: 0>, ends = array<i64: 4>, steps = array<i64: 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// slice: one entry per dim.
func.func @slice_entries(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{expects one starts/ends/steps entry per input dim (2)}}
  %0 = graph.slice %x {starts = array<i64: 0>, ends = array<i64: 4>, steps = array<i64: 1>} : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

// gather: the axis is in range.
func.func @gather_axis(%x: tensor<4x4xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = graph.gather %x, %i {axis = -3 : i64} : (tensor<4x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return
}

// -----

// broadcast_to: the target shape must be broadcast-compatible.
func.func @broadcast_to_shape(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{not broadcast-compatible}}
  %0 = graph.broadcast_to %x {shape = array<i64: 2, 4>} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return
}

// -----

// split: sizes sum to the split dim.
func.func @split_sizes(%x: tensor<6x4xf32>) {
  // expected-error @+1 {{sizes sum to 5 but dim 0 is 6}}
  %0:2 = graph.split %x {axis = 0 : i64, sizes = array<i64: 2, 3>} : (tensor<6x4xf32>) -> (tensor<2x4xf32>, tensor<3x4xf32>)
  return
}

// -----

// pad: 2 * rank entries.
func.func @pad_entries(%x: tensor<6x4xf32>) {
  // expected-error @+1 {{expects 4 pads, got 2}}
  %0 = graph.pad %x {pads = array<i64: 1, 1>} : (tensor<6x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

// pad: mode is an ONNX spelling.
func.func @pad_mode(%x: tensor<6x4xf32>) {
  // expected-error @+1 {{one of constant, reflect, edge}}
  %0 = graph.pad %x {pads = array<i64: 1, 0, 1, 0>, mode = "wrap"} : (tensor<6x4xf32>) -> tensor<8x4xf32>
  return
}

// -----

// shape_of gives one i64 per input dim.
func.func @shape_of_rank(%x: tensor<6x4xf32>) {
  // expected-error @+1 {{result #0 dim 0 is 3 but the shape function infers 2}}
  %0 = graph.shape_of %x : (tensor<6x4xf32>) -> tensor<3xi64>
  return
}

// -----

// tile: one repeat per dim.
func.func @tile_repeats(%x: tensor<6x4xf32>) {
  // expected-error @+1 {{expects 2 repeats, got 1}}
  %0 = graph.tile %x {repeats = array<i64: 2>} : (tensor<6x4xf32>) -> tensor<12x4xf32>
  return
}

// -----

// quantize: the zero point is a value of the result type.
func.func @quantize_zero_point(%x: tensor<3xf32>) {
  // expected-error @+1 {{zero_point 200 is outside the range of 'i8'}}
  %0 = graph.quantize %x {scale = 0.1 : f64, zero_point = 200 : i64} : tensor<3xf32> -> tensor<3xi8>
  return
}

// -----

// dequantize: the scale is positive.
func.func @dequantize_scale(%x: tensor<3xi8>) {
  // expected-error @+1 {{scale must be positive and finite, got 0}}
  %0 = graph.dequantize %x {scale = 0.0 : f64, zero_point = 0 : i64} : tensor<3xi8> -> tensor<3xf32>
  return
}

// -----

// rescale: one multiplier per channel along the axis.
func.func @rescale_channels(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{has 2 multipliers but dim 1 is 3}}
  %0 = graph.rescale %x {axis = 1 : i64, multiplier = array<i64: 1073741824, 1073741824>, shift = array<i64: 31, 31>} : tensor<2x3xi32> -> tensor<2x3xi8>
  return
}

// -----

// rescale: the shift TOSA allows.
func.func @rescale_shift(%x: tensor<3xi32>) {
  // expected-error @+1 {{shift 63 is outside [2, 62]}}
  %0 = graph.rescale %x {multiplier = array<i64: 1073741824>, shift = array<i64: 63>} : tensor<3xi32> -> tensor<3xi8>
  return
}

// -----

// rescale: the clamp lies within the result type.
func.func @rescale_clamp(%x: tensor<3xi32>) {
  // expected-error @+1 {{clamp [-128, 300] is not a non-empty part of 'i8''s range}}
  %0 = graph.rescale %x {multiplier = array<i64: 1073741824>, shift = array<i64: 31>, max = 300 : i64} : tensor<3xi32> -> tensor<3xi8>
  return
}

// -----

func.func @dynamic_slice_axis_twice(%x: tensor<4x4xf32>, %b: tensor<2xi64>) -> tensor<?x4xf32> {
  // expected-error @+1 {{axis 0 is listed twice}}
  %0 = graph.dynamic_slice %x, %b, %b {axes = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>, tensor<2xi64>, tensor<2xi64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @dynamic_slice_bound_length(%x: tensor<4x4xf32>, %b: tensor<3xi64>) -> tensor<?x4xf32> {
  // expected-error @+1 {{expects 1-D starts and ends with one entry per axis (1)}}
  %0 = graph.dynamic_slice %x, %b, %b {axes = array<i64: 0>, steps = array<i64: 1>} : (tensor<4x4xf32>, tensor<3xi64>, tensor<3xi64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @unique_axis(%x: tensor<4xf32>) {
  // expected-error @+1 {{axis 1 is out of range for rank 1}}
  %0:4 = graph.unique %x {axis = 1 : i64} : (tensor<4xf32>) -> (tensor<?xf32>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>)
  return
}

// -----

// table: 256 entries.
func.func @table_size(%x: tensor<3xi8>) {
  // expected-error @+1 {{needs 256 entries, got 2}}
  %0 = graph.table %x {table = array<i64: 1, 2>} : tensor<3xi8> -> tensor<3xi8>
  return
}

// -----

// integer_softmax: two 256-entry byte tables, an axis within the rank.
func.func @integer_softmax_tables(%x: tensor<2x3xi8>) {
  // expected-error @+1 {{needs 256-entry exp tables, got 2}}
  %0 = graph.integer_softmax %x {axis = -1 : i64, exp_high = array<i64: 1, 2>, exp_low = array<i64: 1, 2>, output_multiplier = 1 : i64, output_zero_point = 0 : i64} : tensor<2x3xi8> -> tensor<2x3xi8>
  return
}

// -----

func.func @integer_softmax_type(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{maps i8 to i8, got 'i32' to 'i32'}}
  %0 = graph.integer_softmax %x {axis = -1 : i64, exp_high = array<i64: 1>, exp_low = array<i64: 1>, output_multiplier = 1 : i64, output_zero_point = 0 : i64} : tensor<2x3xi32> -> tensor<2x3xi32>
  return
}

// -----

// integer_layer_norm: one gamma and beta per element of the last dim.
func.func @integer_layer_norm_params(%x: tensor<2x3xi8>) {
  // expected-error @+1 {{needs one gamma and one beta per element of the last dim (3)}}
  %0 = graph.integer_layer_norm %x {input_zero_point = 0 : i64, output_zero_point = 0 : i64, epsilon_term = 1 : i64, gamma = array<i64: 1, 2>, beta = array<i64: 1, 2, 3>} : tensor<2x3xi8> -> tensor<2x3xi8>
  return
}
