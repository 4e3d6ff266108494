// RUN: mica-opt %s -mica-normalize-onnx-versions -split-input-file | FileCheck %s

// Slice-1's attributes become constant operands; steps are absent.
// CHECK-LABEL: func.func @slice1
// CHECK-DAG: %[[S:.+]] = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}>
// CHECK-DAG: %[[E:.+]] = "onnx.Constant"() <{value = dense<3> : tensor<1xi64>}>
// CHECK-DAG: %[[A:.+]] = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}>
// CHECK-DAG: %[[N:.+]] = onnx.NoValue
// CHECK: "onnx.Slice"(%arg0, %[[S]], %[[E]], %[[A]], %[[N]])
func.func @slice1(%arg0: tensor<4x6xf32>) -> tensor<2x6xf32> {
  %0 = "onnx.Slice_v1"(%arg0) <{axes = [0], ends = [3], starts = [1]}> : (tensor<4x6xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// Softmax-1 normalises the rows of the input flattened to 2-D at `axis`.
// CHECK-LABEL: func.func @softmax1
// CHECK: %[[F:.+]] = "onnx.Flatten"(%arg0) <{axis = 1 : i64}> {{.*}} -> tensor<2x12xf32>
// CHECK: %[[S:.+]] = "onnx.Softmax"(%[[F]]) <{axis = 1 : i64}>
// CHECK: %[[D:.+]] = "onnx.Shape"(%arg0)
// CHECK: "onnx.Reshape"(%[[S]], %[[D]]) {{.*}} -> tensor<2x3x4xf32>
func.func @softmax1(%arg0: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = "onnx.Softmax_v1"(%arg0) <{axis = 1 : i64}> : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Cast-1 names its type; 6 is INT32.
// CHECK-LABEL: func.func @cast1
// CHECK: "onnx.Cast"(%arg0) <{to = 6 : i64}>
func.func @cast1(%arg0: tensor<4xf32>) -> tensor<4xi32> {
  %0 = "onnx.Cast_v1"(%arg0) <{to = "INT32"}> : (tensor<4xf32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Upsample is Resize with asymmetric coordinates and floor rounding.
// CHECK-LABEL: func.func @upsample7
// CHECK: %[[SC:.+]] = "onnx.Constant"() <{value = dense<[1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00]> : tensor<4xf32>}>
// CHECK: "onnx.Resize"(%arg0, %{{.+}}, %[[SC]], %{{.+}}) <{coordinate_transformation_mode = "asymmetric", {{.*}}mode = "nearest", nearest_mode = "floor"}>
func.func @upsample7(%arg0: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %0 = "onnx.Upsample_v7"(%arg0) <{scales = [1.0 : f32, 1.0 : f32, 2.0 : f32, 2.0 : f32]}> : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Results the newest version added are absent (type none).
// CHECK-LABEL: func.func @maxpool1
// CHECK: "onnx.MaxPool"(%arg0) {{.*}} -> (tensor<1x1x2x2xf32>, none)
func.func @maxpool1(%arg0: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %0 = "onnx.MaxPool_v1"(%arg0) <{kernel_shape = [2, 2], strides = [2, 2]}> : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// A used mask of the data's type has no newest form: the op stays, with the
// reason the conversion's error reports.
// CHECK-LABEL: func.func @dropout7_mask
// CHECK: "onnx.Dropout_v7"(%arg0) {{.*}}{mica.unnormalized = "the mask of Dropout before version 10 has the data's type"}
func.func @dropout7_mask(%arg0: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0, %1 = "onnx.Dropout_v7"(%arg0) <{ratio = 5.000000e-01 : f32}> : (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
