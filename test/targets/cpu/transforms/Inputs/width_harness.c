/* For width_bounds_e2e.test: runs the kernels of width_kernels.mlir with
 * mica_kernel_ctx.active_counts set, in place of the runtime.
 *
 * - At full counts, the bounded kernels' results equal the unbounded ones
 *   bit for bit (random, non-dyadic inputs: same reduction order).
 * - At every count, the bounded kernels' active outputs equal a scalar
 *   reference summing only the active inputs, while the inactive inputs hold
 *   NaN (a stale channel read anywhere shows up as NaN). Weights and inputs
 *   are multiples of 1/4: the sums are exact in any order.
 * argv[1]: the constants segment's bytes. Exit code 0 when all hold. */
#include "mica/kernel_abi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int32_t mica_fc_bounded(const mica_kernel_ctx *);
int32_t mica_fc_plain(const mica_kernel_ctx *);
int32_t mica_conv_bounded(const mica_kernel_ctx *);
int32_t mica_conv_plain(const mica_kernel_ctx *);

/* Tasks in reverse order, as threads might finish them. */
void mica_kernel_parallel_for(const mica_kernel_ctx *ctx,
                              mica_kernel_task_fn fn, int64_t count) {
  for (int64_t i = count - 1; i >= 0; --i)
    fn(ctx, i, i + 1);
}
void mica_kernel_layer_hook(const mica_kernel_ctx *ctx, int32_t node,
                            int32_t phase) {}

static void *segment;
static char arena[1 << 16] __attribute__((aligned(64)));

static void run(int32_t (*kernel)(const mica_kernel_ctx *), const float *in,
                const int64_t *in_dims, float *out, const int64_t *counts) {
  const void *segments[1] = {segment};
  void *inputs[1] = {(void *)in};
  const int64_t *input_dims[1] = {in_dims};
  void *outputs[1] = {out};
  int64_t dims[4];
  int64_t *output_dims[1] = {dims};
  mica_kernel_ctx ctx = {segments, arena,       inputs, input_dims,
                         outputs,  output_dims, NULL,   counts};
  if (kernel(&ctx) != 0) {
    fprintf(stderr, "kernel failed\n");
    exit(1);
  }
}

static float quarter(void) { return (float)(rand() % 17 - 8) / 4.0f; }
static float noise(void) { return (float)rand() / (float)RAND_MAX - 0.5f; }

static int failures = 0;
static void expect(int ok, const char *what, int64_t c0, int64_t c1) {
  if (!ok && failures++ < 10)
    fprintf(stderr, "FAIL %s at counts (%lld, %lld)\n", what, (long long)c0,
            (long long)c1);
}

/* Dense layer: y[5][44] = b[n] + sum_k x[m][k] * w[n][k], K = 40. */
static void check_fc(void) {
  static const int64_t dims[2] = {5, 40};
  float x[5 * 40], zeroed[5 * 40], y[5 * 44], ref[5 * 44];
  for (int i = 0; i < 5 * 40; ++i)
    x[i] = noise();
  int64_t full[2] = {44, 40};
  run(mica_fc_plain, x, dims, ref, full);
  run(mica_fc_bounded, x, dims, y, full);
  expect(memcmp(y, ref, sizeof y) == 0, "fc full width bit-identical", 44, 40);
  for (int64_t c0 = 0; c0 <= 44; ++c0) {
    for (int64_t c1 = 0; c1 <= 40; c1 += (c1 < 10 ? 1 : 7)) {
      for (int m = 0; m < 5; ++m)
        for (int k = 0; k < 40; ++k) {
          zeroed[m * 40 + k] = k < c1 ? quarter() : 0.0f;
          x[m * 40 + k] = k < c1 ? zeroed[m * 40 + k] : NAN;
        }
      for (int i = 0; i < 5 * 44; ++i)
        y[i] = -1e30f;
      int64_t counts[2] = {c0, c1};
      run(mica_fc_plain, zeroed, dims, ref, full);
      run(mica_fc_bounded, x, dims, y, counts);
      int ok = 1;
      for (int m = 0; m < 5; ++m)
        for (int n = 0; n < c0; ++n)
          ok &= y[m * 44 + n] == ref[m * 44 + n];
      expect(ok, "fc bounded", c0, c1);
    }
  }
}

/* 3x3 convolution: 20 filters, 6 input channels, 10x10 -> 8x8. */
static void check_conv(void) {
  static const int64_t dims[4] = {1, 6, 10, 10};
  float x[6 * 100], zeroed[6 * 100], y[20 * 64], ref[20 * 64];
  for (int i = 0; i < 6 * 100; ++i)
    x[i] = noise();
  int64_t full[2] = {20, 6};
  run(mica_conv_plain, x, dims, ref, full);
  run(mica_conv_bounded, x, dims, y, full);
  expect(memcmp(y, ref, sizeof y) == 0, "conv full width bit-identical", 20, 6);
  for (int64_t c0 = 0; c0 <= 20; ++c0) {
    for (int64_t c1 = 0; c1 <= 6; ++c1) {
      for (int i = 0; i < 6 * 100; ++i) {
        zeroed[i] = i / 100 < c1 ? quarter() : 0.0f;
        x[i] = i / 100 < c1 ? zeroed[i] : NAN;
      }
      for (int i = 0; i < 20 * 64; ++i)
        y[i] = -1e30f;
      int64_t counts[2] = {c0, c1};
      run(mica_conv_plain, zeroed, dims, ref, full);
      run(mica_conv_bounded, x, dims, y, counts);
      int ok = 1;
      for (int i = 0; i < c0 * 64; ++i)
        ok &= y[i] == ref[i];
      expect(ok, "conv bounded", c0, c1);
    }
  }
}

int main(int argc, char **argv) {
  FILE *file = argc > 1 ? fopen(argv[1], "rb") : NULL;
  if (!file)
    return 2;
  segment = aligned_alloc(64, 1 << 16);
  size_t size = fread(segment, 1, 1 << 16, file);
  fclose(file);
  if (size == 0)
    return 2;
  check_fc();
  check_conv();
  if (failures)
    return 1;
  printf("width bounds: ok\n");
  return 0;
}
