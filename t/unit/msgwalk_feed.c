/* msgwalk_feed.c - feeding messages to a walker in every cut */
#include "msgwalk_feed.h"

#include "util.h"

/* feed_rand - xorshift64 */
uint64_t feed_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* feed_crlf - LF to CRLF */
char *feed_crlf(const char *s, size_t n, size_t *outn)
{
    char *out = xmalloc(2 * n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            out[o++] = '\r';
        out[o++] = s[i];
    }
    out[o] = '\0';
    *outn = o;
    return out;
}

/* line_end - index of the LF ending the line at i, or n */
static size_t line_end(const char *m, size_t n, size_t i)
{
    const char *lf = memchr(m + i, '\n', n - i);
    return lf ? (size_t)(lf - m) : n;
}

/* feed_headers - fields up to the blank line; a line without colon is dropped */
size_t feed_headers(struct msgwalk *w, const char *m, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t e = line_end(m, n, i);
        if (e == i || (e == i + 1 && m[i] == '\r'))
            break;
        while (e + 1 < n && (m[e + 1] == ' ' || m[e + 1] == '\t'))
            e = line_end(m, n, e + 1);
        const char *colon = memchr(m + i, ':', e - i);
        if (colon) {
            size_t vend = e > i && m[e - 1] == '\r' ? e - 1 : e;
            size_t v = (size_t)(colon + 1 - m);
            msgwalk_header(w, m + i, (size_t)(colon - (m + i)), m + v, vend - v);
        }
        i = e + 1;
    }
    msgwalk_eoh(w);
    return i < n ? line_end(m, n, i) + 1 : n;
}

/* mem_bound - what a walker with lim may hold at most */
static size_t mem_bound(const struct msgwalk_limits *lim)
{
    struct msgwalk_limits l = lim ? *lim : (struct msgwalk_limits){0};
    size_t line = l.max_line ? l.max_line : MSGWALK_DEFAULT_LINE;
    return 1024 + (line < MSGWALK_MIN_LINE ? MSGWALK_MIN_LINE : line) +
           (l.max_header_bytes ? l.max_header_bytes : MSGWALK_DEFAULT_HEADER_BYTES) +
           (l.max_depth ? l.max_depth : MSGWALK_DEFAULT_DEPTH) * 80;
}

/* chunk - the next chunk size for cut */
static size_t chunk(enum feed_cut cut, uint64_t *rng, size_t left)
{
    size_t k = cut == CUT_WHOLE    ? left
               : cut == CUT_OCTETS ? 1
               : cut == CUT_SMALL  ? 1 + feed_rand(rng) % 17
                                   : 1 + feed_rand(rng) % 700;
    return k < left ? k : left;
}

/* feed_walk - headers, then the body in chunks, watching the memory */
struct msgwalk_result feed_walk(const char *msg, size_t n, const struct msgwalk_limits *lim,
                                enum feed_cut cut, uint64_t seed)
{
    struct msgwalk *w = msgwalk_create(lim);
    uint64_t rng = seed ? seed : 1;
    size_t bound = mem_bound(lim);
    for (size_t i = feed_headers(w, msg, n), k; i < n; i += k) {
        k = chunk(cut, &rng, n - i);
        msgwalk_body(w, msg + i, k);
        CHECK(msgwalk_mem(w) <= bound);
    }
    msgwalk_end(w);
    struct msgwalk_result r = *msgwalk_result(w);
    msgwalk_destroy(&w);
    CHECK(w == NULL);
    return r;
}

/* same - whether two results agree in every field */
static bool same(const struct msgwalk_result *a, const struct msgwalk_result *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

/* feed_all - every cut gives the result of the whole */
struct msgwalk_result feed_all(const char *s, size_t n, const struct msgwalk_limits *lim)
{
    size_t len;
    char *msg = feed_crlf(s, n, &len);
    struct msgwalk_result whole = feed_walk(msg, len, lim, CUT_WHOLE, 0);
    for (enum feed_cut cut = CUT_OCTETS; cut <= CUT_LARGE; cut++) {
        for (uint64_t seed = 1; seed <= (cut == CUT_OCTETS ? 1u : 8u); seed++) {
            struct msgwalk_result r = feed_walk(msg, len, lim, cut, seed * 7919);
            if (!same(&r, &whole))
                fprintf(stderr, "cut %d seed %llu differs from the whole\n", (int)cut,
                        (unsigned long long)seed);
            CHECK_FINDINGS(r.findings, whole.findings);
            CHECK(same(&r, &whole));
        }
    }
    free(msg);
    return whole;
}

/* feed_names - names joined by spaces */
const char *feed_names(uint32_t findings, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int f = 0; f < MSGWALK_NFINDINGS; f++)
        if (findings & (1u << f) && o < len)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? " " : "", msgwalk_finding_name(f));
    return buf;
}
