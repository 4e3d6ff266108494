/* Mica code loader: runs the native code of a compiled model without dlopen.
 *
 * A compiled model carries its code for each CPU target as one ELF64
 * relocatable object (ET_REL, what `clang -c` or LLVM's in-process codegen
 * emits). This loader maps such an object into memory, resolves its undefined
 * symbols against a table the caller supplies, applies its relocations and
 * makes its code executable. It works in statically linked programs and needs
 * nothing beyond libc's mmap/mprotect/munmap/sysconf.
 *
 * Conventions
 * - Status: every fallible call returns a mica_status (0 = MICA_OK). On failure
 *   a NUL-terminated message is written to the caller's `error` buffer
 *   (truncated to `error_size`; skipped when error is NULL or error_size is 0)
 *   and out-parameters are left NULL: nothing is ever half loaded.
 *   Out-parameters come last.
 * - Validation: mica_code_load checks everything the object says (header,
 *   every section, symbol and relocation index and offset against the buffer,
 *   alignment, relocation ranges) before the code can run. Malformed or hostile
 *   input yields an error, never a crash. Once loaded, the code is trusted.
 * - Ownership and lifetimes: the object buffer is only read during
 *   mica_code_load and may be freed as soon as it returns; the loader copies
 *   what it needs. Import names are read during the call only; import
 *   addresses must stay valid while the code is loaded. The mica_code and all
 *   addresses obtained from it belong to the loader and become invalid at
 *   mica_code_unload.
 * - Memory: one mapping per loaded object; code is read+execute, constants and
 *   the GOT read-only, data and .bss read+write; no page is ever writable and
 *   executable at once (W^X). No malloc is used anywhere.
 * - Thread-safety: no global state. mica_code_load may run concurrently on
 *   different inputs; a loaded mica_code is immutable, so mica_code_symbol,
 *   mica_code_get_info and the loaded code may be used from any thread.
 *   mica_code_unload must not race with any other use of the same code.
 * - Supported: the host machine only (x86-64 or AArch64, little-endian),
 *   objects compiled with or without -fpic (non-PIC x86-64 code is mapped into
 *   the low 2 GiB when it needs 32-bit absolute addresses). Calls to imports
 *   that are out of branch range go through stubs inside the mapping, so an
 *   out-of-range *non-call* reference to an import must use the GOT (-fpic)
 *   or a 64-bit absolute relocation. Not supported (clean error): TLS,
 *   constructors (.init_array), COMMON symbols (compile with -fno-common),
 *   SHT_REL, big-endian and extended section numbering.
 * - Versioning: this header is append-only; struct mica_code_info may gain
 *   fields at its end.
 */
#ifndef MICA_LOADER_H
#define MICA_LOADER_H

#include <stddef.h>

#include "mica/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One symbol the loaded code may reference: name and the address it binds to
 * (usually a function). */
typedef struct mica_import {
  const char *name;
  void *address;
} mica_import;

/* A loaded object. Opaque; create with mica_code_load. */
typedef struct mica_code mica_code;

/* Where a loaded object lives, for profilers, debuggers and tests. */
typedef struct mica_code_info {
  const void *base;   /* first byte of the mapping */
  size_t size;        /* bytes mapped */
  size_t text_size;   /* read+execute bytes (code and import stubs) */
  size_t rodata_size; /* read-only bytes (constants and GOT) */
  size_t data_size;   /* read+write bytes (data and .bss) */
  size_t num_got_entries;
  size_t num_stubs;   /* call stubs (PLT / veneers) for far imports */
  size_t num_symbols; /* defined global symbols mica_code_symbol can find */
} mica_code_info;

/* The largest image mica_code_load accepts (all sections, stubs and GOT). */
#define MICA_LOADER_MAX_IMAGE_SIZE ((size_t)1 << 30)

/* Loads the ELF64 relocatable object `object` of `size` bytes, binding its
 * undefined symbols to `imports` (the first entry with a matching name wins;
 * an unresolved weak symbol binds to address 0, an unresolved strong one is
 * an error). On success *out_code holds the loaded code. */
mica_status mica_code_load(const void *object, size_t size,
                           const mica_import *imports, size_t num_imports,
                           mica_code **out_code, char *error,
                           size_t error_size);

/* The address of the defined global (or weak) symbol `name`, or NULL when the
 * object defines none. A linear search: look symbols up once, at load time. */
void *mica_code_symbol(const mica_code *code, const char *name);

/* Describes a loaded object. */
void mica_code_get_info(const mica_code *code, mica_code_info *out_info);

/* Unmaps the code. NULL is accepted and ignored. */
void mica_code_unload(mica_code *code);

/* The libc and libm functions generated code typically calls (math functions
 * such as expf, tanhf, erff, logf, powf; memcpy, memset, memmove; malloc,
 * free). Static, never freed; *out_count receives the number of entries.
 * Referencing this function links libm into the program. */
const mica_import *mica_default_imports(size_t *out_count);

#ifdef __cplusplus
}
#endif

#endif /* MICA_LOADER_H */
