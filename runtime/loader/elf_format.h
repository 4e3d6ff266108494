/* The subset of the ELF64 format the loader reads, defined here rather than
 * taken from <elf.h> so the runtime builds on C libraries without it. Values
 * are from the System V gABI and the x86-64 / AArch64 psABIs. */
#ifndef MICA_RUNTIME_LOADER_ELF_FORMAT_H
#define MICA_RUNTIME_LOADER_ELF_FORMAT_H

#include <stdint.h>

typedef struct elf64_ehdr {
  unsigned char e_ident[16];
  uint16_t e_type;
  uint16_t e_machine;
  uint32_t e_version;
  uint64_t e_entry;
  uint64_t e_phoff;
  uint64_t e_shoff;
  uint32_t e_flags;
  uint16_t e_ehsize;
  uint16_t e_phentsize;
  uint16_t e_phnum;
  uint16_t e_shentsize;
  uint16_t e_shnum;
  uint16_t e_shstrndx;
} elf64_ehdr;

typedef struct elf64_shdr {
  uint32_t sh_name;
  uint32_t sh_type;
  uint64_t sh_flags;
  uint64_t sh_addr;
  uint64_t sh_offset;
  uint64_t sh_size;
  uint32_t sh_link;
  uint32_t sh_info;
  uint64_t sh_addralign;
  uint64_t sh_entsize;
} elf64_shdr;

typedef struct elf64_sym {
  uint32_t st_name;
  unsigned char st_info;
  unsigned char st_other;
  uint16_t st_shndx;
  uint64_t st_value;
  uint64_t st_size;
} elf64_sym;

typedef struct elf64_rela {
  uint64_t r_offset;
  uint64_t r_info;
  int64_t r_addend;
} elf64_rela;

enum {
  ELF_EHDR_SIZE = 64,
  ELF_SHDR_SIZE = 64,
  ELF_SYM_SIZE = 24,
  ELF_RELA_SIZE = 24,

  EI_CLASS = 4,
  EI_DATA = 5,
  EI_VERSION = 6,
  ELFCLASS64 = 2,
  ELFDATA2LSB = 1,
  EV_CURRENT = 1,
  ET_REL = 1,
  EM_X86_64 = 62,
  EM_AARCH64 = 183,

  SHN_UNDEF = 0,
  SHN_LORESERVE = 0xff00,
  SHN_ABS = 0xfff1,
  SHN_COMMON = 0xfff2,
  SHN_XINDEX = 0xffff,

  SHT_NULL = 0,
  SHT_PROGBITS = 1,
  SHT_SYMTAB = 2,
  SHT_STRTAB = 3,
  SHT_RELA = 4,
  SHT_NOBITS = 8,
  SHT_REL = 9,
  SHT_INIT_ARRAY = 14,
  SHT_FINI_ARRAY = 15,
  SHT_PREINIT_ARRAY = 16,

  SHF_WRITE = 0x1,
  SHF_ALLOC = 0x2,
  SHF_EXECINSTR = 0x4,
  SHF_TLS = 0x400,

  STB_LOCAL = 0,
  STB_GLOBAL = 1,
  STB_WEAK = 2,
  STT_TLS = 6,
};

#define ELF_ST_BIND(info) ((unsigned)(info) >> 4)
#define ELF_ST_TYPE(info) ((unsigned)(info) & 0xf)
#define ELF_R_SYM(info) ((uint64_t)(info) >> 32)
#define ELF_R_TYPE(info) ((uint32_t)((info) & 0xffffffffu))

/* x86-64 relocation types (x86-64 psABI, table 4.9). */
enum {
  R_X86_64_NONE = 0,
  R_X86_64_64 = 1,
  R_X86_64_PC32 = 2,
  R_X86_64_PLT32 = 4,
  R_X86_64_GOTPCREL = 9,
  R_X86_64_32 = 10,
  R_X86_64_32S = 11,
  R_X86_64_PC64 = 24,
  R_X86_64_GOTPCRELX = 41,
  R_X86_64_REX_GOTPCRELX = 42,
};

/* AArch64 relocation types (ELF for the Arm 64-bit Architecture). */
enum {
  R_AARCH64_NONE = 0,
  R_AARCH64_ABS64 = 257,
  R_AARCH64_PREL64 = 260,
  R_AARCH64_PREL32 = 261,
  R_AARCH64_MOVW_UABS_G0 = 263,
  R_AARCH64_MOVW_UABS_G0_NC = 264,
  R_AARCH64_MOVW_UABS_G1 = 265,
  R_AARCH64_MOVW_UABS_G1_NC = 266,
  R_AARCH64_MOVW_UABS_G2 = 267,
  R_AARCH64_MOVW_UABS_G2_NC = 268,
  R_AARCH64_MOVW_UABS_G3 = 269,
  R_AARCH64_LD_PREL_LO19 = 273,
  R_AARCH64_ADR_PREL_LO21 = 274,
  R_AARCH64_ADR_PREL_PG_HI21 = 275,
  R_AARCH64_ADD_ABS_LO12_NC = 277,
  R_AARCH64_LDST8_ABS_LO12_NC = 278,
  R_AARCH64_TSTBR14 = 279,
  R_AARCH64_CONDBR19 = 280,
  R_AARCH64_JUMP26 = 282,
  R_AARCH64_CALL26 = 283,
  R_AARCH64_LDST16_ABS_LO12_NC = 284,
  R_AARCH64_LDST32_ABS_LO12_NC = 285,
  R_AARCH64_LDST64_ABS_LO12_NC = 286,
  R_AARCH64_LDST128_ABS_LO12_NC = 299,
  R_AARCH64_ADR_GOT_PAGE = 311,
  R_AARCH64_LD64_GOT_LO12_NC = 312,
};

#endif /* MICA_RUNTIME_LOADER_ELF_FORMAT_H */
