/* testfilter.c - a libmilter filter for milterc's tests, driven by what it receives
 *
 * milterc_testfilter -s SOCKET [-p FLAGS] [-m STAGE=LIST]... [-d MS] [-g]
 *
 *   -p FLAGS       protocol bits to ask for, comma-separated: NOCONNECT NOHELO
 *                  NOMAIL NORCPT NOBODY NOHDRS NOEOH NODATA NR_CONN NR_HELO
 *                  NR_MAIL NR_RCPT NR_DATA NR_HDR NR_EOH NR_BODY SKIP
 *   -m STAGE=LIST  ask for a macro list (smfi_setsymlist), STAGE one of
 *                  connect helo mail rcpt data eoh eom
 *   -d MS          sleep MS milliseconds at end of message
 *   -g             while sleeping, send SMFIR_PROGRESS every 200 ms
 *
 * Verdicts: client host or HELO name "reject.test" is rejected with
 * "550 5.7.1 rejected by test", "tempfail.test" tempfailed (plain),
 * "accept.test" accepted; "exit.test" makes the filter exit on the spot
 * (the connection closes without a reply). MAIL/RCPT local parts: reject (550 5.7.1 rejected
 * by test), tempfail (451 4.7.1 tempfailed by test), rejectplain, accept,
 * discard. Header "X-Test-Action: reject|tempfail|accept|discard" answers
 * that header so; a body chunk containing "SKIPME" gets SMFIS_SKIP (if
 * negotiated). At end of message it adds
 *   X-Test-Seen: connect=N helo=N mail=N rcpt=N data=N header=N eoh=N
 *                body=N bytes=N maxchunk=N abort=N   (body/bytes/maxchunk per message)
 *   X-Test-Macros: client_addr=V client_name=V auth_authen=V rcpt_i=V i=V
 * then, if the message had a header "X-Test-Global: yes",
 *   X-Test-Global: live=N closed=N aborts=N             (whole process)
 * and every other modification if it had "X-Test-Mods: yes". It answers
 * end of message as "X-Test-Eom: VERDICT" says (default accept). */
#include <libmilter/mfapi.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_LISTS 7

enum counter {
    C_CONNECT = 0,
    C_HELO,
    C_MAIL,
    C_RCPT,
    C_DATA,
    C_HEADER,
    C_EOH,
    C_BODY,
    C_BYTES,
    C_MAXCHUNK,
    C_ABORT,
    C_COUNTERS
};

static const char *const counter_names[C_COUNTERS] = {
    [C_CONNECT] = "connect", [C_HELO] = "helo",         [C_MAIL] = "mail",   [C_RCPT] = "rcpt",
    [C_DATA] = "data",       [C_HEADER] = "header",     [C_EOH] = "eoh",     [C_BODY] = "body",
    [C_BYTES] = "bytes",     [C_MAXCHUNK] = "maxchunk", [C_ABORT] = "abort",
};

/* Per-connection state. */
struct priv {
    unsigned long n[C_COUNTERS];
    int mods, global;
    sfsistat eom_verdict;
    char rcpt_i[64];
};

static const struct flag_name {
    const char *name;
    unsigned long bit;
} flag_names[] = {
    {.name = "NOCONNECT", .bit = SMFIP_NOCONNECT}, {.name = "NOHELO", .bit = SMFIP_NOHELO},
    {.name = "NOMAIL", .bit = SMFIP_NOMAIL},       {.name = "NORCPT", .bit = SMFIP_NORCPT},
    {.name = "NOBODY", .bit = SMFIP_NOBODY},       {.name = "NOHDRS", .bit = SMFIP_NOHDRS},
    {.name = "NOEOH", .bit = SMFIP_NOEOH},         {.name = "NODATA", .bit = SMFIP_NODATA},
    {.name = "NR_CONN", .bit = SMFIP_NR_CONN},     {.name = "NR_HELO", .bit = SMFIP_NR_HELO},
    {.name = "NR_MAIL", .bit = SMFIP_NR_MAIL},     {.name = "NR_RCPT", .bit = SMFIP_NR_RCPT},
    {.name = "NR_DATA", .bit = SMFIP_NR_DATA},     {.name = "NR_HDR", .bit = SMFIP_NR_HDR},
    {.name = "NR_EOH", .bit = SMFIP_NR_EOH},       {.name = "NR_BODY", .bit = SMFIP_NR_BODY},
    {.name = "SKIP", .bit = SMFIP_SKIP},
};

static const struct stage_name {
    const char *name;
    int smfim;
} stage_names[] = {
    {.name = "connect", .smfim = SMFIM_CONNECT}, {.name = "helo", .smfim = SMFIM_HELO},
    {.name = "mail", .smfim = SMFIM_ENVFROM},    {.name = "rcpt", .smfim = SMFIM_ENVRCPT},
    {.name = "data", .smfim = SMFIM_DATA},       {.name = "eoh", .smfim = SMFIM_EOH},
    {.name = "eom", .smfim = SMFIM_EOM},
};

static const struct verdict_name {
    const char *name;
    sfsistat v;
} verdict_names[] = {
    {.name = "reject", .v = SMFIS_REJECT},     {.name = "tempfail", .v = SMFIS_TEMPFAIL},
    {.name = "accept", .v = SMFIS_ACCEPT},     {.name = "discard", .v = SMFIS_DISCARD},
    {.name = "continue", .v = SMFIS_CONTINUE},
};

/* Options, fixed before smfi_main(). */
static struct {
    unsigned long want_flags;
    int nlists;
    int list_stage[MAX_LISTS];
    char *list[MAX_LISTS];
    long delay_ms;
    int progress;
} opt;

/* What was negotiated (the same for every connection). */
static unsigned long negotiated;

/* Whole-process counters. */
static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long g_live, g_closed, g_aborts;

/* die - message and exit 2 */
static void die(const char *what, const char *arg)
{
    fprintf(stderr, "testfilter: %s%s\n", what, arg ? arg : "");
    exit(2);
}

/* global_add - change a process-wide counter under the lock */
static void global_add(unsigned long *counter, long delta)
{
    pthread_mutex_lock(&global_lock);
    *counter += (unsigned long)delta;
    pthread_mutex_unlock(&global_lock);
}

/* get_priv - this connection's state, created on first use */
static struct priv *get_priv(SMFICTX *ctx)
{
    struct priv *p = smfi_getpriv(ctx);
    if (p == NULL) {
        p = calloc(1, sizeof(*p));
        if (p == NULL)
            die("out of memory", NULL);
        p->eom_verdict = SMFIS_ACCEPT;
        smfi_setpriv(ctx, p);
        global_add(&g_live, 1);
    }
    return p;
}

/* answer - a verdict, or no reply when the step's NR bit was negotiated */
static sfsistat answer(unsigned long nr_bit, sfsistat v)
{
    if (v == SMFIS_CONTINUE && (negotiated & nr_bit))
        return SMFIS_NOREPLY;
    return v;
}

/* name_verdict - verdict for a connect/helo name */
static sfsistat name_verdict(SMFICTX *ctx, const char *name)
{
    if (strcasecmp(name, "reject.test") == 0) {
        smfi_setreply(ctx, "550", "5.7.1", "rejected by test");
        return SMFIS_REJECT;
    }
    if (strcasecmp(name, "tempfail.test") == 0)
        return SMFIS_TEMPFAIL;
    if (strcasecmp(name, "accept.test") == 0)
        return SMFIS_ACCEPT;
    if (strcasecmp(name, "exit.test") == 0)
        _exit(0);
    return SMFIS_CONTINUE;
}

/* local_is - whether "<local@...>" has this local part */
static int local_is(const char *addr, const char *local)
{
    size_t n = strlen(local);
    addr += *addr == '<';
    return strncasecmp(addr, local, n) == 0 && addr[n] == '@';
}

/* addr_verdict - verdict for a MAIL or RCPT address */
static sfsistat addr_verdict(SMFICTX *ctx, const char *addr)
{
    if (local_is(addr, "reject")) {
        smfi_setreply(ctx, "550", "5.7.1", "rejected by test");
        return SMFIS_REJECT;
    }
    if (local_is(addr, "tempfail")) {
        smfi_setreply(ctx, "451", "4.7.1", "tempfailed by test");
        return SMFIS_TEMPFAIL;
    }
    if (local_is(addr, "rejectplain"))
        return SMFIS_REJECT;
    if (local_is(addr, "accept"))
        return SMFIS_ACCEPT;
    return local_is(addr, "discard") ? SMFIS_DISCARD : SMFIS_CONTINUE;
}

/* verdict_of - verdict for a word; SMFIS_CONTINUE if unknown */
static sfsistat verdict_of(const char *word)
{
    for (size_t i = 0; i < ARRAY_LEN(verdict_names); i++)
        if (strcasecmp(verdict_names[i].name, word) == 0)
            return verdict_names[i].v;
    return SMFIS_CONTINUE;
}

/* tf_negotiate - take every action, ask for the protocol bits and macro lists */
static sfsistat tf_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    (void)f2;
    (void)f3;
    *pf0 = f0;
    *pf1 = negotiated = opt.want_flags & f1;
    *pf2 = *pf3 = 0;
    for (int i = 0; i < opt.nlists; i++)
        if (smfi_setsymlist(ctx, opt.list_stage[i], opt.list[i]) != MI_SUCCESS)
            return SMFIS_REJECT;
    return SMFIS_CONTINUE;
}

/* tf_connect - count; verdict by host name */
static sfsistat tf_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
    (void)sa;
    get_priv(ctx)->n[C_CONNECT]++;
    return answer(SMFIP_NR_CONN, name_verdict(ctx, host));
}

/* tf_helo - count; verdict by HELO name */
static sfsistat tf_helo(SMFICTX *ctx, char *name)
{
    get_priv(ctx)->n[C_HELO]++;
    return answer(SMFIP_NR_HELO, name_verdict(ctx, name));
}

/* tf_envfrom - count, start a message; verdict by address */
static sfsistat tf_envfrom(SMFICTX *ctx, char **argv)
{
    struct priv *p = get_priv(ctx);
    p->n[C_MAIL]++;
    p->n[C_BODY] = p->n[C_BYTES] = p->n[C_MAXCHUNK] = 0;
    p->mods = p->global = 0;
    p->eom_verdict = SMFIS_ACCEPT;
    snprintf(p->rcpt_i, sizeof(p->rcpt_i), "(unset)");
    return answer(SMFIP_NR_MAIL, addr_verdict(ctx, argv[0]));
}

/* tf_envrcpt - count, remember macro i; verdict by address */
static sfsistat tf_envrcpt(SMFICTX *ctx, char **argv)
{
    struct priv *p = get_priv(ctx);
    const char *i = smfi_getsymval(ctx, "i");
    p->n[C_RCPT]++;
    snprintf(p->rcpt_i, sizeof(p->rcpt_i), "%s", i ? i : "(unset)");
    return answer(SMFIP_NR_RCPT, addr_verdict(ctx, argv[0]));
}

/* tf_data - count */
static sfsistat tf_data(SMFICTX *ctx)
{
    get_priv(ctx)->n[C_DATA]++;
    return answer(SMFIP_NR_DATA, SMFIS_CONTINUE);
}

/* tf_header - count; X-Test-* headers steer the filter */
static sfsistat tf_header(SMFICTX *ctx, char *name, char *value)
{
    struct priv *p = get_priv(ctx);
    p->n[C_HEADER]++;
    if (strcasecmp(name, "X-Test-Mods") == 0)
        p->mods = 1;
    if (strcasecmp(name, "X-Test-Global") == 0)
        p->global = 1;
    if (strcasecmp(name, "X-Test-Eom") == 0)
        p->eom_verdict = verdict_of(value);
    if (strcasecmp(name, "X-Test-Action") == 0)
        return verdict_of(value);
    return answer(SMFIP_NR_HDR, SMFIS_CONTINUE);
}

/* tf_eoh - count */
static sfsistat tf_eoh(SMFICTX *ctx)
{
    get_priv(ctx)->n[C_EOH]++;
    return answer(SMFIP_NR_EOH, SMFIS_CONTINUE);
}

/* contains - whether data[0..len) contains the string word */
static int contains(const unsigned char *data, size_t len, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, word, n) == 0)
            return 1;
    return 0;
}

/* tf_body - count chunks and bytes; "SKIPME" asks to skip the rest */
static sfsistat tf_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
    struct priv *p = get_priv(ctx);
    p->n[C_BODY]++;
    p->n[C_BYTES] += len;
    if (len > p->n[C_MAXCHUNK])
        p->n[C_MAXCHUNK] = len;
    if ((negotiated & SMFIP_SKIP) && contains(data, len, "SKIPME"))
        return SMFIS_SKIP;
    return answer(SMFIP_NR_BODY, SMFIS_CONTINUE);
}

/* macro_or_unset - a macro's value or "(unset)" */
static const char *macro_or_unset(SMFICTX *ctx, const char *name)
{
    const char *v = smfi_getsymval(ctx, (char *)name);
    return v ? v : "(unset)";
}

/* add_seen - X-Test-Seen with this connection's counters */
static void add_seen(SMFICTX *ctx, const struct priv *p)
{
    char buf[512];
    size_t off = 0;
    for (int i = 0; i < C_COUNTERS && off < sizeof(buf); i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s=%lu", i ? " " : "",
                                counter_names[i], p->n[i]);
    smfi_addheader(ctx, "X-Test-Seen", buf);
}

/* add_macros - X-Test-Macros with the macro values seen */
static void add_macros(SMFICTX *ctx, const struct priv *p)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "client_addr=%s client_name=%s auth_authen=%s rcpt_i=%s i=%s",
             macro_or_unset(ctx, "{client_addr}"), macro_or_unset(ctx, "{client_name}"),
             macro_or_unset(ctx, "{auth_authen}"), p->rcpt_i, macro_or_unset(ctx, "i"));
    smfi_addheader(ctx, "X-Test-Macros", buf);
}

/* add_global - X-Test-Global with the process-wide counters */
static void add_global(SMFICTX *ctx)
{
    char buf[128];
    pthread_mutex_lock(&global_lock);
    snprintf(buf, sizeof(buf), "live=%lu closed=%lu aborts=%lu", g_live, g_closed, g_aborts);
    pthread_mutex_unlock(&global_lock);
    smfi_addheader(ctx, "X-Test-Global", buf);
}

/* all_mods - every other modification a filter can ask for */
static void all_mods(SMFICTX *ctx)
{
    static char body[] = "replaced body\r\n";
    smfi_insheader(ctx, 1, "X-Test-Inserted", "first");
    smfi_chgheader(ctx, "Subject", 1, "changed subject");
    smfi_chgheader(ctx, "X-Delete-Me", 1, NULL);
    smfi_addrcpt(ctx, "<added@example.net>");
    smfi_addrcpt_par(ctx, "<addedpar@example.net>", "NOTIFY=NEVER");
    smfi_delrcpt(ctx, "<b@example.net>");
    smfi_chgfrom(ctx, "<new-sender@example.org>", "SIZE=100");
    smfi_replacebody(ctx, (unsigned char *)body, sizeof(body) - 1);
    smfi_quarantine(ctx, "held by test");
}

/* delay - sleep in end of message, with progress replies if asked */
static void delay(SMFICTX *ctx)
{
    for (long left = opt.delay_ms; left > 0; left -= 200) {
        struct timespec ts = {.tv_nsec = (left < 200 ? left : 200) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        if (opt.progress)
            smfi_progress(ctx);
    }
}

/* tf_eom - report what was seen, modify if asked, answer */
static sfsistat tf_eom(SMFICTX *ctx)
{
    struct priv *p = get_priv(ctx);
    delay(ctx);
    add_seen(ctx, p);
    add_macros(ctx, p);
    if (p->global)
        add_global(ctx);
    if (p->mods)
        all_mods(ctx);
    return p->eom_verdict;
}

/* tf_abort - count */
static sfsistat tf_abort(SMFICTX *ctx)
{
    get_priv(ctx)->n[C_ABORT]++;
    global_add(&g_aborts, 1);
    return SMFIS_CONTINUE;
}

/* tf_close - release the connection's state */
static sfsistat tf_close(SMFICTX *ctx)
{
    struct priv *p = smfi_getpriv(ctx);
    global_add(&g_closed, 1);
    if (p) {
        free(p);
        smfi_setpriv(ctx, NULL);
        global_add(&g_live, -1);
    }
    return SMFIS_CONTINUE;
}

/* parse_flags - -p NAME,NAME,... */
static void parse_flags(char *s)
{
    for (char *w = strtok(s, ","); w; w = strtok(NULL, ",")) {
        size_t i = 0;
        while (i < ARRAY_LEN(flag_names) && strcmp(flag_names[i].name, w) != 0)
            i++;
        if (i == ARRAY_LEN(flag_names))
            die("unknown protocol flag ", w);
        opt.want_flags |= flag_names[i].bit;
    }
}

/* parse_list - -m STAGE=LIST */
static void parse_list(char *s)
{
    char *eq = strchr(s, '=');
    size_t i = 0;
    if (eq == NULL || opt.nlists == MAX_LISTS)
        die("bad -m ", s);
    *eq = '\0';
    while (i < ARRAY_LEN(stage_names) && strcmp(stage_names[i].name, s) != 0)
        i++;
    if (i == ARRAY_LEN(stage_names))
        die("unknown stage ", s);
    opt.list_stage[opt.nlists] = stage_names[i].smfim;
    opt.list[opt.nlists++] = eq + 1;
}

static struct smfiDesc filter = {
    .xxfi_name = "milterc-testfilter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT |
                  SMFIF_ADDRCPT_PAR | SMFIF_DELRCPT | SMFIF_QUARANTINE | SMFIF_CHGFROM |
                  SMFIF_SETSYMLIST,
    .xxfi_connect = tf_connect,
    .xxfi_helo = tf_helo,
    .xxfi_envfrom = tf_envfrom,
    .xxfi_envrcpt = tf_envrcpt,
    .xxfi_header = tf_header,
    .xxfi_eoh = tf_eoh,
    .xxfi_body = tf_body,
    .xxfi_eom = tf_eom,
    .xxfi_abort = tf_abort,
    .xxfi_close = tf_close,
    .xxfi_data = tf_data,
    .xxfi_negotiate = tf_negotiate,
};

/* main - options, then libmilter's loop */
int main(int argc, char **argv)
{
    const char *sock = NULL;
    int c;
    while ((c = getopt(argc, argv, "s:p:m:d:g")) != -1) {
        switch (c) {
        case 's':
            sock = optarg;
            break;
        case 'p':
            parse_flags(optarg);
            break;
        case 'm':
            parse_list(optarg);
            break;
        case 'd':
            opt.delay_ms = atol(optarg);
            break;
        case 'g':
            opt.progress = 1;
            break;
        default:
            die("usage: milterc_testfilter -s SOCKET [-p FLAGS] [-m STAGE=LIST] [-d MS] [-g]",
                NULL);
        }
    }
    if (sock == NULL)
        die("-s SOCKET is required", NULL);
    if (smfi_setconn((char *)sock) != MI_SUCCESS || smfi_setbacklog(256) != MI_SUCCESS ||
        smfi_register(filter) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS)
        die("cannot set up libmilter on ", sock);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
