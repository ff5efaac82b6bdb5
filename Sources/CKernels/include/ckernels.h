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

/// glibc: keep freed buffers up to 32 MB in the heap and never trim it (no-op elsewhere).
void nl_keep_freed_memory(void);

#endif
