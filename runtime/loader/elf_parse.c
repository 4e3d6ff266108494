/* ELF64 parsing and validation. Everything the loader later trusts (header,
 * section table, string tables, symbols) is checked here against the buffer;
 * relocation entries are checked by the loader as it scans them. Records are
 * copied out with memcpy, so the caller's buffer need not be aligned. */
#include <string.h>

#include "runtime/loader/loader_internal.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Mica loader reads little-endian ELF on little-endian hosts only"
#endif

_Static_assert(sizeof(elf64_ehdr) == ELF_EHDR_SIZE, "ELF header layout");
_Static_assert(sizeof(elf64_shdr) == ELF_SHDR_SIZE, "section header layout");
_Static_assert(sizeof(elf64_sym) == ELF_SYM_SIZE, "symbol layout");
_Static_assert(sizeof(elf64_rela) == ELF_RELA_SIZE, "RELA layout");

/* Whether [offset, offset + length) lies inside a buffer of `size` bytes. */
static int in_bounds(uint64_t offset, uint64_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

void mica_elf_section(const mica_elf *elf, uint32_t index, elf64_shdr *out) {
  memcpy(out, elf->data + elf->section_table + (uint64_t)index * ELF_SHDR_SIZE,
         sizeof(*out));
}

void mica_elf_symbol(const mica_elf *elf, uint64_t index, elf64_sym *out) {
  memcpy(out, elf->symbols + index * ELF_SYM_SIZE, sizeof(*out));
}

void mica_elf_rela(const mica_elf *elf, const elf64_shdr *rela_section,
                   uint64_t index, elf64_rela *out) {
  memcpy(out, elf->data + rela_section->sh_offset + index * ELF_RELA_SIZE,
         sizeof(*out));
}

const char *mica_elf_section_name(const mica_elf *elf, uint32_t index) {
  if (!elf->shstrtab || index >= elf->num_sections)
    return "";
  elf64_shdr names, section;
  mica_elf_section(elf, elf->shstrtab, &names);
  mica_elf_section(elf, index, &section);
  if (section.sh_name >= names.sh_size)
    return "";
  return (const char *)elf->data + names.sh_offset + section.sh_name;
}

const char *mica_elf_symbol_name(const mica_elf *elf, const elf64_sym *sym) {
  return elf->strtab + sym->st_name; /* st_name < strtab_size, checked */
}

int mica_elf_is_loaded(const elf64_shdr *section) {
  return (section->sh_flags & SHF_ALLOC) != 0 && section->sh_type != SHT_NULL;
}

/* A string table: in the file and NUL-terminated at its end, so that every
 * offset inside it names a terminated string. */
static int valid_strtab(const mica_elf *elf, uint32_t index) {
  elf64_shdr s;
  mica_elf_section(elf, index, &s);
  return s.sh_type == SHT_STRTAB && s.sh_size > 0 &&
         in_bounds(s.sh_offset, s.sh_size, elf->size) &&
         elf->data[s.sh_offset + s.sh_size - 1] == '\0';
}

static mica_status check_header(const mica_elf *elf, elf64_ehdr *eh,
                                const mica_msg *msg) {
  if (elf->size < ELF_EHDR_SIZE)
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "object of %u bytes is too small for an ELF header",
                     (uint64_t)elf->size);
  memcpy(eh, elf->data, sizeof(*eh));
  if (eh->e_ident[0] != 0x7f || eh->e_ident[1] != 'E' ||
      eh->e_ident[2] != 'L' || eh->e_ident[3] != 'F')
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "not an ELF object (bad magic)");
  if (eh->e_ident[EI_CLASS] != ELFCLASS64)
    return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                     "ELF class %u is not ELFCLASS64",
                     (uint64_t)eh->e_ident[EI_CLASS]);
  if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
    return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                     "ELF data encoding %u is not little-endian",
                     (uint64_t)eh->e_ident[EI_DATA]);
  if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
    return mica_fail(msg, MICA_ERROR_MALFORMED, "unknown ELF version");
  if (eh->e_type != ET_REL)
    return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                     "ELF type %u is not a relocatable object (ET_REL)",
                     (uint64_t)eh->e_type);
  if (eh->e_shnum == 0 || eh->e_shstrndx == SHN_XINDEX)
    return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                     "no section table or extended section numbering");
  if (eh->e_shentsize != ELF_SHDR_SIZE)
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "section header size %u is not %u",
                     (uint64_t)eh->e_shentsize, (uint64_t)ELF_SHDR_SIZE);
  if (!in_bounds(eh->e_shoff, (uint64_t)eh->e_shnum * ELF_SHDR_SIZE, elf->size))
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "section table at %x (%u entries) is outside the %u-byte "
                     "object",
                     eh->e_shoff, (uint64_t)eh->e_shnum, (uint64_t)elf->size);
  if (eh->e_shstrndx >= eh->e_shnum)
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "section name table index %u out of range",
                     (uint64_t)eh->e_shstrndx);
  return MICA_OK;
}

static mica_status check_section(mica_elf *elf, uint32_t i,
                                 const mica_msg *msg) {
  elf64_shdr s;
  mica_elf_section(elf, i, &s);
  if (s.sh_type != SHT_NOBITS && !in_bounds(s.sh_offset, s.sh_size, elf->size))
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "section %u: bytes [%x, +%x) outside the %u-byte object",
                     (uint64_t)i, s.sh_offset, s.sh_size, (uint64_t)elf->size);
  if (s.sh_addralign & (s.sh_addralign - 1))
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "section %u: alignment %u is not a power of two",
                     (uint64_t)i, s.sh_addralign);
  if (mica_elf_is_loaded(&s)) {
    if (s.sh_flags & SHF_TLS)
      return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                       "section %u: thread-local storage is not supported",
                       (uint64_t)i);
    if ((s.sh_type == SHT_INIT_ARRAY || s.sh_type == SHT_FINI_ARRAY ||
         s.sh_type == SHT_PREINIT_ARRAY) &&
        s.sh_size)
      return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                       "section %u: constructors and destructors are not "
                       "supported",
                       (uint64_t)i);
    if ((s.sh_flags & SHF_WRITE) && (s.sh_flags & SHF_EXECINSTR))
      return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                       "section %u is writable and executable (W^X)",
                       (uint64_t)i);
  }
  if (s.sh_type == SHT_SYMTAB) {
    if (elf->symtab)
      return mica_fail(msg, MICA_ERROR_MALFORMED, "more than one symbol table");
    if (s.sh_entsize != ELF_SYM_SIZE || s.sh_size % ELF_SYM_SIZE ||
        s.sh_link == 0 || s.sh_link >= elf->num_sections ||
        !valid_strtab(elf, s.sh_link))
      return mica_fail(msg, MICA_ERROR_MALFORMED,
                       "symbol table (section %u) or its string table is "
                       "malformed",
                       (uint64_t)i);
    elf64_shdr strtab;
    mica_elf_section(elf, s.sh_link, &strtab);
    elf->symtab = i;
    elf->num_symbols = s.sh_size / ELF_SYM_SIZE;
    elf->symbols = elf->data + s.sh_offset;
    elf->strtab = (const char *)elf->data + strtab.sh_offset;
    elf->strtab_size = strtab.sh_size;
  }
  if (s.sh_type == SHT_REL || s.sh_type == SHT_RELA) {
    if (s.sh_info == 0 || s.sh_info >= elf->num_sections)
      return mica_fail(msg, MICA_ERROR_MALFORMED,
                       "relocation section %u targets section %u of %u",
                       (uint64_t)i, (uint64_t)s.sh_info,
                       (uint64_t)elf->num_sections);
    elf64_shdr target;
    mica_elf_section(elf, s.sh_info, &target);
    if (mica_elf_is_loaded(&target) && s.sh_type == SHT_REL)
      return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                       "relocation section %u is SHT_REL; only SHT_RELA is "
                       "supported",
                       (uint64_t)i);
    if (s.sh_type == SHT_RELA &&
        (s.sh_entsize != ELF_RELA_SIZE || s.sh_size % ELF_RELA_SIZE))
      return mica_fail(msg, MICA_ERROR_MALFORMED,
                       "relocation section %u: entry size %u, size %u",
                       (uint64_t)i, s.sh_entsize, s.sh_size);
  }
  return MICA_OK;
}

static mica_status check_symbol(const mica_elf *elf, uint64_t i,
                                const mica_msg *msg) {
  elf64_sym sym;
  mica_elf_symbol(elf, i, &sym);
  if (sym.st_name >= elf->strtab_size)
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "symbol %u: name offset %u outside the string table", i,
                     (uint64_t)sym.st_name);
  const char *name = mica_elf_symbol_name(elf, &sym);
  if (ELF_ST_TYPE(sym.st_info) == STT_TLS)
    return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                     "symbol '%s' is thread-local; TLS is not supported", name);
  if (sym.st_shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS)
    return MICA_OK;
  if (sym.st_shndx == SHN_COMMON)
    return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                     "symbol '%s' is a COMMON symbol; compile with -fno-common",
                     name);
  if (sym.st_shndx >= SHN_LORESERVE)
    return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                     "symbol '%s' has reserved section index %x", name,
                     (uint64_t)sym.st_shndx);
  if (sym.st_shndx >= elf->num_sections)
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "symbol '%s': section index %u out of range", name,
                     (uint64_t)sym.st_shndx);
  elf64_shdr s;
  mica_elf_section(elf, sym.st_shndx, &s);
  if (mica_elf_is_loaded(&s) && sym.st_value > s.sh_size)
    return mica_fail(msg, MICA_ERROR_MALFORMED,
                     "symbol '%s': value %x beyond its section's %u bytes",
                     name, sym.st_value, s.sh_size);
  return MICA_OK;
}

mica_status mica_elf_parse(const void *data, size_t size, mica_elf *out,
                           const mica_msg *msg) {
  memset(out, 0, sizeof(*out));
  out->data = (const unsigned char *)data;
  out->size = size;
  elf64_ehdr eh;
  mica_status st = check_header(out, &eh, msg);
  if (st != MICA_OK)
    return st;
  out->machine = eh.e_machine;
  out->num_sections = eh.e_shnum;
  out->section_table = eh.e_shoff;
  for (uint32_t i = 0; i < out->num_sections; ++i)
    if ((st = check_section(out, i, msg)) != MICA_OK)
      return st;
  if (eh.e_shstrndx) {
    if (!valid_strtab(out, eh.e_shstrndx))
      return mica_fail(msg, MICA_ERROR_MALFORMED,
                       "section name table %u is not a string table",
                       (uint64_t)eh.e_shstrndx);
    out->shstrtab = eh.e_shstrndx;
  }
  for (uint64_t i = 0; i < out->num_symbols; ++i)
    if ((st = check_symbol(out, i, msg)) != MICA_OK)
      return st;
  return MICA_OK;
}
