/* milterc_proto.c - the MTA side of the Sendmail milter protocol, version 6 */
#include "milterc_proto.h"

#include <libmilter/mfapi.h> /* SMFIM_*: macro list stage numbers; no libmilter code */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* Replies longer than this are taken for garbage rather than allocated. */
#define MAX_PACKET (16u << 20)

static const struct stage_info {
    const char *name;
    char cmd;
    uint32_t smfim;
} stages[PROTO_STAGES] = {
    [PROTO_CONNECT] = {.name = "connect", .cmd = SMFIC_CONNECT, .smfim = SMFIM_CONNECT},
    [PROTO_HELO] = {.name = "helo", .cmd = SMFIC_HELO, .smfim = SMFIM_HELO},
    [PROTO_MAIL] = {.name = "mail", .cmd = SMFIC_MAIL, .smfim = SMFIM_ENVFROM},
    [PROTO_RCPT] = {.name = "rcpt", .cmd = SMFIC_RCPT, .smfim = SMFIM_ENVRCPT},
    [PROTO_DATA] = {.name = "data", .cmd = SMFIC_DATA, .smfim = SMFIM_DATA},
    [PROTO_EOH] = {.name = "eoh", .cmd = SMFIC_EOH, .smfim = SMFIM_EOH},
    [PROTO_EOM] = {.name = "eom", .cmd = SMFIC_BODYEOB, .smfim = SMFIM_EOM},
};

static const char *const kind_names[PK_KINDS] = {
    [PK_CONTINUE] = "continue",     [PK_REJECT] = "reject",
    [PK_TEMPFAIL] = "tempfail",     [PK_ACCEPT] = "accept",
    [PK_DISCARD] = "discard",       [PK_SKIP] = "skip",
    [PK_PROGRESS] = "progress",     [PK_ADDHEADER] = "addheader",
    [PK_INSHEADER] = "insheader",   [PK_CHGHEADER] = "chgheader",
    [PK_ADDRCPT] = "addrcpt",       [PK_ADDRCPT_PAR] = "addrcpt_par",
    [PK_DELRCPT] = "delrcpt",       [PK_CHGFROM] = "chgfrom",
    [PK_REPLBODY] = "replbody",     [PK_QUARANTINE] = "quarantine",
    [PK_SETSYMLIST] = "setsymlist", [PK_SHUTDOWN] = "shutdown",
    [PK_CONNFAIL] = "connfail",
};

enum role { ROLE_FINAL = 0, ROLE_EDIT, ROLE_PROGRESS };

/* Each reply's payload: an optional 32-bit index, then raw bytes or between
 * smin and smax NUL-terminated strings. */
static const struct reply_type {
    char code;
    enum proto_kind kind;
    enum role role;
    int index, raw, smin, smax;
} reply_types[] = {
    {.code = SMFIR_CONTINUE, .kind = PK_CONTINUE},
    {.code = SMFIR_ACCEPT, .kind = PK_ACCEPT},
    {.code = SMFIR_REJECT, .kind = PK_REJECT},
    {.code = SMFIR_TEMPFAIL, .kind = PK_TEMPFAIL},
    {.code = SMFIR_DISCARD, .kind = PK_DISCARD},
    {.code = SMFIR_SKIP, .kind = PK_SKIP},
    {.code = SMFIR_SHUTDOWN, .kind = PK_SHUTDOWN},
    {.code = SMFIR_CONN_FAIL, .kind = PK_CONNFAIL},
    {.code = SMFIR_REPLYCODE, .kind = PK_REJECT, .smin = 1, .smax = 1},
    {.code = SMFIR_PROGRESS, .kind = PK_PROGRESS, .role = ROLE_PROGRESS},
    {.code = SMFIR_ADDHEADER, .kind = PK_ADDHEADER, .role = ROLE_EDIT, .smin = 2, .smax = 2},
    {.code = SMFIR_INSHEADER,
     .kind = PK_INSHEADER,
     .role = ROLE_EDIT,
     .index = 1,
     .smin = 2,
     .smax = 2},
    {.code = SMFIR_CHGHEADER,
     .kind = PK_CHGHEADER,
     .role = ROLE_EDIT,
     .index = 1,
     .smin = 2,
     .smax = 2},
    {.code = SMFIR_ADDRCPT, .kind = PK_ADDRCPT, .role = ROLE_EDIT, .smin = 1, .smax = 1},
    {.code = SMFIR_ADDRCPT_PAR, .kind = PK_ADDRCPT_PAR, .role = ROLE_EDIT, .smin = 1, .smax = 2},
    {.code = SMFIR_DELRCPT, .kind = PK_DELRCPT, .role = ROLE_EDIT, .smin = 1, .smax = 1},
    {.code = SMFIR_CHGFROM, .kind = PK_CHGFROM, .role = ROLE_EDIT, .smin = 1, .smax = 2},
    {.code = SMFIR_REPLBODY, .kind = PK_REPLBODY, .role = ROLE_EDIT, .raw = 1},
    {.code = SMFIR_QUARANTINE, .kind = PK_QUARANTINE, .role = ROLE_EDIT, .smin = 1, .smax = 1},
    {.code = SMFIR_SETSYMLIST,
     .kind = PK_SETSYMLIST,
     .role = ROLE_EDIT,
     .index = 1,
     .smin = 1,
     .smax = 1},
};

/* Which protocol bits switch a command off or make it unanswered. */
static const struct cmd_bits {
    char cmd;
    uint32_t no, nr;
} cmd_bits[] = {
    {.cmd = SMFIC_CONNECT, .no = SMFIP_NOCONNECT, .nr = SMFIP_NR_CONN},
    {.cmd = SMFIC_HELO, .no = SMFIP_NOHELO, .nr = SMFIP_NR_HELO},
    {.cmd = SMFIC_MAIL, .no = SMFIP_NOMAIL, .nr = SMFIP_NR_MAIL},
    {.cmd = SMFIC_RCPT, .no = SMFIP_NORCPT, .nr = SMFIP_NR_RCPT},
    {.cmd = SMFIC_DATA, .no = SMFIP_NODATA, .nr = SMFIP_NR_DATA},
    {.cmd = SMFIC_HEADER, .no = SMFIP_NOHDRS, .nr = SMFIP_NR_HDR},
    {.cmd = SMFIC_EOH, .no = SMFIP_NOEOH, .nr = SMFIP_NR_EOH},
    {.cmd = SMFIC_BODY, .no = SMFIP_NOBODY, .nr = SMFIP_NR_BODY},
    {.cmd = SMFIC_UNKNOWN, .no = SMFIP_NOUNKNOWN, .nr = SMFIP_NR_UNKN},
    {.cmd = SMFIC_BODYEOB},
    {.cmd = SMFIC_OPTNEG},
};

/* fail - format a message into err and return -1 */
__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* proto_stage_name - name of a stage */
const char *proto_stage_name(enum proto_stage st)
{
    return stages[st].name;
}

/* proto_stage_parse - stage for a name */
int proto_stage_parse(const char *name)
{
    for (int i = 0; i < PROTO_STAGES; i++)
        if (strcmp(stages[i].name, name) == 0)
            return i;
    return -1;
}

/* proto_stage_cmd - command letter of a stage */
char proto_stage_cmd(enum proto_stage st)
{
    return stages[st].cmd;
}

/* proto_kind_name - name of a reply kind */
const char *proto_kind_name(enum proto_kind k)
{
    return kind_names[k];
}

/* reply_type_of - table row for a reply code, NULL if unknown */
static const struct reply_type *reply_type_of(char code)
{
    for (size_t i = 0; i < ARRAY_LEN(reply_types); i++)
        if (reply_types[i].code == code)
            return &reply_types[i];
    return NULL;
}

/* proto_reply_final - not progress, not a modification */
int proto_reply_final(const struct proto_reply *r)
{
    return reply_type_of(r->code)->role == ROLE_FINAL;
}

/* proto_reply_edit - a modification request */
int proto_reply_edit(const struct proto_reply *r)
{
    return reply_type_of(r->code)->role == ROLE_EDIT;
}

/* resolve_unix - sockaddr for a socket path */
static int resolve_unix(const char *path, struct proto_addr *a, char *err, size_t errlen)
{
    struct sockaddr_un *sun = (struct sockaddr_un *)&a->sa;
    if (*path == '\0' || strlen(path) >= sizeof(sun->sun_path))
        return fail(err, errlen, "bad socket path in %s", a->name);
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, path, strlen(path) + 1);
    a->len = sizeof(*sun);
    return 0;
}

/* split_port_host - "PORT@HOST" or "PORT@[HOST]" into its parts */
static int split_port_host(const char *s, char *port, size_t plen, char *host, size_t hlen)
{
    const char *at = strchr(s, '@');
    const char *h = at ? at + 1 : "";
    size_t pn = at ? (size_t)(at - s) : strlen(s), hn = strlen(h);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    if (pn == 0 || pn >= plen || hn >= hlen)
        return -1;
    memcpy(port, s, pn);
    port[pn] = '\0';
    memcpy(host, h, hn);
    host[hn] = '\0';
    return 0;
}

/* resolve_inet - sockaddr for "PORT@HOST" in one address family */
static int resolve_inet(const char *s, int family, struct proto_addr *a, char *err, size_t errlen)
{
    char port[32], host[256];
    if (split_port_host(s, port, sizeof(port), host, sizeof(host)) < 0)
        return fail(err, errlen, "bad socket %s: want PORT@HOST", a->name);
    struct addrinfo hints = {
        .ai_family = family, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (rc != 0)
        return fail(err, errlen, "%s: %s", a->name, gai_strerror(rc));
    memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
    a->len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* proto_parse_addr - resolve a socket specification */
int proto_parse_addr(const char *spec, struct proto_addr *a, char *err, size_t errlen)
{
    *a = (struct proto_addr){0};
    snprintf(a->name, sizeof(a->name), "%s", spec);
    if (strncmp(spec, "unix:", 5) == 0)
        return resolve_unix(spec + 5, a, err, errlen);
    if (strncmp(spec, "local:", 6) == 0)
        return resolve_unix(spec + 6, a, err, errlen);
    if (strncmp(spec, "inet:", 5) == 0)
        return resolve_inet(spec + 5, AF_INET, a, err, errlen);
    if (strncmp(spec, "inet6:", 6) == 0)
        return resolve_inet(spec + 6, AF_INET6, a, err, errlen);
    return fail(err, errlen, "bad socket %s: want unix:PATH, inet:PORT@HOST or inet6:PORT@[HOST]",
                spec);
}

/* proto_init - a closed connection */
void proto_init(struct proto_conn *c, int timeout_ms)
{
    *c = (struct proto_conn){.fd = -1, .timeout_ms = timeout_ms};
}

/* set_send_timeout - bound a blocking connect() by the reply timeout */
static void set_send_timeout(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* proto_open - connect, then switch to non-blocking I/O */
int proto_open(struct proto_conn *c, const struct proto_addr *a, char *err, size_t errlen)
{
    int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(err, errlen, "socket: %s", strerror(errno));
    set_send_timeout(fd, c->timeout_ms);
    int rc;
    while ((rc = connect(fd, (const struct sockaddr *)&a->sa, a->len)) < 0 && errno == EINTR)
        ;
    if (rc < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
        int e = errno == EINPROGRESS || errno == EAGAIN ? ETIMEDOUT : errno;
        close(fd);
        return fail(err, errlen, "connect %s: %s", a->name, strerror(e));
    }
    c->fd = fd;
    return 0;
}

/* proto_close - close and forget */
void proto_close(struct proto_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    for (int i = 0; i < PROTO_STAGES; i++) {
        free(c->lists[i]);
        c->lists[i] = NULL;
    }
    c->have_lists = 0;
    c->version = c->actions = c->protocol = 0;
    buf_free(&c->in);
    buf_free(&c->out);
}

/* wait_fd - poll until ready (1), deadline passed (0) or error (-1) */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* timed_out - the timeout message */
static int timed_out(const struct proto_conn *c, const char *what, char *err, size_t errlen)
{
    return fail(err, errlen, "timeout: no %s within %g s", what, c->timeout_ms / 1000.0);
}

/* read_full - read exactly n bytes before the deadline */
static int read_full(struct proto_conn *c, unsigned char *p, size_t n, int64_t deadline, char *err,
                     size_t errlen)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(c->fd, p + got, n - got);
        if (k > 0) {
            got += (size_t)k;
            continue;
        }
        if (k == 0)
            return fail(err, errlen, "connection closed by filter");
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return fail(err, errlen, "read: %s", strerror(errno));
        int w = wait_fd(c->fd, POLLIN, deadline);
        if (w <= 0)
            return w == 0 ? timed_out(c, "reply", err, errlen)
                          : fail(err, errlen, "poll: %s", strerror(errno));
    }
    return 0;
}

/* write_full - write all bytes before the deadline */
static int write_full(struct proto_conn *c, const unsigned char *p, size_t n, char *err,
                      size_t errlen)
{
    int64_t deadline = now_mono_ms() + c->timeout_ms;
    size_t done = 0;
    while (done < n) {
        ssize_t k = send(c->fd, p + done, n - done, MSG_NOSIGNAL);
        if (k >= 0) {
            done += (size_t)k;
            continue;
        }
        if (errno == EPIPE || errno == ECONNRESET)
            return fail(err, errlen, "connection closed by filter (write: %s)", strerror(errno));
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return fail(err, errlen, "write: %s", strerror(errno));
        int w = errno == EINTR ? 1 : wait_fd(c->fd, POLLOUT, deadline);
        if (w <= 0)
            return w == 0 ? timed_out(c, "room to write", err, errlen)
                          : fail(err, errlen, "poll: %s", strerror(errno));
    }
    return 0;
}

/* proto_send - frame and write one packet */
int proto_send(struct proto_conn *c, char cmd, const void *data, size_t len, char *err,
               size_t errlen)
{
    if (c->fd < 0)
        return fail(err, errlen, "not connected");
    buf_reset(&c->out);
    buf_add_u32(&c->out, (uint32_t)len + 1);
    buf_add(&c->out, &cmd, 1);
    buf_add(&c->out, data, len);
    return write_full(c, c->out.data, c->out.len, err, errlen);
}

/* read_packet - read one packet into c->in; its command into *cmd */
static int read_packet(struct proto_conn *c, char *cmd, char *err, size_t errlen)
{
    int64_t deadline = now_mono_ms() + c->timeout_ms;
    unsigned char hdr[5];
    if (read_full(c, hdr, sizeof(hdr), deadline, err, errlen) < 0)
        return -1;
    uint32_t len = get_u32(hdr);
    if (len < 1 || len > MAX_PACKET)
        return fail(err, errlen, "bad reply packet length %u", (unsigned)len);
    *cmd = (char)hdr[4];
    buf_reset(&c->in);
    buf_fill(&c->in, 0, len - 1);
    return read_full(c, c->in.data, len - 1, deadline, err, errlen);
}

/* split_strings - s1/s2 from smin..smax NUL-terminated strings in p[0..n) */
static int split_strings(const struct reply_type *t, const unsigned char *p, size_t n,
                         struct proto_reply *r)
{
    int count = 0;
    for (size_t i = 0; i < n; i++)
        count += p[i] == '\0';
    if (t->smax == 0)
        return n == 0 ? 0 : -1;
    if (n == 0 || p[n - 1] != '\0' || count < t->smin || count > t->smax)
        return -1;
    r->s1 = (const char *)p;
    r->s2 = count > 1 ? r->s1 + strlen(r->s1) + 1 : "";
    return 0;
}

/* replycode_ok - "4xx 4.y.z text" or "5xx 5.y.z text", as Postfix checks it */
static int replycode_ok(const char *s)
{
    return (s[0] == '4' || s[0] == '5') && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
           s[2] <= '9' && (s[3] == ' ' || s[3] == '-') && s[4] == s[0];
}

/* decode_reply - fill r from the packet in c->in */
static int decode_reply(struct proto_conn *c, const struct reply_type *t, struct proto_reply *r)
{
    const unsigned char *p = c->in.data;
    size_t n = c->in.len;
    *r = (struct proto_reply){.code = t->code, .kind = t->kind, .s1 = "", .s2 = ""};
    if (t->index) {
        if (n < 4)
            return -1;
        r->index = get_u32(p);
        p += 4;
        n -= 4;
    }
    if (t->raw) {
        r->data = p;
        r->len = n;
        return 0;
    }
    if (split_strings(t, p, n, r) < 0)
        return -1;
    if (t->code == SMFIR_REPLYCODE) {
        if (!replycode_ok(r->s1))
            return -1;
        r->kind = r->s1[0] == '4' ? PK_TEMPFAIL : PK_REJECT;
    }
    return 0;
}

/* proto_read_reply - read and decode one reply */
int proto_read_reply(struct proto_conn *c, struct proto_reply *r, char *err, size_t errlen)
{
    char cmd;
    if (read_packet(c, &cmd, err, errlen) < 0)
        return -1;
    const struct reply_type *t = reply_type_of(cmd);
    if (t == NULL)
        return fail(err, errlen, "unknown reply '%c' (0x%02x)", cmd >= 0x20 ? cmd : '?',
                    (unsigned char)cmd);
    if (decode_reply(c, t, r) < 0)
        return fail(err, errlen, "malformed reply '%c' (%zu data bytes)", cmd, c->in.len);
    return 0;
}

/* stage_of_smfim - our stage for a SMFIM_* number; -1 if unknown */
static int stage_of_smfim(uint32_t smfim)
{
    for (int i = 0; i < PROTO_STAGES; i++)
        if (stages[i].smfim == smfim)
            return i;
    return -1;
}

/* read_lists - the macro lists after the three negotiation words */
static int read_lists(struct proto_conn *c, const unsigned char *p, size_t n, char *err,
                      size_t errlen)
{
    while (n > 0) {
        const unsigned char *nul = n > 4 ? memchr(p + 4, '\0', n - 4) : NULL;
        if (nul == NULL)
            return fail(err, errlen, "malformed macro list in option negotiation");
        int st = stage_of_smfim(get_u32(p));
        if (st >= 0) {
            free(c->lists[st]);
            c->lists[st] = xstrdup((const char *)p + 4);
            c->have_lists = 1;
        }
        n -= (size_t)(nul + 1 - p);
        p = nul + 1;
    }
    return 0;
}

/* check_choice - the filter may not choose more than was offered */
static int check_choice(const struct proto_conn *c, uint32_t actions, uint32_t protocol, char *err,
                        size_t errlen)
{
    if (c->version < 2 || c->version > PROTO_VERSION)
        return fail(err, errlen, "filter chose protocol version %u", (unsigned)c->version);
    if (c->actions & ~actions)
        return fail(err, errlen, "filter asks for actions 0x%x, offered 0x%x", (unsigned)c->actions,
                    (unsigned)actions);
    if (c->protocol & ~protocol)
        return fail(err, errlen, "filter asks for protocol bits 0x%x, offered 0x%x",
                    (unsigned)c->protocol, (unsigned)protocol);
    return 0;
}

/* proto_negotiate - SMFIC_OPTNEG exchange */
int proto_negotiate(struct proto_conn *c, uint32_t actions, uint32_t protocol, char *err,
                    size_t errlen)
{
    struct buf b = {0};
    buf_add_u32(&b, PROTO_VERSION);
    buf_add_u32(&b, actions);
    buf_add_u32(&b, protocol);
    int rc = proto_send(c, SMFIC_OPTNEG, b.data, b.len, err, errlen);
    buf_free(&b);
    char cmd;
    if (rc < 0 || read_packet(c, &cmd, err, errlen) < 0)
        return -1;
    if (cmd != SMFIC_OPTNEG || c->in.len < MILTER_OPTLEN)
        return fail(err, errlen, "bad option negotiation reply ('%c', %zu data bytes)",
                    cmd >= 0x20 ? cmd : '?', c->in.len);
    c->version = get_u32(c->in.data);
    c->actions = get_u32(c->in.data + 4);
    c->protocol = get_u32(c->in.data + 8);
    if (check_choice(c, actions, protocol, err, errlen) < 0)
        return -1;
    return read_lists(c, c->in.data + MILTER_OPTLEN, c->in.len - MILTER_OPTLEN, err, errlen);
}

/* proto_mode - sent and answered, sent only, or not sent */
enum proto_mode proto_mode(const struct proto_conn *c, char cmd)
{
    for (size_t i = 0; i < ARRAY_LEN(cmd_bits); i++) {
        if (cmd_bits[i].cmd != cmd)
            continue;
        if (c->protocol & cmd_bits[i].no)
            return PROTO_NOT_SENT;
        return (c->protocol & cmd_bits[i].nr) ? PROTO_SEND_ONLY : PROTO_SEND_WAIT;
    }
    return PROTO_SEND_ONLY;
}

/* unbrace - a macro name without its braces, as start and length */
static const char *unbrace(const char *s, size_t *n)
{
    if (*n >= 2 && s[0] == '{' && s[*n - 1] == '}') {
        *n -= 2;
        return s + 1;
    }
    return s;
}

/* proto_macro_wanted - does the stage's list allow this macro */
int proto_macro_wanted(const struct proto_conn *c, enum proto_stage st, const char *name)
{
    if (!c->have_lists)
        return 1;
    size_t nn = strlen(name);
    const char *want = unbrace(name, &nn);
    for (const char *p = c->lists[st]; p && *p;) {
        size_t n = strcspn(p, " \t,");
        const char *got = unbrace(p, &n);
        if (n == nn && memcmp(got, want, n) == 0)
            return 1;
        p += strcspn(p, " \t,");
        p += strspn(p, " \t,");
    }
    return 0;
}
