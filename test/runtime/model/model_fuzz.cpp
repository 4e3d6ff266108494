// libFuzzer harness for the .mica model loader (-DMICA_ENABLE_FUZZERS=ON;
// scripts/run_fuzzers.sh runs it seeded with valid artifacts written by
// mica-model-fuzz-seeds).
//
// Each input is loaded from a 64-byte aligned copy (as a mapped file) in
// every mode (code, linked, metadata-only), once as is and once with the
// hash checks skipped (the internal seam): a mutated file almost never keeps
// a valid FNV hash, so without the seam the fuzzer would stop at the hash and
// never reach the verifier and the structural checks. A model that loads is
// queried and, when small, given a context and its inputs; loaded code is
// never run. A failed load must leave no model and say why. Encoded
// constants are decoded only when they decode to at most kMaxDecoded bytes:
// a mutated decoded_size with a matching chunk count may ask for gigabytes,
// which the runtime honours but libFuzzer's malloc limit reports as a crash.
#include "runtime/model/model_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

namespace {

int32_t dummyKernel(const mica_kernel_ctx *) { return 0; }

const mica_linked_kernel kKernels[] = {
    {"mica_test_add", dummyKernel},
    {"mica_test_scale", dummyKernel},
    {"mica_test_fail", dummyKernel},
    {"mica_test_bad_shape", dummyKernel},
};

const size_t kSmall = 1 << 20;
const uint64_t kMaxDecoded = 64 << 20;

/* What the encoded segments of the artifact decode to, as a metadata-only
 * load (which decodes nothing) reports it; 0 when it does not load. */
uint64_t decodedBytes(const uint8_t *data, size_t size, int skipHashes) {
  char error[256] = {0};
  mica_msg msg = {error, sizeof(error)};
  mica_load_request request = {};
  request.mode = MICA_LOAD_METADATA;
  request.skip_hashes = skipHashes;
  mica_model *model = NULL;
  if (mica_model_load_with(data, size, &request, &model, &msg) != MICA_OK)
    return 0;
  uint64_t total = 0;
  for (uint32_t i = 0; i < model->num_segments; ++i) {
    mica_segment_info info;
    if (mica_model_segment_info(model, i, &info) == MICA_OK && info.encoding)
      total += info.decoded_size;
  }
  mica_model_free(model);
  return total;
}

void exercise(mica_model *model) {
  mica_model_summary summary;
  mica_model_get_summary(model, &summary);
  for (uint32_t i = 0; i < summary.num_segments; ++i) {
    mica_segment_info info;
    if (mica_model_segment_info(model, i, &info) != MICA_OK)
      __builtin_trap();
  }
  for (uint32_t n = 0; n < mica_model_num_nodes(model); ++n)
    if (!mica_model_node_name(model, n) || !mica_model_node_op_type(model, n))
      __builtin_trap();
  (void)mica_model_report_json(model);
  const uint32_t groups = mica_model_num_width_groups(model);
  for (uint32_t g = 0; g < groups; ++g) {
    mica_width_group_info info;
    if (mica_model_width_group(model, g, &info) != MICA_OK ||
        info.channels < 1 || info.round < 1 || !info.node || !info.node[0])
      __builtin_trap(); // validated at load
  }
  for (uint32_t e = 0; e < mica_model_num_entry_points(model); ++e) {
    (void)mica_model_find_entry_point(model,
                                      mica_model_entry_point_name(model, e));
    for (uint32_t s = 0; s < mica_model_num_steps(model, e); ++s)
      if (!mica_model_step_symbol(model, e, s))
        __builtin_trap();
    size_t total = mica_model_arena_size(model, e);
    for (uint32_t o = 0; o < mica_model_num_outputs(model, e); ++o) {
      mica_tensor_info info;
      if (mica_model_output_info(model, e, o, &info) != MICA_OK)
        __builtin_trap();
      total += info.max_bytes;
    }
    uint32_t numInputs = mica_model_num_inputs(model, e);
    for (uint32_t i = 0; i < numInputs; ++i) {
      mica_tensor_info info;
      if (mica_model_input_info(model, e, i, &info) != MICA_OK)
        __builtin_trap();
      (void)mica_model_find_input(model, e, info.name);
      total += info.max_bytes;
    }
    if (total > kSmall)
      continue;
    char error[128];
    mica_context *ctx = NULL;
    if (mica_context_create(model, e, NULL, 0, 1, &ctx, error, sizeof(error)) !=
        MICA_OK)
      continue;
    for (uint32_t i = 0; i < numInputs; ++i) {
      mica_tensor_info info;
      mica_model_input_info(model, e, i, &info);
      void *data = calloc(1, info.max_bytes ? info.max_bytes : 1);
      if (mica_context_set_input(ctx, i, data, info.max_shape, info.rank, error,
                                 sizeof(error)) != MICA_OK)
        __builtin_trap(); // the max shape is always a valid input shape
      free(data);
    }
    // Every validated width group takes every width; counts stay in range.
    if (mica_context_set_width(ctx, groups ? 0.3 : 1.0, error, sizeof(error)) !=
        MICA_OK)
      __builtin_trap();
    const int64_t *counts = mica_context_active_counts(ctx);
    for (uint32_t g = 0; g < groups; ++g) {
      mica_width_group_info info;
      mica_model_width_group(model, g, &info);
      if (counts[g] < 1 || counts[g] > info.channels)
        __builtin_trap();
    }
    mica_context_free(ctx);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *copy =
      static_cast<uint8_t *>(aligned_alloc(64, (size + 64) & ~size_t(63)));
  if (size)
    memcpy(copy, data, size);
  static const mica_load_mode kModes[] = {MICA_LOAD_CODE, MICA_LOAD_LINKED,
                                          MICA_LOAD_METADATA};
  for (int skip = 0; skip < 2; ++skip) {
    const bool decode = decodedBytes(copy, size, skip) <= kMaxDecoded;
    for (mica_load_mode mode : kModes) {
      if (!decode && mode != MICA_LOAD_METADATA)
        continue;
      char error[256] = {0};
      mica_msg msg = {error, sizeof(error)};
      mica_load_request request = {};
      request.mode = mode;
      request.kernels = kKernels;
      request.num_kernels = sizeof(kKernels) / sizeof(kKernels[0]);
      request.skip_hashes = skip;
      mica_model *model = NULL;
      mica_status st = mica_model_load_with(copy, size, &request, &model, &msg);
      if (st == MICA_OK) {
        exercise(model);
        mica_model_free(model);
      } else if (model != NULL || error[0] == '\0') {
        __builtin_trap();
      }
    }
  }
  free(copy);
  return 0;
}
