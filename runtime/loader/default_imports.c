/* The libc/libm functions generated code commonly calls. Kept in its own file
 * so that programs that pass their own import table do not link libm. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1 /* sincosf, exp10f */
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mica/loader.h"

#define IMPORT(fn) {#fn, (void *)&fn}

#if defined(__x86_64__) && defined(__GLIBC__)
/* glibc's vector math (libmvec, which -lm links): the x86-64 vector ABI
 * variants of the float functions that Mica's CPU kernels call on whole
 * vectors (targets/cpu/transforms, mica-cpu-vector-math). 'b' SSE 4 lanes,
 * 'c' AVX / 'd' AVX2 8 lanes, 'e' AVX-512 16 lanes; only their addresses are
 * taken here, so a plain declaration serves. */
#define MICA_VECTOR_MATH(fn)                                                   \
  X(_ZGVbN4v_##fn) X(_ZGVcN8v_##fn) X(_ZGVdN8v_##fn) X(_ZGVeN16v_##fn)
#define MICA_VECTOR_MATH_ALL                                                   \
  MICA_VECTOR_MATH(expf)                                                       \
  MICA_VECTOR_MATH(logf)                                                       \
  MICA_VECTOR_MATH(erff)                                                       \
  MICA_VECTOR_MATH(tanhf) MICA_VECTOR_MATH(sinf) MICA_VECTOR_MATH(cosf)
#define X(name) extern void name(void);
MICA_VECTOR_MATH_ALL
#undef X
#endif

static const mica_import kDefaultImports[] = {
    /* memory */
    IMPORT(memcpy), IMPORT(memmove), IMPORT(memset), IMPORT(memcmp),
    IMPORT(malloc), IMPORT(calloc), IMPORT(realloc), IMPORT(free),
    IMPORT(aligned_alloc),
    /* float math */
    IMPORT(expf), IMPORT(exp2f), IMPORT(expm1f), IMPORT(logf), IMPORT(log2f),
    IMPORT(log10f), IMPORT(log1pf), IMPORT(powf), IMPORT(sqrtf), IMPORT(cbrtf),
    IMPORT(tanhf), IMPORT(sinhf), IMPORT(coshf), IMPORT(atanhf), IMPORT(asinhf),
    IMPORT(acoshf), IMPORT(erff), IMPORT(erfcf), IMPORT(sinf), IMPORT(cosf),
    IMPORT(tanf), IMPORT(asinf), IMPORT(acosf), IMPORT(atanf), IMPORT(atan2f),
    IMPORT(hypotf), IMPORT(fmodf), IMPORT(remainderf), IMPORT(floorf),
    IMPORT(ceilf), IMPORT(roundf), IMPORT(truncf), IMPORT(rintf),
    IMPORT(nearbyintf), IMPORT(lrintf), IMPORT(lroundf), IMPORT(fminf),
    IMPORT(fmaxf), IMPORT(fabsf), IMPORT(copysignf), IMPORT(fmaf),
    IMPORT(ldexpf), IMPORT(frexpf), IMPORT(lgammaf), IMPORT(tgammaf),
    /* double math */
    IMPORT(exp), IMPORT(exp2), IMPORT(expm1), IMPORT(log), IMPORT(log2),
    IMPORT(log10), IMPORT(log1p), IMPORT(pow), IMPORT(sqrt), IMPORT(cbrt),
    IMPORT(tanh), IMPORT(sinh), IMPORT(cosh), IMPORT(erf), IMPORT(erfc),
    IMPORT(sin), IMPORT(cos), IMPORT(tan), IMPORT(asin), IMPORT(acos),
    IMPORT(atan), IMPORT(atan2), IMPORT(hypot), IMPORT(fmod), IMPORT(floor),
    IMPORT(ceil), IMPORT(round), IMPORT(trunc), IMPORT(rint), IMPORT(nearbyint),
    IMPORT(fmin), IMPORT(fmax), IMPORT(fabs), IMPORT(copysign), IMPORT(fma),
    IMPORT(ldexp), IMPORT(frexp),
#if defined(__GLIBC__)
    /* LLVM folds sin+cos into sincos and pow(10, x) into exp10 on GNU. */
    IMPORT(sincosf), IMPORT(sincos), IMPORT(exp10f), IMPORT(exp10),
#endif
#if defined(__x86_64__) && defined(__GLIBC__)
#define X(name) IMPORT(name),
    MICA_VECTOR_MATH_ALL
#undef X
#endif
};

const mica_import *mica_default_imports(size_t *out_count) {
  if (out_count)
    *out_count = sizeof(kDefaultImports) / sizeof(kDefaultImports[0]);
  return kDefaultImports;
}
