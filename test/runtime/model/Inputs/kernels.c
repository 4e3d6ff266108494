/* Kernels of the runtime model tests, written by hand against
 * runtime/include/mica/kernel_abi.h (what the compiler generates).
 *
 * The test model "affine" (test/runtime/model/ModelTestUtil.h):
 *   input  0 "x"    float32 [N, 4], N symbolic, N <= 8
 *   output 0 "y"    float32 [N, 4]: (x + w) * s
 *   output 1 "rows" int64 scalar:   N
 * segment 0 holds w (4 floats), segment 1 holds s (1 float); the arena holds
 * the intermediate x + w. Nodes: 0 "add" (step 0), 1 "mul" and 2 "rows"
 * (step 1).
 *
 * Compiled by clang for each architecture into an object the runtime loads,
 * and linked into the test binary for mica_model_load_linked. */
#include <stdint.h>

#include "mica/kernel_abi.h"

int32_t mica_test_add(const mica_kernel_ctx *ctx) {
  const float *w = (const float *)ctx->segments[0];
  const float *x = (const float *)ctx->inputs[0];
  const int64_t n = ctx->input_dims[0][0];
  float *t = (float *)ctx->arena;
  mica_kernel_layer_hook(ctx, 0, MICA_KERNEL_LAYER_BEGIN);
  for (int64_t i = 0; i < n * 4; ++i)
    t[i] = x[i] + w[i % 4];
  mica_kernel_layer_hook(ctx, 0, MICA_KERNEL_LAYER_END);
  return 0;
}

int32_t mica_test_scale(const mica_kernel_ctx *ctx) {
  const float s = *(const float *)ctx->segments[1];
  const int64_t n = ctx->input_dims[0][0];
  const float *t = (const float *)ctx->arena;
  float *y = (float *)ctx->outputs[0];
  mica_kernel_layer_hook(ctx, 1, MICA_KERNEL_LAYER_BEGIN);
  for (int64_t i = 0; i < n * 4; ++i)
    y[i] = t[i] * s;
  ctx->output_dims[0][0] = n;
  ctx->output_dims[0][1] = 4;
  mica_kernel_layer_hook(ctx, 1, MICA_KERNEL_LAYER_END);
  /* Out of the node table: the runtime must not pass it to on_node. */
  mica_kernel_layer_hook(ctx, 99, MICA_KERNEL_LAYER_BEGIN);
  mica_kernel_layer_hook(ctx, 2, MICA_KERNEL_LAYER_BEGIN);
  *(int64_t *)ctx->outputs[1] = n;
  mica_kernel_layer_hook(ctx, 2, MICA_KERNEL_LAYER_END);
  return 0;
}

/* Entry "fail": a kernel that reports an error. */
int32_t mica_test_fail(const mica_kernel_ctx *ctx) {
  (void)ctx;
  return 42;
}

/* Entry "bad_shape": writes a dimension above the signature's maximum. */
int32_t mica_test_bad_shape(const mica_kernel_ctx *ctx) {
  ctx->output_dims[0][0] = 1000;
  ctx->output_dims[0][1] = 4;
  return 0;
}

/* Entry "counts" (test/runtime/model/WidthTest.cpp): output 0, int64 [G],
 * gets the active count of each width group as the kernel reads it from the
 * context, or -1 each when the context passes none. */
int32_t mica_test_counts(const mica_kernel_ctx *ctx) {
  int64_t *out = (int64_t *)ctx->outputs[0];
  for (int64_t g = 0; g < ctx->output_dims[0][0]; ++g)
    out[g] = ctx->active_counts ? ctx->active_counts[g] : -1;
  return 0;
}

/* Entry "chain" (test/runtime/stream/StreamTest.cpp): y = x + segment 0 +
 * segments 1..N, one step per added segment (4 floats each, streamed), the
 * running sum in the arena. Step 0 is mica_test_chain_first, the others
 * mica_test_chain; each finds its segment from the step count kept in the
 * arena after the sum, and fails with 7 when that segment is not there (a
 * streaming runtime gives a step only its own streamed segment). */
static int32_t chain_add(const mica_kernel_ctx *ctx, int64_t *k) {
  const float *w = (const float *)ctx->segments[1 + *k];
  if (!w)
    return 7;
  const int64_t n = ctx->input_dims[0][0];
  float *t = (float *)ctx->arena;
  float *y = (float *)ctx->outputs[0];
  for (int64_t i = 0; i < n * 4; ++i) {
    t[i] += w[i % 4];
    y[i] = t[i];
  }
  ctx->output_dims[0][0] = n;
  ctx->output_dims[0][1] = 4;
  ++*k;
  return 0;
}

int32_t mica_test_chain_first(const mica_kernel_ctx *ctx) {
  const float *b = (const float *)ctx->segments[0];
  const float *x = (const float *)ctx->inputs[0];
  const int64_t n = ctx->input_dims[0][0];
  float *t = (float *)ctx->arena;
  int64_t *k = (int64_t *)(t + 32);
  for (int64_t i = 0; i < n * 4; ++i)
    t[i] = x[i] + b[i % 4];
  *k = 0;
  return chain_add(ctx, k);
}

int32_t mica_test_chain(const mica_kernel_ctx *ctx) {
  return chain_add(ctx, (int64_t *)((float *)ctx->arena + 32));
}
