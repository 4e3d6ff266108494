// RUN: mica-opt %s -split-input-file | mica-opt -split-input-file | FileCheck %s

// A newest-version op, an older version and an absent optional operand
// round-trip in the generic form.
// CHECK-LABEL: func.func @conv_versions
func.func @conv_versions(%x: tensor<1x1x7x5xf32>, %w: tensor<1x1x3x3xf32>) -> (tensor<1x1x4x3xf32>, tensor<1x1x4x3xf32>) {
  // CHECK: %[[NONE:.+]] = onnx.NoValue
  %none = onnx.NoValue
  // CHECK: "onnx.Conv"(%{{.+}}, %{{.+}}, %[[NONE]]) <{{.*}}strides = [2, 2]{{.*}}>
  %0 = "onnx.Conv"(%x, %w, %none) <{auto_pad = "NOTSET", group = 1 : i64, kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]}> : (tensor<1x1x7x5xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x4x3xf32>
  // CHECK: "onnx.Conv_v1"
  %1 = "onnx.Conv_v1"(%x, %w, %none) <{auto_pad = "NOTSET", group = 1 : i64, pads = [1, 1, 1, 1], strides = [2, 2]}> : (tensor<1x1x7x5xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x4x3xf32>
  return %0, %1 : tensor<1x1x4x3xf32>, tensor<1x1x4x3xf32>
}

// -----

// Subgraphs are regions terminated by onnx.Yield and may use outer values.
// CHECK-LABEL: func.func @if_regions
func.func @if_regions(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: "onnx.If"
  %0 = "onnx.If"(%c) ({
    // CHECK: onnx.Yield %{{.+}} : tensor<2xf32>
    onnx.Yield %a : tensor<2xf32>
  }, {
    %n = "onnx.Neg"(%a) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// ONNX types Mica adds to the builtin ones: sequences, optionals, strings;
// variadic operands and results (Split, Concat).
// CHECK-LABEL: func.func @types
// CHECK-SAME: !onnx.seq<tensor<?xf32>>, %{{.+}}: !onnx.opt<tensor<f32>>, %{{.+}}: tensor<2x!onnx.string>
func.func @types(%s: !onnx.seq<tensor<?xf32>>, %o: !onnx.opt<tensor<f32>>, %t: tensor<2x!onnx.string>, %x: tensor<6xf32>) -> (tensor<2xf32>, tensor<4xf32>, tensor<10xf32>) {
  // CHECK: "onnx.Split"{{.*}} -> (tensor<2xf32>, tensor<4xf32>)
  %split = "onnx.Constant"() <{value = dense<[2, 4]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %a, %b = "onnx.Split"(%x, %split) <{axis = 0 : i64}> : (tensor<6xf32>, tensor<2xi64>) -> (tensor<2xf32>, tensor<4xf32>)
  %c = "onnx.Concat"(%x, %b) <{axis = 0 : i64}> : (tensor<6xf32>, tensor<4xf32>) -> tensor<10xf32>
  return %a, %b, %c : tensor<2xf32>, tensor<4xf32>, tensor<10xf32>
}
