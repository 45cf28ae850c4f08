/* milterc_proto.h - the MTA side of the Sendmail milter protocol, version 6
 *
 * Framing (4-byte big-endian length, 1-byte command, data), option
 * negotiation with the filter's macro lists, and the reply reader. It knows
 * nothing about scripts or output: milterc_run.c decides what to send, this
 * module sends it and decodes what comes back. One struct proto_conn is one
 * connection to a filter and belongs to one thread. */
#ifndef MILTERC_PROTO_H
#define MILTERC_PROTO_H

#include "milterc_util.h"

#include <libmilter/mfdef.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* What an MTA offers by default: protocol version 6, every SMFIF_* action and
 * every SMFIP_* protocol bit Postfix 3.7 offers except SMFIP_HDR_LEADSPC
 * (no_header_reply, SKIP, RCPT_REJ, all NO* and NR_* bits). */
#define PROTO_VERSION 6
#define PROTO_OFFER_ACTIONS ((uint32_t)SMFI_CURR_ACTS)
#define PROTO_OFFER_PROTOCOL ((uint32_t)(SMFI_CURR_PROT & ~SMFIP_HDR_LEADSPC))

/* Largest body chunk (SMFIC_BODY payload) an MTA sends. */
#define PROTO_CHUNK MILTER_CHUNK_SIZE

/* The seven macro stages, in SMTP order. */
enum proto_stage {
    PROTO_CONNECT = 0,
    PROTO_HELO,
    PROTO_MAIL,
    PROTO_RCPT,
    PROTO_DATA,
    PROTO_EOH,
    PROTO_EOM,
    PROTO_STAGES
};

/* proto_stage_name - "connect", "helo", "mail", "rcpt", "data", "eoh", "eom". */
const char *proto_stage_name(enum proto_stage st);

/* proto_stage_parse - stage for a name as above; -1 if unknown. */
int proto_stage_parse(const char *name);

/* proto_stage_cmd - the SMFIC_* command a stage's macros are sent for. */
char proto_stage_cmd(enum proto_stage st);

/* What a reply means, for counting and printing. PK_REJECT and PK_TEMPFAIL
 * cover both the plain replies and SMFIR_REPLYCODE with a 5xx/4xx code. */
enum proto_kind {
    PK_CONTINUE = 0,
    PK_REJECT,
    PK_TEMPFAIL,
    PK_ACCEPT,
    PK_DISCARD,
    PK_SKIP,
    PK_PROGRESS,
    PK_ADDHEADER,
    PK_INSHEADER,
    PK_CHGHEADER,
    PK_ADDRCPT,
    PK_ADDRCPT_PAR,
    PK_DELRCPT,
    PK_CHGFROM,
    PK_REPLBODY,
    PK_QUARANTINE,
    PK_SETSYMLIST,
    PK_SHUTDOWN,
    PK_CONNFAIL,
    PK_KINDS
};

/* proto_kind_name - lower-case name of a kind ("continue", "addheader", ...). */
const char *proto_kind_name(enum proto_kind k);

/* One decoded reply. Strings and data point into the connection's receive
 * buffer and stay valid until the next read on that connection. */
struct proto_reply {
    char code; /* SMFIR_* letter */
    enum proto_kind kind;
    uint32_t index;            /* INSHEADER/CHGHEADER index, SETSYMLIST stage */
    const char *s1, *s2;       /* text, header name/value, address/args; "" if absent */
    const unsigned char *data; /* REPLBODY bytes */
    size_t len;                /* REPLBODY length */
};

/* proto_reply_final - whether a reply ends the step (not PROGRESS, not a
 * modification request). */
int proto_reply_final(const struct proto_reply *r);

/* proto_reply_edit - whether a reply is a modification request (legal only
 * in answer to end of message). */
int proto_reply_edit(const struct proto_reply *r);

/* How a negotiated connection treats a command. */
enum proto_mode {
    PROTO_SEND_WAIT = 0, /* send, then read the reply */
    PROTO_SEND_ONLY,     /* send; the filter negotiated SMFIP_NR_* for it */
    PROTO_NOT_SENT       /* the filter negotiated SMFIP_NO* for it */
};

/* A connection to a filter. Plain record: the negotiated values may be read
 * by the caller after proto_negotiate(). Set up with proto_init(). */
struct proto_conn {
    int fd;                              /* -1 when closed */
    int timeout_ms;                      /* per reply packet; and for connect/write */
    uint32_t version, actions, protocol; /* as the filter chose */
    int have_lists;                      /* the filter sent macro lists */
    char *lists[PROTO_STAGES];           /* space-separated names, NULL if none for that stage */
    struct buf in, out;
};

/* A filter's address, resolved once and used for every connection. */
struct proto_addr {
    char name[300]; /* as given, for messages */
    struct sockaddr_storage sa;
    socklen_t len;
};

/* proto_parse_addr - resolve "unix:PATH", "inet:PORT@HOST",
 * "inet6:PORT@[HOST]" or "inet6:PORT@HOST" (HOST defaults to the loopback
 * address). Returns 0, or -1 with a message in err. */
int proto_parse_addr(const char *spec, struct proto_addr *a, char *err, size_t errlen);

/* proto_init - a closed connection with a per-reply timeout. */
void proto_init(struct proto_conn *c, int timeout_ms);

/* proto_open - connect to the filter, waiting at most timeout_ms. Returns 0,
 * or -1 with a message in err. */
int proto_open(struct proto_conn *c, const struct proto_addr *a, char *err, size_t errlen);

/* proto_negotiate - send SMFIC_OPTNEG offering version 6 with actions and
 * protocol, read and check the filter's choice and its macro lists. A filter
 * that asks for more than was offered is an error. Returns 0 or -1. */
int proto_negotiate(struct proto_conn *c, uint32_t actions, uint32_t protocol, char *err,
                    size_t errlen);

/* proto_close - close the socket (abruptly if nothing else was sent) and
 * forget the negotiation; keeps nothing allocated. Safe to call twice. */
void proto_close(struct proto_conn *c);

/* proto_mode - whether cmd (an SMFIC_* letter) is sent and answered under the
 * negotiated protocol bits. Commands that never have a reply (MACRO, ABORT,
 * QUIT) are PROTO_SEND_ONLY; BODYEOB is always PROTO_SEND_WAIT. */
enum proto_mode proto_mode(const struct proto_conn *c, char cmd);

/* proto_macro_wanted - whether a macro may be sent for a stage: always when
 * the filter sent no lists; otherwise only if the stage's list names it
 * ("{name}" and "name" match each other). With lists, a stage the filter
 * gave no list for gets no macros, as in Postfix. */
int proto_macro_wanted(const struct proto_conn *c, enum proto_stage st, const char *name);

/* proto_send - write one packet: cmd and len bytes of data. 0 or -1. */
int proto_send(struct proto_conn *c, char cmd, const void *data, size_t len, char *err,
               size_t errlen);

/* proto_read_reply - read and decode one reply packet, waiting at most
 * timeout_ms for it. Unknown or malformed replies, EOF and timeouts are
 * errors: -1 with a message in err. */
int proto_read_reply(struct proto_conn *c, struct proto_reply *r, char *err, size_t errlen);

#endif
