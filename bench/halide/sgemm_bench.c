// Times the Halide-generated mica_halide_sgemm (sgemm_generator.cpp) on one
// shape and checks it against a plain triple loop in double.
//
//   sgemm_bench M K N REPEAT   -> one JSON line {"median_ms", "max_rel_err"}
#include "mica_halide_sgemm.h"

#include <HalideRuntime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void wrap(halide_buffer_t *buf, halide_dimension_t *dims, float *data,
                 int rows, int cols) {
  memset(buf, 0, sizeof(*buf));
  buf->host = (uint8_t *)data;
  buf->type.code = halide_type_float;
  buf->type.bits = 32;
  buf->type.lanes = 1;
  buf->dimensions = 2;
  buf->dim = dims;
  dims[0] = (halide_dimension_t){0, cols, 1, 0};
  dims[1] = (halide_dimension_t){0, rows, cols, 0};
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s M K N REPEAT\n", argv[0]);
    return 2;
  }
  int m = atoi(argv[1]), k = atoi(argv[2]), n = atoi(argv[3]);
  int repeat = atoi(argv[4]);
  float *a = aligned_alloc(64, sizeof(float) * m * k + 64);
  float *b = aligned_alloc(64, sizeof(float) * k * n + 64);
  float *c = aligned_alloc(64, sizeof(float) * m * n + 64);
  srand(1);
  for (int i = 0; i < m * k; ++i)
    a[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  for (int i = 0; i < k * n; ++i)
    b[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  halide_buffer_t ba, bb, bc;
  halide_dimension_t da[2], db[2], dc[2];
  wrap(&ba, da, a, m, k);
  wrap(&bb, db, b, k, n);
  wrap(&bc, dc, c, m, n);
  double *times = malloc(sizeof(double) * repeat);
  for (int i = 0; i < 3; ++i)
    mica_halide_sgemm(&ba, &bb, &bc);
  for (int r = 0; r < repeat; ++r) {
    double t0 = now_ms();
    if (mica_halide_sgemm(&ba, &bb, &bc) != 0) {
      fprintf(stderr, "sgemm failed\n");
      return 1;
    }
    times[r] = now_ms() - t0;
  }
  qsort(times, repeat, sizeof(double), cmp);
  double err = 0, scale = 0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int q = 0; q < k; ++q)
        s += (double)a[i * k + q] * b[q * n + j];
      err = fmax(err, fabs(s - c[i * n + j]));
      scale = fmax(scale, fabs(s));
    }
  printf("{\"median_ms\": %.5f, \"max_rel_err\": %.3g}\n", times[repeat / 2],
         err / scale);
  return 0;
}
