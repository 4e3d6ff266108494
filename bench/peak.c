/* The machine's fp32 peak, measured: every thread runs independent chains
 * of fused multiply-adds on the widest vectors the compiler targets
 * (-march=native), enough chains to cover the FMA latency on every pipe.
 * Prints one JSON line: {"threads": T, "gflops": G, "vector_bytes": B}.
 *
 *   cc -O2 -march=native -ffp-contract=fast -pthread peak.c -o peak
 *   ./peak [THREADS] [SECONDS]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define VECTOR_BYTES 64
#elif defined(__AVX__)
#define VECTOR_BYTES 32
#else
#define VECTOR_BYTES 16
#endif
#define LANES (VECTOR_BYTES / 4)
/* Independent chains: at least FMA latency x FMA pipes on current cores (4 x
 * 2), and few enough to stay in registers (16 without AVX-512 on x86-64,
 * which has 32 with it, as AArch64 has). */
#if defined(__AVX512F__) || defined(__aarch64__)
#define CHAINS 16
#else
#define CHAINS 12
#endif
#define INNER 1024

typedef float vec __attribute__((vector_size(VECTOR_BYTES)));

struct job {
  double seconds;
  uint64_t iterations;
  float sink;
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *run(void *arg) {
  struct job *job = arg;
  vec acc[CHAINS];
  vec a, b;
  for (int l = 0; l < LANES; ++l) {
    a[l] = 0.999999f;
    b[l] = 1e-7f;
  }
  for (int c = 0; c < CHAINS; ++c)
    for (int l = 0; l < LANES; ++l)
      acc[c][l] = (float)(c + l);
  uint64_t iterations = 0;
  double start = now();
  do {
    for (int i = 0; i < INNER; ++i) {
      /* Keep the compiler from collapsing the chains. */
      __asm__ volatile("" : "+x"(a));
      for (int c = 0; c < CHAINS; ++c)
        acc[c] = acc[c] * a + b;
    }
    iterations += INNER;
  } while (now() - start < job->seconds);
  job->seconds = now() - start;
  job->iterations = iterations;
  float s = 0;
  for (int c = 0; c < CHAINS; ++c)
    for (int l = 0; l < LANES; ++l)
      s += acc[c][l];
  job->sink = s;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  double seconds = argc > 2 ? atof(argv[2]) : 0.5;
  if (threads < 1 || threads > 256)
    return 2;
  pthread_t tid[256];
  struct job jobs[256];
  for (int t = 0; t < threads; ++t) {
    jobs[t].seconds = seconds;
    pthread_create(&tid[t], NULL, run, &jobs[t]);
  }
  double flops = 0, wall = 0;
  for (int t = 0; t < threads; ++t) {
    pthread_join(tid[t], NULL);
    flops += 2.0 * LANES * CHAINS * (double)jobs[t].iterations;
    if (jobs[t].seconds > wall)
      wall = jobs[t].seconds;
  }
  printf("{\"threads\": %d, \"gflops\": %.2f, \"vector_bytes\": %d, "
         "\"sink\": %g}\n",
         threads, flops / wall * 1e-9, VECTOR_BYTES, (double)jobs[0].sink);
  return 0;
}
