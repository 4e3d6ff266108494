/* Mica runtime: loads a compiled `.mica` model and runs it.
 *
 * Objects
 * - mica_model: an immutable loaded artifact (metadata, constants, relocated
 *   code). Created once, validated in full before it can be used.
 * - mica_context: per-run state of one entry point: the arena for
 *   intermediates, bound inputs, output buffers and their shapes, hooks.
 *
 * Thread-safety
 * - A mica_model is immutable after mica_model_load*: every mica_model_*
 *   query and mica_context_create may be called from any number of threads
 *   at once. mica_model_free must not race with any other use of the model or
 *   of a context created from it (free contexts first).
 * - A mica_context is NOT thread-safe: use one context per thread. Distinct
 *   contexts of one model run concurrently without locks.
 * - No global mutable state. The only threads are a context's workers:
 *   mica_context_create with num_threads = T > 1 starts T - 1 of them (the
 *   thread calling mica_context_run is the T-th), which run the parallel
 *   loops of that context's runs (spinning briefly between loops, then
 *   sleeping) and are joined by mica_context_free. A context of a model
 *   loaded with mica_model_load_file_streamed (mica/stream.h) also owns a
 *   loader thread, started at create and joined by mica_context_free.
 *
 * Memory
 * - mica_model_load borrows `data`: it must stay valid and unchanged until
 *   mica_model_free (weights are used in place, never copied, except
 *   encoded constants segments, which are decoded once at load into memory
 *   the model owns).
 *   mica_model_load_file maps the file read-only and owns the mapping.
 *   mica_model_load_file_streamed maps only the resident prefix; each
 *   context then allocates, at create, two buffers for streamed weights.
 * - mica_context_create allocates the arena (unless the caller supplies one)
 *   and the output buffers, sized for the signature's max_shape. After that,
 *   mica_context_set_input / mica_context_run / mica_context_output never
 *   allocate.
 *
 * Errors: every fallible call returns a mica_status (status.h) and writes a
 * message into the caller's `error` buffer (may be NULL). On failure the
 * out-parameters are set to NULL/0.
 *
 * This header is append-only; struct fields are only appended.
 */
#ifndef MICA_RUNTIME_H
#define MICA_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "mica/kernel_abi.h"
#include "mica/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mica_model mica_model;
typedef struct mica_context mica_context;

/* Element types, numbered as ONNX's TensorProto.DataType. */
typedef enum mica_dtype {
  MICA_DTYPE_FLOAT32 = 1,
  MICA_DTYPE_UINT8 = 2,
  MICA_DTYPE_INT8 = 3,
  MICA_DTYPE_UINT16 = 4,
  MICA_DTYPE_INT16 = 5,
  MICA_DTYPE_INT32 = 6,
  MICA_DTYPE_INT64 = 7,
  MICA_DTYPE_BOOL = 9, /* one byte per element, 0 or 1 */
  MICA_DTYPE_FLOAT16 = 10,
  MICA_DTYPE_FLOAT64 = 11,
  MICA_DTYPE_UINT32 = 12,
  MICA_DTYPE_UINT64 = 13,
  MICA_DTYPE_BFLOAT16 = 16,
} mica_dtype;

/* Bytes per element of `dtype`; 0 when unknown. */
size_t mica_dtype_size(int32_t dtype);
/* "float32", "int64", ... (numpy names); "unknown" when unknown. */
const char *mica_dtype_name(int32_t dtype);

/* A tensor of a signature. Pointers are owned by the model. */
typedef struct mica_tensor_info {
  const char *name;
  int32_t dtype; /* mica_dtype */
  int32_t rank;
  const int64_t *shape;     /* -1 where the dimension is symbolic */
  const int64_t *max_shape; /* upper bound of every dimension */
  size_t max_bytes;         /* bytes of a tensor of max_shape */
} mica_tensor_info;

typedef struct mica_model_options {
  /* Extra symbols for the loaded code, looked up before the runtime's own
     table (libm, memcpy, mica_kernel_layer_hook). May be NULL. */
  const void *reserved;
} mica_model_options;

/* Loads an artifact from memory (borrowed, see Memory) / from a file. Checks
 * the header, format version, content hash, flatbuffer (verifier), every
 * segment's bounds and alignment, the target's architecture and CPU features
 * against the running CPU, then loads and relocates the code.
 * `data` must be 64-byte aligned (a mapped file is), so that segments keep
 * the alignment the compiler planned for; unaligned data is refused with
 * MICA_ERROR_INVALID_ARGUMENT. The full list of checks and their statuses:
 * docs/artifact-format.md. */
mica_status mica_model_load(const void *data, size_t size,
                            mica_model **out_model, char *error,
                            size_t error_size);
mica_status mica_model_load_file(const char *path, mica_model **out_model,
                                 char *error, size_t error_size);

/* For static-lib builds: the artifact holds no code segment for this
 * machine; its kernels were linked into the program and are given here by
 * symbol name. */
typedef struct mica_linked_kernel {
  const char *symbol;
  mica_kernel_fn fn;
} mica_linked_kernel;
mica_status mica_model_load_linked(const void *data, size_t size,
                                   const mica_linked_kernel *kernels,
                                   size_t num_kernels, mica_model **out_model,
                                   char *error, size_t error_size);

/* Validates an artifact like mica_model_load but neither checks the target
 * against this machine nor loads code: for tools that describe artifacts of
 * any target (`mica inspect`). Contexts cannot be created from it. */
mica_status mica_model_load_metadata(const void *data, size_t size,
                                     mica_model **out_model, char *error,
                                     size_t error_size);

void mica_model_free(mica_model *model);

/* Artifact-level facts, for tools. */
typedef struct mica_model_summary {
  uint32_t format_major, format_minor;
  const char *producer;
  const char *target_name; /* "host", "arm64" */
  const char *target_triple;
  const char *target_cpu;
  const char *target_features; /* comma-separated, as compiled */
  uint64_t file_size;
  uint64_t content_hash;
  uint32_t num_segments;
} mica_model_summary;
void mica_model_get_summary(const mica_model *model,
                            mica_model_summary *out_summary);

typedef struct mica_segment_info {
  int32_t kind;          /* 0 constants, 1 code */
  int32_t target;        /* code: index of its target; -1 otherwise */
  uint64_t offset, size; /* the bytes stored in the file */
  /* How they are stored: 0 raw, 1 zero_bitmap (constants decoded at load
   * into memory the model owns); and the bytes the code sees (= size when
   * raw). */
  uint32_t encoding;
  uint64_t decoded_size;
} mica_segment_info;
mica_status mica_model_segment_info(const mica_model *model, uint32_t index,
                                    mica_segment_info *out_info);

/* Entry points: "main" is index 0 in artifacts with a single entry. */
uint32_t mica_model_num_entry_points(const mica_model *model);
const char *mica_model_entry_point_name(const mica_model *model,
                                        uint32_t entry);
/* Index of the entry named `name`, or -1. */
int32_t mica_model_find_entry_point(const mica_model *model, const char *name);

uint32_t mica_model_num_inputs(const mica_model *model, uint32_t entry);
uint32_t mica_model_num_outputs(const mica_model *model, uint32_t entry);
mica_status mica_model_input_info(const mica_model *model, uint32_t entry,
                                  uint32_t index, mica_tensor_info *out_info);
mica_status mica_model_output_info(const mica_model *model, uint32_t entry,
                                   uint32_t index, mica_tensor_info *out_info);
/* Index of the input/output named `name`, or -1. */
int32_t mica_model_find_input(const mica_model *model, uint32_t entry,
                              const char *name);
int32_t mica_model_find_output(const mica_model *model, uint32_t entry,
                               const char *name);

/* Bytes of scratch a context of `entry` needs (its static memory plan). */
size_t mica_model_arena_size(const mica_model *model, uint32_t entry);
/* Sum of the sizes of all intermediates of `entry` without reuse (what the
 * arena would be without the memory plan). */
size_t mica_model_intermediates_size(const mica_model *model, uint32_t entry);
/* Steps of the execution plan of `entry`: kernel symbol and its target. */
uint32_t mica_model_num_steps(const mica_model *model, uint32_t entry);
const char *mica_model_step_symbol(const mica_model *model, uint32_t entry,
                                   uint32_t step);

/* The ONNX nodes of the model (for profiles): name and op type. */
uint32_t mica_model_num_nodes(const mica_model *model);
const char *mica_model_node_name(const mica_model *model, uint32_t node);
const char *mica_model_node_op_type(const mica_model *model, uint32_t node);

/* The compile report (JSON) the artifact carries; "" when none. */
const char *mica_model_report_json(const mica_model *model);

/* What the artifact needs beyond its format (MICA_FEATURE_* names of
 * mica/artifact_format.h, e.g. "entry_points"); loading checked that this
 * runtime implements each. */
uint32_t mica_model_num_required_features(const mica_model *model);
const char *mica_model_required_feature(const mica_model *model,
                                        uint32_t index);

/* Width groups of a --sortable-width artifact (Model.width_groups; 0 for
 * other artifacts): channels the compiler sorted so that a prefix of each
 * group is the best smaller model. Group g is what kernels read as
 * active_counts[g] (kernel_abi.h); mica_context_set_width picks the counts.
 * Strings are owned by the model. */
typedef struct mica_width_group_info {
  const char *node; /* the ONNX node whose output channels these are */
  const char *op;   /* its op type */
  int64_t channels; /* the group's full channel count, >= 1 */
  int64_t round;    /* active counts are multiples of it, or all channels */
} mica_width_group_info;
uint32_t mica_model_num_width_groups(const mica_model *model);
mica_status mica_model_width_group(const mica_model *model, uint32_t index,
                                   mica_width_group_info *out_info);

/* Creates a context for `entry`. `arena` may be NULL (the context allocates
 * it) or caller memory of at least mica_model_arena_size bytes, 64-byte
 * aligned, owned by the caller. `num_threads` is the number of threads the
 * context may use (0 = 1), the caller's included; results never depend on
 * it. */
mica_status mica_context_create(const mica_model *model, uint32_t entry,
                                void *arena, size_t arena_size,
                                uint32_t num_threads,
                                mica_context **out_context, char *error,
                                size_t error_size);
void mica_context_free(mica_context *context);

/* The width of the next runs of a --sortable-width artifact: group g
 * computes its first mica_channels_kept(channels_g, 1 - width, round_g)
 * channels (mica/channel_width.h), the channels `--prune channels=1-width`
 * would keep. 0 < width <= 1; a context starts at 1 (every channel). May be
 * called between runs, never during one. A width below 1 on an artifact
 * without width groups is an error (it would change nothing). */
mica_status mica_context_set_width(mica_context *context, double width,
                                   char *error, size_t error_size);

/* Per-group active channel counts (research: a different width per group).
 * `num_counts` must equal mica_model_num_width_groups; each count must be in
 * [1, channels] and a multiple of the group's round or all its channels.
 * `counts` NULL: every channel (width 1). On failure the counts are
 * unchanged. */
mica_status mica_context_set_active_counts(mica_context *context,
                                           const int64_t *counts,
                                           uint32_t num_counts, char *error,
                                           size_t error_size);

/* The active channel count of each width group (what kernels read; owned by
 * the context, mica_model_num_width_groups entries); NULL without groups. */
const int64_t *mica_context_active_counts(const mica_context *context);

/* Binds input `index` to caller memory (borrowed until the next run
 * returns): dense row-major data of the signature's dtype and the given
 * shape, which must have the signature's rank, equal its static dimensions
 * and stay within max_shape.
 * The binding persists for later runs until it is replaced (the data must
 * stay valid for every run that uses it); a failed call unbinds the input. */
mica_status mica_context_set_input(mica_context *context, uint32_t index,
                                   const void *data, const int64_t *shape,
                                   int32_t rank, char *error,
                                   size_t error_size);

/* Runs the entry point on the bound inputs. */
mica_status mica_context_run(mica_context *context, char *error,
                             size_t error_size);

/* Output `index` of the last successful run: data owned by the context
 * (valid until the next run or mica_context_free) and its actual shape. */
mica_status mica_context_output(const mica_context *context, uint32_t index,
                                const void **out_data,
                                const int64_t **out_shape, int32_t *out_rank);

/* Hooks: called by the running code around each ONNX node (node indices as
 * in mica_model_node_name). For per-layer timing; may be NULL. */
/* A view of an intermediate tensor, valid only during the on_tensor call
 * (the memory plan reuses the buffer afterwards). */
typedef struct mica_tensor_view {
  int32_t dtype; /* mica_dtype; 0 when unknown */
  int32_t rank;
  const void *data;       /* first element */
  const int64_t *shape;   /* rank sizes */
  const int64_t *strides; /* rank strides, in elements */
} mica_tensor_view;

/* Kinds of mica_stream_event. */
#define MICA_STREAM_STEP 0 /* a step's kernel ran */
#define MICA_STREAM_LOAD 1 /* a streamed segment was read (and checked) */
#define MICA_STREAM_WAIT 2 /* the run waited for a streamed segment */
typedef struct mica_stream_event {
  uint32_t kind;
  uint32_t step;     /* index into the entry point's steps */
  int32_t segment;   /* the streamed segment (LOAD, WAIT); -1 for STEP */
  uint32_t verified; /* LOAD: 1 when this read checked the segment's hash */
  uint64_t bytes;    /* LOAD: bytes read */
  uint64_t begin_ns, end_ns; /* CLOCK_MONOTONIC */
} mica_stream_event;

typedef struct mica_hooks {
  void *user;
  void (*on_node)(void *user, uint32_t node,
                  int32_t phase); /* 0 begin, 1 end */
  /* Called after a node's code with the last buffer it wrote (its result,
     or the part of a larger buffer it wrote into); may be NULL. For
     debugging tools, e.g. comparing intermediates with a reference. */
  void (*on_tensor)(void *user, uint32_t node, const mica_tensor_view *tensor);
  /* Streaming timeline (--memory-budget artifacts loaded with
     mica_model_load_file_streamed, mica/stream.h); may be NULL. Called on
     the run thread only: STEP around every step of every model (when set),
     LOAD for each streamed segment a step consumed (with the loader
     thread's times, which may lie in an earlier run), WAIT when the run
     blocked for it. */
  void (*on_stream)(void *user, const mica_stream_event *event);
} mica_hooks;

void mica_context_set_hooks(mica_context *context, const mica_hooks *hooks);

#ifdef __cplusplus
}
#endif

#endif /* MICA_RUNTIME_H */
