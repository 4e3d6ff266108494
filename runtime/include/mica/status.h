/* Mica runtime status codes, shared by every runtime component.
 *
 * Every fallible runtime call returns a mica_status; 0 (MICA_OK) is success.
 * Calls that can fail for a reason worth reading also take a caller-owned
 * `char *error, size_t error_size` pair: on failure they write a NUL-terminated
 * message there (truncated to fit; nothing is written when error is NULL or
 * error_size is 0). Codes are append-only: a value, once released, keeps its
 * meaning.
 */
#ifndef MICA_STATUS_H
#define MICA_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mica_status {
  MICA_OK = 0,
  /* A NULL pointer, zero size or similar misuse of the API by the caller. */
  MICA_ERROR_INVALID_ARGUMENT = 1,
  /* The input is malformed: truncated, out-of-bounds offsets, bad indices. */
  MICA_ERROR_MALFORMED = 2,
  /* Well-formed input this runtime cannot run: wrong machine, unknown
     relocation type, TLS, constructors. */
  MICA_ERROR_UNSUPPORTED = 3,
  /* A symbol the input needs was not supplied by the caller. */
  MICA_ERROR_UNRESOLVED_SYMBOL = 4,
  /* A value does not fit where it must go (relocation overflow). */
  MICA_ERROR_OUT_OF_RANGE = 5,
  /* The operating system refused a request (mmap, mprotect, open). */
  MICA_ERROR_SYSTEM = 6,
  /* An artifact of a format major version this runtime does not read. */
  MICA_ERROR_VERSION = 7,
  /* An artifact compiled for another architecture, or for CPU features the
     running CPU lacks. */
  MICA_ERROR_TARGET_MISMATCH = 8,
  /* A kernel returned a non-zero status or wrote an output shape outside
     the signature's bounds. */
  MICA_ERROR_KERNEL = 9,
  /* A memory allocation failed. */
  MICA_ERROR_OUT_OF_MEMORY = 10,
  /* The inputs took the model down a path that cannot run: a branch whose
     shapes contradict each other (the compiler compiles such a branch into a
     failure instead of refusing the model, as ONNX Runtime fails only when
     it runs it). The message names the node. */
  MICA_ERROR_MODEL_PATH = 11,
} mica_status;

/* A short constant name for a status ("MICA_OK", ...); never NULL. */
const char *mica_status_name(mica_status status);

#ifdef __cplusplus
}
#endif

#endif /* MICA_STATUS_H */
