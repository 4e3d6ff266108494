/* x86-64 relocations (x86-64 psABI, section 4.4). Calls and PC-relative
 * references to imports that are more than 2 GiB away go through a 16-byte
 * stub (`jmp *0(%rip)` followed by the 64-bit target). GOT-relative loads
 * (GOTPCRELX and friends) are left unrelaxed: the GOT entry is always valid. */
#include <string.h>

#include "runtime/loader/loader_internal.h"

static const char *const kNames[] = {
    "R_X86_64_NONE",
    "R_X86_64_64",
    "R_X86_64_PC32",
    "R_X86_64_GOT32",
    "R_X86_64_PLT32",
    "R_X86_64_COPY",
    "R_X86_64_GLOB_DAT",
    "R_X86_64_JUMP_SLOT",
    "R_X86_64_RELATIVE",
    "R_X86_64_GOTPCREL",
    "R_X86_64_32",
    "R_X86_64_32S",
    "R_X86_64_16",
    "R_X86_64_PC16",
    "R_X86_64_8",
    "R_X86_64_PC8",
    "R_X86_64_DTPMOD64",
    "R_X86_64_DTPOFF64",
    "R_X86_64_TPOFF64",
    "R_X86_64_TLSGD",
    "R_X86_64_TLSLD",
    "R_X86_64_DTPOFF32",
    "R_X86_64_GOTTPOFF",
    "R_X86_64_TPOFF32",
    "R_X86_64_PC64",
    "R_X86_64_GOTOFF64",
    "R_X86_64_GOTPC32",
    "R_X86_64_GOT64",
    "R_X86_64_GOTPCREL64",
    "R_X86_64_GOTPC64",
    "R_X86_64_GOTPLT64",
    "R_X86_64_PLTOFF64",
    "R_X86_64_SIZE32",
    "R_X86_64_SIZE64",
    "R_X86_64_GOTPC32_TLSDESC",
    "R_X86_64_TLSDESC_CALL",
    "R_X86_64_TLSDESC",
    "R_X86_64_IRELATIVE",
    "R_X86_64_RELATIVE64",
    "R_X86_64_39",
    "R_X86_64_40",
    "R_X86_64_GOTPCRELX",
    "R_X86_64_REX_GOTPCRELX",
};

static const char *reloc_name(uint32_t type) {
  return type < sizeof(kNames) / sizeof(kNames[0]) ? kNames[type] : NULL;
}

static int classify(uint32_t type, mica_reloc_kind *out) {
  mica_reloc_kind k = {4, 0, 0, 0};
  switch (type) {
  case R_X86_64_NONE:
    k.width = 0;
    break;
  case R_X86_64_64:
  case R_X86_64_PC64:
    k.width = 8;
    break;
  case R_X86_64_PC32:
  case R_X86_64_PLT32:
    k.uses_stub = 1;
    break;
  case R_X86_64_32:
  case R_X86_64_32S:
    k.uses_stub = 1;
    k.needs_low = 1;
    break;
  case R_X86_64_GOTPCREL:
  case R_X86_64_GOTPCRELX:
  case R_X86_64_REX_GOTPCRELX:
    k.uses_got = 1;
    break;
  default:
    return 0;
  }
  *out = k;
  return 1;
}

static int fits_s32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

/* S + A - P, retried through the stub when the symbol itself is too far. */
static int pcrel32(const mica_reloc_values *v, int64_t *out) {
  int64_t d = (int64_t)(v->symbol + (uint64_t)v->addend - v->place);
  if (!fits_s32(d) && v->stub)
    d = (int64_t)(v->stub + (uint64_t)v->addend - v->place);
  *out = d;
  return fits_s32(d);
}

static mica_status apply(uint32_t type, unsigned char *place,
                         const mica_reloc_values *v, const char **reason) {
  uint64_t sa = v->symbol + (uint64_t)v->addend;
  int64_t d;
  *reason = "value out of range";
  switch (type) {
  case R_X86_64_NONE:
    return MICA_OK;
  case R_X86_64_64:
    put64(place, sa);
    return MICA_OK;
  case R_X86_64_PC64:
    put64(place, sa - v->place);
    return MICA_OK;
  case R_X86_64_PC32:
  case R_X86_64_PLT32:
    if (!pcrel32(v, &d))
      return MICA_ERROR_OUT_OF_RANGE;
    put32(place, (uint32_t)d);
    return MICA_OK;
  case R_X86_64_32:
  case R_X86_64_32S: {
    int is_signed = type == R_X86_64_32S;
    uint64_t value = sa;
    for (int pass = 0; pass < 2; ++pass) {
      int ok = is_signed ? fits_s32((int64_t)value) : value <= UINT32_MAX;
      if (ok) {
        put32(place, (uint32_t)value);
        return MICA_OK;
      }
      if (!v->stub)
        break;
      value = v->stub + (uint64_t)v->addend;
    }
    *reason = "32-bit absolute address out of range (the image is not in the "
              "low 2 GiB; compile with -fpic)";
    return MICA_ERROR_OUT_OF_RANGE;
  }
  case R_X86_64_GOTPCREL:
  case R_X86_64_GOTPCRELX:
  case R_X86_64_REX_GOTPCRELX:
    d = (int64_t)(v->got + (uint64_t)v->addend - v->place);
    if (!v->got || !fits_s32(d))
      return MICA_ERROR_OUT_OF_RANGE;
    put32(place, (uint32_t)d);
    return MICA_OK;
  }
  *reason = "unsupported relocation type";
  return MICA_ERROR_UNSUPPORTED;
}

/* jmp *0(%rip); .quad target; padded with int3. */
static void write_stub(unsigned char *stub, uint64_t target) {
  static const unsigned char kJmp[6] = {0xff, 0x25, 0, 0, 0, 0};
  memset(stub, 0xcc, 16);
  memcpy(stub, kJmp, sizeof(kJmp));
  put64(stub + 6, target);
}

const mica_machine_ops mica_x86_64_ops = {
    EM_X86_64, "x86-64", 16, reloc_name, classify, apply, write_stub,
};
