/* mica_context: the per-run state of one entry point, and the run itself.
 *
 * mica_context_create makes two allocations: the arena (unless the caller
 * supplies it) and one block holding the context, its pointer tables, the
 * shape storage, the width groups' active counts and every output buffer
 * (each 64-byte aligned, max_bytes long). set_input / set_width / run /
 * output never allocate; the run loop calls each step's kernel with the one
 * mica_kernel_ctx the context owns. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mica/channel_width.h"

#include "runtime/model/model_internal.h"

struct mica_context {
  const mica_model *model;
  const mica_entry *entry;
  void *arena;
  int owns_arena;
  int has_outputs;
  uint32_t num_threads;
  mica_hook_state hook_state;
  mica_kernel_ctx kctx;
  void **inputs;              /* kctx.inputs */
  const int64_t **input_dims; /* kctx.input_dims, into input_dim_storage */
  int64_t *input_dim_storage;
  uint8_t *bound;        /* per input: set_input succeeded */
  void **outputs;        /* kctx.outputs */
  int64_t **output_dims; /* kctx.output_dims, into output_dim_storage */
  int64_t *output_dim_storage;
  int64_t *active_counts; /* kctx.active_counts, per width group */
  /* Streaming models only (model->stream): the context's own segment table
   * (kctx.segments; a step's streamed segment is set around its kernel)
   * and its loader. */
  const void **segments;
  void *stream_state;
};

namespace {

/* Carves one allocation into aligned pieces: a first pass measures
 * (base == NULL), a second hands out addresses. */
struct Carver {
  char *base;
  size_t at;
  bool overflow;
  void *take(size_t bytes, size_t align) {
    size_t start = (at + align - 1) & ~(align - 1);
    if (start < at || __builtin_add_overflow(start, bytes, &at))
      overflow = true;
    return base && !overflow ? base + start : nullptr;
  }
};

uint32_t totalRank(const mica_tensor_info *infos, uint32_t n) {
  uint32_t total = 0;
  for (uint32_t i = 0; i < n; ++i)
    total += (uint32_t)infos[i].rank;
  return total;
}

/* Lays out the block (measuring when c->base is NULL). */
void layOut(mica_context *ctx, const mica_entry *entry, uint32_t groups,
            uint32_t segments, Carver *c) {
  const uint32_t ni = entry->num_inputs, no = entry->num_outputs;
  c->take(sizeof(mica_context), 64);
  auto **segs = (const void **)c->take(segments * sizeof(void *), 8);
  auto *counts = (int64_t *)c->take(groups * sizeof(int64_t), 8);
  void **inputs = (void **)c->take(ni * sizeof(void *), 8);
  auto **inputDims = (const int64_t **)c->take(ni * sizeof(void *), 8);
  auto *inputStorage =
      (int64_t *)c->take(totalRank(entry->inputs, ni) * sizeof(int64_t), 8);
  auto *bound = (uint8_t *)c->take(ni, 1);
  void **outputs = (void **)c->take(no * sizeof(void *), 8);
  auto **outputDims = (int64_t **)c->take(no * sizeof(void *), 8);
  auto *outputStorage =
      (int64_t *)c->take(totalRank(entry->outputs, no) * sizeof(int64_t), 8);
  for (uint32_t i = 0; i < no; ++i) {
    void *buffer = c->take(entry->outputs[i].max_bytes, 64);
    if (ctx)
      outputs[i] = buffer;
  }
  if (!ctx)
    return;
  ctx->segments = segs;
  ctx->active_counts = counts;
  ctx->inputs = inputs;
  ctx->input_dims = inputDims;
  ctx->input_dim_storage = inputStorage;
  ctx->bound = bound;
  ctx->outputs = outputs;
  ctx->output_dims = outputDims;
  ctx->output_dim_storage = outputStorage;
  int64_t *dims = inputStorage;
  for (uint32_t i = 0; i < ni; ++i) {
    inputDims[i] = dims;
    dims += entry->inputs[i].rank;
  }
  dims = outputStorage;
  for (uint32_t i = 0; i < no; ++i) {
    outputDims[i] = dims;
    // Until a kernel writes them: the max shape (= the shape when static).
    memcpy(dims, entry->outputs[i].max_shape,
           (size_t)entry->outputs[i].rank * sizeof(int64_t));
    dims += entry->outputs[i].rank;
  }
}

uint64_t nowNs() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

bool checkOutputShapes(const mica_context *ctx, uint32_t *badOutput,
                       uint32_t *badDim) {
  for (uint32_t i = 0; i < ctx->entry->num_outputs; ++i) {
    const mica_tensor_info *info = &ctx->entry->outputs[i];
    for (int32_t d = 0; d < info->rank; ++d) {
      const int64_t v = ctx->output_dims[i][d];
      if (v < 0 || v > info->max_shape[d] ||
          (info->shape[d] >= 0 && v != info->shape[d])) {
        *badOutput = i;
        *badDim = (uint32_t)d;
        return false;
      }
    }
  }
  return true;
}

} // namespace

/* One step: its streamed segment acquired around the kernel (streaming
 * models), a STEP event when on_stream is set. */
static mica_status runStep(mica_context *context, uint32_t s,
                           const mica_msg *msg) {
  const mica_entry *e = context->entry;
  const mica_hooks *hooks = &context->hook_state.hooks;
  const int32_t j = e->step_streamed[s];
  const bool streamed = j >= 0 && context->stream_state;
  const mica_stream_ops *ops = context->model->stream;
  if (streamed) {
    mica_status st = ops->acquire(context->stream_state, s, (uint32_t)j, hooks,
                                  &context->segments[j], msg);
    if (st != MICA_OK)
      return st;
  }
  const uint64_t begin = hooks->on_stream ? nowNs() : 0;
  const int32_t rc = e->kernels[s](&context->kctx);
  if (hooks->on_stream) {
    mica_stream_event event = {MICA_STREAM_STEP, s, -1, 0, 0, begin, nowNs()};
    hooks->on_stream(hooks->user, &event);
  }
  if (streamed) {
    ops->release(context->stream_state);
    context->segments[j] = NULL;
  }
  if (rc != 0)
    return mica_failf(msg, MICA_ERROR_KERNEL,
                      "entry '%s' step %u (kernel '%s') failed with status "
                      "%d",
                      e->name, s, e->step_symbols[s], rc);
  const int32_t node = context->hook_state.failed_node;
  if (node != -2) {
    const char *name = mica_model_node_name(context->model, (uint32_t)node);
    return mica_failf(msg, MICA_ERROR_MODEL_PATH,
                      "entry '%s': these inputs take the model down a path "
                      "that cannot run with its compiled shapes (node '%s'; "
                      "a branch whose shapes contradict each other)",
                      e->name, name ? name : "?");
  }
  return MICA_OK;
}

extern "C" {

void mica_kernel_layer_hook(const mica_kernel_ctx *ctx, int32_t node,
                            int32_t phase) {
  const mica_hook_state *state =
      static_cast<const mica_hook_state *>(ctx->hook_state);
  if (state && state->hooks.on_node && node >= 0 &&
      (uint32_t)node < state->num_nodes)
    state->hooks.on_node(state->hooks.user, (uint32_t)node, phase);
}

void mica_kernel_fail(const mica_kernel_ctx *ctx, int32_t node) {
  mica_hook_state *state = static_cast<mica_hook_state *>(ctx->hook_state);
  if (state && state->failed_node == -2)
    state->failed_node = node;
}

void mica_kernel_tensor_hook(const mica_kernel_ctx *ctx, int32_t node,
                             const void *data, int32_t rank,
                             const int64_t *dims, int32_t dtype) {
  const mica_hook_state *state =
      static_cast<const mica_hook_state *>(ctx->hook_state);
  if (!state || !state->hooks.on_tensor || node < 0 ||
      (uint32_t)node >= state->num_nodes || rank < 0)
    return;
  mica_tensor_view view = {dtype, rank, data, dims, dims + rank};
  state->hooks.on_tensor(state->hooks.user, (uint32_t)node, &view);
}

mica_status mica_context_create(const mica_model *model, uint32_t entry,
                                void *arena, size_t arena_size,
                                uint32_t num_threads,
                                mica_context **out_context, char *error,
                                size_t error_size) {
  mica_msg msg = {error, error_size};
  if (!out_context)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT, "out_context is NULL");
  *out_context = NULL;
  if (!model)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT, "model is NULL");
  if (model->mode == MICA_LOAD_METADATA)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "the model was loaded with mica_model_load_metadata: "
                      "it has no code to run");
  if (entry >= model->num_entries)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "entry point %u out of range (%u entry points)", entry,
                      model->num_entries);
  const mica_entry *e = &model->entries[entry];
  // At least 64 (runtime.h), more when the plan asks for it.
  const size_t align = e->arena_alignment > 64 ? e->arena_alignment : 64;
  if (arena && arena_size < e->arena_size)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "entry '%s' needs an arena of %u bytes, %u given",
                      e->name, e->arena_size, arena_size);
  if (arena && (uintptr_t)arena % align)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "entry '%s' needs a %u-byte aligned arena, got %x",
                      e->name, align, (uintptr_t)arena);

  Carver measure = {nullptr, 0, false};
  const uint32_t groups = model->num_width_groups;
  const uint32_t segments = model->stream ? model->num_segments : 0;
  layOut(nullptr, e, groups, segments, &measure);
  if (measure.overflow)
    return mica_failf(&msg, MICA_ERROR_OUT_OF_MEMORY,
                      "entry '%s': the outputs' total size overflows", e->name);
  void *block = NULL;
  if (posix_memalign(&block, 64, measure.at) != 0)
    return mica_failf(&msg, MICA_ERROR_OUT_OF_MEMORY,
                      "out of memory for a context of %u bytes (outputs "
                      "included)",
                      measure.at);
  memset(block, 0, measure.at);
  mica_context *ctx = static_cast<mica_context *>(block);
  Carver carve = {static_cast<char *>(block), 0, false};
  layOut(ctx, e, groups, segments, &carve);

  ctx->model = model;
  mica_context_set_active_counts(ctx, nullptr, groups, nullptr, 0); // all
  ctx->entry = e;
  ctx->num_threads = num_threads ? num_threads : 1;
  if (arena) {
    ctx->arena = arena;
  } else {
    // At least one alignment unit, so kernels always get a valid pointer.
    size_t size = e->arena_size ? e->arena_size : align;
    if (posix_memalign(&ctx->arena, align, size) != 0) {
      free(block);
      return mica_failf(&msg, MICA_ERROR_OUT_OF_MEMORY,
                        "out of memory for the %u-byte arena of entry '%s'",
                        size, e->name);
    }
    memset(ctx->arena, 0, size);
    ctx->owns_arena = 1;
  }
  ctx->hook_state.num_nodes = model->num_nodes;
  // The run's caller is one of the threads: T - 1 workers. Fewer may start
  // when the system refuses threads; results do not depend on how many.
  if (ctx->num_threads > 1)
    ctx->hook_state.pool = mica_thread_pool_create(ctx->num_threads);
  ctx->kctx.segments = model->segment_bases;
  if (model->stream) {
    memcpy(ctx->segments, model->segment_bases, segments * sizeof(void *));
    ctx->kctx.segments = ctx->segments;
    mica_status st = model->stream->attach(model, e, &ctx->stream_state, &msg);
    if (st != MICA_OK) {
      mica_context_free(ctx);
      return st;
    }
  }
  ctx->kctx.arena = ctx->arena;
  ctx->kctx.inputs = ctx->inputs;
  ctx->kctx.input_dims = ctx->input_dims;
  ctx->kctx.outputs = ctx->outputs;
  ctx->kctx.output_dims = ctx->output_dims;
  ctx->kctx.hook_state = &ctx->hook_state;
  ctx->kctx.active_counts = groups ? ctx->active_counts : nullptr;
  *out_context = ctx;
  return MICA_OK;
}

void mica_context_free(mica_context *context) {
  if (!context)
    return;
  if (context->stream_state)
    context->model->stream->detach(context->stream_state);
  mica_thread_pool_free(context->hook_state.pool);
  if (context->owns_arena)
    free(context->arena);
  free(context);
}

mica_status mica_context_set_input(mica_context *context, uint32_t index,
                                   const void *data, const int64_t *shape,
                                   int32_t rank, char *error,
                                   size_t error_size) {
  mica_msg msg = {error, error_size};
  if (!context)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT, "context is NULL");
  const mica_entry *e = context->entry;
  if (index >= e->num_inputs)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "input %u out of range (entry '%s' has %u inputs)", index,
                      e->name, e->num_inputs);
  context->bound[index] = 0;
  context->inputs[index] = NULL;
  const mica_tensor_info *info = &e->inputs[index];
  if (rank != info->rank)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "input %u '%s': rank %d given, the model's is %d", index,
                      info->name, rank, info->rank);
  if (rank > 0 && !shape)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "input %u '%s': shape is NULL", index, info->name);
  bool empty = false;
  for (int32_t d = 0; d < rank; ++d) {
    const int64_t v = shape[d];
    if (info->shape[d] >= 0 && v != info->shape[d])
      return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                        "input %u '%s': dimension %d is %d, the model fixes "
                        "it at %d",
                        index, info->name, d, v, info->shape[d]);
    if (v < 0 || v > info->max_shape[d])
      return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                        "input %u '%s': dimension %d is %d, outside [0, %d]",
                        index, info->name, d, v, info->max_shape[d]);
    empty = empty || v == 0;
  }
  if (!data && !empty)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "input %u '%s': data is NULL", index, info->name);
  int64_t *dims = const_cast<int64_t *>(context->input_dims[index]);
  for (int32_t d = 0; d < rank; ++d)
    dims[d] = shape[d];
  context->inputs[index] = const_cast<void *>(data);
  context->bound[index] = 1;
  return MICA_OK;
}

mica_status mica_context_set_width(mica_context *context, double width,
                                   char *error, size_t error_size) {
  mica_msg msg = {error, error_size};
  if (!context)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT, "context is NULL");
  if (!(width > 0 && width <= 1)) // NaN too
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "width must be in (0, 1]");
  const uint32_t n = context->model->num_width_groups;
  if (!n && width < 1)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "the artifact has no width groups (compile it with "
                      "--sortable-width)");
  for (uint32_t g = 0; g < n; ++g) {
    mica_width_group_info group;
    mica_model_width_group(context->model, g, &group);
    context->active_counts[g] =
        mica_channels_kept(group.channels, 1.0 - width, group.round);
  }
  return MICA_OK;
}

mica_status mica_context_set_active_counts(mica_context *context,
                                           const int64_t *counts,
                                           uint32_t num_counts, char *error,
                                           size_t error_size) {
  mica_msg msg = {error, error_size};
  if (!context)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT, "context is NULL");
  const uint32_t n = context->model->num_width_groups;
  if (num_counts != n)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                      "%u counts given for %u width groups", num_counts, n);
  for (int pass = counts ? 0 : 1; pass < 2; ++pass)
    for (uint32_t g = 0; g < n; ++g) {
      mica_width_group_info group;
      mica_model_width_group(context->model, g, &group);
      const int64_t c = counts ? counts[g] : group.channels;
      if (pass)
        context->active_counts[g] = c;
      else if (c < 1 || c > group.channels ||
               (c % group.round && c != group.channels))
        return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                          "width group %u '%s': count %d must be in [1, %d] "
                          "and a multiple of %d (or %d)",
                          g, group.node, c, group.channels, group.round,
                          group.channels);
    }
  return MICA_OK;
}

const int64_t *mica_context_active_counts(const mica_context *context) {
  return context ? context->kctx.active_counts : nullptr;
}

mica_status mica_context_run(mica_context *context, char *error,
                             size_t error_size) {
  mica_msg msg = {error, error_size};
  if (!context)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT, "context is NULL");
  const mica_entry *e = context->entry;
  context->has_outputs = 0;
  for (uint32_t i = 0; i < e->num_inputs; ++i)
    if (!context->bound[i])
      return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT,
                        "input %u '%s' is not bound (mica_context_set_input)",
                        i, e->inputs[i].name);
  context->hook_state.failed_node = -2;
  mica_status st = MICA_OK;
  for (uint32_t s = 0; s < e->num_steps && st == MICA_OK; ++s)
    st = runStep(context, s, &msg);
  if (st != MICA_OK) {
    // Rewind the loader: the next run starts again from step 0.
    if (context->stream_state)
      context->model->stream->reset(context->stream_state);
    return st;
  }
  uint32_t output = 0, dim = 0;
  if (!checkOutputShapes(context, &output, &dim))
    return mica_failf(&msg, MICA_ERROR_KERNEL,
                      "entry '%s' output %u '%s': the kernels wrote dimension "
                      "%u as %d, outside the signature",
                      e->name, output, e->outputs[output].name, dim,
                      context->output_dims[output][dim]);
  context->has_outputs = 1;
  return MICA_OK;
}

mica_status mica_context_output(const mica_context *context, uint32_t index,
                                const void **out_data,
                                const int64_t **out_shape, int32_t *out_rank) {
  if (out_data)
    *out_data = NULL;
  if (out_shape)
    *out_shape = NULL;
  if (out_rank)
    *out_rank = 0;
  if (!context || index >= context->entry->num_outputs || !context->has_outputs)
    return MICA_ERROR_INVALID_ARGUMENT;
  if (out_data)
    *out_data = context->outputs[index];
  if (out_shape)
    *out_shape = context->output_dims[index];
  if (out_rank)
    *out_rank = context->entry->outputs[index].rank;
  return MICA_OK;
}

void mica_context_set_hooks(mica_context *context, const mica_hooks *hooks) {
  if (!context)
    return;
  if (hooks)
    context->hook_state.hooks = *hooks;
  else
    memset(&context->hook_state.hooks, 0, sizeof(context->hook_state.hooks));
}

} // extern "C"
