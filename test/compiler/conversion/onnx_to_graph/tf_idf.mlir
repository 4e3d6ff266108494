// RUN: mica-opt %s -mica-convert-onnx-to-graph -split-input-file | FileCheck %s

// TfIdfVectorizer (TF, bigrams with skips 0..1): each pool bigram is counted
// by equal compares on strided slices of the row, and-ed, cast and summed;
// the features are concatenated (zeros where no entry maps).
// CHECK-LABEL: func.func @tf_bigrams
// CHECK-DAG: %[[Z:.+]] = graph.constant dense<0.000000e+00> : tensor<1xf32>
// CHECK: graph.slice %arg0 {ends = array<i64: 5>, starts = array<i64: 0>
// CHECK: graph.equal
// CHECK: graph.and
// CHECK: graph.cast {{.*}} -> tensor<5xf32>
// CHECK: graph.reduce <sum>
// CHECK: graph.cast {{.*}} -> tensor<4xf32>
// CHECK: graph.concat %[[Z]], %{{.+}} {axis = 0 : i64} : (tensor<1xf32>, tensor<1xf32>) -> tensor<2xf32>
func.func @tf_bigrams(%x: tensor<6xi64>) -> tensor<2xf32> {
  %0 = "onnx.TfIdfVectorizer"(%x) <{max_gram_length = 2 : i64, max_skip_count = 1 : i64, min_gram_length = 2 : i64, mode = "TF", ngram_counts = [0, 0], ngram_indexes = [1], pool_int64s = [5, 6]}> : (tensor<6xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
