/* The kernel of the test model "mix" of the mica run tests
 * (RunnerCliTest.cpp), written by hand against
 * runtime/include/mica/kernel_abi.h:
 *   input  0 "a"       float32 [N, 3], N symbolic, N <= 4
 *   input  1 "b"       float32 [3]
 *   output 0 "sum/out" float32 [N, 3]: a + b + bias (bias in segment 0)
 *   output 1 "count"   int64 scalar:   N
 * Nodes: 0 "add" (Add), 1 "rows" (Shape).
 * Compiled by clang for x86-64 and AArch64 into objects the runtime loads. */
#include <stdint.h>

#include "mica/kernel_abi.h"

int32_t mica_runner_test_mix(const mica_kernel_ctx *ctx) {
  const float *a = (const float *)ctx->inputs[0];
  const float *b = (const float *)ctx->inputs[1];
  const float *bias = (const float *)ctx->segments[0];
  const int64_t n = ctx->input_dims[0][0];
  float *sum = (float *)ctx->outputs[0];
  mica_kernel_layer_hook(ctx, 0, MICA_KERNEL_LAYER_BEGIN);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < 3; ++j)
      sum[i * 3 + j] = a[i * 3 + j] + b[j] + bias[j];
  ctx->output_dims[0][0] = n;
  ctx->output_dims[0][1] = 3;
  mica_kernel_layer_hook(ctx, 0, MICA_KERNEL_LAYER_END);
  mica_kernel_layer_hook(ctx, 1, MICA_KERNEL_LAYER_BEGIN);
  *(int64_t *)ctx->outputs[1] = n;
  mica_kernel_layer_hook(ctx, 1, MICA_KERNEL_LAYER_END);
  return 0;
}
