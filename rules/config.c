/* config.c - load the libconfig file into an immutable snapshot */
#include "config.h"

#include "arena.h"
#include "config_load.h"
#include "log.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <libconfig.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct config *current;

/* config_defaults - the values that apply when a setting is absent */
static void config_defaults(struct config *cfg)
{
    cfg->socket = "unix:/run/mxgate/mxgate.sock";
    cfg->socket_mode = 0660;
    cfg->pidfile = "/run/mxgate/mxgate.pid";
    cfg->log.facility = "mail";
    cfg->log.level = LOG_LVL_INFO;
    cfg->dns.timeout_ms = 2000;
    cfg->dns.tries = 2;
    cfg->dns.budget_ms = 8000;
    cfg->dns.cache_entries = 100000;
    cfg->trusted.authenticated = true;
    cfg->tarpit.delay_ms = 20000;
    cfg->tarpit.max_connections = 50;
    cfg->delay_reject = true;
    cfg->store_spec = "sqlite:/var/lib/mxgate/state.db";
}

/* read_error - describe a libconfig read failure */
static void read_error(const config_t *lc, const char *path, char *err, size_t errlen)
{
    if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
        snprintf(err, errlen, "%s: cannot read the configuration: %s", path,
                 errno ? strerror(errno) : "file I/O error");
    else
        snprintf(err, errlen, "%s:%d: %s", config_error_file(lc) ? config_error_file(lc) : path,
                 config_error_line(lc), config_error_text(lc));
}

/* config_new - empty snapshot with defaults and one reference */
static struct config *config_new(const char *path)
{
    struct arena *arena = arena_create();
    struct config *cfg = arena_alloc(arena, sizeof(*cfg));
    cfg->arena = arena;
    atomic_init(&cfg->refs, 1);
    cfg->path = arena_strdup(arena, path);
    config_defaults(cfg);
    return cfg;
}

/* config_load - read, check and compile a configuration file */
struct config *config_load(const char *path, char *err, size_t errlen)
{
    config_t lc;
    config_init(&lc);
    struct config *cfg = NULL;
    errno = 0;
    if (config_read_file(&lc, path) != CONFIG_TRUE) {
        read_error(&lc, path, err, errlen);
        goto out;
    }
    cfg = config_new(path);
    struct loader ld = {.cfg = cfg, .path = path, .err = err, .errlen = errlen};
    if (config_load_root(&ld, config_root_setting(&lc)) < 0)
        config_unref(&cfg);
out:
    config_destroy(&lc);
    return cfg;
}

/* config_ref - one more reference */
struct config *config_ref(struct config *cfg)
{
    atomic_fetch_add(&cfg->refs, 1);
    return cfg;
}

/* config_unref - one reference less; free at zero */
void config_unref(struct config **cfgp)
{
    if (cfgp == NULL || *cfgp == NULL)
        return;
    struct config *cfg = *cfgp;
    *cfgp = NULL;
    if (atomic_fetch_sub(&cfg->refs, 1) == 1) {
        struct arena *arena = cfg->arena;
        store_unref(&cfg->store);
        arena_destroy(&arena);
    }
}

/* config_current - reference to the live snapshot */
struct config *config_current(void)
{
    pthread_mutex_lock(&current_lock);
    struct config *cfg = current ? config_ref(current) : NULL;
    pthread_mutex_unlock(&current_lock);
    return cfg;
}

/* config_install - swap in a new live snapshot */
void config_install(struct config *cfg)
{
    pthread_mutex_lock(&current_lock);
    struct config *old = current;
    current = cfg;
    pthread_mutex_unlock(&current_lock);
    config_unref(&old);
}
