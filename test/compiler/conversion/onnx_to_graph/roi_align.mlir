// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// RoiAlign (avg, sampling_ratio 2, 3x3 output): the regions' images
// gathered by batch index, bilinear border grid_sample at 6x6 points per
// region, points outside [-1, size] zeroed, a 2x2 average pool.
// CHECK-LABEL: func.func @roi_align
// CHECK-DAG: %[[IMG:.+]] = graph.gather %arg0, %arg2 :
// CHECK-DAG: %[[GRID:.+]] = graph.concat {{.*}} {axis = 3 : i64} : (tensor<2x6x6x1xf32>, tensor<2x6x6x1xf32>) -> tensor<2x6x6x2xf32>
// CHECK: %[[S:.+]] = graph.grid_sample %[[IMG]], %[[GRID]] {align_corners = true, padding_mode = "border"}
// CHECK: %[[M:.+]] = graph.select %{{.+}}, %[[S]]
// CHECK: graph.avg_pool %[[M]] {{.*}}kernel = array<i64: 2, 2>{{.*}}strides = array<i64: 2, 2>
func.func @roi_align(%x: tensor<1x1x8x8xf32>, %rois: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<2x1x3x3xf32> {
  %0 = "onnx.RoiAlign"(%x, %rois, %b) <{output_height = 3 : i64, output_width = 3 : i64, sampling_ratio = 2 : i64}> : (tensor<1x1x8x8xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x3x3xf32>
  return %0 : tensor<2x1x3x3xf32>
}

// -----

// An adaptive sampling ratio depends on the region sizes: unsupported.
// CHECK-LABEL: func.func @roi_align_adaptive
// CHECK: "onnx.RoiAlign"
func.func @roi_align_adaptive(%x: tensor<1x1x8x8xf32>, %rois: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<2x1x3x3xf32> {
  %0 = "onnx.RoiAlign"(%x, %rois, %b) <{output_height = 3 : i64, output_width = 3 : i64}> : (tensor<1x1x8x8xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x1x3x3xf32>
  return %0 : tensor<2x1x3x3xf32>
}
