// RUN: mica-opt %s --mica-cpu-shrink-fills --split-input-file | FileCheck %s

// A padded buffer: the fill of the whole buffer shrinks to the four slabs
// around the interior that the copy overwrites (top row, bottom row, then
// the left and right columns of the interior rows).
// CHECK-LABEL: func.func @pad
// CHECK-NOT: linalg.map
// CHECK: %[[TOP:.+]] = memref.subview %[[BUF:.+]][0, 0, 0, 0] [1, 2, 1, 6] [1, 1, 1, 1]
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[TOP]]
// CHECK: memref.subview %[[BUF]][0, 0, 5, 0] [1, 2, 1, 6] [1, 1, 1, 1]
// CHECK: linalg.fill
// CHECK: memref.subview %[[BUF]][0, 0, 1, 0] [1, 2, 4, 1] [1, 1, 1, 1]
// CHECK: linalg.fill
// CHECK: memref.subview %[[BUF]][0, 0, 1, 5] [1, 2, 4, 1] [1, 1, 1, 1]
// CHECK: linalg.fill
// CHECK: linalg.copy
func.func @pad(%x: memref<1x2x4x4xf32>) -> memref<1x2x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc() : memref<1x2x6x6xf32>
  linalg.map outs(%buf : memref<1x2x6x6xf32>)
    (%init: f32) {
      %i = linalg.index 0 : index
      linalg.yield %zero : f32
    }
  %interior = memref.subview %buf[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 1, 1]
      : memref<1x2x6x6xf32> to memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>
  linalg.copy ins(%x : memref<1x2x4x4xf32>) outs(%interior : memref<1x2x4x4xf32, strided<[72, 36, 6, 1], offset: 7>>)
  return %buf : memref<1x2x6x6xf32>
}

// -----

// The buffer is read before its interior is written: the fill stays whole.
// CHECK-LABEL: func.func @read_first
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : memref<8xf32>)
// CHECK-NOT: linalg.fill
func.func @read_first(%x: memref<4xf32>, %y: memref<8xf32>) -> memref<8xf32> {
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc() : memref<8xf32>
  linalg.fill ins(%zero : f32) outs(%buf : memref<8xf32>)
  linalg.copy ins(%buf : memref<8xf32>) outs(%y : memref<8xf32>)
  %interior = memref.subview %buf[2] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 2>>
  linalg.copy ins(%x : memref<4xf32>) outs(%interior : memref<4xf32, strided<[1], offset: 2>>)
  return %buf : memref<8xf32>
}
