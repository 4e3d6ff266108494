// Corrupted objects: every truncation, random bit flips and byte overwrites
// (fixed seed), and extreme values in every header, section, symbol and
// relocation field. Each load must succeed or fail with a status and a
// message; it must never crash. Successfully loaded mutants are unloaded, not
// run. Objects for the other machine go through the same checks relocated for
// their own machine.
#include "LoaderTestUtil.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

using namespace mica::test;

namespace {

uint16_t machineOf(const std::string &flavour) {
  return flavour.find("a64") == 0 ? EM_AARCH64 : EM_X86_64;
}

// Loads a mutant and checks the outcome is clean.
void loadMutant(const std::vector<unsigned char> &object, size_t size,
                uint16_t machine, const std::string &what) {
  size_t numImports;
  const mica_import *imports = mica_default_imports(&numImports);
  char error[256] = "";
  mica_msg msg = {error, sizeof(error)};
  mica_code *code = reinterpret_cast<mica_code *>(1);
  mica_status st = mica_code_load_machine(object.data(), size, imports,
                                          numImports, machine, &code, &msg);
  if (st == MICA_OK) {
    ASSERT_NE(code, nullptr) << what;
    mica_code_info info;
    mica_code_get_info(code, &info);
    EXPECT_GT(info.size, 0u) << what;
    mica_code_symbol(code, "mica_add");
    mica_code_unload(code);
    return;
  }
  ASSERT_EQ(code, nullptr) << what;
  ASSERT_GE(st, MICA_ERROR_INVALID_ARGUMENT) << what;
  ASSERT_LE(st, MICA_ERROR_SYSTEM) << what;
  ASSERT_NE(error[0], '\0') << what << ": " << mica_status_name(st);
  ASSERT_NE(st, MICA_ERROR_SYSTEM) << what << ": " << error;
}

// xorshift64*: deterministic across platforms and standard libraries.
struct Rng {
  uint64_t state;
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
  }
};

struct Case {
  std::string input, flavour;
};

class CorruptionTest : public ::testing::TestWithParam<Case> {
protected:
  void SetUp() override {
    object = readInput(GetParam().input, GetParam().flavour);
    ASSERT_GT(object.size(), (size_t)ELF_EHDR_SIZE);
    machine = machineOf(GetParam().flavour);
  }
  std::vector<unsigned char> object;
  uint16_t machine = 0;
};

TEST_P(CorruptionTest, Pristine) {
  loadMutant(object, object.size(), machine, "pristine");
}

TEST_P(CorruptionTest, EveryTruncation) {
  for (size_t size = 0; size < object.size(); ++size) {
    // A copy of exactly `size` bytes, so reads past it are caught by tools.
    std::vector<unsigned char> prefix(object.begin(), object.begin() + size);
    loadMutant(prefix, size, machine, "truncated to " + std::to_string(size));
  }
}

TEST_P(CorruptionTest, RandomBitFlips) {
  Rng rng{0x9e3779b97f4a7c15ull ^ object.size()};
  for (int i = 0; i < 3000; ++i) {
    std::vector<unsigned char> mutant = object;
    int flips = 1 + (int)(rng.next() % 4);
    for (int f = 0; f < flips; ++f) {
      uint64_t bit = rng.next() % (mutant.size() * 8);
      mutant[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    loadMutant(mutant, mutant.size(), machine,
               "bit flips, iteration " + std::to_string(i));
  }
}

TEST_P(CorruptionTest, RandomByteOverwrites) {
  Rng rng{0x0123456789abcdefull ^ object.size()};
  for (int i = 0; i < 2000; ++i) {
    std::vector<unsigned char> mutant = object;
    uint64_t at = rng.next() % mutant.size();
    size_t len = 1 + rng.next() % 8;
    for (size_t k = 0; k < len && at + k < mutant.size(); ++k)
      mutant[at + k] = (unsigned char)rng.next();
    loadMutant(mutant, mutant.size(), machine,
               "overwrite at " + std::to_string(at));
  }
}

// Extreme values in every field of every structured record.
TEST_P(CorruptionTest, ExtremeFieldValues) {
  const uint64_t values[] = {
      0,          1,          0x7f,          0xff,
      0xffff,     0xff00,     0xfff1,        0xfff2,
      0x7fffffff, 0xffffffff, object.size(), object.size() + 1,
      1ull << 40, ~0ull};
  struct Field {
    uint64_t offset;
    unsigned width;
  };
  std::vector<Field> fields;
  // ELF header fields.
  for (auto [off, w] :
       std::initializer_list<std::pair<uint64_t, unsigned>>{{4, 1},
                                                            {5, 1},
                                                            {6, 1},
                                                            {16, 2},
                                                            {18, 2},
                                                            {20, 4},
                                                            {40, 8},
                                                            {58, 2},
                                                            {60, 2},
                                                            {62, 2}})
    fields.push_back({off, w});
  elf64_ehdr eh;
  std::memcpy(&eh, object.data(), sizeof(eh));
  const unsigned shdrFields[][2] = {{0, 4},  {4, 4},  {8, 8},  {24, 8}, {32, 8},
                                    {40, 4}, {44, 4}, {48, 8}, {56, 8}};
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    uint64_t at = eh.e_shoff + i * 64ull;
    for (auto &f : shdrFields)
      fields.push_back({at + f[0], f[1]});
    elf64_shdr sh;
    std::memcpy(&sh, object.data() + at, sizeof(sh));
    // Symbols (name, info, shndx, value) and relocations (offset, info,
    // addend), a few of each.
    if (sh.sh_type == SHT_SYMTAB)
      for (uint64_t s = 0; s < sh.sh_size / 24 && s < 12; ++s)
        for (auto [off, w] :
             std::initializer_list<std::pair<unsigned, unsigned>>{
                 {0, 4}, {4, 1}, {6, 2}, {8, 8}})
          fields.push_back({sh.sh_offset + s * 24 + off, w});
    if (sh.sh_type == SHT_RELA)
      for (uint64_t r = 0; r < sh.sh_size / 24 && r < 6; ++r)
        for (auto [off, w] :
             std::initializer_list<std::pair<unsigned, unsigned>>{
                 {0, 8}, {8, 4}, {12, 4}, {16, 8}})
          fields.push_back({sh.sh_offset + r * 24 + off, w});
  }
  for (const Field &f : fields) {
    for (uint64_t v : values) {
      std::vector<unsigned char> mutant = object;
      std::memcpy(mutant.data() + f.offset, &v, f.width);
      loadMutant(mutant, mutant.size(), machine,
                 "field at " + std::to_string(f.offset) + " = " +
                     std::to_string(v));
    }
  }
}

// Found by the fuzzer: an SHF_ALLOC section of type SHT_NULL whose bytes lie
// outside the object was copied from them.
TEST_P(CorruptionTest, AllocatedNullSectionOutsideTheObject) {
  SectionRef text = findSection(object, ".text");
  ASSERT_TRUE(text.found);
  std::vector<unsigned char> mutant = object;
  uint32_t type = SHT_NULL;
  uint64_t offset = object.size() + 4096;
  std::memcpy(mutant.data() + text.headerOffset + 4, &type, 4);
  std::memcpy(mutant.data() + text.headerOffset + 24, &offset, 8);
  char error[256] = "";
  mica_msg msg = {error, sizeof(error)};
  mica_code *code = nullptr;
  EXPECT_EQ(mica_code_load_machine(mutant.data(), mutant.size(), nullptr, 0,
                                   machine, &code, &msg),
            MICA_ERROR_MALFORMED);
  EXPECT_NE(std::strstr(error, "outside"), nullptr) << error;
}

std::vector<Case> allCases() {
  std::vector<Case> cases;
  for (const char *input : kInputs) {
    for (const char *flavour : {"nopic", "pic", "a64", "a64pic", "a64large"})
      cases.push_back({input, flavour});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Objects, CorruptionTest,
                         ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return info.param.input + "_" + info.param.flavour;
                         });

} // namespace
