/* Links two models compiled by `mica compile --emit static-lib` into one
 * program, without dlopen or any file at run time: the same tiny CNN built
 * twice, as `tiny` (fused multiply-adds) and as `tiny_exact`
 * (--fp-contract=false). Runs both on one input and prints their outputs.
 *
 *   mica compile model.onnx --emit static-lib --name tiny -o libtiny.a
 *   mica compile model.onnx --emit static-lib --name tiny_exact \
 *       --fp-contract=false -o libtiny_exact.a
 *   cc app.c -I. -I<mica>/runtime/include libtiny.a libtiny_exact.a \
 *       libmica_runtime.a libmica_runtime_loader.a -lstdc++ -lm -o app
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tiny.h"
#include "tiny_exact.h"

typedef mica_status (*load_fn)(mica_model **, char *, size_t);

/* Runs `model` on `input`; prints its first output. Returns 0 on success. */
static int run(const char *name, load_fn load, const float *input, float *out,
               size_t out_capacity, size_t *out_count) {
  char error[256];
  mica_model *model = NULL;
  mica_context *context = NULL;
  if (load(&model, error, sizeof error) != MICA_OK ||
      mica_context_create(model, 0, NULL, 0, 1, &context, error,
                          sizeof error) != MICA_OK) {
    fprintf(stderr, "%s: %s\n", name, error);
    mica_model_free(model);
    return 1;
  }
  mica_tensor_info in;
  mica_model_input_info(model, 0, 0, &in);
  if (mica_context_set_input(context, 0, input, in.shape, in.rank, error,
                             sizeof error) != MICA_OK ||
      mica_context_run(context, error, sizeof error) != MICA_OK) {
    fprintf(stderr, "%s: %s\n", name, error);
    return 1;
  }
  const void *data;
  const int64_t *shape;
  int32_t rank;
  mica_context_output(context, 0, &data, &shape, &rank);
  size_t count = 1;
  for (int32_t d = 0; d < rank; ++d)
    count *= (size_t)shape[d];
  if (count > out_capacity)
    count = out_capacity;
  const float *values = (const float *)data;
  printf("%s:", name);
  for (size_t i = 0; i < count; ++i) {
    out[i] = values[i];
    printf(" %.6f", values[i]);
  }
  printf("\n");
  *out_count = count;
  mica_context_free(context);
  mica_model_free(model);
  return 0;
}

int main(void) {
  static float input[1 * 3 * 32 * 32];
  for (size_t i = 0; i < sizeof input / sizeof input[0]; ++i)
    input[i] = (float)sin(0.01 * (double)i);
  float a[64], b[64];
  size_t na = 0, nb = 0;
  if (run("tiny", tiny_load, input, a, 64, &na) ||
      run("tiny_exact", tiny_exact_load, input, b, 64, &nb) || na != nb)
    return 1;
  double diff = 0;
  for (size_t i = 0; i < na; ++i)
    diff = fmax(diff, fabs((double)a[i] - b[i]));
  printf("max difference: %.3g\n", diff);
  return diff < 1e-4 ? 0 : 1;
}
