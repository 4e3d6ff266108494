/* Opens a model linked from a static library with two entry points and runs
 * each on zeros: the header's NAME_load() hands the runtime both kernels. */
#include <stdio.h>
#include <string.h>

#include "mlp.h"

int main(void) {
  mica_model *model;
  char error[256];
  if (mlp_load(&model, error, sizeof error) != MICA_OK) {
    printf("load failed: %s\n", error);
    return 1;
  }
  for (uint32_t e = 0; e < mica_model_num_entry_points(model); ++e) {
    mica_context *ctx;
    if (mica_context_create(model, e, NULL, 0, 1, &ctx, error, sizeof error) !=
        MICA_OK) {
      printf("context failed: %s\n", error);
      return 1;
    }
    mica_tensor_info info;
    mica_model_input_info(model, e, 0, &info);
    static float input[64 * 16];
    memset(input, 0, sizeof input);
    if (mica_context_set_input(ctx, 0, input, info.shape, info.rank, error,
                               sizeof error) != MICA_OK ||
        mica_context_run(ctx, error, sizeof error) != MICA_OK) {
      printf("run failed: %s\n", error);
      return 1;
    }
    printf("entry %s: batch %lld ok\n", mica_model_entry_point_name(model, e),
           (long long)info.shape[0]);
    mica_context_free(ctx);
  }
  mica_model_free(model);
  return 0;
}
