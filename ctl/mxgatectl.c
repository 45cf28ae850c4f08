/* mxgatectl.c - the operator's tool: argv, the configuration, the state store
 * opened with the daemon's privileges, and the table of subcommands */
#include "ctl.h"

#include "config.h"
#include "daemon.h"
#include "store.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Adding a subcommand is one row here. */
static const struct command {
    const char *name;
    int (*run)(struct ctl *ctl, int argc, char **argv);
    void (*usage)(FILE *out);
} commands[] = {
    {.name = "explain", .run = ctl_explain, .usage = ctl_explain_usage},
    {.name = "greylist", .run = ctl_greylist, .usage = ctl_greylist_usage},
    {.name = "keygen", .run = ctl_keygen, .usage = ctl_keygen_usage},
    {.name = "stats", .run = ctl_stats, .usage = ctl_stats_usage},
};

/* usage - the synopsis and every subcommand's, on out */
static void usage(FILE *out)
{
    fprintf(out, "usage: mxgatectl [-c FILE] COMMAND [ARG...]\n"
                 "       mxgatectl -h | -V\n"
                 "  -c FILE  configuration file (default " CONFIG_DEFAULT_PATH ")\n"
                 "  -h       print this help and exit\n"
                 "  -V       print the version and exit\n"
                 "commands:\n");
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        commands[i].usage(out);
}

/* ctl_fail - report a failure on stderr */
int ctl_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mxgatectl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CTL_FAIL;
}

/* ctl_config - load the configuration once */
const struct config *ctl_config(struct ctl *ctl)
{
    char err[1024];
    if (ctl->cfg == NULL && (ctl->cfg = config_load(ctl->path, err, sizeof(err))) == NULL)
        ctl_fail("%s", err);
    return ctl->cfg;
}

/* ctl_become_daemon - drop to the daemon's account if root */
int ctl_become_daemon(struct ctl *ctl)
{
    char err[1024];
    const struct config *cfg = ctl_config(ctl);
    if (cfg == NULL)
        return -1;
    if (geteuid() == 0 && daemon_drop_privileges(cfg->user, cfg->group, err, sizeof(err)) < 0) {
        ctl_fail("%s; not opening the state store as root", err);
        return -1;
    }
    return 0;
}

/* ctl_store - drop to the daemon's account if root, then open the store once */
struct store *ctl_store(struct ctl *ctl)
{
    char err[1024];
    if (ctl->store)
        return ctl->store;
    if (ctl_become_daemon(ctl) < 0)
        return NULL;
    const struct config *cfg = ctl->cfg;
    if ((ctl->store = store_open(cfg->store_spec, err, sizeof(err))) == NULL)
        ctl_fail("state store: %s", err); /* not the spec: it may hold a password */
    return ctl->store;
}

/* ctl_trylater - the store's try-later, for the operator */
int ctl_trylater(struct ctl *ctl)
{
    fprintf(stderr,
            "mxgatectl: the state store %s cannot answer now (busy, read-only, missing or "
            "damaged); try again later\n",
            ctl->store ? store_spec(ctl->store) : "(none)");
    return CTL_TRYLATER;
}

/* parse_args - options before the command; exits on -h, -V and errors */
static int parse_args(int argc, char **argv, struct ctl *ctl)
{
    int ch;
    ctl->path = CONFIG_DEFAULT_PATH;
    /* "+": stop at the command, whose arguments are its own */
    while ((ch = getopt(argc, argv, "+c:hV")) != -1) {
        switch (ch) {
        case 'c':
            ctl->path = optarg;
            break;
        case 'V':
            printf("mxgatectl %s\n", MXGATE_VERSION);
            exit(CTL_OK);
        case 'h':
            usage(stdout);
            exit(CTL_OK);
        default:
            usage(stderr);
            exit(CTL_USAGE);
        }
    }
    return optind;
}

/* find_command - the row named name, or NULL */
static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* main - mxgatectl */
int main(int argc, char **argv)
{
    struct ctl ctl = {0};
    int first = parse_args(argc, argv, &ctl);
    if (first == argc) {
        usage(stderr);
        return CTL_USAGE;
    }
    const struct command *cmd = find_command(argv[first]);
    if (cmd == NULL) {
        ctl_fail("unknown command \"%s\"", argv[first]);
        usage(stderr);
        return CTL_USAGE;
    }
    int rc = cmd->run(&ctl, argc - first, argv + first);
    if (fflush(stdout) == EOF && rc == CTL_OK)
        rc = ctl_fail("cannot write the output");
    store_unref(&ctl.store);
    config_unref(&ctl.cfg);
    return rc;
}
