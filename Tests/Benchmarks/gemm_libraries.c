// sgemm GFLOP/s of one BLAS library on the SD-1.5 U-Net's GEMM shapes, built once per library by
// gemm_libraries.sh (OpenBLAS and BLIS through their CBLAS interface, oneDNN through dnnl_sgemm).
// Three schedules per shape: one single-threaded call ("1t", what the Winograd and attention workers
// run), two single-threaded calls side by side on halves of C ("split", Sources/Inference/Ops/BLAS.swift's
// splitGEMM), and one call with the library's own two threads ("2t"). Every product is checked
// against a direct evaluation in double at 64 sampled entries before it is timed.
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(USE_DNNL)
#include <dnnl.h>
#include <omp.h>
static const char *library = "oneDNN";
static void set_threads(int n) { omp_set_num_threads(n); }
static void sgemm(int ta, int tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}
#else
#if defined(USE_BLIS)
#include <blis.h>
#endif
#include <cblas.h>
#if defined(USE_BLIS)
static const char *library = "BLIS";
static void set_threads(int n) { bli_thread_set_num_threads(n); }
#else
static const char *library = "OpenBLAS";
static void set_threads(int n) { openblas_set_num_threads(n); }
#endif
static void sgemm(int ta, int tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb,
                0.0f, c, ldc);
}
#endif

typedef struct { int m, n, k, tb; const char *what; } Shape;

// C[M×N] = A[M×K]·op(B); tb: B stored [N×K] (a linear layer's weight). Row-major, as normlab calls them.
static const Shape shapes[] = {
    {4096, 320, 320, 1, "linear q/k/v/out at 64²"},
    {4096, 2560, 320, 1, "linear GEGLU 320→2·1280 at 64²"},
    {4096, 320, 1280, 1, "linear ff out 1280→320 at 64²"},
    {1024, 5120, 640, 1, "linear GEGLU 640→2·2560 at 32²"},
    {1024, 640, 2560, 1, "linear ff out 2560→640 at 32²"},
    {256, 10240, 1280, 1, "linear GEGLU 1280→2·5120 at 16²"},
    {1280, 256, 11520, 0, "conv 3×3 1280→1280 at 16², im2col"},
    {1280, 256, 23040, 0, "conv 3×3 2560→1280 at 16², im2col"},
    {1280, 64, 11520, 0, "conv 3×3 1280→1280 at 8², im2col"},
    {160, 1024, 320, 0, "Winograd 320 ch at 64², one worker's GEMM"},
    {320, 256, 640, 0, "Winograd 640 ch at 32², one worker's GEMM"},
    {4096, 40, 4096, 0, "attention P·V, head dim 40"},
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

typedef struct { const Shape *s; const float *a, *b; float *c; int part, parts; } Job;

// Part `part` of `parts` of C's rows (or columns when C is wider than tall), like splitGEMM.
static void *run_part(void *arg) {
    Job *j = arg;
    const Shape *s = j->s;
    int rows = s->m >= s->n, len = rows ? s->m : s->n;
    int lo = (int)((long)len * j->part / j->parts / 16 * 16), hi = j->part + 1 == j->parts ? len : (int)((long)len * (j->part + 1) / j->parts / 16 * 16);
#if defined(USE_DNNL)
    if (j->parts > 1) omp_set_num_threads(1);  // OpenMP's thread count is per calling thread
#endif
    int ldb = s->tb ? s->k : s->n;
    if (rows)
        sgemm(0, s->tb, hi - lo, s->n, s->k, j->a + (long)lo * s->k, s->k, j->b, ldb, j->c + (long)lo * s->n, s->n);
    else
        sgemm(0, s->tb, s->m, hi - lo, s->k, j->a, s->k, j->b + (s->tb ? (long)lo * s->k : lo), ldb, j->c + lo, s->n);
    return NULL;
}

static void product(const char *mode, const Shape *s, const float *a, const float *b, float *c) {
    if (strcmp(mode, "split") == 0) {
        Job jobs[2] = {{s, a, b, c, 0, 2}, {s, a, b, c, 1, 2}};
        pthread_t t;
        pthread_create(&t, NULL, run_part, &jobs[1]);
        run_part(&jobs[0]);
        pthread_join(t, NULL);
    } else {
        Job whole = {s, a, b, c, 0, 1};
        run_part(&whole);
    }
}

// Largest relative error of 64 sampled entries against a direct evaluation in double.
static double check(const Shape *s, const float *a, const float *b, const float *c) {
    double worst = 0;
    for (int t = 0; t < 64; t++) {
        int i = (int)((long)t * 7919 % s->m), j = (int)((long)t * 104729 % s->n);
        double ref = 0, mag = 0;
        for (int p = 0; p < s->k; p++) {
            double v = (double)a[(long)i * s->k + p] * (s->tb ? b[(long)j * s->k + p] : b[(long)p * s->n + j]);
            ref += v;
            mag += fabs(v);
        }
        worst = fmax(worst, fabs(c[(long)i * s->n + j] - ref) / fmax(mag, 1e-30));
    }
    return worst;
}

static int by_value(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv) {
    int calls = argc > 1 ? atoi(argv[1]) : 5;
    const char *modes[] = {"1t", "split", "2t"};
#if defined(USE_BLIS)
    fprintf(stderr, "BLIS kernels for: %s\n", bli_arch_string(bli_arch_query_id()));
#endif
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const Shape *s = &shapes[si];
        long na = (long)s->m * s->k, nb = (long)s->k * s->n, nc = (long)s->m * s->n;
        float *a = malloc(na * 4), *b = malloc(nb * 4), *c = malloc(nc * 4);
        unsigned state = 12345;
        for (long i = 0; i < na; i++) a[i] = (float)((state = state * 1664525u + 1013904223u) >> 8) / (1 << 24) - 0.5f;
        for (long i = 0; i < nb; i++) b[i] = (float)((state = state * 1664525u + 1013904223u) >> 8) / (1 << 24) - 0.5f;
        for (int mi = 0; mi < 3; mi++) {
            set_threads(strcmp(modes[mi], "2t") == 0 ? 2 : 1);
            memset(c, 0, nc * 4);
            product(modes[mi], s, a, b, c);  // warm-up, and the product that is checked
            double err = check(s, a, b, c);
            double t[64];
            for (int r = 0; r < calls && r < 64; r++) {
                double t0 = now();
                product(modes[mi], s, a, b, c);
                t[r] = now() - t0;
            }
            qsort(t, calls, sizeof t[0], by_value);
            if (mi == 2) nanosleep(&(struct timespec){0, 200000000}, NULL);  // let the library's idle threads stop spinning
            printf("%s\t%dx%dx%d%s\t%s\t%.1f\t%.1e\t%s\n", library, s->m, s->n, s->k, s->tb ? "T" : "", modes[mi],
                   2.0 * s->m * s->n * s->k / t[calls / 2] / 1e9, err, s->what);
            fflush(stdout);
        }
        free(a), free(b), free(c);
    }
    return 0;
}
