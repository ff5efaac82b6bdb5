// Attention scores S = scale · Q Kᵀ for small head dimensions (SD-1.5: 40, 80, 160). With so short an
// inner dimension a BLAS kernel spends much of its time loading and storing C tiles and packing; here
// K is packed once per call into 16-key panels (d x 16 floats each, contiguous) and a 6-query x 16-key
// register tile accumulates the whole inner dimension before one store.
#include "ckernels.h"
#include "attention_tile.h"
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)

// q: rows x d (row stride ldq); panels: ceil(s/16) panels of d x 16; out: rows x s (row stride ldo).
__attribute__((target("avx2,fma")))
static void scores_avx2(const float *q, long ldq, const float *panels, long s, long d, long rows, float scale,
                        float *out, long ldo) {
    const __m256 vs = _mm256_set1_ps(scale);
    for (long i0 = 0; i0 < rows; i0 += 6) {
        const float *qr[6];
        for (int i = 0; i < 6; i++) qr[i] = q + (i0 + i < rows ? i0 + i : rows - 1) * ldq;  // clamp: rows past the end repeat the last
        for (long j0 = 0; j0 < s; j0 += 16) {
            const float *kp = panels + (j0 / 16) * d * 16;
            __m256 acc[12];
            score_tile(qr, kp, d, acc);
            const long n = s - j0 < 16 ? s - j0 : 16;
            for (int i = 0; i < 6 && i0 + i < rows; i++) {
                float *dst = out + (i0 + i) * ldo + j0;
                __m256 lo = _mm256_mul_ps(acc[2 * i], vs), hi = _mm256_mul_ps(acc[2 * i + 1], vs);
                if (n == 16) {
                    _mm256_storeu_ps(dst, lo);
                    _mm256_storeu_ps(dst + 8, hi);
                } else {
                    float tmp[16];
                    _mm256_storeu_ps(tmp, lo);
                    _mm256_storeu_ps(tmp + 8, hi);
                    memcpy(dst, tmp, sizeof(float) * (size_t)n);
                }
            }
        }
    }
}

int nl_attention_scores(const float *q, long ldq, const float *panels, long s, long d, long rows, float scale,
                        float *out, long ldo) {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    scores_avx2(q, ldq, panels, s, d, rows, scale, out, ldo);
    return 1;
}
#else
int nl_attention_scores(const float *q, long ldq, const float *panels, long s, long d, long rows, float scale,
                        float *out, long ldo) {
    (void)q; (void)ldq; (void)panels; (void)s; (void)d; (void)rows; (void)scale; (void)out; (void)ldo;
    return 0;
}
#endif

long nl_attention_panel_floats(long s, long d) { return ((s + 15) / 16) * 16 * d; }

void nl_attention_pack_keys(const float *k, long ldk, long s, long d, float *panels) {
    // panel[p][j] = K[j0 + j][p], zero past s.
    for (long j0 = 0; j0 < s; j0 += 16) {
        float *panel = panels + (j0 / 16) * d * 16;
        for (long j = 0; j < 16; j++) {
            const float *row = k + (j0 + j) * ldk;
            for (long p = 0; p < d; p++) panel[p * 16 + j] = j0 + j < s ? row[p] : 0.0f;
        }
    }
}
