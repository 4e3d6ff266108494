/* Read-only queries on a loaded model and the dtype table. Every index is
 * range-checked: out of range gives NULL, 0, -1 or
 * MICA_ERROR_INVALID_ARGUMENT, never a read outside the model. */
#include <string.h>

#include "runtime/model/flatbuffer_access.h"
#include "runtime/model/model_internal.h"
#include "runtime/schema/mica_artifact_generated.h"

namespace fb = mica::fb;

namespace {

using mica_rt::length;
using mica_rt::str;

const mica_entry *entryAt(const mica_model *model, uint32_t entry) {
  return model && entry < model->num_entries ? &model->entries[entry] : nullptr;
}

int32_t findTensor(const mica_tensor_info *infos, uint32_t n,
                   const char *name) {
  if (!name)
    return -1;
  for (uint32_t i = 0; i < n; ++i)
    if (strcmp(infos[i].name, name) == 0)
      return (int32_t)i;
  return -1;
}

} // namespace

extern "C" {

size_t mica_dtype_size(int32_t dtype) {
  switch (dtype) {
  case MICA_DTYPE_UINT8:
  case MICA_DTYPE_INT8:
  case MICA_DTYPE_BOOL:
    return 1;
  case MICA_DTYPE_UINT16:
  case MICA_DTYPE_INT16:
  case MICA_DTYPE_FLOAT16:
  case MICA_DTYPE_BFLOAT16:
    return 2;
  case MICA_DTYPE_FLOAT32:
  case MICA_DTYPE_INT32:
  case MICA_DTYPE_UINT32:
    return 4;
  case MICA_DTYPE_INT64:
  case MICA_DTYPE_FLOAT64:
  case MICA_DTYPE_UINT64:
    return 8;
  default:
    return 0;
  }
}

const char *mica_dtype_name(int32_t dtype) {
  switch (dtype) {
  case MICA_DTYPE_FLOAT32:
    return "float32";
  case MICA_DTYPE_UINT8:
    return "uint8";
  case MICA_DTYPE_INT8:
    return "int8";
  case MICA_DTYPE_UINT16:
    return "uint16";
  case MICA_DTYPE_INT16:
    return "int16";
  case MICA_DTYPE_INT32:
    return "int32";
  case MICA_DTYPE_INT64:
    return "int64";
  case MICA_DTYPE_BOOL:
    return "bool";
  case MICA_DTYPE_FLOAT16:
    return "float16";
  case MICA_DTYPE_FLOAT64:
    return "float64";
  case MICA_DTYPE_UINT32:
    return "uint32";
  case MICA_DTYPE_UINT64:
    return "uint64";
  case MICA_DTYPE_BFLOAT16:
    return "bfloat16";
  default:
    return "unknown";
  }
}

void mica_model_get_summary(const mica_model *model,
                            mica_model_summary *out_summary) {
  if (!out_summary)
    return;
  memset(out_summary, 0, sizeof(*out_summary));
  if (!model)
    return;
  const fb::Model *meta = model->view.meta;
  const fb::Target *target =
      model->num_targets ? meta->targets()->Get(0) : nullptr;
  out_summary->format_major = model->view.format_major;
  out_summary->format_minor = model->view.format_minor;
  out_summary->producer = str(meta->producer());
  out_summary->target_name = target ? str(target->name()) : "";
  out_summary->target_triple = target ? str(target->triple()) : "";
  out_summary->target_cpu = target ? str(target->cpu()) : "";
  out_summary->target_features = model->target_features;
  out_summary->file_size = model->view.size;
  out_summary->content_hash = model->view.content_hash;
  out_summary->num_segments = model->num_segments;
}

mica_status mica_model_segment_info(const mica_model *model, uint32_t index,
                                    mica_segment_info *out_info) {
  if (!out_info)
    return MICA_ERROR_INVALID_ARGUMENT;
  memset(out_info, 0, sizeof(*out_info));
  if (!model || index >= model->num_segments)
    return MICA_ERROR_INVALID_ARGUMENT;
  const fb::Segment *seg = model->view.meta->segments()->Get(index);
  out_info->kind = (int32_t)seg->kind();
  out_info->target = seg->target();
  out_info->offset = seg->offset();
  out_info->size = seg->size();
  out_info->encoding = (uint32_t)seg->encoding();
  out_info->decoded_size = seg->encoding() == fb::SegmentEncoding::Raw
                               ? seg->size()
                               : seg->decoded_size();
  return MICA_OK;
}

uint32_t mica_model_num_entry_points(const mica_model *model) {
  return model ? model->num_entries : 0;
}

const char *mica_model_entry_point_name(const mica_model *model,
                                        uint32_t entry) {
  const mica_entry *e = entryAt(model, entry);
  return e ? e->name : nullptr;
}

int32_t mica_model_find_entry_point(const mica_model *model, const char *name) {
  if (!model || !name)
    return -1;
  for (uint32_t e = 0; e < model->num_entries; ++e)
    if (strcmp(model->entries[e].name, name) == 0)
      return (int32_t)e;
  return -1;
}

uint32_t mica_model_num_inputs(const mica_model *model, uint32_t entry) {
  const mica_entry *e = entryAt(model, entry);
  return e ? e->num_inputs : 0;
}

uint32_t mica_model_num_outputs(const mica_model *model, uint32_t entry) {
  const mica_entry *e = entryAt(model, entry);
  return e ? e->num_outputs : 0;
}

mica_status mica_model_input_info(const mica_model *model, uint32_t entry,
                                  uint32_t index, mica_tensor_info *out_info) {
  if (!out_info)
    return MICA_ERROR_INVALID_ARGUMENT;
  memset(out_info, 0, sizeof(*out_info));
  const mica_entry *e = entryAt(model, entry);
  if (!e || index >= e->num_inputs)
    return MICA_ERROR_INVALID_ARGUMENT;
  *out_info = e->inputs[index];
  return MICA_OK;
}

mica_status mica_model_output_info(const mica_model *model, uint32_t entry,
                                   uint32_t index, mica_tensor_info *out_info) {
  if (!out_info)
    return MICA_ERROR_INVALID_ARGUMENT;
  memset(out_info, 0, sizeof(*out_info));
  const mica_entry *e = entryAt(model, entry);
  if (!e || index >= e->num_outputs)
    return MICA_ERROR_INVALID_ARGUMENT;
  *out_info = e->outputs[index];
  return MICA_OK;
}

int32_t mica_model_find_input(const mica_model *model, uint32_t entry,
                              const char *name) {
  const mica_entry *e = entryAt(model, entry);
  return e ? findTensor(e->inputs, e->num_inputs, name) : -1;
}

int32_t mica_model_find_output(const mica_model *model, uint32_t entry,
                               const char *name) {
  const mica_entry *e = entryAt(model, entry);
  return e ? findTensor(e->outputs, e->num_outputs, name) : -1;
}

size_t mica_model_arena_size(const mica_model *model, uint32_t entry) {
  const mica_entry *e = entryAt(model, entry);
  return e ? e->arena_size : 0;
}

size_t mica_model_intermediates_size(const mica_model *model, uint32_t entry) {
  const mica_entry *e = entryAt(model, entry);
  return e ? e->intermediates_size : 0;
}

uint32_t mica_model_num_steps(const mica_model *model, uint32_t entry) {
  const mica_entry *e = entryAt(model, entry);
  return e ? e->num_steps : 0;
}

const char *mica_model_step_symbol(const mica_model *model, uint32_t entry,
                                   uint32_t step) {
  const mica_entry *e = entryAt(model, entry);
  return e && step < e->num_steps ? e->step_symbols[step] : nullptr;
}

uint32_t mica_model_num_nodes(const mica_model *model) {
  return model ? model->num_nodes : 0;
}

const char *mica_model_node_name(const mica_model *model, uint32_t node) {
  return model && node < model->num_nodes ? model->node_names[node] : nullptr;
}

const char *mica_model_node_op_type(const mica_model *model, uint32_t node) {
  return model && node < model->num_nodes ? model->node_op_types[node]
                                          : nullptr;
}

const char *mica_model_report_json(const mica_model *model) {
  return model ? str(model->view.meta->report_json()) : "";
}

uint32_t mica_model_num_required_features(const mica_model *model) {
  return model ? length(model->view.meta->required_features()) : 0;
}

const char *mica_model_required_feature(const mica_model *model,
                                        uint32_t index) {
  return index < mica_model_num_required_features(model)
             ? str(model->view.meta->required_features()->Get(index))
             : nullptr;
}

uint32_t mica_model_num_width_groups(const mica_model *model) {
  return model ? model->num_width_groups : 0;
}

mica_status mica_model_width_group(const mica_model *model, uint32_t index,
                                   mica_width_group_info *out_info) {
  if (!out_info)
    return MICA_ERROR_INVALID_ARGUMENT;
  memset(out_info, 0, sizeof(*out_info));
  if (index >= mica_model_num_width_groups(model))
    return MICA_ERROR_INVALID_ARGUMENT;
  const fb::WidthGroup *group = model->view.meta->width_groups()->Get(index);
  out_info->node = str(group->node());
  out_info->op = str(group->op());
  out_info->channels = group->channels();
  out_info->round = group->round();
  return MICA_OK;
}

} // extern "C"
