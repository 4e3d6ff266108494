/* libFuzzer harness for the code loader (built with -DMICA_ENABLE_FUZZERS=ON).
 * Each input is loaded for x86-64 and for AArch64 (code is relocated, never
 * run); a successful load is looked up and unloaded. Seed corpus: the objects
 * compiled from test/runtime/loader/Inputs. */
#include <stddef.h>
#include <stdint.h>

#include "runtime/loader/loader_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint16_t kMachines[] = {EM_X86_64, EM_AARCH64};
  size_t num_imports;
  const mica_import *imports = mica_default_imports(&num_imports);
  for (size_t m = 0; m < 2; ++m) {
    char error[128];
    mica_msg msg = {error, sizeof(error)};
    mica_code *code = NULL;
    mica_status st = mica_code_load_machine(data, size, imports, num_imports,
                                            kMachines[m], &code, &msg);
    if (st == MICA_OK) {
      mica_code_info info;
      mica_code_get_info(code, &info);
      (void)mica_code_symbol(code, "mica_add");
      mica_code_unload(code);
    } else if (code != NULL || error[0] == '\0') {
      __builtin_trap(); /* a failure must leave no code and say why */
    }
  }
  return 0;
}
