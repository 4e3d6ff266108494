/* Data sections: a static const table (.rodata), a .bss counter, initialised
 * .data, and a 64-byte aligned buffer. */
static const unsigned kPrimes[32] = {
    2,  3,  5,  7,  11, 13, 17, 19, 23, 29,  31,  37,  41,  43,  47,  53,
    59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131};

static unsigned counter;  /* .bss */
int mica_data_value = 42; /* .data */
float mica_aligned_buffer[16] __attribute__((aligned(64)));

unsigned mica_prime(unsigned i) { return kPrimes[i % 32]; }

unsigned mica_count(void) { return ++counter; }

int mica_bump_data(int by) { return mica_data_value += by; }

/* Returns the address of the aligned buffer so the test can check it. */
float *mica_buffer(void) { return mica_aligned_buffer; }
