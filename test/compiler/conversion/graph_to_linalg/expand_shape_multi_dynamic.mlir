// RUN: mica-opt %s -split-input-file -mica-expand-shape-to-reinterpret-cast | FileCheck %s
// RUN: mica-opt %s -split-input-file -mica-lower-to-llvm | FileCheck %s --check-prefix=LLVM

// Upstream expand-strided-metadata (LLVM 22) assumes at most one `?` per
// expand_shape reassociation group and segfaulted on two or more (GPT
// decoder: reshape to a runtime shape, matmul with `?x?` batch dims). Such
// expand_shapes become a reinterpret_cast of the source's base buffer with
// the output_shape sizes before that pass; others are left to it.

// CHECK-LABEL: func @two_dynamic
// CHECK-SAME: (%[[SRC:.+]]: memref<?xf32>, %[[A:.+]]: index, %[[B:.+]]: index)
// CHECK: %[[BASE:.+]], %{{.+}}, %{{.+}}, %{{.+}} = memref.extract_strided_metadata %[[SRC]]
// CHECK-NOT: memref.expand_shape
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[A]], %[[B]]], strides: [%[[B]], 1] : memref<f32> to memref<?x?xf32>
func.func @two_dynamic(%src: memref<?xf32>, %a: index, %b: index) -> memref<?x?xf32> {
  %0 = memref.expand_shape %src [[0, 1]] output_shape [%a, %b] : memref<?xf32> into memref<?x?xf32>
  return %0 : memref<?x?xf32>
}

// -----

// A strided source keeps its offset; the outer stride is the inner size
// times the source stride.
// CHECK-LABEL: func @strided_source
// CHECK-SAME: (%[[SRC:.+]]: memref<?x256xf32, strided<[512, 1], offset: ?>>, %[[A:.+]]: index, %[[B:.+]]: index)
// CHECK-DAG: %[[C512:.+]] = arith.constant 512 : index
// CHECK-DAG: %[[BASE:.+]], %[[OFF:.+]], %{{.+}}:2, %{{.+}}:2 = memref.extract_strided_metadata %[[SRC]]
// CHECK: %[[S0:.+]] = arith.muli %[[C512]], %[[B]] : index
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [%[[OFF]]], sizes: [%[[A]], %[[B]], 256], strides: [%[[S0]], 512, 1]
func.func @strided_source(%src: memref<?x256xf32, strided<[512, 1], offset: ?>>, %a: index, %b: index) -> memref<?x?x256xf32, strided<[?, 512, 1], offset: ?>> {
  %0 = memref.expand_shape %src [[0, 1], [2]] output_shape [%a, %b, 256] : memref<?x256xf32, strided<[512, 1], offset: ?>> into memref<?x?x256xf32, strided<[?, 512, 1], offset: ?>>
  return %0 : memref<?x?x256xf32, strided<[?, 512, 1], offset: ?>>
}

// -----

// One `?` per group is what upstream handles: left alone.
// CHECK-LABEL: func @one_dynamic
// CHECK: memref.expand_shape
// CHECK-NOT: memref.reinterpret_cast
func.func @one_dynamic(%src: memref<?xf32>, %a: index) -> memref<?x4xf32> {
  %0 = memref.expand_shape %src [[0, 1]] output_shape [%a, 4] : memref<?xf32> into memref<?x4xf32>
  return %0 : memref<?x4xf32>
}

// -----

// The graph ops that produced such views in the GPT decoder lower all the
// way to the LLVM dialect.
// LLVM-NOT: memref.
// LLVM-LABEL: llvm.func @reshape_runtime
// LLVM: llvm.return
func.func @reshape_runtime(%x: tensor<?x4xf32>, %s: tensor<3xi64>) -> tensor<?x?x?xf32> {
  %0 = graph.reshape %x, %s : (tensor<?x4xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// LLVM-NOT: memref.
// LLVM-LABEL: llvm.func @matmul_two_dynamic_batch
// LLVM: llvm.return
func.func @matmul_two_dynamic_batch(%a: tensor<?x?x8xf32>, %b: tensor<8x5xf32>) -> tensor<?x?x5xf32> {
  %0 = graph.matmul %a, %b : (tensor<?x?x8xf32>, tensor<8x5xf32>) -> tensor<?x?x5xf32>
  return %0 : tensor<?x?x5xf32>
}
