/* dkim_verify.c - one message's verification through libopendkim */
#include "dkim_verify.h"

#include "arena.h"
#include "conn.h"
#include "dns.h"
#include "util.h"

#include <opendkim/dkim.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* dkim_job_cand - our candidate for a library signature (same d= and s=, and b=
 * starting with the library's substring), or NULL */
struct dkim_cand *dkim_job_cand(struct dkim_job *job, void *libsig)
{
    DKIM_SIGINFO *sig = libsig;
    const char *d = (const char *)dkim_sig_getdomain(sig);
    const char *s = (const char *)dkim_sig_getselector(sig);
    char b[128];
    size_t blen = sizeof(b) - 1;
    if (dkim_get_sigsubstring(job->dkim, sig, b, &blen) != DKIM_STAT_OK)
        blen = 0;
    b[blen] = '\0';
    for (size_t i = 0; i < job->ncands; i++) {
        struct dkim_cand *k = &job->cands[i];
        if (k->hdr.d && k->hdr.s && d && s && strcasecmp(k->hdr.d, d) == 0 &&
            strcmp(k->hdr.s, s) == 0 && k->hdr.b && strncmp(k->hdr.b, b, blen) == 0)
            return k;
    }
    return NULL;
}

/* copy_key - the chosen TXT string into the library's buffer */
static DKIM_CBSTAT copy_key(struct dkim_cand *k, const struct dns_result *r, u_char *buf,
                            size_t len)
{
    const char *txt[16];
    size_t lens[16], n = r->count < 16 ? r->count : 16;
    for (size_t i = 0; i < n; i++) {
        txt[i] = r->rr[i].u.txt.data;
        lens[i] = r->rr[i].u.txt.len;
    }
    int pick = dkim_key_select(txt, lens, n, &k->hdr);
    k->key_perm = dkim_key_check(txt[pick], lens[pick], &k->hdr);
    if (lens[pick] >= len || memchr(txt[pick], '\0', lens[pick])) {
        k->key_perm = "malformed key record";
        return DKIM_CBSTAT_NOTFOUND;
    }
    memcpy(buf, txt[pick], lens[pick]);
    buf[lens[pick]] = '\0';
    return DKIM_CBSTAT_CONTINUE;
}

/* key_lookup - libopendkim asks for a key: wait for our prefetched lookup
 * within the transaction's DNS budget, and note what it said */
static DKIM_CBSTAT key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t len)
{
    struct dkim_job *job = dkim_get_user_context(dkim);
    struct dkim_cand *k = job ? dkim_job_cand(job, sig) : NULL;
    if (k == NULL || k->query == NULL)
        return DKIM_CBSTAT_ERROR;
    const struct dns_result *r = conn_dns_wait(job->c, k->query);
    k->key_looked_up = true;
    switch (r->status) {
    case DNS_FOUND:
        return copy_key(k, r, buf, len);
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        k->key_perm = "no key record";
        return DKIM_CBSTAT_NOTFOUND;
    case DNS_TRYLATER:
        break;
    }
    k->key_temp = arena_printf(job->arena, "key lookup: %s", r->why ? r->why : "try later");
    return DKIM_CBSTAT_TRYAGAIN;
}

/* prescreen - the library lists the signatures: ignore those we refused
 * already (no key lookup for them) and those beyond max_signatures */
static DKIM_CBSTAT prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
    struct dkim_job *job = dkim_get_user_context(dkim);
    for (int i = 0; i < nsigs; i++) {
        struct dkim_cand *k = job ? dkim_job_cand(job, sigs[i]) : NULL;
        if (k == NULL || !k->parsed || k->query == NULL)
            dkim_sig_ignore(sigs[i]);
    }
    return DKIM_CBSTAT_CONTINUE;
}

/* dkim_lib_open - libopendkim with our key lookup and prescreen */
void *dkim_lib_open(char *err, size_t errlen)
{
    unsigned min_key_bits = 1024; /* RFC 8301 §3.2; checks.dkim.min_key_bits is ours */
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    unsigned flags = DKIM_LIBFLAGS_BADSIGHANDLES;
    if (lib == NULL) {
        snprintf(err, errlen, "libopendkim could not be initialised");
        return NULL;
    }
    if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags)) != DKIM_STAT_OK ||
        dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &min_key_bits,
                     sizeof(min_key_bits)) != DKIM_STAT_OK ||
        dkim_set_key_lookup(lib, key_lookup) != DKIM_STAT_OK ||
        dkim_set_prescreen(lib, prescreen) != DKIM_STAT_OK) {
        dkim_close(lib);
        snprintf(err, errlen, "libopendkim refused our options");
        return NULL;
    }
    return lib;
}

/* dkim_lib_close - arena destructor */
void dkim_lib_close(void *lib)
{
    dkim_close(lib);
}

/* free_dkim - arena destructor of a message's handle */
static void free_dkim(void *dkim)
{
    dkim_free(dkim);
}

/* add_cands - parse the DKIM-Signature headers (the first max_signatures)
 * and start the key lookups of the usable ones */
static void add_cands(struct dkim_job *job)
{
    unsigned count;
    conn_header(job->c, "DKIM-Signature", 0, &count);
    if (count > job->set->max_signatures)
        count = job->set->max_signatures;
    job->cands = arena_alloc(job->arena, (count ? count : 1) * sizeof(*job->cands));
    for (unsigned i = 0; i < count; i++) {
        const struct msg_header *h = conn_header(job->c, "DKIM-Signature", i, NULL);
        struct dkim_cand *k = &job->cands[job->ncands++];
        memset(k, 0, sizeof(*k));
        k->parsed = dkim_sig_parse(h->value, h->vlen, job->arena, &k->hdr) == 0;
        if (!k->parsed)
            continue;
        char *name = arena_printf(job->arena, "%s._domainkey.%s", k->hdr.s, k->hdr.d);
        k->query = conn_dns_submit(job->c, job->arena, name, DNS_T_TXT);
    }
}

/* feed_headers - every header to the library, as "Name:value" */
static DKIM_STAT feed_headers(struct dkim_job *job)
{
    for (unsigned i = 0; i < job->c->nhdrs; i++) {
        const struct msg_header *h = &job->c->hdrs[i];
        size_t nl = strlen(h->name);
        u_char *line = arena_alloc(job->arena, nl + h->vlen + 2);
        memcpy(line, h->name, nl);
        line[nl] = ':';
        memcpy(line + nl + 1, h->value, h->vlen);
        DKIM_STAT st = dkim_header(job->dkim, line, nl + 1 + h->vlen);
        if (st != DKIM_STAT_OK)
            return st;
    }
    return dkim_eoh(job->dkim);
}

/* dkim_job_start - parse, prefetch keys, start the library */
void dkim_job_start(struct dkim_job *job)
{
    DKIM_STAT st;
    add_cands(job);
    if (job->ncands == 0)
        return;
    job->dkim = dkim_verify(job->set->lib, (const u_char *)"mxgate", NULL, &st);
    if (job->dkim == NULL) {
        job->lib_error = arena_printf(job->arena, "libopendkim: %s", dkim_getresultstr(st));
        return;
    }
    arena_on_release(job->arena, free_dkim, job->dkim);
    dkim_set_user_context(job->dkim, job);
    st = feed_headers(job);
    if (st != DKIM_STAT_OK && st != DKIM_STAT_NOSIG)
        job->lib_error = arena_printf(job->arena, "libopendkim: %s", dkim_getresultstr(st));
    if (st != DKIM_STAT_OK)
        job->dkim = NULL;
}

/* dkim_job_body - a chunk to the library */
void dkim_job_body(struct dkim_job *job, const unsigned char *p, size_t n)
{
    DKIM_STAT st;
    if (job->dkim && (st = dkim_body(job->dkim, (u_char *)p, n)) != DKIM_STAT_OK) {
        job->lib_error = arena_printf(job->arena, "libopendkim: %s", dkim_getresultstr(st));
        job->dkim = NULL;
    }
}

/* dkim_job_finish - end of message; every signature the library kept is
 * processed, not only up to the first good one */
void dkim_job_finish(struct dkim_job *job)
{
    DKIM_SIGINFO **sigs;
    int n = 0;
    if (job->dkim) {
        dkim_eom(job->dkim, NULL);
        if (dkim_getsiglist(job->dkim, &sigs, &n) != DKIM_STAT_OK)
            n = 0;
        for (int i = 0; i < n; i++)
            if (!(dkim_sig_getflags(sigs[i]) & (DKIM_SIGFLAG_PROCESSED | DKIM_SIGFLAG_IGNORE)))
                dkim_sig_process(job->dkim, sigs[i]);
    }
    dkim_job_verdicts(job);
}
