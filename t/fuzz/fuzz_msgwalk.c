/* fuzz_msgwalk.c - libFuzzer target: the message walk. Input: one octet
 * choosing the limits, four seeding the chunk sizes, then a message: its
 * header fields up to the first blank line are fed as the milter glue does
 * (name, value after the colon with its folds), the rest is the body, fed in
 * chunks of 1..(1 + input-chosen) octets. Each name, value and chunk is
 * copied to a buffer of its exact size, so ASan sees any overread. Checked:
 * the memory bound after every call, the result's consistency, and that the
 * chunked walk finds what a walk of the body in one piece finds. */
#include "msgwalk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The limit sets the first octet chooses among (low two bits). */
static const struct msgwalk_limits limit_sets[] = {
    {0},
    {.max_depth = 3, .max_parts = 6, .max_header_bytes = 100, .max_line = 1},
    {.max_depth = 1, .max_parts = 2, .max_header_bytes = 40, .max_line = 80},
    {.max_depth = 8, .max_parts = 50, .max_header_bytes = 1000, .max_line = 200},
};

/* A walk in progress. */
struct run {
    struct msgwalk *w;
    size_t bound;
};

/* bound - the memory a walker with lim may hold */
static size_t bound(const struct msgwalk_limits *lim)
{
    size_t line = lim->max_line > 200 ? lim->max_line : 200;
    return 1024 + line + (lim->max_header_bytes ? lim->max_header_bytes : 65536) +
           (lim->max_depth ? lim->max_depth : 20) * 80;
}

/* watch - abort when the walker holds more than its limits allow */
static void watch(const struct run *r)
{
    if (msgwalk_mem(r->w) > r->bound)
        abort();
}

/* exact - a malloc'd copy of n octets (at least one allocated) */
static char *exact(const uint8_t *p, size_t n)
{
    char *c = malloc(n ? n : 1);
    if (c == NULL)
        abort();
    if (n > 0)
        memcpy(c, p, n);
    return c;
}

/* line_end - index of the LF ending the line at i, or n */
static size_t line_end(const uint8_t *m, size_t n, size_t i)
{
    const uint8_t *lf = memchr(m + i, '\n', n - i);
    return lf ? (size_t)(lf - m) : n;
}

/* field - hand one field [i, e) to the walker, if it has a colon */
static void field(struct run *r, const uint8_t *m, size_t i, size_t e)
{
    const uint8_t *colon = memchr(m + i, ':', e - i);
    if (colon == NULL)
        return;
    size_t v = (size_t)(colon + 1 - m), vend = e > v && m[e - 1] == '\r' ? e - 1 : e;
    char *name = exact(m + i, (size_t)(colon - (m + i))), *value = exact(m + v, vend - v);
    msgwalk_header(r->w, name, (size_t)(colon - (m + i)), value, vend - v);
    free(name);
    free(value);
    watch(r);
}

/* headers - feed the fields up to the blank line; returns the body's offset */
static size_t headers(struct run *r, const uint8_t *m, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t e = line_end(m, n, i);
        if (e == i || (e == i + 1 && m[i] == '\r'))
            return e < n ? e + 1 : n;
        while (e + 1 < n && (m[e + 1] == ' ' || m[e + 1] == '\t'))
            e = line_end(m, n, e + 1);
        field(r, m, i, e);
        i = e + 1;
    }
    return n;
}

/* walk - one walk of the message; the body in one piece when seed is 0 */
static struct msgwalk_result walk(const struct msgwalk_limits *lim, const uint8_t *m, size_t n,
                                  uint32_t seed)
{
    struct run r = {.w = msgwalk_create(lim), .bound = bound(lim)};
    uint32_t max = 1 + (seed >> 24), s = seed | 1;
    for (size_t i = headers(&r, m, n), k; i < n; i += k) {
        s ^= s << 13, s ^= s >> 17, s ^= s << 5;
        k = seed ? 1 + s % max : n - i;
        k = k < n - i ? k : n - i;
        char *chunk = exact(m + i, k);
        msgwalk_body(r.w, chunk, k);
        free(chunk);
        watch(&r);
    }
    msgwalk_end(r.w);
    struct msgwalk_result res = *msgwalk_result(r.w);
    msgwalk_destroy(&r.w);
    return res;
}

/* consistent - the result's parts agree with each other and the limits */
static bool consistent(const struct msgwalk_result *r, const struct msgwalk_limits *lim)
{
    unsigned parts = lim->max_parts ? lim->max_parts : 1000;
    unsigned depth = lim->max_depth ? lim->max_depth : 20;
    bool utf8 = r->findings & (1u << MSGWALK_HEADER_UTF8);
    bool eight = r->findings & (1u << MSGWALK_HEADER_8BIT);
    return r->findings < (1u << MSGWALK_NFINDINGS) && r->parts >= 1 && r->parts <= parts &&
           r->depth <= depth && (!utf8 || eight) &&
           !(r->dup_headers & ((1u << MSGWALK_H_FROM) | (1u << MSGWALK_H_DATE))) &&
           (r->dup_headers != 0) == msgwalk_has(r, MSGWALK_DUP_HEADER) &&
           (r->limits_hit != 0) == msgwalk_has(r, MSGWALK_MIME_LIMITS) &&
           (r->boundary_problems != 0) == msgwalk_has(r, MSGWALK_MIME_BAD_BOUNDARY);
}

/* LLVMFuzzerTestOneInput - a chunked walk and a whole one must agree */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    const struct msgwalk_limits *lim = &limit_sets[data[0] & 3];
    uint32_t seed = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | data[3] << 8 | data[4];
    struct msgwalk_result whole = walk(lim, data + 5, size - 5, 0);
    struct msgwalk_result cut = walk(lim, data + 5, size - 5, seed ? seed : 1);
    if (!consistent(&whole, lim) || memcmp(&whole, &cut, sizeof(whole)) != 0)
        abort();
    for (int f = 0; f < MSGWALK_NFINDINGS; f++)
        if (msgwalk_finding_name(f) == NULL)
            abort();
    return 0;
}
