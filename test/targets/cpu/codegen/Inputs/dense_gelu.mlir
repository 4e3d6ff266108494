// A dense layer with its weights as constants, then gelu (a libm erff call):
// the constants end up as read-only data in the object.
func.func @dense_gelu(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %w = graph.constant dense<[[0.5, -1.0, 0.25, 2.0], [1.5, 0.75, -0.5, 0.125], [-2.0, 1.0, 0.5, -0.25]]> : tensor<3x4xf32>
  %b = graph.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %0 = graph.fully_connected %x, %w, %b : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %1 = graph.gelu %0 : tensor<?x3xf32>
  return %1 : tensor<?x3xf32>
}
