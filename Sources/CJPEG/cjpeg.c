#include "cjpeg.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

struct shim_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
};

static void shim_error_exit(j_common_ptr info) {
    struct shim_error *err = (struct shim_error *)info->err;
    longjmp(err->jump, 1);
}

static void copy_message(j_common_ptr info, char *message, size_t size) {
    char buffer[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, buffer);
    if (size > 0) snprintf(message, size, "%s", buffer);
}

int cjpeg_decode_rgb(const unsigned char *data, size_t size, size_t max_pixels, unsigned char **pixels,
                     int *width, int *height, char *message, size_t message_size) {
    struct jpeg_decompress_struct info;
    struct shim_error err;
    unsigned char *volatile out = NULL;
    info.err = jpeg_std_error(&err.base);
    err.base.error_exit = shim_error_exit;
    if (setjmp(err.jump)) {
        copy_message((j_common_ptr)&info, message, message_size);
        jpeg_destroy_decompress(&info);
        free(out);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    // The frame size is checked before jpeg_start_decompress: for a progressive JPEG that call already
    // allocates (and zeroes) coefficient buffers for the whole declared frame, gigabytes for a
    // 280-byte file declaring 64004 x 32775 pixels (Fuzz/regressions/jpeg).
    if ((size_t)info.image_width * info.image_height > max_pixels) {
        *width = (int)info.image_width;
        *height = (int)info.image_height;
        jpeg_destroy_decompress(&info);
        return -2;
    }
    info.out_color_space = JCS_RGB; // grayscale and YCbCr alike come out as RGB
    jpeg_start_decompress(&info);
    size_t stride = (size_t)info.output_width * 3;
    out = malloc(stride * info.output_height);
    if (!out) {
        snprintf(message, message_size, "out of memory");
        jpeg_destroy_decompress(&info);
        return -1;
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = out + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    *width = (int)info.output_width;
    *height = (int)info.output_height;
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    *pixels = out;
    return 0;
}

int cjpeg_encode_rgb(const unsigned char *pixels, int width, int height, int quality,
                     unsigned char **out, size_t *out_size, char *message, size_t message_size) {
    struct jpeg_compress_struct info;
    struct shim_error err;
    unsigned char *buffer = NULL;
    unsigned long length = 0;
    info.err = jpeg_std_error(&err.base);
    err.base.error_exit = shim_error_exit;
    if (setjmp(err.jump)) {
        copy_message((j_common_ptr)&info, message, message_size);
        jpeg_destroy_compress(&info);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, &buffer, &length);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = 3;
    info.in_color_space = JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t stride = (size_t)width * 3;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * info.next_scanline);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *out = buffer;
    *out_size = (size_t)length;
    return 0;
}

void cjpeg_free(void *pointer) { free(pointer); }
