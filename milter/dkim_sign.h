/* dkim_sign.h - the DKIM-Signature header field (RFC 6376; RFC 8463 for
 * ed25519-sha256): which header fields are signed, the tags, the header
 * hash and the signature, folded into lines of at most 78 characters. */
#ifndef MXGATE_DKIM_SIGN_H
#define MXGATE_DKIM_SIGN_H

#include "dkim_canon.h"
#include "dkim_key.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct msg_header;

#define DKIM_SIGN_HEADER "DKIM-Signature"

/* One signature to make. */
struct dkim_sign_req {
    const struct dkim_key *key;    /* its hcanon/bcanon give c= */
    const struct msg_header *hdrs; /* the message's header fields, in order */
    unsigned nhdrs;                /* (value: after the colon, folds as CRLF) */
    const unsigned char *bh;       /* body hash made with key->bcanon */
    int64_t t;                     /* t=, seconds since the epoch */
    unsigned expire;               /* x= is t + expire; 0: no x= */
    const char *const *oversign;   /* names signed once more than present */
    size_t noversign;
};

/* dkim_sign - make the signature. Returns the field's value (what follows
 * "DKIM-Signature:", starting with a space, folds as CRLF followed by a tab)
 * in arena, or NULL with the problem in err. No l= tag is ever written.
 * Any thread: keys are only read. */
const char *dkim_sign(struct arena *arena, const struct dkim_sign_req *r, char *err, size_t errlen);

/* dkim_sign_headers - the h= list for these header fields: the present ones
 * among the names RFC 6376 §5.4.1 recommends (and Message-ID, MIME-Version,
 * Content-Type, Content-Transfer-Encoding, Sender), each as often as it
 * occurs, the oversigned ones once more; ':'-separated, in arena. */
const char *dkim_sign_headers(struct arena *arena, const struct msg_header *hdrs, unsigned nhdrs,
                              const char *const *oversign, size_t noversign);

#endif
