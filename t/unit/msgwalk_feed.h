/* msgwalk_feed.h - the msgwalk tests' fixture: a message text fed to a
 * walker the way the milter glue does it (header fields as name and value,
 * end of headers, the body in chunks), cut every which way, with the
 * results compared and the walker's memory watched. */
#ifndef MXGATE_T_MSGWALK_FEED_H
#define MXGATE_T_MSGWALK_FEED_H

#include "msgwalk.h"
#include "testing.h"

#include <stdint.h>

/* How a body is cut into chunks. */
enum feed_cut {
    CUT_WHOLE = 0, /* one chunk */
    CUT_OCTETS,    /* one octet per chunk */
    CUT_SMALL,     /* random sizes 1..17 */
    CUT_LARGE,     /* random sizes 1..700 */
};

/* feed_rand - xorshift64 step: a pseudo-random number; *s must not be 0 */
uint64_t feed_rand(uint64_t *s);

/* feed_crlf - a copy of n octets with each LF not after a CR made CRLF;
 * its length in *outn; free() it */
char *feed_crlf(const char *s, size_t n, size_t *outn);

/* feed_headers - hand msg's header fields (unfolded by the MTA's rule, the
 * value starting after the colon) to w, then end of headers; returns the
 * offset of the body */
size_t feed_headers(struct msgwalk *w, const char *msg, size_t n);

/* feed_walk - walk a CRLF message with lim (NULL: defaults), the body cut by
 * cut (random ones from seed); the test fails if msgwalk_mem ever exceeds
 * what the limits allow. Returns the final result. */
struct msgwalk_result feed_walk(const char *msg, size_t n, const struct msgwalk_limits *lim,
                                enum feed_cut cut, uint64_t seed);

/* feed_all - walk the LF text s converted to CRLF every way (whole, octet by
 * octet, random small and large chunks with several seeds): all results
 * must be the same; returns it */
struct msgwalk_result feed_all(const char *s, size_t n, const struct msgwalk_limits *lim);

/* feed_names - the names of findings, space-separated, in buf */
const char *feed_names(uint32_t findings, char *buf, size_t len);

/* bit - 1u << f, for expected finding masks */
#define BIT(f) (1u << MSGWALK_##f)

/* WALK - feed_all over a string literal, default limits */
#define WALK(lit) feed_all((lit), sizeof(lit) - 1, NULL)

/* CHECK_FINDINGS - the findings are exactly want (both named on failure) */
#define CHECK_FINDINGS(got, want)                                                        \
    do {                                                                                 \
        uint32_t g_ = (got), w_ = (want);                                                \
        char gb_[512], wb_[512];                                                         \
        if (g_ != w_) {                                                                  \
            fprintf(stderr, "%s:%d: findings [%s], want [%s]\n", __FILE__, __LINE__,     \
                    feed_names(g_, gb_, sizeof(gb_)), feed_names(w_, wb_, sizeof(wb_))); \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

#endif
