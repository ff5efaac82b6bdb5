// Fused attention of one head over a block of queries: scores of 6 queries x one key block from the
// packed-key tile (attention_tile.h), an online (streaming) softmax on them while they sit in L1, and
// P·V accumulated into the output rows; the full (queries x keys) score matrix is never written.
// Each key block's maximum may raise a row's running maximum m; the row's sum l and output are then
// rescaled by exp(m_old − m_new), and the output is divided by l at the end (as flash attention does).
#include "ckernels.h"
#include "attention_tile.h"
#include "nl_exp.h"
#include <math.h>

#define KB_MAX 512  // keys per block: the score tile is 6 x KB_MAX floats

#if defined(__x86_64__) && defined(__clang__)

// Scores of the 6 query rows qr against keys [0, 16·np) of the panels, times scale, into sc (6 rows, stride KB_MAX).
__attribute__((target("avx2,fma")))
static void block_scores(const float *const qr[6], const float *panels, long np, long d, float scale, float *sc) {
    const __m256 vs = _mm256_set1_ps(scale);
    for (long p = 0; p < np; p++) {
        __m256 acc[12];
        score_tile(qr, panels + p * d * 16, d, acc);
        for (int i = 0; i < 6; i++) {
            _mm256_storeu_ps(sc + i * KB_MAX + p * 16, _mm256_mul_ps(acc[2 * i], vs));
            _mm256_storeu_ps(sc + i * KB_MAX + p * 16 + 8, _mm256_mul_ps(acc[2 * i + 1], vs));
        }
    }
}

__attribute__((target("avx2,fma"))) static float hmax8(__m256 v) {
    __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_max_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_max_ss(x, _mm_shuffle_ps(x, x, 1)));
}

__attribute__((target("avx2,fma"))) static float hsum8(__m256 v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_add_ss(x, _mm_shuffle_ps(x, x, 1)));
}

// One row's scores row[0, nk) become exp(score − m_new); the running max *m, sum *l and output o (d floats) follow.
__attribute__((target("avx2,fma")))
static void online_softmax(float *row, long nk, float *m, float *l, float *o, long d) {
    __m256 vmax = _mm256_set1_ps(-INFINITY);
    long j = 0;
    for (; j + 8 <= nk; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(row + j));
    float mx = hmax8(vmax);
    for (; j < nk; j++) mx = row[j] > mx ? row[j] : mx;
    const float mnew = mx > *m ? mx : *m;
    if (mnew > *m && *m != -INFINITY) {
        const float alpha = exp_neg(*m - mnew);
        const __m256 va = _mm256_set1_ps(alpha);
        for (long c = 0; c < d; c += 8) _mm256_storeu_ps(o + c, _mm256_mul_ps(_mm256_loadu_ps(o + c), va));
        *l *= alpha;
    }
    *m = mnew;
    const __m256 vm = _mm256_set1_ps(mnew);
    __m256 vsum = _mm256_setzero_ps();
    for (j = 0; j + 8 <= nk; j += 8) {
        const __m256 e = exp_neg8(_mm256_sub_ps(_mm256_loadu_ps(row + j), vm));
        _mm256_storeu_ps(row + j, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    float sum = hsum8(vsum);
    for (; j < nk; j++) {
        row[j] = exp_neg(row[j] - mnew);
        sum += row[j];
    }
    *l += sum;
}

// o rows or[i] (columns [c, c + 16)) += P rows pr[i] (nk keys) · V rows (stride ldv); rows i >= mr are not stored.
__attribute__((target("avx2,fma")))
static void pv_tile16(const float *const pr[6], const float *v, long ldv, long nk, float *const orow[6], int mr, long c) {
    __m256 acc[12];
    for (int i = 0; i < 6; i++) {
        acc[2 * i] = _mm256_loadu_ps(orow[i] + c);
        acc[2 * i + 1] = _mm256_loadu_ps(orow[i] + c + 8);
    }
    for (long j = 0; j < nk; j++) {
        const __m256 v0 = _mm256_loadu_ps(v + j * ldv + c), v1 = _mm256_loadu_ps(v + j * ldv + c + 8);
        for (int i = 0; i < 6; i++) {
            const __m256 b = _mm256_broadcast_ss(pr[i] + j);
            acc[2 * i] = _mm256_fmadd_ps(b, v0, acc[2 * i]);
            acc[2 * i + 1] = _mm256_fmadd_ps(b, v1, acc[2 * i + 1]);
        }
    }
    for (int i = 0; i < 6; i++) {
        if (i < mr) {
            _mm256_storeu_ps(orow[i] + c, acc[2 * i]);
            _mm256_storeu_ps(orow[i] + c + 8, acc[2 * i + 1]);
        }
    }
}

// As pv_tile16 for 8 columns (head dims that are odd multiples of 8, such as 40).
__attribute__((target("avx2,fma")))
static void pv_tile8(const float *const pr[6], const float *v, long ldv, long nk, float *const orow[6], int mr, long c) {
    __m256 acc[6];
    for (int i = 0; i < 6; i++) acc[i] = _mm256_loadu_ps(orow[i] + c);
    for (long j = 0; j < nk; j++) {
        const __m256 v0 = _mm256_loadu_ps(v + j * ldv + c);
        for (int i = 0; i < 6; i++) acc[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(pr[i] + j), v0, acc[i]);
    }
    for (int i = 0; i < 6; i++) {
        if (i < mr) _mm256_storeu_ps(orow[i] + c, acc[i]);
    }
}

// Queries [i0, i0 + mr) against keys [k0, k0 + nk): scores, softmax update, P·V.
__attribute__((target("avx2,fma")))
static void query_tile(const float *q, long ldq, const float *panels, const float *v, long ldv, long d, long i0, int mr,
                       long k0, long nk, float scale, float *m, float *l, float *out, long ldo, float *sc) {
    const float *qr[6], *pr[6];
    float *orow[6];
    for (int i = 0; i < 6; i++) {
        const long r = i0 + (i < mr ? i : mr - 1);  // rows past the end repeat the last and are not stored
        qr[i] = q + r * ldq;
        orow[i] = out + r * ldo;
        pr[i] = sc + (i < mr ? i : mr - 1) * KB_MAX;
    }
    block_scores(qr, panels + (k0 / 16) * d * 16, (nk + 15) / 16, d, scale, sc);
    for (int i = 0; i < mr; i++) online_softmax(sc + i * KB_MAX, nk, m + i0 + i, l + i0 + i, orow[i], d);
    long c = 0;
    for (; c + 16 <= d; c += 16) pv_tile16(pr, v + k0 * ldv, ldv, nk, orow, mr, c);
    if (c < d) pv_tile8(pr, v + k0 * ldv, ldv, nk, orow, mr, c);
}

__attribute__((target("avx2,fma")))
static void fused_avx2(const float *q, long ldq, const float *panels, const float *v, long ldv, long s, long d,
                       long rows, float scale, long kb, float *out, long ldo) {
    float m[rows], l[rows];
    float sc[6 * KB_MAX] __attribute__((aligned(32)));
    for (long i = 0; i < rows; i++) {
        m[i] = -INFINITY;
        l[i] = 0;
        for (long c = 0; c < d; c++) out[i * ldo + c] = 0;
    }
    for (long k0 = 0; k0 < s; k0 += kb) {
        const long nk = s - k0 < kb ? s - k0 : kb;
        for (long i0 = 0; i0 < rows; i0 += 6) {
            const int mr = rows - i0 < 6 ? (int)(rows - i0) : 6;
            query_tile(q, ldq, panels, v, ldv, d, i0, mr, k0, nk, scale, m, l, out, ldo, sc);
        }
    }
    for (long i = 0; i < rows; i++) {
        const __m256 inv = _mm256_set1_ps(1.0f / l[i]);
        for (long c = 0; c < d; c += 8) _mm256_storeu_ps(out + i * ldo + c, _mm256_mul_ps(_mm256_loadu_ps(out + i * ldo + c), inv));
    }
}

int nl_attention_fused_available(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

int nl_attention_fused(const float *q, long ldq, const float *panels, const float *v, long ldv, long s, long d,
                       long rows, float scale, long key_block, float *out, long ldo) {
    if (!nl_attention_fused_available()) return 0;
    if (d % 8 != 0 || rows < 1 || rows > NL_ATTENTION_FUSED_MAX_ROWS || s < 1) return 0;
    long kb = key_block < 16 ? 16 : (key_block > KB_MAX ? KB_MAX : key_block);
    kb -= kb % 16;
    fused_avx2(q, ldq, panels, v, ldv, s, d, rows, scale, kb, out, ldo);
    return 1;
}
#else
int nl_attention_fused_available(void) { return 0; }

int nl_attention_fused(const float *q, long ldq, const float *panels, const float *v, long ldv, long s, long d,
                       long rows, float scale, long key_block, float *out, long ldo) {
    (void)q; (void)ldq; (void)panels; (void)v; (void)ldv; (void)s; (void)d; (void)rows; (void)scale; (void)key_block;
    (void)out; (void)ldo;
    return 0;
}
#endif
