/* Symbol lookup: binding undefined symbols to the caller's imports at load
 * time, and finding the exported symbols of a loaded object. */
#include <string.h>

#include "runtime/loader/loader_internal.h"

int mica_find_import(const mica_import *imports, size_t num_imports,
                     const char *name, uint64_t *out_address) {
  for (size_t i = 0; i < num_imports; ++i) {
    if (imports[i].name && strcmp(imports[i].name, name) == 0) {
      *out_address = (uint64_t)(uintptr_t)imports[i].address;
      return 1;
    }
  }
  return 0;
}

void *mica_code_symbol(const mica_code *code, const char *name) {
  if (!code || !name)
    return NULL;
  for (uint64_t i = 0; i < code->num_exports; ++i)
    if (strcmp(code->names + code->exports[i].name_offset, name) == 0)
      return (void *)(uintptr_t)code->exports[i].address;
  return NULL;
}

void mica_code_get_info(const mica_code *code, mica_code_info *out_info) {
  if (!out_info)
    return;
  if (!code) {
    memset(out_info, 0, sizeof(*out_info));
    return;
  }
  *out_info = code->info;
}
