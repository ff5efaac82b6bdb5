// Element-wise hot loops of the U-Net that the compiler vectorises (AVX-512/AVX2 picked at run time).
#ifndef NORMLAB_CKERNELS_H
#define NORMLAB_CKERNELS_H
#include "nl_sha256.h"

/// Softmax of each row of a rows x cols row-major matrix, in place.
void nl_softmax_rows(float *x, long rows, long cols);

/// y[i] = silu(x[i] * scale + shift) (or without SiLU when silu == 0); x and y may alias.
void nl_affine(const float *x, float *y, long n, float scale, float shift, int silu);

/// y[i] = a[i] * gelu_exact(g[i]).
void nl_geglu(const float *a, const float *g, float *y, long n);

/// Mean and biased variance of n floats, accumulated in double (two passes).
void nl_mean_var(const float *x, long n, double *mean, double *var);

/// Converts a rows x cols block of IEEE half floats to float32 (F16C/AVX-512 when the CPU has them):
/// dst[r * dst_stride + c] = src[r * src_stride + c]. Feature files store float16; the detector
/// converts them chunk by chunk into a strided GEMM operand.
void nl_f16_to_f32(const unsigned short *src, long src_stride, float *dst, long dst_stride, long rows, long cols);

/// Converts n float32 values to IEEE half floats, rounding to nearest even.
void nl_f32_to_f16(const float *src, unsigned short *dst, long n);

/// Winograd F(2x2,3x3) weight transform of output channels [o0, o1): w (cout, cin, 3, 3) →
/// u (16, cout, cin), u[t] = (G g Gᵀ)[t].
void nl_winograd_weights(const float *w, long cout, long cin, long o0, long o1, float *u);

/// Input transform of channels [c0, c1) and tile rows [ty0, ty1) of x (cin, h, w), zero padding 1:
/// v (16, cin, nt) with tile n = (ty − ty0)·⌈w/2⌉ + tx. With `scale` non-null each input value is
/// first mapped to x·scale[c] + shift[c] (then SiLU when `silu`): a GroupNorm applied on the way.
void nl_winograd_input(const float *x, long h, long w, long cin, long c0, long c1, long ty0, long ty1,
                       const float *scale, const float *shift, int silu, float *v, long nt);

/// Output transform of m (16, cout, nt) for output channels [o0, o1) and tile rows [ty0, ty1)
/// into y (cout, h, w), plus bias (may be null).
void nl_winograd_output(const float *m, long cout, long nt, long o0, long o1, long ty0, long ty1, long h, long w,
                        const float *bias, float *y);

/// Winograd F(4x4,3x3) versions of the input and output transforms above (winograd4.c): v and m hold
/// 36 planes instead of 16, tiles are 4x4 outputs (⌈w/4⌉ per tile row, tile rows of 4 image rows).
void nl_winograd4_input(const float *x, long h, long w, long cin, long c0, long c1, long ty0, long ty1,
                        const float *scale, const float *shift, int silu, float *v, long nt);
void nl_winograd4_output(const float *m, long cout, long nt, long o0, long o1, long ty0, long ty1, long h, long w,
                         const float *bias, float *y);

/// Floats of the packed-key panels for s keys of dimension d.
long nl_attention_panel_floats(long s, long d);

/// Packs K (s x d, row stride ldk) into panels of 16 keys (d x 16 each) for nl_attention_scores.
void nl_attention_pack_keys(const float *k, long ldk, long s, long d, float *panels);

/// out (rows x s, row stride ldo) = scale · Q Kᵀ for Q (rows x d, stride ldq) and packed K, with
/// AVX2 + FMA. Returns 0 (and does nothing) on CPUs without them.
int nl_attention_scores(const float *q, long ldq, const float *panels, long s, long d, long rows, float scale,
                        float *out, long ldo);

/// Most query rows per nl_attention_fused call (its running maxima and sums live on the stack).
#define NL_ATTENTION_FUSED_MAX_ROWS 1024

/// Fused attention of one head: out (rows x d, row stride ldo) = softmax(scale · Q Kᵀ) V for Q (rows x d,
/// stride ldq), K packed by nl_attention_pack_keys and V (s x d, stride ldv), key blocks of `key_block`
/// keys (a multiple of 16, at most 512) with an online softmax. AVX2 + FMA; returns 0 (and does nothing)
/// without them, when d is not a multiple of 8, or rows is outside [1, NL_ATTENTION_FUSED_MAX_ROWS].
int nl_attention_fused(const float *q, long ldq, const float *panels, const float *v, long ldv, long s, long d,
                       long rows, float scale, long key_block, float *out, long ldo);
/// 1 when this CPU runs nl_attention_fused (AVX2 + FMA).
int nl_attention_fused_available(void);

/// GFLOP/s of one thread running `iterations` rounds of 12 independent 8-lane FMA chains (AVX2 + FMA;
/// 0 without them): the per-core fp32 ceiling that GEMM kernels are measured against.
double nl_fma_gflops(long iterations);

/// glibc: keep freed buffers up to 32 MB in the heap and never trim it (no-op elsewhere).
void nl_keep_freed_memory(void);

/// A section of single-threaded OpenBLAS calls run side by side by the caller's own workers: the
/// first section to begin sets OpenBLAS to 1 thread, the last to end restores the count (sections
/// in different threads nest). nl_blas_set_threads sets the count outside sections (inside one it
/// becomes the count restored at the end).
void nl_blas_single_threaded_begin(void);
void nl_blas_single_threaded_end(void);
void nl_blas_set_threads(int n);
/// Threads a GEMM may use now: the count set for the process, 1 inside a section.
int nl_blas_gemm_threads(void);

#endif
