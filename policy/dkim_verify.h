/* dkim_verify.h - one message's DKIM verification through libopendkim, with
 * keys fetched by our resolver (prefetched at end of headers) and our own
 * rules applied where the library errs or gives no verdict. Internal to the
 * dkim check. */
#ifndef MXGATE_DKIM_VERIFY_H
#define MXGATE_DKIM_VERIFY_H

#include "dkim.h"

#include <stddef.h>

struct arena;
struct conn;
struct dns_query;

struct dkim_settings {
    void *lib; /* DKIM_LIB *, one per configuration snapshot */
    unsigned max_signatures;
    unsigned min_key_bits;
};

/* A signature as we parsed it, and what its key lookup said. */
struct dkim_cand {
    struct dkim_sighdr hdr;
    bool parsed;             /* hdr passed dkim_sig_parse */
    struct dns_query *query; /* the key's TXT lookup, or NULL */
    const char *key_perm;    /* the key record's problem (permerror), or NULL */
    const char *key_temp;    /* the lookup's failure (temperror), or NULL */
    bool key_looked_up;
};

struct dkim_job {
    struct conn *c;
    const struct dkim_settings *set;
    struct arena *arena;
    void *dkim; /* DKIM *, or NULL: no signature, or the library failed */
    struct dkim_cand *cands;
    size_t ncands;
    const char *lib_error; /* the library failed: temperror for every signature */
    struct dkim_sig *sigs;
    size_t nsigs;
};

/* dkim_lib_open - a library handle with our callbacks, refusing RSA keys
 * under 1024 bits (RFC 8301); NULL with err. */
void *dkim_lib_open(char *err, size_t errlen);

/* dkim_lib_close - release a handle from dkim_lib_open (arena destructor). */
void dkim_lib_close(void *lib);

/* dkim_job_start - parse the message's signatures, submit their key lookups,
 * feed the headers to the library. */
void dkim_job_start(struct dkim_job *job);

/* dkim_job_body - a body chunk. */
void dkim_job_body(struct dkim_job *job, const unsigned char *p, size_t n);

/* dkim_job_finish - end of message: the verdicts in job->sigs. */
void dkim_job_finish(struct dkim_job *job);

/* dkim_job_cand - our candidate for a library signature (DKIM_SIGINFO *):
 * same d= and s=, and a b= that starts with the library's substring. */
struct dkim_cand *dkim_job_cand(struct dkim_job *job, void *libsig);

/* dkim_job_verdicts - turn the library's answers and ours into job->sigs. */
void dkim_job_verdicts(struct dkim_job *job);

#endif
