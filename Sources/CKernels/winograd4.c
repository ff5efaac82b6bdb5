// Winograd F(4x4, 3x3) transforms (Lavin & Gray, interpolation points 0, ±1, ±2 and ∞) for stride-1,
// zero-padding-1 3x3 convolutions: 6x6 input tiles overlapping by 2, 36 element-wise products that
// the caller computes as 36 GEMMs (the weight transform too is a GEMM, in Conv2dWinograd.swift) (cout x cin) · (cin x tiles), 4x fewer multiplications than direct
// convolution (F(2x2) in winograd.c: 2.25x). The larger constants (up to 8 in Aᵀ, 1/24 in G) cost
// accuracy: Conv2dTests measures the error against a direct evaluation in Double.
//   Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G  = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
#include "ckernels.h"
#include "winograd_rows.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define MULTIVERSION
#endif

// Bᵀ applied to six values with stride s (rows of the tile, or elements of a row).
#define BT_ROWS(d, s, o0, o1, o2, o3, o4, o5)                               \
    do {                                                                    \
        float d0 = (d)[0], d1 = (d)[s], d2 = (d)[2 * (s)], d3 = (d)[3 * (s)]; \
        float d4 = (d)[4 * (s)], d5 = (d)[5 * (s)];                          \
        o0 = 4 * d0 - 5 * d2 + d4;                                          \
        o1 = d3 + d4 - 4 * (d1 + d2);                                       \
        o2 = d4 - d3 + 4 * (d1 - d2);                                       \
        o3 = d4 - d2 + 2 * (d3 - d1);                                       \
        o4 = d4 - d2 - 2 * (d3 - d1);                                       \
        o5 = 4 * d1 - 5 * d3 + d5;                                          \
    } while (0)

// Input rows 4ty-1 … 4ty+4 of one channel, normalised and zero-padded (one zero left, zeros right),
// then Bᵀ applied down the columns: t holds the six transformed rows of length wp.
static void input_rows(const float *plane, long h, long w, long ty, long wp, float sc, float sh, const float *scale,
                       int silu, float *rows, float *t) {
    for (int i = 0; i < 6; i++) winograd_padded_row(plane, h, w, 4 * ty - 1 + i, wp, sc, sh, scale, silu, rows + i * wp);
    for (long j = 0; j < wp; j++) {
        BT_ROWS(rows + j, wp, t[j], t[wp + j], t[2 * wp + j], t[3 * wp + j], t[4 * wp + j], t[5 * wp + j]);
    }
}

MULTIVERSION
void nl_winograd4_input(const float *x, long h, long w, long cin, long c0, long c1, long ty0, long ty1,
                        const float *scale, const float *shift, int silu, float *v, long nt) {
    const long tw = (w + 3) / 4, wp = 4 * tw + 2;
    const long stride = cin * nt;
    float *rows = malloc(sizeof(float) * 12 * (size_t)wp), *t = rows + 6 * wp;
    for (long c = c0; c < c1; c++) {
        const float *plane = x + c * h * w;
        float sc = scale ? scale[c] : 1.0f, sh = scale ? shift[c] : 0.0f;
        for (long ty = ty0; ty < ty1; ty++) {
            input_rows(plane, h, w, ty, wp, sc, sh, scale, silu, rows, t);
            float *out = v + c * nt + (ty - ty0) * tw;
            for (int i = 0; i < 6; i++) {  // (Bᵀ d) B: Bᵀ along each transformed row, tile by tile
                const float *r = t + i * wp;
                float *o = out + (i * 6) * stride;
                for (long tx = 0; tx < tw; tx++) {
                    BT_ROWS(r + 4 * tx, 1, o[tx], o[stride + tx], o[2 * stride + tx], o[3 * stride + tx],
                            o[4 * stride + tx], o[5 * stride + tx]);
                }
            }
        }
    }
    free(rows);
}

// Aᵀ applied to six values with stride s.
#define AT_ROWS(m, s, y0, y1, y2, y3)                                        \
    do {                                                                    \
        float m0 = (m)[0], m1 = (m)[s], m2 = (m)[2 * (s)], m3 = (m)[3 * (s)]; \
        float m4 = (m)[4 * (s)], m5 = (m)[5 * (s)];                          \
        float p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;    \
        y0 = m0 + p12 + p34;                                                \
        y1 = d12 + 2 * d34;                                                 \
        y2 = p12 + 4 * p34;                                                 \
        y3 = d12 + 8 * d34 + m5;                                            \
    } while (0)

MULTIVERSION
void nl_winograd4_output(const float *m, long cout, long nt, long o0, long o1, long ty0, long ty1, long h, long w,
                         const float *bias, float *y) {
    const long tw = (w + 3) / 4, stride = cout * nt;
    float *s = malloc(sizeof(float) * 24 * (size_t)tw);  // Aᵀ M for a tile row: (4 rows x 6 columns) x tw
    for (long o = o0; o < o1; o++) {
        const float b = bias ? bias[o] : 0.0f;
        float *plane = y + o * h * w;
        for (long ty = ty0; ty < ty1; ty++) {
            const float *src = m + o * nt + (ty - ty0) * tw;
            for (int k = 0; k < 6; k++) {  // down the columns, contiguous across tiles
                const float *col = src + k * stride;
                float *s0 = s + k * tw, *s1 = s + (6 + k) * tw, *s2 = s + (12 + k) * tw, *s3 = s + (18 + k) * tw;
                for (long tx = 0; tx < tw; tx++) AT_ROWS(col + tx, 6 * stride, s0[tx], s1[tx], s2[tx], s3[tx]);
            }
            const long rows = h - 4 * ty < 4 ? h - 4 * ty : 4;
            for (long i = 0; i < rows; i++) {
                float *dst = plane + (4 * ty + i) * w;
                const float *si = s + i * 6 * tw;
                for (long tx = 0; tx < tw; tx++) {
                    float r[4];
                    AT_ROWS(si + tx, tw, r[0], r[1], r[2], r[3]);
                    const long j = 4 * tx;
                    if (j + 4 <= w) {
                        for (int q = 0; q < 4; q++) dst[j + q] = r[q] + b;
                    } else {
                        for (long q = 0; j + q < w; q++) dst[j + q] = r[q] + b;
                    }
                }
            }
        }
    }
    free(s);
}
