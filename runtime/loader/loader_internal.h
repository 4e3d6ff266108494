/* Interfaces between the loader's files. Not installed; tests include it to
 * reach the relocation arithmetic directly. */
#ifndef MICA_RUNTIME_LOADER_LOADER_INTERNAL_H
#define MICA_RUNTIME_LOADER_LOADER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mica/loader.h"
#include "runtime/loader/elf_format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- messages (message.c) ------------------------------------------------ */

/* The caller's error buffer. */
typedef struct mica_msg {
  char *buf;
  size_t size;
} mica_msg;

/* Writes a message built from `fmt` and returns `status`. The format knows
 * %s (const char *), %u (uint64_t, decimal), %d (int64_t, decimal) and %x
 * (uint64_t, 0x-prefixed hex) and nothing else: pass every number as a 64-bit
 * integer. */
mica_status mica_fail(const mica_msg *msg, mica_status status, const char *fmt,
                      ...);

/* --- ELF parsing and validation (elf_parse.c) ----------------------------- */

/* A validated view of an object. Every index and range it hands out has been
 * checked against the buffer. */
typedef struct mica_elf {
  const unsigned char *data;
  size_t size;
  uint16_t machine;
  uint32_t num_sections;
  uint64_t section_table; /* file offset of the section header table */
  uint32_t shstrtab;      /* section name table, 0 when absent */
  uint32_t symtab;        /* section index of .symtab, 0 when absent */
  uint64_t num_symbols;
  const unsigned char *symbols; /* num_symbols raw elf64_sym records */
  const char *strtab;           /* NUL-terminated at strtab_size - 1 */
  uint64_t strtab_size;
} mica_elf;

/* Checks the header, the section table, the symbol and string tables and
 * every symbol. Relocation entries are checked as they are scanned. */
mica_status mica_elf_parse(const void *data, size_t size, mica_elf *out,
                           const mica_msg *msg);
void mica_elf_section(const mica_elf *elf, uint32_t index, elf64_shdr *out);
void mica_elf_symbol(const mica_elf *elf, uint64_t index, elf64_sym *out);
void mica_elf_rela(const mica_elf *elf, const elf64_shdr *rela_section,
                   uint64_t index, elf64_rela *out);
/* Section and symbol names; "" when absent (never NULL). */
const char *mica_elf_section_name(const mica_elf *elf, uint32_t index);
const char *mica_elf_symbol_name(const mica_elf *elf, const elf64_sym *sym);
/* Whether a section is mapped: SHF_ALLOC and not SHT_NULL. */
int mica_elf_is_loaded(const elf64_shdr *section);

/* --- relocations (reloc_x86_64.c, reloc_aarch64.c) ------------------------ */

/* What the layout needs to know about one relocation type. */
typedef struct mica_reloc_kind {
  uint8_t width;     /* bytes patched at the place: 4 or 8 */
  uint8_t uses_got;  /* needs a GOT entry holding the symbol's address */
  uint8_t uses_stub; /* a far import needs a call stub (PLT / veneer) */
  uint8_t needs_low; /* 32-bit absolute: the image must sit in low memory */
} mica_reloc_kind;

/* The operands of one relocation, as addresses in the running process. */
typedef struct mica_reloc_values {
  uint64_t place;  /* P */
  uint64_t symbol; /* S */
  int64_t addend;  /* A */
  uint64_t got;    /* address of the symbol's GOT entry, 0 when none */
  uint64_t stub;   /* address of the symbol's call stub, 0 when none */
} mica_reloc_values;

/* Each machine provides: the name of a type (NULL when unknown), its kind
 * (0 when unsupported), and the patch itself. `apply` returns MICA_OK or
 * MICA_ERROR_OUT_OF_RANGE / MICA_ERROR_UNSUPPORTED with a static reason. */
typedef struct mica_machine_ops {
  uint16_t machine;
  const char *name;
  uint32_t stub_size;
  const char *(*reloc_name)(uint32_t type);
  int (*classify)(uint32_t type, mica_reloc_kind *out);
  mica_status (*apply)(uint32_t type, unsigned char *place,
                       const mica_reloc_values *values, const char **reason);
  void (*write_stub)(unsigned char *stub, uint64_t target);
} mica_machine_ops;

extern const mica_machine_ops mica_x86_64_ops;
extern const mica_machine_ops mica_aarch64_ops;

/* AArch64 instruction immediates: each `set` returns `insn` with the field
 * replaced by the low bits of `value`; each `get` returns the field
 * (sign-extended where the field is signed). */
uint32_t mica_a64_set_adr_imm21(uint32_t insn, uint64_t value);
int64_t mica_a64_get_adr_imm21(uint32_t insn);
uint32_t mica_a64_set_imm12(uint32_t insn, uint64_t value);
uint32_t mica_a64_get_imm12(uint32_t insn);
uint32_t mica_a64_set_imm26(uint32_t insn, uint64_t value);
int64_t mica_a64_get_imm26(uint32_t insn);
uint32_t mica_a64_set_imm19(uint32_t insn, uint64_t value);
int64_t mica_a64_get_imm19(uint32_t insn);
uint32_t mica_a64_set_imm14(uint32_t insn, uint64_t value);
int64_t mica_a64_get_imm14(uint32_t insn);
uint32_t mica_a64_set_imm16(uint32_t insn, uint64_t value);
uint32_t mica_a64_get_imm16(uint32_t insn);
/* Page(x) of the AArch64 ABI: x with its low 12 bits cleared. */
uint64_t mica_a64_page(uint64_t address);

/* --- memory (memory.c) ---------------------------------------------------- */

size_t mica_page_size(void);
/* Maps `size` zeroed read+write bytes; with `low` set, tries to place them in
 * the low 2 GiB of the address space. NULL on failure. */
void *mica_map(size_t size, int low);
void mica_unmap(void *address, size_t size);
/* Makes [address, address + size) read-only (executable when `exec`). */
int mica_protect_read(void *address, size_t size, int exec);
/* Makes freshly written code visible to instruction fetch. */
void mica_flush_icache(void *address, size_t size);

/* --- the loader (load.c) -------------------------------------------------- */

/* mica_code_load for a given machine. For a machine other than the host's the
 * code is relocated but never made executable (`inspect`: tests use it to
 * relocate AArch64 objects on x86-64). */
mica_status mica_code_load_machine(const void *object, size_t size,
                                   const mica_import *imports,
                                   size_t num_imports, uint16_t machine,
                                   mica_code **out_code, const mica_msg *msg);
const mica_machine_ops *mica_machine_ops_for(uint16_t machine);
uint16_t mica_host_machine(void);

/* --- symbols (symbols.c) -------------------------------------------------- */

/* The address an import table gives `name`, and whether it was found. */
int mica_find_import(const mica_import *imports, size_t num_imports,
                     const char *name, uint64_t *out_address);

/* An exported symbol inside a loaded image. */
typedef struct mica_export {
  uint64_t address;
  uint32_t name_offset; /* into the image's export name table */
  uint32_t reserved;
} mica_export;

/* The loaded object: the first bytes of its own mapping (read-only after
 * load), followed by its exports and their names. */
struct mica_code {
  unsigned char *base;
  size_t size;
  size_t header_size; /* bytes before the text */
  mica_code_info info;
  const mica_export *exports;
  const char *names;
  uint64_t num_exports;
};

#ifdef __cplusplus
}
#endif

#endif /* MICA_RUNTIME_LOADER_LOADER_INTERNAL_H */
