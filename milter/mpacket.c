/* mpacket.c - milter protocol framing over a socket, bounded in size and time */
#include "mpacket.h"

#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* wait_fd - poll fd for events within timeout_ms: 1 ready, 0 timeout, -1 error */
static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    for (;;) {
        int r = poll(&pfd, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 ? -1 : r;
    }
}

/* read_full - n octets into buf: MPACKET_OK, or EOF (only at the first
 * octet, when first), TIMEOUT or ERROR */
static enum mpacket_status read_full(int fd, int timeout_ms, void *buf, size_t n, int first)
{
    size_t got = 0;
    while (got < n) {
        int w = wait_fd(fd, POLLIN, timeout_ms);
        if (w <= 0)
            return w == 0 ? MPACKET_TIMEOUT : MPACKET_ERROR;
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r == 0 && got == 0 && first)
            return MPACKET_EOF;
        if (r <= 0)
            return MPACKET_ERROR;
        got += (size_t)r;
    }
    return MPACKET_OK;
}

/* mpacket_read - one packet */
enum mpacket_status mpacket_read(int fd, int timeout_ms, struct mpacket *p, const char **why)
{
    unsigned char hdr[5];
    *why = "connection lost in the middle of a packet";
    enum mpacket_status st = read_full(fd, timeout_ms, hdr, sizeof(hdr), 1);
    if (st != MPACKET_OK)
        return st;
    uint32_t len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (len == 0 || len > MPACKET_MAX) {
        *why = len == 0 ? "a packet of length 0" : "a packet over 1 MiB";
        return MPACKET_ERROR;
    }
    p->cmd = (char)hdr[4];
    p->len = len - 1;
    if (p->cap < p->len + 1) {
        p->cap = p->len + 1;
        p->data = xrealloc(p->data, p->cap);
    }
    st = read_full(fd, timeout_ms, p->data, p->len, 0);
    if (st == MPACKET_OK)
        p->data[p->len] = '\0'; /* a guard: strings never run past the packet */
    return st;
}

/* write_all - the iovecs, whole */
static int write_all(int fd, int timeout_ms, struct iovec *iov, int n)
{
    while (n > 0) {
        if (wait_fd(fd, POLLOUT, timeout_ms) <= 0)
            return -1;
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w < 0)
            return -1;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++, n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* mpacket_write - one packet from parts */
int mpacket_write(int fd, int timeout_ms, char cmd, const void *const *parts, const size_t *lens,
                  size_t n)
{
    struct iovec iov[8];
    unsigned char hdr[5];
    size_t total = 1;
    if (n > ARRAY_LEN(iov) - 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        iov[i + 1] = (struct iovec){.iov_base = (void *)parts[i], .iov_len = lens[i]};
        total += lens[i];
    }
    hdr[0] = (unsigned char)(total >> 24), hdr[1] = (unsigned char)(total >> 16);
    hdr[2] = (unsigned char)(total >> 8), hdr[3] = (unsigned char)total;
    hdr[4] = (unsigned char)cmd;
    iov[0] = (struct iovec){.iov_base = hdr, .iov_len = sizeof(hdr)};
    return write_all(fd, timeout_ms, iov, (int)n + 1);
}

/* mpacket_free - release the buffer */
void mpacket_free(struct mpacket *p)
{
    free(p->data);
    *p = (struct mpacket){0};
}

/* mpacket_u32 - a network-order number in the data */
uint32_t mpacket_u32(const struct mpacket *p, size_t off)
{
    if (off + 4 > p->len)
        return 0;
    const unsigned char *d = (const unsigned char *)p->data + off;
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

/* mpacket_strings - NUL-terminated strings from off */
int mpacket_strings(const struct mpacket *p, size_t off, char **out, int max)
{
    int n = 0;
    while (off < p->len && n < max) {
        char *s = p->data + off;
        char *end = memchr(s, '\0', p->len - off);
        if (end == NULL)
            return -1;
        out[n++] = s;
        off = (size_t)(end - p->data) + 1;
    }
    return n;
}
