// Loads the objects compiled from Inputs/*.c for this host (with and without
// -fpic), calls their functions and compares with the same math done here.
#include "LoaderTestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace mica::test;

namespace {

int expCalls = 0;
float countingExpf(float x) {
  ++expCalls;
  return std::exp(x);
}
float testTanhf(float x) { return std::tanh(x); }

class LoaderTest : public ::testing::TestWithParam<const char *> {
protected:
  // Loads Inputs/<input>.c in this test's flavour; fails the test on error.
  CodePtr load(const char *input, const mica_import *imports = nullptr,
               size_t numImports = 0) {
    std::vector<unsigned char> object = readInput(input, GetParam());
    EXPECT_FALSE(object.empty()) << input;
    if (!imports)
      imports = mica_default_imports(&numImports);
    mica_code *code = nullptr;
    char error[256] = "unset";
    mica_status st = mica_code_load(object.data(), object.size(), imports,
                                    numImports, &code, error, sizeof(error));
    EXPECT_EQ(st, MICA_OK) << input << ": " << error;
    EXPECT_EQ(st == MICA_OK, code != nullptr);
    // The object buffer may go away right after loading.
    std::memset(object.data(), 0xab, object.size());
    return CodePtr(code);
  }

  template <typename Fn> Fn symbol(const CodePtr &code, const char *name) {
    void *address = mica_code_symbol(code.get(), name);
    EXPECT_NE(address, nullptr) << name;
    return reinterpret_cast<Fn>(address);
  }
};

// Plain integer code and a call between two functions of the object.
TEST_P(LoaderTest, IntegerMath) {
  CodePtr code = load("int_math");
  ASSERT_TRUE(code);
  EXPECT_EQ(symbol<int (*)(int, int)>(code, "mica_add")(40, 2), 42);
  int a[5] = {1, 2, 3, 4, 5}, b[5] = {5, 4, 3, 2, 1};
  EXPECT_EQ(symbol<long (*)(const int *, const int *, int)>(code, "mica_dot")(
                a, b, 5),
            35);
  EXPECT_EQ(symbol<unsigned (*)(unsigned, unsigned)>(code, "mica_lcm")(4, 6),
            12u);
}

// expf/tanhf resolve to the caller's functions, which live far from the image
// (through stubs or the GOT).
TEST_P(LoaderTest, FloatMathThroughImports) {
  mica_import imports[] = {
      {"expf", reinterpret_cast<void *>(&countingExpf)},
      {"tanhf", reinterpret_cast<void *>(&testTanhf)},
      {"memset", reinterpret_cast<void *>(&memset)},
  };
  CodePtr code = load("float_math", imports, 3);
  ASSERT_TRUE(code);
  auto gelu = symbol<float (*)(float)>(code, "mica_gelu_tanh");
  for (float x : {-3.0f, -0.5f, 0.0f, 0.7f, 2.5f}) {
    float expected =
        0.5f * x *
        (1.0f + std::tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
    EXPECT_NEAR(gelu(x), expected, 1e-6f) << x;
  }
  expCalls = 0;
  float v[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  symbol<void (*)(float *, int)>(code, "mica_softmax")(v, 4);
  EXPECT_EQ(expCalls, 4);
  float denominator = 0.0f, sum = 0.0f;
  for (int i = 0; i < 4; ++i)
    denominator += std::exp(i - 3.0f);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(v[i], std::exp(i - 3.0f) / denominator, 1e-6f) << i;
    sum += v[i];
  }
  EXPECT_NEAR(sum, 1.0f, 1e-6f);
  symbol<void (*)(float *, int)>(code, "mica_clear")(v, 4);
  for (float x : v)
    EXPECT_EQ(x, 0.0f);
  mica_code_info info;
  mica_code_get_info(code.get(), &info);
  EXPECT_GT(info.num_stubs + info.num_got_entries, 0u);
}

// The default import table covers what the inputs need.
TEST_P(LoaderTest, DefaultImports) {
  CodePtr code = load("float_math");
  ASSERT_TRUE(code);
  EXPECT_NEAR(symbol<float (*)(float)>(code, "mica_gelu_tanh")(1.0f), 0.841192f,
              1e-5f);
}

// .rodata table, .bss counter, .data value, a 64-byte aligned .bss buffer.
TEST_P(LoaderTest, DataSections) {
  CodePtr code = load("tables");
  ASSERT_TRUE(code);
  auto prime = symbol<unsigned (*)(unsigned)>(code, "mica_prime");
  EXPECT_EQ(prime(0), 2u);
  EXPECT_EQ(prime(10), 31u);
  EXPECT_EQ(prime(31), 131u);
  EXPECT_EQ(prime(33), 3u);
  auto count = symbol<unsigned (*)()>(code, "mica_count");
  EXPECT_EQ(count(), 1u);
  EXPECT_EQ(count(), 2u);
  EXPECT_EQ(count(), 3u);
  auto *data = symbol<int *>(code, "mica_data_value");
  EXPECT_EQ(*data, 42);
  EXPECT_EQ(symbol<int (*)(int)>(code, "mica_bump_data")(5), 47);
  EXPECT_EQ(*data, 47);
  auto *buffer = symbol<float *(*)()>(code, "mica_buffer")();
  EXPECT_EQ(buffer, symbol<float *>(code, "mica_aligned_buffer"));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer) % 64, 0u);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(buffer[i], 0.0f);
}

// Two loads of one object share nothing.
TEST_P(LoaderTest, InstancesAreIndependent) {
  CodePtr first = load("tables"), second = load("tables");
  ASSERT_TRUE(first && second);
  auto count1 = symbol<unsigned (*)()>(first, "mica_count");
  auto count2 = symbol<unsigned (*)()>(second, "mica_count");
  EXPECT_EQ(count1(), 1u);
  EXPECT_EQ(count1(), 2u);
  EXPECT_EQ(count2(), 1u);
}

// A const table of function pointers, one of them to an import.
TEST_P(LoaderTest, FunctionPointerTable) {
  CodePtr code = load("fnptr");
  ASSERT_TRUE(code);
  auto apply = symbol<int (*)(unsigned, int, int)>(code, "mica_apply");
  EXPECT_EQ(apply(0, 7, 5), 12);
  EXPECT_EQ(apply(1, 7, 5), 2);
  EXPECT_EQ(apply(2, 7, 5), 35);
  EXPECT_FLOAT_EQ(symbol<float (*)(float)>(code, "mica_call_exp")(1.0f),
                  std::exp(1.0f));
  // The pointer to the import is the import itself (R_X86_64_64 / ABS64).
  EXPECT_EQ(*symbol<void **>(code, "mica_exp_ptr"),
            reinterpret_cast<void *>(&expf));
}

// Text is r-x, constants r--, data rw-, and no page is writable+executable.
TEST_P(LoaderTest, WriteXorExecute) {
  CodePtr code = load("tables");
  ASSERT_TRUE(code);
  mica_code_info info;
  mica_code_get_info(code.get(), &info);
  uintptr_t base = reinterpret_cast<uintptr_t>(info.base);
  uintptr_t text =
      base + info.size - info.text_size - info.rodata_size - info.data_size;
  uintptr_t rodata = text + info.text_size, data = rodata + info.rodata_size;
  std::FILE *maps = std::fopen("/proc/self/maps", "r");
  ASSERT_NE(maps, nullptr);
  char line[512];
  int seen = 0;
  while (std::fgets(line, sizeof(line), maps)) {
    unsigned long lo, hi;
    char perms[5];
    if (std::sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3)
      continue;
    if (hi <= base || lo >= base + info.size)
      continue;
    EXPECT_FALSE(perms[1] == 'w' && perms[2] == 'x') << line;
    for (auto [start, expected] :
         {std::pair{text, "r-xp"}, std::pair{rodata, "r--p"},
          std::pair{data, "rw-p"}}) {
      if (lo <= start && start < hi) {
        EXPECT_STREQ(perms, expected) << line;
        ++seen;
      }
    }
  }
  std::fclose(maps);
  EXPECT_EQ(seen, 3);
}

TEST_P(LoaderTest, SymbolLookup) {
  CodePtr code = load("fnptr");
  ASSERT_TRUE(code);
  EXPECT_EQ(mica_code_symbol(code.get(), "no_such_symbol"), nullptr);
  EXPECT_EQ(mica_code_symbol(code.get(), "op_add"), nullptr); // static
  EXPECT_EQ(mica_code_symbol(code.get(), ""), nullptr);
  EXPECT_EQ(mica_code_symbol(code.get(), nullptr), nullptr);
  EXPECT_EQ(mica_code_symbol(nullptr, "mica_apply"), nullptr);
  mica_code_info info;
  mica_code_get_info(code.get(), &info);
  EXPECT_EQ(info.num_symbols, 4u); // mica_ops, mica_exp_ptr, 2 functions
}

TEST_P(LoaderTest, UnresolvedImport) {
  std::vector<unsigned char> object = readInput("float_math", GetParam());
  mica_import onlyExp[] = {{"expf", reinterpret_cast<void *>(&expf)}};
  mica_code *code = reinterpret_cast<mica_code *>(1);
  char error[256];
  EXPECT_EQ(mica_code_load(object.data(), object.size(), onlyExp, 1, &code,
                           error, sizeof(error)),
            MICA_ERROR_UNRESOLVED_SYMBOL);
  EXPECT_EQ(code, nullptr);
  EXPECT_NE(std::strstr(error, "tanhf"), nullptr) << error;
}

// An unknown relocation type is reported by name and number.
TEST_P(LoaderTest, UnknownRelocationType) {
  std::vector<unsigned char> object = readInput("int_math", GetParam());
  SectionRef rela = findSection(object, ".rela.text");
  ASSERT_TRUE(rela.found);
  bool x86 = std::string(GetParam()).find("a64") == std::string::npos;
  uint32_t type = x86 ? 23 /* R_X86_64_TPOFF32 */ : 1000;
  std::memcpy(object.data() + rela.header.sh_offset + 8, &type, 4);
  mica_code *code = nullptr;
  char error[256];
  EXPECT_EQ(mica_code_load(object.data(), object.size(), nullptr, 0, &code,
                           error, sizeof(error)),
            MICA_ERROR_UNSUPPORTED);
  EXPECT_NE(
      std::strstr(error, x86 ? "R_X86_64_TPOFF32 (type 23)" : "(type 1000)"),
      nullptr)
      << error;
}

INSTANTIATE_TEST_SUITE_P(Host, LoaderTest, ::testing::ValuesIn(kHostFlavours));

// Objects for the other machine are refused before anything is mapped.
TEST(LoaderErrorsTest, WrongMachine) {
  for (const char *flavour : kForeignFlavours) {
    for (const char *input : kInputs) {
      std::vector<unsigned char> object = readInput(input, flavour);
      ASSERT_FALSE(object.empty());
      mica_code *code = nullptr;
      char error[256];
      EXPECT_EQ(mica_code_load(object.data(), object.size(), nullptr, 0, &code,
                               error, sizeof(error)),
                MICA_ERROR_UNSUPPORTED);
      EXPECT_EQ(code, nullptr);
      EXPECT_NE(std::strstr(error, "wrong machine"), nullptr) << error;
    }
  }
}

TEST(LoaderErrorsTest, InvalidArguments) {
  std::vector<unsigned char> object = readInput("int_math", kHostFlavours[0]);
  mica_code *code = nullptr;
  char error[64];
  EXPECT_EQ(
      mica_code_load(nullptr, 10, nullptr, 0, &code, error, sizeof(error)),
      MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mica_code_load(object.data(), object.size(), nullptr, 0, nullptr,
                           error, sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(mica_code_load(object.data(), object.size(), nullptr, 3, &code,
                           error, sizeof(error)),
            MICA_ERROR_INVALID_ARGUMENT);
  // No error buffer, or a tiny one: the status alone, truncated message.
  EXPECT_EQ(mica_code_load(object.data(), 3, nullptr, 0, &code, nullptr, 0),
            MICA_ERROR_MALFORMED);
  char tiny[8];
  EXPECT_EQ(
      mica_code_load(object.data(), 3, nullptr, 0, &code, tiny, sizeof(tiny)),
      MICA_ERROR_MALFORMED);
  EXPECT_EQ(std::strlen(tiny), sizeof(tiny) - 1);
  mica_code_unload(nullptr);
  mica_code_info info;
  mica_code_get_info(nullptr, &info);
  EXPECT_EQ(info.size, 0u);
}

TEST(LoaderErrorsTest, StatusNames) {
  EXPECT_STREQ(mica_status_name(MICA_OK), "MICA_OK");
  EXPECT_STREQ(mica_status_name(MICA_ERROR_OUT_OF_RANGE),
               "MICA_ERROR_OUT_OF_RANGE");
  EXPECT_STREQ(mica_status_name(static_cast<mica_status>(99)),
               "MICA_ERROR_UNKNOWN");
}

TEST(LoaderErrorsTest, DefaultImportsListTheUsualFunctions) {
  size_t count = 0;
  const mica_import *imports = mica_default_imports(&count);
  ASSERT_GT(count, 20u);
  for (const char *name : {"expf", "tanhf", "erff", "logf", "powf", "memcpy",
                           "memset", "memmove", "malloc", "free"}) {
    bool found = false;
    for (size_t i = 0; i < count; ++i)
      found |= std::strcmp(imports[i].name, name) == 0 && imports[i].address;
    EXPECT_TRUE(found) << name;
  }
}

} // namespace
