/* metrics_int.h - the series table, shared by metrics.c (writers) and
 * metrics_text.c (the exposition). Internal to the metrics module. */
#ifndef MXGATE_METRICS_INT_H
#define MXGATE_METRICS_INT_H

#include "metrics.h"

#include <stdatomic.h>

#define METRIC_BUCKETS 17  /* finite histogram bounds; one more for +Inf */
#define METRIC_SLOTS 4096  /* series table size; filled to 3/4 at most */
#define METRIC_KEY_MAX 512 /* label values joined, bytes */
#define METRIC_SEP "\x1f"  /* between label values in a key */

/* One series: a family and its label values. value is the counter, the
 * gauge, or a histogram's count; buckets are not cumulative. */
struct metric_series {
    enum metric m;
    char *key; /* label values joined by METRIC_SEP */
    _Atomic int64_t value, sum_us;
    _Atomic int64_t buckets[METRIC_BUCKETS + 1];
};

/* metric_bucket_us - the histogram bounds, microseconds. */
extern const int64_t metric_bucket_us[METRIC_BUCKETS];

/* metrics_each - fn on every series of family m (none yet: not called). */
void metrics_each(enum metric m, void (*fn)(void *arg, const struct metric_series *s), void *arg);

#endif
