/* milterc_script.c - milterc's script language: parse a script into steps */
#include "milterc_script.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BLANKS " \t"

/* Where a script line stands in a message: mail, rcpt..., data, header...,
 * eoh, body..., eom. */
enum phase { PH_NONE = 0, PH_MAIL, PH_DATA, PH_EOH };
#define IN(p) (1u << (p)) /* command table: phases a command may follow */
#define TO(p) ((p) + 1)   /* command table: phase after it; 0 keeps the phase */
#define IN_MESSAGE (IN(PH_MAIL) | IN(PH_DATA) | IN(PH_EOH))

struct parser {
    const char *path;
    int line;
    enum phase phase;
    int open; /* a connection is open at this point of the script */
    int seen_connect;
    char *err;
    size_t errlen;
};

typedef int (*parse_fn)(struct parser *p, char *rest, struct script_step *st);

static int parse_none(struct parser *p, char *rest, struct script_step *st);
static int parse_macro(struct parser *p, char *rest, struct script_step *st);
static int parse_unmacro(struct parser *p, char *rest, struct script_step *st);
static int parse_connect(struct parser *p, char *rest, struct script_step *st);
static int parse_helo(struct parser *p, char *rest, struct script_step *st);
static int parse_envelope(struct parser *p, char *rest, struct script_step *st);
static int parse_header(struct parser *p, char *rest, struct script_step *st);
static int parse_body(struct parser *p, char *rest, struct script_step *st);
static int parse_bodyraw(struct parser *p, char *rest, struct script_step *st);
static int parse_sleep(struct parser *p, char *rest, struct script_step *st);

static const struct command {
    const char *name;
    parse_fn parse;
    int needs_conn; /* only after connect, before quit/drop */
    unsigned need;  /* IN() phases it may follow; 0: any */
    int to;         /* TO() phase after it; 0: unchanged */
} commands[OP_COUNT] = {
    [OP_MACRO] = {.name = "macro", .parse = parse_macro},
    [OP_UNMACRO] = {.name = "unmacro", .parse = parse_unmacro},
    [OP_CONNECT] = {.name = "connect", .parse = parse_connect, .to = TO(PH_NONE)},
    [OP_HELO] = {.name = "helo", .parse = parse_helo, .needs_conn = 1, .need = IN(PH_NONE)},
    [OP_MAIL] = {.name = "mail", .parse = parse_envelope, .needs_conn = 1, .to = TO(PH_MAIL)},
    [OP_RCPT] = {.name = "rcpt", .parse = parse_envelope, .needs_conn = 1, .need = IN(PH_MAIL)},
    [OP_DATA] = {.name = "data",
                 .parse = parse_none,
                 .needs_conn = 1,
                 .need = IN(PH_MAIL),
                 .to = TO(PH_DATA)},
    [OP_HEADER] = {.name = "header", .parse = parse_header, .needs_conn = 1, .need = IN(PH_DATA)},
    [OP_EOH] = {.name = "eoh",
                .parse = parse_none,
                .needs_conn = 1,
                .need = IN(PH_DATA),
                .to = TO(PH_EOH)},
    [OP_BODY] = {.name = "body", .parse = parse_body, .needs_conn = 1, .need = IN(PH_EOH)},
    [OP_BODYRAW] = {.name = "bodyraw", .parse = parse_bodyraw, .needs_conn = 1, .need = IN(PH_EOH)},
    [OP_EOM] = {.name = "eom",
                .parse = parse_none,
                .needs_conn = 1,
                .need = IN(PH_EOH),
                .to = TO(PH_NONE)},
    [OP_ABORT] = {.name = "abort",
                  .parse = parse_none,
                  .needs_conn = 1,
                  .need = IN_MESSAGE,
                  .to = TO(PH_NONE)},
    [OP_QUIT] = {.name = "quit", .parse = parse_none, .needs_conn = 1, .to = TO(PH_NONE)},
    [OP_DROP] = {.name = "drop", .parse = parse_none, .needs_conn = 1, .to = TO(PH_NONE)},
    [OP_SLEEP] = {.name = "sleep", .parse = parse_sleep},
};

static const struct family {
    const char *name;
    char code;
    int addr, port;
} families[] = {
    {.name = "4", .code = SMFIA_INET, .addr = 1, .port = 1},
    {.name = "6", .code = SMFIA_INET6, .addr = 1, .port = 1},
    {.name = "unix", .code = SMFIA_UNIX, .addr = 1},
    {.name = "unknown", .code = SMFIA_UNKNOWN},
};

/* perr - "PATH:LINE: problem" into the error buffer; returns -1 */
__attribute__((format(printf, 2, 3))) static int perr(struct parser *p, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, p->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < p->errlen)
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* script_op_name - command word of an op */
const char *script_op_name(enum script_op op)
{
    return op > OP_NONE && op < OP_COUNT ? commands[op].name : "?";
}

/* hexval - value of a hex digit, -1 if none */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* unescape_one - decode the escape at *s (after the backslash); -1 if bad */
static int unescape_one(const char **s)
{
    static const char simple[] = {'r', '\r', 'n', '\n', 't', '\t', '\\', '\\'};
    for (size_t i = 0; i < sizeof(simple); i += 2)
        if (**s == simple[i]) {
            (*s)++;
            return simple[i + 1];
        }
    if (**s != 'x' || hexval((*s)[1]) < 0 || hexval((*s)[2]) < 0)
        return -1;
    int c = hexval((*s)[1]) * 16 + hexval((*s)[2]);
    *s += 3;
    return c == 0 ? -1 : c;
}

/* unescape - decoded copy of s (caller frees), or NULL after an error */
static char *unescape(struct parser *p, const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    while (*s) {
        if (*s != '\\') {
            *o++ = *s++;
            continue;
        }
        const char *at = ++s;
        int c = unescape_one(&s);
        if (c < 0) {
            perr(p, "bad escape \"\\%.*s\"", *at == 'x' ? 3 : 1, at);
            free(out);
            return NULL;
        }
        *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

/* add_arg - append a decoded argument to the step */
static int add_arg(struct parser *p, struct script_step *st, const char *raw)
{
    char *a = unescape(p, raw);
    if (a == NULL)
        return -1;
    st->argv = xrealloc(st->argv, sizeof(*st->argv) * (size_t)(st->argc + 1));
    st->argv[st->argc++] = a;
    return 0;
}

/* next_word - cut the next blank-separated word out of *s; NULL at the end */
static char *next_word(char **s)
{
    char *w = *s + strspn(*s, BLANKS);
    if (*w == '\0')
        return NULL;
    char *end = w + strcspn(w, BLANKS);
    *s = *end ? end + 1 : end;
    *end = '\0';
    return w;
}

/* skip_blanks - the text after leading blanks */
static char *skip_blanks(char *s)
{
    return s + strspn(s, BLANKS);
}

/* parse_number - an unsigned decimal word no larger than max */
static int parse_number(struct parser *p, const char *w, unsigned long max, const char *what,
                        unsigned long *out)
{
    if (w == NULL)
        return perr(p, "missing %s", what);
    char *end;
    errno = 0;
    unsigned long v = strtoul(w, &end, 10);
    if (*w < '0' || *w > '9' || *end || errno || v > max)
        return perr(p, "bad %s \"%s\"", what, w);
    *out = v;
    return 0;
}

/* parse_words - between min and max words (max < 0: any number) */
static int parse_words(struct parser *p, char *rest, struct script_step *st, int min, int max)
{
    char *w;
    while ((w = next_word(&rest)) != NULL) {
        if (max >= 0 && st->argc >= max)
            return perr(p, "too many arguments for \"%s\"", commands[st->op].name);
        if (add_arg(p, st, w) < 0)
            return -1;
    }
    if (st->argc < min)
        return perr(p, "missing arguments for \"%s\"", commands[st->op].name);
    return 0;
}

/* parse_none - commands without arguments */
static int parse_none(struct parser *p, char *rest, struct script_step *st)
{
    return parse_words(p, rest, st, 0, 0);
}

/* parse_stage - the STAGE word of macro and unmacro */
static int parse_stage(struct parser *p, char **rest, struct script_step *st)
{
    char *w = next_word(rest);
    int stage = w ? proto_stage_parse(w) : -1;
    if (stage < 0)
        return perr(p, "bad macro stage \"%s\" (connect helo mail rcpt data eoh eom)", w ? w : "");
    st->stage = (enum proto_stage)stage;
    char *name = next_word(rest);
    if (name == NULL)
        return perr(p, "missing macro name");
    return add_arg(p, st, name);
}

/* parse_macro - macro STAGE NAME VALUE... */
static int parse_macro(struct parser *p, char *rest, struct script_step *st)
{
    if (parse_stage(p, &rest, st) < 0)
        return -1;
    return add_arg(p, st, skip_blanks(rest));
}

/* parse_unmacro - unmacro STAGE NAME */
static int parse_unmacro(struct parser *p, char *rest, struct script_step *st)
{
    if (parse_stage(p, &rest, st) < 0)
        return -1;
    if (next_word(&rest) != NULL)
        return perr(p, "too many arguments for \"unmacro\"");
    return 0;
}

/* find_family - table row for a FAMILY word */
static const struct family *find_family(const char *w)
{
    for (size_t i = 0; w && i < ARRAY_LEN(families); i++)
        if (strcmp(families[i].name, w) == 0)
            return &families[i];
    return NULL;
}

/* parse_connect - connect HOST FAMILY [ADDR [PORT]] */
static int parse_connect(struct parser *p, char *rest, struct script_step *st)
{
    char *host = next_word(&rest), *fw = next_word(&rest);
    const struct family *f = find_family(fw);
    if (host == NULL || f == NULL)
        return perr(p, "want \"connect HOST 4|6|unix|unknown [ADDR PORT]\"");
    st->family = f->code;
    if (add_arg(p, st, host) < 0)
        return -1;
    char *addr = next_word(&rest);
    if (f->addr != (addr != NULL))
        return perr(p, "family %s %s an address", f->name, f->addr ? "needs" : "takes no");
    if (addr && add_arg(p, st, addr) < 0)
        return -1;
    char *port = next_word(&rest);
    if (!f->port && port)
        return perr(p, "family %s takes no port", f->name);
    if (f->port && parse_number(p, port, 65535, "port", &st->count) < 0)
        return -1;
    return next_word(&rest) ? perr(p, "too many arguments for \"connect\"") : 0;
}

/* parse_helo - helo NAME */
static int parse_helo(struct parser *p, char *rest, struct script_step *st)
{
    return parse_words(p, rest, st, 1, 1);
}

/* parse_envelope - mail/rcpt <ADDR> [ARGS...] */
static int parse_envelope(struct parser *p, char *rest, struct script_step *st)
{
    return parse_words(p, rest, st, 1, -1);
}

/* parse_header - header NAME: VALUE */
static int parse_header(struct parser *p, char *rest, struct script_step *st)
{
    char *name = skip_blanks(rest), *colon = strchr(name, ':');
    if (colon == NULL || colon == name)
        return perr(p, "want \"header NAME: VALUE\"");
    *colon = '\0';
    if (name[strcspn(name, BLANKS)] != '\0')
        return perr(p, "blank in header name \"%s\"", name);
    if (add_arg(p, st, name) < 0)
        return -1;
    return add_arg(p, st, colon + 1);
}

/* parse_body - body TEXT: rest already starts after the single separating blank */
static int parse_body(struct parser *p, char *rest, struct script_step *st)
{
    return add_arg(p, st, rest);
}

/* parse_bodyraw - bodyraw N CHAR */
static int parse_bodyraw(struct parser *p, char *rest, struct script_step *st)
{
    if (parse_number(p, next_word(&rest), 1ul << 40, "count", &st->count) < 0)
        return -1;
    char *w = next_word(&rest);
    if (w == NULL || next_word(&rest) != NULL)
        return perr(p, "want \"bodyraw N CHAR\"");
    if (strcmp(w, "NUL") == 0) { /* the one byte no escape can write */
        st->ch = 0;
        return 0;
    }
    char *c = unescape(p, w);
    if (c == NULL)
        return -1;
    int ok = strlen(c) == 1;
    st->ch = (unsigned char)c[0];
    free(c);
    return ok ? 0 : perr(p, "bodyraw CHAR must be one byte, not \"%s\"", w);
}

/* parse_sleep - sleep MS */
static int parse_sleep(struct parser *p, char *rest, struct script_step *st)
{
    if (parse_number(p, next_word(&rest), 86400000, "milliseconds", &st->count) < 0)
        return -1;
    return next_word(&rest) ? perr(p, "too many arguments for \"sleep\"") : 0;
}

/* find_command - op for a command word; OP_NONE if unknown */
static enum script_op find_command(const char *w)
{
    for (int op = OP_NONE + 1; op < OP_COUNT; op++)
        if (strcmp(commands[op].name, w) == 0)
            return (enum script_op)op;
    return OP_NONE;
}

/* check_order - connection and message order, as an MTA sends them */
static int check_order(struct parser *p, enum script_op op)
{
    const struct command *c = &commands[op];
    if (c->needs_conn && !p->open)
        return perr(p, "\"%s\" without an open connection (connect first)", c->name);
    if (c->need && !(c->need & IN(p->phase)))
        return perr(p,
                    "\"%s\" out of order (a message goes mail, rcpt..., data, header..., "
                    "eoh, body..., eom)",
                    c->name);
    if (c->to)
        p->phase = (enum phase)(c->to - 1);
    if (op == OP_CONNECT)
        p->open = p->seen_connect = 1;
    if (op == OP_QUIT || op == OP_DROP)
        p->open = 0;
    return 0;
}

/* step_clear - free a step's arguments */
static void step_clear(struct script_step *st)
{
    for (int i = 0; i < st->argc; i++)
        free(st->argv[i]);
    free(st->argv);
    *st = (struct script_step){0};
}

/* parse_line - one non-blank, non-comment line into st */
static int parse_line(struct parser *p, char *line, struct script_step *st)
{
    char *word = line + strspn(line, BLANKS);
    char *end = word + strcspn(word, BLANKS);
    char *rest = *end ? end + 1 : end;
    *end = '\0';
    *st = (struct script_step){.op = find_command(word), .line = p->line};
    if (st->op == OP_NONE)
        return perr(p, "unknown command \"%s\"", word);
    if (check_order(p, st->op) < 0 || commands[st->op].parse(p, rest, st) < 0) {
        step_clear(st);
        return -1;
    }
    return 0;
}

/* is_blank_line - empty, white space only, or a comment */
static int is_blank_line(const char *line)
{
    line += strspn(line, BLANKS);
    return *line == '\0' || *line == '#';
}

/* read_lines - parse every line of fp into s */
static int read_lines(struct parser *p, FILE *fp, struct script *s)
{
    char *line = NULL;
    size_t cap = 0, steps_cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
        p->line++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (is_blank_line(line))
            continue;
        if (s->n == steps_cap) { /* doubling: a 400,000-line script loads in linear time */
            steps_cap = steps_cap ? steps_cap * 2 : 64;
            s->steps = xrealloc(s->steps, sizeof(*s->steps) * steps_cap);
        }
        rc = parse_line(p, line, &s->steps[s->n]);
        s->n += rc == 0;
    }
    free(line);
    s->last_line = p->line;
    return rc;
}

/* script_load - parse a script file */
struct script *script_load(const char *path, char *err, size_t errlen)
{
    struct parser p = {.path = path, .err = err, .errlen = errlen};
    struct script *s = xcalloc(1, sizeof(*s));
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
        script_free(&s);
        return NULL;
    }
    int rc = read_lines(&p, fp, s);
    fclose(fp);
    if (rc == 0 && !p.seen_connect) {
        p.line = p.line ? p.line : 1;
        rc = perr(&p, "script has no connect command");
    }
    if (rc < 0)
        script_free(&s);
    return s;
}

/* script_free - release everything */
void script_free(struct script **sp)
{
    if (sp == NULL || *sp == NULL)
        return;
    struct script *s = *sp;
    for (size_t i = 0; i < s->n; i++)
        step_clear(&s->steps[i]);
    free(s->steps);
    free(s);
    *sp = NULL;
}

/* script_expand - replace %n and %% */
char *script_expand(const char *text, unsigned long index)
{
    char num[24];
    int nl = snprintf(num, sizeof(num), "%lu", index);
    struct buf b = {0};
    buf_add(&b, "", 0);
    for (const char *t = text; *t; t++) {
        if (t[0] == '%' && (t[1] == 'n' || t[1] == '%')) {
            buf_add(&b, t[1] == 'n' ? num : "%", t[1] == 'n' ? (size_t)nl : 1);
            t++;
        } else {
            buf_add(&b, t, 1);
        }
    }
    return (char *)b.data;
}
