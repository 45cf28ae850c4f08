/* dmarc_record.c - DMARC record selection and parsing (RFC 7489 6.3, 6.6.3;
 * RFC 9989 4.7, 4.8, 4.10, 4.10.1) */
#include "dmarc_record.h"

#include "util.h"

#include <string.h>
#include <strings.h>

#define VERSION "DMARC1"
#define VERSION_LEN (sizeof(VERSION) - 1)

/* A piece of the record, not NUL-terminated. */
struct span {
    const char *s;
    size_t n;
};

/* Parsing state beside the record. */
struct parse {
    struct dmarc_record *rec;
    enum dmarc_std std;
    unsigned seen; /* bit per row of tags[]: a repeated tag keeps its first value */
    bool p_seen, sp_bad, np_bad;
};

static void tag_p(struct parse *ps, struct span v);
static void tag_sp(struct parse *ps, struct span v);
static void tag_np(struct parse *ps, struct span v);
static void tag_adkim(struct parse *ps, struct span v);
static void tag_aspf(struct parse *ps, struct span v);
static void tag_pct(struct parse *ps, struct span v);
static void tag_psd(struct parse *ps, struct span v);
static void tag_t(struct parse *ps, struct span v);
static void tag_rua(struct parse *ps, struct span v);

/* The tags with a meaning, and the texts that define them (RFC 9989 4.7
 * drops pct, adds psd and t; np comes from RFC 9091 under RFC 7489). */
static const struct tag_def {
    const char *name;
    void (*fn)(struct parse *ps, struct span v);
    bool rfc7489, rfc9989;
} tags[] = {
    {.name = "p", .fn = tag_p, .rfc7489 = true, .rfc9989 = true},
    {.name = "sp", .fn = tag_sp, .rfc7489 = true, .rfc9989 = true},
    {.name = "np", .fn = tag_np, .rfc7489 = true, .rfc9989 = true},
    {.name = "adkim", .fn = tag_adkim, .rfc7489 = true, .rfc9989 = true},
    {.name = "aspf", .fn = tag_aspf, .rfc7489 = true, .rfc9989 = true},
    {.name = "pct", .fn = tag_pct, .rfc7489 = true, .rfc9989 = false},
    {.name = "psd", .fn = tag_psd, .rfc7489 = false, .rfc9989 = true},
    {.name = "t", .fn = tag_t, .rfc7489 = false, .rfc9989 = true},
    {.name = "rua", .fn = tag_rua, .rfc7489 = true, .rfc9989 = true},
};

/* is_wsp, is_alpha, is_digit - ABNF classes */
static bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* trim - without leading and trailing WSP */
static struct span trim(struct span v)
{
    while (v.n > 0 && is_wsp(v.s[0])) {
        v.s++;
        v.n--;
    }
    while (v.n > 0 && is_wsp(v.s[v.n - 1]))
        v.n--;
    return v;
}

/* is_word - v is word, any case */
static bool is_word(struct span v, const char *word)
{
    return v.n == strlen(word) && strncasecmp(v.s, word, v.n) == 0;
}

/* policy_value - none, quarantine or reject into *out; false if none of them */
static bool policy_value(struct span v, enum dmarc_policy *out)
{
    static const char *const words[] = {
        [DMARC_POLICY_NONE] = "none",
        [DMARC_POLICY_QUARANTINE] = "quarantine",
        [DMARC_POLICY_REJECT] = "reject",
    };
    for (size_t i = DMARC_POLICY_NONE; i < ARRAY_LEN(words); i++)
        if (is_word(v, words[i])) {
            *out = (enum dmarc_policy)i;
            return true;
        }
    return false;
}

/* tag_p, tag_sp, tag_np - the policies; an invalid one stays UNSET */
static void tag_p(struct parse *ps, struct span v)
{
    ps->p_seen = true;
    (void)policy_value(v, &ps->rec->p);
}

static void tag_sp(struct parse *ps, struct span v)
{
    ps->sp_bad = !policy_value(v, &ps->rec->sp);
}

static void tag_np(struct parse *ps, struct span v)
{
    ps->np_bad = !policy_value(v, &ps->rec->np);
}

/* tag_adkim, tag_aspf - "r" or "s"; anything else keeps relaxed */
static void tag_adkim(struct parse *ps, struct span v)
{
    ps->rec->strict_dkim = is_word(v, "s");
}

static void tag_aspf(struct parse *ps, struct span v)
{
    ps->rec->strict_spf = is_word(v, "s");
}

/* tag_pct - 1*3DIGIT from 0 to 100; anything else keeps 100 */
static void tag_pct(struct parse *ps, struct span v)
{
    int pct = 0;
    if (v.n == 0 || v.n > 3)
        return;
    for (size_t i = 0; i < v.n; i++) {
        if (!is_digit(v.s[i]))
            return;
        pct = pct * 10 + (v.s[i] - '0');
    }
    if (pct <= 100)
        ps->rec->pct = pct;
}

/* tag_psd - "y", "n" or "u"; anything else keeps u */
static void tag_psd(struct parse *ps, struct span v)
{
    ps->rec->psd = is_word(v, "y") ? DMARC_PSD_Y : is_word(v, "n") ? DMARC_PSD_N : DMARC_PSD_U;
}

/* tag_t - "y" or "n"; anything else keeps n */
static void tag_t(struct parse *ps, struct span v)
{
    ps->rec->testing = is_word(v, "y");
}

/* size_ok - the obsolete "!size" suffix of a URI: 1*DIGIT [k/m/g/t] */
static bool size_ok(struct span v)
{
    if (v.n > 0 && v.s[v.n - 1] != '\0' && strchr("kmgtKMGT", v.s[v.n - 1]) != NULL)
        v.n--;
    for (size_t i = 0; i < v.n; i++)
        if (!is_digit(v.s[i]))
            return false;
    return v.n > 0;
}

/* uri_valid - an RFC 3986 absolute URI in outline: scheme ":" then at least
 * one printable byte other than "," and "!", maybe followed by "!size" */
static bool uri_valid(struct span u)
{
    const char *bang = memchr(u.s, '!', u.n);
    size_t i = 1, n = bang ? (size_t)(bang - u.s) : u.n;
    if (bang && !size_ok((struct span){.s = bang + 1, .n = u.n - n - 1}))
        return false;
    if (n == 0 || !is_alpha(u.s[0]))
        return false;
    while (i < n && (is_alpha(u.s[i]) || is_digit(u.s[i]) || u.s[i] == '+' || u.s[i] == '-' ||
                     u.s[i] == '.'))
        i++;
    if (i + 1 >= n || u.s[i] != ':')
        return false;
    for (i++; i < n; i++)
        if (u.s[i] <= ' ' || u.s[i] > '~' || u.s[i] == ',')
            return false;
    return true;
}

/* tag_rua - whether any element of the comma-separated list is a valid URI */
static void tag_rua(struct parse *ps, struct span v)
{
    while (v.n > 0 && !ps->rec->rua) {
        const char *comma = memchr(v.s, ',', v.n);
        size_t n = comma ? (size_t)(comma - v.s) : v.n;
        ps->rec->rua = uri_valid(trim((struct span){.s = v.s, .n = n}));
        v.s += comma ? n + 1 : n;
        v.n -= comma ? n + 1 : n;
    }
}

/* value_ok - dmarc-value: one or more of %x20-3A / %x3C-7E */
static bool value_ok(struct span v)
{
    for (size_t i = 0; i < v.n; i++)
        if (v.s[i] < 0x20 || v.s[i] > 0x7e)
            return false;
    return v.n > 0;
}

/* parse_term - one "name = value" term; other shapes are ignored */
static void parse_term(struct parse *ps, struct span term)
{
    const char *eq = memchr(term.s, '=', term.n);
    if (eq == NULL)
        return;
    struct span name = trim((struct span){.s = term.s, .n = (size_t)(eq - term.s)});
    struct span value = trim((struct span){.s = eq + 1, .n = (size_t)(term.s + term.n - eq - 1)});
    for (size_t i = 0; i < name.n; i++)
        if (!is_alpha(name.s[i]))
            return;
    for (size_t i = 0; i < ARRAY_LEN(tags); i++) {
        bool known = ps->std == DMARC_RFC9989 ? tags[i].rfc9989 : tags[i].rfc7489;
        if (!known || !is_word(name, tags[i].name) || (ps->seen & (1u << i)))
            continue;
        ps->seen |= 1u << i;
        tags[i].fn(ps, value_ok(value) ? value : (struct span){.s = "", .n = 0});
    }
}

/* version_end - offset of the first term after the version tag, or 0 */
static size_t version_end(const char *txt, size_t len)
{
    size_t i = 1;
    if (len == 0 || (txt[0] != 'v' && txt[0] != 'V'))
        return 0;
    while (i < len && is_wsp(txt[i]))
        i++;
    if (i == len || txt[i++] != '=')
        return 0;
    while (i < len && is_wsp(txt[i]))
        i++;
    if (len - i < VERSION_LEN || memcmp(txt + i, VERSION, VERSION_LEN) != 0)
        return 0;
    for (i += VERSION_LEN; i < len && is_wsp(txt[i]); i++)
        ;
    if (i == len)
        return i;
    return txt[i] == ';' ? i + 1 : 0;
}

/* dmarc_record_is_dmarc - starts with the exact version tag */
bool dmarc_record_is_dmarc(const char *txt, size_t len)
{
    return version_end(txt, len) > 0;
}

/* finish - defaults and the rules for invalid policies. Read in the
 * DMARCbis text published as RFC 9989 (draft-ietf-dmarc-dmarcbis-41): 4.7
 * "p": "If this tag is not present in an otherwise syntactically valid DMARC
 * Policy Record, then the record is treated as if it included p=none";
 * 4.10.1: a record without a valid p, or with an invalid sp or np, is p=none
 * when rua holds a syntactically valid URI, else no DMARC processing. RFC
 * 7489 6.6.3 says the same of p and sp, and p is required there. */
static enum dmarc_select finish(struct parse *ps)
{
    struct dmarc_record *rec = ps->rec;
    if (ps->std == DMARC_RFC9989 && !ps->p_seen)
        rec->p = DMARC_POLICY_NONE; /* 9989 4.7: no p tag means p=none */
    /* 7489 6.6.3 names p and sp only: an invalid np there is just absent */
    bool bad =
        rec->p == DMARC_POLICY_UNSET || ps->sp_bad || (ps->std == DMARC_RFC9989 && ps->np_bad);
    if (!bad)
        return DMARC_SELECT_FOUND;
    if (!rec->rua)
        return DMARC_SELECT_INVALID;
    /* 7489 6.6.3, 9989 4.10.1: "act as if a record containing p=none was
     * retrieved": no stricter sp or np survives either */
    rec->p = rec->sp = rec->np = DMARC_POLICY_NONE;
    rec->forced_none = true;
    return DMARC_SELECT_FOUND;
}

/* dmarc_record_parse - every term after the version */
enum dmarc_select dmarc_record_parse(const char *txt, size_t len, enum dmarc_std std,
                                     struct dmarc_record *out)
{
    struct parse ps = {.rec = out, .std = std};
    size_t i = version_end(txt, len);
    *out = (struct dmarc_record){.pct = 100};
    if (i == 0)
        return DMARC_SELECT_NONE;
    while (i < len) {
        const char *semi = memchr(txt + i, ';', len - i);
        size_t n = semi ? (size_t)(semi - (txt + i)) : len - i;
        parse_term(&ps, (struct span){.s = txt + i, .n = n});
        i += n + 1;
    }
    return finish(&ps);
}

/* dmarc_record_select - the one record among the strings */
enum dmarc_select dmarc_record_select(const char *const *txts, const size_t *lens, size_t n,
                                      enum dmarc_std std, struct dmarc_record *out)
{
    size_t found = 0, which = 0;
    *out = (struct dmarc_record){0};
    for (size_t i = 0; i < n; i++)
        if (dmarc_record_is_dmarc(txts[i], lens[i])) {
            found++;
            which = i;
        }
    if (found == 0)
        return DMARC_SELECT_NONE;
    if (found > 1)
        return DMARC_SELECT_MULTIPLE;
    return dmarc_record_parse(txts[which], lens[which], std, out);
}

/* dmarc_record_policy - p for the own domain, else np / sp / p */
enum dmarc_policy dmarc_record_policy(const struct dmarc_record *rec, bool own, bool exists)
{
    if (own)
        return rec->p;
    if (!exists && rec->np != DMARC_POLICY_UNSET)
        return rec->np;
    return rec->sp != DMARC_POLICY_UNSET ? rec->sp : rec->p;
}

/* dmarc_policy_word - log word of a policy */
const char *dmarc_policy_word(enum dmarc_policy policy)
{
    static const char *const words[] = {
        [DMARC_POLICY_UNSET] = "unset",
        [DMARC_POLICY_NONE] = "none",
        [DMARC_POLICY_QUARANTINE] = "quarantine",
        [DMARC_POLICY_REJECT] = "reject",
    };
    return (size_t)policy < ARRAY_LEN(words) ? words[policy] : "unset";
}

/* dmarc_select_word - log word of a selection */
const char *dmarc_select_word(enum dmarc_select sel)
{
    static const char *const words[] = {
        [DMARC_SELECT_NONE] = "none",         [DMARC_SELECT_FOUND] = "found",
        [DMARC_SELECT_INVALID] = "invalid",   [DMARC_SELECT_MULTIPLE] = "multiple",
        [DMARC_SELECT_TRYLATER] = "trylater",
    };
    return (size_t)sel < ARRAY_LEN(words) ? words[sel] : "none";
}
