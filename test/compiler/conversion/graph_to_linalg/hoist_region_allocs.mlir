// RUN: mica-opt %s -mica-hoist-region-allocs -split-input-file | FileCheck %s

// A static temporary of a loop body moves to the top of the function; one
// that a loop iteration yields (its contents outlive the iteration) stays.
// CHECK-LABEL: func @temporary
// CHECK-NEXT: %[[T:.+]] = memref.alloc() : memref<4xf32>
// CHECK: scf.for
// CHECK-NOT: memref.alloc
// CHECK: linalg.copy ins(%[[T]]
func.func @temporary(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %t = memref.alloc() : memref<4xf32>
    linalg.copy ins(%x : memref<4xf32>) outs(%t : memref<4xf32>)
    linalg.copy ins(%t : memref<4xf32>) outs(%x : memref<4xf32>)
  }
  return
}

// -----

// CHECK-LABEL: func @yielded
// CHECK: scf.for
// CHECK: memref.alloc
func.func @yielded(%x: memref<4xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %0 = scf.for %i = %c0 to %c4 step %c1 iter_args(%v = %x) -> (memref<4xf32>) {
    %t = memref.alloc() : memref<4xf32>
    linalg.copy ins(%v : memref<4xf32>) outs(%t : memref<4xf32>)
    scf.yield %t : memref<4xf32>
  }
  return %0 : memref<4xf32>
}
