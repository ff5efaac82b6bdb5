// Winograd F(2x2, 3x3) transforms for stride-1, zero-padding-1 3x3 convolutions (Lavin & Gray):
// Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A over 4x4 input tiles d that overlap by 2. The 16 element-wise
// products become 16 GEMMs (cout x cin) · (cin x tiles), computed by the caller; these functions
// move data in and out of that layout. All transforms use only 0, ±1 and ±1/2, so the rounding
// error stays within a few float ulps of direct convolution.
#include "ckernels.h"
#include "winograd_rows.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define MULTIVERSION
#endif

MULTIVERSION
void nl_winograd_weights(const float *w, long cout, long cin, long o0, long o1, float *u) {
    const long plane = cout * cin;
    for (long o = o0; o < o1; o++) {
        for (long c = 0; c < cin; c++) {
            const float *g = w + (o * cin + c) * 9;
            float t[4][3];  // G g: rows of G = (1,0,0), (1/2,1/2,1/2), (1/2,-1/2,1/2), (0,0,1)
            for (int j = 0; j < 3; j++) {
                float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                t[0][j] = g0;
                t[1][j] = 0.5f * (g0 + g1 + g2);
                t[2][j] = 0.5f * (g0 - g1 + g2);
                t[3][j] = g2;
            }
            for (int i = 0; i < 4; i++) {
                float a = t[i][0], b = t[i][1], d = t[i][2];
                float *dst = u + (i * 4) * plane + o * cin + c;
                dst[0] = a;
                dst[plane] = 0.5f * (a + b + d);
                dst[2 * plane] = 0.5f * (a - b + d);
                dst[3 * plane] = d;
            }
        }
    }
}

MULTIVERSION
void nl_winograd_input(const float *x, long h, long w, long cin, long c0, long c1, long ty0, long ty1,
                       const float *scale, const float *shift, int silu, float *v, long nt) {
    const long tw = (w + 1) / 2, wp = 2 * tw + 2;  // padded row: one zero left, zeros right
    const long stride = cin * nt;
    float *rows = malloc(sizeof(float) * 4 * (size_t)wp);
    for (long c = c0; c < c1; c++) {
        const float *plane = x + c * h * w;
        float sc = scale ? scale[c] : 1.0f, sh = scale ? shift[c] : 0.0f;
        for (long ty = ty0; ty < ty1; ty++) {
            // Input rows 2ty-1 … 2ty+2, normalised, zero outside the image.
            for (int i = 0; i < 4; i++) winograd_padded_row(plane, h, w, 2 * ty - 1 + i, wp, sc, sh, scale, silu, rows + i * wp);
            float *out = v + c * nt + (ty - ty0) * tw;
            const float *r0 = rows, *r1 = rows + wp, *r2 = rows + 2 * wp, *r3 = rows + 3 * wp;
            for (long tx = 0; tx < tw; tx++) {
                const long j = 2 * tx;
                float d[4][4] = {{r0[j], r0[j + 1], r0[j + 2], r0[j + 3]}, {r1[j], r1[j + 1], r1[j + 2], r1[j + 3]},
                                 {r2[j], r2[j + 1], r2[j + 2], r2[j + 3]}, {r3[j], r3[j + 1], r3[j + 2], r3[j + 3]}};
                float t[4][4];  // Bᵀ d: rows (1,0,-1,0), (0,1,1,0), (0,-1,1,0), (0,1,0,-1)
                for (int k = 0; k < 4; k++) {
                    t[0][k] = d[0][k] - d[2][k];
                    t[1][k] = d[1][k] + d[2][k];
                    t[2][k] = d[2][k] - d[1][k];
                    t[3][k] = d[1][k] - d[3][k];
                }
                for (int i = 0; i < 4; i++) {  // (Bᵀ d) B
                    out[(i * 4 + 0) * stride + tx] = t[i][0] - t[i][2];
                    out[(i * 4 + 1) * stride + tx] = t[i][1] + t[i][2];
                    out[(i * 4 + 2) * stride + tx] = t[i][2] - t[i][1];
                    out[(i * 4 + 3) * stride + tx] = t[i][1] - t[i][3];
                }
            }
        }
    }
    free(rows);
}

MULTIVERSION
void nl_winograd_output(const float *m, long cout, long nt, long o0, long o1, long ty0, long ty1, long h, long w,
                        const float *bias, float *y) {
    const long tw = (w + 1) / 2, stride = cout * nt;
    for (long o = o0; o < o1; o++) {
        const float b = bias ? bias[o] : 0.0f;
        float *plane = y + o * h * w;
        for (long ty = ty0; ty < ty1; ty++) {
            const float *src = m + o * nt + (ty - ty0) * tw;
            float *y0 = plane + 2 * ty * w, *y1 = y0 + w;
            const int second = 2 * ty + 1 < h;
            for (long tx = 0; tx < tw; tx++) {
                float s[2][4];  // Aᵀ M: rows (1,1,1,0), (0,1,-1,-1)
                for (int k = 0; k < 4; k++) {
                    float a0 = src[(0 + k) * stride + tx], a1 = src[(4 + k) * stride + tx];
                    float a2 = src[(8 + k) * stride + tx], a3 = src[(12 + k) * stride + tx];
                    s[0][k] = a0 + a1 + a2;
                    s[1][k] = a1 - a2 - a3;
                }
                const long j = 2 * tx;
                float p00 = s[0][0] + s[0][1] + s[0][2] + b, p01 = s[0][1] - s[0][2] - s[0][3] + b;
                float p10 = s[1][0] + s[1][1] + s[1][2] + b, p11 = s[1][1] - s[1][2] - s[1][3] + b;
                y0[j] = p00;
                if (j + 1 < w) y0[j + 1] = p01;
                if (second) {
                    y1[j] = p10;
                    if (j + 1 < w) y1[j + 1] = p11;
                }
            }
        }
    }
}
