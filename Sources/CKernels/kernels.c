// Vectorisable element-wise kernels. Each is compiled for AVX-512, AVX2 and baseline x86-64
// (target_clones), so one binary runs fast on every machine of the project's kind.
#include "ckernels.h"
#include "nl_exp.h"
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__x86_64__) && defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define MULTIVERSION
#endif

MULTIVERSION
void nl_softmax_rows(float *x, long rows, long cols) {
    // Let the max and sum reductions be reordered so that they vectorise.
#pragma clang fp reassociate(on)
    for (long r = 0; r < rows; r++) {
        float *row = x + r * cols;
        float m = -INFINITY;
        for (long j = 0; j < cols; j++) m = row[j] > m ? row[j] : m;
        float sum = 0.0f;
        for (long j = 0; j < cols; j++) {
            float e = exp_neg(row[j] - m);
            row[j] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        for (long j = 0; j < cols; j++) row[j] *= inv;
    }
}

// exp for any finite x (SiLU needs both signs): split into exp(-|x|) and a reciprocal.
static inline float sigmoid(float x) {
    float e = exp_neg(-__builtin_fabsf(x));  // exp(-|x|) in (0, 1]
    float s = 1.0f / (1.0f + e);             // sigmoid(|x|)
    return x >= 0 ? s : e * s;               // sigmoid(-|x|) = e / (1 + e)
}

MULTIVERSION
void nl_affine(const float *x, float *y, long n, float scale, float shift, int silu) {
    if (silu) {
        for (long i = 0; i < n; i++) {
            float v = x[i] * scale + shift;
            y[i] = v * sigmoid(v);
        }
    } else {
        for (long i = 0; i < n; i++) y[i] = x[i] * scale + shift;
    }
}

// erf(x) as a rational function x·P(x²)/Q(x²) on [-4, 4] (the form Eigen uses); max abs error
// about 4e-7 against the exact erf, branch-free so that GEGLU vectorises (libm's erff does not).
static inline float erf_rational(float x) {
    x = x < -4.f ? -4.f : (x > 4.f ? 4.f : x);
    float x2 = x * x;
    float p = -2.72614225801306e-10f;
    p = p * x2 + 2.77068142495902e-08f;
    p = p * x2 - 2.10102402082508e-06f;
    p = p * x2 - 5.69250639462346e-05f;
    p = p * x2 - 7.34990630326855e-04f;
    p = p * x2 - 2.95459980854025e-03f;
    p = p * x2 - 1.60960333262415e-02f;
    float q = -1.45660718464996e-05f;
    q = q * x2 - 2.13374055278905e-04f;
    q = q * x2 - 1.68282697438203e-03f;
    q = q * x2 - 7.37332916720468e-03f;
    q = q * x2 - 1.42647390514189e-02f;
    return x * p / q;
}

MULTIVERSION
void nl_geglu(const float *a, const float *g, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = a[i] * (0.5f * g[i] * (1.0f + erf_rational(g[i] * 0.70710678118654752f)));
}

MULTIVERSION
void nl_mean_var(const float *x, long n, double *mean, double *var) {
    // Reordering the double sums lets them vectorise; double accumulation keeps them exact enough
    // for any group size the models use.
#pragma clang fp reassociate(on)
    double s = 0.0;
    for (long i = 0; i < n; i++) s += (double)x[i];
    double m = s / (double)n;
    double q = 0.0;
    for (long i = 0; i < n; i++) {
        double d = (double)x[i] - m;
        q += d * d;
    }
    *mean = m;
    *var = q / (double)n;
}

// _Float16 conversions compile to vcvtph2ps / vcvtps2ph in the AVX-512 and AVX2 (x86-64-v3)
// clones and to a software conversion in the baseline one.
MULTIVERSION
void nl_f16_to_f32(const unsigned short *src, long src_stride, float *dst, long dst_stride, long rows, long cols) {
    for (long r = 0; r < rows; r++) {
        const _Float16 *s = (const _Float16 *)(src + r * src_stride);
        float *d = dst + r * dst_stride;
        for (long c = 0; c < cols; c++) d[c] = (float)s[c];
    }
}

MULTIVERSION
void nl_f32_to_f16(const float *src, unsigned short *dst, long n) {
    _Float16 *d = (_Float16 *)dst;
    for (long i = 0; i < n; i++) d[i] = (_Float16)src[i];
}

void nl_keep_freed_memory(void) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
#endif
}
