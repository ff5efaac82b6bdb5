// The machine's fp32 FMA ceiling, measured: independent FMA chains on 8-lane registers (AVX2 + FMA),
// enough of them to hide the FMA latency on every x86 core of the project's kind.
#include "ckernels.h"
#include <time.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static double fma_chains(long iterations) {
    __m256 a[12];
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps(1.0f + (float)i * 1e-3f);
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], m, c);
    }
    __m256 s = a[0];
    for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, a[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0];
}

double nl_fma_gflops(long iterations) {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile double sink = fma_chains(iterations);
    (void)sink;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return 12.0 * 8 * 2 * (double)iterations / s / 1e9;
}
#else
double nl_fma_gflops(long iterations) { (void)iterations; return 0; }
#endif
