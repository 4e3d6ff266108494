/* Does a zero-skipping kernel pay for 2:4 weights on this CPU? A dense
 * y = x W^T against the same product over 2:4 compressed weights (the kept
 * half of the values and their column indices), both plain loops that
 * clang vectorises (the sparse one with gathers), over shapes from
 * in-cache layers to a 4096 x 4096 matrix-vector product that streams its
 * weights from memory. Prints one line per shape: the best of 5 times and
 * sparse / dense. bench_prune.py runs it; docs/pruning.md has the numbers.
 *
 *   cc -O3 -march=native -ffast-math sparse_gemv.c -o sparse_gemv
 *
 * -ffast-math lets both sums vectorise (reassociated), as a real kernel
 * would.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((noinline)) static void dense(int m, int n, int k, const float *x,
                                            const float *w, float *y) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float s = 0;
      for (int t = 0; t < k; ++t)
        s += x[(size_t)i * k + t] * w[(size_t)j * k + t];
      y[(size_t)i * n + j] = s;
    }
}

/* Row j keeps k/2 values v and their columns c. */
__attribute__((noinline)) static void sparse(int m, int n, int k,
                                             const float *x, const float *v,
                                             const uint16_t *c, float *y) {
  int h = k / 2;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float s = 0;
      for (int t = 0; t < h; ++t)
        s += v[(size_t)j * h + t] * x[(size_t)i * k + c[(size_t)j * h + t]];
      y[(size_t)i * n + j] = s;
    }
}

static void measure(int m, int n, int k) {
  float *x = malloc(sizeof(float) * m * k), *w = malloc(sizeof(float) * n * k);
  float *v = malloc(sizeof(float) * n * k / 2),
        *y = malloc(sizeof(float) * m * n);
  uint16_t *c = malloc(sizeof(uint16_t) * n * k / 2);
  srand(0);
  for (size_t i = 0; i < (size_t)m * k; ++i)
    x[i] = rand() / (float)RAND_MAX;
  for (size_t j = 0; j < (size_t)n; ++j)
    for (int g = 0; g < k / 4; ++g)
      for (int t = 0; t < 4; ++t) {
        int kept = t == 1 || t == 2, at = g * 4 + t;
        w[j * k + at] = kept ? rand() / (float)RAND_MAX : 0.0f;
        if (kept) {
          size_t slot = j * (k / 2) + g * 2 + (t == 2);
          v[slot] = w[j * k + at];
          c[slot] = (uint16_t)at;
        }
      }
  int reps = (int)(2e9 / ((double)m * n * k));
  reps = reps < 3 ? 3 : reps;
  double best[2] = {1e9, 1e9};
  for (int round = 0; round < 5; ++round)
    for (int kind = 0; kind < 2; ++kind) {
      double t = now();
      for (int r = 0; r < reps; ++r)
        kind ? sparse(m, n, k, x, v, c, y) : dense(m, n, k, x, w, y);
      t = (now() - t) / reps;
      best[kind] = t < best[kind] ? t : best[kind];
    }
  printf("m=%d n=%d k=%d dense %.3f ms sparse %.3f ms sparse/dense %.2f\n", m,
         n, k, best[0] * 1e3, best[1] * 1e3, best[1] / best[0]);
  free(x), free(w), free(v), free(y), free(c);
}

int main(void) {
  static const int shapes[][3] = {
      {1, 1024, 1024}, {16, 1024, 1024}, {64, 512, 512}, {1, 4096, 4096}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i)
    measure(shapes[i][0], shapes[i][1], shapes[i][2]);
  return 0;
}
