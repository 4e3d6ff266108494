// RUN: mica-opt %s --mica-fuse-elementwise | FileCheck %s

// The normalisation feeding a matmul is not fused into it (each element
// would be recomputed once per output column). The bias add after the
// matmul is its epilogue: it stays an op of its own (the CPU codegen runs
// it and the relu as the matmul's epilogue steps), and the relu is not
// fused into it.
// CHECK-LABEL: func.func @no_recompute
// CHECK: %[[NORM:.+]] = linalg.generic
// CHECK: arith.divf
// CHECK: %[[MM:.+]] = linalg.generic {{.*}} ins(%[[NORM]], %{{.+}} : tensor<4x8xf32>, tensor<8x16xf32>)
// CHECK: %[[ADD:.+]] = linalg.generic {{.*}} ins(%[[MM]], %{{.+}} : tensor<4x16xf32>, tensor<16xf32>)
// CHECK: arith.addf
// CHECK-NOT: arith.maximumf
// CHECK: linalg.generic {{.*}} ins(%[[ADD]] : tensor<4x16xf32>)
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#col = affine_map<(i, j) -> (j)>
func.func @no_recompute(%x: tensor<4x8xf32>, %scale: tensor<4xf32>, %w: tensor<8x16xf32>, %bias: tensor<16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %norm = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %scale : tensor<4x8xf32>, tensor<4xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %d = arith.divf %a, %s : f32
    linalg.yield %d : f32
  } -> tensor<4x8xf32>
  %e2 = tensor.empty() : tensor<4x16xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x16xf32>) -> tensor<4x16xf32>
  %mm = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>],
                        iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%norm, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%fill : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %biased = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<4x16xf32>, tensor<16xf32>) outs(%e2 : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%biased : tensor<4x16xf32>) outs(%e2 : tensor<4x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x16xf32>
  return %relu : tensor<4x16xf32>
}

// An int8 convolution's rescale (its epilogue) before a global average
// pool: the rescale keeps the convolution's shape and stays apart (the
// codegen fuses it into the convolution, which then stores int8); the sign
// extension after it fuses into the pool, which reads int8 through a
// reshape.
// CHECK-LABEL: func.func @epilogue_before_pool
// CHECK: %[[CONV:.+]] = linalg.conv_2d_nchw_fchw
// CHECK: %[[Q:.+]] = linalg.generic {{.*}} ins(%[[CONV]] : tensor<1x8x7x7xi32>) outs(%{{.+}} : tensor<1x8x7x7xi8>)
// CHECK: arith.trunci
// CHECK: %[[V:.+]] = tensor.expand_shape %[[Q]]
// CHECK: linalg.generic {{.*}}iterator_types = [{{.*}}"reduction", "reduction"]{{.*}} ins(%[[V]] : tensor<1x8x1x1x7x7xi8>)
// CHECK: arith.extsi
// CHECK: arith.addi
func.func @epilogue_before_pool(%x: tensor<1x4x7x7xi8>, %w: tensor<8x4x1x1xi8>) -> tensor<1x8x1x1xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x8x7x7xi32>
  %fill = linalg.fill ins(%zero : i32) outs(%e : tensor<1x8x7x7xi32>) -> tensor<1x8x7x7xi32>
  %conv = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x4x7x7xi8>, tensor<8x4x1x1xi8>) outs(%fill : tensor<1x8x7x7xi32>) -> tensor<1x8x7x7xi32>
  %eq = tensor.empty() : tensor<1x8x7x7xi8>
  %q = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%conv : tensor<1x8x7x7xi32>) outs(%eq : tensor<1x8x7x7xi8>) {
  ^bb0(%a: i32, %o: i8):
    %s = arith.shrsi %a, %zero : i32
    %t = arith.trunci %s : i32 to i8
    linalg.yield %t : i8
  } -> tensor<1x8x7x7xi8>
  %ew = tensor.empty() : tensor<1x8x7x7xi32>
  %wide = linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (n, c, h, w)>, affine_map<(n, c, h, w) -> (n, c, h, w)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<1x8x7x7xi8>) outs(%ew : tensor<1x8x7x7xi32>) {
  ^bb0(%a: i8, %o: i32):
    %x32 = arith.extsi %a : i8 to i32
    linalg.yield %x32 : i32
  } -> tensor<1x8x7x7xi32>
  %view = tensor.expand_shape %wide [[0], [1, 2, 3], [4], [5]] output_shape [1, 8, 1, 1, 7, 7] : tensor<1x8x7x7xi32> into tensor<1x8x1x1x7x7xi32>
  %ep = tensor.empty() : tensor<1x8x1x1xi32>
  %pfill = linalg.fill ins(%zero : i32) outs(%ep : tensor<1x8x1x1xi32>) -> tensor<1x8x1x1xi32>
  %pool = linalg.generic {indexing_maps = [affine_map<(n, c, a, b, h, w) -> (n, c, a, b, h, w)>, affine_map<(n, c, a, b, h, w) -> (n, c, a, b)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%view : tensor<1x8x1x1x7x7xi32>) outs(%pfill : tensor<1x8x1x1xi32>) {
  ^bb0(%a: i32, %o: i32):
    %sum = arith.addi %o, %a : i32
    linalg.yield %sum : i32
  } -> tensor<1x8x1x1xi32>
  return %pool : tensor<1x8x1x1xi32>
}
