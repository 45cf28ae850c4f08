/* milterc_run.c - replay a script once, on its own connection, as an MTA would */
#include "milterc_run.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Longest REPLBODY excerpt printed. */
#define REPLBODY_SHOWN 200

enum conn_state { CS_CLOSED = 0, CS_OPEN };

/* MS_SKIP: the message ended early (rejected, accepted, discarded, or no
 * recipient); its remaining steps are not sent. */
enum msg_state { MS_IDLE = 0, MS_ENVELOPE, MS_CONTENT, MS_SKIP };

/* What a step's final reply means for the MTA. */
enum outcome { OUT_CONTINUE = 0, OUT_REJECT, OUT_ACCEPT, OUT_DISCARD, OUT_SKIP, OUT_DISCONNECT };

static const enum outcome kind_outcome[PK_KINDS] = {
    [PK_REJECT] = OUT_REJECT,       [PK_TEMPFAIL] = OUT_REJECT, [PK_ACCEPT] = OUT_ACCEPT,
    [PK_DISCARD] = OUT_DISCARD,     [PK_SKIP] = OUT_SKIP,       [PK_SHUTDOWN] = OUT_DISCONNECT,
    [PK_CONNFAIL] = OUT_DISCONNECT,
};

struct macro {
    char *name, *value;
};

struct macro_set {
    struct macro *m;
    size_t n;
};

struct run {
    const struct run_opts *o;
    unsigned long index;
    FILE *out;
    struct run_result *res;
    struct proto_conn conn;
    enum conn_state cs;
    enum msg_state ms;
    unsigned rcpts;  /* recipients accepted in this message */
    char skip_cmd;   /* SMFIR_SKIP: command not sent again until another one is */
    struct buf body; /* body bytes not yet sent */
    struct macro_set macros[PROTO_STAGES];
    char err[512];
};

typedef int (*step_fn)(struct run *r, const struct script_step *s);

static int step_quit(struct run *r, const struct script_step *s);

/* rerr - format the run's error; returns -1 */
__attribute__((format(printf, 2, 3))) static int rerr(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
    return -1;
}

/* line_start - begin an output line "LABEL: "; NULL when there is no output */
static FILE *line_start(struct run *r, const char *label)
{
    if (r->out == NULL)
        return NULL;
    fput_escaped(r->out, label, strlen(label));
    fputs(": ", r->out);
    return r->out;
}

/* vline - "LABEL: TEXT", only with -v */
static void vline(struct run *r, const char *label, const char *text)
{
    FILE *f = r->o->verbose ? line_start(r, label) : NULL;
    if (f)
        fprintf(f, "%s\n", text);
}

/* put_text - " TEXT" escaped */
static void put_text(FILE *f, const char *s)
{
    fputc(' ', f);
    fput_escaped(f, s, strlen(s));
}

/* put_header - " NAME:" and " VALUE" if there is one */
static void put_header(FILE *f, const char *name, const char *value)
{
    put_text(f, name);
    fputc(':', f);
    if (*value)
        put_text(f, value);
}

/* put_reply_args - what follows the kind name in a reply line */
static void put_reply_args(FILE *f, const struct proto_reply *rep)
{
    switch (rep->code) {
    case SMFIR_REPLYCODE:
    case SMFIR_ADDRCPT:
    case SMFIR_DELRCPT:
    case SMFIR_QUARANTINE:
        put_text(f, rep->s1);
        break;
    case SMFIR_ADDRCPT_PAR:
    case SMFIR_CHGFROM:
        put_text(f, rep->s1);
        if (*rep->s2)
            put_text(f, rep->s2);
        break;
    case SMFIR_INSHEADER:
    case SMFIR_CHGHEADER:
        fprintf(f, " %lu", (unsigned long)rep->index);
        /* fall through */
    case SMFIR_ADDHEADER:
        put_header(f, rep->s1, rep->s2);
        break;
    case SMFIR_REPLBODY:
        fprintf(f, " %zu ", rep->len);
        fput_escaped(f, (const char *)rep->data,
                     rep->len > REPLBODY_SHOWN ? REPLBODY_SHOWN : rep->len);
        fputs(rep->len > REPLBODY_SHOWN ? "..." : "", f);
        break;
    case SMFIR_SETSYMLIST:
        fprintf(f, " %lu", (unsigned long)rep->index);
        put_text(f, rep->s1);
        break;
    }
}

/* print_reply - one reply line */
static void print_reply(struct run *r, const char *label, const struct proto_reply *rep)
{
    FILE *f = line_start(r, label);
    if (f == NULL)
        return;
    fputs(proto_kind_name(rep->kind), f);
    put_reply_args(f, rep);
    fputc('\n', f);
}

/* read_replies - replies to cmd until a final one */
static int read_replies(struct run *r, char cmd, const char *label, enum outcome *out)
{
    for (;;) {
        struct proto_reply rep;
        if (proto_read_reply(&r->conn, &rep, r->err, sizeof(r->err)) < 0)
            return -1;
        r->res->counts[rep.kind]++;
        if (rep.kind == PK_PROGRESS) {
            vline(r, label, "progress");
            continue;
        }
        if (proto_reply_edit(&rep) && cmd != SMFIC_BODYEOB)
            return rerr(r, "unexpected %s reply to %s", proto_kind_name(rep.kind), label);
        print_reply(r, label, &rep);
        if (proto_reply_final(&rep)) {
            *out = kind_outcome[rep.kind];
            return 0;
        }
    }
}

/* print_macros - with -v, the macros about to be sent for a stage */
static void print_macros(struct run *r, enum proto_stage st)
{
    char label[32];
    snprintf(label, sizeof(label), "macros %s", proto_stage_name(st));
    FILE *f = r->o->verbose ? line_start(r, label) : NULL;
    const char *sep = "";
    for (size_t i = 0; f && i < r->macros[st].n; i++) {
        const struct macro *m = &r->macros[st].m[i];
        if (!proto_macro_wanted(&r->conn, st, m->name))
            continue;
        fputs(sep, f);
        sep = " ";
        fput_escaped(f, m->name, strlen(m->name));
        fputc('=', f);
        fput_escaped(f, m->value, strlen(m->value));
    }
    if (f)
        fputc('\n', f);
}

/* send_macros - SMFIC_MACRO with the stage's macros the filter wants */
static int send_macros(struct run *r, enum proto_stage st)
{
    struct buf b = {0};
    char cmd = proto_stage_cmd(st);
    size_t wanted = 0;
    buf_add(&b, &cmd, 1);
    for (size_t i = 0; i < r->macros[st].n; i++) {
        const struct macro *m = &r->macros[st].m[i];
        if (!proto_macro_wanted(&r->conn, st, m->name))
            continue;
        buf_add_str(&b, m->name);
        buf_add_str(&b, m->value);
        wanted++;
    }
    int rc = 0;
    if (wanted > 0) {
        print_macros(r, st);
        rc = proto_send(&r->conn, SMFIC_MACRO, b.data, b.len, r->err, sizeof(r->err));
    }
    buf_free(&b);
    return rc;
}

/* event - macros, command, replies, as negotiated; a step not sent counts as "continue" */
static int event(struct run *r, char cmd, int stage, const char *label, const struct buf *data,
                 enum outcome *out)
{
    *out = OUT_CONTINUE;
    if (r->skip_cmd == cmd) {
        vline(r, label, "skipped by filter");
        return 0;
    }
    r->skip_cmd = 0;
    if (stage >= 0 && send_macros(r, (enum proto_stage)stage) < 0)
        return -1;
    enum proto_mode mode = proto_mode(&r->conn, cmd);
    if (mode == PROTO_NOT_SENT) {
        vline(r, label, "skipped");
        return 0;
    }
    if (proto_send(&r->conn, cmd, data->data, data->len, r->err, sizeof(r->err)) < 0)
        return -1;
    if (mode == PROTO_SEND_ONLY) {
        vline(r, label, "noreply");
        return 0;
    }
    int rc = read_replies(r, cmd, label, out);
    if (rc == 0 && *out == OUT_SKIP)
        r->skip_cmd = cmd;
    return rc;
}

/* send_bare - a command without data and without reply (ABORT, QUIT) */
static int send_bare(struct run *r, char cmd, const char *label)
{
    if (proto_send(&r->conn, cmd, NULL, 0, r->err, sizeof(r->err)) < 0)
        return -1;
    vline(r, label, "sent");
    return 0;
}

/* message_reset - start a new message state */
static void message_reset(struct run *r, enum msg_state ms)
{
    r->ms = ms;
    r->rcpts = 0;
    r->skip_cmd = 0;
    buf_reset(&r->body);
}

/* conn_close - forget the connection */
static void conn_close(struct run *r)
{
    proto_close(&r->conn);
    r->cs = CS_CLOSED;
    message_reset(r, MS_IDLE);
}

/* conn_end - the MTA is done with the connection: QUIT (errors no longer matter), close */
static void conn_end(struct run *r)
{
    if (proto_send(&r->conn, SMFIC_QUIT, NULL, 0, r->err, sizeof(r->err)) == 0)
        vline(r, "quit", "sent");
    conn_close(r);
}

/* conn_verdict - after connect or helo: reject, tempfail, accept end it */
static void conn_verdict(struct run *r, enum outcome out)
{
    if (out == OUT_REJECT || out == OUT_ACCEPT || out == OUT_DISCONNECT)
        conn_end(r);
}

/* msg_verdict - after a message step; in_content: a reject also aborts */
static int msg_verdict(struct run *r, enum outcome out, int in_content)
{
    if (out == OUT_DISCONNECT) {
        conn_end(r);
        return 0;
    }
    if (out == OUT_CONTINUE || out == OUT_SKIP)
        return 0;
    r->ms = MS_SKIP;
    if (out == OUT_REJECT && in_content)
        return send_bare(r, SMFIC_ABORT, "abort");
    return 0;
}

/* conn_ready - whether a connection is open for this step */
static int conn_ready(struct run *r, const char *label)
{
    if (r->cs == CS_OPEN)
        return 1;
    vline(r, label, "not sent");
    return 0;
}

/* content_ready - 1: send this DATA-phase step, 0: don't (no recipient: abort), -1: error */
static int content_ready(struct run *r, const char *label)
{
    if (r->cs != CS_OPEN || r->ms == MS_IDLE || r->ms == MS_SKIP) {
        vline(r, label, "not sent");
        return 0;
    }
    if (r->ms == MS_ENVELOPE && r->rcpts == 0) {
        vline(r, label, "not sent");
        r->ms = MS_SKIP;
        return send_bare(r, SMFIC_ABORT, "abort");
    }
    r->ms = MS_CONTENT;
    return 1;
}

/* macro_find - index of a macro in a set, or n */
static size_t macro_find(const struct macro_set *ms, const char *name)
{
    size_t i = 0;
    while (i < ms->n && strcmp(ms->m[i].name, name) != 0)
        i++;
    return i;
}

/* step_macro - define or redefine a macro */
static int step_macro(struct run *r, const struct script_step *s)
{
    struct macro_set *ms = &r->macros[s->stage];
    char *name = script_expand(s->argv[0], r->index);
    size_t i = macro_find(ms, name);
    if (i == ms->n) {
        ms->m = xrealloc(ms->m, sizeof(*ms->m) * (ms->n + 1));
        ms->m[ms->n++] = (struct macro){.name = name};
    } else {
        free(name);
        free(ms->m[i].value);
    }
    ms->m[i].value = script_expand(s->argv[1], r->index);
    return 0;
}

/* step_unmacro - forget a macro */
static int step_unmacro(struct run *r, const struct script_step *s)
{
    struct macro_set *ms = &r->macros[s->stage];
    char *name = script_expand(s->argv[0], r->index);
    size_t i = macro_find(ms, name);
    free(name);
    if (i == ms->n)
        return 0;
    free(ms->m[i].name);
    free(ms->m[i].value);
    ms->m[i] = ms->m[--ms->n];
    return 0;
}

/* add_expanded - append an expanded argument with its NUL */
static void add_expanded(struct run *r, struct buf *b, const char *arg)
{
    char *e = script_expand(arg, r->index);
    buf_add_str(b, e);
    free(e);
}

/* print_negotiation - with -v, what the filter chose */
static void print_negotiation(struct run *r)
{
    FILE *f = r->o->verbose ? line_start(r, "negotiate") : NULL;
    if (f == NULL)
        return;
    fprintf(f, "version=%lu actions=0x%lx protocol=0x%lx", (unsigned long)r->conn.version,
            (unsigned long)r->conn.actions, (unsigned long)r->conn.protocol);
    fputs(r->conn.have_lists ? " macros" : "", f);
    for (int st = 0; st < PROTO_STAGES; st++) {
        if (r->conn.lists[st] == NULL)
            continue;
        fprintf(f, " %s=\"", proto_stage_name(st));
        fput_escaped(f, r->conn.lists[st], strlen(r->conn.lists[st]));
        fputc('"', f);
    }
    fputc('\n', f);
}

/* conn_open - new socket and option negotiation */
static int conn_open(struct run *r)
{
    proto_init(&r->conn, r->o->timeout_ms);
    if (proto_open(&r->conn, r->o->addr, r->err, sizeof(r->err)) < 0)
        return -1;
    if (proto_negotiate(&r->conn, r->o->actions, r->o->protocol, r->err, sizeof(r->err)) < 0)
        return -1;
    print_negotiation(r);
    r->cs = CS_OPEN;
    return 0;
}

/* step_connect - a new connection (an open one is quit first), connection info */
static int step_connect(struct run *r, const struct script_step *s)
{
    if (r->cs == CS_OPEN && step_quit(r, NULL) < 0)
        return -1;
    if (conn_open(r) < 0)
        return -1;
    struct buf b = {0};
    add_expanded(r, &b, s->argv[0]);
    buf_add(&b, &s->family, 1);
    if (s->family != SMFIA_UNKNOWN) {
        buf_add_u16(&b, (uint16_t)s->count);
        add_expanded(r, &b, s->argv[1]);
    }
    enum outcome out;
    int rc = event(r, SMFIC_CONNECT, PROTO_CONNECT, "connect", &b, &out);
    buf_free(&b);
    if (rc == 0)
        conn_verdict(r, out);
    return rc;
}

/* step_helo - HELO/EHLO name */
static int step_helo(struct run *r, const struct script_step *s)
{
    if (!conn_ready(r, "helo"))
        return 0;
    struct buf b = {0};
    add_expanded(r, &b, s->argv[0]);
    enum outcome out;
    int rc = event(r, SMFIC_HELO, PROTO_HELO, "helo", &b, &out);
    buf_free(&b);
    if (rc == 0)
        conn_verdict(r, out);
    return rc;
}

/* envelope_event - MAIL or RCPT with its words */
static int envelope_event(struct run *r, const struct script_step *s, char cmd, int stage,
                          const char *label, enum outcome *out)
{
    struct buf b = {0};
    for (int i = 0; i < s->argc; i++)
        add_expanded(r, &b, s->argv[i]);
    int rc = event(r, cmd, stage, label, &b, out);
    buf_free(&b);
    return rc;
}

/* step_mail - a new message; an unfinished one is aborted first */
static int step_mail(struct run *r, const struct script_step *s)
{
    if (!conn_ready(r, "mail"))
        return 0;
    if ((r->ms == MS_ENVELOPE || r->ms == MS_CONTENT) && send_bare(r, SMFIC_ABORT, "abort") < 0)
        return -1;
    message_reset(r, MS_ENVELOPE);
    enum outcome out;
    if (envelope_event(r, s, SMFIC_MAIL, PROTO_MAIL, "mail", &out) < 0)
        return -1;
    return msg_verdict(r, out, 0);
}

/* step_rcpt - a recipient; only accepted ones count */
static int step_rcpt(struct run *r, const struct script_step *s)
{
    char label[300], *addr = script_expand(s->argv[0], r->index);
    snprintf(label, sizeof(label), "rcpt %s", addr);
    free(addr);
    if (r->cs != CS_OPEN || r->ms != MS_ENVELOPE) {
        vline(r, label, "not sent");
        return 0;
    }
    enum outcome out;
    if (envelope_event(r, s, SMFIC_RCPT, PROTO_RCPT, label, &out) < 0)
        return -1;
    if (out == OUT_CONTINUE || out == OUT_SKIP)
        r->rcpts++;
    return out == OUT_REJECT ? 0 : msg_verdict(r, out, 0);
}

/* content_event - a DATA-phase step with data */
static int content_event(struct run *r, char cmd, int stage, const char *label, const struct buf *b)
{
    enum outcome out;
    if (event(r, cmd, stage, label, b, &out) < 0)
        return -1;
    return msg_verdict(r, out, 1);
}

/* step_data - DATA */
static int step_data(struct run *r, const struct script_step *s)
{
    (void)s;
    int ready = content_ready(r, "data");
    return ready <= 0 ? ready : content_event(r, SMFIC_DATA, PROTO_DATA, "data", &(struct buf){0});
}

/* step_header - one header; one space after the colon goes unless SMFIP_HDR_LEADSPC */
static int step_header(struct run *r, const struct script_step *s)
{
    int ready = content_ready(r, "header");
    if (ready <= 0)
        return ready;
    char *value = script_expand(s->argv[1], r->index);
    int lead = !(r->conn.protocol & SMFIP_HDR_LEADSPC) && value[0] == ' ';
    struct buf b = {0};
    add_expanded(r, &b, s->argv[0]);
    buf_add_str(&b, value + lead);
    free(value);
    int rc = content_event(r, SMFIC_HEADER, -1, "header", &b);
    buf_free(&b);
    return rc;
}

/* step_eoh - end of headers */
static int step_eoh(struct run *r, const struct script_step *s)
{
    (void)s;
    int ready = content_ready(r, "eoh");
    return ready <= 0 ? ready : content_event(r, SMFIC_EOH, PROTO_EOH, "eoh", &(struct buf){0});
}

/* flush_body - send the buffered body bytes as one chunk */
static int flush_body(struct run *r)
{
    int rc = content_event(r, SMFIC_BODY, -1, "body", &r->body);
    buf_reset(&r->body);
    return rc;
}

/* body_wanted - whether body bytes still go anywhere */
static int body_wanted(const struct run *r)
{
    return r->cs == CS_OPEN && r->ms == MS_CONTENT && r->skip_cmd != SMFIC_BODY;
}

/* body_add - buffer n bytes (or n copies of *p when fill), sending full chunks */
static int body_add(struct run *r, const char *p, size_t n, int fill)
{
    while (n > 0 && body_wanted(r)) {
        size_t take = PROTO_CHUNK - r->body.len < n ? PROTO_CHUNK - r->body.len : n;
        if (fill)
            buf_fill(&r->body, (unsigned char)*p, take);
        else
            buf_add(&r->body, p, take);
        p += fill ? 0 : take;
        n -= take;
        if (r->body.len == PROTO_CHUNK && flush_body(r) < 0)
            return -1;
    }
    return 0;
}

/* step_body - a body line and CRLF */
static int step_body(struct run *r, const struct script_step *s)
{
    int ready = content_ready(r, "body");
    if (ready <= 0)
        return ready;
    char *text = script_expand(s->argv[0], r->index);
    int rc = body_add(r, text, strlen(text), 0);
    free(text);
    return rc < 0 ? rc : body_add(r, "\r\n", 2, 0);
}

/* step_bodyraw - N copies of one byte */
static int step_bodyraw(struct run *r, const struct script_step *s)
{
    int ready = content_ready(r, "body");
    char c = (char)s->ch;
    return ready <= 0 ? ready : body_add(r, &c, s->count, 1);
}

/* step_eom - the rest of the body, then end of message and its replies */
static int step_eom(struct run *r, const struct script_step *s)
{
    (void)s;
    int ready = content_ready(r, "eom");
    if (ready <= 0)
        return ready;
    if (r->body.len > 0 && body_wanted(r) && flush_body(r) < 0)
        return -1;
    if (r->cs != CS_OPEN || r->ms != MS_CONTENT)
        return 0;
    enum outcome out;
    if (event(r, SMFIC_BODYEOB, PROTO_EOM, "eom", &(struct buf){0}, &out) < 0)
        return -1;
    message_reset(r, MS_IDLE);
    if (out == OUT_DISCONNECT)
        conn_end(r);
    return 0;
}

/* step_abort - abort the current message */
static int step_abort(struct run *r, const struct script_step *s)
{
    (void)s;
    if (r->cs != CS_OPEN || (r->ms != MS_ENVELOPE && r->ms != MS_CONTENT)) {
        vline(r, "abort", "not sent");
        return 0;
    }
    message_reset(r, MS_IDLE);
    return send_bare(r, SMFIC_ABORT, "abort");
}

/* step_quit - QUIT and close */
static int step_quit(struct run *r, const struct script_step *s)
{
    (void)s;
    if (!conn_ready(r, "quit"))
        return 0;
    int rc = send_bare(r, SMFIC_QUIT, "quit");
    conn_close(r);
    return rc;
}

/* step_drop - close without a word */
static int step_drop(struct run *r, const struct script_step *s)
{
    (void)s;
    if (!conn_ready(r, "drop"))
        return 0;
    conn_close(r);
    vline(r, "drop", "closed");
    return 0;
}

/* step_sleep - pause */
static int step_sleep(struct run *r, const struct script_step *s)
{
    (void)r;
    sleep_ms((long)s->count);
    return 0;
}

static const step_fn step_fns[OP_COUNT] = {
    [OP_MACRO] = step_macro, [OP_UNMACRO] = step_unmacro, [OP_CONNECT] = step_connect,
    [OP_HELO] = step_helo,   [OP_MAIL] = step_mail,       [OP_RCPT] = step_rcpt,
    [OP_DATA] = step_data,   [OP_HEADER] = step_header,   [OP_EOH] = step_eoh,
    [OP_BODY] = step_body,   [OP_BODYRAW] = step_bodyraw, [OP_EOM] = step_eom,
    [OP_ABORT] = step_abort, [OP_QUIT] = step_quit,       [OP_DROP] = step_drop,
    [OP_SLEEP] = step_sleep,
};

/* run_free - release the run's connection, buffers and macros */
static void run_free(struct run *r)
{
    proto_close(&r->conn);
    buf_free(&r->body);
    for (int st = 0; st < PROTO_STAGES; st++) {
        for (size_t i = 0; i < r->macros[st].n; i++) {
            free(r->macros[st].m[i].name);
            free(r->macros[st].m[i].value);
        }
        free(r->macros[st].m);
    }
}

/* run_script - replay the script once */
int run_script(const struct run_opts *o, unsigned long index, FILE *out, struct run_result *res)
{
    struct run r = {.o = o, .index = index, .out = out, .res = res};
    proto_init(&r.conn, o->timeout_ms);
    *res = (struct run_result){0};
    int rc = 0, line = 0;
    for (size_t i = 0; rc == 0 && i < o->script->n; i++) {
        const struct script_step *s = &o->script->steps[i];
        line = s->line;
        rc = step_fns[s->op](&r, s);
    }
    if (rc == 0 && r.cs == CS_OPEN) {
        line = o->script->last_line;
        rc = step_quit(&r, NULL);
    }
    if (rc < 0)
        fprintf(stderr, "milterc: run %lu: step %d: %s\n", index, line, r.err);
    run_free(&r);
    res->ok = rc == 0;
    return rc;
}
