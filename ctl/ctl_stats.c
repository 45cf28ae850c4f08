/* ctl_stats.c - mxgatectl stats: the running daemon's metrics, fetched from
 * its endpoint (metrics.listen) and shown as a table */
#include "ctl.h"

#include "config.h"
#include "metrics_http.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FETCH_TIMEOUT_MS 10000
#define FETCH_MAX (64u << 20)

/* ctl_stats_usage - the synopsis */
void ctl_stats_usage(FILE *out)
{
    fprintf(out, "  stats [-r]                             the running daemon's counters as a\n"
                 "                                         table (-r: the raw exposition)\n");
}

/* read_all - the whole response into a malloc'd string; NULL on timeout */
static char *read_all(int fd, size_t *len)
{
    size_t cap = 65536;
    char *buf = xmalloc(cap);
    *len = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, FETCH_TIMEOUT_MS) <= 0)
            break;
        if (*len + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + *len, cap - *len - 1);
        if (n == 0) {
            buf[*len] = '\0';
            return buf;
        }
        if (n < 0 && errno != EINTR)
            break;
        *len += n > 0 ? (size_t)n : 0;
        if (*len > FETCH_MAX)
            break;
    }
    free(buf);
    return NULL;
}

/* connect_to - a connected TCP socket to the endpoint, or -1 with err */
static int connect_to(const char *listen, char *err, size_t errlen)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    bool loopback;
    if (metrics_listen_parse(listen, &sa, &salen, &loopback, err, errlen) < 0)
        return -1;
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, salen) == 0)
        return fd;
    snprintf(err, errlen, "cannot connect to %s: %s (is mxgate running?)", listen, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

/* fetch - GET /metrics; the body, malloc'd, or NULL after saying why */
static char *fetch(const char *listen)
{
    char err[512], req[256];
    size_t len;
    int fd = connect_to(listen, err, sizeof(err));
    if (fd < 0) {
        ctl_fail("%s", err);
        return NULL;
    }
    int n = snprintf(req, sizeof(req), "GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n", listen);
    char *resp = write(fd, req, (size_t)n) == n ? read_all(fd, &len) : NULL;
    close(fd);
    char *body = resp ? strstr(resp, "\r\n\r\n") : NULL;
    if (body == NULL || strncmp(resp, "HTTP/1.", 7) || strncmp(resp + 8, " 200", 4)) {
        ctl_fail("no usable answer from http://%s/metrics", listen);
        free(resp);
        return NULL;
    }
    memmove(resp, body + 4, strlen(body + 4) + 1);
    return resp;
}

/* labels_text - {a="x",b="y"} as "a=x b=y" into out (escapes kept) */
static void labels_text(const char *p, const char *end, char *out, size_t len)
{
    size_t n = 0;
    for (; p < end && n + 1 < len; p++)
        if (*p == ',' && p[-1] == '"')
            out[n++] = ' ';
        else if (*p != '"' || p[-1] == '\\')
            out[n++] = *p;
    out[n] = '\0';
}

struct row_state {
    bool histogram;
    double sum; /* the _sum of the series whose _count comes next */
};

/* show_sample - one sample line as a row; histograms as count and average */
static void show_sample(struct row_state *st, char *line)
{
    char *sp = strrchr(line, ' '), *brace = strchr(line, '{'), labels[512] = "";
    if (sp == NULL)
        return;
    *sp = '\0';
    char *name = line + (strncmp(line, "mxgate_", 7) == 0 ? 7 : 0);
    if (brace && brace < sp) {
        labels_text(brace + 1, sp - 1, labels, sizeof(labels));
        *brace = '\0';
    }
    size_t nl = strlen(name);
    if (st->histogram && nl > 4 && strcmp(name + nl - 4, "_sum") == 0) {
        st->sum = strtod(sp + 1, NULL);
    } else if (st->histogram && nl > 6 && strcmp(name + nl - 6, "_count") == 0) {
        double count = strtod(sp + 1, NULL);
        name[nl - 6] = '\0';
        printf("%-30s %-46s %s (avg %.3f ms)\n", name, labels, sp + 1,
               count > 0 ? st->sum * 1000 / count : 0.0);
    } else if (!st->histogram) {
        printf("%-30s %-46s %s\n", name, labels, sp + 1);
    }
}

/* show_table - every sample but the buckets, one row each */
static void show_table(char *text)
{
    struct row_state st = {0};
    printf("%-30s %-46s %s\n", "METRIC", "LABELS", "VALUE");
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "# TYPE ", 7) == 0)
            st.histogram = strstr(line, " histogram") != NULL;
        else if (line[0] != '#')
            show_sample(&st, line);
    }
}

/* ctl_stats - fetch, then print the table or the raw text */
int ctl_stats(struct ctl *ctl, int argc, char **argv)
{
    bool raw = argc == 2 && strcmp(argv[1], "-r") == 0;
    if (argc > 2 || (argc == 2 && !raw)) {
        fprintf(stderr, "usage:\n");
        ctl_stats_usage(stderr);
        return CTL_USAGE;
    }
    const struct config *cfg = ctl_config(ctl);
    if (cfg == NULL)
        return CTL_FAIL;
    if (cfg->metrics.listen == NULL)
        return ctl_fail("the metrics endpoint is off: set metrics.listen in %s", ctl->path);
    char *text = fetch(cfg->metrics.listen);
    if (text == NULL)
        return CTL_FAIL;
    if (raw)
        fputs(text, stdout);
    else
        show_table(text);
    free(text);
    return CTL_OK;
}
