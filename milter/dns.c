/* dns.c - the shared resolver: one thread owns the c-ares channels, any
 * thread submits through a queue and waits on the answer's own condvar */
#include "dns.h"

#include "dns_cache.h"
#include "dns_msg.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define CLASS_IN 1
#define NAME_MAX_TEXT 253
#define LABEL_MAX 63
#define POLL_MAX_MS 60000

/* One c-ares channel. After a reload the old one only drains its queries. */
struct chan {
    struct chan *next;
    ares_channel ch;
    unsigned active; /* queries started, callback not yet run */
    struct dns_resolver *r;
};

/* A socket c-ares asked us to watch. */
struct watch {
    int fd;
    short events;
    struct chan *chan;
};

/* A lookup handed to the resolver thread; holds a reference to the entry. */
struct request {
    struct request *next;
    struct dns_entry *entry;
};

/* A query c-ares is working on. */
struct inflight {
    struct chan *chan;
    struct dns_entry *entry;
    int64_t sent_us; /* metrics_now_us() when handed to c-ares */
};

struct dns_resolver {
    pthread_t thread;
    struct dns_cache *cache;
    int wakefd;
    pthread_mutex_t lock; /* head, tail, adopt, stop */
    struct request *head, **tail;
    struct chan *adopt; /* from dns_reconfigure, for the thread to take over */
    int stop;
    /* the resolver thread only: */
    struct chan *chans; /* the current channel first, then draining ones */
    struct watch *watches;
    size_t nwatch, capwatch;
    struct pollfd *pfd;
    struct chan **powner;
    size_t pcap;
    /* counters, any thread: */
    _Atomic uint64_t submitted, cache_hits, coalesced, sent, trylater;
};

/* A caller's handle: a reference to the entry and its own deadline answer. */
struct dns_query {
    struct dns_entry *entry;
    struct dns_result deadline;
};

static const char *const dns_cache_how_names[] = {
    [DNS_CACHE_MISS] = "miss",
    [DNS_CACHE_HIT] = "hit",
    [DNS_CACHE_JOINED] = "coalesced",
};

/* count - bump a counter */
static void count(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* port_parse - decimal 1..65535 */
static int port_parse(const char *s, unsigned *port)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || errno || *end || v == 0 || v > 65535)
        return -1;
    *port = (unsigned)v;
    return 0;
}

/* addr_parse - an IPv4 or IPv6 literal into the node */
static int addr_parse(const char *s, struct ares_addr_port_node *n)
{
    if (inet_pton(AF_INET, s, &n->addr.addr4) == 1) {
        n->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, &n->addr.addr6) == 1) {
        n->family = AF_INET6;
        return 0;
    }
    return -1;
}

/* server_parse - "ip", "ip:port", "v6", "[v6]" or "[v6]:port" */
static int server_parse(const char *spec, struct ares_addr_port_node *n)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port = NULL, *colon = strchr(spec, ':');
    size_t hlen = strlen(spec);
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (close == NULL || (close[1] && close[1] != ':'))
            return -1;
        port = close[1] ? close + 2 : NULL;
        spec++;
        hlen = (size_t)(close - spec);
    } else if (colon && strchr(colon + 1, ':') == NULL) {
        port = colon + 1;
        hlen = (size_t)(colon - spec);
    }
    if (hlen >= sizeof(host))
        return -1;
    memcpy(host, spec, hlen);
    host[hlen] = '\0';
    unsigned p = 0;
    if (addr_parse(host, n) < 0 || (port && port_parse(port, &p) < 0))
        return -1;
    n->udp_port = n->tcp_port = (int)p; /* 0: c-ares uses 53 */
    return 0;
}

/* servers_set - give the channel the configured servers (else resolv.conf's) */
static int servers_set(ares_channel ch, const struct dns_settings *s, char *err, size_t errlen)
{
    int ret = -1;
    struct ares_addr_port_node *nodes = xcalloc(s->nservers ? s->nservers : 1, sizeof(*nodes));
    for (size_t i = 0; i < s->nservers; i++) {
        if (server_parse(s->servers[i], &nodes[i]) < 0) {
            snprintf(err, errlen, "bad DNS server \"%s\" (ip, ip:port, [v6] or [v6]:port)",
                     s->servers[i]);
            goto out;
        }
        nodes[i].next = i + 1 < s->nservers ? &nodes[i + 1] : NULL;
    }
    int rc = s->nservers ? ares_set_servers_ports(ch, nodes) : ARES_SUCCESS;
    if (rc != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: setting servers: %s", ares_strerror(rc));
        goto out;
    }
    ret = 0;
out:
    free(nodes);
    return ret;
}

/* watch_find - index of fd in the watch list, or nwatch */
static size_t watch_find(const struct dns_resolver *r, int fd)
{
    size_t i = 0;
    while (i < r->nwatch && r->watches[i].fd != fd)
        i++;
    return i;
}

/* sock_cb - c-ares opens, closes or changes interest in a socket */
static void sock_cb(void *data, ares_socket_t fd, int readable, int writable)
{
    struct chan *c = data;
    struct dns_resolver *r = c->r;
    size_t i = watch_find(r, fd);
    if (!readable && !writable) {
        if (i < r->nwatch)
            r->watches[i] = r->watches[--r->nwatch];
        return;
    }
    if (i == r->nwatch) {
        if (r->nwatch == r->capwatch) {
            r->capwatch = r->capwatch ? r->capwatch * 2 : 8;
            r->watches = xrealloc(r->watches, r->capwatch * sizeof(*r->watches));
        }
        r->nwatch++;
    }
    r->watches[i] = (struct watch){
        .fd = fd,
        .events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0)),
        .chan = c,
    };
}

/* chan_open - a configured channel; no query runs on it yet, so any thread */
static struct chan *chan_open(struct dns_resolver *r, const struct dns_settings *s, char *err,
                              size_t errlen)
{
    struct chan *c = xcalloc(1, sizeof(*c));
    c->r = r;
    struct ares_options o = {
        .flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP,
        .timeout = (int)s->timeout_ms,
        .tries = (int)s->tries,
        .sock_state_cb = sock_cb,
        .sock_state_cb_data = c,
    };
    int mask = ARES_OPT_FLAGS | ARES_OPT_SOCK_STATE_CB;
    mask |= (s->timeout_ms ? ARES_OPT_TIMEOUTMS : 0) | (s->tries ? ARES_OPT_TRIES : 0);
    int rc = ares_init_options(&c->ch, &o, mask);
    if (rc != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: init: %s", ares_strerror(rc));
        free(c);
        return NULL;
    }
    if (servers_set(c->ch, s, err, errlen) < 0) {
        ares_destroy(c->ch);
        free(c);
        return NULL;
    }
    return c;
}

/* chan_close - destroy the channel (pending callbacks run) and forget its sockets */
static void chan_close(struct dns_resolver *r, struct chan *c)
{
    ares_destroy(c->ch);
    for (size_t i = 0; i < r->nwatch;)
        if (r->watches[i].chan == c)
            r->watches[i] = r->watches[--r->nwatch];
        else
            i++;
    free(c);
}

/* status_why - the try-later reason for a c-ares failure without a reply */
static const char *status_why(int status)
{
    static const struct {
        int status;
        const char *why;
    } map[] = {
        {.status = ARES_ETIMEOUT, .why = "timeout"},
        {.status = ARES_ECONNREFUSED, .why = "unreachable"},
        {.status = ARES_ESERVFAIL, .why = "SERVFAIL"},
        {.status = ARES_EREFUSED, .why = "REFUSED"},
        {.status = ARES_EBADRESP, .why = "malformed"},
        {.status = ARES_EDESTRUCTION, .why = "shutdown"},
        {.status = ARES_ECANCELLED, .why = "shutdown"},
        {.status = ARES_EBADNAME, .why = "badname"},
        {.status = ARES_ENOMEM, .why = "nomem"},
    };
    for (size_t i = 0; i < ARRAY_LEN(map); i++)
        if (map[i].status == status)
            return map[i].why;
    return "error";
}

/* publish - hand a reply to the entry's waiters and the cache */
static void publish(struct dns_resolver *r, struct dns_entry *e, struct dns_reply *rep)
{
    if (rep->result->status == DNS_TRYLATER) {
        count(&r->trylater);
        log_debug("dns: %s/%u: try-later (%s)", rep->result->name, rep->result->type,
                  rep->result->why);
    }
    dns_cache_publish(r->cache, e, rep, now_mono_ms());
}

/* fail - answer an entry try-later without asking, drop the resolver's reference */
static void fail(struct dns_resolver *r, struct dns_entry *e, const char *why)
{
    struct dns_reply rep = {
        .result = dns_msg_result(DNS_TRYLATER, why, dns_entry_name(e), dns_entry_type(e)),
    };
    publish(r, e, &rep);
    dns_entry_release(&e);
}

/* on_answer - c-ares finished a query: parse the raw reply ourselves */
static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct inflight *f = arg;
    struct dns_entry *e = f->entry;
    struct dns_reply rep = {0};
    (void)timeouts;
    if (abuf == NULL || alen <= 0)
        rep.result =
            dns_msg_result(DNS_TRYLATER, status_why(status), dns_entry_name(e), dns_entry_type(e));
    else
        dns_msg_parse(abuf, (size_t)alen, dns_entry_name(e), dns_entry_type(e), &rep);
    metrics_dns_answer(dns_status_name(rep.result->status), rep.result->why, f->sent_us);
    publish(f->chan->r, e, &rep);
    dns_entry_release(&e);
    f->chan->active--;
    free(f);
}

/* query_start - hand the entry to the current channel (may answer at once) */
static void query_start(struct dns_resolver *r, struct dns_entry *e)
{
    struct inflight *f = xmalloc(sizeof(*f));
    *f = (struct inflight){.chan = r->chans, .entry = e, .sent_us = metrics_now_us()};
    f->chan->active++;
    count(&r->sent);
    ares_query(f->chan->ch, dns_entry_name(e), CLASS_IN, dns_entry_type(e), on_answer, f);
}

/* take_work - adopt a new channel and start queued lookups; 0 once stopping */
static int take_work(struct dns_resolver *r)
{
    uint64_t v;
    if (read(r->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        log_errno("dns: reading the wake-up eventfd");
    pthread_mutex_lock(&r->lock);
    struct request *list = r->head;
    struct chan *adopt = r->adopt;
    int stop = r->stop;
    r->head = NULL;
    r->tail = &r->head;
    r->adopt = NULL;
    pthread_mutex_unlock(&r->lock);
    if (adopt) {
        adopt->next = r->chans;
        r->chans = adopt;
    }
    while (list) {
        struct request *next = list->next;
        if (stop)
            fail(r, list->entry, "shutdown");
        else
            query_start(r, list->entry);
        free(list);
        list = next;
    }
    return !stop;
}

/* next_timeout - milliseconds until c-ares needs a look, -1 if never */
static int next_timeout(const struct dns_resolver *r)
{
    int ms = -1;
    for (const struct chan *c = r->chans; c; c = c->next) {
        struct timeval tv;
        if (ares_timeout(c->ch, NULL, &tv) == NULL)
            continue;
        long t = (long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
        t = t > POLL_MAX_MS ? POLL_MAX_MS : t;
        if (ms < 0 || t < ms)
            ms = (int)t;
    }
    return ms;
}

/* poll_fill - the wake fd plus every watched socket, with its channel */
static size_t poll_fill(struct dns_resolver *r)
{
    size_t n = r->nwatch + 1;
    if (n > r->pcap) {
        r->pcap = n * 2;
        r->pfd = xrealloc(r->pfd, r->pcap * sizeof(*r->pfd));
        r->powner = xrealloc(r->powner, r->pcap * sizeof(*r->powner));
    }
    r->pfd[0] = (struct pollfd){.fd = r->wakefd, .events = POLLIN};
    r->powner[0] = NULL;
    for (size_t i = 0; i < r->nwatch; i++) {
        r->pfd[i + 1] = (struct pollfd){.fd = r->watches[i].fd, .events = r->watches[i].events};
        r->powner[i + 1] = r->watches[i].chan;
    }
    return n;
}

/* reap_drained - close old channels whose last query has been answered */
static void reap_drained(struct dns_resolver *r)
{
    struct chan **pp = &r->chans->next;
    while (*pp) {
        struct chan *c = *pp;
        if (c->active == 0) {
            *pp = c->next;
            chan_close(r, c);
        } else {
            pp = &c->next;
        }
    }
}

/* poll_once - wait for sockets, the wake fd or a c-ares timeout, then process */
static void poll_once(struct dns_resolver *r)
{
    size_t n = poll_fill(r);
    int rc = poll(r->pfd, (nfds_t)n, next_timeout(r));
    if (rc < 0 && errno != EINTR)
        log_errno("dns: poll");
    for (size_t i = 1; rc > 0 && i < n; i++) {
        short ev = r->pfd[i].revents;
        if (ev == 0)
            continue;
        ares_socket_t fd = r->pfd[i].fd;
        ares_socket_t rd = ev & (POLLIN | POLLERR | POLLHUP) ? fd : ARES_SOCKET_BAD;
        ares_socket_t wr = ev & POLLOUT ? fd : ARES_SOCKET_BAD;
        ares_process_fd(r->powner[i]->ch, rd, wr);
    }
    for (struct chan *c = r->chans; c; c = c->next)
        ares_process_fd(c->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
    reap_drained(r);
}

/* resolver_main - the resolver thread */
static void *resolver_main(void *arg)
{
    struct dns_resolver *r = arg;
    while (take_work(r))
        poll_once(r);
    while (r->chans) {
        struct chan *c = r->chans;
        r->chans = c->next;
        chan_close(r, c); /* pending queries are answered try-later "shutdown" */
    }
    return NULL;
}

/* limits_of - the cache part of the settings */
static struct dns_cache_limits limits_of(const struct dns_settings *s)
{
    return (struct dns_cache_limits){
        .entries = s->cache_entries,
        .max_ttl = s->max_ttl,
        .max_neg_ttl = s->max_neg_ttl,
        .trylater_ttl = s->trylater_ttl,
    };
}

/* thread_start - start the resolver thread with every signal blocked */
static int thread_start(struct dns_resolver *r, char *err, size_t errlen)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&r->thread, NULL, resolver_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        snprintf(err, errlen, "dns: starting the resolver thread: %s", strerror(rc));
    return rc ? -1 : 0;
}

/* dns_create - channel, cache, wake fd and thread */
struct dns_resolver *dns_create(const struct dns_settings *s, char *err, size_t errlen)
{
    int rc = ares_library_init(ARES_LIB_INIT_ALL);
    if (rc != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: library init: %s", ares_strerror(rc));
        return NULL;
    }
    struct dns_resolver *r = xcalloc(1, sizeof(*r));
    r->tail = &r->head;
    r->wakefd = -1;
    pthread_mutex_init(&r->lock, NULL);
    r->chans = chan_open(r, s, err, errlen);
    if (r->chans == NULL)
        goto fail;
    r->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (r->wakefd < 0) {
        snprintf(err, errlen, "dns: eventfd: %s", strerror(errno));
        goto fail;
    }
    struct dns_cache_limits lim = limits_of(s);
    r->cache = dns_cache_create(&lim);
    if (thread_start(r, err, errlen) == 0)
        return r;
fail:
    dns_cache_destroy(&r->cache);
    if (r->chans)
        chan_close(r, r->chans);
    if (r->wakefd >= 0)
        close(r->wakefd);
    pthread_mutex_destroy(&r->lock);
    free(r);
    ares_library_cleanup();
    return NULL;
}

/* wake - make the resolver thread look at its queue */
static void wake(struct dns_resolver *r)
{
    uint64_t one = 1;
    if (write(r->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        log_errno("dns: writing the wake-up eventfd");
}

/* dns_destroy - stop the thread, answer what is pending, free everything */
void dns_destroy(struct dns_resolver **rp)
{
    if (rp == NULL || *rp == NULL)
        return;
    struct dns_resolver *r = *rp;
    *rp = NULL;
    pthread_mutex_lock(&r->lock);
    r->stop = 1;
    pthread_mutex_unlock(&r->lock);
    wake(r);
    pthread_join(r->thread, NULL);
    if (r->adopt)
        chan_close(r, r->adopt); /* never used: no queries on it */
    dns_cache_destroy(&r->cache);
    close(r->wakefd);
    pthread_mutex_destroy(&r->lock);
    free(r->watches);
    free(r->pfd);
    free(r->powner);
    free(r);
    ares_library_cleanup();
}

/* dns_reconfigure - build a new channel here; the thread swaps it in */
int dns_reconfigure(struct dns_resolver *r, const struct dns_settings *s, char *err, size_t errlen)
{
    struct chan *c = chan_open(r, s, err, errlen);
    if (c == NULL)
        return -1;
    struct dns_cache_limits lim = limits_of(s);
    dns_cache_set_limits(r->cache, &lim, now_mono_ms());
    pthread_mutex_lock(&r->lock);
    struct chan *unused = r->adopt;
    r->adopt = c;
    pthread_mutex_unlock(&r->lock);
    if (unused) {
        ares_destroy(unused->ch); /* never reached the thread: no sockets, no queries */
        free(unused);
    }
    wake(r);
    return 0;
}

/* name_key - the cache key: lowercase, no trailing dot; -1 if not a valid name */
static int name_key(const char *name, char *key, size_t keylen)
{
    size_t len = strlcpy_(key, name, keylen);
    if (len >= keylen)
        return -1;
    if (len > 0 && key[len - 1] == '.')
        key[--len] = '\0';
    str_lower(key);
    if (len == 0 || len > NAME_MAX_TEXT)
        return -1;
    size_t label = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)key[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > LABEL_MAX)
                return -1;
            label = 0;
        } else if (c < 0x21 || c > 0x7e || c == '\\') {
            return -1; /* our replies render such bytes escaped: they never match */
        } else {
            label++;
        }
    }
    return 0;
}

/* enqueue - give the resolver thread a reference to a new pending entry */
static void enqueue(struct dns_resolver *r, struct dns_entry *e)
{
    struct request *rq = xmalloc(sizeof(*rq));
    *rq = (struct request){.entry = e};
    dns_entry_ref(e);
    pthread_mutex_lock(&r->lock);
    int stop = r->stop, was_empty = r->head == NULL;
    if (!stop) {
        *r->tail = rq;
        r->tail = &rq->next;
    }
    pthread_mutex_unlock(&r->lock);
    if (stop) {
        fail(r, e, "shutdown");
        free(rq);
    } else if (was_empty) {
        wake(r);
    }
}

/* dns_submit - cache hit, join, or a new lookup for the thread */
struct dns_query *dns_submit(struct dns_resolver *r, const char *name, enum dns_type type)
{
    char key[DNS_NAME_TEXT_MAX];
    struct dns_query *q = xcalloc(1, sizeof(*q));
    enum dns_cache_how how = DNS_CACHE_MISS;
    count(&r->submitted);
    if (name_key(name, key, sizeof(key)) < 0) {
        struct dns_result *res = dns_msg_result(DNS_TRYLATER, "badname", key, (uint16_t)type);
        q->entry = dns_entry_detached(key, (uint16_t)type, res);
        count(&r->trylater);
    } else {
        q->entry = dns_cache_get(r->cache, key, (uint16_t)type, now_mono_ms(), &how);
        metrics_add(METRIC_DNS_LOOKUPS, 1, METRIC_LABELS(dns_cache_how_names[how]));
        if (how == DNS_CACHE_MISS)
            enqueue(r, q->entry);
        else
            count(how == DNS_CACHE_HIT ? &r->cache_hits : &r->coalesced);
    }
    q->deadline = (struct dns_result){
        .status = DNS_TRYLATER,
        .why = "deadline",
        .type = (uint16_t)type,
        .name = dns_entry_name(q->entry),
    };
    return q;
}

/* dns_wait - the answer, or the handle's deadline result */
const struct dns_result *dns_wait(struct dns_query *q, int64_t deadline_ms)
{
    const struct dns_result *res = dns_entry_wait(q->entry, deadline_ms);
    return res ? res : &q->deadline;
}

/* dns_ready - the answer if there is one */
const struct dns_result *dns_ready(struct dns_query *q)
{
    return dns_entry_result(q->entry);
}

/* dns_release - drop the handle */
void dns_release(struct dns_query **qp)
{
    if (qp == NULL || *qp == NULL)
        return;
    dns_entry_release(&(*qp)->entry);
    free(*qp);
    *qp = NULL;
}

/* dns_status_name - status as text */
const char *dns_status_name(enum dns_status s)
{
    static const char *const names[] = {
        [DNS_TRYLATER] = "try-later",
        [DNS_FOUND] = "found",
        [DNS_NXDOMAIN] = "nxdomain",
        [DNS_NODATA] = "nodata",
    };
    if ((size_t)s < ARRAY_LEN(names))
        return names[s];
    return "try-later";
}

/* dns_get_stats - counters, without locks */
void dns_get_stats(struct dns_resolver *r, struct dns_stats *out)
{
    *out = (struct dns_stats){
        .submitted = atomic_load_explicit(&r->submitted, memory_order_relaxed),
        .cache_hits = atomic_load_explicit(&r->cache_hits, memory_order_relaxed),
        .coalesced = atomic_load_explicit(&r->coalesced, memory_order_relaxed),
        .sent = atomic_load_explicit(&r->sent, memory_order_relaxed),
        .trylater = atomic_load_explicit(&r->trylater, memory_order_relaxed),
    };
}

/* reverse4 - d.c.b.a.in-addr.arpa */
static int reverse4(const unsigned char *a, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* reverse6 - 32 nibbles, least significant first, then ip6.arpa */
static int reverse6(const unsigned char *a, char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    static const char suffix[] = "ip6.arpa";
    if (len < 64 + sizeof(suffix))
        return -1;
    char *p = buf;
    for (int i = 15; i >= 0; i--) {
        *p++ = hex[a[i] & 0xf];
        *p++ = '.';
        *p++ = hex[a[i] >> 4];
        *p++ = '.';
    }
    memcpy(p, suffix, sizeof(suffix));
    return 0;
}

/* dns_reverse_name - the PTR name for an address; IPv4-mapped IPv6 as IPv4 */
int dns_reverse_name(const char *addr, char *buf, size_t len)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned char a[16];
    if (inet_pton(AF_INET, addr, a) == 1)
        return reverse4(a, buf, len);
    if (inet_pton(AF_INET6, addr, a) != 1)
        return -1;
    if (memcmp(a, mapped, sizeof(mapped)) == 0)
        return reverse4(a + 12, buf, len);
    return reverse6(a, buf, len);
}
