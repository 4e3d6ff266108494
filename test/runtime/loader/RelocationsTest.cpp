// Relocation arithmetic, per machine, called directly; and AArch64 objects
// compiled by clang, relocated on this host without running them and checked
// by decoding the patched instructions. Encodings in comments come from
// llvm-mc -triple=aarch64 -show-encoding.
#include "LoaderTestUtil.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mica::test;

namespace {

// --- AArch64 instruction immediates ---------------------------------------

TEST(AArch64ImmediatesTest, Adr) {
  // adrp x1, #-4096 = 0xf0ffffe1; adrp x0, #4096 = 0xb0000000
  EXPECT_EQ(mica_a64_set_adr_imm21(0x90000001u, (uint64_t)-1), 0xf0ffffe1u);
  EXPECT_EQ(mica_a64_set_adr_imm21(0x90000000u, 1), 0xb0000000u);
  EXPECT_EQ(mica_a64_get_adr_imm21(0xf0ffffe1u), -1);
  // adr x2, #-3 = 0x30ffffe2
  EXPECT_EQ(mica_a64_set_adr_imm21(0x10000002u, (uint64_t)-3), 0x30ffffe2u);
  for (int64_t v : {0ll, 1ll, 2ll, 3ll, 0xfffffll, -0x100000ll, -12345ll})
    EXPECT_EQ(mica_a64_get_adr_imm21(
                  mica_a64_set_adr_imm21(0x90000000u, (uint64_t)v)),
              v);
}

TEST(AArch64ImmediatesTest, Imm12) {
  // add x0, x1, #0x123 = 0x91048c20; ldr x3, [x4, #16] = 0xf9400883
  EXPECT_EQ(mica_a64_set_imm12(0x91000020u, 0x123), 0x91048c20u);
  EXPECT_EQ(mica_a64_set_imm12(0xf9400083u, 16 >> 3), 0xf9400883u);
  EXPECT_EQ(mica_a64_get_imm12(0x91048c20u), 0x123u);
  EXPECT_EQ(mica_a64_set_imm12(0x91048c20u, 0x1000), 0x91000020u); // masked
}

TEST(AArch64ImmediatesTest, Branches) {
  // bl #-4 = 0x97ffffff; b.eq #8 = 0x54000040; cbz x0, #-8 = 0xb4ffffc0;
  // tbz w0, #0, #12 = 0x36000060
  EXPECT_EQ(mica_a64_set_imm26(0x94000000u, (uint64_t)-1), 0x97ffffffu);
  EXPECT_EQ(mica_a64_get_imm26(0x97ffffffu), -1);
  EXPECT_EQ(mica_a64_get_imm26(mica_a64_set_imm26(0x14000000u, 0x1ffffff)),
            0x1ffffff);
  EXPECT_EQ(mica_a64_set_imm19(0x54000000u, 2), 0x54000040u);
  EXPECT_EQ(mica_a64_set_imm19(0xb4000000u, (uint64_t)-2), 0xb4ffffc0u);
  EXPECT_EQ(mica_a64_get_imm19(0xb4ffffc0u), -2);
  EXPECT_EQ(mica_a64_set_imm14(0x36000000u, 3), 0x36000060u);
  EXPECT_EQ(mica_a64_get_imm14(mica_a64_set_imm14(0x36000000u, (uint64_t)-5)),
            -5);
}

TEST(AArch64ImmediatesTest, MovwAndPage) {
  // movk x0, #0xbeef, lsl #16 = 0xf2b7dde0
  EXPECT_EQ(mica_a64_set_imm16(0xf2a00000u, 0xbeef), 0xf2b7dde0u);
  EXPECT_EQ(mica_a64_get_imm16(0xf2b7dde0u), 0xbeefu);
  EXPECT_EQ(mica_a64_page(0x12345678), 0x12345000u);
  EXPECT_EQ(mica_a64_page(0x1000), 0x1000u);
}

// --- AArch64 relocations -----------------------------------------------------

struct A64 {
  uint32_t insn;
  mica_status apply(uint32_t type, uint64_t place, uint64_t symbol,
                    int64_t addend = 0, uint64_t got = 0, uint64_t stub = 0) {
    mica_reloc_values v = {place, symbol, addend, got, stub};
    const char *reason = nullptr;
    mica_status st = mica_aarch64_ops.apply(
        type, reinterpret_cast<unsigned char *>(&insn), &v, &reason);
    if (st != MICA_OK)
      EXPECT_NE(reason, nullptr);
    return st;
  }
};

TEST(AArch64RelocationsTest, Call26AndVeneer) {
  A64 bl{0x94000000u};
  ASSERT_EQ(bl.apply(R_AARCH64_CALL26, 0x10000, 0x10800), MICA_OK);
  EXPECT_EQ(mica_a64_get_imm26(bl.insn), 0x200);
  ASSERT_EQ(bl.apply(R_AARCH64_JUMP26, 0x10000, 0x10000 - (1 << 27)), MICA_OK);
  EXPECT_EQ(mica_a64_get_imm26(bl.insn), -(1 << 25));
  EXPECT_EQ(bl.apply(R_AARCH64_CALL26, 0x10000, 0x10000 + (1 << 27)),
            MICA_ERROR_OUT_OF_RANGE);
  EXPECT_EQ(bl.apply(R_AARCH64_CALL26, 0x10000, 0x10002),
            MICA_ERROR_OUT_OF_RANGE);
  // Far: through the veneer.
  ASSERT_EQ(
      bl.apply(R_AARCH64_CALL26, 0x10000, 0x7f0000000000ull, 0, 0, 0x10100),
      MICA_OK);
  EXPECT_EQ(mica_a64_get_imm26(bl.insn), 0x40);
  unsigned char veneer[16];
  mica_aarch64_ops.write_stub(veneer, 0x7f0000001234ull);
  uint32_t words[2];
  uint64_t target;
  std::memcpy(words, veneer, 8);
  std::memcpy(&target, veneer + 8, 8);
  EXPECT_EQ(words[0], 0x58000050u); // ldr x16, #8
  EXPECT_EQ(words[1], 0xd61f0200u); // br x16
  EXPECT_EQ(target, 0x7f0000001234ull);
}

TEST(AArch64RelocationsTest, PageAndLow12) {
  A64 adrp{0x90000000u};
  ASSERT_EQ(adrp.apply(R_AARCH64_ADR_PREL_PG_HI21, 0x12345678, 0x9abcdef0),
            MICA_OK);
  EXPECT_EQ(mica_a64_get_adr_imm21(adrp.insn), (0x9abcd000 - 0x12345000) >> 12);
  ASSERT_EQ(adrp.apply(R_AARCH64_ADR_PREL_PG_HI21, 0x9abcdef0, 0x12345678),
            MICA_OK);
  EXPECT_EQ(mica_a64_get_adr_imm21(adrp.insn),
            -((int64_t)(0x9abcd000 - 0x12345000) >> 12));
  EXPECT_EQ(adrp.apply(R_AARCH64_ADR_PREL_PG_HI21, 0, 1ull << 32),
            MICA_ERROR_OUT_OF_RANGE);

  A64 add{0x91000000u};
  ASSERT_EQ(add.apply(R_AARCH64_ADD_ABS_LO12_NC, 0, 0x9abcdef0), MICA_OK);
  EXPECT_EQ(mica_a64_get_imm12(add.insn), 0xef0u);
  ASSERT_EQ(add.apply(R_AARCH64_ADD_ABS_LO12_NC, 0, 0x9abcdef0, 4), MICA_OK);
  EXPECT_EQ(mica_a64_get_imm12(add.insn), 0xef4u);

  struct {
    uint32_t type;
    unsigned shift;
  } ldst[] = {{R_AARCH64_LDST8_ABS_LO12_NC, 0},
              {R_AARCH64_LDST16_ABS_LO12_NC, 1},
              {R_AARCH64_LDST32_ABS_LO12_NC, 2},
              {R_AARCH64_LDST64_ABS_LO12_NC, 3},
              {R_AARCH64_LDST128_ABS_LO12_NC, 4}};
  for (auto [type, shift] : ldst) {
    A64 ldr{0xf9400000u};
    ASSERT_EQ(ldr.apply(type, 0, 0x4000ef0), MICA_OK) << type;
    EXPECT_EQ(mica_a64_get_imm12(ldr.insn), 0xef0u >> shift) << type;
    if (shift)
      EXPECT_EQ(ldr.apply(type, 0, 0x4000ef0 + (1u << (shift - 1))),
                MICA_ERROR_OUT_OF_RANGE)
          << type;
  }
}

TEST(AArch64RelocationsTest, Got) {
  A64 adrp{0x90000000u}, ldr{0xf9400000u};
  ASSERT_EQ(adrp.apply(R_AARCH64_ADR_GOT_PAGE, 0x10000, 0x7f0000000000ull, 0,
                       0x23238),
            MICA_OK);
  EXPECT_EQ(mica_a64_get_adr_imm21(adrp.insn), 0x13);
  ASSERT_EQ(ldr.apply(R_AARCH64_LD64_GOT_LO12_NC, 0x10004, 0x7f0000000000ull, 0,
                      0x23238),
            MICA_OK);
  EXPECT_EQ(mica_a64_get_imm12(ldr.insn), 0x238u >> 3);
  EXPECT_EQ(ldr.apply(R_AARCH64_LD64_GOT_LO12_NC, 0, 0, 8, 0x23238),
            MICA_ERROR_UNSUPPORTED); // addend on a GOT reference
  EXPECT_EQ(ldr.apply(R_AARCH64_LD64_GOT_LO12_NC, 0, 0, 0, 0),
            MICA_ERROR_UNSUPPORTED); // no GOT entry
}

TEST(AArch64RelocationsTest, Movw) {
  const uint64_t s = 0x1122334455667788ull;
  uint32_t types[] = {R_AARCH64_MOVW_UABS_G0_NC, R_AARCH64_MOVW_UABS_G1_NC,
                      R_AARCH64_MOVW_UABS_G2_NC, R_AARCH64_MOVW_UABS_G3};
  uint32_t expected[] = {0x7788, 0x5566, 0x3344, 0x1122};
  for (int g = 0; g < 4; ++g) {
    A64 mov{0xf2800000u | (uint32_t)g << 21};
    ASSERT_EQ(mov.apply(types[g], 0, s), MICA_OK);
    EXPECT_EQ(mica_a64_get_imm16(mov.insn), expected[g]);
  }
  A64 movz{0xd2800000u};
  EXPECT_EQ(movz.apply(R_AARCH64_MOVW_UABS_G0, 0, 0xffff), MICA_OK);
  EXPECT_EQ(movz.apply(R_AARCH64_MOVW_UABS_G0, 0, 0x10000),
            MICA_ERROR_OUT_OF_RANGE);
  EXPECT_EQ(movz.apply(R_AARCH64_MOVW_UABS_G1, 0, 0xffffffffull), MICA_OK);
  EXPECT_EQ(mica_a64_get_imm16(movz.insn), 0xffffu);
  EXPECT_EQ(movz.apply(R_AARCH64_MOVW_UABS_G2, 0, 1ull << 48),
            MICA_ERROR_OUT_OF_RANGE);
}

TEST(AArch64RelocationsTest, DataAndShortBranches) {
  uint64_t word = 0;
  mica_reloc_values v = {0x1000, 0x5000, 8, 0, 0};
  const char *reason;
  auto *p = reinterpret_cast<unsigned char *>(&word);
  ASSERT_EQ(mica_aarch64_ops.apply(R_AARCH64_ABS64, p, &v, &reason), MICA_OK);
  EXPECT_EQ(word, 0x5008u);
  ASSERT_EQ(mica_aarch64_ops.apply(R_AARCH64_PREL64, p, &v, &reason), MICA_OK);
  EXPECT_EQ(word, 0x4008u);
  word = 0;
  ASSERT_EQ(mica_aarch64_ops.apply(R_AARCH64_PREL32, p, &v, &reason), MICA_OK);
  EXPECT_EQ(word, 0x4008u);
  v.symbol = 0x1000 + (1ull << 31);
  EXPECT_EQ(mica_aarch64_ops.apply(R_AARCH64_PREL32, p, &v, &reason),
            MICA_ERROR_OUT_OF_RANGE);

  A64 b{0x54000000u};
  ASSERT_EQ(b.apply(R_AARCH64_CONDBR19, 0x1000, 0x1008), MICA_OK);
  EXPECT_EQ(b.insn, 0x54000040u);
  EXPECT_EQ(b.apply(R_AARCH64_CONDBR19, 0, 1 << 20), MICA_ERROR_OUT_OF_RANGE);
  A64 tbz{0x36000000u};
  ASSERT_EQ(tbz.apply(R_AARCH64_TSTBR14, 0x1000, 0x100c), MICA_OK);
  EXPECT_EQ(tbz.insn, 0x36000060u);
  EXPECT_EQ(tbz.apply(R_AARCH64_TSTBR14, 0, 1 << 15), MICA_ERROR_OUT_OF_RANGE);
  A64 adr{0x10000002u};
  ASSERT_EQ(adr.apply(R_AARCH64_ADR_PREL_LO21, 0x1003, 0x1000), MICA_OK);
  EXPECT_EQ(adr.insn, 0x30ffffe2u);
}

TEST(AArch64RelocationsTest, Names) {
  mica_reloc_kind kind;
  EXPECT_EQ(mica_aarch64_ops.classify(1000, &kind), 0);
  EXPECT_EQ(mica_aarch64_ops.reloc_name(1000), nullptr);
  EXPECT_STREQ(mica_aarch64_ops.reloc_name(R_AARCH64_CALL26),
               "R_AARCH64_CALL26");
  ASSERT_EQ(mica_aarch64_ops.classify(R_AARCH64_CALL26, &kind), 1);
  EXPECT_TRUE(kind.uses_stub);
}

// --- x86-64 relocations ------------------------------------------------------

struct X86 {
  unsigned char bytes[8] = {};
  mica_status apply(uint32_t type, uint64_t place, uint64_t symbol,
                    int64_t addend, uint64_t got = 0, uint64_t stub = 0) {
    mica_reloc_values v = {place, symbol, addend, got, stub};
    const char *reason = nullptr;
    return mica_x86_64_ops.apply(type, bytes, &v, &reason);
  }
  int32_t s32() const {
    int32_t v;
    std::memcpy(&v, bytes, 4);
    return v;
  }
  uint64_t u64() const {
    uint64_t v;
    std::memcpy(&v, bytes, 8);
    return v;
  }
};

TEST(X86_64RelocationsTest, PcRelativeAndStubs) {
  X86 r;
  ASSERT_EQ(r.apply(R_X86_64_PC32, 0x1000, 0x3000, -4), MICA_OK);
  EXPECT_EQ(r.s32(), 0x1ffc);
  ASSERT_EQ(r.apply(R_X86_64_PLT32, 0x3000, 0x1000, -4), MICA_OK);
  EXPECT_EQ(r.s32(), -0x2004);
  EXPECT_EQ(r.apply(R_X86_64_PLT32, 0x1000, 0x7f0000000000ull, -4),
            MICA_ERROR_OUT_OF_RANGE);
  ASSERT_EQ(r.apply(R_X86_64_PLT32, 0x1000, 0x7f0000000000ull, -4, 0, 0x2000),
            MICA_OK);
  EXPECT_EQ(r.s32(), 0xffc);
  ASSERT_EQ(r.apply(R_X86_64_PC64, 0x1000, 0x7f0000000000ull, 0), MICA_OK);
  EXPECT_EQ(r.u64(), 0x7f0000000000ull - 0x1000);
  ASSERT_EQ(r.apply(R_X86_64_GOTPCRELX, 0x1000, 0x7f0000000000ull, -4, 0x5000),
            MICA_OK);
  EXPECT_EQ(r.s32(), 0x3ffc);
  EXPECT_EQ(r.apply(R_X86_64_REX_GOTPCRELX, 0x1000, 0, -4, 0),
            MICA_ERROR_OUT_OF_RANGE); // no GOT entry
}

TEST(X86_64RelocationsTest, Absolute) {
  X86 r;
  ASSERT_EQ(r.apply(R_X86_64_64, 0, 0x7f0000000000ull, 16), MICA_OK);
  EXPECT_EQ(r.u64(), 0x7f0000000010ull);
  ASSERT_EQ(r.apply(R_X86_64_32, 0, 0xfffffff0ull, 15), MICA_OK);
  EXPECT_EQ(r.s32(), -1);
  EXPECT_EQ(r.apply(R_X86_64_32, 0, 0xfffffff0ull, 16),
            MICA_ERROR_OUT_OF_RANGE);
  EXPECT_EQ(r.apply(R_X86_64_32S, 0, 0x80000000ull, 0),
            MICA_ERROR_OUT_OF_RANGE);
  ASSERT_EQ(r.apply(R_X86_64_32S, 0, 0x7fffffffull, 0), MICA_OK);
  // A far import's address taken as a 32-bit immediate becomes its stub's.
  ASSERT_EQ(r.apply(R_X86_64_32, 0, 0x7f0000000000ull, 0, 0, 0x4000), MICA_OK);
  EXPECT_EQ(r.s32(), 0x4000);
  mica_reloc_kind kind;
  EXPECT_EQ(mica_x86_64_ops.classify(23, &kind), 0);
  EXPECT_STREQ(mica_x86_64_ops.reloc_name(23), "R_X86_64_TPOFF32");
  EXPECT_EQ(mica_x86_64_ops.reloc_name(4000), nullptr);
  unsigned char stub[16];
  mica_x86_64_ops.write_stub(stub, 0x1122334455667788ull);
  const unsigned char jmp[6] = {0xff, 0x25, 0, 0, 0, 0};
  EXPECT_EQ(std::memcmp(stub, jmp, 6), 0);
  uint64_t target;
  std::memcpy(&target, stub + 6, 8);
  EXPECT_EQ(target, 0x1122334455667788ull);
}

// --- AArch64 objects from clang, relocated on this host ----------------------

// Fake import addresses at 16 TiB, far from any mapping (the code is
// inspected, never run).
const mica_import kFakeImports[] = {
    {"expf", reinterpret_cast<void *>(0x100000001000ull)},
    {"tanhf", reinterpret_cast<void *>(0x100000002000ull)},
    {"memset", reinterpret_cast<void *>(0x100000003000ull)},
};

CodePtr loadAArch64(const char *input, const char *flavour) {
  std::vector<unsigned char> object = readInput(input, flavour);
  char error[256] = "";
  mica_msg msg = {error, sizeof(error)};
  mica_code *code = nullptr;
  EXPECT_EQ(mica_code_load_machine(object.data(), object.size(), kFakeImports,
                                   3, EM_AARCH64, &code, &msg),
            MICA_OK)
      << input << "." << flavour << ": " << error;
  return CodePtr(code);
}

uint32_t insnAt(uint64_t address) {
  uint32_t insn;
  std::memcpy(&insn, reinterpret_cast<const void *>(address), 4);
  return insn;
}

// Evaluates the x0-building prefix of a function (adrp/add/ldr/movz/movk up to
// ret), as the CPU would.
uint64_t evaluateX0(uint64_t pc) {
  uint64_t x0 = 0;
  for (int i = 0; i < 16; ++i, pc += 4) {
    uint32_t insn = insnAt(pc);
    if (insn == 0xd65f03c0u) // ret
      return x0;
    if ((insn & 0x9f00001fu) == 0x90000000u) // adrp x0
      x0 = mica_a64_page(pc) + (uint64_t)(mica_a64_get_adr_imm21(insn) * 4096);
    else if ((insn & 0xffc003ffu) == 0x91000000u) // add x0, x0, #imm
      x0 += mica_a64_get_imm12(insn);
    else if ((insn & 0xffc003ffu) == 0xf9400000u) // ldr x0, [x0, #imm]
      std::memcpy(
          &x0,
          reinterpret_cast<const void *>(x0 + 8ull * mica_a64_get_imm12(insn)),
          8);
    else if ((insn & 0xff80001fu) == 0xd2800000u) // movz x0
      x0 = (uint64_t)mica_a64_get_imm16(insn) << (16 * ((insn >> 21) & 3));
    else if ((insn & 0xff80001fu) == 0xf2800000u) { // movk x0
      unsigned shift = 16 * ((insn >> 21) & 3);
      x0 = (x0 & ~(0xffffull << shift)) | (uint64_t)mica_a64_get_imm16(insn)
                                              << shift;
    } else
      ADD_FAILURE() << std::hex << "unexpected instruction 0x" << insn;
  }
  ADD_FAILURE() << "no ret";
  return 0;
}

class AArch64ObjectTest : public ::testing::TestWithParam<const char *> {};

// adrp+add (small), adrp+ldr via the GOT (-fpic), movz/movk (large model).
TEST_P(AArch64ObjectTest, AddressOfData) {
  CodePtr code = loadAArch64("tables", GetParam());
  ASSERT_TRUE(code);
  uint64_t fn =
      (uint64_t)(uintptr_t)mica_code_symbol(code.get(), "mica_buffer");
  void *buffer = mica_code_symbol(code.get(), "mica_aligned_buffer");
  ASSERT_TRUE(fn && buffer);
  EXPECT_EQ(evaluateX0(fn), (uint64_t)(uintptr_t)buffer);
  EXPECT_EQ((uintptr_t)buffer % 64, 0u);
}

// Absolute pointers to code and to an import.
TEST_P(AArch64ObjectTest, PointerTable) {
  CodePtr code = loadAArch64("fnptr", GetParam());
  ASSERT_TRUE(code);
  auto *exp =
      static_cast<uint64_t *>(mica_code_symbol(code.get(), "mica_exp_ptr"));
  auto *ops = static_cast<uint64_t *>(mica_code_symbol(code.get(), "mica_ops"));
  ASSERT_TRUE(exp && ops);
  EXPECT_EQ(*exp, 0x100000001000ull);
  mica_code_info info;
  mica_code_get_info(code.get(), &info);
  uint64_t text = (uint64_t)(uintptr_t)info.base + info.size - info.data_size -
                  info.rodata_size - info.text_size;
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(ops[i], text);
    EXPECT_LT(ops[i], text + info.text_size);
  }
}

// Calls to far imports go through veneers; calls inside the object do not.
TEST_P(AArch64ObjectTest, CallsAndVeneers) {
  CodePtr code = loadAArch64("float_math", GetParam());
  ASSERT_TRUE(code);
  mica_code_info info;
  mica_code_get_info(code.get(), &info);
  EXPECT_EQ(info.num_stubs, 3u);
  int veneerCalls = 0;
  for (const char *fn : {"mica_gelu_tanh", "mica_softmax", "mica_clear"}) {
    uint64_t pc = (uint64_t)(uintptr_t)mica_code_symbol(code.get(), fn);
    ASSERT_NE(pc, 0u);
    for (int i = 0; i < 64; ++i, pc += 4) {
      uint32_t insn = insnAt(pc);
      if ((insn & 0x7c000000u) != 0x14000000u) // b / bl
        continue;
      uint64_t target = pc + 4 * (uint64_t)mica_a64_get_imm26(insn);
      if (insnAt(target) != 0x58000050u) // not a veneer: local branch
        continue;
      uint64_t import;
      std::memcpy(&import, reinterpret_cast<const void *>(target + 8), 8);
      EXPECT_EQ(import & ~0xffffull, 0x100000000000ull);
      ++veneerCalls;
    }
  }
  EXPECT_GE(veneerCalls, 3);

  CodePtr ints = loadAArch64("int_math", GetParam());
  ASSERT_TRUE(ints);
  uint64_t lcm = (uint64_t)(uintptr_t)mica_code_symbol(ints.get(), "mica_lcm");
  uint64_t gcd = (uint64_t)(uintptr_t)mica_code_symbol(ints.get(), "mica_gcd");
  bool callsGcd = false;
  for (int i = 0; i < 16; ++i) {
    uint32_t insn = insnAt(lcm + 4 * i);
    if ((insn & 0x7c000000u) == 0x14000000u)
      callsGcd |= lcm + 4 * i + 4 * (uint64_t)mica_a64_get_imm26(insn) == gcd;
  }
  EXPECT_TRUE(callsGcd);
}

INSTANTIATE_TEST_SUITE_P(Flavours, AArch64ObjectTest,
                         ::testing::Values("a64", "a64pic", "a64large"));

} // namespace
