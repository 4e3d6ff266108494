// RUN: mica-opt %s -mica-convert-graph-to-linalg -split-input-file | FileCheck %s

// Attention in row blocks (AttentionLowering.cpp): K transposed once to
// [B, H, Dh, Skv]; 20 rows of 197 keys per head: Mb = 16 rows of scores
// fit 16 KiB, so one loop has no full block left after the last one joins
// the leftover rows: a single 20-row block per (batch, head).
// CHECK-LABEL: func.func @heads
// CHECK: linalg.transpose ins({{.*}} : tensor<1x197x2x8xf32>) outs({{.*}} : tensor<1x2x8x197xf32>) permutation = [0, 2, 3, 1]
// CHECK: scf.forall (%[[I:.*]]) in (2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<1x20x16xf32>)
// CHECK: tensor.extract_slice %[[OUT]][{{.*}}] [1, 20, 8] [1, 1, 1] : tensor<1x20x16xf32> to tensor<20x8xf32>
// CHECK: %[[S:.*]] = tensor.empty() : tensor<20x197xf32>
// CHECK: linalg.matmul ins({{.*}} : tensor<20x8xf32>, tensor<8x197xf32>) outs({{.*}} : tensor<20x197xf32>)
// The scale, then the softmax in place: max, exp, sum, quotient.
// CHECK: arith.mulf
// CHECK: arith.cmpf ogt
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: linalg.matmul ins({{.*}} : tensor<20x197xf32>, tensor<197x8xf32>) outs({{.*}} : tensor<20x8xf32>)
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice {{.*}} into %[[OUT]][{{.*}}] [1, 20, 8] [1, 1, 1]
func.func @heads(%q: tensor<1x20x16xf32>, %k: tensor<1x197x16xf32>, %v: tensor<1x197x16xf32>) -> tensor<1x20x16xf32> {
  %0 = graph.attention %q, %k, %v {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<1x20x16xf32>, tensor<1x197x16xf32>, tensor<1x197x16xf32>) -> tensor<1x20x16xf32>
  return %0 : tensor<1x20x16xf32>
}

// -----

// 40 rows: two loops, 16-row blocks (one per head) and the last block of
// 24 rows from row 16. A mask per head [1, H, Sq, Skv] is read as this
// block's slice; the causal mask compares the row (offset by the block's
// first row) with the key.
// CHECK-LABEL: func.func @masked_causal
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: tensor.extract_slice %arg2[%{{.*}}, %{{.*}}, %{{.*}}, 0] [1, 1, 16, 197] [1, 1, 1, 1] : tensor<1x2x40x197xf32> to tensor<16x197xf32>
// CHECK: linalg.index 0
// CHECK: arith.cmpi ugt
// CHECK: arith.select
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: arith.constant 16 : index
// CHECK: tensor.extract_slice %arg2[%{{.*}}, %{{.*}}, %{{.*}}, 0] [1, 1, 24, 197] [1, 1, 1, 1] : tensor<1x2x40x197xf32> to tensor<24x197xf32>
func.func @masked_causal(%q: tensor<1x40x16xf32>, %k: tensor<1x197x16xf32>, %m: tensor<1x2x40x197xf32>) -> tensor<1x40x16xf32> {
  %0 = graph.attention %q, %k, %k mask %m {num_heads = 2 : i64, scale = 1.0 : f64, causal = true} : (tensor<1x40x16xf32>, tensor<1x197x16xf32>, tensor<1x197x16xf32>, tensor<1x2x40x197xf32>) -> tensor<1x40x16xf32>
  return %0 : tensor<1x40x16xf32>
}

// -----

// A key bias [B, Skv] is read as the batch's row; a 1-D mask broadcasts.
// CHECK-LABEL: func.func @key_bias
// CHECK: tensor.expand_shape %arg2 {{\[\[}}0, 1]] output_shape [1, 12] : tensor<12xf32> into tensor<1x12xf32>
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [1, 12] [1, 1] : tensor<1x12xf32> to tensor<1x12xf32>
// CHECK: tensor.extract_slice %arg3[%{{.*}}, 0] [1, 12] [1, 1] : tensor<2x12xf32> to tensor<1x12xf32>
func.func @key_bias(%q: tensor<2x8x8xf32>, %k: tensor<2x12x8xf32>, %m: tensor<12xf32>, %b: tensor<2x12xf32>) -> tensor<2x8x8xf32> {
  %0 = graph.attention %q, %k, %k mask %m key_bias %b {num_heads = 1 : i64, scale = 1.0 : f64} : (tensor<2x8x8xf32>, tensor<2x12x8xf32>, tensor<2x12x8xf32>, tensor<12xf32>, tensor<2x12xf32>) -> tensor<2x8x8xf32>
  return %0 : tensor<2x8x8xf32>
}

// -----

// 512 rows of 256 keys, one head: 32 blocks of 16 rows, in 16 iterations
// of 2 blocks computed in turn (an scf.for over the chunk, one scratch).
// CHECK-LABEL: func.func @chunks
// CHECK: scf.forall (%{{.*}}) in (16) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK: %[[SLOT:.*]] = tensor.extract_slice %[[OUT]][{{.*}}] [1, 32, 8] [1, 1, 1] : tensor<1x512x8xf32> to tensor<32x8xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[SLOT]]) -> (tensor<32x8xf32>)
// CHECK: tensor.extract_slice %[[ACC]][%{{.*}}, 0] [16, 8] [1, 1] : tensor<32x8xf32> to tensor<16x8xf32>
// CHECK: tensor.empty() : tensor<16x256xf32>
// CHECK: tensor.insert_slice %{{.*}} into %[[ACC]][%{{.*}}, 0] [16, 8] [1, 1]
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][{{.*}}] [1, 32, 8] [1, 1, 1]
func.func @chunks(%q: tensor<1x512x8xf32>, %k: tensor<1x256x8xf32>) -> tensor<1x512x8xf32> {
  %0 = graph.attention %q, %k, %k {num_heads = 1 : i64, scale = 1.0 : f64} : (tensor<1x512x8xf32>, tensor<1x256x8xf32>, tensor<1x256x8xf32>) -> tensor<1x512x8xf32>
  return %0 : tensor<1x512x8xf32>
}
