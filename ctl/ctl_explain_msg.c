/* ctl_explain_msg.c - mxgatectl explain's message: an RFC 5322 file
 * (headers, empty line, body; CRLF or LF line ends) given to the session's
 * steps as an MTA gives it to a milter: each header as name and value (the
 * value as after the colon, folds as LF), end of headers, the body with
 * CRLF line ends in chunks of at most 65535 bytes; each step only when the
 * negotiated protocol has it. */
#include "explain.h"

#include "ctl.h"
#include "mta.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGE_MAX (64u << 20) /* bytes read from the file, at most */
#define CHUNK 65535             /* the milter protocol's largest body chunk */

/* explain_read - the whole file (NUL-terminated), or NULL after saying why */
char *explain_read(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        ctl_fail("explain: %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = xmalloc(MESSAGE_MAX + 1);
    *len = fread(buf, 1, MESSAGE_MAX + 1, f);
    bool bad = ferror(f) || *len > MESSAGE_MAX;
    if (f != stdin)
        fclose(f);
    if (bad) {
        ctl_fail("explain: %s: cannot read it, or it is larger than %u bytes", path, MESSAGE_MAX);
        free(buf);
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

/* line_end - the end of the line at p (its LF or CRLF), and where the next begins */
static const char *line_end(const char *p, const char **next)
{
    const char *lf = strchr(p, '\n');
    if (lf == NULL) {
        *next = p + strlen(p);
        return *next;
    }
    *next = lf + 1;
    return lf > p && lf[-1] == '\r' ? lf - 1 : lf;
}

/* is_field - whether the line at p starts a header field "Name:" */
static bool is_field(const char *p, const char *end)
{
    const char *colon = memchr(p, ':', (size_t)(end - p));
    if (colon == NULL || colon == p)
        return false;
    for (const char *q = p; q < colon; q++)
        if ((unsigned char)*q <= ' ' || (unsigned char)*q > '~')
            return false;
    return true;
}

/* one_header - the header field at *p (with its folded lines) to the
 * session; *p moves past it */
static void one_header(struct explain *ex, const char **p)
{
    const char *next, *end = line_end(*p, &next), *colon = strchr(*p, ':');
    char *name = xstrndup(*p, (size_t)(colon - *p));
    size_t cap = 256, n = 0;
    char *value = xmalloc(cap);
    const char *v = colon + 1;
    for (;;) {
        size_t add = (size_t)(end - v);
        if (n + add + 2 > cap)
            value = xrealloc(value, cap = (n + add + 2) * 2);
        memcpy(value + n, v, add);
        n += add;
        if (*next != ' ' && *next != '\t')
            break;
        value[n++] = '\n';
        v = next;
        end = line_end(v, &next);
    }
    value[n] = '\0';
    *p = next;
    bool leadspc = ex->c->proto & SMFIP_HDR_LEADSPC;
    session_header(ex->c, name, leadspc || value[0] != ' ' ? value : value + 1);
    free(name);
    free(value);
}

/* headers - every header field until the empty line (or a line that is not
 * one, which starts the body, as in Postfix); returns where the body starts */
static const char *headers(struct explain *ex, const char *p, unsigned *count)
{
    const char *next, *end;
    while (*p) {
        end = line_end(p, &next);
        if (end == p)
            return next;
        if (!is_field(p, end))
            return p;
        if (!(ex->c->proto & SMFIP_NOHDRS))
            one_header(ex, &p);
        else
            line_end(p, &p);
        (*count)++;
    }
    return p;
}

/* body - the body with CRLF line ends, in chunks */
static size_t body(struct explain *ex, const char *p)
{
    size_t total = 0, n = 0;
    unsigned char *chunk = xmalloc(CHUNK + 1);
    for (; *p; p++) {
        if (*p == '\n' && (total + n == 0 || p[-1] != '\r'))
            chunk[n++] = '\r';
        chunk[n++] = (unsigned char)*p;
        if (n >= CHUNK - 1) {
            session_body(ex->c, chunk, n);
            total += n, n = 0;
        }
    }
    if (n > 0)
        session_body(ex->c, chunk, n);
    free(chunk);
    return total + n;
}

/* explain_message - the message's steps */
void explain_message(struct explain *ex, const char *msg, size_t len)
{
    unsigned nhdrs = 0;
    if (strlen(msg) != len)
        fprintf(ex->out, "  (the message holds a NUL byte: read up to it)\n");
    const char *b = headers(ex, msg, &nhdrs);
    if (!(ex->c->proto & SMFIP_NOEOH))
        session_eoh(ex->c);
    size_t n = ex->c->proto & SMFIP_NOBODY ? 0 : body(ex, b);
    fprintf(ex->out, "  %u header fields%s, %zu body bytes%s\n", nhdrs,
            ex->c->proto & SMFIP_NOHDRS ? " (not sent: no rule reads them)" : "", n,
            ex->c->proto & SMFIP_NOBODY ? " (not sent: no rule reads it)" : "");
}
