/* util.h - allocation that never returns NULL, string and time helpers */
#ifndef MXGATE_UTIL_H
#define MXGATE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* xmalloc, xcalloc, xrealloc, xstrdup, xstrndup - allocate or abort with a
 * message on stderr and in the log; they never return NULL. Any thread. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* strlcpy_ - copy at most size-1 bytes, always terminate; returns strlen(src). */
size_t strlcpy_(char *dst, const char *src, size_t size);

/* str_lower - lowercase ASCII letters of s in place; returns s. */
char *str_lower(char *s);

/* now_mono_ms - monotonic clock in milliseconds. */
int64_t now_mono_ms(void);

/* deadline_to_timespec - CLOCK_MONOTONIC absolute time for a deadline in
 * monotonic milliseconds (as returned by now_mono_ms). */
struct timespec deadline_to_timespec(int64_t deadline_ms);

#endif
