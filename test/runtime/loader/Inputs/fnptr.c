/* A table of function pointers (absolute 64-bit relocations, R_X86_64_64 /
 * R_AARCH64_ABS64), including one to an import. */
float expf(float);

static int op_add(int a, int b) { return a + b; }
static int op_sub(int a, int b) { return a - b; }
static int op_mul(int a, int b) { return a * b; }

typedef int (*binary_op)(int, int);
binary_op const mica_ops[3] = {op_add, op_sub, op_mul};
float (*const mica_exp_ptr)(float) = expf;

int mica_apply(unsigned op, int a, int b) { return mica_ops[op % 3](a, b); }

float mica_call_exp(float x) { return mica_exp_ptr(x); }
