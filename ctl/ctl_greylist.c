/* ctl_greylist.c - mxgatectl greylist: list, show, allow, drop, count and
 * expire the greylisting state (triplets and client networks) in the store */
#include "ctl.h"

#include "addr.h"
#include "config.h"
#include "greylist.h"
#include "greylist_key.h"
#include "store.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MATCH_LEN 512
#define TIME_LEN 32
#define MAX_DAYS 36500

/* What an argument names: the store strings that match it (an address has
 * two spellings: as a recipient, lowercased, and as a normalized sender). */
struct target {
    const char *what;         /* as the operator wrote it */
    char net[GREY_NET_LEN];   /* a network, or an address's network; "" if neither */
    bool address;             /* what is an IP address (net is its network) */
    char match[2][MATCH_LEN]; /* origin, sender or rcpt values */
    unsigned nmatch;
    bool sender_only; /* match[1] is a normalized sender: other columns do not count */
};

/* A text table, printed with its columns aligned. */
struct table {
    size_t ncols, nrows;
    char **cells; /* nrows * ncols, row by row; row 0 is the heading */
};

/* What a callback of the store collects. */
struct collect {
    struct table *t;
    int64_t now;
    const char *state;  /* "pending", "passed" or NULL: every triplet */
    const char *skip;   /* rows matching this were collected already */
    const char *sender; /* only rows with this sender; NULL: any */
    const char *net;    /* store_net_each: only this net; NULL: all */
};

/* Whether a normalized sender is also in another column of some triplet. */
struct sender_query {
    const char *s;
    bool found;
};

struct sub {
    const char *name, *args, *help;
    unsigned min, max; /* argument counts after the name */
    int (*run)(struct ctl *ctl, char **args, unsigned nargs);
};

static const struct sub *current; /* the subcommand running, for its usage line */

/* --- output -------------------------------------------------------------- */

/* table_new - an empty table with heading cells (NULL-terminated) */
static struct table table_new(const char *const *heading)
{
    struct table t = {0};
    while (heading[t.ncols])
        t.ncols++;
    t.cells = xcalloc(t.ncols, sizeof(char *));
    for (size_t i = 0; i < t.ncols; i++)
        t.cells[i] = xstrdup(heading[i]);
    t.nrows = 1;
    return t;
}

/* table_add - append a row of ncols cells (copied) */
static void table_add(struct table *t, const char *const *cells)
{
    t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i]);
    t->nrows++;
}

/* table_print - heading and rows on stdout, columns two spaces apart */
static void table_print(const struct table *t)
{
    size_t width[16] = {0};
    for (size_t i = 0; i < t->nrows * t->ncols; i++) {
        size_t len = strlen(t->cells[i]);
        width[i % t->ncols] = len > width[i % t->ncols] ? len : width[i % t->ncols];
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            if (c + 1 < t->ncols)
                printf("%-*s  ", (int)width[c], cell);
            else
                printf("%s\n", cell);
        }
    }
}

/* table_free - release the cells */
static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    *t = (struct table){0};
}

/* format_time - local "2026-11-22 14:03:05"; "-" for 0 */
static const char *format_time(int64_t when, char *buf, size_t len)
{
    time_t t = (time_t)when;
    struct tm tm;
    if (when == 0 || localtime_r(&t, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, len, "-");
    return buf;
}

/* --- collecting rows ----------------------------------------------------- */

static const char *const grey_heading[] = {
    "ORIGIN",    "SENDER",  "RECIPIENT", "STATE", "FIRST SEEN",
    "LAST SEEN", "EXPIRES", "ATTEMPTS",  NULL,
};

static const char *const net_heading[] = {"NET", "PASSES", "ALLOWED UNTIL", "BY", NULL};

/* grey_state - "pending", "passed", or "expired" (awaiting housekeeping) */
static const char *grey_state(const struct grey_row *row, int64_t now)
{
    if (now > row->expires)
        return "expired";
    return row->passed ? "passed" : "pending";
}

/* matches - whether the row's origin, sender or rcpt is s */
static bool matches(const struct grey_row *row, const char *s)
{
    return strcmp(row->origin, s) == 0 || strcmp(row->sender, s) == 0 || strcmp(row->rcpt, s) == 0;
}

/* add_grey - store_grey_each callback: one triplet into the table */
static int add_grey(void *arg, const struct grey_row *row)
{
    struct collect *co = arg;
    const char *state = grey_state(row, co->now);
    if ((co->state && strcmp(state, co->state) != 0) || (co->skip && matches(row, co->skip)) ||
        (co->sender && strcmp(row->sender, co->sender) != 0))
        return 0;
    char first[TIME_LEN], last[TIME_LEN], expires[TIME_LEN], attempts[16];
    snprintf(attempts, sizeof(attempts), "%u", row->attempts);
    const char *cells[] = {
        row->origin,
        row->sender[0] ? row->sender : "<>",
        row->rcpt,
        state,
        format_time(row->first_seen, first, sizeof(first)),
        format_time(row->last_seen, last, sizeof(last)),
        format_time(row->expires, expires, sizeof(expires)),
        attempts,
    };
    table_add(co->t, cells);
    return 0;
}

/* add_net - store_net_each callback: one net row into the table */
static int add_net(void *arg, const struct net_row *row)
{
    struct collect *co = arg;
    if (co->net && strcmp(row->net, co->net) != 0)
        return 0;
    char passes[16], until[TIME_LEN];
    snprintf(passes, sizeof(passes), "%u", row->passes);
    if (row->allowed_until == INT64_MAX)
        snprintf(until, sizeof(until), "for good");
    else
        format_time(row->allowed_until, until, sizeof(until));
    const char *by = row->allowed_until == 0 ? "-" : row->by_operator ? "operator" : "auto";
    const char *cells[] = {row->net, passes, until, by};
    table_add(co->t, cells);
    return 0;
}

/* --- arguments ----------------------------------------------------------- */

/* usage_error - the argument (unless the reason quotes it), the reason and
 * the running subcommand's synopsis; CTL_USAGE */
static int usage_error(const char *reason, const char *what)
{
    char quoted[MATCH_LEN + 2];
    snprintf(quoted, sizeof(quoted), "\"%s\"", what ? what : "");
    if (what && strstr(reason, quoted))
        what = NULL;
    fprintf(stderr, "mxgatectl: greylist %s: %s%s%s\n", current->name, what ? what : "",
            what ? ": " : "", reason);
    fprintf(stderr, "usage: mxgatectl [-c FILE] greylist %s%s%s\n", current->name,
            current->args[0] ? " " : "", current->args);
    return CTL_USAGE;
}

/* add_match - one more store value for t, unless it repeats the first */
static void add_match(struct target *t, const char *s)
{
    if (t->nmatch == 1 && strcmp(t->match[0], s) == 0)
        return;
    strlcpy_(t->match[t->nmatch++], s, MATCH_LEN);
}

/* parse_net - an address (its greylist network) or a greylist network */
static int parse_net(const struct config *cfg, struct target *t, char *err, size_t errlen)
{
    struct ipaddr a;
    struct cidr c;
    char text[IPADDR_STRLEN], given[GREY_NET_LEN + 8];
    if (ipaddr_parse(t->what, &a) == 0) {
        greylist_net(cfg, &a, t->net, sizeof(t->net));
        t->address = true;
        return 0;
    }
    if (strchr(t->what, '/') == NULL) {
        snprintf(err, errlen, "not an IP address or a network");
        return -1;
    }
    if (cidr_parse(t->what, &c, err, errlen) < 0)
        return -1;
    greylist_net(cfg, &c.net, t->net, sizeof(t->net));
    snprintf(given, sizeof(given), "%s/%u", ipaddr_format(&c.net, text, sizeof(text)), c.prefix);
    if (strcmp(given, t->net) != 0) {
        bool v4 = c.net.family == AF_INET;
        snprintf(err, errlen,
                 "greylisting counts %s networks of /%s (checks.greylist %s): give an address "
                 "or a network such as %s",
                 v4 ? "IPv4" : "IPv6", strrchr(t->net, '/') + 1, v4 ? "net4" : "net6", t->net);
        return -1;
    }
    return 0;
}

/* parse_email - a sender or recipient: "<>", "local@domain" or "<local@domain>" */
static int parse_email(struct target *t, char *err, size_t errlen)
{
    char addr[MATCH_LEN], sender[MATCH_LEN];
    size_t len = strlen(t->what);
    bool angle = len >= 2 && t->what[0] == '<' && t->what[len - 1] == '>';
    snprintf(addr, sizeof(addr), "%.*s", (int)(angle ? len - 2 : len), t->what + angle);
    const char *at = strrchr(addr, '@');
    if (addr[0] == '\0' && angle) {
        add_match(t, ""); /* the null sender */
        return 0;
    }
    if (len >= MATCH_LEN || at == NULL || at == addr || at[1] == '\0' ||
        strpbrk(addr, " \t<>") != NULL) {
        snprintf(err, errlen, "not an e-mail address");
        return -1;
    }
    add_match(t, str_lower(addr)); /* a recipient */
    grey_sender(addr, sender, sizeof(sender));
    add_match(t, sender);
    t->sender_only = t->nmatch == 2;
    return 0;
}

/* parse_spf - "spf:DOMAIN", the origin of triplets whose sender passed SPF */
static int parse_spf(struct target *t, char *err, size_t errlen)
{
    char origin[MATCH_LEN];
    const char *domain = t->what + 4;
    if (domain[0] == '\0' || strlen(t->what) >= MATCH_LEN || strpbrk(domain, " \t@/<>")) {
        snprintf(err, errlen, "not spf:DOMAIN");
        return -1;
    }
    snprintf(origin, sizeof(origin), "spf:%s", domain);
    add_match(t, origin);
    add_match(t, str_lower(origin));
    return 0;
}

/* parse_target - what an argument of show or drop names */
static int parse_target(const struct config *cfg, const char *what, struct target *t, char *err,
                        size_t errlen)
{
    *t = (struct target){.what = what};
    if (strncasecmp(what, "spf:", 4) == 0)
        return parse_spf(t, err, errlen);
    if (strchr(what, '@') || strcmp(what, "<>") == 0)
        return parse_email(t, err, errlen);
    if (parse_net(cfg, t, err, errlen) < 0) {
        if (strchr(what, '/') == NULL)
            snprintf(err, errlen,
                     "not an IP address, a network, an e-mail address, <> or "
                     "spf:DOMAIN");
        return -1;
    }
    add_match(t, t->net);
    return 0;
}

/* parse_days - DAYS: a whole number from 1 to MAX_DAYS */
static int parse_days(const char *s, unsigned *days)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno || v < 1 || v > MAX_DAYS)
        return -1;
    *days = (unsigned)v;
    return 0;
}

/* net_label - what t names, for messages: "NET (the greylist network of
 * ADDRESS)", a network as the store spells it, or the argument */
static const char *net_label(const struct target *t, char *buf, size_t len)
{
    if (t->address)
        snprintf(buf, len, "%s (the greylist network of %s)", t->net, t->what);
    else
        snprintf(buf, len, "%s", t->net[0] ? t->net : t->what);
    return buf;
}

/* --- subcommands --------------------------------------------------------- */

/* print_tables - the non-empty tables, a blank line between them */
static void print_tables(struct table *grey, struct table *nets)
{
    if (grey->nrows > 1)
        table_print(grey);
    if (grey->nrows > 1 && nets->nrows > 1)
        printf("\n");
    if (nets->nrows > 1)
        table_print(nets);
}

/* gl_list - list [pending|passed|nets] */
static int gl_list(struct ctl *ctl, char **args, unsigned nargs)
{
    static const char *const states[] = {"pending", "passed", "nets"};
    const char *what = nargs ? args[0] : NULL;
    size_t i = 0;
    while (what && i < ARRAY_LEN(states) && strcmp(what, states[i]) != 0)
        i++;
    if (what && i == ARRAY_LEN(states))
        return usage_error("not pending, passed or nets", what);
    struct store *st = ctl_store(ctl);
    if (st == NULL)
        return CTL_FAIL;
    bool nets = what && strcmp(what, "nets") == 0;
    struct table t = table_new(nets ? net_heading : grey_heading);
    struct collect co = {.t = &t, .now = time(NULL), .state = nets ? NULL : what};
    enum store_status s;
    if (nets)
        s = store_net_each(st, add_net, &co);
    else
        s = store_grey_each(st, NULL, add_grey, &co);
    if (s != STORE_TRYLATER && t.nrows == 1)
        printf("no %s\n", nets ? "networks" : "triplets");
    else if (s != STORE_TRYLATER)
        table_print(&t);
    table_free(&t);
    return s == STORE_TRYLATER ? ctl_trylater(ctl) : CTL_OK;
}

/* collect_target - the triplets and net row t names into the tables */
static enum store_status collect_target(struct store *st, const struct target *t,
                                        struct table *grey, struct table *nets)
{
    struct collect co = {.t = grey, .now = time(NULL)};
    enum store_status s = STORE_FOUND;
    for (unsigned i = 0; i < t->nmatch && s != STORE_TRYLATER; i++) {
        co.skip = i ? t->match[0] : NULL;
        co.sender = i && t->sender_only ? t->match[1] : NULL;
        s = store_grey_each(st, t->match[i], add_grey, &co);
    }
    co = (struct collect){.t = nets, .net = t->net};
    if (s != STORE_TRYLATER && t->net[0])
        s = store_net_each(st, add_net, &co);
    return s;
}

/* gl_show - show WHAT */
static int gl_show(struct ctl *ctl, char **args, unsigned nargs)
{
    (void)nargs;
    const struct config *cfg = ctl_config(ctl);
    struct target t;
    char err[256], label[GREY_NET_LEN + IPADDR_STRLEN + 40];
    if (cfg == NULL)
        return CTL_FAIL;
    if (parse_target(cfg, args[0], &t, err, sizeof(err)) < 0)
        return usage_error(err, args[0]);
    struct store *st = ctl_store(ctl);
    if (st == NULL)
        return CTL_FAIL;
    struct table grey = table_new(grey_heading), nets = table_new(net_heading);
    enum store_status s = collect_target(st, &t, &grey, &nets);
    int rc = s == STORE_TRYLATER ? ctl_trylater(ctl) : CTL_OK;
    if (rc == CTL_OK && grey.nrows == 1 && nets.nrows == 1)
        rc = ctl_fail("nothing known about %s", net_label(&t, label, sizeof(label)));
    if (rc == CTL_OK && t.address)
        printf("%s is greylisted as %s\n\n", t.what, t.net);
    if (rc == CTL_OK)
        print_tables(&grey, &nets);
    table_free(&grey);
    table_free(&nets);
    return rc;
}

/* gl_allow - allow ADDRESS|NETWORK [DAYS] */
static int gl_allow(struct ctl *ctl, char **args, unsigned nargs)
{
    const struct config *cfg = ctl_config(ctl);
    struct target t = {.what = args[0]};
    char err[256], label[GREY_NET_LEN + IPADDR_STRLEN + 40], until[TIME_LEN];
    unsigned days = 0;
    if (cfg == NULL)
        return CTL_FAIL;
    if (parse_net(cfg, &t, err, sizeof(err)) < 0)
        return usage_error(err, args[0]);
    if (nargs > 1 && parse_days(args[1], &days) < 0)
        return usage_error("DAYS must be a whole number from 1 to 36500", args[1]);
    struct store *st = ctl_store(ctl);
    if (st == NULL)
        return CTL_FAIL;
    int64_t end = days ? (int64_t)time(NULL) + (int64_t)days * 86400 : INT64_MAX;
    if (store_net_allow(st, t.net, end, true) == STORE_TRYLATER)
        return ctl_trylater(ctl);
    if (days)
        printf("allowed %s for %u day%s, until %s\n", net_label(&t, label, sizeof(label)), days,
               days == 1 ? "" : "s", format_time(end, until, sizeof(until)));
    else
        printf("allowed %s for good\n", net_label(&t, label, sizeof(label)));
    return CTL_OK;
}

/* not_only_sender - store_grey_each callback: stop at a row that has the
 * string in another column than the sender */
static int not_only_sender(void *arg, const struct grey_row *row)
{
    struct sender_query *q = arg;
    q->found = strcmp(row->origin, q->s) == 0 || strcmp(row->rcpt, q->s) == 0;
    return q->found;
}

/* drop_target - store_grey_drop each of t's strings; a normalized sender only
 * when no triplet has it in another column, as the store drops by any column */
static enum store_status drop_target(struct store *st, const struct target *t, unsigned long *total)
{
    struct sender_query q = {.s = t->match[1]};
    unsigned long n;
    *total = 0;
    if (t->sender_only && store_grey_each(st, q.s, not_only_sender, &q) == STORE_TRYLATER)
        return STORE_TRYLATER;
    for (unsigned i = 0; i < t->nmatch; i++, *total += n) {
        n = 0;
        if (i == 1 && q.found)
            fprintf(stderr,
                    "mxgatectl: not dropping triplets of the sender %s, which is also a "
                    "recipient; drop %s to drop both\n",
                    q.s, q.s);
        else if (store_grey_drop(st, t->match[i], &n) == STORE_TRYLATER)
            return STORE_TRYLATER;
    }
    return STORE_FOUND;
}

/* gl_drop - drop WHAT */
static int gl_drop(struct ctl *ctl, char **args, unsigned nargs)
{
    (void)nargs;
    const struct config *cfg = ctl_config(ctl);
    struct target t;
    char err[256], label[GREY_NET_LEN + IPADDR_STRLEN + 40];
    unsigned long total;
    if (cfg == NULL)
        return CTL_FAIL;
    if (parse_target(cfg, args[0], &t, err, sizeof(err)) < 0)
        return usage_error(err, args[0]);
    struct store *st = ctl_store(ctl);
    if (st == NULL)
        return CTL_FAIL;
    if (drop_target(st, &t, &total) == STORE_TRYLATER)
        return ctl_trylater(ctl);
    if (total == 0)
        return ctl_fail("nothing known about %s", net_label(&t, label, sizeof(label)));
    printf("dropped %lu %s matching %s\n", total, total == 1 ? "entry" : "entries",
           net_label(&t, label, sizeof(label)));
    return CTL_OK;
}

/* gl_stats - stats */
static int gl_stats(struct ctl *ctl, char **args, unsigned nargs)
{
    (void)args, (void)nargs;
    struct store *st = ctl_store(ctl);
    struct grey_stats gs;
    if (st == NULL)
        return CTL_FAIL;
    if (store_grey_stats(st, time(NULL), &gs) == STORE_TRYLATER)
        return ctl_trylater(ctl);
    printf("%-34s%lu\n", "pending triplets", gs.pending);
    printf("%-34s%lu\n", "passed triplets", gs.passed);
    printf("%-34s%lu\n", "expired, awaiting housekeeping", gs.expired);
    printf("%-34s%lu\n", "networks allowed automatically", gs.nets_auto);
    printf("%-34s%lu\n", "networks allowed by the operator", gs.nets_operator);
    return CTL_OK;
}

/* gl_expire - expire */
static int gl_expire(struct ctl *ctl, char **args, unsigned nargs)
{
    (void)args, (void)nargs;
    struct store *st = ctl_store(ctl);
    unsigned long removed;
    if (st == NULL)
        return CTL_FAIL;
    if (store_expire(st, time(NULL), &removed) == STORE_TRYLATER)
        return ctl_trylater(ctl);
    printf("removed %lu expired %s\n", removed, removed == 1 ? "entry" : "entries");
    return CTL_OK;
}

/* Adding a greylist subcommand is one row here. */
static const struct sub subs[] = {
    {.name = "list",
     .args = "[pending|passed|nets]",
     .max = 1,
     .run = gl_list,
     .help = "triplets (all, pending or passed), or networks"},
    {.name = "show",
     .args = "WHAT",
     .min = 1,
     .max = 1,
     .run = gl_show,
     .help = "the triplets and network row WHAT matches"},
    {.name = "allow",
     .args = "ADDRESS|NETWORK [DAYS]",
     .min = 1,
     .max = 2,
     .run = gl_allow,
     .help = "let a network pass greylisting, for good or DAYS days"},
    {.name = "drop",
     .args = "WHAT",
     .min = 1,
     .max = 1,
     .run = gl_drop,
     .help = "forget the triplets and network row WHAT matches"},
    {.name = "stats",
     .args = "",
     .run = gl_stats,
     .help = "counts of triplets and allowed networks"},
    {.name = "expire", .args = "", .run = gl_expire, .help = "remove expired entries now"},
};

/* ctl_greylist_usage - one line per subcommand, and what WHAT may be */
void ctl_greylist_usage(FILE *out)
{
    char synopsis[64];
    for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
        snprintf(synopsis, sizeof(synopsis), "greylist %s%s%s", subs[i].name,
                 subs[i].args[0] ? " " : "", subs[i].args);
        fprintf(out, "  %-38s %s\n", synopsis, subs[i].help);
    }
    fprintf(out, "  WHAT: an IP address (its greylist network), a network, a sender or\n"
                 "        recipient address, <> (the null sender) or spf:DOMAIN\n");
}

/* ctl_greylist - find the subcommand, check its argument count, run it */
int ctl_greylist(struct ctl *ctl, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "mxgatectl: greylist: which subcommand?\nusage:\n");
        ctl_greylist_usage(stderr);
        return CTL_USAGE;
    }
    for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        current = &subs[i];
        unsigned nargs = (unsigned)argc - 2;
        if (nargs < subs[i].min || nargs > subs[i].max)
            return usage_error(nargs < subs[i].min ? "missing argument" : "too many arguments",
                               NULL);
        return subs[i].run(ctl, argv + 2, nargs);
    }
    fprintf(stderr, "mxgatectl: greylist: unknown subcommand \"%s\"\nusage:\n", argv[1]);
    ctl_greylist_usage(stderr);
    return CTL_USAGE;
}
