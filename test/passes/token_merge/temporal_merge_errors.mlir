// RUN: mica-opt %s --mica-temporal-merge="frames=4" --split-input-file --verify-diagnostics

// The frame axis must be traceable to each merged block: a mean over the
// frames ends it.
func.func @lost(%x: tensor<4x6x8xf32>, %y: tensor<3x6x8xf32>) -> tensor<3x6x8xf32> {
  %m = graph.reduce <mean> %x {axes = array<i64: 0>} : (tensor<4x6x8xf32>) -> tensor<1x6x8xf32>
  %z = graph.add %y, %m : (tensor<3x6x8xf32>, tensor<1x6x8xf32>) -> tensor<3x6x8xf32>
  // expected-error @+1 {{temporal merging cannot trace the frame axis (frames=4) to block 0: it is lost at graph.reduce}}
  %a = graph.attention %z, %z, %z {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<3x6x8xf32>, tensor<3x6x8xf32>, tensor<3x6x8xf32>) -> tensor<3x6x8xf32>
  %r = graph.add %z, %a : (tensor<3x6x8xf32>, tensor<3x6x8xf32>) -> tensor<3x6x8xf32>
  return %r : tensor<3x6x8xf32>
}

// -----

// expected-error @+1 {{temporal merging: several input dims have 4 elements (input #0 dim 0, input #0 dim 1); the frame axis must be the only one (name its dim: dim=D)}}
func.func @ambiguous(%x: tensor<4x4x8xf32>) -> tensor<4x4x8xf32> {
  %a = graph.attention %x, %x, %x {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<4x4x8xf32>, tensor<4x4x8xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  %r = graph.add %x, %a : (tensor<4x4x8xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  return %r : tensor<4x4x8xf32>
}

// -----

// Three candidate dims are as ambiguous as two.
// expected-error @+1 {{temporal merging: several input dims have 4 elements (input #0 dim 0, input #0 dim 1, input #0 dim 2)}}
func.func @three(%x: tensor<4x4x4xf32>) -> tensor<4x4x4xf32> {
  %a = graph.attention %x, %x, %x {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<4x4x4xf32>, tensor<4x4x4xf32>, tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  %r = graph.add %x, %a : (tensor<4x4x4xf32>, tensor<4x4x4xf32>) -> tensor<4x4x4xf32>
  return %r : tensor<4x4x4xf32>
}
