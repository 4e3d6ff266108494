/* Test seams of mica_runtime_stream (runtime/stream/stream.cpp). Not
 * installed. */
#ifndef MICA_RUNTIME_STREAM_STREAM_INTERNAL_H
#define MICA_RUNTIME_STREAM_STREAM_INTERNAL_H

#include "mica/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Contexts created afterwards on `model` (loaded with
 * mica_model_load_file_streamed) start no loader thread, as when
 * pthread_create fails: each step's segment is read on the run thread. */
void mica_stream_set_threadless(mica_model *model, int threadless);

#ifdef __cplusplus
}
#endif

#endif /* MICA_RUNTIME_STREAM_STREAM_INTERNAL_H */
