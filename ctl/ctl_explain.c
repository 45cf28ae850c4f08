/* ctl_explain.c - mxgatectl explain: replay one transaction (client, HELO,
 * sender, recipients, optionally a message and MTA macros) against a
 * configuration, with live DNS from the configuration's resolver and no
 * MTA, through the daemon's own steps (session.h); print every check
 * result, every rule evaluated and every decision, stage by stage, then the
 * replies as the MTA would get them. Greylisting reads the state store
 * without writing to it unless -w or -s says otherwise. */
#include "ctl.h"
#include "explain.h"

#include "daemon.h"
#include "dns.h"
#include "log.h"
#include "mta.h"
#include "store.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ctl_explain_usage - the synopsis */
void ctl_explain_usage(FILE *out)
{
    fprintf(out, "  explain [-v] [-n NAME] [-m MACRO=VALUE]... [-d MESSAGE] [-w|-s STORE]\n"
                 "          ADDRESS HELO SENDER RCPT...\n"
                 "                                         replay a transaction with live DNS and\n"
                 "                                         say why each reply is what it is\n");
}

/* usage_error - say what is wrong, then the synopsis */
static int usage_error(const char *what)
{
    fprintf(stderr, "mxgatectl: explain: %s\nusage:\n", what);
    ctl_explain_usage(stderr);
    return CTL_USAGE;
}

/* option - one option into a */
static int option(int ch, struct explain_args *a)
{
    if (ch == 'n' || ch == 'd' || ch == 's')
        *(ch == 'n' ? &a->name : ch == 'd' ? &a->message : &a->store) = optarg;
    else if (ch == 'w' || ch == 'v')
        *(ch == 'w' ? &a->write_store : &a->verbose) = true;
    else if (ch == 'm' && strchr(optarg, '=') && a->nmacros < EXPLAIN_MAX_MACROS)
        a->macros[a->nmacros++] = optarg;
    else
        return usage_error(ch == 'm' ? "-m takes NAME=VALUE (64 at most)" : "bad option");
    return CTL_OK;
}

/* parse - the subcommand's options and arguments */
static int parse(int argc, char **argv, struct explain_args *a)
{
    int ch;
    optind = 1;
    while ((ch = getopt(argc, argv, "n:m:d:ws:v")) != -1)
        if (option(ch, a) != CTL_OK)
            return CTL_USAGE;
    if (argc - optind < 4)
        return usage_error("ADDRESS HELO SENDER and at least one RCPT are needed");
    if (a->write_store && a->store)
        return usage_error("-w and -s exclude each other");
    a->client = argv[optind];
    a->helo = argv[optind + 1];
    a->sender = argv[optind + 2];
    a->rcpts = argv + optind + 3;
    a->nrcpts = argc - optind - 3;
    return CTL_OK;
}

/* unbraced - a macro name without its braces: "{x}" and "x" are one macro */
static const char *unbraced(const char *name, size_t n, size_t *len)
{
    bool braced = n > 2 && name[0] == '{' && name[n - 1] == '}';
    *len = braced ? n - 2 : n;
    return braced ? name + 1 : name;
}

/* macro - conn's macro reader over -m; unless given there, the queue id
 * "i" is EXPLAIN and {mail_addr} the sender, as an MTA sends them */
static const char *macro(void *arg, const char *name)
{
    const struct explain *ex = arg;
    size_t xn, yn;
    const char *x = unbraced(name, strlen(name), &xn);
    for (unsigned i = 0; i < ex->args->nmacros; i++) {
        const char *m = ex->args->macros[i], *eq = strchr(m, '=');
        const char *y = unbraced(m, (size_t)(eq - m), &yn);
        if (xn == yn && strncmp(x, y, xn) == 0)
            return eq + 1;
    }
    if (strcmp(name, "{mail_addr}") == 0)
        return ex->mail_addr;
    return strcmp(name, "i") == 0 ? "EXPLAIN" : NULL;
}

/* attach_store - the store greylisting and the DMARC history use: the
 * configured one read only (default), written (-w), or another (-s) */
static int attach_store(struct ctl *ctl, const struct explain_args *a, const char **how)
{
    char err[1024];
    struct store *st = NULL;
    if (a->write_store) {
        st = ctl_store(ctl) ? store_ref(ctl->store) : NULL;
        *how = "written as by the daemon (-w)";
    } else if (ctl_become_daemon(ctl) == 0) {
        const char *spec = a->store ? a->store : ctl->cfg->store_spec;
        st = a->store ? store_open(spec, err, sizeof(err)) : store_open_dry(spec, err, sizeof(err));
        *how = a->store ? "another store, read and written (-s)" : "read only, nothing recorded";
        if (st == NULL)
            ctl_fail("state store: %s", err);
    }
    ctl->cfg->store = st;
    return st ? 0 : -1;
}

/* setup - configuration, log, store, resolver, and the connection */
static int setup(struct ctl *ctl, struct explain *ex, struct dns_resolver **dns)
{
    char err[1024];
    const char *how = "";
    if (ctl_config(ctl) == NULL)
        return -1;
    enum log_level level = ex->args->verbose ? LOG_LVL_DEBUG : LOG_LVL_WARN;
    if (log_open("stderr", NULL, level, err, sizeof(err)) < 0 || attach_store(ctl, ex->args, &how))
        return -1;
    struct dns_settings ds = daemon_dns_settings(ctl->cfg);
    if ((*dns = dns_create(&ds, err, sizeof(err))) == NULL) {
        ctl_fail("resolver: %s", err);
        return -1;
    }
    ex->c = conn_new(ctl->cfg, *dns, 1);
    ex->c->macro = macro;
    ex->c->macro_ctx = ex;
    ex->c->proto = mta_protocol(ctl->cfg, ~0UL);
    ex->trace = explain_trace_ops;
    ex->trace.arg = ex;
    ex->c->trace = &ex->trace;
    fprintf(ex->out, "configuration %s; state store %s: %s\n", ctl->cfg->path,
            store_spec(ctl->cfg->store), how);
    return 0;
}

/* refused - whether the MTA ends the session or the transaction here */
static bool refused(const struct reply *rep)
{
    return rep->kind == ACTION_REJECT || rep->kind == ACTION_DEFER;
}

/* bare - an address without its angle brackets, in buf */
static const char *bare(const char *s, char *buf, size_t len)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>')
        snprintf(buf, len, "%.*s", (int)(n - 2), s + 1);
    else
        snprintf(buf, len, "%s", s);
    return buf;
}

/* client_steps - connect and HELO; false when the MTA ends the session */
static bool client_steps(struct explain *ex, const struct ipaddr *addr)
{
    const struct explain_args *a = ex->args;
    char name[IPADDR_STRLEN + 8];
    snprintf(name, sizeof(name), "[%s]", a->client);
    struct reply rep = session_connect(ex->c, a->name ? a->name : name, addr);
    fprintf(ex->out, "CONNECT from %s[%s]%s\n", ex->c->client_name, ex->c->client_addr,
            conn_trusted(ex->c) ? " (trusted: no checks, no rules)" : "");
    if (ex->c->cfg->delay_reject)
        fprintf(ex->out, "  (delay_reject: the rules of CONNECT, HELO and MAIL are decided at "
                         "each RCPT)\n");
    explain_reply(ex, "connect", STAGE_CONNECT, &rep);
    if (refused(&rep))
        return false;
    fprintf(ex->out, "HELO %s\n", a->helo);
    rep = session_helo(ex->c, a->helo);
    explain_reply(ex, "helo", STAGE_HELO, &rep);
    return !refused(&rep);
}

/* envelope_steps - MAIL and each RCPT: how many recipients the MTA keeps,
 * -1 when MAIL was refused */
static int envelope_steps(struct explain *ex)
{
    const struct explain_args *a = ex->args;
    char addr[1024], label[1100];
    fprintf(ex->out, "MAIL FROM:<%s>\n", bare(a->sender, addr, sizeof(addr)));
    snprintf(ex->mail_addr, sizeof(ex->mail_addr), "%s", addr);
    struct reply rep = session_mail(ex->c, a->sender);
    if (ex->c->auth_user)
        fprintf(ex->out, "  authenticated as %s%s\n", ex->c->auth_user,
                conn_trusted(ex->c) ? " (trusted: no checks, no rules)" : "");
    explain_reply(ex, "mail", STAGE_MAIL, &rep);
    if (refused(&rep))
        return -1;
    int kept = 0;
    for (int i = 0; i < a->nrcpts; i++) {
        snprintf(label, sizeof(label), "rcpt <%s>", bare(a->rcpts[i], addr, sizeof(addr)));
        fprintf(ex->out, "RCPT TO:<%s>\n", addr);
        rep = session_rcpt(ex->c, a->rcpts[i]);
        explain_reply(ex, label, STAGE_RCPT, &rep);
        kept += !refused(&rep);
    }
    return kept;
}

/* message_steps - the message and end of message, when the MTA gets that far */
static void message_steps(struct explain *ex, int kept)
{
    if (kept == 0) {
        fprintf(ex->out, "no recipient accepted: the MTA aborts the transaction\n");
        session_abort(ex->c);
    }
    if (kept <= 0)
        return;
    if (ex->message == NULL) {
        fprintf(ex->out, "no message (-d): the end-of-message rules were not run\n");
        return;
    }
    fprintf(ex->out, "DATA from %s\n", ex->args->message);
    explain_message(ex, ex->message, ex->message_len);
    fprintf(ex->out, "END-OF-MESSAGE\n");
    struct session_edits ed = explain_edits(ex);
    struct reply rep = session_eom(ex->c, &ed);
    explain_reply(ex, "eom", STAGE_EOM, &rep);
}

/* run - the steps, as far as the MTA would go */
static void run(struct explain *ex, const struct ipaddr *addr)
{
    if (client_steps(ex, addr))
        message_steps(ex, envelope_steps(ex));
    explain_pending(ex);
}

/* ctl_explain - explain [options] ADDRESS HELO SENDER RCPT... */
int ctl_explain(struct ctl *ctl, int argc, char **argv)
{
    struct explain_args a = {0};
    struct ipaddr addr;
    if (parse(argc, argv, &a) != CTL_OK)
        return CTL_USAGE;
    bool ip = strcmp(a.client, "-") != 0;
    if (ip && ipaddr_parse(a.client, &addr) < 0)
        return usage_error("ADDRESS is not an IP address (or - for none)");
    struct explain ex = {.args = &a, .out = stdout};
    struct dns_resolver *dns = NULL;
    if (a.message && (ex.message = explain_read(a.message, &ex.message_len)) == NULL)
        return CTL_FAIL;
    if ((ex.rep = open_memstream(&ex.replies, &ex.replies_len)) == NULL) {
        free(ex.message);
        return ctl_fail("explain: out of memory");
    }
    int rc = setup(ctl, &ex, &dns) == 0 ? CTL_OK : CTL_FAIL;
    if (rc == CTL_OK)
        run(&ex, ip ? &addr : NULL);
    fclose(ex.rep);
    if (rc == CTL_OK)
        printf("\nreplies as the MTA gets them:\n%s", ex.replies);
    free(ex.replies);
    free(ex.message);
    conn_free(&ex.c);
    dns_destroy(&dns);
    return rc;
}
