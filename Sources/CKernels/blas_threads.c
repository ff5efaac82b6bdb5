// OpenBLAS's thread count is one process-wide setting. Code that runs several single-threaded GEMMs
// side by side (attention and Winograd workers, the detector's scoring workers) lowers it to 1 for its
// section. Two such sections in different threads (two HTTP requests, concurrent tests) must not undo
// each other: the first to enter saves the count and sets 1, the last to leave restores it. Without
// this, one section's restore let the other's workers run threaded GEMMs side by side on OpenBLAS's
// shared thread pool, which is not safe.
#include "ckernels.h"
#include <pthread.h>

extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);

static pthread_mutex_t section_lock = PTHREAD_MUTEX_INITIALIZER;
static int section_depth = 0;
static int saved_threads = 1;

void nl_blas_single_threaded_begin(void) {
    pthread_mutex_lock(&section_lock);
    if (section_depth++ == 0) {
        saved_threads = openblas_get_num_threads();
        openblas_set_num_threads(1);
    }
    pthread_mutex_unlock(&section_lock);
}

void nl_blas_single_threaded_end(void) {
    pthread_mutex_lock(&section_lock);
    if (--section_depth == 0) openblas_set_num_threads(saved_threads);
    pthread_mutex_unlock(&section_lock);
}

void nl_blas_set_threads(int n) {
    pthread_mutex_lock(&section_lock);
    if (section_depth == 0) openblas_set_num_threads(n); else saved_threads = n;
    pthread_mutex_unlock(&section_lock);
}

int nl_blas_gemm_threads(void) {
    pthread_mutex_lock(&section_lock);
    int n = section_depth == 0 ? openblas_get_num_threads() : 1;
    pthread_mutex_unlock(&section_lock);
    return n;
}
