// RUN: mica-opt %s --mica-cpu-contraction-codegen="vector-width=16 registers=32" --split-input-file | FileCheck %s

// A 1x1 convolution on a 7x7 map: its 49 columns fill 16-lane vectors to
// 77%, its 64 output channels fill them completely. The kernel vectorises
// along the channels instead: the weight packed into channel panels
// (unit-stride loads), the 7x7 positions merged into 49 rows of broadcast
// inputs, the bias loaded along the channels, each result vector stored lane
// by lane to its 16 channels, 49 elements apart.
// Tiles of 6 rows x 4 vectors: 9 row blocks (the last of one row) on the
// runtime's threads, one panel for all 64 channels.
// CHECK-LABEL: func.func @pointwise_conv_7x7
// CHECK-NOT: linalg.
// CHECK: memref.get_global @w7_panels64 : memref<16384xf32>
// CHECK: scf.parallel (%{{.+}}) = (%c0) to (%c8) step (%c1)
// CHECK: scf.for %{{.+}} = %{{.+}} to %c256{{.*}} iter_args
// CHECK: memref.load
// CHECK: vector.broadcast {{.*}} : f32 to vector<16xf32>
// CHECK: vector.load %{{.+}} : memref<16384xf32>, vector<16xf32>
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: scf.yield
// Lane 15 goes 15 x 49 elements after lane 0:
// CHECK: vector.extract %{{.+}}[15] : f32 from vector<16xf32>
// CHECK-NEXT: arith.constant 735 : index
// CHECK: memref.store
// CHECK-NOT: vector.store
// CHECK: return
memref.global "private" constant @w7 : memref<64x256x1x1xf32> = dense<0.5>
memref.global "private" constant @bias7 : memref<64xf32> = dense<0.25>
func.func @pointwise_conv_7x7(%x: memref<1x256x7x7xf32>, %out: memref<1x64x7x7xf32>) {
  %w = memref.get_global @w7 : memref<64x256x1x1xf32>
  %bias = memref.get_global @bias7 : memref<64xf32>
  linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (c)>, affine_map<(n, c, h, w) -> (n, c, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : memref<64xf32>) outs(%out : memref<1x64x7x7xf32>) {
  ^bb0(%b: f32, %o: f32):
    linalg.yield %b : f32
  }
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x256x7x7xf32>, memref<64x256x1x1xf32>) outs(%out : memref<1x64x7x7xf32>)
  return
}

// -----

// 14x14 maps fill the vectors well enough (196 = 12 x 16 + 4): the kernel
// keeps the positions as its vectors and stores them whole.
// CHECK-LABEL: func.func @pointwise_conv_14x14
// CHECK-NOT: memref.store
// CHECK: vector.store
// CHECK: return
memref.global "private" constant @w14 : memref<64x256x1x1xf32> = dense<0.5>
func.func @pointwise_conv_14x14(%x: memref<1x256x14x14xf32>, %out: memref<1x64x14x14xf32>) {
  %w = memref.get_global @w14 : memref<64x256x1x1xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<1x64x14x14xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x256x14x14xf32>, memref<64x256x1x1xf32>) outs(%out : memref<1x64x14x14xf32>)
  return
}
