// A minimal, longjmp-safe wrapper around libjpeg-turbo (Debian: libjpeg62-turbo-dev).
// libjpeg reports errors by calling error_exit, which by default exits the process; the shim
// catches them with setjmp (impossible in Swift) and returns them as a message instead.
#pragma once
#include <stddef.h>

/// Decodes a JPEG in memory to 8-bit RGB (3 bytes per pixel, row-major). On success returns 0 and
/// sets *pixels (free with cjpeg_free), *width, *height. On failure returns -1 and writes a message;
/// an image of more than max_pixels pixels fails before its buffer is allocated (returns -2, and
/// *width, *height hold its size).
int cjpeg_decode_rgb(const unsigned char *data, size_t size, size_t max_pixels, unsigned char **pixels,
                     int *width, int *height, char *message, size_t message_size);

/// Encodes 8-bit RGB pixels as a baseline JPEG. On success returns 0 and sets *out/*out_size
/// (free with cjpeg_free).
int cjpeg_encode_rgb(const unsigned char *pixels, int width, int height, int quality,
                     unsigned char **out, size_t *out_size, char *message, size_t message_size);

void cjpeg_free(void *pointer);
