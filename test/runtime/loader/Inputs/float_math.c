/* Float math through imports: expf and tanhf come from the caller's import
 * table, memset from the default one. No system headers, so the same source
 * cross-compiles for AArch64 without a sysroot. */
float expf(float);
float tanhf(float);
void *memset(void *, int, unsigned long);

float mica_gelu_tanh(float x) {
  const float k = 0.7978845608f; /* sqrt(2 / pi) */
  return 0.5f * x * (1.0f + tanhf(k * (x + 0.044715f * x * x * x)));
}

/* In-place softmax of n values. */
void mica_softmax(float *x, int n) {
  float max = x[0];
  for (int i = 1; i < n; ++i)
    max = x[i] > max ? x[i] : max;
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    x[i] = expf(x[i] - max);
    sum += x[i];
  }
  for (int i = 0; i < n; ++i)
    x[i] /= sum;
}

/* Zeroes a buffer through an explicit memset call. */
void mica_clear(float *x, int n) {
  memset(x, 0, (unsigned long)n * sizeof(float));
}
