/* kill.c - a writer killed in mid-flight loses nothing it was told was
 * committed: a child greylists new keys as fast as it can and reports each
 * one on a pipe after store_greylist returned; the parent SIGKILLs it after
 * about a second, then opens the database with SQLite itself, checks its
 * integrity and looks up every key the child reported. A few rounds on the
 * same database. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "store.h"

#include "testing.h"

#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3
#define RUN_MS 1000
#define T0 1700000000LL

/* sender_of - the sender of key i in round r */
static void sender_of(char *buf, size_t len, int r, uint32_t i)
{
    snprintf(buf, len, "k%d-%u@example.org", r, (unsigned)i);
}

/* child - write keys until killed; report each committed one */
static void child(const char *spec, int r, int fd)
{
    char err[256], sender[64];
    struct store *st = store_open(spec, err, sizeof(err));
    if (st == NULL)
        _exit(2);
    for (uint32_t i = 0;; i++) {
        sender_of(sender, sizeof(sender), r, i);
        struct grey_key k = {.net = "192.0.2.0/24",
                             .origin = "192.0.2.0/24",
                             .sender = sender,
                             .rcpt = "rcpt@example.net"};
        struct grey_policy p = {
            .now = T0, .delay = 300, .retry_window = 86400, .lifetime = 86400, .auto_allow = 0};
        struct grey_answer a;
        enum store_status s = store_greylist(st, &k, &p, &a);
        if (s == STORE_TRYLATER)
            continue;
        if (s != STORE_MISSING || write(fd, &i, sizeof(i)) != sizeof(i))
            _exit(3);
    }
}

/* mono_ms - monotonic milliseconds */
static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* collect - read reported keys for RUN_MS, kill the child, read the rest */
static uint32_t *collect(pid_t pid, int fd, size_t *n)
{
    size_t cap = 4096;
    uint32_t *keys = malloc(cap * sizeof(*keys));
    CHECK(keys != NULL);
    long long end = mono_ms() + RUN_MS;
    bool killed = false;
    for (;;) {
        if (!killed && mono_ms() >= end) {
            CHECK(kill(pid, SIGKILL) == 0);
            killed = true;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 50) == 0)
            continue;
        if (*n == cap)
            CHECK((keys = realloc(keys, (cap *= 2) * sizeof(*keys))) != NULL);
        ssize_t got = read(fd, &keys[*n], sizeof(*keys));
        if (got == 0)
            break; /* the child is gone */
        CHECK(got == sizeof(*keys));
        (*n)++;
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    return keys;
}

/* check_db - integrity, and every reported key of round r present */
static void check_db(const char *path, int r, const uint32_t *keys, size_t n)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char sender[64];
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    CHECK(sqlite3_prepare_v2(db,
                             "SELECT count(*) FROM grey WHERE origin = '192.0.2.0/24' AND "
                             "sender = ?1 AND rcpt = 'rcpt@example.net'",
                             -1, &st, NULL) == SQLITE_OK);
    size_t missing = 0;
    for (size_t i = 0; i < n; i++) {
        sender_of(sender, sizeof(sender), r, keys[i]);
        sqlite3_bind_text(st, 1, sender, -1, SQLITE_STATIC);
        CHECK(sqlite3_step(st) == SQLITE_ROW);
        missing += sqlite3_column_int(st, 0) != 1;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("round %d: %zu keys reported committed, %zu missing, integrity ok\n", r, n, missing);
    CHECK_INT(missing, 0);
}

/* round_once - one child, killed, and the check */
static void round_once(const char *spec, int r)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child(spec, r, fds[1]);
    }
    close(fds[1]);
    size_t n = 0;
    uint32_t *keys = collect(pid, fds[0], &n);
    close(fds[0]);
    CHECK(n > 0);
    check_db(spec + 7, r, keys, n);
    free(keys);
}

/* rm_one - nftw callback: remove */
static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* main - a few rounds on one database in a temporary directory */
int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[1024], spec[1100];
    snprintf(dir, sizeof(dir), "%s/mxgate-kill-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(spec, sizeof(spec), "sqlite:%s/state.db", dir);
    for (int r = 0; r < ROUNDS; r++)
        round_once(spec, r);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    printf("ok: %d rounds\n", ROUNDS);
    return 0;
}
