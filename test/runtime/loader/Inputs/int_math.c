/* Integer math: plain code, no data, calls between functions. */
int mica_add(int a, int b) { return a + b; }

long mica_dot(const int *a, const int *b, int n) {
  long sum = 0;
  for (int i = 0; i < n; ++i)
    sum += (long)a[i] * b[i];
  return sum;
}

__attribute__((noinline)) unsigned mica_gcd(unsigned a, unsigned b) {
  while (b) {
    unsigned t = a % b;
    a = b;
    b = t;
  }
  return a;
}

unsigned mica_lcm(unsigned a, unsigned b) { return a / mica_gcd(a, b) * b; }
