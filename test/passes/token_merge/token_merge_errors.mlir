// RUN: mica-opt %s --mica-token-merge="r=2" --split-input-file --verify-diagnostics

// Tokens returned one by one cannot be merged; nor can a constant sized by
// the old token count be added after the merge.
func.func @per_token(%x: tensor<1x7x8xf32>) -> tensor<1x7x8xf32> {
  %a = graph.attention %x, %x, %x {num_heads = 1 : i64, scale = 0.5 : f64} : (tensor<1x7x8xf32>, tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %r = graph.add %x, %a : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  // expected-error @+1 {{token merging needs outputs that pool tokens (a class token or a mean); output #0 is per token}}
  return %r : tensor<1x7x8xf32>
}

// -----

func.func @sized_constant(%x: tensor<1x7x8xf32>) -> tensor<1x8xf32> {
  %pos = graph.constant dense<0.5> : tensor<1x7x8xf32>
  %zero = graph.constant dense<0> : tensor<i64>
  %a = graph.attention %x, %x, %x {num_heads = 1 : i64, scale = 0.5 : f64} : (tensor<1x7x8xf32>, tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %r = graph.add %x, %a : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  // expected-error @+1 {{token merging cannot follow the tokens through this op (its result cannot be re-typed for 5 tokens)}}
  %p = graph.add %r, %pos : (tensor<1x7x8xf32>, tensor<1x7x8xf32>) -> tensor<1x7x8xf32>
  %cls = graph.gather %p, %zero {axis = 1 : i64} : (tensor<1x7x8xf32>, tensor<i64>) -> tensor<1x8xf32>
  return %cls : tensor<1x8xf32>
}

// -----

// The merge computes sizes and similarities in float32.
func.func @half(%x: tensor<1x7x8xf16>) -> tensor<1x8xf16> {
  %zero = graph.constant dense<0> : tensor<i64>
  %a = graph.attention %x, %x, %x {num_heads = 1 : i64, scale = 0.5 : f64} : (tensor<1x7x8xf16>, tensor<1x7x8xf16>, tensor<1x7x8xf16>) -> tensor<1x7x8xf16>
  // expected-error @+1 {{token merging supports float32 token streams, got 'f16'}}
  %r = graph.add %x, %a : (tensor<1x7x8xf16>, tensor<1x7x8xf16>) -> tensor<1x7x8xf16>
  %cls = graph.gather %r, %zero {axis = 1 : i64} : (tensor<1x7x8xf16>, tensor<i64>) -> tensor<1x8xf16>
  return %cls : tensor<1x8xf16>
}
