// RUN: mica-opt %s --mica-cpu-int8-dot-layout="dot=x86-vnni vector-width=16" | FileCheck %s --check-prefixes=CHECK,X86
// RUN: mica-opt %s --mica-cpu-int8-dot-layout="dot=arm-sdot vector-width=4" | FileCheck %s --check-prefixes=CHECK,ARM
// RUN: mica-opt %s --mica-cpu-int8-dot-layout="dot=arm-smmla vector-width=4" | FileCheck %s --check-prefix=MMLA
// RUN: mica-opt %s --mica-cpu-int8-dot-layout | FileCheck %s --check-prefix=NONE
// RUN: not mica-opt %s --mica-cpu-int8-dot-layout="dot=avx2" 2>&1 | FileCheck %s --check-prefix=BAD

// An int8 convolution over 6 input channels: the weight becomes 2 words per
// (f, kh, kw) (the second holding channels 4 and 5 and two zero bytes), the
// activation is copied into words before the output's fill (which the
// codegen fuses only when it directly precedes the contraction), the
// contraction runs over the words with the dot-product body, and on x86 the
// bytes are flipped to unsigned and the correction added after it.
// CHECK-DAG: memref.global "private" constant @w_dot4 : memref<8x2x3x3xi32>
// X86-DAG: memref.global "private" constant @w_dot4_correction : memref<8xi32>
// ARM-NOT: correction
// CHECK-LABEL: func.func @conv
// CHECK: memref.alloc() {{.*}} : memref<1x2x10x10xi32>
// CHECK: vector.shuffle
// X86: arith.xori
// ARM-NOT: arith.xori
// CHECK: vector.bitcast {{.*}} to vector<{{16|4}}xi32>
// CHECK: linalg.fill
// CHECK-NEXT: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : memref<1x2x10x10xi32>, memref<8x2x3x3xi32>) outs(%{{.*}} : memref<1x8x8x8xi32>) attrs =  {mica.dot4 = "{{x86-vnni|arm-sdot}}"}
// X86: arith.shrui
// ARM-NOT: arith.shrui
// CHECK: arith.shrsi
// X86: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : memref<1x8x8x8xi32>, memref<8xi32>) outs(%{{.*}} : memref<1x8x8x8xi32>)
// smmla reads word pairs of the channels (loop dim 4 of the convolution).
// MMLA-LABEL: func.func @conv
// MMLA: linalg.generic {{.*}} attrs =  {mica.dot4 = "arm-smmla", mica.dot_pairs = 4 : i64}
// NONE-LABEL: func.func @conv
// NONE: linalg.conv_2d_nchw_fchw
// BAD: unknown dot 'avx2'
memref.global "private" constant @w : memref<8x6x3x3xi8> = dense<1>
func.func @conv(%x: memref<1x6x10x10xi8>, %out: memref<1x8x8x8xi32>) {
  %w = memref.get_global @w : memref<8x6x3x3xi8>
  %zero = arith.constant 0 : i32
  linalg.fill ins(%zero : i32) outs(%out : memref<1x8x8x8xi32>)
  linalg.conv_2d_nchw_fchw ins(%x, %w : memref<1x6x10x10xi8>, memref<8x6x3x3xi8>) outs(%out : memref<1x8x8x8xi32>)
  return
}

// A dense layer, K = 7 innermost: the activation's rows are copied as they
// lie (one masked load of 7 bytes per row, two words).
// CHECK-LABEL: func.func @dense
// CHECK: memref.alloc() {{.*}} : memref<4x2xi32>
// CHECK: vector.maskedload
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : memref<4x2xi32>, memref<10x2xi32>) outs(%{{.*}} : memref<4x10xi32>) attrs =  {mica.dot4
memref.global "private" constant @fc : memref<10x7xi8> = dense<3>
func.func @dense(%x: memref<4x7xi8>, %out: memref<4x10xi32>) {
  %w = memref.get_global @fc : memref<10x7xi8>
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<4x7xi8>, memref<10x7xi8>) outs(%out : memref<4x10xi32>) {
  ^bb0(%a: i8, %b: i8, %c: i32):
    %ae = arith.extsi %a : i8 to i32
    %be = arith.extsi %b : i8 to i32
    %p = arith.muli %ae, %be : i32
    %s = arith.addi %c, %p : i32
    linalg.yield %s : i32
  }
  return
}

// Left alone: two activations (no constant weight).
// CHECK-LABEL: func.func @activations
// CHECK-NOT: mica.dot4
// CHECK: return
func.func @activations(%x: memref<4x16xi8>, %y: memref<16x8xi8>, %out: memref<4x8xi32>) {
  linalg.matmul ins(%x, %y : memref<4x16xi8>, memref<16x8xi8>) outs(%out : memref<4x8xi32>)
  return
}

// K = 3 is one word; smmla pairs words, so the weight and the activation
// get a second, zero word (stored explicitly: the copy's buffer is fresh).
// MMLA-DAG: memref.global "private" constant @fc3_dot4 : memref<5x2xi32>
// MMLA-LABEL: func.func @dense_pad
// MMLA: memref.alloc() {{.*}} : memref<4x2xi32>
// MMLA: vector.maskedload
// MMLA: vector.extract {{.*}}[0]
// MMLA: memref.store
// MMLA: %[[ZERO:.*]] = arith.constant dense<0> : vector<1xi32>
// MMLA: vector.store %[[ZERO]]
// MMLA: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : memref<4x2xi32>, memref<5x2xi32>) {{.*}} {mica.dot4 = "arm-smmla", mica.dot_pairs = 2 : i64}
memref.global "private" constant @fc3 : memref<5x3xi8> = dense<2>
func.func @dense_pad(%x: memref<4x3xi8>, %out: memref<4x5xi32>) {
  %w = memref.get_global @fc3 : memref<5x3xi8>
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : memref<4x3xi8>, memref<5x3xi8>) outs(%out : memref<4x5xi32>) {
  ^bb0(%a: i8, %b: i8, %c: i32):
    %ae = arith.extsi %a : i8 to i32
    %be = arith.extsi %b : i8 to i32
    %p = arith.muli %ae, %be : i32
    %s = arith.addi %c, %p : i32
    linalg.yield %s : i32
  }
  return
}
