/* Can this machine run a target's code? The architecture must match and
 * every CPU feature the code was compiled for, as far as this checker knows
 * it, must be present.
 *
 * Features are LLVM subtarget feature names as the compiler records them
 * ("+avx2", "+dotprod"). "-x" entries (features the code must not assume)
 * and features missing from the tables below are ignored: the tables list
 * the features that change what instructions the compiler may emit for Mica
 * kernels, and an unknown name (a new LLVM feature, a tuning flag such as
 * "+fast-gather") must not make an artifact unloadable. Adding a feature to a
 * table is therefore a compatible change; removing one is not needed.
 *
 * x86-64 asks __builtin_cpu_supports (cpuid, and xgetbv for the AVX/AVX-512
 * register state); AArch64 reads the kernel's HWCAP/HWCAP2 words. */
#include <string.h>

#include "runtime/model/model_internal.h"
#include "runtime/schema/mica_artifact_generated.h"

#if defined(__aarch64__) && defined(__linux__)
// <sys/auxv.h> would pull in <elf.h>, whose macros clash with the loader's
// runtime/loader/elf_format.h: declare the one call and its two keys.
extern "C" unsigned long getauxval(unsigned long type);
#define MICA_AT_HWCAP 16
#define MICA_AT_HWCAP2 26
#endif

namespace {

bool nameIs(const char *name, size_t len, const char *known) {
  return strlen(known) == len && memcmp(name, known, len) == 0;
}

#if defined(__x86_64__)
int probeX86(const char *name, size_t len) {
  __builtin_cpu_init();
  // __builtin_cpu_supports needs a literal: one row per feature.
#define MICA_X86(feature)                                                      \
  if (nameIs(name, len, feature))                                              \
    return __builtin_cpu_supports(feature) ? 1 : 0;
  MICA_X86("cmov")
  MICA_X86("popcnt")
  MICA_X86("sse")
  MICA_X86("sse2")
  MICA_X86("sse3")
  MICA_X86("ssse3")
  MICA_X86("sse4.1")
  MICA_X86("sse4.2")
  MICA_X86("avx")
  MICA_X86("avx2")
  MICA_X86("fma")
  MICA_X86("f16c")
  MICA_X86("bmi")
  MICA_X86("bmi2")
  MICA_X86("lzcnt")
  MICA_X86("movbe")
  MICA_X86("aes")
  MICA_X86("pclmul")
  MICA_X86("avxvnni")
  MICA_X86("avx512f")
  MICA_X86("avx512bw")
  MICA_X86("avx512dq")
  MICA_X86("avx512vl")
  MICA_X86("avx512cd")
  MICA_X86("avx512vnni")
  MICA_X86("avx512bf16")
  MICA_X86("avx512fp16")
  MICA_X86("avx512vbmi")
  MICA_X86("avx512vbmi2")
  MICA_X86("avx512ifma")
  MICA_X86("avx512bitalg")
  MICA_X86("avx512vpopcntdq")
#undef MICA_X86
  return -1;
}
#endif

#if defined(__aarch64__) && defined(__linux__)
// Bits of AT_HWCAP / AT_HWCAP2 (Linux arch/arm64/include/uapi/asm/hwcap.h),
// spelled out because older libc headers lack some of them.
struct HwcapFeature {
  const char *name;
  unsigned long hwcap, hwcap2; // all listed bits must be set
};
const HwcapFeature kAarch64Features[] = {
    {"fp-armv8", 1ul << 0, 0},
    {"neon", 1ul << 1, 0},
    {"aes", (1ul << 3) | (1ul << 4), 0}, // AES + PMULL
    {"sha2", 1ul << 6, 0},
    {"crc", 1ul << 7, 0},
    {"lse", 1ul << 8, 0},
    {"fullfp16", (1ul << 9) | (1ul << 10), 0}, // FPHP + ASIMDHP
    {"fp16", (1ul << 9) | (1ul << 10), 0},
    {"rdm", 1ul << 12, 0},
    {"rcpc", 1ul << 15, 0},
    {"dotprod", 1ul << 20, 0},
    {"sve", 1ul << 22, 0},
    {"fp16fml", 1ul << 23, 0},
    {"sve2", 0, 1ul << 1},
    {"i8mm", 0, 1ul << 13},
    {"bf16", 0, 1ul << 14},
};

int probeAarch64(const char *name, size_t len) {
  for (const HwcapFeature &f : kAarch64Features) {
    if (!nameIs(name, len, f.name))
      continue;
    const unsigned long hwcap = getauxval(MICA_AT_HWCAP);
    const unsigned long hwcap2 = getauxval(MICA_AT_HWCAP2);
    return (hwcap & f.hwcap) == f.hwcap && (hwcap2 & f.hwcap2) == f.hwcap2;
  }
  return -1;
}
#endif

} // namespace

const char *mica_host_arch(void) {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "unsupported";
#endif
}

int mica_host_cpu_probe(const char *name, size_t len, void *user) {
  (void)user;
#if defined(__x86_64__)
  return probeX86(name, len);
#elif defined(__aarch64__) && defined(__linux__)
  return probeAarch64(name, len);
#else
  (void)name;
  (void)len;
  return -1;
#endif
}

mica_status mica_check_target(const mica_fb_target *target, uint32_t index,
                              const char *arch, mica_cpu_probe probe,
                              void *probe_user, const mica_msg *msg) {
  const char *name = target->name() ? target->name()->c_str() : "";
  const char *targetArch = target->arch() ? target->arch()->c_str() : "";
  if (strcmp(targetArch, arch) != 0)
    return mica_failf(msg, MICA_ERROR_TARGET_MISMATCH,
                      "target %u '%s' is compiled for %s, this machine is %s",
                      index, name, targetArch, arch);
  const auto *features = target->features();
  if (!features)
    return MICA_OK;
  for (uint32_t i = 0; i < features->size(); ++i) {
    const char *feature = features->Get(i)->c_str();
    size_t len = features->Get(i)->size();
    if (len && feature[0] == '-')
      continue;
    if (len && feature[0] == '+') {
      ++feature;
      --len;
    }
    if (len && probe(feature, len, probe_user) == 0)
      return mica_failf(msg, MICA_ERROR_TARGET_MISMATCH,
                        "target %u '%s' needs CPU feature +%s, which this "
                        "CPU lacks",
                        index, name, feature);
  }
  return MICA_OK;
}
