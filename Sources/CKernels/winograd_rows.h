// One input row of a Winograd tile band, shared by F(2×2) (winograd.c) and F(4×4) (winograd4.c).
#pragma once
#include "ckernels.h"
#include <string.h>

// Row iy of a channel plane (h × w) into r[0 ..< wp]: one zero on the left, the row normalised with
// sc/sh (GroupNorm's per-channel affine, SiLU if silu) when scale is set, zeros right and outside the image.
static inline void winograd_padded_row(const float *plane, long h, long w, long iy, long wp, float sc, float sh,
                                       const float *scale, int silu, float *r) {
    memset(r, 0, sizeof(float) * (size_t)wp);
    if (iy < 0 || iy >= h) return;
    const float *src = plane + iy * w;
    if (scale) {
        nl_affine(src, r + 1, w, sc, sh, silu);
    } else {
        memcpy(r + 1, src, sizeof(float) * (size_t)w);
    }
}
