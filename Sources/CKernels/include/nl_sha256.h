// Streaming SHA-256 (FIPS 180-4) for model-weight identities: the SHA extensions (SHA-NI) when the
// CPU has them, about 1.5-2 GB/s, so hashing gigabytes of weights costs seconds; portable C otherwise.
#ifndef NORMLAB_SHA256_H
#define NORMLAB_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t state[8];
    uint64_t length;        // bytes hashed so far
    uint8_t buffer[64];
    size_t used;            // bytes waiting in buffer
    int hardware;           // 1: SHA-NI path
} nl_sha256_ctx;

/// Starts a hash; `allow_hardware` = 0 forces the portable path (tests compare the two).
void nl_sha256_init(nl_sha256_ctx *ctx, int allow_hardware);
void nl_sha256_update(nl_sha256_ctx *ctx, const void *data, size_t count);
void nl_sha256_final(nl_sha256_ctx *ctx, uint8_t digest[32]);

#endif
