/* main.c - mxgate: argv, start-up, signals, reload */
#include "config.h"
#include "daemon.h"
#include "dns.h"
#include "glue.h"
#include "log.h"
#include "metrics_http.h"
#include "mserver.h"
#include "rule_counters.h"
#include "sockspec.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct options {
    const char *path;
    bool foreground, check_only;
};

#define HOUSEKEEPING_SECONDS 600

static int wake_pipe[2] = {-1, -1};

/* usage - the synopsis, on stderr */
static void usage(void)
{
    fprintf(stderr,
            "usage: mxgate [-f] [-n] [-V] [-c FILE]\n"
            "  -c FILE  configuration file (default " CONFIG_DEFAULT_PATH ")\n"
            "  -f       stay in the foreground, log to stderr unless log.to says otherwise\n"
            "  -n       check the configuration and exit\n"
            "  -V       print the version and exit\n");
}

/* parse_args - command line to options; exits on -V, -h and errors */
static void parse_args(int argc, char **argv, struct options *o)
{
    int ch;
    o->path = CONFIG_DEFAULT_PATH;
    while ((ch = getopt(argc, argv, "c:fnVh")) != -1) {
        switch (ch) {
        case 'c':
            o->path = optarg;
            break;
        case 'f':
            o->foreground = true;
            break;
        case 'n':
            o->check_only = true;
            break;
        case 'V':
            printf("mxgate %s\n", MXGATE_VERSION);
            exit(0);
        default:
            usage();
            exit(ch == 'h' ? 0 : 2);
        }
    }
    if (optind != argc) {
        usage();
        exit(2);
    }
}

/* on_signal - async-signal-safe: hand the signal to the main loop */
static void on_signal(int sig)
{
    int saved = errno;
    char b = sig == SIGHUP ? 'H' : sig == SIGUSR1 ? 'U' : 'T';
    ssize_t w = write(wake_pipe[1], &b, 1);
    (void)w;
    errno = saved;
}

/* install_signals - HUP reloads, TERM/INT stop, USR1 logs how often each
 * rule matched; the handler only wakes the main loop. */
static void install_signals(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    if (pipe(wake_pipe) < 0) {
        perror("mxgate: pipe");
        exit(1);
    }
    fcntl(wake_pipe[1], F_SETFL, O_NONBLOCK);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* open_log - the configured target; stderr in the foreground by default */
static int open_log(const struct config *cfg, bool foreground, char *err, size_t errlen)
{
    const char *to = cfg->log.to ? cfg->log.to : foreground ? "stderr" : "syslog";
    return log_open(to, cfg->log.facility, (enum log_level)cfg->log.level, err, errlen);
}

/* attach_store - give cfg its store: old's when the spec is the same, so
 * that a reload keeps the open connections, else a new one */
static void attach_store(struct config *cfg, const struct config *old)
{
    char err[512];
    if (old && old->store && strcmp(old->store_spec, cfg->store_spec) == 0) {
        cfg->store = store_ref(old->store);
        return;
    }
    cfg->store = store_open(cfg->store_spec, err, sizeof(err));
    if (cfg->store == NULL)
        log_err("state store: %s", err); /* never the spec itself: it may hold a password */
}

/* reload - SIGHUP: a new snapshot, or the old one and a file:line error */
static void reload(const struct options *o, struct dns_resolver *dns)
{
    char err[1024];
    struct config *cfg = config_load(o->path, err, sizeof(err));
    if (cfg == NULL) {
        log_err("reload failed, still running the previous configuration: %s", err);
        return;
    }
    struct config *old = config_current();
    struct dns_settings ds = daemon_dns_settings(cfg);
    if (strcmp(old->socket, cfg->socket) != 0)
        log_warn("socket changed to %s: this takes a restart", cfg->socket);
    if (open_log(cfg, o->foreground, err, sizeof(err)) < 0)
        log_err("reload: %s; logging continues where it was", err);
    if (dns_reconfigure(dns, &ds, err, sizeof(err)) < 0)
        log_err("reload: resolver: %s; it keeps its previous servers", err);
    if (metrics_http_apply(cfg->metrics.listen, err, sizeof(err)) < 0)
        log_err("reload: %s; the metrics endpoint stays as it was", err);
    attach_store(cfg, old);
    config_unref(&old);
    config_install(cfg);
    log_info("configuration reloaded from %s", o->path);
}

/* log_counters - SIGUSR1: how often each rule of the live configuration matched */
static void log_counters(void)
{
    struct config *cfg = config_current();
    rules_log_counters(cfg);
    config_unref(&cfg);
}

static const struct mctx_callbacks *callbacks; /* set by start() */

/* milter_thread - run the milter listener; tell the main loop when it ends */
static void *milter_thread(void *arg)
{
    int *rc = arg;
    *rc = mserver_run(callbacks);
    char b = 'X';
    ssize_t w = write(wake_pipe[1], &b, 1);
    (void)w;
    return NULL;
}

/* housekeeping - every few minutes: expired state out of the store */
static void housekeeping(time_t *last)
{
    time_t now = time(NULL);
    if (now - *last < HOUSEKEEPING_SECONDS)
        return;
    *last = now;
    struct config *cfg = config_current();
    unsigned long removed = 0;
    if (cfg && cfg->store && store_expire(cfg->store, now, &removed) == STORE_FOUND && removed)
        log_info("housekeeping: %lu expired entries removed from %s", removed,
                 store_spec(cfg->store));
    config_unref(&cfg);
}

/* main_loop - wait for signals and the end of the milter thread */
static void main_loop(const struct options *o, struct dns_resolver *dns)
{
    bool stopping = false;
    time_t last = time(NULL);
    char b;
    for (;;) {
        struct pollfd pfd = {.fd = wake_pipe[0], .events = POLLIN};
        if (poll(&pfd, 1, 60 * 1000) <= 0) {
            housekeeping(&last);
            continue;
        }
        ssize_t n = read(wake_pipe[0], &b, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || b == 'X')
            return;
        if (b == 'H' && !stopping)
            reload(o, dns);
        if (b == 'U')
            log_counters();
        if (b == 'T' && !stopping) {
            log_info("stopping");
            stopping = true;
            mserver_stop();
        }
    }
}

/* check_config - -n: report and exit */
static int check_config(const char *path)
{
    char err[1024];
    struct config *cfg = config_load(path, err, sizeof(err));
    if (cfg == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (daemon_check_ids(cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", path, err);
        config_unref(&cfg);
        return 1;
    }
    printf("configuration OK\n");
    config_unref(&cfg);
    return 0;
}

/* fatal - report a start-up error and exit 1 */
static void fatal(const char *err)
{
    fprintf(stderr, "mxgate: %s\n", err);
    log_err("%s", err);
    exit(1);
}

/* start - from configuration to a listening, unprivileged process */
static struct dns_resolver *start(const struct options *o, struct config *cfg)
{
    char err[1024];
    if (daemon_open_socket(cfg, err, sizeof(err)) < 0)
        fatal(err);
    if (!o->foreground && daemon_detach(err, sizeof(err)) < 0)
        fatal(err);
    if (daemon_write_pidfile(cfg->pidfile, err, sizeof(err)) < 0)
        fatal(err);
    if (store_path(cfg->store_spec) &&
        daemon_make_parent_dir(cfg, store_path(cfg->store_spec), err, sizeof(err)) < 0)
        log_warn("state store: %s", err); /* the store answers try-later until it exists */
    if (daemon_drop_privileges(cfg->user, cfg->group, err, sizeof(err)) < 0)
        fatal(err);
    struct dns_settings ds = daemon_dns_settings(cfg);
    struct dns_resolver *dns = dns_create(&ds, err, sizeof(err));
    if (dns == NULL)
        fatal(err);
    callbacks = glue_callbacks(dns);
    if (metrics_http_apply(cfg->metrics.listen, err, sizeof(err)) < 0)
        fatal(err);
    attach_store(cfg, NULL);
    return dns;
}

/* remove_files - the pid file and a unix socket, at exit */
static void remove_files(const struct config *cfg)
{
    struct sockspec spec;
    char err[256];
    if (cfg->pidfile && cfg->pidfile[0])
        unlink(cfg->pidfile);
    if (sockspec_parse(cfg->socket, &spec, err, sizeof(err)) == 0 && spec.kind == SOCK_UNIX)
        unlink(spec.path);
}

/* teardown - release everything, unless a connection thread is still in a
 * callback (stuck past the stop's wait): then leave what it uses to exit() */
static void teardown(struct config *cfg, struct dns_resolver *dns)
{
    char err[256];
    remove_files(cfg);
    unsigned busy = mserver_connections();
    if (busy > 0) {
        log_info("stopped (%u connections still busy)", busy);
        return;
    }
    metrics_http_apply(NULL, err, sizeof(err));
    config_install(NULL);
    dns_destroy(&dns);
    config_unref(&cfg);
    log_info("stopped");
    log_close();
}

/* main - mxgate */
int main(int argc, char **argv)
{
    struct options o = {0};
    char err[1024];
    parse_args(argc, argv, &o);
    if (o.check_only)
        return check_config(o.path);
    struct config *cfg = config_load(o.path, err, sizeof(err));
    if (cfg == NULL)
        fatal(err);
    if (open_log(cfg, o.foreground, err, sizeof(err)) < 0)
        fatal(err);
    install_signals();
    struct dns_resolver *dns = start(&o, cfg);
    config_install(config_ref(cfg));
    log_info("mxgate %s listening on %s", MXGATE_VERSION, cfg->socket);
    pthread_t tid;
    int rc = -1;
    if (pthread_create(&tid, NULL, milter_thread, &rc) != 0)
        fatal("cannot start the milter thread");
    main_loop(&o, dns);
    pthread_join(tid, NULL);
    teardown(cfg, dns);
    return rc == 0 ? 0 : 1;
}
