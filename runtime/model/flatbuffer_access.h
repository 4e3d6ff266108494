/* Null-safe access to the artifact's flatbuffer metadata, shared by the
 * runtime's C++ files (an absent string reads as "", an absent vector as
 * empty). Internal to runtime/model. */
#ifndef MICA_RUNTIME_MODEL_FLATBUFFER_ACCESS_H
#define MICA_RUNTIME_MODEL_FLATBUFFER_ACCESS_H

#include "runtime/schema/mica_artifact_generated.h"

#include <stdint.h>

namespace mica_rt {

inline const char *str(const flatbuffers::String *s) {
  return s ? s->c_str() : "";
}

template <typename V> inline uint32_t length(const V *v) {
  return v ? v->size() : 0;
}

/* Whether `s` holds exactly `name` (compared element by element: GCC's
 * string-overread analysis misreads strcmp on flatbuffer data). */
inline bool equals(const flatbuffers::String *s, const char *name) {
  uint32_t i = 0;
  for (; name[i] != '\0'; ++i)
    if (!s || i >= s->size() || s->Get(i) != name[i])
      return false;
  return (s ? s->size() : 0) == i;
}

} // namespace mica_rt

#endif /* MICA_RUNTIME_MODEL_FLATBUFFER_ACCESS_H */
