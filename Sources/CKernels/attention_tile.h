// The 6-query x 16-key register tile of the attention score kernels (attention.c, attention_fused.c):
// K packed into 16-key panels (d x 16 floats, contiguous), each query value broadcast once per panel row.
#ifndef NORMLAB_ATTENTION_TILE_H
#define NORMLAB_ATTENTION_TILE_H
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

// acc[2i], acc[2i+1] = query row qr[i] · the panel's 16 keys (inner dimension d).
__attribute__((target("avx2,fma"))) static inline void score_tile(const float *const qr[6], const float *kp, long d,
                                                                  __m256 acc[12]) {
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
    __m256 a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
    for (long p = 0; p < d; p++) {
        const __m256 k0 = _mm256_loadu_ps(kp + p * 16), k1 = _mm256_loadu_ps(kp + p * 16 + 8);
        __m256 b;
        b = _mm256_broadcast_ss(qr[0] + p); a00 = _mm256_fmadd_ps(b, k0, a00); a01 = _mm256_fmadd_ps(b, k1, a01);
        b = _mm256_broadcast_ss(qr[1] + p); a10 = _mm256_fmadd_ps(b, k0, a10); a11 = _mm256_fmadd_ps(b, k1, a11);
        b = _mm256_broadcast_ss(qr[2] + p); a20 = _mm256_fmadd_ps(b, k0, a20); a21 = _mm256_fmadd_ps(b, k1, a21);
        b = _mm256_broadcast_ss(qr[3] + p); a30 = _mm256_fmadd_ps(b, k0, a30); a31 = _mm256_fmadd_ps(b, k1, a31);
        b = _mm256_broadcast_ss(qr[4] + p); a40 = _mm256_fmadd_ps(b, k0, a40); a41 = _mm256_fmadd_ps(b, k1, a41);
        b = _mm256_broadcast_ss(qr[5] + p); a50 = _mm256_fmadd_ps(b, k0, a50); a51 = _mm256_fmadd_ps(b, k1, a51);
    }
    acc[0] = a00; acc[1] = a01; acc[2] = a10; acc[3] = a11; acc[4] = a20; acc[5] = a21;
    acc[6] = a30; acc[7] = a31; acc[8] = a40; acc[9] = a41; acc[10] = a50; acc[11] = a51;
}
#endif
#endif
