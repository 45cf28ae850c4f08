/* dkim_verdict.c - one verdict per signature: the library's answer where it
 * is right, ours where it errs (RFC 8301, key records, DNS failures) or
 * gives none */
#include "arena.h"
#include "dkim_verify.h"
#include "util.h"

#include <opendkim/dkim.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib_sig - the library's signature for candidate k, or NULL */
static DKIM_SIGINFO *lib_sig(struct dkim_job *job, const struct dkim_cand *k)
{
    DKIM_SIGINFO **sigs;
    int n = 0;
    if (job->dkim == NULL || dkim_getsiglist(job->dkim, &sigs, &n) != DKIM_STAT_OK)
        return NULL;
    for (int i = 0; i < n; i++)
        if (dkim_job_cand(job, sigs[i]) == k)
            return sigs[i];
    return NULL;
}

/* passed - a library pass, subject to our minimum key size */
static void passed(struct dkim_job *job, DKIM_SIGINFO *sig, struct dkim_sig *out)
{
    unsigned bits = 0;
    out->word = DKIM_W_PASS;
    if (strcasecmp(out->algorithm, "rsa-sha256") == 0 &&
        dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK && bits < job->set->min_key_bits) {
        out->word = DKIM_W_POLICY;
        out->reason = arena_printf(job->arena, "%u-bit key, under min_key_bits %u", bits,
                                   job->set->min_key_bits);
    } else if (out->length >= 0) {
        out->reason = arena_printf(job->arena, "l=%ld: only the first %ld body octets are signed",
                                   out->length, out->length);
    }
}

/* failed - a processed signature that did not pass */
static void failed(DKIM_SIGINFO *sig, struct dkim_sig *out)
{
    int err = dkim_sig_geterror(sig);
    out->reason = dkim_sig_geterrorstr(err);
    if (err == DKIM_SIGERROR_KEYFAIL) {
        out->word = DKIM_W_TEMPERROR;
    } else if (err == DKIM_SIGERROR_BADSIG || err == DKIM_SIGERROR_OK) {
        out->word = DKIM_W_FAIL;
        if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH)
            out->reason = "body hash mismatch";
        else if (err == DKIM_SIGERROR_OK)
            out->reason = "signature mismatch";
    } else {
        out->word = DKIM_W_PERMERROR;
    }
    if (out->reason == NULL)
        out->reason = "unknown error";
}

/* from_library - the verdict of a candidate our own rules did not settle */
static void from_library(struct dkim_job *job, const struct dkim_cand *k, struct dkim_sig *out)
{
    DKIM_SIGINFO *sig = lib_sig(job, k);
    if (sig == NULL || !(dkim_sig_getflags(sig) & DKIM_SIGFLAG_PROCESSED)) {
        out->word = DKIM_W_TEMPERROR;
        out->reason = job->lib_error ? job->lib_error : "no verdict from libopendkim";
    } else if (DKIM_SIG_CHECK(sig)) {
        passed(job, sig, out);
    } else {
        failed(sig, out);
    }
}

/* short_b - the first 8 characters of b= (header.b, RFC 6008) */
static const char *short_b(struct dkim_job *job, const struct dkim_cand *k)
{
    return k->hdr.b ? arena_printf(job->arena, "%.8s", k->hdr.b) : NULL;
}

/* verdict - one candidate's verdict */
static void verdict(struct dkim_job *job, const struct dkim_cand *k, struct dkim_sig *out)
{
    *out =
        (struct dkim_sig){.domain = k->hdr.d ? str_lower(arena_strdup(job->arena, k->hdr.d)) : NULL,
                          .selector = k->hdr.s,
                          .algorithm = k->hdr.a,
                          .b = short_b(job, k),
                          .length = -1};
    if (k->hdr.l)
        out->length = strtol(k->hdr.l, NULL, 10);
    if (!k->parsed) {
        out->word = DKIM_W_PERMERROR;
        out->reason = k->hdr.why;
    } else if (k->key_temp) {
        out->word = DKIM_W_TEMPERROR;
        out->reason = k->key_temp;
    } else if (k->key_perm) {
        out->word = DKIM_W_PERMERROR;
        out->reason = k->key_perm;
    } else {
        from_library(job, k, out);
    }
}

/* dkim_job_verdicts - every candidate's verdict, in order */
void dkim_job_verdicts(struct dkim_job *job)
{
    job->sigs = arena_alloc(job->arena, (job->ncands ? job->ncands : 1) * sizeof(*job->sigs));
    job->nsigs = job->ncands;
    for (size_t i = 0; i < job->ncands; i++)
        verdict(job, &job->cands[i], &job->sigs[i]);
}
