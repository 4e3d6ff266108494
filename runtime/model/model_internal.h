/* Interfaces between the files of mica_runtime (runtime/model/). Not
 * installed; tests and the fuzz harness include it for the seams below.
 *
 * The library is C++17 built without exceptions and RTTI because the
 * flatbuffers verifier and accessors are C++ templates; the code itself is
 * plain C in style: malloc/free, no STL containers, no global mutable state.
 */
#ifndef MICA_RUNTIME_MODEL_MODEL_INTERNAL_H
#define MICA_RUNTIME_MODEL_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mica/artifact_format.h"
#include "mica/loader.h"
#include "mica/runtime.h"
#include "runtime/loader/loader_internal.h" /* mica_msg, mica_fail */

#ifdef __cplusplus
namespace mica {
namespace fb {
struct Model;
struct Target;
} // namespace fb
} // namespace mica
typedef mica::fb::Model mica_fb_model;
typedef mica::fb::Target mica_fb_target;
#else
typedef struct mica_fb_model mica_fb_model;
typedef struct mica_fb_target mica_fb_target;
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* --- CPU target check (target_check.cpp) ------------------------------------
 */
/* Answers whether the running CPU has the LLVM feature `name` (without its
 * '+'; `len` bytes, not NUL-terminated): 1 yes, 0 no, -1 unknown to the
 * checker (ignored). */
typedef int (*mica_cpu_probe)(const char *name, size_t len, void *user);

/* "x86_64" or "aarch64": the architecture this runtime was built for (the
 * spelling of the schema's Target.arch). */
const char *mica_host_arch(void);
/* The probe for the running CPU (x86: __builtin_cpu_supports; AArch64:
 * getauxval(AT_HWCAP/AT_HWCAP2)). */
int mica_host_cpu_probe(const char *name, size_t len, void *user);
/* Checks that target `index` can run here: its arch equals `arch` and every
 * required ("+x" or bare "x") feature the probe knows is present; "-x"
 * entries and features the probe does not know are ignored. */
mica_status mica_check_target(const mica_fb_target *target, uint32_t index,
                              const char *arch, mica_cpu_probe probe,
                              void *probe_user, const mica_msg *msg);

/* --- validation (validate.cpp) ------------------------------------------- */
typedef struct mica_artifact_view {
  const uint8_t *data;
  size_t size;
  uint32_t format_major, format_minor;
  uint64_t content_hash;
  uint64_t resident_size; /* the header's: 0, or where streamed bytes start */
  const mica_fb_model *meta;
} mica_artifact_view;

/* Everything that does not depend on the running machine: header, version,
 * size, content hash, flatbuffer verifier, segments (bounds, alignment,
 * order, hashes), every index, every TensorSpec, the width groups. With
 * `skip_hashes` the content and segment hashes are not checked (fuzzing seam
 * only). `size` is the file's; `mapped` < `size` (0 = all) says that only
 * the resident prefix is readable at `data` (a streaming load): it must be
 * the header's resident_size, the resident hash replaces the content hash
 * and the streamed segments' hashes are left to their first read. */
mica_status mica_validate_artifact(const void *data, size_t size, size_t mapped,
                                   int skip_hashes, mica_artifact_view *out,
                                   const mica_msg *msg);

/* The little-endian u32 at `p` (any alignment). */
static inline uint32_t mica_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* --- encoded constants segments (segment_encoding.cpp) ------------------- */
/* Checks the ZeroBitmap payload of segment `segment` (`size` bytes at
 * `data`) against its `decoded_size`: header, chunk count, offset table and
 * every record's mode and exact length. Reads only [data, data + size). */
mica_status mica_check_zero_bitmap(const uint8_t *data, uint64_t size,
                                   uint64_t decoded_size, uint32_t segment,
                                   const mica_msg *msg);
/* Writes the `decoded_size` bytes of a payload that mica_check_zero_bitmap
 * accepted to `out`. */
void mica_decode_zero_bitmap(const uint8_t *data, uint64_t decoded_size,
                             uint8_t *out);

/* Bytes of a tensor of `max_shape`; validated, so it cannot overflow. */
size_t mica_spec_max_bytes(int32_t dtype, const int64_t *max_shape,
                           uint32_t rank);

/* --- the model (model.cpp) ------------------------------------------------ */
typedef enum mica_load_mode {
  MICA_LOAD_CODE = 0,     /* mica_model_load: code from the artifact */
  MICA_LOAD_LINKED = 1,   /* mica_model_load_linked: kernels by symbol */
  MICA_LOAD_METADATA = 2, /* mica_model_load_metadata: no target, no code */
} mica_load_mode;

/* The one internal load call behind the public ones, and the test seam:
 * `probe`/`probe_user` replace the running CPU's feature probe (NULL = the
 * real CPU) so "missing feature" is testable on any machine, and
 * `skip_hashes` lets a fuzzer reach the checks behind the hashes. */
typedef struct mica_load_request {
  mica_load_mode mode;
  const mica_linked_kernel *kernels; /* MICA_LOAD_LINKED */
  size_t num_kernels;
  mica_cpu_probe probe;
  void *probe_user;
  int skip_hashes;
  /* Bytes readable at `data` when fewer than `size` (0 = all): a streaming
   * load (runtime/stream) maps only the resident prefix; the streamed
   * segments' bases are then NULL until a stream library supplies them. */
  size_t mapped;
} mica_load_request;

mica_status mica_model_load_with(const void *data, size_t size,
                                 const mica_load_request *request,
                                 mica_model **out_model, const mica_msg *msg);

/* One entry point, resolved at load. */
typedef struct mica_entry {
  const char *name;
  uint32_t num_inputs, num_outputs, num_steps;
  mica_tensor_info *inputs;  /* num_inputs, pointing into the metadata */
  mica_tensor_info *outputs; /* num_outputs */
  const char **step_symbols; /* num_steps */
  int32_t *step_streamed;    /* num_steps: Step.streamed (-1: none) */
  mica_kernel_fn *kernels;   /* num_steps; NULL for metadata-only models */
  size_t arena_size, arena_alignment, intermediates_size;
} mica_entry;

/* How a context gets streamed segments (runtime/stream): a const table the
 * stream library sets on a model it loaded (no global state). Called on the
 * run thread; `state` is what attach made for one context. */
typedef struct mica_stream_ops {
  /* At mica_context_create: the context's loader (thread, buffers). */
  mica_status (*attach)(const mica_model *model, const mica_entry *entry,
                        void **out_state, const mica_msg *msg);
  void (*detach)(void *state); /* mica_context_free: joins the thread */
  /* Before step `step`: the bytes of streamed segment `segment`, read and
   * checked; a failure fails the run before the kernel runs. */
  mica_status (*acquire)(void *state, uint32_t step, uint32_t segment,
                         const mica_hooks *hooks, const void **out_base,
                         const mica_msg *msg);
  void (*release)(void *state); /* after the step: the buffer may refill */
  void (*reset)(void *state);   /* after a failed run: rewind to step 0 */
  void (*model_free)(void *stream_model); /* mica_model_free */
} mica_stream_ops;

struct mica_model {
  mica_artifact_view view;
  mica_load_mode mode;
  void *mapping; /* mica_model_load_file: the file's read-only mapping */
  size_t mapping_size;
  uint32_t num_targets, num_segments, num_entries, num_nodes;
  uint32_t num_width_groups;  /* Model.width_groups, validated */
  const void **segment_bases; /* kernel ctx->segments: constants, else NULL */
  /* Per segment: the decoded bytes of an encoded constants segment, owned
   * by the model (64-byte aligned, freed by mica_model_free), else NULL. */
  void **decoded_segments;
  mica_code **codes; /* per segment: the loaded code, or NULL */
  mica_entry *entries;
  const char **node_names, **node_op_types;
  char *target_features; /* target 0's features joined with ',' */
  /* Set by the stream library on a streaming load, else NULL: contexts
   * then get their own segment table and a loader (context.cpp). */
  const mica_stream_ops *stream;
  void *stream_model;
};

/* A context's worker threads (thread_pool.cpp); NULL for one thread. */
typedef struct mica_thread_pool mica_thread_pool;
mica_thread_pool *mica_thread_pool_create(uint32_t threads);
void mica_thread_pool_free(mica_thread_pool *pool);

/* What ctx->hook_state points to while a context runs. */
typedef struct mica_hook_state {
  mica_hooks hooks;
  uint32_t num_nodes;
  mica_thread_pool *pool; /* mica_kernel_parallel_for's threads */
  int32_t failed_node;    /* mica_kernel_fail's node; -2 while none */
} mica_hook_state;

#ifdef __cplusplus
} /* extern "C" */

#include <type_traits>

/* Formats through mica_fail, widening every integer argument to the 64 bits
 * its format requires (%u/%x/%d take 64-bit integers, %s a C string). */
inline const char *mica_fmt_arg(const char *s) { return s; }
template <typename T,
          typename = typename std::enable_if<std::is_integral<T>::value ||
                                             std::is_enum<T>::value>::type>
inline uint64_t mica_fmt_arg(T value) {
  return (uint64_t)value;
}
template <typename... Args>
inline mica_status mica_failf(const mica_msg *msg, mica_status status,
                              const char *fmt, Args... args) {
  return mica_fail(msg, status, fmt, mica_fmt_arg(args)...);
}
#endif

#endif /* MICA_RUNTIME_MODEL_MODEL_INTERNAL_H */
