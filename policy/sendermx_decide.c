/* sendermx_decide.c - the sendermx check's decision from its DNS answers:
 * can the envelope sender's domain receive mail (a bounce) at all?
 *
 * MX first: try-later is temperror (a null MX might be behind it, so an A
 * record does not help); found is nullmx when every target is the root "."
 * (RFC 7505), else mx_literal, mx_cname or ok by its targets. Without MX
 * (NXDOMAIN or NODATA), RFC 5321 section 5.1's implicit MX: an A or AAAA
 * record is ok, a try-later of either is temperror, neither is nomx_noaddr. */
#include "addr.h"
#include "sendermx.h"

#include <stdio.h>
#include <string.h>

const char *const sendermx_words[SENDERMX_COUNT + 1] = {
    [SENDERMX_NONE] = "none",
    [SENDERMX_OK] = "ok",
    [SENDERMX_NOMX_NOADDR] = "nomx_noaddr",
    [SENDERMX_NULLMX] = "nullmx",
    [SENDERMX_MX_LITERAL] = "mx_literal",
    [SENDERMX_MX_CNAME] = "mx_cname",
    [SENDERMX_TEMPERROR] = "temperror",
    [SENDERMX_COUNT] = NULL,
};

/* sendermx_is_literal - "192.0.2.1", "[192.0.2.1]", "2001:db8::1", ... */
bool sendermx_is_literal(const char *name)
{
    char text[IPADDR_STRLEN + 8];
    struct ipaddr a;
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '[' && name[n - 1] == ']') {
        name++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(text))
        return false;
    memcpy(text, name, n);
    text[n] = '\0';
    if (strncmp(text, "ipv6:", 5) == 0)
        return ipaddr_parse(text + 5, &a) == 0;
    return ipaddr_parse(text, &a) == 0;
}

/* sendermx_usable - neither the root nor a literal */
bool sendermx_usable(const char *name)
{
    return name[0] != '\0' && !sendermx_is_literal(name);
}

/* why - a try-later reason, never NULL */
static const char *why(const char *w)
{
    return w ? w : "try-later";
}

/* by_targets - nullmx, mx_literal, mx_cname or ok from the MX records */
static enum sendermx_word by_targets(const struct sendermx_facts *f, char *reason, size_t len)
{
    size_t roots = 0;
    for (size_t i = 0; i < f->ntargets; i++)
        roots += f->targets[i].name[0] == '\0';
    if (f->ntargets > 0 && roots == f->ntargets) {
        snprintf(reason, len, "domain %s does not accept mail (RFC 7505 null MX)", f->domain);
        return SENDERMX_NULLMX;
    }
    for (size_t i = 0; i < f->ntargets; i++)
        if (sendermx_is_literal(f->targets[i].name)) {
            snprintf(reason, len, "domain %s has an MX record pointing at the address literal %s",
                     f->domain, f->targets[i].name);
            return SENDERMX_MX_LITERAL;
        }
    for (size_t i = 0; i < f->ntargets; i++)
        if (f->targets[i].cname == SENDERMX_CNAME_YES) {
            snprintf(reason, len, "domain %s has an MX record pointing at %s, which is a CNAME",
                     f->domain, f->targets[i].name);
            return SENDERMX_MX_CNAME;
        }
    snprintf(reason, len, "domain %s has MX records", f->domain);
    return SENDERMX_OK;
}

/* by_address - without MX: ok, temperror or nomx_noaddr from A and AAAA */
static enum sendermx_word by_address(const struct sendermx_facts *f, char *reason, size_t len)
{
    if (f->a == DNS_FOUND || f->aaaa == DNS_FOUND) {
        snprintf(reason, len, "domain %s has no MX record but an %s record (implicit MX)",
                 f->domain, f->a == DNS_FOUND ? "A" : "AAAA");
        return SENDERMX_OK;
    }
    if (f->a == DNS_TRYLATER || f->aaaa == DNS_TRYLATER) {
        bool a = f->a == DNS_TRYLATER;
        snprintf(reason, len, "domain %s could not be resolved (%s: %s)", f->domain,
                 a ? "A" : "AAAA", why(a ? f->a_why : f->aaaa_why));
        return SENDERMX_TEMPERROR;
    }
    snprintf(reason, len, "domain %s has no MX or A/AAAA record", f->domain);
    return SENDERMX_NOMX_NOADDR;
}

/* sendermx_decide - the word and its reason */
enum sendermx_word sendermx_decide(const struct sendermx_facts *f, char *reason, size_t len)
{
    switch (f->mx) {
    case DNS_FOUND:
        return by_targets(f, reason, len);
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        return by_address(f, reason, len);
    case DNS_TRYLATER:
        break;
    }
    snprintf(reason, len, "domain %s could not be resolved (MX: %s)", f->domain, why(f->mx_why));
    return SENDERMX_TEMPERROR;
}
