// RUN: mica-opt %s -mica-memref-copy-to-linalg -split-input-file | FileCheck %s
// RUN: mica-opt %s -mica-memref-copy-to-linalg -convert-linalg-to-loops -split-input-file | FileCheck %s --check-prefix=LOOPS

// A copy into a strided (padded) destination becomes linalg.copy, and then
// loops: no call to MLIR's memrefCopy remains for the runtime to provide.
// CHECK-LABEL: func.func @copy_into_padded
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%arg0 : memref<3x8x8xf32>) outs(%{{.+}} : memref<3x8x8xf32, strided<[100, 10, 1], offset: 11>>)
// LOOPS-LABEL: func.func @copy_into_padded
// LOOPS: scf.for
// LOOPS: memref.load
// LOOPS: memref.store
func.func @copy_into_padded(%arg0: memref<3x8x8xf32>, %arg1: memref<3x10x10xf32>) {
  %view = memref.subview %arg1[0, 1, 1] [3, 8, 8] [1, 1, 1] : memref<3x10x10xf32> to memref<3x8x8xf32, strided<[100, 10, 1], offset: 11>>
  memref.copy %arg0, %view : memref<3x8x8xf32> to memref<3x8x8xf32, strided<[100, 10, 1], offset: 11>>
  return
}
