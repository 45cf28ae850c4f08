/* milterc_util.c - a byte buffer, sleeping and text helpers for milterc */
#include "milterc_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* buf_reserve - make room for n more bytes and the trailing NUL */
static void buf_reserve(struct buf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

/* buf_add - append bytes */
void buf_add(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* buf_add_str - append a string with its NUL */
void buf_add_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s) + 1);
}

/* buf_add_u16 - append a big-endian 16-bit integer */
void buf_add_u16(struct buf *b, uint16_t v)
{
    unsigned char p[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    buf_add(b, p, sizeof(p));
}

/* buf_add_u32 - append a big-endian 32-bit integer */
void buf_add_u32(struct buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    buf_add(b, p, sizeof(p));
}

/* buf_fill - append n copies of one byte */
void buf_fill(struct buf *b, unsigned char c, size_t n)
{
    buf_reserve(b, n);
    memset(b->data + b->len, c, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* buf_reset - forget the contents */
void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* buf_free - release the memory */
void buf_free(struct buf *b)
{
    free(b->data);
    *b = (struct buf){0};
}

/* get_u32 - big-endian integer at any alignment */
uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* sleep_ms - nanosleep that survives signals */
void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* fput_escaped - one-line rendering of arbitrary bytes */
void fput_escaped(FILE *fp, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r')
            fputs("\\r", fp);
        else if (c == '\n')
            fputs("\\n", fp);
        else if (c == '\t')
            fputs("\\t", fp);
        else if (c == '\\')
            fputs("\\\\", fp);
        else if (c < 0x20 || c == 0x7f)
            fprintf(fp, "\\x%02x", c);
        else
            fputc(c, fp);
    }
}
