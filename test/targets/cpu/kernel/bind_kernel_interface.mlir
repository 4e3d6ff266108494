// RUN: mica-opt %s --mica-bind-kernel-interface --split-input-file --verify-diagnostics | FileCheck %s

// Constants become views of the segment, intermediates views of the arena
// at planned offsets, the result is computed in the caller's buffer and its
// shape stored; the plan is written as exec ops.
// CHECK: exec.segment @constants size 64 data dense_resource<mica_constant_segment> : tensor<64xi8>
// CHECK-NOT: memref.global
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[CTX:.+]]: !llvm.ptr, %[[SEG:.+]]: memref<?xi8>, %[[ARENA:.+]]: memref<?xi8>, %[[IN:.+]]: memref<4xf32> {{.*}}, %[[OUT:.+]]: memref<?xi8>, %[[DIMS:.+]]: memref<1xi64>)
// CHECK-NOT: memref.alloc
// CHECK-DAG: memref.view %[[SEG]][%{{.+}}][] : memref<?xi8> to memref<4xf32>
// CHECK-DAG: memref.view %[[ARENA]][%{{.+}}][] : memref<?xi8> to memref<4xf32>
// CHECK-DAG: memref.view %[[OUT]][%{{.+}}][] : memref<?xi8> to memref<4xf32>
// CHECK: memref.store %{{.+}}, %[[DIMS]][%{{.+}}] : memref<1xi64>
// CHECK: return
// CHECK-NOT: memref.dealloc
// CHECK: exec.entry_point "main" function @main arena 128 intermediates 192
// CHECK-SAME: output_max_shapes = [array<i64: 4>]
// CHECK-NEXT: exec.step target "host" kernel "mica_main" segments [@constants]
memref.global "private" constant @w : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @main(%x: memref<4xf32> {exec.max_shape = array<i64: 4>}) -> memref<4xf32> {
  %w = memref.get_global @w : memref<4xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.add ins(%x, %w : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>)
  %b = memref.alloc() : memref<4xf32>
  linalg.mul ins(%a, %a : memref<4xf32>, memref<4xf32>) outs(%b : memref<4xf32>)
  %c = memref.alloc() : memref<4xf32>
  linalg.add ins(%b, %b : memref<4xf32>, memref<4xf32>) outs(%c : memref<4xf32>)
  %d = memref.alloc() : memref<4xf32>
  linalg.add ins(%c, %c : memref<4xf32>, memref<4xf32>) outs(%d : memref<4xf32>)
  return %d : memref<4xf32>
}

// -----

// A symbolic dimension is sized for its bound: n*n <= 100 floats, 448 bytes
// aligned; the result goes to the caller, not the arena.
// CHECK: exec.entry_point "main" function @main arena 448
// CHECK-SAME: input_max_shapes = [array<i64: 10>]
// CHECK-SAME: input_shapes = [array<i64: -9223372036854775808>]
// CHECK-SAME: output_max_shapes = [array<i64: 10>]
func.func @main(%x: memref<?xf32> {exec.max_shape = array<i64: 10>}) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %m = arith.muli %n, %n : index
  %big = memref.alloc(%m) : memref<?xf32>
  %s = memref.subview %big[0] [%n] [1] : memref<?xf32> to memref<?xf32, strided<[1]>>
  linalg.copy ins(%x : memref<?xf32>) outs(%s : memref<?xf32, strided<[1]>>)
  %r = memref.alloc(%n) : memref<?xf32>
  linalg.copy ins(%s : memref<?xf32, strided<[1]>>) outs(%r : memref<?xf32>)
  return %r : memref<?xf32>
}

// -----

// expected-error @+1 {{dimension 0 of input 0 is symbolic and has no upper bound}}
func.func @main(%x: memref<?xf32>) -> memref<?xf32> {
  return %x : memref<?xf32>
}

// -----

// A buffer is live from its first use, not from its allocation: %t, hoisted
// to the top for the last op (as mica-hoist-region-allocs places a loop's
// temporaries), shares bytes with %a, dead by then: 2 x 64 bytes, not 3.
// CHECK: exec.entry_point "main" function @main arena 128 intermediates 192
func.func @main(%x: memref<4xf32> {exec.max_shape = array<i64: 4>}) -> memref<4xf32> {
  %t = memref.alloc() : memref<4xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.add ins(%x, %x : memref<4xf32>, memref<4xf32>) outs(%a : memref<4xf32>)
  %b = memref.alloc() : memref<4xf32>
  linalg.mul ins(%a, %a : memref<4xf32>, memref<4xf32>) outs(%b : memref<4xf32>)
  linalg.add ins(%b, %b : memref<4xf32>, memref<4xf32>) outs(%t : memref<4xf32>)
  %d = memref.alloc() : memref<4xf32>
  linalg.add ins(%t, %t : memref<4xf32>, memref<4xf32>) outs(%d : memref<4xf32>)
  return %d : memref<4xf32>
}
