// RUN: mica-opt %s --mica-bind-kernel-interface="target=arm64 prefix=net" | FileCheck %s

// Two entry points (the model compiled at two shapes) share one segment:
// equal constants are stored once whatever their globals are called (@w and
// @w_copy at offset 0, @v at 64); each entry point gets its own memory plan
// and kernel, PREFIX_ENTRY on the given target.
// CHECK: exec.segment @constants size 128
// CHECK-NOT: memref.global
// CHECK-LABEL: func.func @small
// CHECK: %[[S0:.+]] = arith.constant 0 : index
// CHECK: memref.view %{{.+}}[%[[S0]]][] : memref<?xi8> to memref<4xf32>
// CHECK-LABEL: func.func @large
// CHECK-DAG: %[[L0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[L64:.+]] = arith.constant 64 : index
// CHECK-DAG: memref.view %{{.+}}[%[[L0]]][] : memref<?xi8> to memref<4xf32>
// CHECK-DAG: memref.view %{{.+}}[%[[L64]]][] : memref<?xi8> to memref<4xf32>
// CHECK: exec.entry_point "small" function @small arena 0
// CHECK-NEXT: exec.step target "arm64" kernel "net_small" segments [@constants]
// CHECK: exec.entry_point "large" function @large arena 64
// CHECK-NEXT: exec.step target "arm64" kernel "net_large" segments [@constants]
memref.global "private" constant @w : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
memref.global "private" constant @w_copy : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
memref.global "private" constant @v : memref<4xf32> = dense<[5.0, 6.0, 7.0, 8.0]>
func.func @small(%x: memref<4xf32> {exec.max_shape = array<i64: 4>}) -> memref<4xf32> {
  %w = memref.get_global @w : memref<4xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.add ins(%x, %w : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>)
  return %a : memref<4xf32>
}
func.func @large(%x: memref<4xf32> {exec.max_shape = array<i64: 4>}) -> memref<4xf32> {
  %w = memref.get_global @w_copy : memref<4xf32>
  %v = memref.get_global @v : memref<4xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.add ins(%x, %w : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>)
  %b = memref.alloc() : memref<4xf32>
  linalg.add ins(%a, %v : memref<4xf32>, memref<4xf32>) outs(%b : memref<4xf32>)
  return %b : memref<4xf32>
}
