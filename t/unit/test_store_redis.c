/* test_store_redis.c - the Redis backend's own cases: its spec grammar, its
 * keys and their TTLs, agreement with the SQLite backend on random
 * histories, and its faults (server stopped, silent, paused, wrong
 * password) answering try-later within the timeout and recovering without
 * a restart. Each case runs redis-servers of its own on loopback; the
 * backend-neutral cases are in test_store.c. */
#define _GNU_SOURCE /* nftw */
#include "store.h"

#include "log.h"
#include "testing.h"
#include "util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define T0 1700000000LL
#define DAY 86400

/* A private redis-server. */
struct server {
    pid_t pid;
    int port;
    char dir[256], sock[300], log[300], spec[512];
    const char *extra[4]; /* more server options, NULL-terminated */
};

static atomic_uint fresh_keys; /* probes run on two threads at once */

/* free_port - a loopback port nobody listens on now */
static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* answers - whether the server answers a PING (even with NOAUTH) */
static int answers(const struct server *s)
{
    redisContext *c = redisConnectWithTimeout("127.0.0.1", s->port, (struct timeval){0, 200000});
    redisReply *r = c && !c->err ? redisCommand(c, "PING") : NULL;
    int ok = r != NULL;
    freeReplyObject(r);
    redisFree(c);
    return ok;
}

/* launch - run redis-server on s->port and wait until it answers */
static void launch(struct server *s)
{
    char port[8];
    snprintf(port, sizeof(port), "%d", s->port);
    const char *argv[32] = {"redis-server", "--bind",    "127.0.0.1", "--port",
                            port,           "--save",    "",          "--appendonly",
                            "no",           "--dir",     s->dir,      "--unixsocket",
                            s->sock,        "--logfile", s->log};
    int n = 15;
    for (int i = 0; s->extra[i]; i++)
        argv[n++] = s->extra[i];
    s->pid = fork();
    CHECK(s->pid >= 0);
    if (s->pid == 0) { /* dies with the test, even a failed one; keeps no pipe of ctest's */
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(null, 2);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 100 && !answers(s); i++)
        usleep(50000);
    CHECK(answers(s));
}

/* server_start - a fresh server in a temporary directory; extra: options */
static void server_start(struct server *s, const char *extra0, const char *extra1)
{
    *s = (struct server){.extra = {extra0, extra1, NULL}};
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof(s->dir), "%s/mxgate-redis-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(s->dir) != NULL);
    snprintf(s->sock, sizeof(s->sock), "%s/redis.sock", s->dir);
    snprintf(s->log, sizeof(s->log), "%s/redis.log", s->dir);
    s->port = free_port();
    snprintf(s->spec, sizeof(s->spec), "redis:tcp://127.0.0.1:%d/0", s->port);
    launch(s);
}

/* server_stop - SIGTERM and wait */
static void server_stop(struct server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGCONT);
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

/* rm_one - nftw callback: remove */
static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* server_free - stop and remove the directory */
static void server_free(struct server *s)
{
    server_stop(s);
    nftw(s->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* open_spec - a store on spec, which must be good */
static struct store *open_spec(const char *spec)
{
    char err[256];
    struct store *st = store_open(spec, err, sizeof(err));
    if (st == NULL)
        fprintf(stderr, "%s: %s\n", spec, err);
    CHECK(st != NULL);
    return st;
}

/* key - a triplet keyed by its network */
static struct grey_key key(const char *net, const char *sender, const char *rcpt)
{
    return (struct grey_key){.net = net, .origin = net, .sender = sender, .rcpt = rcpt};
}

/* probe - greylist a key never seen before: the store's status */
static enum store_status probe(struct store *st)
{
    char sender[64];
    struct grey_answer a;
    struct grey_policy p = {.now = T0, .delay = 300, .retry_window = DAY, .lifetime = 36 * DAY};
    snprintf(sender, sizeof(sender), "probe%u@example.org", atomic_fetch_add(&fresh_keys, 1));
    struct grey_key k = key("198.51.100.0/24", sender, "rcpt@example.net");
    return store_greylist(st, &k, &p, &a);
}

/* timed_probe - probe, and how long it took in *ms */
static enum store_status timed_probe(struct store *st, int64_t *ms)
{
    int64_t t = now_mono_ms();
    enum store_status s = probe(st);
    *ms = now_mono_ms() - t;
    return s;
}

/* wait_missing - probe every 100 ms until a new key answers missing (the
 * server is back), for at most secs; how long it took, or -1 */
static int64_t wait_missing(struct store *st, int secs)
{
    int64_t start = now_mono_ms();
    for (int64_t end = start + secs * 1000; now_mono_ms() < end; usleep(100000))
        if (probe(st) == STORE_MISSING)
            return now_mono_ms() - start;
    return -1;
}

/* command - one command on the server directly; the reply's integer or
 * -100 for another type */
static long long command(const struct server *s, const char *cmd, const char *arg, size_t len)
{
    redisContext *c = redisConnect("127.0.0.1", s->port);
    CHECK(c && !c->err);
    redisReply *r = redisCommand(c, cmd, arg, len);
    CHECK(r != NULL);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -100;
    freeReplyObject(r);
    redisFree(c);
    return v;
}

static void specs_are_checked_without_io(void)
{
    static const char *const good[] = {
        "redis:tcp://127.0.0.1:6379/0",
        "redis:tcp://localhost",
        "redis:tcp://[::1]:6380/2?prefix=mx:&timeout=200",
        "redis:tcp://10.0.0.1:6379?db=3&connections=16&user=mxgate&password=p%26ss",
        "redis:unix:/run/redis/redis.sock",
        "redis:unix:/run/redis/redis.sock?db=1&password=secret&timeout=1000",
    };
    static const char *const bad[][2] = {
        {"redis:127.0.0.1:6379", "tcp://HOST[:PORT][/DB] or unix:/PATH"},
        {"redis:tcp://127.0.0.1:0", "bad host or port"},
        {"redis:tcp://127.0.0.1:65536", "bad host or port"},
        {"redis:tcp://:6379", "bad host or port"},
        {"redis:tcp://[::1/0", "bad host or port"},
        {"redis:tcp://h/x", "bad database number"},
        {"redis:unix:run/redis.sock", "absolute socket path"},
        {"redis:tcp://h?colour=blue", "unknown option \"colour\""},
        {"redis:tcp://h/1?db=2", "\"db\" is given twice"},
        {"redis:tcp://h?timeout=0", "bad value"},
        {"redis:tcp://h?connections=17", "bad value"},
        {"redis:tcp://h?prefix=", "bad value"},
        {"redis:tcp://h?password=%zz", "bad value"},
        {"redis:tcp://h?user=u", "user needs a password"},
    };
    char err[256];
    for (size_t i = 0; i < ARRAY_LEN(good); i++) {
        if (store_spec_check(good[i], err, sizeof(err)) != 0)
            fprintf(stderr, "%s: %s\n", good[i], err);
        CHECK_INT(store_spec_check(good[i], err, sizeof(err)), 0);
        CHECK(store_path(good[i]) == NULL); /* no local file */
    }
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        err[0] = '\0';
        CHECK_INT(store_spec_check(bad[i][0], err, sizeof(err)), -1);
        CHECK_CONTAINS(err, bad[i][1]);
    }
    CHECK(store_open("redis:tcp://h?colour=blue", err, sizeof(err)) == NULL);
}

static void keys_carry_their_expiry_as_ttl(void)
{
    struct server s;
    server_start(&s, NULL, NULL);
    struct store *st = open_spec(s.spec);
    int64_t now = time(NULL);
    struct grey_policy p = {.now = now, .delay = 300, .retry_window = DAY, .lifetime = 36 * DAY};
    struct grey_key k = key("192.0.2.0/24", "a@x", "b@x");
    struct grey_answer a;
    CHECK_INT(store_greylist(st, &k, &p, &a), STORE_MISSING);
    static const char gkey[] = "mxgate:g:192.0.2.0/24\0a@x\0b@x";
    long long ttl = command(&s, "TTL %b", gkey, sizeof(gkey) - 1);
    CHECK(ttl > DAY - 5 && ttl <= DAY + 1); /* pending: the retry window */
    p.now += 300;
    CHECK_INT(store_greylist(st, &k, &p, &a), STORE_FOUND);
    CHECK_INT(a.state, GREY_RETRIED);
    ttl = command(&s, "TTL %b", gkey, sizeof(gkey) - 1);
    CHECK(ttl > 36 * DAY - 5 && ttl <= 36 * DAY + 1); /* passed: the lifetime */
    ttl = command(&s, "TTL %s", "mxgate:n:192.0.2.0/24", 0);
    CHECK(ttl > 36 * DAY - 5 && ttl <= 36 * DAY + 1); /* the net counts as long */
    CHECK_INT(store_net_allow(st, "203.0.113.0/24", INT64_MAX, true), STORE_FOUND);
    CHECK_INT(command(&s, "TTL %s", "mxgate:n:203.0.113.0/24", 0), -1); /* for good */
    CHECK_INT(store_net_allow(st, "198.51.100.0/24", now + 2 * DAY, true), STORE_FOUND);
    ttl = command(&s, "TTL %s", "mxgate:n:198.51.100.0/24", 0);
    CHECK(ttl > 2 * DAY - 5 && ttl <= 2 * DAY + 1);
    unsigned long removed = 99;
    CHECK_INT(store_expire(st, now + 100 * DAY, &removed), STORE_FOUND); /* Redis expires */
    CHECK_INT(removed, 0);
    store_unref(&st);
    server_free(&s);
}

static void dmarc_day_is_a_hash_of_joined_fields_with_the_retention_as_ttl(void)
{
    struct server s;
    server_start(&s, NULL, NULL);
    struct store *st = open_spec(s.spec);
    int64_t today = store_dmarc_day(time(NULL));
    struct dmarc_row r = {.day = today,
                          .source_ip = "192.0.2.10",
                          .header_from = "example.org",
                          .envelope_from = "",
                          .spf_domain = "mx.example.org",
                          .spf_result = "pass",
                          .dkim = "d=example.org s=sel a=rsa-sha256 pass",
                          .policy_published = "reject",
                          .disposition = "none",
                          .dmarc_result = "pass"};
    CHECK_INT(store_dmarc_record(st, &r), STORE_MISSING);
    CHECK_INT(store_dmarc_record(st, &r), STORE_FOUND);
    char day_key[64];
    snprintf(day_key, sizeof(day_key), "mxgate:dmarc:%lld", (long long)today);
    static const char field[] = "192.0.2.10\0example.org\0\0mx.example.org\0pass\0"
                                "d=example.org s=sel a=rsa-sha256 pass\0reject\0none\0pass";
    CHECK_INT(command(&s, "HLEN %s", day_key, 0), 1);
    redisContext *c = redisConnect("127.0.0.1", s.port);
    redisReply *v = redisCommand(c, "HGET %s %b", day_key, field, sizeof(field) - 1);
    CHECK(v && v->type == REDIS_REPLY_STRING);
    CHECK_STR(v->str, "2");
    freeReplyObject(v);
    redisFree(c);
    long long end = (today + STORE_DMARC_RETENTION_DAYS + 1) * DAY - time(NULL);
    long long ttl = command(&s, "TTL %s", day_key, 0);
    CHECK(ttl > end - 5 && ttl <= end + 1); /* gone when the retention ends */
    CHECK(command(&s, "TTL %s", "mxgate:dmarc:days", 0) >= ttl);
    CHECK_INT(command(&s, "ZCARD %s", "mxgate:dmarc:days", 0), 1);
    r.day = today - 100; /* long past: kept until housekeeping, at most 10 minutes */
    CHECK_INT(store_dmarc_record(st, &r), STORE_MISSING);
    snprintf(day_key, sizeof(day_key), "mxgate:dmarc:%lld", (long long)(today - 100));
    ttl = command(&s, "TTL %s", day_key, 0);
    CHECK(ttl > 590 && ttl <= 600);
    unsigned long removed = 0;
    CHECK_INT(store_expire(st, time(NULL), &removed), STORE_FOUND);
    CHECK_INT(removed, 1);
    CHECK_INT(command(&s, "EXISTS %s", day_key, 0), 0);
    CHECK_INT(command(&s, "ZCARD %s", "mxgate:dmarc:days", 0), 1);
    store_unref(&st);
    server_free(&s);
}

static void unix_socket_database_and_prefix_are_used(void)
{
    struct server s;
    char spec[600];
    server_start(&s, NULL, NULL);
    snprintf(spec, sizeof(spec), "redis:unix:%s?db=3&prefix=other%%3A&timeout=1000", s.sock);
    struct store *st = open_spec(spec);
    CHECK_INT(probe(st), STORE_MISSING);
    redisContext *c = redisConnect("127.0.0.1", s.port);
    CHECK(c && !c->err);
    redisReply *r = redisCommand(c, "SELECT 3");
    freeReplyObject(r);
    r = redisCommand(c, "KEYS other:g:*");
    CHECK(r && r->type == REDIS_REPLY_ARRAY);
    CHECK_INT(r->elements, 1);
    freeReplyObject(r);
    redisFree(c);
    CHECK_INT(command(&s, "DBSIZE", NULL, 0), 0); /* db 0 untouched */
    store_unref(&st);
    server_free(&s);
}

/* no_row, no_net - listing callbacks that must not be called */
static int no_row(void *arg, const struct grey_row *row)
{
    (void)arg, (void)row;
    CHECK(!"a row was listed");
    return 1;
}

static int no_net(void *arg, const struct net_row *row)
{
    (void)arg, (void)row;
    CHECK(!"a net was listed");
    return 1;
}

static int no_dmarc_row(void *arg, const struct dmarc_row *row, unsigned long count)
{
    (void)arg, (void)row, (void)count;
    CHECK(!"a DMARC row was listed");
    return 1;
}

/* every_op_says_trylater - each operation answers try-later */
static void every_op_says_trylater(struct store *st)
{
    struct grey_answer a = {.state = GREY_KNOWN, .first_seen = 7, .pass_at = 8};
    struct grey_policy p = {.now = T0, .delay = 300, .retry_window = DAY, .lifetime = 36 * DAY};
    struct grey_key k = key("192.0.2.0/24", "a@x", "b@x");
    struct grey_stats gs;
    unsigned long n;
    CHECK_INT(store_greylist(st, &k, &p, &a), STORE_TRYLATER);
    CHECK(a.state == GREY_KNOWN && a.first_seen == 7 && a.pass_at == 8);
    CHECK_INT(store_grey_each(st, NULL, no_row, NULL), STORE_TRYLATER);
    CHECK_INT(store_net_each(st, no_net, NULL), STORE_TRYLATER);
    CHECK_INT(store_net_allow(st, "192.0.2.0/24", INT64_MAX, true), STORE_TRYLATER);
    CHECK_INT(store_grey_drop(st, "a@x", &n), STORE_TRYLATER);
    CHECK_INT(store_grey_stats(st, T0, &gs), STORE_TRYLATER);
    CHECK_INT(store_expire(st, T0, &n), STORE_TRYLATER); /* it reads the DMARC days */
    struct dmarc_row row = {.day = T0 / DAY, .source_ip = "192.0.2.1"};
    CHECK_INT(store_dmarc_record(st, &row), STORE_TRYLATER);
    CHECK_INT(store_dmarc_each(st, 0, INT64_MAX, no_dmarc_row, NULL), STORE_TRYLATER);
}

static void stopped_server_gives_trylater_at_once_until_it_is_back(void)
{
    struct server s;
    server_start(&s, NULL, NULL);
    struct store *st = open_spec(s.spec); /* timeout 500 ms */
    CHECK_INT(probe(st), STORE_MISSING);
    server_stop(&s);
    int64_t ms, worst = 0;
    for (int i = 0; i < 20; i++, usleep(50000)) {
        CHECK_INT(timed_probe(st, &ms), STORE_TRYLATER);
        worst = ms > worst ? ms : worst;
    }
    printf("server stopped: try-later in at most %lld ms\n", (long long)worst);
    CHECK(worst < 250);
    every_op_says_trylater(st);
    launch(&s);
    ms = wait_missing(st, 8);
    printf("server back: answering again after %lld ms\n", (long long)ms);
    CHECK(ms >= 0 && ms < 6000); /* the backoff is at most 5 s */
    store_unref(&st);
    server_free(&s);
}

static void silent_server_gives_trylater_within_the_timeout(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 64) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    char spec[128];
    snprintf(spec, sizeof(spec), "redis:tcp://127.0.0.1:%d?timeout=300", ntohs(a.sin_port));
    int64_t t = now_mono_ms(), ms, worst = 0;
    struct store *st = open_spec(spec); /* accepted by the kernel, never answered */
    printf("open took %lld ms\n", (long long)(now_mono_ms() - t));
    for (int i = 0; i < 15; i++, usleep(100000)) {
        CHECK_INT(timed_probe(st, &ms), STORE_TRYLATER);
        worst = ms > worst ? ms : worst;
    }
    printf("silent server: try-later in at most %lld ms (timeout 300)\n", (long long)worst);
    CHECK(worst >= 250 && worst < 450); /* it did try, and gave up on time */
    store_unref(&st);
    close(fd);
}

static void paused_server_gives_trylater_within_the_timeout_and_recovers(void)
{
    struct server s;
    char spec[600];
    server_start(&s, NULL, NULL);
    snprintf(spec, sizeof(spec), "%s?timeout=200&connections=2", s.spec);
    struct store *st = open_spec(spec);
    CHECK_INT(probe(st), STORE_MISSING);
    kill(s.pid, SIGSTOP);
    int64_t ms, worst = 0;
    for (int i = 0; i < 10; i++, usleep(100000)) {
        CHECK_INT(timed_probe(st, &ms), STORE_TRYLATER);
        worst = ms > worst ? ms : worst;
    }
    printf("paused server: try-later in at most %lld ms (timeout 200)\n", (long long)worst);
    CHECK(worst >= 150 && worst < 400);
    kill(s.pid, SIGCONT);
    ms = wait_missing(st, 8);
    printf("server resumed: answering again after %lld ms\n", (long long)ms);
    CHECK(ms >= 0 && ms < 6000);
    store_unref(&st);
    server_free(&s);
}

/* file_has - whether the file at path contains text */
static int file_has(const char *path, const char *text)
{
    char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return strstr(buf, text) != NULL;
}

static void wrong_password_gives_trylater_and_logs_why(void)
{
    struct server s;
    char spec[600], logspec[400], log[300], err[256];
    server_start(&s, "--requirepass", "s3cret");
    snprintf(log, sizeof(log), "%s/mxgate.log", s.dir);
    snprintf(logspec, sizeof(logspec), "file:%s", log);
    CHECK(log_open(logspec, "mail", LOG_LVL_INFO, err, sizeof(err)) == 0);
    snprintf(spec, sizeof(spec), "%s?password=wrong", s.spec);
    struct store *st = open_spec(spec);
    CHECK_INT(probe(st), STORE_TRYLATER);
    store_unref(&st);
    log_close();
    CHECK(file_has(log, "WRONGPASS"));
    CHECK(file_has(log, "answering try-later"));
    CHECK(!file_has(log, "wrong")); /* no password in the log */
    snprintf(spec, sizeof(spec), "%s?password=s3cret", s.spec);
    st = open_spec(spec);
    CHECK_INT(probe(st), STORE_MISSING);
    store_unref(&st);
    snprintf(spec, sizeof(spec), "%s?user=default&password=s3cret", s.spec); /* ACL form */
    st = open_spec(spec);
    CHECK_INT(probe(st), STORE_MISSING);
    store_unref(&st);
    server_free(&s);
}

/* A busy store's connection: a thread holding it for a slow command. */
static void *hold(void *arg)
{
    probe(arg);
    return NULL;
}

static void full_pool_gives_trylater_within_the_timeout(void)
{
    struct server s;
    char spec[600];
    server_start(&s, NULL, NULL);
    snprintf(spec, sizeof(spec), "%s?timeout=300&connections=1", s.spec);
    struct store *st = open_spec(spec);
    CHECK_INT(probe(st), STORE_MISSING);
    kill(s.pid, SIGSTOP);
    pthread_t tid;
    CHECK(pthread_create(&tid, NULL, hold, st) == 0);
    usleep(50000); /* the one connection is busy for 300 ms */
    int64_t ms;
    CHECK_INT(timed_probe(st, &ms), STORE_TRYLATER);
    printf("no free connection: try-later after %lld ms (timeout 300)\n", (long long)ms);
    CHECK(ms < 450);
    pthread_join(tid, NULL);
    kill(s.pid, SIGCONT);
    store_unref(&st);
    server_free(&s);
}

/* next - xorshift32 */
static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* A listing being written into a buffer. */
struct listing {
    char text[16384];
    size_t len;
};

/* list_row, list_net - listing callbacks: every field of the row */
static int list_row(void *arg, const struct grey_row *r)
{
    struct listing *l = arg;
    l->len += (size_t)snprintf(l->text + l->len, sizeof(l->text) - l->len,
                               "%s|%s|%s|%lld|%lld|%lld|%lld|%u\n", r->origin, r->sender, r->rcpt,
                               (long long)r->first_seen, (long long)r->last_seen,
                               (long long)r->passed, (long long)r->expires, r->attempts);
    CHECK(l->len < sizeof(l->text));
    return 0;
}

static int list_net(void *arg, const struct net_row *r)
{
    struct listing *l = arg;
    l->len += (size_t)snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s|%u|%lld|%d\n",
                               r->net, r->passes, (long long)r->allowed_until, r->by_operator);
    CHECK(l->len < sizeof(l->text));
    return 0;
}

/* same_content - both stores list the same rows and count the same at now */
static void same_content(struct store *a, struct store *b, int64_t now)
{
    static struct listing la, lb;
    struct grey_stats sa, sb;
    la.len = lb.len = 0;
    la.text[0] = lb.text[0] = '\0';
    CHECK_INT(store_grey_each(b, NULL, list_row, &lb), store_grey_each(a, NULL, list_row, &la));
    CHECK_INT(store_net_each(b, list_net, &lb), store_net_each(a, list_net, &la));
    CHECK_STR(lb.text, la.text);
    CHECK_INT(store_grey_stats(a, now, &sa), STORE_FOUND);
    CHECK_INT(store_grey_stats(b, now, &sb), STORE_FOUND);
    CHECK(memcmp(&sa, &sb, sizeof(sa)) == 0);
}

static unsigned seen[GREY_ALLOWED + 1]; /* answers by state */
static struct grey_policy policy;       /* changed every 1000 steps */

/* random_policy - one of a few policies, so that delays, windows and
 * lifetimes (and the refresh slack) are crossed */
static struct grey_policy random_policy(uint32_t *rng)
{
    static const unsigned delay[] = {0, 60, 300}, window[] = {300, 3600, DAY},
                          life[] = {600, 7200, 36 * DAY}, autos[] = {0, 0, 2, 3};
    return (struct grey_policy){.delay = delay[next(rng) % 3],
                                .retry_window = window[next(rng) % 3],
                                .lifetime = life[next(rng) % 3],
                                .auto_allow = autos[next(rng) % 4]};
}

/* Times at which something changes for a listed row. */
struct edges {
    int64_t t[256];
    int n;
};

/* edge_of - grey_each callback: the row's expiry and the end of its delay */
static int edge_of(void *arg, const struct grey_row *r)
{
    struct edges *e = arg;
    if (e->n + 2 <= (int)ARRAY_LEN(e->t)) {
        e->t[e->n++] = r->expires;
        e->t[e->n++] = r->first_seen + policy.delay;
    }
    return 0;
}

/* net_edge - net_each callback: when the allowance ends */
static int net_edge(void *arg, const struct net_row *r)
{
    struct edges *e = arg;
    if (e->n < (int)ARRAY_LEN(e->t) && r->allowed_until != INT64_MAX)
        e->t[e->n++] = r->allowed_until;
    return 0;
}

/* edge_step - a step onto (or just past) a time a row changes, when one
 * is ahead: where off-by-one differences would show */
static int64_t edge_step(struct store *st, uint32_t *rng, int64_t now)
{
    struct edges e = {.n = 0};
    store_grey_each(st, NULL, edge_of, &e);
    store_net_each(st, net_edge, &e);
    int64_t t = e.n ? e.t[next(rng) % (uint32_t)e.n] + next(rng) % 2 : now;
    return t > now ? t - now : 1;
}

/* random_step - how far the clock moves: mostly seconds, sometimes minutes,
 * hours or weeks, and now and then a second back (hosts' clocks differ) */
static int64_t random_step(uint32_t *rng)
{
    uint32_t r = next(rng) % 100, x = next(rng);
    if (r < 3)
        return -1 - (int64_t)(x % 2);
    if (r < 70)
        return 1 + x % 20;
    if (r < 90)
        return 60 + x % 1200;
    if (r < 98)
        return 3600 + x % DAY;
    return x % (40 * DAY);
}

/* same_greylist - one random decision on both stores: the same answer */
static void same_greylist(struct store *a, struct store *b, uint32_t *rng, int64_t now)
{
    static const char *const nets[] = {"192.0.2.0/24", "198.51.100.0/24", "2001:db8::/64"};
    static const char *const senders[] = {"", "a@x", "b@x", "c@y"};
    static const char *const rcpts[] = {"r@x", "s@x"};
    const char *net = nets[next(rng) % 3];
    struct grey_key k = {.net = net,
                         .origin = next(rng) % 4 ? net : "spf:x",
                         .sender = senders[next(rng) % 4],
                         .rcpt = rcpts[next(rng) % 2]};
    struct grey_policy p = policy;
    p.now = now;
    struct grey_answer x = {0}, y = {0};
    CHECK_INT(store_greylist(b, &k, &p, &y), store_greylist(a, &k, &p, &x));
    CHECK_INT(y.state, x.state);
    CHECK_INT(y.first_seen, x.first_seen);
    CHECK_INT(y.pass_at, x.pass_at);
    seen[x.state]++;
}

/* same_other - an allowance or a drop on both stores, or a comparison */
static void same_other(struct store *a, struct store *b, uint32_t *rng, int64_t now)
{
    static const char *const names[] = {"192.0.2.0/24", "spf:x",          "a@x", "",
                                        "s@x",          "198.51.100.0/24"};
    uint32_t pick = next(rng) % 5;
    const char *name = names[next(rng) % 6];
    unsigned long x = 0, y = 0;
    if (pick == 0) {
        int64_t until = next(rng) % 8 == 0 ? INT64_MAX : now - DAY + next(rng) % (3 * DAY);
        bool op = next(rng) % 2;
        CHECK_INT(store_net_allow(b, name, until, op), store_net_allow(a, name, until, op));
    } else if (pick <= 2) {
        CHECK_INT(store_grey_drop(b, name, &y), store_grey_drop(a, name, &x));
        CHECK_INT(y, x);
    } else {
        same_content(a, b, now);
    }
}

static void agrees_with_sqlite_on_random_histories(void)
{
    struct server s;
    char spec[600];
    server_start(&s, NULL, NULL);
    snprintf(spec, sizeof(spec), "sqlite:%s/state.db", s.dir);
    struct store *lite = open_spec(spec), *red = open_spec(s.spec);
    uint32_t rng = 2463534242u;
    int64_t now = T0;
    for (int i = 0; i < 20000; i++) {
        if (i % 1000 == 0)
            policy = random_policy(&rng);
        now += next(&rng) % 100 < 5 ? edge_step(lite, &rng, now) : random_step(&rng);
        if (next(&rng) % 100 < 95)
            same_greylist(lite, red, &rng, now);
        else
            same_other(lite, red, &rng, now);
    }
    same_content(lite, red, now);
    printf("20000 steps agree, ending at T0 + %lld s: new %u, early %u, retried %u, known %u, "
           "allowed %u\n",
           (long long)(now - T0), seen[0], seen[1], seen[2], seen[3], seen[4]);
    for (int i = GREY_NEW; i <= GREY_ALLOWED; i++)
        CHECK(seen[i] > 100);
    store_unref(&lite);
    store_unref(&red);
    server_free(&s);
}

#define STORE_REDIS_TESTS(T)                                          \
    T(specs_are_checked_without_io)                                   \
    T(agrees_with_sqlite_on_random_histories)                         \
    T(keys_carry_their_expiry_as_ttl)                                 \
    T(dmarc_day_is_a_hash_of_joined_fields_with_the_retention_as_ttl) \
    T(unix_socket_database_and_prefix_are_used)                       \
    T(stopped_server_gives_trylater_at_once_until_it_is_back)         \
    T(silent_server_gives_trylater_within_the_timeout)                \
    T(paused_server_gives_trylater_within_the_timeout_and_recovers)   \
    T(wrong_password_gives_trylater_and_logs_why)                     \
    T(full_pool_gives_trylater_within_the_timeout)

TEST_MAIN(STORE_REDIS_TESTS)
