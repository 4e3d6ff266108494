/* Memory for loaded code: anonymous mappings and their protections. The only
 * operating-system calls of the loader live here. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS, MAP_32BIT */
#endif
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/loader/loader_internal.h"

size_t mica_page_size(void) {
  long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? (size_t)page : 4096;
}

void *mica_map(size_t size, int low) {
  int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_32BIT
  /* Non-PIC x86-64 code addresses its data with sign-extended 32-bit
     absolute relocations: it must live in the low 2 GiB. */
  if (low) {
    void *p =
        mmap(NULL, size, PROT_READ | PROT_WRITE, flags | MAP_32BIT, -1, 0);
    if (p != MAP_FAILED)
      return p;
  }
#else
  (void)low;
#endif
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void mica_unmap(void *address, size_t size) {
  if (address && size)
    munmap(address, size);
}

int mica_protect_read(void *address, size_t size, int exec) {
  if (size == 0)
    return 0;
  return mprotect(address, size, PROT_READ | (exec ? PROT_EXEC : 0));
}

void mica_flush_icache(void *address, size_t size) {
#if defined(__aarch64__)
  __builtin___clear_cache((char *)address, (char *)address + size);
#else
  (void)address; /* x86-64 keeps instruction fetch coherent with stores */
  (void)size;
#endif
}
