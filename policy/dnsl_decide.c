/* dnsl_decide.c - a DNS list check's decision from its zones' answers.
 *
 * Each zone lists the subject (an answer in its codes), does not (NXDOMAIN,
 * NODATA, or only answers outside its codes), or fails (try-later, or an
 * answer the list uses to refuse us). The listing zones' weights are summed:
 * at the threshold the subject is listed. Below it, if the failed zones'
 * weights could have reached it, the word is temperror (never a refusal on
 * doubt); otherwise notlisted. */
#include "dnsl.h"

#include <stdio.h>
#include <string.h>

#define DNSL_TEXT 512
#define DNSL_TXT_MAX 200

enum zone_state { ZONE_NOT = 0, ZONE_LISTED, ZONE_ERROR };

/* What the zones said, as texts for the reason. */
struct tally {
    double score, doubt;
    char listed[DNSL_TEXT], errors[DNSL_TEXT], other[DNSL_TEXT];
};

/* cat - append text to buf (DNSL_TEXT bytes), truncating quietly */
static void cat(char *buf, const char *text)
{
    size_t n = strlen(buf), m = strlen(text);
    if (m > DNSL_TEXT - 1 - n)
        m = DNSL_TEXT - 1 - n;
    memcpy(buf + n, text, m);
    buf[n + m] = '\0';
}

/* add - append "SEP text" to a tally text (sep only after something) */
static void add(char *buf, const char *sep, const char *text)
{
    if (buf[0])
        cat(buf, sep);
    cat(buf, text);
}

/* dotted - a 4-byte answer as text */
static const char *dotted(const unsigned char a[4], char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    return buf;
}

/* found - sort a zone's A records into listing, error and other codes */
static enum zone_state found(const struct dnsl_answer *a, char *codes, char *bad, char *other)
{
    char ip[16];
    for (size_t i = 0; i < a->r->count; i++) {
        const unsigned char *v = a->r->rr[i].u.a;
        switch (dnsl_code(a->zone, v)) {
        case DNSL_CODE_LISTED:
            add(codes, ", ", dotted(v, ip, sizeof(ip)));
            break;
        case DNSL_CODE_ERROR:
            add(bad, ", ", dotted(v, ip, sizeof(ip)));
            break;
        case DNSL_CODE_OTHER:
            add(other, ", ", dotted(v, ip, sizeof(ip)));
            break;
        }
    }
    return codes[0] ? ZONE_LISTED : bad[0] ? ZONE_ERROR : ZONE_NOT;
}

/* quote_txt - "; TEXT" of a TXT answer, printable ASCII only, at most
 * DNSL_TXT_MAX characters (it may end up in an SMTP reply) */
static void quote_txt(const struct dns_result *txt, char *codes)
{
    char text[DNSL_TXT_MAX + 3] = "; ";
    size_t n = 2;
    if (txt == NULL || txt->status != DNS_FOUND || txt->count == 0)
        return;
    for (size_t i = 0; i < txt->rr[0].u.txt.len && n < DNSL_TXT_MAX + 2; i++) {
        unsigned char ch = (unsigned char)txt->rr[0].u.txt.data[i];
        text[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    text[n] = '\0';
    cat(codes, text);
}

/* one_zone - a zone's state, with its part of the reason added to t */
static enum zone_state one_zone(const struct dnsl_answer *a, struct tally *t)
{
    char codes[DNSL_TEXT] = "", bad[DNSL_TEXT] = "", other[DNSL_TEXT] = "", text[DNSL_TEXT + 300];
    enum zone_state st = ZONE_NOT;
    if (a->r != NULL && a->r->status == DNS_TRYLATER) {
        snprintf(bad, sizeof(bad), "%s", a->r->why ? a->r->why : "try-later");
        st = ZONE_ERROR;
    } else if (a->r != NULL && a->r->status == DNS_FOUND) {
        st = found(a, codes, bad, other);
    }
    if (st == ZONE_LISTED)
        quote_txt(a->txt, codes);
    if (other[0]) {
        snprintf(text, sizeof(text), "%s answered %s", a->zone->zone, other);
        add(t->other, ", ", text);
    }
    if (st == ZONE_NOT)
        return st;
    snprintf(text, sizeof(text), "%s (%s)", a->zone->zone, st == ZONE_LISTED ? codes : bad);
    add(st == ZONE_LISTED ? t->listed : t->errors, ", ", text);
    *(st == ZONE_LISTED ? &t->score : &t->doubt) += a->zone->weight;
    return st;
}

/* dnsl_decide - sum the weights, then the word and its reason */
enum dnsl_word dnsl_decide(const struct dnsl_settings *s, const struct dnsl_answer *ans,
                           const char *subject, char *reason, size_t len, uint32_t *listed)
{
    struct tally t = {0};
    if (listed)
        *listed = 0;
    for (size_t i = 0; i < s->nzones; i++)
        if (one_zone(&ans[i], &t) == ZONE_LISTED && listed && i < 32)
            *listed |= 1u << i;
    if (t.score >= s->threshold) {
        snprintf(reason, len, "%s is listed in %s", subject, t.listed);
        return DNSL_LISTED;
    }
    if (t.errors[0] && t.score + t.doubt >= s->threshold) {
        snprintf(reason, len, "%s could not be checked: %s%s%s", subject, t.errors,
                 t.listed[0] ? "; listed in " : "", t.listed);
        return DNSL_TEMPERROR;
    }
    if (t.listed[0])
        snprintf(reason, len, "%s is listed in %s only (weight %g, below %g)", subject, t.listed,
                 t.score, s->threshold);
    else
        snprintf(reason, len, "%s is not listed%s%s%s", subject, t.other[0] ? "; " : "", t.other,
                 t.other[0] ? " (not a listing code)" : "");
    return DNSL_NOTLISTED;
}
