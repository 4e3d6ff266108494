// RUN: mica-opt %s --mica-cpu-elementwise-codegen="vector-width=8" --split-input-file | FileCheck %s

// Bias add and relu over [3, 20] with the bias broadcast across rows: the
// rows cannot merge into the vectorised dim (the bias restarts every row),
// so they are a loop; each row is two whole 8-lane vectors and a masked one
// of 4.
// CHECK-LABEL: func.func @add_relu
// CHECK-NOT: linalg.generic
// CHECK: scf.for
// CHECK: arith.addf {{.*}} : vector<8xf32>
// CHECK: arith.maximumf {{.*}} : vector<8xf32>
// CHECK: vector.store
// CHECK: vector.maskedstore
func.func @add_relu(%x: memref<3x20xf32>, %b: memref<20xf32>, %out: memref<3x20xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<3x20xf32>, memref<20xf32>) outs(%out : memref<3x20xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Contiguous in every operand: the two dims merge into one of 64 elements,
// two unrolled steps of four vectors, no tail.
// CHECK-LABEL: func.func @merged
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK-COUNT-4: vector.store
// CHECK-NOT: vector.maskedstore
func.func @merged(%x: memref<4x16xf32>, %out: memref<4x16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x16xf32>) outs(%out : memref<4x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// Integer division would trap in a masked-off lane: left to the scalar loops.
// CHECK-LABEL: func.func @integer_division
// CHECK: linalg.generic
func.func @integer_division(%x: memref<5xi32>, %y: memref<5xi32>, %out: memref<5xi32>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      ins(%x, %y : memref<5xi32>, memref<5xi32>) outs(%out : memref<5xi32>) {
  ^bb0(%a: i32, %b: i32, %o: i32):
    %q = arith.remsi %a, %b : i32
    linalg.yield %q : i32
  }
  return
}
