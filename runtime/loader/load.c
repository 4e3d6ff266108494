/* mica_code_load: lays out, relocates and protects one ELF64 relocatable
 * object. Every check happens before the image is made executable, and every
 * failure unmaps what was mapped.
 *
 * Image layout (each region page-aligned, protected once relocated):
 *   header  R    struct mica_code, exported symbols and their names
 *   text    R+X  SHF_EXECINSTR sections, then call stubs for far imports
 *   rodata  R    other read-only SHF_ALLOC sections, then the GOT
 *   data    RW   SHF_WRITE sections (PROGBITS and NOBITS)
 * Per-section and per-symbol bookkeeping lives in a scratch mapping that is
 * released before returning. */
#include <string.h>

#include "runtime/loader/loader_internal.h"

enum { REGION_TEXT, REGION_RODATA, REGION_DATA, NUM_REGIONS };

typedef struct scratch {
  uint64_t *section_offset; /* image offset of each section; ~0 if unmapped */
  uint64_t *symbol_address;
  uint32_t *got_slot;  /* per symbol: GOT slot + 1, or 0 */
  uint32_t *stub_slot; /* per symbol: stub slot + 1, or 0 */
  uint8_t *missing;    /* per symbol: undefined and not imported */
  void *mapping;
  size_t mapping_size;
} scratch;

typedef struct layout {
  size_t page;
  uint64_t used[NUM_REGIONS];  /* bytes placed in each region */
  uint64_t start[NUM_REGIONS]; /* image offset of each region */
  uint64_t header_size, image_size;
  uint64_t stubs, got; /* image offsets of the stub area and of the GOT */
  uint64_t num_stubs, num_got, num_exports, names_size;
  int needs_low;
} layout;

typedef struct loader {
  const mica_elf *elf;
  const mica_machine_ops *ops;
  const mica_msg *msg;
  scratch s;
  layout l;
  unsigned char *image;
} loader;

uint16_t mica_host_machine(void) {
#if defined(__x86_64__)
  return EM_X86_64;
#elif defined(__aarch64__)
  return EM_AARCH64;
#else
  return 0;
#endif
}

const mica_machine_ops *mica_machine_ops_for(uint16_t machine) {
  if (machine == EM_X86_64)
    return &mica_x86_64_ops;
  if (machine == EM_AARCH64)
    return &mica_aarch64_ops;
  return NULL;
}

static const char *machine_name(uint16_t machine) {
  const mica_machine_ops *ops = mica_machine_ops_for(machine);
  return ops ? ops->name : "an unsupported machine";
}

static uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) & ~(a - 1);
}

static uint64_t cstr_size(const char *s) {
  uint64_t n = 0;
  while (s[n])
    ++n;
  return n + 1;
}

static mica_status map_scratch(loader *ld) {
  const mica_elf *elf = ld->elf;
  uint64_t n = elf->num_symbols;
  size_t size = (size_t)(elf->num_sections * 8 + n * (8 + 4 + 4 + 1));
  size = (size_t)align_up(size ? size : 1, ld->l.page);
  unsigned char *p = mica_map(size, 0);
  if (!p)
    return mica_fail(ld->msg, MICA_ERROR_SYSTEM,
                     "mmap of %u scratch bytes failed", (uint64_t)size);
  ld->s.mapping = p;
  ld->s.mapping_size = size;
  ld->s.section_offset = (uint64_t *)p;
  ld->s.symbol_address = (uint64_t *)(p + elf->num_sections * 8);
  ld->s.got_slot = (uint32_t *)(p + elf->num_sections * 8 + n * 8);
  ld->s.stub_slot = ld->s.got_slot + n;
  ld->s.missing = (uint8_t *)(ld->s.stub_slot + n);
  return MICA_OK;
}

/* Places every loaded section in its region; offsets are region-relative
 * until finish_layout adds the region starts. */
static mica_status place_sections(loader *ld) {
  for (uint32_t i = 0; i < ld->elf->num_sections; ++i) {
    elf64_shdr sh;
    mica_elf_section(ld->elf, i, &sh);
    ld->s.section_offset[i] = ~0ull;
    if (!mica_elf_is_loaded(&sh))
      continue;
    int region = (sh.sh_flags & SHF_EXECINSTR) ? REGION_TEXT
                 : (sh.sh_flags & SHF_WRITE)   ? REGION_DATA
                                               : REGION_RODATA;
    uint64_t align = sh.sh_addralign ? sh.sh_addralign : 1;
    if (align > ld->l.page)
      return mica_fail(ld->msg, MICA_ERROR_UNSUPPORTED,
                       "section '%s': alignment %u exceeds the page size",
                       mica_elf_section_name(ld->elf, i), align);
    uint64_t offset = align_up(ld->l.used[region], align);
    if (sh.sh_size > MICA_LOADER_MAX_IMAGE_SIZE ||
        offset + sh.sh_size > MICA_LOADER_MAX_IMAGE_SIZE)
      return mica_fail(ld->msg, MICA_ERROR_UNSUPPORTED,
                       "section '%s' (%u bytes) exceeds the image size limit",
                       mica_elf_section_name(ld->elf, i), sh.sh_size);
    ld->s.section_offset[i] = offset;
    ld->l.used[region] = offset + sh.sh_size;
  }
  return MICA_OK;
}

/* Binds undefined symbols to imports and counts the exports. */
static mica_status bind_symbols(loader *ld, const mica_import *imports,
                                size_t num_imports) {
  const mica_elf *elf = ld->elf;
  for (uint64_t i = 1; i < elf->num_symbols; ++i) {
    elf64_sym sym;
    mica_elf_symbol(elf, i, &sym);
    const char *name = mica_elf_symbol_name(elf, &sym);
    unsigned bind = ELF_ST_BIND(sym.st_info);
    if (sym.st_shndx == SHN_UNDEF) {
      uint64_t address = 0;
      if (!mica_find_import(imports, num_imports, name, &address) &&
          bind != STB_WEAK)
        ld->s.missing[i] = 1;
      ld->s.symbol_address[i] = address;
      continue;
    }
    if ((bind == STB_GLOBAL || bind == STB_WEAK) && name[0] &&
        (sym.st_shndx == SHN_ABS ||
         ld->s.section_offset[sym.st_shndx] != ~0ull)) {
      ld->l.num_exports++;
      ld->l.names_size += cstr_size(name);
    }
  }
  return MICA_OK;
}

/* Validates one relocation against everything it touches. */
static mica_status check_rela(loader *ld, uint32_t rela_index,
                              const elf64_shdr *target, uint32_t target_index,
                              const elf64_rela *r, mica_reloc_kind *kind) {
  const mica_elf *elf = ld->elf;
  uint32_t type = ELF_R_TYPE(r->r_info);
  uint64_t sym_index = ELF_R_SYM(r->r_info);
  const char *where = mica_elf_section_name(elf, target_index);
  if (!ld->ops->classify(type, kind)) {
    const char *name = ld->ops->reloc_name(type);
    return mica_fail(ld->msg, MICA_ERROR_UNSUPPORTED,
                     "section '%s': unsupported %s relocation %s (type %u)",
                     where, ld->ops->name, name ? name : "(unknown)",
                     (uint64_t)type);
  }
  if (r->r_offset > target->sh_size ||
      kind->width > target->sh_size - r->r_offset ||
      (target->sh_type == SHT_NOBITS && kind->width))
    return mica_fail(ld->msg, MICA_ERROR_MALFORMED,
                     "relocation section %u: offset %x outside section '%s'",
                     (uint64_t)rela_index, r->r_offset, where);
  if (sym_index >= elf->num_symbols)
    return mica_fail(ld->msg, MICA_ERROR_MALFORMED,
                     "relocation section %u: symbol index %u out of range",
                     (uint64_t)rela_index, sym_index);
  elf64_sym sym;
  mica_elf_symbol(elf, sym_index, &sym);
  const char *name = mica_elf_symbol_name(elf, &sym);
  if (ld->s.missing[sym_index])
    return mica_fail(ld->msg, MICA_ERROR_UNRESOLVED_SYMBOL,
                     "undefined symbol '%s' is not among the imports", name);
  if (sym_index && sym.st_shndx != SHN_UNDEF && sym.st_shndx != SHN_ABS &&
      ld->s.section_offset[sym.st_shndx] == ~0ull)
    return mica_fail(ld->msg, MICA_ERROR_MALFORMED,
                     "relocation against '%s' in unloaded section %u", name,
                     (uint64_t)sym.st_shndx);
  return MICA_OK;
}

/* Checks every relocation that patches a loaded section and counts the GOT
 * entries and stubs they need. */
static mica_status scan_relocations(loader *ld) {
  const mica_elf *elf = ld->elf;
  for (uint32_t i = 0; i < elf->num_sections; ++i) {
    elf64_shdr rs, target;
    mica_elf_section(elf, i, &rs);
    if (rs.sh_type != SHT_RELA)
      continue;
    mica_elf_section(elf, rs.sh_info, &target);
    if (!mica_elf_is_loaded(&target))
      continue;
    if (!elf->symtab || rs.sh_link != elf->symtab)
      return mica_fail(ld->msg, MICA_ERROR_MALFORMED,
                       "relocation section %u does not use the symbol table",
                       (uint64_t)i);
    for (uint64_t k = 0; k < rs.sh_size / ELF_RELA_SIZE; ++k) {
      elf64_rela r;
      mica_reloc_kind kind;
      mica_elf_rela(elf, &rs, k, &r);
      mica_status st = check_rela(ld, i, &target, rs.sh_info, &r, &kind);
      if (st != MICA_OK)
        return st;
      uint64_t sym = ELF_R_SYM(r.r_info);
      elf64_sym s;
      mica_elf_symbol(elf, sym, &s);
      if (kind.uses_got && !ld->s.got_slot[sym])
        ld->s.got_slot[sym] = (uint32_t)++ld->l.num_got;
      if (kind.uses_stub && sym && s.st_shndx == SHN_UNDEF &&
          ld->s.symbol_address[sym] && !ld->s.stub_slot[sym])
        ld->s.stub_slot[sym] = (uint32_t)++ld->l.num_stubs;
      ld->l.needs_low |= kind.needs_low;
    }
  }
  return MICA_OK;
}

static mica_status finish_layout(loader *ld) {
  layout *l = &ld->l;
  l->header_size = align_up(
      sizeof(mica_code) + l->num_exports * sizeof(mica_export) + l->names_size,
      l->page);
  l->stubs = align_up(l->used[REGION_TEXT], 16);
  l->used[REGION_TEXT] = l->stubs + l->num_stubs * ld->ops->stub_size;
  l->got = align_up(l->used[REGION_RODATA], 8);
  l->used[REGION_RODATA] = l->got + l->num_got * 8;
  uint64_t offset = l->header_size;
  for (int r = 0; r < NUM_REGIONS; ++r) {
    l->start[r] = offset;
    offset += align_up(l->used[r], l->page);
    if (offset > MICA_LOADER_MAX_IMAGE_SIZE)
      return mica_fail(ld->msg, MICA_ERROR_UNSUPPORTED,
                       "image of more than %u bytes",
                       (uint64_t)MICA_LOADER_MAX_IMAGE_SIZE);
  }
  l->image_size = offset;
  l->stubs += l->start[REGION_TEXT];
  l->got += l->start[REGION_RODATA];
  for (uint32_t i = 0; i < ld->elf->num_sections; ++i) {
    elf64_shdr sh;
    mica_elf_section(ld->elf, i, &sh);
    if (ld->s.section_offset[i] == ~0ull)
      continue;
    int region = (sh.sh_flags & SHF_EXECINSTR) ? REGION_TEXT
                 : (sh.sh_flags & SHF_WRITE)   ? REGION_DATA
                                               : REGION_RODATA;
    ld->s.section_offset[i] += l->start[region];
  }
  return MICA_OK;
}

/* Copies section bytes, computes symbol addresses, fills the GOT and stubs. */
static void populate(loader *ld) {
  const mica_elf *elf = ld->elf;
  uint64_t base = (uint64_t)(uintptr_t)ld->image;
  for (uint32_t i = 0; i < elf->num_sections; ++i) {
    elf64_shdr sh;
    mica_elf_section(elf, i, &sh);
    if (ld->s.section_offset[i] != ~0ull && sh.sh_type != SHT_NOBITS)
      memcpy(ld->image + ld->s.section_offset[i], elf->data + sh.sh_offset,
             (size_t)sh.sh_size);
  }
  for (uint64_t i = 1; i < elf->num_symbols; ++i) {
    elf64_sym sym;
    mica_elf_symbol(elf, i, &sym);
    if (sym.st_shndx == SHN_ABS)
      ld->s.symbol_address[i] = sym.st_value;
    else if (sym.st_shndx != SHN_UNDEF &&
             ld->s.section_offset[sym.st_shndx] != ~0ull)
      ld->s.symbol_address[i] =
          base + ld->s.section_offset[sym.st_shndx] + sym.st_value;
    if (ld->s.got_slot[i])
      memcpy(ld->image + ld->l.got + (ld->s.got_slot[i] - 1) * 8ull,
             &ld->s.symbol_address[i], 8);
    if (ld->s.stub_slot[i])
      ld->ops->write_stub(ld->image + ld->l.stubs +
                              (ld->s.stub_slot[i] - 1) *
                                  (uint64_t)ld->ops->stub_size,
                          ld->s.symbol_address[i]);
  }
}

static mica_status relocate(loader *ld) {
  const mica_elf *elf = ld->elf;
  uint64_t base = (uint64_t)(uintptr_t)ld->image;
  for (uint32_t i = 0; i < elf->num_sections; ++i) {
    elf64_shdr rs;
    mica_elf_section(elf, i, &rs);
    if (rs.sh_type != SHT_RELA || ld->s.section_offset[rs.sh_info] == ~0ull)
      continue;
    for (uint64_t k = 0; k < rs.sh_size / ELF_RELA_SIZE; ++k) {
      elf64_rela r;
      mica_elf_rela(elf, &rs, k, &r);
      uint64_t sym = ELF_R_SYM(r.r_info);
      uint64_t place = ld->s.section_offset[rs.sh_info] + r.r_offset;
      mica_reloc_values v = {base + place, ld->s.symbol_address[sym],
                             r.r_addend, 0, 0};
      if (ld->s.got_slot[sym])
        v.got = base + ld->l.got + (ld->s.got_slot[sym] - 1) * 8ull;
      if (ld->s.stub_slot[sym])
        v.stub = base + ld->l.stubs +
                 (ld->s.stub_slot[sym] - 1) * (uint64_t)ld->ops->stub_size;
      const char *reason = "";
      uint32_t type = ELF_R_TYPE(r.r_info);
      mica_status st = ld->ops->apply(type, ld->image + place, &v, &reason);
      if (st != MICA_OK) {
        elf64_sym s;
        mica_elf_symbol(elf, sym, &s);
        return mica_fail(
            ld->msg, st, "section '%s' offset %x: %s against '%s': %s",
            mica_elf_section_name(elf, rs.sh_info), r.r_offset,
            ld->ops->reloc_name(type), mica_elf_symbol_name(elf, &s), reason);
      }
    }
  }
  return MICA_OK;
}

/* Writes the header region: the mica_code, its exports and their names. */
static mica_code *write_header(loader *ld) {
  const mica_elf *elf = ld->elf;
  mica_code *code = (mica_code *)ld->image;
  mica_export *exports = (mica_export *)(code + 1);
  char *names = (char *)(exports + ld->l.num_exports);
  uint64_t n = 0, name_offset = 0;
  for (uint64_t i = 1; i < elf->num_symbols; ++i) {
    elf64_sym sym;
    mica_elf_symbol(elf, i, &sym);
    const char *name = mica_elf_symbol_name(elf, &sym);
    unsigned bind = ELF_ST_BIND(sym.st_info);
    if (sym.st_shndx == SHN_UNDEF || !name[0] ||
        (bind != STB_GLOBAL && bind != STB_WEAK) ||
        (sym.st_shndx != SHN_ABS &&
         ld->s.section_offset[sym.st_shndx] == ~0ull))
      continue;
    uint64_t len = cstr_size(name);
    exports[n].address = ld->s.symbol_address[i];
    exports[n].name_offset = (uint32_t)name_offset;
    exports[n].reserved = 0;
    memcpy(names + name_offset, name, (size_t)len);
    name_offset += len;
    ++n;
  }
  const layout *l = &ld->l;
  code->base = ld->image;
  code->size = (size_t)l->image_size;
  code->header_size = (size_t)l->header_size;
  code->exports = exports;
  code->names = names;
  code->num_exports = n;
  code->info.base = ld->image;
  code->info.size = (size_t)l->image_size;
  code->info.text_size = (size_t)align_up(l->used[REGION_TEXT], l->page);
  code->info.rodata_size = (size_t)align_up(l->used[REGION_RODATA], l->page);
  code->info.data_size = (size_t)align_up(l->used[REGION_DATA], l->page);
  code->info.num_got_entries = (size_t)l->num_got;
  code->info.num_stubs = (size_t)l->num_stubs;
  code->info.num_symbols = (size_t)n;
  return code;
}

static mica_status protect(loader *ld, int exec) {
  const layout *l = &ld->l;
  uint64_t text = align_up(l->used[REGION_TEXT], l->page);
  uint64_t ro = align_up(l->used[REGION_RODATA], l->page);
  mica_flush_icache(ld->image + l->start[REGION_TEXT], (size_t)text);
  if (mica_protect_read(ld->image, (size_t)l->header_size, 0) ||
      mica_protect_read(ld->image + l->start[REGION_TEXT], (size_t)text,
                        exec) ||
      mica_protect_read(ld->image + l->start[REGION_RODATA], (size_t)ro, 0))
    return mica_fail(ld->msg, MICA_ERROR_SYSTEM, "mprotect failed");
  return MICA_OK;
}

static mica_status load(loader *ld, const mica_import *imports,
                        size_t num_imports, uint16_t machine) {
  mica_status st;
  if ((st = map_scratch(ld)) != MICA_OK ||
      (st = place_sections(ld)) != MICA_OK ||
      (st = bind_symbols(ld, imports, num_imports)) != MICA_OK ||
      (st = scan_relocations(ld)) != MICA_OK ||
      (st = finish_layout(ld)) != MICA_OK)
    return st;
  ld->image = mica_map((size_t)ld->l.image_size,
                       ld->l.needs_low && machine == EM_X86_64);
  if (!ld->image)
    return mica_fail(ld->msg, MICA_ERROR_SYSTEM, "mmap of %u bytes failed",
                     ld->l.image_size);
  populate(ld);
  if ((st = relocate(ld)) != MICA_OK)
    return st;
  write_header(ld);
  return protect(ld, machine == mica_host_machine());
}

mica_status mica_code_load_machine(const void *object, size_t size,
                                   const mica_import *imports,
                                   size_t num_imports, uint16_t machine,
                                   mica_code **out_code, const mica_msg *msg) {
  if (!out_code)
    return mica_fail(msg, MICA_ERROR_INVALID_ARGUMENT, "out_code is NULL");
  *out_code = NULL;
  if (!object || (num_imports && !imports))
    return mica_fail(msg, MICA_ERROR_INVALID_ARGUMENT,
                     "object or imports is NULL");
  mica_elf elf;
  mica_status st = mica_elf_parse(object, size, &elf, msg);
  if (st != MICA_OK)
    return st;
  if (elf.machine != machine)
    return mica_fail(msg, MICA_ERROR_UNSUPPORTED,
                     "wrong machine: the object is for %s (e_machine %u), "
                     "expected %s",
                     machine_name(elf.machine), (uint64_t)elf.machine,
                     machine_name(machine));
  loader ld;
  memset(&ld, 0, sizeof(ld));
  ld.elf = &elf;
  ld.msg = msg;
  ld.ops = mica_machine_ops_for(machine);
  ld.l.page = mica_page_size();
  if (!ld.ops)
    return mica_fail(msg, MICA_ERROR_UNSUPPORTED, "no loader for machine %u",
                     (uint64_t)machine);
  st = load(&ld, imports, num_imports, machine);
  mica_unmap(ld.s.mapping, ld.s.mapping_size);
  if (st != MICA_OK) {
    mica_unmap(ld.image, (size_t)ld.l.image_size);
    return st;
  }
  *out_code = (mica_code *)ld.image;
  return MICA_OK;
}

mica_status mica_code_load(const void *object, size_t size,
                           const mica_import *imports, size_t num_imports,
                           mica_code **out_code, char *error,
                           size_t error_size) {
  mica_msg msg = {error, error_size};
  if (error && error_size)
    error[0] = '\0';
  return mica_code_load_machine(object, size, imports, num_imports,
                                mica_host_machine(), out_code, &msg);
}

void mica_code_unload(mica_code *code) {
  if (code)
    mica_unmap(code->base, code->size);
}
