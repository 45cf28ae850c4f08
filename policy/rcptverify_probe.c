/* rcptverify_probe.c - the SMTP client that asks a primary MX whether it
 * takes a recipient: EHLO, MAIL FROM:<>, RCPT TO, QUIT, never DATA. Plain
 * sockets and poll(); every wait ends at the caller's deadline. */
#include "rcptverify.h"

#include "util.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REPLY_MAX 4096 /* a longer reply is garbage to us */

/* One dialogue. */
struct session {
    int fd;
    int64_t deadline;
    char buf[REPLY_MAX];
    size_t n;
    char *what;
    size_t whatlen;
};

/* line_code - the code of a reply line, or -1; *more: a '-' follows it */
static int line_code(const char *p, size_t len, bool *more)
{
    if (len < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
        return -1;
    if (len > 3 && p[3] != ' ' && p[3] != '-')
        return -1;
    *more = len > 3 && p[3] == '-';
    return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* rv_reply_parse - one reply's lines, checked as they complete */
enum rv_reply_state rv_reply_parse(const char *buf, size_t n, int *code, size_t *used)
{
    size_t at = 0;
    int first = -1;
    while (at < n) {
        const char *nl = memchr(buf + at, '\n', n - at);
        if (nl == NULL)
            return RV_REPLY_MORE;
        size_t len = (size_t)(nl - (buf + at)), end = at + len + 1;
        if (len > 0 && buf[at + len - 1] == '\r')
            len--;
        bool more = false;
        int c = line_code(buf + at, len, &more);
        if (c < 0 || (first >= 0 && c != first))
            return RV_REPLY_BAD;
        first = c;
        at = end;
        if (!more) {
            *code = c;
            *used = at;
            return RV_REPLY_DONE;
        }
    }
    return RV_REPLY_MORE;
}

/* say - what happened, for the caller */
__attribute__((format(printf, 2, 3))) static void say(struct session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->what, s->whatlen, fmt, ap);
    va_end(ap);
}

/* wait_fd - poll for ev until the deadline: 1 ready, 0 timed out, -1 error */
static int wait_fd(struct session *s, short ev)
{
    for (;;) {
        int64_t left = s->deadline - now_mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = s->fd, .events = ev};
        int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* open_conn - a connected socket to p, or -1 with what */
static int open_conn(struct session *s, const struct rv_primary *p)
{
    s->fd = socket(p->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        say(s, "socket: %s", strerror(errno));
        return -1;
    }
    if (connect(s->fd, (const struct sockaddr *)&p->sa, p->len) == 0)
        return 0;
    int err = errno, w = err == EINPROGRESS ? wait_fd(s, POLLOUT) : -1;
    socklen_t len = sizeof(err);
    if (w == 1 && getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
        return 0;
    if (w == 0)
        say(s, "connect: timed out");
    else
        say(s, "connect: %s", strerror(err));
    return -1;
}

/* first_line - the reply's first line, made printable, as what */
static void first_line(struct session *s)
{
    size_t i = 0;
    for (; i + 1 < s->whatlen && i < s->n && s->buf[i] != '\r' && s->buf[i] != '\n'; i++)
        s->what[i] = s->buf[i] >= 0x20 && s->buf[i] < 0x7f ? s->buf[i] : '?';
    s->what[i] = '\0';
}

/* fill - read more of the reply into buf: 1, or 0 with what said */
static int fill(struct session *s, const char *after)
{
    int w = s->n < sizeof(s->buf) ? wait_fd(s, POLLIN) : -1;
    ssize_t r = w == 1 ? recv(s->fd, s->buf + s->n, sizeof(s->buf) - s->n, 0) : -1;
    if (r > 0) {
        s->n += (size_t)r;
        return 1;
    }
    if (s->n >= sizeof(s->buf))
        say(s, "reply to %s too long", after);
    else if (w == 0)
        say(s, "timed out waiting for the reply to %s", after);
    else if (r == 0)
        say(s, "connection closed before the reply to %s", after);
    else
        say(s, "reading the reply to %s: %s", after, strerror(errno));
    return 0;
}

/* reply - the next reply's code, its first line in what; -1 when none came */
static int reply(struct session *s, const char *after)
{
    int code;
    size_t used;
    for (;;) {
        enum rv_reply_state st = rv_reply_parse(s->buf, s->n, &code, &used);
        if (st == RV_REPLY_DONE) {
            first_line(s);
            memmove(s->buf, s->buf + used, s->n - used);
            s->n -= used;
            return code;
        }
        if (st == RV_REPLY_BAD) {
            say(s, "garbled reply to %s", after);
            return -1;
        }
        if (!fill(s, after))
            return -1;
    }
}

/* send_line - send a command line whole before the deadline: 0 or -1 */
static int send_line(struct session *s, const char *line)
{
    size_t len = strlen(line), done = 0;
    int w = 1;
    while (done < len && w == 1) {
        ssize_t r = send(s->fd, line + done, len - done, MSG_NOSIGNAL);
        if (r > 0)
            done += (size_t)r;
        else if (r < 0 && errno == EAGAIN)
            w = wait_fd(s, POLLOUT);
        else if (r < 0 && errno != EINTR)
            w = -1;
    }
    if (done == len)
        return 0;
    say(s, "sending %.4s: %s", line, w == 0 ? "timed out" : strerror(errno));
    return -1;
}

/* command - send a command and read its reply's code, or -1 */
static int command(struct session *s, const char *line, const char *name)
{
    return send_line(s, line) < 0 ? -1 : reply(s, name);
}

/* greet - the banner, then EHLO (HELO when EHLO is refused): 0 or -1 */
static int greet(struct session *s, const char *helo)
{
    char line[300];
    int code = reply(s, "connect");
    if (code < 0 || code / 100 != 2)
        return -1;
    snprintf(line, sizeof(line), "EHLO %s\r\n", helo);
    code = command(s, line, "EHLO");
    if (code / 100 == 5) {
        snprintf(line, sizeof(line), "HELO %s\r\n", helo);
        code = command(s, line, "HELO");
    }
    return code / 100 == 2 ? 0 : -1;
}

/* dialogue - the probe's commands on a connected session */
static enum rv_answer dialogue(struct session *s, const char *helo, const char *addr)
{
    char line[600];
    if (greet(s, helo) < 0 || command(s, "MAIL FROM:<>\r\n", "MAIL") / 100 != 2)
        return RV_ANSWER_TRYLATER;
    snprintf(line, sizeof(line), "RCPT TO:<%s>\r\n", addr);
    int code = command(s, line, "RCPT");
    (void)send(s->fd, "QUIT\r\n", 6, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (code / 100 == 2)
        return RV_ANSWER_KNOWN;
    return code / 100 == 5 ? RV_ANSWER_REFUSED : RV_ANSWER_TRYLATER;
}

/* rv_probe - connect, talk, close */
enum rv_answer rv_probe(const struct rv_primary *p, const char *helo, const char *addr,
                        int64_t deadline_ms, char *what, size_t whatlen)
{
    static struct session zero;
    struct session *s = xmalloc(sizeof(*s));
    *s = zero;
    s->deadline = deadline_ms, s->what = what, s->whatlen = whatlen;
    what[0] = '\0';
    enum rv_answer a = RV_ANSWER_TRYLATER;
    if (open_conn(s, p) == 0)
        a = dialogue(s, helo, addr);
    if (s->fd >= 0)
        close(s->fd);
    free(s);
    return a;
}
