/* Prints every intermediate tensor the runtime's on_tensor hook shows while
 * a model runs on an all-ones-ish input: node, op type, dtype, shape and the
 * sum of its elements (walked through its strides). Used by taps.test. */
#include "mica/runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const mica_model *g_model;

static double sum_view(const mica_tensor_view *t) {
  if (t->dtype != MICA_DTYPE_FLOAT32)
    return NAN;
  int64_t count = 1;
  for (int32_t d = 0; d < t->rank; ++d)
    count *= t->shape[d];
  double sum = 0;
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, offset = 0;
    for (int32_t d = t->rank - 1; d >= 0; --d) {
      offset += (rest % t->shape[d]) * t->strides[d];
      rest /= t->shape[d];
    }
    sum += ((const float *)t->data)[offset];
  }
  return sum;
}

static void on_tensor(void *user, uint32_t node, const mica_tensor_view *t) {
  (void)user;
  printf("tap %s (%s) %s ", mica_model_node_name(g_model, node),
         mica_model_node_op_type(g_model, node), mica_dtype_name(t->dtype));
  for (int32_t d = 0; d < t->rank; ++d)
    printf("%s%lld", d ? "x" : "", (long long)t->shape[d]);
  printf(" sum %.4f\n", sum_view(t));
}

int main(int argc, char **argv) {
  char error[256];
  mica_model *model;
  mica_context *context;
  if (argc != 2 || mica_model_load_file(argv[1], &model, error, sizeof error) ||
      mica_context_create(model, 0, NULL, 0, 1, &context, error,
                          sizeof error)) {
    fprintf(stderr, "tap_dump: %s\n", argc == 2 ? error : "usage: tap_dump M");
    return 1;
  }
  g_model = model;
  mica_tensor_info in;
  mica_model_input_info(model, 0, 0, &in);
  float *input = malloc(in.max_bytes);
  for (size_t i = 0; i < in.max_bytes / sizeof(float); ++i)
    input[i] = (float)(i % 7) / 7.0f;
  mica_hooks hooks = {NULL, NULL, on_tensor};
  mica_context_set_hooks(context, &hooks);
  if (mica_context_set_input(context, 0, input, in.shape, in.rank, error,
                             sizeof error) ||
      mica_context_run(context, error, sizeof error)) {
    fprintf(stderr, "tap_dump: %s\n", error);
    return 1;
  }
  /* Without hooks the same run gives the same output. */
  const void *with_hooks;
  const int64_t *shape;
  int32_t rank;
  mica_context_output(context, 0, &with_hooks, &shape, &rank);
  float first = ((const float *)with_hooks)[0];
  mica_context_set_hooks(context, NULL);
  mica_context_run(context, error, sizeof error);
  const void *without;
  mica_context_output(context, 0, &without, &shape, &rank);
  printf("output[0] %s with and without hooks\n",
         first == ((const float *)without)[0] ? "equal" : "DIFFERENT");
  free(input);
  mica_context_free(context);
  mica_model_free(model);
  return 0;
}
