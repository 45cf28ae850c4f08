/* test_store_faults.c - SQLite's faults: each gives try-later, never a
 * crash, until it is removed; then the same store answers again */
#define _GNU_SOURCE /* unshare, mount: private mounts for read-only and full */
#include "store_fixture.h"
#include "testing.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* no_dmarc_row - dmarc_each callback that must not be called */
static int no_dmarc_row(void *arg, const struct dmarc_row *row, unsigned long count)
{
    (void)arg, (void)row, (void)count;
    CHECK(!"a DMARC row was listed");
    return 1;
}

static void every_op_says_trylater(struct store *st)
{
    struct grey_answer a = {.state = GREY_KNOWN, .first_seen = 7, .pass_at = 8};
    struct grey_stats gs;
    unsigned long n;
    CHECK_INT(grey(st, key("192.0.2.0/24", "a@x", "b@x"), T0, &a), STORE_TRYLATER);
    CHECK(a.state == GREY_KNOWN && a.first_seen == 7 && a.pass_at == 8);
    CHECK_INT(store_grey_each(st, NULL, count_row, &(int){0}), STORE_TRYLATER);
    CHECK_INT(store_net_each(st, net_row_of, &(struct net_row){.net = "x"}), STORE_TRYLATER);
    CHECK_INT(store_net_allow(st, "192.0.2.0/24", INT64_MAX, true), STORE_TRYLATER);
    CHECK_INT(store_grey_drop(st, "a@x", &n), STORE_TRYLATER);
    CHECK_INT(store_grey_stats(st, T0, &gs), STORE_TRYLATER);
    CHECK_INT(store_expire(st, T0, &n), STORE_TRYLATER);
    struct dmarc_row row = {.day = T0 / DAY, .source_ip = "192.0.2.1"};
    CHECK_INT(store_dmarc_record(st, &row), STORE_TRYLATER);
    CHECK_INT(store_dmarc_each(st, 0, INT64_MAX, no_dmarc_row, NULL), STORE_TRYLATER);
}

static void missing_directory_gives_trylater_until_it_exists(void)
{
    struct fixture f;
    fixture_sqlite(&f, "sub"); /* sub/ does not exist: the store opens anyway */
    every_op_says_trylater(f.st);
    char sub[PATH_MAX + 8];
    snprintf(sub, sizeof(sub), "%s/sub", f.dir);
    CHECK(mkdir(sub, 0755) == 0);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    fixture_close(&f);
}

static void removed_database_gives_trylater_until_it_can_be_made_again(void)
{
    struct fixture f;
    fixture_sqlite(&f, "sub");
    char sub[PATH_MAX + 8];
    snprintf(sub, sizeof(sub), "%s/sub", f.dir);
    CHECK(mkdir(sub, 0755) == 0);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    remove_tree(sub);                         /* rm -r: database and directory */
    CHECK(wait_for(f.st, STORE_TRYLATER, 1)); /* noticed within seconds */
    every_op_says_trylater(f.st);
    CHECK(mkdir(sub, 0755) == 0);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(rows(f.st, "a@x"), 0); /* a new, empty database */
    fixture_close(&f);
}

static void replaced_database_is_noticed_and_reopened(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "old@x", T0);
    char spec[PATH_MAX + 16], err[256], path[PATH_MAX + 8];
    snprintf(spec, sizeof(spec), "%s.new", f.spec);
    struct store *other = store_open(spec, err, sizeof(err));
    pass(other, "192.0.2.0/24", "new@x", T0);
    store_unref(&other);
    /* the safe way to swap a live WAL database: its -wal and -shm go first */
    snprintf(path, sizeof(path), "%s-wal", f.db);
    unlink(path);
    snprintf(path, sizeof(path), "%s-shm", f.db);
    unlink(path);
    CHECK(rename(spec + 7, f.db) == 0);
    int64_t end = now_mono_ms() + 6000;
    while (rows(f.st, "new@x") == 0 && now_mono_ms() < end)
        usleep(100000);
    CHECK_INT(rows(f.st, "new@x"), 1);
    CHECK_INT(rows(f.st, "old@x"), 0);
    CHECK_INT(state(f.st, key("192.0.2.0/24", "new@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    fixture_close(&f);
}

static void locked_database_gives_trylater_after_the_busy_timeout(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    sqlite3 *h;
    CHECK(sqlite3_open(f.db, &h) == SQLITE_OK);
    CHECK(sqlite3_exec(h, "BEGIN EXCLUSIVE; DELETE FROM net", NULL, NULL, NULL) == SQLITE_OK);
    int64_t t = now_mono_ms();
    CHECK_INT(probe(f.st), STORE_TRYLATER);
    t = now_mono_ms() - t;
    fprintf(stderr, "a write waited %lld ms for the lock\n", (long long)t);
    CHECK(t >= 900 && t < 5000);
    /* readers are not blocked: a known triplet needs no write */
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    CHECK(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(h);
    CHECK_INT(probe(f.st), STORE_MISSING); /* at once: the connection was fine */
    fixture_close(&f);
}

/* readonly_on - make dir read-only: a read-only bind mount as root (where
 * chmod does not stop writes), chmod otherwise; 0 when it cannot be done */
static int readonly_on(const char *dir, const char *db)
{
    if (geteuid() != 0)
        return chmod(db, 0444) == 0 && chmod(dir, 0555) == 0;
    return private_mounts() && mount(dir, dir, NULL, MS_BIND, NULL) == 0 &&
           mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0;
}

/* readonly_off - undo readonly_on (the mount stays, read-write) */
static void readonly_off(const char *dir, const char *db)
{
    if (geteuid() != 0)
        CHECK(chmod(dir, 0755) == 0 && chmod(db, 0644) == 0);
    else
        CHECK(mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND, NULL) == 0);
}

static void read_only_database_gives_trylater_until_writable(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    store_unref(&f.st);
    if (!readonly_on(f.dir, f.db)) {
        printf("skipped: running as root and no read-only bind mount permitted (%s)\n",
               strerror(errno));
        fixture_close(&f);
        return;
    }
    printf("read-only by %s\n", geteuid() == 0 ? "a read-only bind mount" : "chmod");
    reopen(&f);
    CHECK_INT(probe(f.st), STORE_TRYLATER);
    readonly_off(f.dir, f.db);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    store_unref(&f.st);
    if (geteuid() == 0)
        umount2(f.dir, MNT_DETACH);
    fixture_close(&f);
}

static void corrupt_database_gives_trylater_until_repaired(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    store_unref(&f.st);
    char backup[PATH_MAX + 8], junk[4096];
    snprintf(backup, sizeof(backup), "%s.bak", f.db);
    copy_file(f.db, backup);
    memset(junk, 'Z', sizeof(junk));
    int fd = open(f.db, O_WRONLY);
    CHECK(fd >= 0 && write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
    close(fd);
    reopen(&f);
    CHECK_INT(probe(f.st), STORE_TRYLATER);
    every_op_says_trylater(f.st);
    copy_file(backup, f.db);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    fixture_close(&f);
}

/* fill - new triplets until the store says try-later (at most n); how many */
static int fill(struct store *st, int n)
{
    for (int i = 0; i < n; i++)
        if (probe(st) == STORE_TRYLATER)
            return i;
    return n;
}

static void io_error_gives_trylater_until_it_clears(void)
{
    struct fixture f;
    fixture_sqlite(&f, NULL);
    pass(f.st, "192.0.2.0/24", "a@x", T0);
    struct rlimit old, small = {.rlim_cur = 65536};
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    small.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN); /* writes past the limit fail with EFBIG */
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    int n = fill(f.st, 5000);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    printf("I/O error after %d writes\n", n);
    CHECK(n < 5000);
    CHECK_INT(probe(f.st), STORE_TRYLATER); /* reopened at most once a second */
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(state(f.st, key("192.0.2.0/24", "a@x", "rcpt@example.net"), T0 + 400), GREY_KNOWN);
    store_unref(&f.st);
    CHECK_STR(integrity(f.db), "ok");
    fixture_close(&f);
}

static void full_disk_gives_trylater_until_there_is_room(void)
{
    struct fixture f;
    fixture_sqlite(&f, "small");
    store_unref(&f.st);
    char dir[PATH_MAX + 8];
    snprintf(dir, sizeof(dir), "%s/small", f.dir);
    CHECK(mkdir(dir, 0755) == 0);
    if (!private_mounts() || mount("tmpfs", dir, "tmpfs", 0, "size=160k") != 0) {
        printf("skipped: no tmpfs mount permitted (%s)\n", strerror(errno));
        fixture_close(&f);
        return;
    }
    reopen(&f);
    int n = fill(f.st, 5000);
    printf("disk full after %d writes\n", n);
    CHECK(n > 0 && n < 5000);
    CHECK_INT(probe(f.st), STORE_TRYLATER);
    CHECK(mount("tmpfs", dir, "tmpfs", MS_REMOUNT, "size=16m") == 0);
    CHECK(wait_for(f.st, STORE_MISSING, 1));
    CHECK_INT(rows(f.st, NULL), n + 1);
    store_unref(&f.st);
    CHECK_STR(integrity(f.db), "ok");
    umount2(dir, MNT_DETACH);
    fixture_close(&f);
}

#define STORE_FAULT_TESTS(T)                                      \
    T(missing_directory_gives_trylater_until_it_exists)           \
    T(removed_database_gives_trylater_until_it_can_be_made_again) \
    T(replaced_database_is_noticed_and_reopened)                  \
    T(locked_database_gives_trylater_after_the_busy_timeout)      \
    T(read_only_database_gives_trylater_until_writable)           \
    T(corrupt_database_gives_trylater_until_repaired)             \
    T(io_error_gives_trylater_until_it_clears)                    \
    T(full_disk_gives_trylater_until_there_is_room)

TEST_MAIN(STORE_FAULT_TESTS)
