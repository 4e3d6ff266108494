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

// -----

// A temporary of a parallel loop's body (iterations run at once) gets a
// slot per iteration in one allocation: 3 iterations x 24 bytes rounded up
// to the 64-byte alignment; inside the loop, a view of the iteration's slot.
// One under a dynamic trip count stays (the memory plan reports it).
// CHECK-LABEL: func @parallel
// CHECK-NEXT: %[[SLOTS:.+]] = memref.alloc() {alignment = 64 : i64} : memref<192xi8>
// CHECK: scf.parallel (%[[I:.+]]) =
// CHECK-NEXT: %[[SLOT:.+]] = arith.constant 64 : index
// CHECK-NEXT: %[[AT:.+]] = arith.muli %[[I]], %[[SLOT]] : index
// CHECK-NEXT: %[[T:.+]] = memref.view %[[SLOTS]][%[[AT]]][] : memref<192xi8> to memref<6xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[T]] : memref<6xf32>)
// CHECK: scf.parallel
// CHECK-NEXT: memref.alloc() : memref<6xf32>
func.func @parallel(%x: memref<3x6xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c3) step (%c1) {
    %t = memref.alloc() : memref<6xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<6xf32>)
    %row = memref.subview %x[%i, 0] [1, 6] [1, 1] : memref<3x6xf32> to memref<6xf32, strided<[1], offset: ?>>
    linalg.copy ins(%t : memref<6xf32>) outs(%row : memref<6xf32, strided<[1], offset: ?>>)
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %t = memref.alloc() : memref<6xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<6xf32>)
    scf.reduce
  }
  return
}
