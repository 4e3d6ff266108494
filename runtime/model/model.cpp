/* mica_model: loading (validate, check the target, decode encoded
 * constants, load or bind the code) and freeing. Queries are in queries.cpp,
 * contexts in context.cpp.
 *
 * Everything a model needs is allocated here, once, at load; a failed load
 * frees what it allocated and leaves *out_model NULL. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/model/flatbuffer_access.h"
#include "runtime/model/model_internal.h"
#include "runtime/schema/mica_artifact_generated.h"

namespace fb = mica::fb;

namespace {

using mica_rt::str;

using mica_rt::length;

template <typename T> T *allocArray(size_t n) {
  // calloc(0) may return NULL: always ask for at least one element.
  return static_cast<T *>(calloc(n ? n : 1, sizeof(T)));
}

const int64_t kNoDims[1] = {0};

mica_status fillTensorInfos(
    const flatbuffers::Vector<flatbuffers::Offset<fb::TensorSpec>> *specs,
    mica_tensor_info **out, uint32_t *outCount, const mica_msg *msg) {
  const uint32_t n = length(specs);
  *outCount = n;
  *out = allocArray<mica_tensor_info>(n);
  if (!*out)
    return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                      "out of memory for %u tensor descriptions", n);
  for (uint32_t i = 0; i < n; ++i) {
    const fb::TensorSpec *spec = specs->Get(i);
    mica_tensor_info *info = &(*out)[i];
    info->name = str(spec->name());
    info->dtype = spec->dtype();
    info->rank = (int32_t)length(spec->shape());
    // Validated: shape and max_shape have `rank` elements. Little-endian
    // int64 in the buffer, 8-byte aligned (the buffer is at file offset 64).
    info->shape = info->rank ? spec->shape()->data() : kNoDims;
    info->max_shape = info->rank ? spec->max_shape()->data() : kNoDims;
    info->max_bytes =
        mica_spec_max_bytes(info->dtype, info->max_shape, (uint32_t)info->rank);
  }
  return MICA_OK;
}

mica_status buildEntries(mica_model *model, const mica_msg *msg) {
  const fb::Model *meta = model->view.meta;
  model->entries = allocArray<mica_entry>(model->num_entries);
  if (!model->entries)
    return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                      "out of memory for %u entry points", model->num_entries);
  for (uint32_t e = 0; e < model->num_entries; ++e) {
    const fb::EntryPoint *ep = meta->entry_points()->Get(e);
    mica_entry *entry = &model->entries[e];
    entry->name = str(ep->name());
    entry->arena_size = ep->arena_size();
    entry->arena_alignment = ep->arena_alignment();
    entry->intermediates_size = ep->intermediates_size();
    mica_status st =
        fillTensorInfos(ep->inputs(), &entry->inputs, &entry->num_inputs, msg);
    if (st == MICA_OK)
      st = fillTensorInfos(ep->outputs(), &entry->outputs, &entry->num_outputs,
                           msg);
    if (st != MICA_OK)
      return st;
    entry->num_steps = length(ep->steps());
    entry->step_symbols = allocArray<const char *>(entry->num_steps);
    entry->step_streamed = allocArray<int32_t>(entry->num_steps);
    if (!entry->step_symbols || !entry->step_streamed)
      return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                        "out of memory for %u steps", entry->num_steps);
    for (uint32_t s = 0; s < entry->num_steps; ++s) {
      entry->step_symbols[s] = str(ep->steps()->Get(s)->symbol());
      entry->step_streamed[s] = ep->steps()->Get(s)->streamed();
    }
  }
  model->node_names = allocArray<const char *>(model->num_nodes);
  model->node_op_types = allocArray<const char *>(model->num_nodes);
  if (!model->node_names || !model->node_op_types)
    return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                      "out of memory for %u nodes", model->num_nodes);
  for (uint32_t i = 0; i < model->num_nodes; ++i) {
    model->node_names[i] = str(meta->nodes()->Get(i)->name());
    model->node_op_types[i] = str(meta->nodes()->Get(i)->op_type());
  }
  return MICA_OK;
}

/* The summary's target_features: target 0's features joined with ','. */
mica_status joinTargetFeatures(mica_model *model, const mica_msg *msg) {
  const auto *features = model->num_targets
                             ? model->view.meta->targets()->Get(0)->features()
                             : nullptr;
  size_t bytes = 1;
  for (uint32_t i = 0; i < length(features); ++i)
    bytes += features->Get(i)->size() + 1;
  model->target_features = allocArray<char>(bytes);
  if (!model->target_features)
    return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                      "out of memory for the feature list");
  char *at = model->target_features;
  for (uint32_t i = 0; i < length(features); ++i) {
    if (i)
      *at++ = ',';
    memcpy(at, features->Get(i)->c_str(), features->Get(i)->size());
    at += features->Get(i)->size();
  }
  *at = '\0';
  return MICA_OK;
}

/* Raw constants are used in place; encoded ones get their base when
 * decodeSegments runs. Streamed ones are constants when mapped (memory
 * mode), else NULL: a context's loader supplies them. */
mica_status buildSegments(mica_model *model, size_t mapped,
                          const mica_msg *msg) {
  const fb::Model *meta = model->view.meta;
  model->segment_bases = allocArray<const void *>(model->num_segments);
  model->decoded_segments = allocArray<void *>(model->num_segments);
  model->codes = allocArray<mica_code *>(model->num_segments);
  if (!model->segment_bases || !model->decoded_segments || !model->codes)
    return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                      "out of memory for %u segments", model->num_segments);
  for (uint32_t i = 0; i < model->num_segments; ++i) {
    const fb::Segment *seg = meta->segments()->Get(i);
    if (seg->kind() != fb::SegmentKind::Code &&
        seg->encoding() == fb::SegmentEncoding::Raw &&
        seg->offset() + seg->size() <= mapped)
      model->segment_bases[i] = model->view.data + seg->offset();
  }
  return MICA_OK;
}

/* Decodes every encoded constants segment (validated) into memory the model
 * owns, aligned like the segment (at least 64 bytes, as a raw segment in a
 * mapped file is). Skipped for metadata-only models, which never run. */
mica_status decodeSegments(mica_model *model, const mica_msg *msg) {
  const fb::Model *meta = model->view.meta;
  for (uint32_t i = 0; i < model->num_segments; ++i) {
    const fb::Segment *seg = meta->segments()->Get(i);
    if (seg->kind() != fb::SegmentKind::Constants ||
        seg->encoding() == fb::SegmentEncoding::Raw)
      continue;
    const size_t decoded = (size_t)seg->decoded_size(); /* <= PTRDIFF_MAX */
    const size_t alignment = seg->alignment() > MICA_ARTIFACT_ALIGNMENT
                                 ? seg->alignment()
                                 : MICA_ARTIFACT_ALIGNMENT;
    void *buffer = NULL;
    if (posix_memalign(&buffer, alignment, decoded ? decoded : 1) != 0)
      return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                        "segment %u: out of memory for its %u decoded bytes", i,
                        decoded);
    model->decoded_segments[i] = buffer;
    mica_decode_zero_bitmap(model->view.data + seg->offset(), decoded,
                            static_cast<uint8_t *>(buffer));
    model->segment_bases[i] = buffer;
  }
  return MICA_OK;
}

/* Every target a step runs on must match this machine. */
mica_status checkStepTargets(const mica_model *model,
                             const mica_load_request *request,
                             const mica_msg *msg) {
  const fb::Model *meta = model->view.meta;
  mica_cpu_probe probe = request->probe ? request->probe : mica_host_cpu_probe;
  for (uint32_t t = 0; t < model->num_targets; ++t) {
    bool used = false;
    for (uint32_t e = 0; e < model->num_entries && !used; ++e) {
      const fb::EntryPoint *ep = meta->entry_points()->Get(e);
      for (uint32_t s = 0; s < length(ep->steps()) && !used; ++s)
        used = ep->steps()->Get(s)->target() == t;
    }
    if (!used)
      continue;
    mica_status st =
        mica_check_target(meta->targets()->Get(t), t, mica_host_arch(), probe,
                          request->probe_user, msg);
    if (st != MICA_OK)
      return st;
  }
  return MICA_OK;
}

/* Loads one code segment with libc/libm and the kernel hooks. */
mica_status loadCode(mica_model *model, uint32_t segment, const mica_msg *msg) {
  if (model->codes[segment])
    return MICA_OK;
  size_t numDefaults = 0;
  const mica_import *defaults = mica_default_imports(&numDefaults);
  const size_t numHooks = 4;
  mica_import *imports = allocArray<mica_import>(numDefaults + numHooks);
  if (!imports)
    return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                      "out of memory for the import table");
  imports[0].name = "mica_kernel_layer_hook";
  imports[0].address = (void *)&mica_kernel_layer_hook;
  imports[1].name = "mica_kernel_tensor_hook";
  imports[1].address = (void *)&mica_kernel_tensor_hook;
  imports[2].name = "mica_kernel_parallel_for";
  imports[2].address = (void *)&mica_kernel_parallel_for;
  imports[3].name = "mica_kernel_fail";
  imports[3].address = (void *)&mica_kernel_fail;
  memcpy(imports + numHooks, defaults, numDefaults * sizeof(mica_import));

  const fb::Segment *seg = model->view.meta->segments()->Get(segment);
  char inner[192] = {0};
  mica_status st = mica_code_load(model->view.data + seg->offset(), seg->size(),
                                  imports, numDefaults + numHooks,
                                  &model->codes[segment], inner, sizeof(inner));
  free(imports);
  if (st != MICA_OK)
    return mica_failf(msg, st, "code segment %u [%u, +%u): %s", segment,
                      seg->offset(), seg->size(), inner);
  return MICA_OK;
}

mica_kernel_fn findLinked(const mica_load_request *request,
                          const char *symbol) {
  for (size_t i = 0; i < request->num_kernels; ++i)
    if (request->kernels[i].symbol &&
        strcmp(request->kernels[i].symbol, symbol) == 0)
      return request->kernels[i].fn;
  return NULL;
}

mica_status bindKernels(mica_model *model, const mica_load_request *request,
                        const mica_msg *msg) {
  const fb::Model *meta = model->view.meta;
  for (uint32_t e = 0; e < model->num_entries; ++e) {
    const fb::EntryPoint *ep = meta->entry_points()->Get(e);
    mica_entry *entry = &model->entries[e];
    entry->kernels = allocArray<mica_kernel_fn>(entry->num_steps);
    if (!entry->kernels)
      return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY,
                        "out of memory for %u kernels", entry->num_steps);
    for (uint32_t s = 0; s < entry->num_steps; ++s) {
      const fb::Step *step = ep->steps()->Get(s);
      const char *symbol = entry->step_symbols[s];
      void *fn = NULL;
      if (request->mode == MICA_LOAD_LINKED) {
        fn = (void *)findLinked(request, symbol);
        if (!fn)
          return mica_failf(msg, MICA_ERROR_UNRESOLVED_SYMBOL,
                            "entry '%s' step %u: kernel '%s' is not among "
                            "the %u linked kernels",
                            entry->name, s, symbol, request->num_kernels);
      } else {
        const uint32_t code = step->code_segment();
        if (code == MICA_ARTIFACT_NO_SEGMENT)
          return mica_failf(msg, MICA_ERROR_UNSUPPORTED,
                            "entry '%s' step %u: kernel '%s' is not in the "
                            "artifact (linked into the program): load it "
                            "with mica_model_load_linked",
                            entry->name, s, symbol);
        mica_status st = loadCode(model, code, msg);
        if (st != MICA_OK)
          return st;
        fn = mica_code_symbol(model->codes[code], symbol);
        if (!fn)
          return mica_failf(msg, MICA_ERROR_UNRESOLVED_SYMBOL,
                            "entry '%s' step %u: code segment %u defines no "
                            "symbol '%s'",
                            entry->name, s, code, symbol);
      }
      entry->kernels[s] = (mica_kernel_fn)fn;
    }
  }
  return MICA_OK;
}

} // namespace

mica_status mica_model_load_with(const void *data, size_t size,
                                 const mica_load_request *request,
                                 mica_model **out_model, const mica_msg *msg) {
  if (!out_model)
    return mica_failf(msg, MICA_ERROR_INVALID_ARGUMENT, "out_model is NULL");
  *out_model = NULL;
  if (!data || !request)
    return mica_failf(msg, MICA_ERROR_INVALID_ARGUMENT, "data is NULL");
  if ((uintptr_t)data % MICA_ARTIFACT_ALIGNMENT)
    return mica_failf(msg, MICA_ERROR_INVALID_ARGUMENT,
                      "artifact data at %x is not %u-byte aligned (map the "
                      "file, or copy it to aligned memory)",
                      (uintptr_t)data, MICA_ARTIFACT_ALIGNMENT);
  if (request->mode == MICA_LOAD_LINKED && request->num_kernels &&
      !request->kernels)
    return mica_failf(msg, MICA_ERROR_INVALID_ARGUMENT, "kernels is NULL");

  mica_artifact_view view;
  const size_t mapped = request->mapped ? request->mapped : size;
  mica_status st = mica_validate_artifact(data, size, mapped,
                                          request->skip_hashes, &view, msg);
  if (st != MICA_OK)
    return st;

  mica_model *model = static_cast<mica_model *>(calloc(1, sizeof(mica_model)));
  if (!model)
    return mica_failf(msg, MICA_ERROR_OUT_OF_MEMORY, "out of memory");
  model->view = view;
  model->mode = request->mode;
  const fb::Model *meta = view.meta;
  model->num_targets = length(meta->targets());
  model->num_segments = length(meta->segments());
  model->num_entries = length(meta->entry_points());
  model->num_nodes = length(meta->nodes());
  model->num_width_groups = length(meta->width_groups());

  st = buildSegments(model, mapped, msg);
  if (st == MICA_OK)
    st = buildEntries(model, msg);
  if (st == MICA_OK)
    st = joinTargetFeatures(model, msg);
  if (st == MICA_OK && request->mode != MICA_LOAD_METADATA) {
    st = checkStepTargets(model, request, msg);
    if (st == MICA_OK)
      st = decodeSegments(model, msg);
    if (st == MICA_OK)
      st = bindKernels(model, request, msg);
  }
  if (st != MICA_OK) {
    mica_model_free(model);
    return st;
  }
  *out_model = model;
  return MICA_OK;
}

extern "C" {

mica_status mica_model_load(const void *data, size_t size,
                            mica_model **out_model, char *error,
                            size_t error_size) {
  mica_msg msg = {error, error_size};
  mica_load_request request = {};
  request.mode = MICA_LOAD_CODE;
  return mica_model_load_with(data, size, &request, out_model, &msg);
}

mica_status mica_model_load_linked(const void *data, size_t size,
                                   const mica_linked_kernel *kernels,
                                   size_t num_kernels, mica_model **out_model,
                                   char *error, size_t error_size) {
  mica_msg msg = {error, error_size};
  mica_load_request request = {};
  request.mode = MICA_LOAD_LINKED;
  request.kernels = kernels;
  request.num_kernels = num_kernels;
  return mica_model_load_with(data, size, &request, out_model, &msg);
}

mica_status mica_model_load_metadata(const void *data, size_t size,
                                     mica_model **out_model, char *error,
                                     size_t error_size) {
  mica_msg msg = {error, error_size};
  mica_load_request request = {};
  request.mode = MICA_LOAD_METADATA;
  return mica_model_load_with(data, size, &request, out_model, &msg);
}

mica_status mica_model_load_file(const char *path, mica_model **out_model,
                                 char *error, size_t error_size) {
  mica_msg msg = {error, error_size};
  if (!out_model)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT, "out_model is NULL");
  *out_model = NULL;
  if (!path)
    return mica_failf(&msg, MICA_ERROR_INVALID_ARGUMENT, "path is NULL");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return mica_failf(&msg, MICA_ERROR_SYSTEM, "cannot open '%s': %s", path,
                      strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return mica_failf(&msg, MICA_ERROR_SYSTEM, "'%s' is not a regular file",
                      path);
  }
  const size_t size = (size_t)st.st_size;
  if (size < MICA_ARTIFACT_HEADER_SIZE) {
    close(fd);
    return mica_failf(&msg, MICA_ERROR_MALFORMED,
                      "'%s' is %u bytes, shorter than the %u-byte header", path,
                      size, MICA_ARTIFACT_HEADER_SIZE);
  }
  void *mapping = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mapping == MAP_FAILED)
    return mica_failf(&msg, MICA_ERROR_SYSTEM, "cannot map '%s' (%u bytes)",
                      path, size);
  mica_model *model = NULL;
  mica_load_request request = {};
  request.mode = MICA_LOAD_CODE;
  mica_status status =
      mica_model_load_with(mapping, size, &request, &model, &msg);
  if (status != MICA_OK) {
    munmap(mapping, size);
    return status;
  }
  model->mapping = mapping;
  model->mapping_size = size;
  *out_model = model;
  return MICA_OK;
}

void mica_model_free(mica_model *model) {
  if (!model)
    return;
  for (uint32_t i = 0; model->codes && i < model->num_segments; ++i)
    mica_code_unload(model->codes[i]);
  for (uint32_t e = 0; model->entries && e < model->num_entries; ++e) {
    free(model->entries[e].inputs);
    free(model->entries[e].outputs);
    free(model->entries[e].step_symbols);
    free(model->entries[e].step_streamed);
    free(model->entries[e].kernels);
  }
  free(model->entries);
  free(model->codes);
  for (uint32_t i = 0; model->decoded_segments && i < model->num_segments; ++i)
    free(model->decoded_segments[i]);
  free(model->decoded_segments);
  free(model->segment_bases);
  free(model->node_names);
  free(model->node_op_types);
  free(model->target_features);
  if (model->stream)
    model->stream->model_free(model->stream_model);
  if (model->mapping)
    munmap(model->mapping, model->mapping_size);
  free(model);
}

} // extern "C"
