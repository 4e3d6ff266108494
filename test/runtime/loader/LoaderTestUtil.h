// Shared helpers for the loader tests: reading the objects the build compiled
// from Inputs/*.c, owning loaded code, and finding ELF records to corrupt.
#ifndef MICA_TEST_RUNTIME_LOADER_LOADERTESTUTIL_H
#define MICA_TEST_RUNTIME_LOADER_LOADERTESTUTIL_H

#include "mica/loader.h"
#include "runtime/loader/loader_internal.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace mica::test {

// Inputs/<input>.c compiled as <input>.<flavour>.o; see
// test/runtime/CMakeLists.txt for the flavours.
inline std::vector<unsigned char> readInput(const std::string &input,
                                            const std::string &flavour) {
  std::string path =
      std::string(MICA_LOADER_INPUTS_DIR) + "/" + input + "." + flavour + ".o";
  std::ifstream file(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(file), {});
}

inline const char *const kInputs[] = {"int_math", "float_math", "tables",
                                      "fnptr"};

// The flavours that run on this host.
#if defined(__x86_64__)
inline const char *const kHostFlavours[] = {"nopic", "pic"};
inline const char *const kForeignFlavours[] = {"a64", "a64pic", "a64large"};
#else
inline const char *const kHostFlavours[] = {"a64", "a64pic", "a64large"};
inline const char *const kForeignFlavours[] = {"nopic", "pic"};
#endif

struct CodeDeleter {
  void operator()(mica_code *code) const { mica_code_unload(code); }
};
using CodePtr = std::unique_ptr<mica_code, CodeDeleter>;

// A section header by name, with its file offset; nullopt-like flag on miss.
struct SectionRef {
  bool found = false;
  uint64_t headerOffset = 0;
  elf64_shdr header{};
};

inline SectionRef findSection(const std::vector<unsigned char> &object,
                              const std::string &name) {
  SectionRef ref;
  elf64_ehdr eh;
  std::memcpy(&eh, object.data(), sizeof(eh));
  elf64_shdr names;
  std::memcpy(&names, object.data() + eh.e_shoff + eh.e_shstrndx * 64ull,
              sizeof(names));
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    elf64_shdr sh;
    uint64_t at = eh.e_shoff + i * 64ull;
    std::memcpy(&sh, object.data() + at, sizeof(sh));
    const char *n = reinterpret_cast<const char *>(object.data()) +
                    names.sh_offset + sh.sh_name;
    if (name == n) {
      ref.found = true;
      ref.headerOffset = at;
      ref.header = sh;
    }
  }
  return ref;
}

} // namespace mica::test

#endif // MICA_TEST_RUNTIME_LOADER_LOADERTESTUTIL_H
