/* dns_msg.c - parse a raw DNS reply into a dns_result; every read is bounded */
#include "dns_msg.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_LEN 12
#define RR_FIXED 10 /* type, class, ttl, rdlength */
#define NAME_WIRE_MAX 255
#define CLASS_IN 1
#define SOA_FIXED 20 /* serial, refresh, retry, expire, minimum */

#define FLAG_QR 0x8000
#define FLAG_TC 0x0200

enum rcode {
    RCODE_NOERROR = 0,
    RCODE_FORMERR = 1,
    RCODE_SERVFAIL = 2,
    RCODE_NXDOMAIN = 3,
    RCODE_NOTIMP = 4,
    RCODE_REFUSED = 5,
};

/* The reply being read. */
struct msg {
    const unsigned char *buf;
    size_t len;
};

/* Where one resource record sits; its owner name and RDATA bounds are checked. */
struct rrpos {
    size_t owner;
    size_t rd;
    uint16_t type, class, rdlen;
    uint32_t ttl;
};

/* What the parse found so far. */
struct parse {
    const char *qname;
    uint16_t qtype;
    int rcode;
    struct rrpos *an, *ns; /* an and ns point into one allocation */
    size_t nan, nns;
    char final[DNS_NAME_TEXT_MAX]; /* the end of the CNAME chain */
    uint32_t chain_ttl;            /* min TTL of the CNAMEs followed */
};

enum item_kind {
    ITEM_PLAIN = 0,
    ITEM_HOST,
    ITEM_TXT,
};

/* One decoded record; its string lives at soff in build.str. */
struct item {
    struct dns_rr rr;
    enum item_kind kind;
    size_t soff, slen;
};

/* Records of the asked type, before they are packed into one block. */
struct build {
    struct item *items;
    size_t n;
    char *str;
    size_t slen, scap;
};

_Static_assert(sizeof(struct dns_result) % _Alignof(struct dns_rr) == 0,
               "rr[] can follow the result in one block");

/* get16 - big-endian 16 bits */
static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* get32 - big-endian 32 bits */
static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ttl_sane - RFC 2181 §8: a TTL with the top bit set counts as zero */
static uint32_t ttl_sane(uint32_t ttl)
{
    return ttl > 0x7fffffffu ? 0 : ttl;
}

/* min32 - the smaller of two TTLs */
static uint32_t min32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* label_text - one label in text form (lowercase, escaped); returns chars written */
static size_t label_text(const unsigned char *p, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (c == '.' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x21 || c > 0x7e) {
            o += (size_t)snprintf(out + o, 5, "\\%03u", c);
        } else {
            out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
    }
    return o;
}

/* dns_msg_name_read - text form of the compressed name at *off */
int dns_msg_name_read(const unsigned char *buf, size_t len, size_t *off, char *out)
{
    size_t pos = *off, limit = *off, wire = 0, o = 0;
    int jumped = 0;
    for (;;) {
        if (pos >= len)
            return -1;
        unsigned c = buf[pos];
        if ((c & 0xc0) == 0xc0) {
            if (len - pos < 2)
                return -1;
            size_t target = (size_t)(c & 0x3f) << 8 | buf[pos + 1];
            if (target >= limit)
                return -1; /* only strictly backwards: no loop can form */
            if (!jumped)
                *off = pos + 2;
            jumped = 1;
            pos = limit = target;
            continue;
        }
        if (c & 0xc0)
            return -1; /* extended and binary labels are not used */
        wire += c + 1;
        if (wire > NAME_WIRE_MAX || len - pos - 1 < c)
            return -1;
        if (c == 0)
            break;
        if (o > 0)
            out[o++] = '.';
        o += label_text(buf + pos + 1, c, out + o);
        pos += 1 + c;
    }
    out[o] = '\0';
    if (!jumped)
        *off = pos + 1;
    return 0;
}

/* name_at - read a name that must end by end (RDATA names) */
static int name_at(const struct msg *m, size_t *off, size_t end, char *out)
{
    if (dns_msg_name_read(m->buf, m->len, off, out) < 0)
        return -1;
    return *off <= end ? 0 : -1;
}

/* owner_is - whether the record's owner name is name */
static int owner_is(const struct msg *m, const struct rrpos *rr, const char *name)
{
    char owner[DNS_NAME_TEXT_MAX];
    size_t off = rr->owner;
    return dns_msg_name_read(m->buf, m->len, &off, owner) == 0 && strcmp(owner, name) == 0;
}

/* rr_read - the record at *off, its owner checked and RDATA inside the packet */
static int rr_read(const struct msg *m, size_t *off, struct rrpos *rr)
{
    char owner[DNS_NAME_TEXT_MAX];
    rr->owner = *off;
    if (dns_msg_name_read(m->buf, m->len, off, owner) < 0 || m->len - *off < RR_FIXED)
        return -1;
    const unsigned char *p = m->buf + *off;
    rr->type = get16(p);
    rr->class = get16(p + 2);
    rr->ttl = ttl_sane(get32(p + 4));
    rr->rdlen = get16(p + 8);
    rr->rd = *off + RR_FIXED;
    if (m->len - rr->rd < rr->rdlen)
        return -1;
    *off = rr->rd + rr->rdlen;
    return 0;
}

/* question_check - exactly one question, and it is ours */
static int question_check(const struct msg *m, size_t *off, const struct parse *p)
{
    char name[DNS_NAME_TEXT_MAX];
    if (get16(m->buf + 4) != 1)
        return -1;
    *off = HDR_LEN;
    if (dns_msg_name_read(m->buf, m->len, off, name) < 0 || m->len - *off < 4)
        return -1;
    uint16_t type = get16(m->buf + *off), class = get16(m->buf + *off + 2);
    *off += 4;
    return strcmp(name, p->qname) == 0 && type == p->qtype && class == CLASS_IN ? 0 : -1;
}

/* sections_read - the answer and authority records; counts must not lie */
static int sections_read(const struct msg *m, size_t off, struct parse *p)
{
    p->nan = get16(m->buf + 6);
    p->nns = get16(m->buf + 8);
    size_t n = p->nan + p->nns;
    if (n > (m->len - off) / (1 + RR_FIXED))
        return -1; /* every record needs at least a root name and the fixed part */
    p->an = xcalloc(n ? n : 1, sizeof(*p->an));
    p->ns = p->an + p->nan;
    for (size_t i = 0; i < n; i++)
        if (rr_read(m, &off, &p->an[i]) < 0)
            return -1;
    return 0;
}

/* find_owned - the first IN record of type owned by name in the answer */
static const struct rrpos *find_owned(const struct msg *m, const struct parse *p, const char *name,
                                      uint16_t type)
{
    for (size_t i = 0; i < p->nan; i++) {
        const struct rrpos *rr = &p->an[i];
        if (rr->type == type && rr->class == CLASS_IN && owner_is(m, rr, name))
            return rr;
    }
    return NULL;
}

/* chain_follow - follow CNAMEs from the question name to p->final */
static const char *chain_follow(const struct msg *m, struct parse *p)
{
    strlcpy_(p->final, p->qname, sizeof(p->final));
    p->chain_ttl = UINT32_MAX;
    if (p->qtype == DNS_T_CNAME)
        return NULL;
    for (int hops = 0;; hops++) {
        if (find_owned(m, p, p->final, p->qtype))
            return NULL;
        const struct rrpos *c = find_owned(m, p, p->final, DNS_T_CNAME);
        if (c == NULL)
            return NULL;
        if (hops == DNS_CNAME_MAX)
            return "cname-loop";
        size_t off = c->rd;
        if (name_at(m, &off, c->rd + c->rdlen, p->final) < 0 || off != c->rd + c->rdlen)
            return "malformed";
        p->chain_ttl = min32(p->chain_ttl, c->ttl);
    }
}

/* str_put - append n bytes to the string area; returns their offset */
static size_t str_put(struct build *b, const void *data, size_t n)
{
    if (b->scap - b->slen < n) {
        b->scap = (b->scap + n) * 2;
        b->str = xrealloc(b->str, b->scap);
    }
    size_t off = b->slen;
    memcpy(b->str + off, data, n);
    b->slen += n;
    return off;
}

/* host_decode - a name filling the RDATA from off (PTR, CNAME, NS, MX) */
static int host_decode(const struct msg *m, size_t off, size_t end, struct build *b,
                       struct item *it)
{
    char name[DNS_NAME_TEXT_MAX];
    if (name_at(m, &off, end, name) < 0 || off != end)
        return -1;
    it->kind = ITEM_HOST;
    it->slen = strlen(name);
    it->soff = str_put(b, name, it->slen + 1);
    return 0;
}

/* soa_decode - MNAME as the host; RNAME and the counters must fill the RDATA */
static int soa_decode(const struct msg *m, const struct rrpos *rr, struct build *b, struct item *it)
{
    char mname[DNS_NAME_TEXT_MAX], rname[DNS_NAME_TEXT_MAX];
    size_t off = rr->rd, end = rr->rd + rr->rdlen;
    if (name_at(m, &off, end, mname) < 0 || name_at(m, &off, end, rname) < 0)
        return -1;
    if (end - off != SOA_FIXED)
        return -1;
    it->kind = ITEM_HOST;
    it->slen = strlen(mname);
    it->soff = str_put(b, mname, it->slen + 1);
    return 0;
}

/* txt_decode - the character-strings of one TXT record, concatenated */
static int txt_decode(const struct msg *m, const struct rrpos *rr, struct build *b, struct item *it)
{
    size_t off = rr->rd, end = rr->rd + rr->rdlen, start = b->slen;
    while (off < end) {
        size_t n = m->buf[off];
        if (end - off - 1 < n)
            return -1;
        str_put(b, m->buf + off + 1, n);
        off += 1 + n;
    }
    str_put(b, "", 1);
    it->kind = ITEM_TXT;
    it->soff = start;
    it->slen = b->slen - start - 1;
    return 0;
}

/* rr_decode - one record of the asked type into the next item */
static int rr_decode(const struct msg *m, const struct rrpos *rr, struct build *b)
{
    struct item *it = &b->items[b->n++];
    *it = (struct item){.rr.ttl = rr->ttl};
    switch (rr->type) {
    case DNS_T_A:
        if (rr->rdlen != sizeof(it->rr.u.a))
            return -1;
        memcpy(it->rr.u.a, m->buf + rr->rd, sizeof(it->rr.u.a));
        return 0;
    case DNS_T_AAAA:
        if (rr->rdlen != sizeof(it->rr.u.aaaa))
            return -1;
        memcpy(it->rr.u.aaaa, m->buf + rr->rd, sizeof(it->rr.u.aaaa));
        return 0;
    case DNS_T_MX:
        if (rr->rdlen < 3)
            return -1;
        it->rr.u.host.pref = get16(m->buf + rr->rd);
        return host_decode(m, rr->rd + 2, rr->rd + rr->rdlen, b, it);
    case DNS_T_NS:
    case DNS_T_CNAME:
    case DNS_T_PTR:
        return host_decode(m, rr->rd, rr->rd + rr->rdlen, b, it);
    case DNS_T_SOA:
        return soa_decode(m, rr, b, it);
    case DNS_T_TXT:
        return txt_decode(m, rr, b, it);
    default:
        return 0;
    }
}

/* collect - decode every IN record of the asked type owned by the chain's end */
static int collect(const struct msg *m, const struct parse *p, struct build *b)
{
    b->items = xcalloc(p->nan ? p->nan : 1, sizeof(*b->items));
    for (size_t i = 0; i < p->nan; i++) {
        const struct rrpos *rr = &p->an[i];
        if (rr->type != p->qtype || rr->class != CLASS_IN || !owner_is(m, rr, p->final))
            continue;
        if (rr_decode(m, rr, b) < 0)
            return -1;
    }
    return 0;
}

/* soa_ttl - RFC 2308 §5 negative TTL from the authority SOA: 1 found, 0 none, -1 bad */
static int soa_ttl(const struct msg *m, const struct parse *p, uint32_t *ttl)
{
    char name[DNS_NAME_TEXT_MAX];
    for (size_t i = 0; i < p->nns; i++) {
        const struct rrpos *rr = &p->ns[i];
        if (rr->type != DNS_T_SOA || rr->class != CLASS_IN)
            continue;
        size_t off = rr->rd, end = rr->rd + rr->rdlen;
        if (name_at(m, &off, end, name) < 0 || name_at(m, &off, end, name) < 0)
            return -1;
        if (end - off != SOA_FIXED)
            return -1;
        *ttl = min32(rr->ttl, ttl_sane(get32(m->buf + off + 16)));
        return 1;
    }
    return 0;
}

/* result_pack - the result, its records and all strings in one heap block */
static struct dns_result *result_pack(enum dns_status status, const char *name, uint16_t type,
                                      const struct build *b)
{
    size_t nlen = strlen(name) + 1, rrsize = b->n * sizeof(struct dns_rr);
    char *block = xmalloc(sizeof(struct dns_result) + rrsize + nlen + b->slen);
    struct dns_result *res = (struct dns_result *)block;
    struct dns_rr *rr = (struct dns_rr *)(block + sizeof(*res));
    char *names = block + sizeof(*res) + rrsize, *strs = names + nlen;
    memcpy(names, name, nlen);
    if (b->slen)
        memcpy(strs, b->str, b->slen);
    for (size_t i = 0; i < b->n; i++) {
        rr[i] = b->items[i].rr;
        if (b->items[i].kind == ITEM_HOST)
            rr[i].u.host.name = strs + b->items[i].soff;
        if (b->items[i].kind == ITEM_TXT) {
            rr[i].u.txt.data = strs + b->items[i].soff;
            rr[i].u.txt.len = b->items[i].slen;
        }
    }
    *res = (struct dns_result){
        .status = status, .type = type, .name = names, .count = b->n, .rr = b->n ? rr : NULL};
    return res;
}

/* dns_msg_result - a result without records */
struct dns_result *dns_msg_result(enum dns_status status, const char *why, const char *name,
                                  uint16_t type)
{
    struct build empty = {0};
    struct dns_result *res = result_pack(status, name, type, &empty);
    res->why = why;
    return res;
}

/* rcode_why - the try-later reason for an error RCODE */
static const char *rcode_why(int rcode)
{
    static const char *const why[] = {
        [RCODE_FORMERR] = "FORMERR",
        [RCODE_SERVFAIL] = "SERVFAIL",
        [RCODE_NOTIMP] = "NOTIMP",
        [RCODE_REFUSED] = "REFUSED",
    };
    if (rcode >= 0 && (size_t)rcode < ARRAY_LEN(why) && why[rcode])
        return why[rcode];
    return "rcode";
}

/* header_check - a response to a standard query, not truncated, with our question */
static const char *header_check(const struct msg *m, struct parse *p, size_t *off)
{
    if (m->len < HDR_LEN)
        return "malformed";
    uint16_t flags = get16(m->buf + 2);
    if (!(flags & FLAG_QR) || (flags >> 11 & 0xf) != 0)
        return "malformed";
    p->rcode = flags & 0xf;
    if (p->rcode != RCODE_NOERROR && p->rcode != RCODE_NXDOMAIN)
        return rcode_why(p->rcode);
    if (flags & FLAG_TC)
        return "truncated";
    if (question_check(m, off, p) < 0)
        return "malformed";
    return NULL;
}

/* negative - NXDOMAIN or NODATA with the SOA-derived TTL */
static const char *negative(const struct msg *m, const struct parse *p, enum dns_status st,
                            struct dns_reply *out)
{
    uint32_t ttl = 0;
    int has = soa_ttl(m, p, &ttl);
    if (has < 0)
        return "malformed";
    struct build empty = {0};
    out->result = result_pack(st, p->qname, p->qtype, &empty);
    out->ttl = min32(ttl, p->chain_ttl);
    out->has_ttl = has;
    return NULL;
}

/* positive - the records found, TTL the minimum over them and the chain */
static void positive(const struct parse *p, const struct build *b, struct dns_reply *out)
{
    uint32_t ttl = p->chain_ttl;
    for (size_t i = 0; i < b->n; i++)
        ttl = min32(ttl, b->items[i].rr.ttl);
    out->result = result_pack(DNS_FOUND, p->qname, p->qtype, b);
    out->ttl = ttl;
    out->has_ttl = 1;
}

/* parse - the whole reply into out; returns a try-later reason or NULL */
static const char *parse(const struct msg *m, struct parse *p, struct build *b,
                         struct dns_reply *out)
{
    size_t off = 0;
    const char *why = header_check(m, p, &off);
    if (why)
        return why;
    if (sections_read(m, off, p) < 0)
        return "malformed";
    why = chain_follow(m, p);
    if (why)
        return why;
    if (p->rcode == RCODE_NXDOMAIN)
        return negative(m, p, DNS_NXDOMAIN, out);
    if (collect(m, p, b) < 0)
        return "malformed";
    if (b->n == 0)
        return negative(m, p, DNS_NODATA, out);
    positive(p, b, out);
    return NULL;
}

/* dns_msg_parse - a reply to (qname, qtype) into a result; try-later if bad */
void dns_msg_parse(const unsigned char *buf, size_t len, const char *qname, uint16_t qtype,
                   struct dns_reply *out)
{
    struct msg m = {.buf = buf, .len = buf ? len : 0};
    struct parse *p = xcalloc(1, sizeof(*p));
    struct build b = {0};
    p->qname = qname;
    p->qtype = qtype;
    *out = (struct dns_reply){0};
    const char *why = parse(&m, p, &b, out);
    if (why) {
        free(out->result);
        *out = (struct dns_reply){.result = dns_msg_result(DNS_TRYLATER, why, qname, qtype)};
    }
    free(p->an);
    free(p);
    free(b.items);
    free(b.str);
}
