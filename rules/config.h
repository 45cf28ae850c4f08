/* config.h - the configuration: loaded from a libconfig file into an
 * immutable, reference-counted snapshot. A reload builds a new snapshot;
 * connections keep the one they started with. */
#ifndef MXGATE_CONFIG_H
#define MXGATE_CONFIG_H

#include "addr.h"
#include "lists.h"
#include "registry.h"
#include "rule.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct sign_config;
struct store;

#define CONFIG_DEFAULT_PATH "/etc/mxgate/mxgate.conf"

struct config {
    atomic_int refs;
    struct arena *arena; /* everything below lives here */
    const char *path;

    const char *socket; /* spec as written */
    unsigned socket_mode;
    const char *socket_owner; /* "user" or "user:group", or NULL */
    const char *user, *group, *pidfile;

    const char **hostnames; /* ours: lowercase */
    size_t nhostnames;
    struct ipaddr *addresses;
    size_t naddresses;
    const char *authserv_id; /* Authentication-Results; NULL: none added */

    struct {
        const char *to;       /* "syslog", "stderr", "file:PATH"; NULL: syslog, stderr with -f */
        const char *facility; /* syslog facility */
        int level;            /* enum log_level */
    } log;

    struct {
        const char **servers; /* NULL: /etc/resolv.conf */
        size_t nservers;
        unsigned timeout_ms, tries, budget_ms;
        unsigned cache_entries;
    } dns;

    struct {
        struct cidr *networks;
        size_t nnetworks;
        bool authenticated; /* SMTP AUTH clients are trusted */
    } trusted;

    struct {
        unsigned delay_ms;        /* default delay of each reply to a tarpitted client */
        unsigned max_connections; /* tarpitted at once; beyond, tarpit becomes 451 */
    } tarpit;

    struct {
        const char *listen; /* "127.0.0.1:9469"; NULL: no endpoint (the default) */
        bool allow_remote;  /* a listen address that is not loopback is accepted */
    } metrics;

    const char *store_spec; /* "sqlite:/var/lib/mxgate/state.db" */
    struct store *store;    /* opened by the daemon before install; NULL: none (-n, tests) */

    struct lists lists;
    bool delay_reject; /* deliver rejections at RCPT (default), as Postfix does */
    const void *check_settings[CHECK_COUNT];
    const struct sign_config *sign; /* DKIM signing (sign_table.h); NULL: none */
    bool shadow; /* every rule without shadow = false only logs what it would do */
    struct ruleset rules;
};

/* config_load - read and check the file at path. Returns a snapshot with one
 * reference, or NULL with "FILE:LINE: problem" (or "FILE: problem") in err.
 * Any thread; does no I/O but reading the file (and the files it includes). */
struct config *config_load(const char *path, char *err, size_t errlen);

/* config_ref - take a reference; returns cfg. */
struct config *config_ref(struct config *cfg);

/* config_unref - drop a reference, freeing the snapshot (and releasing its
 * store) at the last one; clears *cfgp. Accepts NULL. */
void config_unref(struct config **cfgp);

/* config_current - a reference to the live snapshot (NULL before the first
 * install). The caller must config_unref() it. Any thread. */
struct config *config_current(void);

/* config_install - make cfg the live snapshot (taking over the caller's
 * reference); connections that hold the old one keep it until they end. */
void config_install(struct config *cfg);

#endif
