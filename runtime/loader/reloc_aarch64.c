/* AArch64 relocations (ELF for the Arm 64-bit Architecture, section 5.7).
 * Branches to imports beyond the +-128 MiB reach of B/BL go through a
 * 16-byte veneer (`ldr x16, #8; br x16; .quad target`); x16 is the
 * intra-procedure-call scratch register the ABI reserves for this. */
#include <string.h>

#include "runtime/loader/loader_internal.h"

/* --- instruction immediates ------------------------------------------------
 */

static int64_t sign_extend(uint64_t v, unsigned bits) {
  uint64_t m = 1ull << (bits - 1);
  v &= (1ull << bits) - 1;
  return (int64_t)((v ^ m) - m);
}

uint32_t mica_a64_set_adr_imm21(uint32_t insn, uint64_t value) {
  uint32_t immlo = (uint32_t)value & 0x3,
           immhi = (uint32_t)(value >> 2) & 0x7ffff;
  return (insn & ~((0x3u << 29) | (0x7ffffu << 5))) | (immlo << 29) |
         (immhi << 5);
}

int64_t mica_a64_get_adr_imm21(uint32_t insn) {
  return sign_extend(((insn >> 5) & 0x7ffff) << 2 | ((insn >> 29) & 0x3), 21);
}

uint32_t mica_a64_set_imm12(uint32_t insn, uint64_t value) {
  return (insn & ~(0xfffu << 10)) | (((uint32_t)value & 0xfff) << 10);
}

uint32_t mica_a64_get_imm12(uint32_t insn) { return (insn >> 10) & 0xfff; }

uint32_t mica_a64_set_imm26(uint32_t insn, uint64_t value) {
  return (insn & ~0x3ffffffu) | ((uint32_t)value & 0x3ffffff);
}

int64_t mica_a64_get_imm26(uint32_t insn) { return sign_extend(insn, 26); }

uint32_t mica_a64_set_imm19(uint32_t insn, uint64_t value) {
  return (insn & ~(0x7ffffu << 5)) | (((uint32_t)value & 0x7ffff) << 5);
}

int64_t mica_a64_get_imm19(uint32_t insn) { return sign_extend(insn >> 5, 19); }

uint32_t mica_a64_set_imm14(uint32_t insn, uint64_t value) {
  return (insn & ~(0x3fffu << 5)) | (((uint32_t)value & 0x3fff) << 5);
}

int64_t mica_a64_get_imm14(uint32_t insn) { return sign_extend(insn >> 5, 14); }

uint32_t mica_a64_set_imm16(uint32_t insn, uint64_t value) {
  return (insn & ~(0xffffu << 5)) | (((uint32_t)value & 0xffff) << 5);
}

uint32_t mica_a64_get_imm16(uint32_t insn) { return (insn >> 5) & 0xffff; }

uint64_t mica_a64_page(uint64_t address) { return address & ~0xfffull; }

/* --- relocation table ------------------------------------------------------
 */

static const char *reloc_name(uint32_t type) {
  switch (type) {
#define NAME(n)                                                                \
  case R_AARCH64_##n:                                                          \
    return "R_AARCH64_" #n
    NAME(NONE);
    NAME(ABS64);
    NAME(PREL64);
    NAME(PREL32);
    NAME(MOVW_UABS_G0);
    NAME(MOVW_UABS_G0_NC);
    NAME(MOVW_UABS_G1);
    NAME(MOVW_UABS_G1_NC);
    NAME(MOVW_UABS_G2);
    NAME(MOVW_UABS_G2_NC);
    NAME(MOVW_UABS_G3);
    NAME(LD_PREL_LO19);
    NAME(ADR_PREL_LO21);
    NAME(ADR_PREL_PG_HI21);
    NAME(ADD_ABS_LO12_NC);
    NAME(LDST8_ABS_LO12_NC);
    NAME(TSTBR14);
    NAME(CONDBR19);
    NAME(JUMP26);
    NAME(CALL26);
    NAME(LDST16_ABS_LO12_NC);
    NAME(LDST32_ABS_LO12_NC);
    NAME(LDST64_ABS_LO12_NC);
    NAME(LDST128_ABS_LO12_NC);
    NAME(ADR_GOT_PAGE);
    NAME(LD64_GOT_LO12_NC);
#undef NAME
  }
  return NULL;
}

static int classify(uint32_t type, mica_reloc_kind *out) {
  mica_reloc_kind k = {4, 0, 0, 0};
  if (!reloc_name(type))
    return 0;
  if (type == R_AARCH64_NONE)
    k.width = 0;
  if (type == R_AARCH64_ABS64 || type == R_AARCH64_PREL64)
    k.width = 8;
  if (type == R_AARCH64_ADR_GOT_PAGE || type == R_AARCH64_LD64_GOT_LO12_NC)
    k.uses_got = 1;
  if (type == R_AARCH64_CALL26 || type == R_AARCH64_JUMP26)
    k.uses_stub = 1;
  *out = k;
  return 1;
}

/* Whether v lies in [-2^(bits-1), 2^(bits-1)). */
static int fits_signed(int64_t v, unsigned bits) {
  int64_t half = (int64_t)1 << (bits - 1);
  return v >= -half && v < half;
}

static mica_status apply(uint32_t type, unsigned char *place,
                         const mica_reloc_values *v, const char **reason) {
  uint64_t sa = v->symbol + (uint64_t)v->addend;
  int64_t d = (int64_t)(sa - v->place);
  uint32_t insn;
  memcpy(&insn, place, 4);
  *reason = "value out of range";
  switch (type) {
  case R_AARCH64_NONE:
    return MICA_OK;
  case R_AARCH64_ABS64:
    memcpy(place, &sa, 8);
    return MICA_OK;
  case R_AARCH64_PREL64:
    memcpy(place, &d, 8);
    return MICA_OK;
  case R_AARCH64_PREL32: {
    if (!fits_signed(d, 32))
      return MICA_ERROR_OUT_OF_RANGE;
    uint32_t w = (uint32_t)d;
    memcpy(place, &w, 4);
    return MICA_OK;
  }
  case R_AARCH64_MOVW_UABS_G0:
  case R_AARCH64_MOVW_UABS_G0_NC:
  case R_AARCH64_MOVW_UABS_G1:
  case R_AARCH64_MOVW_UABS_G1_NC:
  case R_AARCH64_MOVW_UABS_G2:
  case R_AARCH64_MOVW_UABS_G2_NC:
  case R_AARCH64_MOVW_UABS_G3: {
    unsigned group = (type - R_AARCH64_MOVW_UABS_G0) / 2;
    int checked = (type - R_AARCH64_MOVW_UABS_G0) % 2 == 0 && group < 3;
    if (checked && (sa >> (16 * (group + 1))) != 0)
      return MICA_ERROR_OUT_OF_RANGE;
    insn = mica_a64_set_imm16(insn, sa >> (16 * group));
    break;
  }
  case R_AARCH64_LD_PREL_LO19:
  case R_AARCH64_CONDBR19:
    if ((d & 3) || !fits_signed(d, 21))
      return MICA_ERROR_OUT_OF_RANGE;
    insn = mica_a64_set_imm19(insn, (uint64_t)(d >> 2));
    break;
  case R_AARCH64_TSTBR14:
    if ((d & 3) || !fits_signed(d, 16))
      return MICA_ERROR_OUT_OF_RANGE;
    insn = mica_a64_set_imm14(insn, (uint64_t)(d >> 2));
    break;
  case R_AARCH64_ADR_PREL_LO21:
    if (!fits_signed(d, 21))
      return MICA_ERROR_OUT_OF_RANGE;
    insn = mica_a64_set_adr_imm21(insn, (uint64_t)d);
    break;
  case R_AARCH64_ADR_PREL_PG_HI21:
  case R_AARCH64_ADR_GOT_PAGE: {
    uint64_t target = sa;
    if (type == R_AARCH64_ADR_GOT_PAGE) {
      if (!v->got || v->addend) {
        *reason = "GOT relocation without GOT entry or with an addend";
        return MICA_ERROR_UNSUPPORTED;
      }
      target = v->got;
    }
    int64_t pages = (int64_t)(mica_a64_page(target) - mica_a64_page(v->place));
    if (!fits_signed(pages, 33))
      return MICA_ERROR_OUT_OF_RANGE;
    insn = mica_a64_set_adr_imm21(insn, (uint64_t)(pages >> 12));
    break;
  }
  case R_AARCH64_ADD_ABS_LO12_NC:
  case R_AARCH64_LDST8_ABS_LO12_NC:
  case R_AARCH64_LDST16_ABS_LO12_NC:
  case R_AARCH64_LDST32_ABS_LO12_NC:
  case R_AARCH64_LDST64_ABS_LO12_NC:
  case R_AARCH64_LDST128_ABS_LO12_NC:
  case R_AARCH64_LD64_GOT_LO12_NC: {
    unsigned shift = type == R_AARCH64_LDST16_ABS_LO12_NC    ? 1
                     : type == R_AARCH64_LDST32_ABS_LO12_NC  ? 2
                     : type == R_AARCH64_LDST64_ABS_LO12_NC  ? 3
                     : type == R_AARCH64_LD64_GOT_LO12_NC    ? 3
                     : type == R_AARCH64_LDST128_ABS_LO12_NC ? 4
                                                             : 0;
    uint64_t target = sa;
    if (type == R_AARCH64_LD64_GOT_LO12_NC) {
      if (!v->got || v->addend) {
        *reason = "GOT relocation without GOT entry or with an addend";
        return MICA_ERROR_UNSUPPORTED;
      }
      target = v->got;
    }
    if (target & ((1u << shift) - 1)) {
      *reason = "target misaligned for the access size";
      return MICA_ERROR_OUT_OF_RANGE;
    }
    insn = mica_a64_set_imm12(insn, (target & 0xfff) >> shift);
    break;
  }
  case R_AARCH64_CALL26:
  case R_AARCH64_JUMP26:
    if (!fits_signed(d, 28) && v->stub && v->addend == 0)
      d = (int64_t)(v->stub - v->place);
    if ((d & 3) || !fits_signed(d, 28))
      return MICA_ERROR_OUT_OF_RANGE;
    insn = mica_a64_set_imm26(insn, (uint64_t)(d >> 2));
    break;
  default:
    *reason = "unsupported relocation type";
    return MICA_ERROR_UNSUPPORTED;
  }
  memcpy(place, &insn, 4);
  return MICA_OK;
}

/* ldr x16, #8; br x16; .quad target */
static void write_stub(unsigned char *stub, uint64_t target) {
  static const uint32_t kVeneer[2] = {0x58000050u, 0xd61f0200u};
  memcpy(stub, kVeneer, sizeof(kVeneer));
  memcpy(stub + 8, &target, 8);
}

const mica_machine_ops mica_aarch64_ops = {
    EM_AARCH64, "AArch64", 16, reloc_name, classify, apply, write_stub,
};
