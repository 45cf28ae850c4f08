/* rcptverify.c - check rcptverify: does the recipient of a relayed domain
 * exist? For a backup MX (or any relay in front of the real mailboxes):
 * the recipients list, and the primaries' own answer to RCPT TO, asked by
 * an SMTP probe (rcptverify_probe.c) and remembered in the state store
 * (rcptverify_cache.c).
 *
 * Words: none (not a relayed domain, not configured, or no IP client), ok, unknown,
 * temperror (see rcptverify.h). Only the configured primaries are ever
 * probed: never a sender's servers (sender callouts make us a tool against
 * third parties). */
#include "rcptverify.h"

#include "arena.h"
#include "check.h"
#include "conn.h"
#include "util.h"

#include <string.h>

#define RV_ADDR_MAX 254 /* RFC 5321's path limit, less the brackets */

const char *const rcptverify_words[RV_COUNT + 1] = {
    [RV_NONE] = "none",           [RV_OK] = "ok",    [RV_UNKNOWN] = "unknown",
    [RV_TEMPERROR] = "temperror", [RV_COUNT] = NULL,
};

/* probe_safe - whether addr can go into RCPT TO:<...> as it is */
static bool probe_safe(const char *addr)
{
    size_t n = strlen(addr);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)addr[i] <= ' ' || (unsigned char)addr[i] >= 0x7f || addr[i] == '<' ||
            addr[i] == '>')
            return false;
    return n > 0 && n <= RV_ADDR_MAX;
}

/* result - a word with its reason */
static struct check_result result(enum rcptverify_word w, const char *reason)
{
    return (struct check_result){.word = w, .reason = reason};
}

/* rcptverify_finish - the list, then the primaries */
static struct check_result rcptverify_finish(struct conn *c, const void *settings, void *state)
{
    const struct rcptverify_settings *s = settings;
    (void)state;
    if (s == NULL || s->domains.count == 0)
        return result(RV_NONE, "rcptverify is not configured");
    if (c->addr.family == 0) /* local submission: a refused recipient would stay queued */
        return result(RV_NONE, "no IP client");
    if (c->rcpt == NULL || c->rcpt[0] == '\0')
        return result(RV_NONE, "no recipient");
    char *addr = str_lower(arena_strdup(c->msg, c->rcpt)), *at = strrchr(addr, '@');
    if (at == NULL || !list_match(&s->domains, at + 1))
        return result(RV_NONE, "not a relayed domain");
    if (list_match(&s->recipients, addr))
        return result(RV_OK, "listed in recipients");
    if (s->nprimaries == 0)
        return result(RV_UNKNOWN, "not in the recipients list");
    if (!probe_safe(addr))
        return result(RV_TEMPERROR, "the address cannot be put in a probe");
    const char *reason = NULL;
    enum rcptverify_word w = rv_verify(c, s, addr, &reason);
    return result(w, reason);
}

const struct check_def check_rcptverify = {
    .name = "rcptverify",
    .stage = STAGE_RCPT,
    .words = rcptverify_words,
    .configure = rv_configure,
    .finish = rcptverify_finish,
};
