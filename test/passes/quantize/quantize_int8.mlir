// RUN: mica-opt %s --mica-quantize-int8 --split-input-file | FileCheck %s
// RUN: mica-opt %s --mica-quantize-int8="keep-float=fc2" --split-input-file | FileCheck %s --check-prefix=KEEP
// RUN: mica-opt %s --mica-quantize-int8 --split-input-file --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// A dense layer with a fused ReLU: input [0, 2.55] is scale 0.01, zero
// point -128; weights per row (scales 0.01 and 0.002); the bias absorbs
// -zp_in * sum(w) = 128 * 77 and 128 * 177; the output [0, 5.1] is scale
// 0.02, zero point -128, which is also ReLU's floor (no explicit clamp).
// CHECK-LABEL: func.func @dense_relu
// CHECK: %[[Q:.*]] = graph.quantize %arg0 {{{.*}}zero_point = -128 : i64} : tensor<1x2xf32> -> tensor<1x2xi8>
// CHECK-DAG: %[[W:.*]] = graph.constant dense<{{\[\[}}127, -50], [127, 50]]> : tensor<2x2xi8>
// CHECK-DAG: %[[B:.*]] = graph.constant dense<[14856, 22656]> : tensor<2xi32>
// CHECK: %[[ACC:.*]] = graph.fully_connected %[[Q]], %[[W]], %[[B]] {mica.quant = {{.*}}} : (tensor<1x2xi8>, tensor<2x2xi8>, tensor<2xi32>) -> tensor<1x2xi32>
// CHECK: %[[R:.*]] = graph.rescale %[[ACC]] {axis = 1 : i64, multiplier = array<i64: {{[0-9]+}}, {{[0-9]+}}>, output_zero_point = -128 : i64, shift = array<i64: {{[0-9]+}}, {{[0-9]+}}>} : tensor<1x2xi32> -> tensor<1x2xi8>
// CHECK: %[[D:.*]] = graph.dequantize %[[R]] {{{.*}}zero_point = -128 : i64} : tensor<1x2xi8> -> tensor<1x2xf32>
// CHECK: return %[[D]]
// CHECK-NOT: mica.range
func.func @dense_relu(%x: tensor<1x2xf32> {mica.range = array<f64: 0.0, 2.55>}) -> tensor<1x2xf32> {
  %w = graph.constant dense<[[1.27, -0.5], [0.254, 0.1]]> : tensor<2x2xf32>
  %b = graph.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %y = graph.fully_connected %x, %w, %b : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %r = graph.relu %y {mica.range = array<f64: 0.0, 5.1>} : tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}

// -----

// Two layers: the second reads the first's integers (no dequantize and
// quantize between them); a reshape between them moves the integers.
// CHECK-LABEL: func.func @chain
// CHECK: %[[R1:.*]] = graph.rescale
// CHECK-NEXT: %[[F:.*]] = graph.reshape %[[R1]] {{.*}} -> tensor<1x4xi8>
// CHECK-NOT: graph.quantize
// CHECK: graph.fully_connected %[[F]]
// CHECK: %[[R2:.*]] = graph.rescale
// CHECK-NOT: graph.dequantize %[[R1]]
// CHECK: graph.dequantize %[[R2]]
// KEEP-LABEL: func.func @chain
// KEEP: graph.rescale
// KEEP: graph.dequantize
// KEEP: graph.fully_connected {{.*}}mica.float_reason = "kept float by --keep-float"{{.*}} : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<1x3xf32>
func.func @chain(%x: tensor<1x2x2xf32> {mica.range = array<f64: -1.0, 1.0>}) -> tensor<1x3xf32> {
  %w1 = graph.constant dense<0.5> : tensor<2x2xf32>
  %y1 = graph.matmul %x, %w1 {mica.range = array<f64: -2.0, 2.0>} : (tensor<1x2x2xf32>, tensor<2x2xf32>) -> tensor<1x2x2xf32>
  %f = graph.reshape %y1 {mica.range = array<f64: -2.0, 2.0>, new_shape = array<i64: 1, 4>} : (tensor<1x2x2xf32>) -> tensor<1x4xf32>
  %w2 = graph.constant dense<0.25> : tensor<3x4xf32>
  %y2 = graph.fully_connected %f, %w2 {mica.range = array<f64: -2.0, 2.0>} : (tensor<1x4xf32>, tensor<3x4xf32>) -> tensor<1x3xf32> loc("fc2"(fused<"ai.onnx::Gemm">["m.onnx":0:0]))
  return %y2 : tensor<1x3xf32>
}

// -----

// A padded convolution: the input is padded by its zero point, the
// integer convolution has no padding; ReLU6 becomes the clamp [zp, q(6)].
// CHECK-LABEL: func.func @conv_relu6
// CHECK: %[[Q:.*]] = graph.quantize %arg0
// CHECK: %[[P:.*]] = graph.pad %[[Q]] {{{.*}}pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = -1.280000e+02 : f64} : (tensor<1x1x4x4xi8>) -> tensor<1x1x6x6xi8>
// CHECK: %[[C:.*]] = graph.conv %[[P]], %{{.*}}, %{{.*}} {{{.*}}pads = array<i64: 0, 0, 0, 0>{{.*}}} : (tensor<1x1x6x6xi8>, tensor<2x1x3x3xi8>, tensor<2xi32>) -> tensor<1x2x4x4xi32>
// CHECK: graph.rescale %[[C]] {axis = 1 : i64, max = -106 : i64, {{.*}}output_zero_point = -128 : i64
func.func @conv_relu6(%x: tensor<1x1x4x4xf32> {mica.range = array<f64: 0.0, 1.0>}) -> tensor<1x2x4x4xf32> {
  %w = graph.constant dense<[[[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]], [[[-0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [-0.7, 0.8, -0.9]]]]> : tensor<2x1x3x3xf32>
  %y = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32>
  %r = graph.clamp %y {min = 0.0 : f64, max = 6.0 : f64, mica.range = array<f64: 0.0, 70.0>} : tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// Without a calibrated range the layer stays float and says why.
// CHECK-LABEL: func.func @no_range
// CHECK-NOT: graph.quantize
// CHECK: graph.fully_connected {{.*}}mica.float_reason = "no calibrated range for the input"
func.func @no_range(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = graph.constant dense<1.0> : tensor<2x2xf32>
  %y = graph.fully_connected %x, %w {mica.range = array<f64: 0.0, 1.0>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A residual add of two integer values: each side rescaled to i32 (its
// zero point removed), an i32 add, and one rescale to int8 with the fused
// ReLU.
// CHECK-LABEL: func.func @residual
// CHECK: %[[A:.*]] = graph.rescale
// CHECK: %[[B:.*]] = graph.rescale
// CHECK: %[[WA:.*]] = graph.rescale %[[A]] {{{.*}}input_zero_point = -128 : i64{{.*}}} : tensor<1x2xi8> -> tensor<1x2xi32>
// CHECK: %[[WB:.*]] = graph.rescale %[[B]] {{{.*}}} : tensor<1x2xi8> -> tensor<1x2xi32>
// CHECK: %[[S:.*]] = graph.add %[[WA]], %[[WB]] {mica.quant = {{.*}}} : (tensor<1x2xi32>, tensor<1x2xi32>) -> tensor<1x2xi32>
// CHECK: %[[R:.*]] = graph.rescale %[[S]] {{{.*}}output_zero_point = -128 : i64{{.*}}} : tensor<1x2xi32> -> tensor<1x2xi8>
// CHECK: graph.dequantize %[[R]]
func.func @residual(%x: tensor<1x2xf32> {mica.range = array<f64: -1.0, 1.0>}) -> tensor<1x2xf32> {
  %w = graph.constant dense<0.5> : tensor<2x2xf32>
  %a = graph.fully_connected %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %ra = graph.relu %a {mica.range = array<f64: 0.0, 1.0>} : tensor<1x2xf32>
  %b = graph.fully_connected %x, %w {mica.range = array<f64: -1.0, 1.0>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %s = graph.add %ra, %b : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %r = graph.relu %s {mica.range = array<f64: 0.0, 2.0>} : tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}

// -----

// A global average pool of integers: the i32 sum minus 16 * zp, rescaled by
// s_in / (16 s_out); a concat rescales the input whose parameters differ.
// CHECK-LABEL: func.func @mean_concat
// CHECK: %[[R:.*]] = graph.rescale %{{.*}} : tensor<1x2x4x4xi32> -> tensor<1x2x4x4xi8>
// CHECK: %[[W:.*]] = graph.cast %[[R]] : tensor<1x2x4x4xi8> -> tensor<1x2x4x4xi32>
// CHECK: %[[S:.*]] = graph.reduce <sum> %[[W]] {{.*}} : (tensor<1x2x4x4xi32>) -> tensor<1x2x1x1xi32>
// CHECK: %[[M:.*]] = graph.rescale %[[S]] {input_zero_point = -2048 : i64{{.*}}} : tensor<1x2x1x1xi32> -> tensor<1x2x1x1xi8>
// CHECK: %[[R1:.*]] = graph.rescale %[[M]] {{{.*}}shift = array<i64: 31>} : tensor<1x2x1x1xi8> -> tensor<1x2x1x1xi8>
// CHECK: %[[R2:.*]] = graph.rescale %[[M]]
// CHECK: graph.concat %[[R1]], %[[R2]]
func.func @mean_concat(%x: tensor<1x1x4x4xf32> {mica.range = array<f64: 0.0, 1.0>}) -> tensor<1x4x1x1xf32> {
  %w = graph.constant dense<0.5> : tensor<2x1x1x1xf32>
  %y = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = graph.relu %y {mica.range = array<f64: 0.0, 0.5>} : tensor<1x2x4x4xf32>
  %m = graph.reduce <mean> %r {axes = array<i64: 2, 3>, mica.range = array<f64: 0.0, 0.5>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  %c = graph.concat %m, %m {axis = 1 : i64, mica.range = array<f64: 0.0, 1.0>} : (tensor<1x2x1x1xf32>, tensor<1x2x1x1xf32>) -> tensor<1x4x1x1xf32>
  return %c : tensor<1x4x1x1xf32>
}

// -----

// x * sigmoid(x) on integers: the sigmoid is a 256-entry table from the
// input's integers to the output's, the product an exact i32 product of
// the centred values rescaled once.
// CHECK-LABEL: func.func @swish
// CHECK: %[[X:.*]] = graph.rescale %{{.*}} : tensor<1x2xi32> -> tensor<1x2xi8>
// CHECK: %[[S:.*]] = graph.table %[[X]] {mica.quant = {{.*}}, table = array<i64: {{.*}}>} : tensor<1x2xi8> -> tensor<1x2xi8>
// CHECK-DAG: %[[CX:.*]] = graph.rescale %[[X]] {input_zero_point = -1 : i64, multiplier = array<i64: 1073741824>, shift = array<i64: 30>} : tensor<1x2xi8> -> tensor<1x2xi32>
// CHECK-DAG: %[[CS:.*]] = graph.rescale %[[S]] {input_zero_point = -128 : i64, multiplier = array<i64: 1073741824>, shift = array<i64: 30>} : tensor<1x2xi8> -> tensor<1x2xi32>
// CHECK: %[[P:.*]] = graph.mul %[[CX]], %[[CS]]
// CHECK: %[[Y:.*]] = graph.rescale %[[P]]
// CHECK: graph.dequantize %[[Y]]
func.func @swish(%x: tensor<1x2xf32> {mica.range = array<f64: -1.0, 1.0>}) -> tensor<1x2xf32> {
  %w = graph.constant dense<0.5> : tensor<2x2xf32>
  %a = graph.fully_connected %x, %w {mica.range = array<f64: -1.0, 1.0>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %s = graph.sigmoid %a {mica.range = array<f64: 0.25, 0.75>} : tensor<1x2xf32>
  %m = graph.mul %a, %s {mica.range = array<f64: -0.3, 0.75>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  return %m : tensor<1x2xf32>
}

// -----

// The layer's mica.quant names the calibration key (mica.tap) of the value
// it replaces, the fused ReLU's result; no mica.tap is left. The integer ops
// carry the locations of both nodes, the dense layer's and the ReLU's.
// CHECK-LABEL: func.func @tap_and_fused_location
// CHECK: graph.fully_connected {{.*}}mica.quant = {{{.*}}tap = "act|graph.relu|0"{{.*}}}
// CHECK-NOT: mica.tap
// LOC-LABEL: func.func @tap_and_fused_location
// LOC: graph.rescale {{.*}} loc(#[[SPAN:loc[0-9]*]])
// LOC: #[[FC:loc[0-9]*]] = loc("fc"
// LOC: #[[ACT:loc[0-9]*]] = loc("act"
// LOC: #[[SPAN]] = loc(fused[#[[FC]], #[[ACT]]])
func.func @tap_and_fused_location(%x: tensor<1x2xf32> {mica.range = array<f64: 0.0, 1.0>}) -> tensor<1x2xf32> {
  %w = graph.constant dense<0.5> : tensor<2x2xf32>
  %y = graph.fully_connected %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32> loc("fc"(fused<"ai.onnx::Gemm">["m.onnx":0:0]))
  %r = graph.relu %y {mica.range = array<f64: 0.0, 1.0>, mica.tap = "act|graph.relu|0"} : tensor<1x2xf32> loc("act"(fused<"ai.onnx::Relu">["m.onnx":0:0]))
  return %r : tensor<1x2xf32>
}

// -----

// Ops with an integer form that stay float say why: an add of an integer
// value and a float one (no range), a division by a run-time value, and a
// max pool of integers that only a float op (log-softmax) reads. A product
// by a constant that is not one positive scalar multiplies by the
// constant's int8 image (at its own range [0, 3]: 3 is 127, 2 is 42).
// CHECK-LABEL: func.func @float_reasons
// CHECK: graph.add {{.*}}mica.float_reason = "an input is float"
// CHECK: graph.constant dense<{{\[\[}}127, 42]]> : tensor<1x2xi8>
// CHECK: graph.mul {{.*}}mica.quant
// CHECK: graph.div {{.*}}mica.float_reason = "no integer form of a division by a run-time value"
// CHECK-LABEL: func.func @float_pool
// CHECK: graph.max_pool {{.*}}mica.float_reason = "only float ops use its result"
func.func @float_reasons(%x: tensor<1x2xf32> {mica.range = array<f64: -1.0, 1.0>}, %z: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = graph.constant dense<0.5> : tensor<2x2xf32>
  %a = graph.fully_connected %x, %w {mica.range = array<f64: -1.0, 1.0>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %s = graph.add %a, %z {mica.range = array<f64: -2.0, 2.0>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %c = graph.constant dense<[[3.0, 2.0]]> : tensor<1x2xf32>
  %m = graph.mul %a, %c {mica.range = array<f64: -3.0, 3.0>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %t = graph.add %s, %m : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %q = graph.div %m, %a {mica.range = array<f64: -3.0, 3.0>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %u = graph.add %t, %q : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  return %u : tensor<1x2xf32>
}
func.func @float_pool(%x: tensor<1x1x4x4xf32> {mica.range = array<f64: 0.0, 1.0>}) -> tensor<1x1x2x2xf32> {
  %w = graph.constant dense<0.5> : tensor<1x1x1x1xf32>
  %y = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, mica.range = array<f64: 0.0, 1.0>} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  %p = graph.max_pool %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  %s = graph.log_softmax %p {axis = 3 : i64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %s : tensor<1x1x2x2xf32>
}

// -----

// Attention's products of two activations and its scaling by a constant:
// q k^T on centred i32 operands (no constant weight), the scaling by
// 1 / sqrt(d) one rescale of the product's integers (zero point in and out).
// CHECK-LABEL: func.func @attention_scores
// CHECK-DAG: %[[Q:.*]] = graph.quantize %arg0
// CHECK-DAG: %[[K:.*]] = graph.quantize %arg1
// CHECK-DAG: %[[QC:.*]] = graph.rescale %[[Q]] {{.*}} -> tensor<1x4x8xi32>
// CHECK-DAG: %[[KC:.*]] = graph.rescale %[[K]] {{.*}} -> tensor<1x8x4xi32>
// CHECK: %[[S:.*]] = graph.matmul %[[QC]], %[[KC]] {mica.quant = {{.*}}} : (tensor<1x4x8xi32>, tensor<1x8x4xi32>) -> tensor<1x4x4xi32>
// CHECK: %[[S8:.*]] = graph.rescale %[[S]] {{.*}} -> tensor<1x4x4xi8>
// CHECK: %[[D:.*]] = graph.rescale %[[S8]] {{{.*}}input_zero_point = {{.*}}} : tensor<1x4x4xi8> -> tensor<1x4x4xi8>
// CHECK: graph.dequantize %[[D]]
// CHECK-NOT: graph.div
func.func @attention_scores(%q: tensor<1x4x8xf32> {mica.range = array<f64: -2.0, 2.0>}, %k: tensor<1x8x4xf32> {mica.range = array<f64: -2.0, 2.0>}) -> tensor<1x4x4xf32> {
  %s = graph.matmul %q, %k {mica.range = array<f64: -10.0, 12.0>} : (tensor<1x4x8xf32>, tensor<1x8x4xf32>) -> tensor<1x4x4xf32>
  %c = graph.constant dense<2.828427> : tensor<f32>
  %d = graph.div %s, %c {mica.range = array<f64: -3.5, 4.2>} : (tensor<1x4x4xf32>, tensor<f32>) -> tensor<1x4x4xf32>
  return %d : tensor<1x4x4xf32>
}

// -----

// A convolution whose weight says its scales (a QOperator model's weight,
// mica.weight_scales) keeps the model's integers and scales: channel 1's
// largest integer is 2, not 127, and stays 2.
// CHECK-LABEL: func.func @given_weight_scales
// CHECK: graph.constant dense<{{\[\[\[\[}}127, -1]]], {{\[\[\[}}2, -2]]]]> : tensor<2x1x1x2xi8>
// CHECK: graph.conv {{.*}}weight_scales = array<f64: 1.000000e-02, 5.000000e-01>
func.func @given_weight_scales(%x: tensor<1x1x1x2xf32> {mica.range = array<f64: -1.0, 1.0>}) -> tensor<1x2x1x1xf32> {
  %w = graph.constant dense<[[[[1.27, -0.01]]], [[[1.0, -1.0]]]]> : tensor<2x1x1x2xf32>
  %y = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, mica.range = array<f64: -2.0, 2.0>, mica.weight_scales = array<f64: 0.01, 0.5>} : (tensor<1x1x1x2xf32>, tensor<2x1x1x2xf32>) -> tensor<1x2x1x1xf32>
  return %y : tensor<1x2x1x1xf32>
}

// -----

// Softmax of an integer value: graph.integer_softmax with the exponential's
// byte tables for the input's scale (the last entry, x = max, is 2^15: high
// byte 128 = -128, low 0); without a calibrated output range the output is
// [0, 1] (scale 1/255 as f32, zero point -128, multiplier 2^31 / scale).
// CHECK-LABEL: func.func @softmax
// CHECK: %[[Q:.*]] = graph.quantize %arg0
// CHECK: %[[S:.*]] = graph.integer_softmax %[[Q]] {axis = -1 : i64, exp_high = array<i64: {{.*}}, -128>, exp_low = array<i64: {{.*}}, 0>, mica.quant = {{.*}}, output_multiplier = 547608297855 : i64, output_zero_point = -128 : i64} : tensor<2x8xi8> -> tensor<2x8xi8>
// CHECK: graph.dequantize %[[S]] {scale = 0.0039215688593685627 : f64, zero_point = -128 : i64}
// CHECK-NOT: graph.softmax
func.func @softmax(%x: tensor<2x8xf32> {mica.range = array<f64: -4.0, 4.0>}) -> tensor<2x8xf32> {
  %s = graph.softmax %x {axis = -1 : i64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

// -----

// The model's own uint8 integers (a dequantize of a uint8 input) are read
// as int8 by moving them by -128 (zero point 130 becomes 2); a constant
// operand on the model's own grid (mica.model_grid: a QOperator model's
// quantised constant) is quantised on that grid, and the add broadcasts.
// CHECK-LABEL: func.func @model_integers
// CHECK: %[[X:.+]] = graph.rescale %arg0 {input_zero_point = 128 : i64, {{.*}}} : tensor<2x3xui8> -> tensor<2x3xi8>
// CHECK: %[[C:.+]] = graph.quantize %{{.+}} {scale = {{.+}}, zero_point = 0 : i64} : tensor<3xf32> -> tensor<3xi8>
// CHECK-DAG: graph.rescale %[[X]] {input_zero_point = 2 : i64, {{.*}}} : tensor<2x3xi8> -> tensor<2x3xi32>
// CHECK-DAG: graph.rescale %[[C]] {{.*}} : tensor<3xi8> -> tensor<3xi32>
// CHECK: graph.add %{{.+}}, %{{.+}} {mica.quant = {{.*}}} : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
func.func @model_integers(%x: tensor<2x3xui8>) -> tensor<2x3xf32> {
  %d = graph.dequantize %x {scale = 0.05 : f64, zero_point = 130 : i64} : tensor<2x3xui8> -> tensor<2x3xf32>
  %c = graph.constant {mica.model_grid, mica.range = array<f64: -12.8, 12.7>} dense<[0.1, -0.2, 1.0]> : tensor<3xf32>
  %s = graph.add %d, %c {mica.range = array<f64: -20.0, 20.0>} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %s : tensor<2x3xf32>
}

// -----

// Layer norm over the last dim with constant scale and bias:
// graph.integer_layer_norm with gamma = round(scale / s_out 2^16) and beta =
// round(bias / s_out 2^32) (output [-2, 2]: s_out = 4/255, zero point -1),
// epsilon_term = round(N^2 eps / s_in^2).
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[Q:.*]] = graph.quantize %arg0
// CHECK: %[[N:.*]] = graph.integer_layer_norm %[[Q]] {beta = array<i64: 0, 27380415301>, epsilon_term = 1 : i64, gamma = array<i64: 4177920, 2088960>, input_zero_point = -1 : i64, mica.quant = {{.*}}, output_zero_point = -1 : i64} : tensor<3x2xi8> -> tensor<3x2xi8>
// CHECK: graph.dequantize %[[N]]
// CHECK-NOT: graph.layer_norm
func.func @layer_norm(%x: tensor<3x2xf32> {mica.range = array<f64: -1.0, 1.0>}) -> tensor<3x2xf32> {
  %s = graph.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %b = graph.constant dense<[0.0, 0.1]> : tensor<2xf32>
  %y = graph.layer_norm %x, %s, %b {axis = -1 : i64, mica.range = array<f64: -2.0, 2.0>} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A matmul of two integer values, whether the model quantises its result
// (mica.model_grid: a QLinearMatMul of two run-time matrices) or
// calibration gave its range (attention's scores): centred i32 operands, an
// i32 matmul, one rescale.
// CHECK-LABEL: func.func @integer_matmul
// CHECK: %[[A:.+]] = graph.rescale %{{.+}} {input_zero_point = -28 : i64, multiplier = array<i64: 1073741824>, shift = array<i64: 30>} : tensor<2x3xi8> -> tensor<2x3xi32>
// CHECK: %[[B:.+]] = graph.rescale %{{.+}} : tensor<3x2xi8> -> tensor<3x2xi32>
// CHECK: %[[M:.+]] = graph.matmul %[[A]], %[[B]] {mica.quant = {{.*}}} : (tensor<2x3xi32>, tensor<3x2xi32>) -> tensor<2x2xi32>
// CHECK: graph.rescale %[[M]] {{.*}} : tensor<2x2xi32> -> tensor<2x2xi8>
// CHECK: %[[M2:.+]] = graph.matmul %{{.+}}, %{{.+}} {mica.quant = {{.*}}} : (tensor<2x3xi32>, tensor<3x2xi32>) -> tensor<2x2xi32>
// CHECK: graph.rescale %[[M2]] {{.*}} : tensor<2x2xi32> -> tensor<2x2xi8>
func.func @integer_matmul(%a: tensor<2x3xf32> {mica.range = array<f64: -1.0, 1.0>}, %b: tensor<3x2xf32> {mica.range = array<f64: -2.0, 2.0>}) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %qa = graph.quantize %a {scale = 0.1 : f64, zero_point = -28 : i64} : tensor<2x3xf32> -> tensor<2x3xi8>
  %da = graph.dequantize %qa {scale = 0.1 : f64, zero_point = -28 : i64} : tensor<2x3xi8> -> tensor<2x3xf32>
  %qb = graph.quantize %b {scale = 0.1 : f64, zero_point = 0 : i64} : tensor<3x2xf32> -> tensor<3x2xi8>
  %db = graph.dequantize %qb {scale = 0.1 : f64, zero_point = 0 : i64} : tensor<3x2xi8> -> tensor<3x2xf32>
  %m = graph.matmul %da, %db {mica.model_grid, mica.range = array<f64: -6.0, 6.0>} : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  %s = graph.matmul %da, %db {mica.range = array<f64: -6.0, 6.0>} : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  return %m, %s : tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// An average pool of integers: window sums of (x - zp) as a depthwise
// convolution by ones of the input padded with its zero point (bias -zp *
// 9), then the division by each window's count of input values. Without
// counting padding the counts along H and along W are [2, 3, 2] each: a
// rescale along H into i32 with fractional bits, then one along W into
// int8. A pool that counts padding divides by 9 everywhere: one rescale.
// CHECK-LABEL: func.func @avg_pool
// CHECK: %[[P:.+]] = graph.pad %{{.+}} {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = -1.280000e+02 : f64}
// CHECK: %[[S:.+]] = graph.conv %[[P]], %{{.+}}, %{{.+}} {{{.*}}groups = 2 : i64, mica.quant = {{.*}}} : (tensor<1x2x5x5xi8>, tensor<2x1x3x3xi8>, tensor<2xi32>) -> tensor<1x2x3x3xi32>
// CHECK: %[[H:.+]] = graph.rescale %[[S]] {axis = 2 : i64, {{.*}}} : tensor<1x2x3x3xi32> -> tensor<1x2x3x3xi32>
// CHECK: graph.rescale %[[H]] {axis = 3 : i64, {{.*}}} : tensor<1x2x3x3xi32> -> tensor<1x2x3x3xi8>
// CHECK: %[[S2:.+]] = graph.conv
// CHECK: graph.rescale %[[S2]] {multiplier = array<i64: {{[0-9]+}}>, {{.*}}} : tensor<1x2x3x3xi32> -> tensor<1x2x3x3xi8>
// CHECK-NOT: graph.avg_pool
func.func @avg_pool(%x: tensor<1x2x3x3xf32> {mica.range = array<f64: 0.0, 2.55>}) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = graph.constant dense<0.5> : tensor<2x2x1x1xf32>
  %y = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, mica.range = array<f64: 0.0, 2.55>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %p = graph.avg_pool %y {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, mica.range = array<f64: 0.0, 2.0>} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %p2 = graph.avg_pool %y {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, count_include_pad = true, mica.range = array<f64: 0.0, 2.0>} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %p, %p2 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// Given integers that do not fit int8 (uint8 weights with zero point 100:
// row 0 spans [-100, 150]) stay the model's: int8 values 28 below them
// (-100 becomes -128), and 28 times the input row's sum added back, with
// -offset * zp * taps folded into the bias: with zp = -1, row 0's bias is
// -zp * (122 - 128) - 28 * zp * 2 = -6 + 56 = 50.
// CHECK-LABEL: func.func @offset_weights
// CHECK: graph.constant dense<{{\[\[}}122, -128], [10, 20]]> : tensor<2x2xi8>
// CHECK: graph.constant dense<[50, 30]> : tensor<2xi32>
// CHECK: %[[FC:.+]] = graph.fully_connected
// CHECK: %[[W:.+]] = graph.cast %{{.+}} : tensor<1x2xi8> -> tensor<1x2xi32>
// CHECK: %[[S:.+]] = graph.reduce <sum> %[[W]] {axes = array<i64: 1>} : (tensor<1x2xi32>) -> tensor<1x1xi32>
// CHECK: %[[O:.+]] = graph.constant dense<[28, 0]> : tensor<2xi32>
// CHECK: %[[M:.+]] = graph.mul %[[S]], %[[O]] : (tensor<1x1xi32>, tensor<2xi32>) -> tensor<1x2xi32>
// CHECK: %[[A:.+]] = graph.add %[[FC]], %[[M]]
// CHECK: graph.rescale %[[A]]
func.func @offset_weights(%x: tensor<1x2xf32> {mica.range = array<f64: -1.0, 1.0>}) -> tensor<1x2xf32> {
  %w = graph.constant dense<[[1.5, -1.0], [1.0, 2.0]]> : tensor<2x2xf32>
  %y = graph.fully_connected %x, %w {mica.range = array<f64: -4.0, 4.0>, mica.weight_scales = array<f64: 0.01, 0.1>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Data movement runs on the integers with their parameters: a pad (its
// constant 0.5 becomes the integer 63 at scale 2/255, zero point -1), a
// nearest resize; an add's constant operand is its int8 image at its own
// range (0.25 alone: [0, 0.25], 127).
// CHECK-LABEL: func.func @integer_moves
// CHECK: %[[P:.+]] = graph.pad %{{.+}} {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 6.300000e+01 : f64} : (tensor<1x1x2x2xi8>) -> tensor<1x1x4x4xi8>
// CHECK: %[[R:.+]] = graph.resize %[[P]] {{.*}} : (tensor<1x1x4x4xi8>) -> tensor<1x1x8x8xi8>
// CHECK: %[[C:.+]] = graph.constant dense<127> : tensor<1x1x8x8xi8>
// CHECK: graph.add %{{.+}}, %{{.+}} {mica.quant = {{.*}}} : (tensor<1x1x8x8xi32>, tensor<1x1x8x8xi32>) -> tensor<1x1x8x8xi32>
// CHECK-NOT: graph.resize {{.*}}xf32
func.func @integer_moves(%x: tensor<1x1x2x2xf32> {mica.range = array<f64: -1.0, 1.0>}) -> tensor<1x1x8x8xf32> {
  %w = graph.constant dense<0.5> : tensor<1x1x1x1xf32>
  %y = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, mica.range = array<f64: -1.0, 1.0>} : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %p = graph.pad %y {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.5 : f64} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  %r = graph.resize %p {mode = "nearest", scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32>
  %c = graph.constant dense<0.25> : tensor<1x1x8x8xf32>
  %a = graph.add %r, %c {mica.range = array<f64: -2.0, 2.0>} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  return %a : tensor<1x1x8x8xf32>
}
