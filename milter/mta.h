/* mta.h - what we ask of the MTA (protocol steps, replies, macros) and how we
 * read what it sends; warns once, naming the MTA setting, when a macro that
 * the configuration needs does not arrive */
#ifndef MXGATE_MTA_H
#define MXGATE_MTA_H

#include "check.h"
#include "conn.h"
#include "rule.h"

#include <stdbool.h>

#include "mctx.h"

/* mta_negotiate - choose protocol flags and actions from what the MTA offers
 * (f0 actions, f1 protocol) and what c's configuration needs: skip steps no
 * check reads, ask for no reply where no decision can be made, request our
 * macro lists. Records the result in c->proto. */
enum mstat mta_negotiate(struct mctx *ctx, struct conn *c, unsigned long f0, unsigned long f1,
                         unsigned long *pf0, unsigned long *pf1);

/* mta_protocol - the SMFIP_* flags (steps skipped, replies not awaited,
 * header values with their leading space) that cfg's rules need, of those
 * the MTA offers. ~0UL: an MTA that offers everything (explain). */
unsigned long mta_protocol(const struct config *cfg, unsigned long offered);

/* mta_noreply - whether the reply to a step of stage goes unsent under the
 * negotiated proto: a step negotiated SMFIP_NR_* whose reply decides
 * nothing (continue, accept). */
bool mta_noreply(unsigned long proto, enum action_kind kind, enum stage stage);

/* mta_address - an envelope address without its angle brackets, in arena. */
const char *mta_address(struct arena *arena, const char *arg);

/* mta_auth_user - the SMTP AUTH identity ({auth_authen}) or NULL; warns once
 * if the MTA sends no MAIL macros at all while trusted.authenticated is on. */
const char *mta_auth_user(struct conn *c);

/* mta_warn_missing - log once per process that macro name did not arrive at
 * stage, with the Postfix and Sendmail settings that send it. */
void mta_warn_missing(const char *name, enum stage stage);

#endif
