// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// QLinearConv with constant parameters is its QDQ meaning: dequantize the
// input, a float conv whose weight is the float image of the int8 weights
// (w - zp) * scale and carries their per-channel scales, whose bias is
// b * x_scale * w_scale, then quantize with the output's parameters.
// CHECK-LABEL: func.func @qlinear_conv
// CHECK-DAG: %[[X:.+]] = graph.dequantize %arg0 {scale = 5.000000e-02 : f64, zero_point = 128 : i64} : tensor<1x1x4x4xui8> -> tensor<1x1x4x4xf32>
// CHECK-DAG: %[[W:.+]] = graph.constant dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]], {{\[\[\[}}-5.000000e-01, -1.000000e+00], [5.000000e-01, 0.000000e+00]]]]> : tensor<2x1x2x2xf32>
// CHECK-DAG: %[[B:.+]] = graph.constant dense<[5.000000e-01, -2.500000e-01]> : tensor<2xf32>
// CHECK: %[[C:.+]] = graph.conv %[[X]], %[[W]], %[[B]] {{{.*}}mica.weight_scales = array<f64: 1.000000e+00, 5.000000e-01>{{.*}}}
// CHECK: %[[Y:.+]] = graph.quantize %[[C]] {scale = 2.500000e-01 : f64, zero_point = 3 : i64} : tensor<1x2x3x3xf32> -> tensor<1x2x3x3xui8>
// CHECK: return %[[Y]]
func.func @qlinear_conv(%x: tensor<1x1x4x4xui8>) -> tensor<1x2x3x3xui8> {
  %xs = graph.constant dense<0.05> : tensor<f32>
  %xz = graph.constant dense<128> : tensor<ui8>
  %w = graph.constant dense<[[[[1, 2], [3, 4]]], [[[-1, -2], [1, 0]]]]> : tensor<2x1x2x2xi8>
  %ws = graph.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %wz = graph.constant dense<0> : tensor<2xi8>
  %ys = graph.constant dense<0.25> : tensor<f32>
  %yz = graph.constant dense<3> : tensor<ui8>
  %b = graph.constant dense<[10, -10]> : tensor<2xi32>
  %0 = "onnx.QLinearConv"(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %b) <{auto_pad = "NOTSET", group = 1 : i64}> : (tensor<1x1x4x4xui8>, tensor<f32>, tensor<ui8>, tensor<2x1x2x2xi8>, tensor<2xf32>, tensor<2xi8>, tensor<f32>, tensor<ui8>, tensor<2xi32>) -> tensor<1x2x3x3xui8>
  return %0 : tensor<1x2x3x3xui8>
}

// -----

// Scales known only at run time: the arithmetic form (integer convolution,
// float requantisation) stays.
// CHECK-LABEL: func.func @qlinear_conv_runtime_scale
// CHECK-NOT: graph.quantize
// CHECK: graph.conv {{.*}} -> tensor<1x2x3x3xi32>
// CHECK: graph.round
func.func @qlinear_conv_runtime_scale(%x: tensor<1x1x4x4xui8>, %xs: tensor<f32>) -> tensor<1x2x3x3xui8> {
  %xz = graph.constant dense<128> : tensor<ui8>
  %w = graph.constant dense<1> : tensor<2x1x2x2xi8>
  %ws = graph.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %wz = graph.constant dense<0> : tensor<2xi8>
  %ys = graph.constant dense<0.25> : tensor<f32>
  %yz = graph.constant dense<3> : tensor<ui8>
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.QLinearConv"(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %none) <{auto_pad = "NOTSET", group = 1 : i64}> : (tensor<1x1x4x4xui8>, tensor<f32>, tensor<ui8>, tensor<2x1x2x2xi8>, tensor<2xf32>, tensor<2xi8>, tensor<f32>, tensor<ui8>, none) -> tensor<1x2x3x3xui8>
  return %0 : tensor<1x2x3x3xui8>
}

// -----

// QLinearMatMul by a constant matrix with one scale per column: the same
// weight form along the columns; by a run-time matrix: two dequantized
// values.
// CHECK-LABEL: func.func @qlinear_matmul
// CHECK-DAG: %[[A:.+]] = graph.dequantize %arg0 {scale = 1.000000e-01 : f64, zero_point = 0 : i64} : tensor<2x2xi8> -> tensor<2x2xf32>
// CHECK-DAG: %[[W:.+]] = graph.constant dense<{{\[\[}}2.000000e+00, 2.500000e-01], [-2.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[M:.+]] = graph.matmul %[[A]], %[[W]] {mica.weight_scales = array<f64: 2.000000e+00, 2.500000e-01>}
// CHECK: graph.quantize %[[M]] {scale = 5.000000e-01 : f64, zero_point = -1 : i64} : tensor<2x2xf32> -> tensor<2x2xi8>
// CHECK: %[[B:.+]] = graph.dequantize %arg1
// CHECK: graph.matmul %{{.+}}, %[[B]] : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
func.func @qlinear_matmul(%a: tensor<2x2xi8>, %b: tensor<2x2xi8>) -> (tensor<2x2xi8>, tensor<2x2xi8>) {
  %as = graph.constant dense<0.1> : tensor<f32>
  %az = graph.constant dense<0> : tensor<i8>
  %w = graph.constant dense<[[1, 1], [-1, 0]]> : tensor<2x2xi8>
  %ws = graph.constant dense<[2.0, 0.25]> : tensor<2xf32>
  %ys = graph.constant dense<0.5> : tensor<f32>
  %yz = graph.constant dense<-1> : tensor<i8>
  %0 = "onnx.QLinearMatMul"(%a, %as, %az, %w, %ws, %az, %ys, %yz) : (tensor<2x2xi8>, tensor<f32>, tensor<i8>, tensor<2x2xi8>, tensor<2xf32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<2x2xi8>
  %1 = "onnx.QLinearMatMul"(%a, %as, %az, %b, %as, %az, %ys, %yz) : (tensor<2x2xi8>, tensor<f32>, tensor<i8>, tensor<2x2xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<2x2xi8>
  return %0, %1 : tensor<2x2xi8>, tensor<2x2xi8>
}

// -----

// QLinearAdd of a run-time value and a constant (broadcast): the constant
// becomes its float image with the exact range of its uint8 parameters,
// [(0 - 100) * 0.5, (255 - 100) * 0.5], marked as the model's own grid.
// CHECK-LABEL: func.func @qlinear_add
// CHECK-DAG: %[[A:.+]] = graph.dequantize %arg0 {scale = 1.000000e-01 : f64, zero_point = 128 : i64}
// CHECK-DAG: %[[B:.+]] = graph.constant {mica.model_grid, mica.range = array<f64: -5.000000e+01, 7.750000e+01>} dense<[-5.000000e+01, 7.750000e+01]> : tensor<2xf32>
// CHECK: %[[S:.+]] = graph.add %[[A]], %[[B]]
// CHECK: graph.quantize %[[S]] {scale = 2.000000e-01 : f64, zero_point = 0 : i64}
func.func @qlinear_add(%a: tensor<3x2xui8>) -> tensor<3x2xui8> {
  %as = graph.constant dense<0.1> : tensor<f32>
  %az = graph.constant dense<128> : tensor<ui8>
  %b = graph.constant dense<[0, 255]> : tensor<2xui8>
  %bs = graph.constant dense<0.5> : tensor<f32>
  %bz = graph.constant dense<100> : tensor<ui8>
  %cs = graph.constant dense<0.2> : tensor<f32>
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.com.microsoft.QLinearAdd"(%a, %as, %az, %b, %bs, %bz, %cs, %none) : (tensor<3x2xui8>, tensor<f32>, tensor<ui8>, tensor<2xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, none) -> tensor<3x2xui8>
  return %0 : tensor<3x2xui8>
}

// -----

// QLinearAveragePool on channels-last data: the integers move to NCHW and
// back around the QDQ form of the pool; QLinearGlobalAveragePool is a mean
// over the spatial dims; QLinearLeakyRelu keeps its alpha.
// CHECK-LABEL: func.func @pools
// CHECK: %[[T:.+]] = graph.transpose %arg0 {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x2xi8>) -> tensor<1x2x4x4xi8>
// CHECK: %[[D:.+]] = graph.dequantize %[[T]]
// CHECK: %[[P:.+]] = graph.avg_pool %[[D]] {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}
// CHECK: %[[Q:.+]] = graph.quantize %[[P]]
// CHECK: graph.transpose %[[Q]] {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x2x2xi8>) -> tensor<1x2x2x2xi8>
// CHECK: graph.reduce <mean> %{{.+}} {axes = array<i64: 2, 3>}
// CHECK: graph.leaky_relu %{{.+}} {alpha = 2.000000e-01 : f64}
func.func @pools(%x: tensor<1x4x4x2xi8>, %y: tensor<1x2x4x4xi8>) -> (tensor<1x2x2x2xi8>, tensor<1x2x1x1xi8>, tensor<1x2x4x4xi8>) {
  %s = graph.constant dense<0.1> : tensor<f32>
  %z = graph.constant dense<-3> : tensor<i8>
  %0 = "onnx.com.microsoft.QLinearAveragePool"(%x, %s, %z, %s, %z) <{auto_pad = "NOTSET", ceil_mode = 0 : i64, channels_last = 1 : i64, count_include_pad = 0 : i64, kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]}> : (tensor<1x4x4x2xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<1x2x2x2xi8>
  %1 = "onnx.com.microsoft.QLinearGlobalAveragePool"(%y, %s, %z, %s, %z) <{channels_last = 0 : i64}> : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<1x2x1x1xi8>
  %2 = "onnx.com.microsoft.QLinearLeakyRelu"(%y, %s, %z, %s, %z) <{alpha = 0.2 : f32}> : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>, tensor<f32>, tensor<i8>) -> tensor<1x2x4x4xi8>
  return %0, %1, %2 : tensor<1x2x2x2xi8>, tensor<1x2x1x1xi8>, tensor<1x2x4x4xi8>
}

// -----

// ConvInteger with a constant uint8 weight (zero point 128) and a uint8
// input (zero point 5) is an int8 convolution: the input moved to int8
// (x - 128) and padded with its zero point 5 - 128 = -123, the weight
// w - 128, and a bias of 123 * sum(w - 128) per output channel.
// CHECK-LABEL: func.func @conv_integer
// CHECK-DAG: %[[B:.+]] = graph.constant dense<0> : tensor<1xi32>
// CHECK-DAG: %[[W:.+]] = graph.constant dense<{{\[\[\[\[}}-128, 127], [0, 1]]]]> : tensor<1x1x2x2xi8>
// CHECK: %[[X:.+]] = graph.rescale %arg0 {input_zero_point = 128 : i64, multiplier = array<i64: 1073741824>, shift = array<i64: 30>} : tensor<1x1x3x3xui8> -> tensor<1x1x3x3xi8>
// CHECK: %[[P:.+]] = graph.pad %[[X]] {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = -1.230000e+02 : f64}
// CHECK: graph.conv %[[P]], %[[W]], %[[B]] {{{.*}}pads = array<i64: 0, 0, 0, 0>{{.*}}} : (tensor<1x1x5x5xi8>, tensor<1x1x2x2xi8>, tensor<1xi32>) -> tensor<1x1x4x4xi32>
func.func @conv_integer(%x: tensor<1x1x3x3xui8>) -> tensor<1x1x4x4xi32> {
  %w = graph.constant dense<[[[[0, 255], [128, 129]]]]> : tensor<1x1x2x2xui8>
  %xz = graph.constant dense<5> : tensor<ui8>
  %wz = graph.constant dense<128> : tensor<ui8>
  %0 = "onnx.ConvInteger"(%x, %w, %xz, %wz) <{auto_pad = "NOTSET", group = 1 : i64, pads = [1, 1, 1, 1]}> : (tensor<1x1x3x3xui8>, tensor<1x1x2x2xui8>, tensor<ui8>, tensor<ui8>) -> tensor<1x1x4x4xi32>
  return %0 : tensor<1x1x4x4xi32>
}

// -----

// MatMulInteger by a constant int8 matrix: an int8 matmul plus the
// correction -a_zp * (column sums) = -(7 - 128) * [3, -1].
// CHECK-LABEL: func.func @matmul_integer
// CHECK: %[[C:.+]] = graph.constant dense<[363, -121]> : tensor<2xi32>
// CHECK: %[[A:.+]] = graph.rescale %arg0 {{.*}} : tensor<2x2xui8> -> tensor<2x2xi8>
// CHECK: %[[M:.+]] = graph.matmul %[[A]], %{{.+}} : (tensor<2x2xi8>, tensor<2x2xi8>) -> tensor<2x2xi32>
// CHECK: graph.add %[[M]], %[[C]]
func.func @matmul_integer(%a: tensor<2x2xui8>) -> tensor<2x2xi32> {
  %b = graph.constant dense<[[1, 0], [2, -1]]> : tensor<2x2xi8>
  %az = graph.constant dense<7> : tensor<ui8>
  %none = "onnx.NoValue"() : () -> none
  %0 = "onnx.MatMulInteger"(%a, %b, %az, %none) : (tensor<2x2xui8>, tensor<2x2xi8>, tensor<ui8>, none) -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}
