/* Streamed weights: running a --memory-budget artifact within its budget.
 *
 * Library mica_runtime_stream (optional; links mica_runtime and pthreads).
 * A --memory-budget artifact keeps the weights that fit resident and stores
 * the rest as Streamed segments after the header's resident_size
 * (artifact_format.h). mica_model_load_file maps and checks the whole file:
 * every segment is then resident ("memory mode", the same outputs).
 * mica_model_load_file_streamed instead maps only the resident prefix and
 * checks it with resident_hash; each context created on that model owns a
 * loader thread and two buffers the size of the largest streamed segment,
 * and before a step that reads a streamed segment the run waits until the
 * loader has read it into a buffer (the next one is read while the step
 * computes). A segment's hash is checked on its first read under the model
 * (once per model, on the buffer the kernels read).
 *
 * Why pread into owned buffers rather than mmap + madvise: the process's
 * resident memory is exactly the buffers (a mapped file's pages and their
 * fault-around neighbours count against it until reclaimed); a file that
 * shrinks under us gives a status, not SIGBUS in a compute thread; the hash
 * is checked on the very bytes the kernels read; no munmap TLB shootdowns.
 * The cost is one copy from the page cache, overlapped with compute.
 *
 * Errors during a run (a read failing: MICA_ERROR_SYSTEM; a hash mismatch:
 * MICA_ERROR_MALFORMED) fail that run before the step's kernel runs; the
 * next run retries. The file must not change while the model is loaded.
 */
#ifndef MICA_STREAM_H
#define MICA_STREAM_H

#include "mica/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Like mica_model_load_file; artifacts without streamed segments load as
 * with mica_model_load_file. The file stays open while the model lives.
 * The code segments' pages of the mapped prefix are dropped (MADV_DONTNEED)
 * once the code is loaded: only the resident set shrinks. */
mica_status mica_model_load_file_streamed(const char *path,
                                          mica_model **out_model, char *error,
                                          size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* MICA_STREAM_H */
