/* milterc_util.h - a byte buffer, sleeping and text helpers for milterc */
#ifndef MILTERC_UTIL_H
#define MILTERC_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

/* Allocation (xmalloc & co.), ARRAY_LEN and the monotonic clock come from
 * the daemon's own util.h. */
#include "util.h"

/* struct buf - growable byte buffer; { 0 } is a valid empty buffer. The
 * contents are always followed by a NUL that len does not count. */
struct buf {
    unsigned char *data;
    size_t len, cap;
};

/* buf_add - append n bytes. */
void buf_add(struct buf *b, const void *p, size_t n);

/* buf_add_str - append s and its terminating NUL (milter string encoding). */
void buf_add_str(struct buf *b, const char *s);

/* buf_add_u16, buf_add_u32 - append a big-endian integer. */
void buf_add_u16(struct buf *b, uint16_t v);
void buf_add_u32(struct buf *b, uint32_t v);

/* buf_fill - append n copies of byte c. */
void buf_fill(struct buf *b, unsigned char c, size_t n);

/* buf_reset - empty the buffer, keep its memory; buf_free - release it. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* get_u32 - read a big-endian integer from 4 bytes at p (any alignment). */
uint32_t get_u32(const unsigned char *p);

/* sleep_ms - sleep for ms milliseconds, resuming after signals. */
void sleep_ms(long ms);

/* fput_escaped - write n bytes of s to fp with control characters and the
 * backslash escaped (\r \n \t \\ \xHH), so that one line stays one line. */
void fput_escaped(FILE *fp, const char *s, size_t n);

#endif
