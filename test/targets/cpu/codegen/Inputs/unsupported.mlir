// graph.attention with a dynamic sequence length has no lowering (mica
// compile decomposes it first): the pipeline fails at this op.
func.func @attention(%q: tensor<1x?x8xf32>) -> tensor<1x?x8xf32> {
  %0 = graph.attention %q, %q, %q {num_heads = 2 : i64, scale = 0.5 : f64} : (tensor<1x?x8xf32>, tensor<1x?x8xf32>, tensor<1x?x8xf32>) -> tensor<1x?x8xf32> loc("/Attention_7")
  return %0 : tensor<1x?x8xf32>
}
