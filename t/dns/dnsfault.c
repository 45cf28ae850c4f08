/* dnsfault.c - a scripted, misbehaving DNS server for the resolver's fault
 * tests. UDP and TCP on one loopback address; the first label of the query
 * name picks the behaviour:
 *
 *   drop         never answer
 *   servfail     RCODE SERVFAIL           refused   RCODE REFUSED
 *   nx           NXDOMAIN with SOA        nodata    NOERROR, no records, SOA
 *   garbage      a reply with our ID and junk where the question should be
 *   badrdlen     an A record whose RDLENGTH runs past the packet
 *   badcount     ANCOUNT 3, one record present
 *   loop         an answer whose owner name is a compression pointer to itself
 *   tc           UDP: empty reply with TC set; TCP: the A record
 *   slowN        the A record after N milliseconds (UDP); "slowN-ttl0": TTL 0
 *   anything else: A 192.0.2.99, TTL 60 (NODATA for other types)
 *
 * Usage: dnsfault -a ADDR -p PORT -l LOGFILE [-m MODE]. With -m, MODE (one of
 * the labels above) applies to every query whatever its name. Writes "ready" to the log once
 * bound (exit 2 if the address is taken), then one line per query received:
 * "udp NAME TYPE" or "tcp NAME TYPE". Runs until killed. */
#include "pkt.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 16
#define MAX_DELAYED 256
#define UDP_MAX 512

/* A parsed query. */
struct query {
    uint16_t id;
    char name[256];
    char label[64];
    unsigned type;
    size_t qend; /* end of the question section */
};

/* A UDP reply waiting for its time. */
struct delayed {
    long long due_ms;
    struct sockaddr_in to;
    size_t len;
    unsigned char buf[UDP_MAX];
};

/* A TCP client and what it sent so far. */
struct conn {
    int fd;
    size_t have;
    unsigned char buf[2 + 65535];
};

static FILE *qlog;
static struct delayed delayed[MAX_DELAYED];
static size_t ndelayed;
static struct conn *conns[MAX_CONNS];

/* now_ms - monotonic milliseconds */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* query_parse - id, lowercase name, first label, type; -1 if not a query */
static int query_parse(const unsigned char *b, size_t len, struct query *q)
{
    if (len < 12 || (b[2] & 0x80) || (b[4] << 8 | b[5]) != 1)
        return -1;
    q->id = (uint16_t)(b[0] << 8 | b[1]);
    size_t off = 12, o = 0;
    q->label[0] = '\0';
    while (off < len && b[off] != 0) {
        size_t n = b[off];
        if (n > 63 || off + 1 + n >= len || o + n + 2 > sizeof(q->name))
            return -1;
        if (o == 0)
            snprintf(q->label, sizeof(q->label), "%.*s", (int)n, (const char *)b + off + 1);
        for (size_t i = 0; i < n; i++)
            q->name[o++] = (char)tolower(b[off + 1 + i]);
        q->name[o++] = '.';
        off += 1 + n;
    }
    if (off + 5 > len)
        return -1;
    q->name[o ? o - 1 : 0] = '\0';
    q->type = (unsigned)(b[off + 1] << 8 | b[off + 2]);
    q->qend = off + 5;
    return 0;
}

/* start - header plus the query's own question */
static void start(struct pkt *p, const unsigned char *in, const struct query *q, unsigned flags,
                  unsigned an, unsigned ns)
{
    pkt_header(p, q->id, (uint16_t)(PKT_QR | PKT_AA | flags), 1, (uint16_t)an, (uint16_t)ns, 0);
    pkt_bytes(p, in + 12, q->qend - 12);
}

/* answer_a - one A record owned by the question name (compressed) */
static void answer_a(struct pkt *p, uint32_t ttl, unsigned rdlen)
{
    pkt_u16(p, 0xc00c);
    pkt_u16(p, 1);
    pkt_u16(p, 1);
    pkt_u32(p, ttl);
    pkt_u16(p, rdlen);
    pkt_bytes(p, "\xc0\x00\x02\x63", 4);
}

/* answer_ok - A 192.0.2.99 for A questions, NODATA with SOA otherwise */
static void answer_ok(struct pkt *p, const unsigned char *in, const struct query *q, uint32_t ttl)
{
    if (q->type == 1) {
        start(p, in, q, 0, 1, 0);
        answer_a(p, ttl, 4);
    } else {
        start(p, in, q, 0, 0, 1);
        pkt_soa(p, "f.test", 60, 60);
    }
}

/* answer_fault - the misbehaviours; 0 if the label names none */
static int answer_fault(struct pkt *p, const unsigned char *in, const struct query *q)
{
    static const unsigned char junk[] = {0xff, 0xfe, 0x00, 0x13, 0x37, 0xc0, 0xff, 0x01, 0x02};
    if (strcmp(q->label, "servfail") == 0 || strcmp(q->label, "refused") == 0) {
        start(p, in, q, q->label[0] == 's' ? 2 : 5, 0, 0);
    } else if (strcmp(q->label, "nx") == 0 || strcmp(q->label, "nodata") == 0) {
        start(p, in, q, q->label[0] == 'n' && q->label[1] == 'x' ? 3 : 0, 0, 1);
        pkt_soa(p, "f.test", 60, 30);
    } else if (strcmp(q->label, "garbage") == 0) {
        pkt_header(p, q->id, PKT_QR, 1, 1, 0, 0);
        pkt_bytes(p, junk, sizeof(junk));
    } else if (strcmp(q->label, "badrdlen") == 0) {
        start(p, in, q, 0, 1, 0);
        answer_a(p, 60, 100);
    } else if (strcmp(q->label, "badcount") == 0) {
        start(p, in, q, 0, 3, 0);
        answer_a(p, 60, 4);
    } else if (strcmp(q->label, "loop") == 0) {
        start(p, in, q, 0, 1, 0);
        pkt_u16(p, 0xc000 | (unsigned)p->len);
        pkt_bytes(p, "\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x63", 14);
    } else {
        return 0;
    }
    return 1;
}

static const char *forced_mode; /* -m: the behaviour for every query */

/* respond - the reply for one query into p; returns the delay in ms, -1 for none */
static long respond(const unsigned char *in, size_t len, int tcp, struct pkt *p)
{
    struct query q;
    if (query_parse(in, len, &q) < 0)
        return -1;
    if (forced_mode)
        snprintf(q.label, sizeof(q.label), "%s", forced_mode);
    fprintf(qlog, "%s %s %u\n", tcp ? "tcp" : "udp", q.name, q.type);
    fflush(qlog);
    p->len = 0;
    if (strcmp(q.label, "drop") == 0)
        return -1;
    if (strcmp(q.label, "tc") == 0 && !tcp) {
        start(p, in, &q, PKT_TC, 0, 0);
        return 0;
    }
    if (answer_fault(p, in, &q))
        return 0;
    if (strncmp(q.label, "slow", 4) == 0) {
        answer_ok(p, in, &q, strstr(q.label, "-ttl0") ? 0 : 60);
        return tcp ? 0 : strtol(q.label + 4, NULL, 10);
    }
    answer_ok(p, in, &q, 60);
    return 0;
}

/* udp_read - answer one datagram now or later */
static void udp_read(int fd)
{
    static struct pkt out;
    unsigned char in[UDP_MAX];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &flen);
    if (n <= 0)
        return;
    long delay = respond(in, (size_t)n, 0, &out);
    if (delay < 0 || out.len > UDP_MAX)
        return;
    if (delay == 0 || ndelayed == MAX_DELAYED) {
        sendto(fd, out.b, out.len, 0, (struct sockaddr *)&from, flen);
        return;
    }
    struct delayed *d = &delayed[ndelayed++];
    d->due_ms = now_ms() + delay;
    d->to = from;
    d->len = out.len;
    memcpy(d->buf, out.b, out.len);
}

/* udp_flush - send the delayed replies that are due; ms until the next, or -1 */
static int udp_flush(int fd)
{
    long long now = now_ms(), next = -1;
    for (size_t i = 0; i < ndelayed;) {
        struct delayed *d = &delayed[i];
        if (d->due_ms <= now) {
            sendto(fd, d->buf, d->len, 0, (struct sockaddr *)&d->to, sizeof(d->to));
            *d = delayed[--ndelayed];
            continue;
        }
        if (next < 0 || d->due_ms - now < next)
            next = d->due_ms - now;
        i++;
    }
    return (int)next;
}

/* conn_close - forget a TCP client */
static void conn_close(size_t i)
{
    close(conns[i]->fd);
    free(conns[i]);
    conns[i] = NULL;
}

/* tcp_answer - answer every complete message in the client's buffer */
static void tcp_answer(struct conn *c)
{
    static struct pkt out;
    for (;;) {
        if (c->have < 2)
            return;
        size_t mlen = (size_t)(c->buf[0] << 8 | c->buf[1]);
        if (c->have < 2 + mlen)
            return;
        if (respond(c->buf + 2, mlen, 1, &out) >= 0 && out.len > 0) {
            unsigned char hdr[2] = {(unsigned char)(out.len >> 8), (unsigned char)out.len};
            if (write(c->fd, hdr, 2) != 2 || write(c->fd, out.b, out.len) != (ssize_t)out.len)
                return;
        }
        memmove(c->buf, c->buf + 2 + mlen, c->have - 2 - mlen);
        c->have -= 2 + mlen;
    }
}

/* tcp_read - more bytes from a client */
static void tcp_read(size_t i)
{
    struct conn *c = conns[i];
    ssize_t n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
    if (n <= 0) {
        conn_close(i);
        return;
    }
    c->have += (size_t)n;
    tcp_answer(c);
}

/* tcp_accept - a new client, if there is room */
static void tcp_accept(int lfd)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        return;
    for (size_t i = 0; i < MAX_CONNS; i++) {
        if (conns[i] == NULL) {
            conns[i] = calloc(1, sizeof(*conns[i]));
            conns[i]->fd = fd;
            return;
        }
    }
    close(fd);
}

/* bind_both - UDP and TCP sockets on addr:port; exits 2 if taken */
static void bind_both(const char *addr, int port, int *ufd, int *tfd)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        fprintf(stderr, "dnsfault: bad address %s\n", addr);
        exit(1);
    }
    int one = 1;
    *ufd = socket(AF_INET, SOCK_DGRAM, 0);
    *tfd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(*tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(*ufd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        bind(*tfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(*tfd, 16) < 0) {
        fprintf(stderr, "dnsfault: bind %s:%d: %s\n", addr, port, strerror(errno));
        exit(2);
    }
}

/* serve - the poll loop */
static void serve(int ufd, int tfd)
{
    for (;;) {
        struct pollfd pfd[2 + MAX_CONNS];
        size_t idx[2 + MAX_CONNS], n = 2;
        pfd[0] = (struct pollfd){.fd = ufd, .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = tfd, .events = POLLIN};
        for (size_t i = 0; i < MAX_CONNS; i++) {
            if (conns[i]) {
                idx[n] = i;
                pfd[n++] = (struct pollfd){.fd = conns[i]->fd, .events = POLLIN};
            }
        }
        if (poll(pfd, n, udp_flush(ufd)) < 0 && errno != EINTR)
            exit(1);
        if (pfd[0].revents)
            udp_read(ufd);
        if (pfd[1].revents)
            tcp_accept(tfd);
        for (size_t i = 2; i < n; i++)
            if (pfd[i].revents)
                tcp_read(idx[i]);
    }
}

int main(int argc, char **argv)
{
    const char *addr = NULL, *logpath = NULL;
    int port = 0, opt;
    while ((opt = getopt(argc, argv, "a:p:l:m:")) != -1) {
        if (opt == 'a')
            addr = optarg;
        else if (opt == 'p')
            port = atoi(optarg);
        else if (opt == 'l')
            logpath = optarg;
        else if (opt == 'm')
            forced_mode = optarg;
        else
            return 1;
    }
    if (addr == NULL || port <= 0 || logpath == NULL) {
        fprintf(stderr, "usage: dnsfault -a ADDR -p PORT -l LOGFILE [-m MODE]\n");
        return 1;
    }
    int ufd, tfd;
    bind_both(addr, port, &ufd, &tfd);
    qlog = fopen(logpath, "a");
    if (qlog == NULL)
        return 1;
    fprintf(qlog, "ready\n");
    fflush(qlog);
    serve(ufd, tfd);
}
