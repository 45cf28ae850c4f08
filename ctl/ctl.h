/* ctl.h - mxgatectl, the operator's tool: what its subcommands share (the
 * configuration, the state store opened with the daemon's privileges, the
 * exit codes) and the subcommands themselves. A subcommand is one row of the
 * table in mxgatectl.c: a run function and a usage function. */
#ifndef MXGATE_CTL_H
#define MXGATE_CTL_H

#include <stdio.h>

struct config;
struct store;

/* Exit codes: 0 done, 1 failed (or nothing matched), 2 usage, 75 the store
 * cannot answer now (EX_TEMPFAIL: the operator tries again later). */
enum ctl_exit { CTL_OK = 0, CTL_FAIL = 1, CTL_USAGE = 2, CTL_TRYLATER = 75 };

/* What a subcommand gets; loaded on demand, released by mxgatectl.c. */
struct ctl {
    const char *path;    /* the configuration file (-c) */
    struct config *cfg;  /* NULL until ctl_config() */
    struct store *store; /* NULL until ctl_store() */
};

/* ctl_config - the configuration, loaded at the first call. NULL after
 * printing the problem ("FILE:LINE: problem") on stderr. */
const struct config *ctl_config(struct ctl *ctl);

/* ctl_store - the configured state store, opened at the first call; when
 * running as root, privileges are first dropped to the daemon's user and
 * group so that files the store creates stay the daemon's. NULL after
 * printing the problem on stderr (exit 1). */
struct store *ctl_store(struct ctl *ctl);

/* ctl_become_daemon - when running as root, become the daemon's user and
 * group from the configuration (loaded if needed), so that files a store
 * creates stay the daemon's. 0, or -1 after printing the problem. */
int ctl_become_daemon(struct ctl *ctl);

/* ctl_trylater - say that the store cannot answer now; returns CTL_TRYLATER. */
int ctl_trylater(struct ctl *ctl);

/* ctl_fail - "mxgatectl: MESSAGE" on stderr; returns CTL_FAIL. */
int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ctl_greylist - "greylist list|show|allow|drop|stats|expire ...": argv[0]
 * is "greylist". Returns an enum ctl_exit. */
int ctl_greylist(struct ctl *ctl, int argc, char **argv);

/* ctl_greylist_usage - the greylist synopsis lines, on out. */
void ctl_greylist_usage(FILE *out);

/* ctl_keygen - "keygen [-t rsa|ed25519] [-b BITS] -d DOMAIN -s SELECTOR [-o
 * FILE]": a new DKIM private key in FILE (created, never overwritten, mode
 * 0600, owned by the configured user when run as root) and its DNS TXT
 * record on stdout. Returns an enum ctl_exit. */
int ctl_keygen(struct ctl *ctl, int argc, char **argv);

/* ctl_keygen_usage - the keygen synopsis lines, on out. */
void ctl_keygen_usage(FILE *out);

/* ctl_stats - "stats [-r]": the running daemon's metrics, fetched over HTTP
 * from metrics.listen, as a table (-r: the exposition as served). Exit 1
 * when the endpoint is off or does not answer. */
int ctl_stats(struct ctl *ctl, int argc, char **argv);

/* ctl_stats_usage - the stats synopsis lines, on out. */
void ctl_stats_usage(FILE *out);

/* ctl_explain - "explain [-v] [-n NAME] [-m MACRO=VALUE]... [-d MESSAGE]
 * [-w | -s STORE] ADDRESS HELO SENDER RCPT...": replay one transaction
 * through the daemon's steps with live DNS and print why each reply is what
 * it is, then the replies as the MTA gets them. Returns an enum ctl_exit. */
int ctl_explain(struct ctl *ctl, int argc, char **argv);

/* ctl_explain_usage - the explain synopsis lines, on out. */
void ctl_explain_usage(FILE *out);

#endif
