/* test_dns_msg.c - the reply parser on crafted and hostile packets */
#include "testing.h"
#include "dns_msg.h"
#include "pkt.h"

#include <arpa/inet.h>

/* One T(name) line per case: CMake reads these lines to register the tests. */
#define DNS_MSG_TESTS(T)                           \
    T(dns_msg_parses_a_answer)                     \
    T(dns_msg_parses_aaaa_answer)                  \
    T(dns_msg_parses_ptr_answer)                   \
    T(dns_msg_parses_compressed_mx_answer)         \
    T(dns_msg_concatenates_txt_strings)            \
    T(dns_msg_follows_cname_chain_with_min_ttl)    \
    T(dns_msg_gives_cname_itself_when_asked)       \
    T(dns_msg_stops_cname_loop)                    \
    T(dns_msg_nxdomain_ttl_from_soa_minimum)       \
    T(dns_msg_nodata_ttl_from_soa_ttl)             \
    T(dns_msg_negative_without_soa_not_cacheable)  \
    T(dns_msg_rejects_compression_loop)            \
    T(dns_msg_rejects_forward_compression_pointer) \
    T(dns_msg_rejects_every_truncated_prefix)      \
    T(dns_msg_rejects_lying_counts)                \
    T(dns_msg_rejects_oversized_name)              \
    T(dns_msg_rejects_rdlength_overrun)            \
    T(dns_msg_rejects_bad_rdata_sizes)             \
    T(dns_msg_rejects_foreign_question)            \
    T(dns_msg_maps_error_rcodes_to_trylater)       \
    T(dns_msg_rejects_truncated_flag)              \
    T(dns_msg_escapes_odd_bytes_in_names)          \
    T(dns_msg_survives_random_mutations)

static struct pkt P;

/* reply - a NOERROR/NXDOMAIN response header and our question */
static void reply(unsigned rcode, unsigned an, unsigned ns, const char *q, unsigned type)
{
    pkt_header(&P, 0x1234, PKT_QR | PKT_AA | rcode, 1, (uint16_t)an, (uint16_t)ns, 0);
    pkt_question(&P, q, type);
}

/* parse - run the parser on P */
static struct dns_reply parse(const char *q, unsigned type)
{
    struct dns_reply rep;
    dns_msg_parse(P.b, P.len, q, (uint16_t)type, &rep);
    CHECK(rep.result != NULL);
    CHECK_STR(rep.result->name, q);
    CHECK_INT(rep.result->type, type);
    return rep;
}

/* expect_trylater - the parse of P gives try-later with why */
static void expect_trylater(const char *q, unsigned type, const char *why)
{
    struct dns_reply rep = parse(q, type);
    CHECK_STR(dns_status_name(rep.result->status), "try-later");
    CHECK_STR(rep.result->why, why);
    CHECK_INT(rep.result->count, 0);
    CHECK(rep.result->rr == NULL);
    free(rep.result);
}

/* dns_msg_parses_a_answer - two A records, uppercase question echoed */
static void dns_msg_parses_a_answer(void)
{
    reply(0, 2, 0, "WWW.Example.TEST", DNS_T_A);
    pkt_a(&P, "www.example.test", 300, "192.0.2.1");
    pkt_a(&P, "Www.Example.Test", 200, "192.0.2.2");
    struct dns_reply rep = parse("www.example.test", DNS_T_A);
    CHECK_INT(rep.result->status, DNS_FOUND);
    CHECK(rep.result->why == NULL);
    CHECK_INT(rep.result->count, 2);
    CHECK(memcmp(rep.result->rr[0].u.a, "\xc0\x00\x02\x01", 4) == 0);
    CHECK(memcmp(rep.result->rr[1].u.a, "\xc0\x00\x02\x02", 4) == 0);
    CHECK_INT(rep.result->rr[0].ttl, 300);
    CHECK_INT(rep.ttl, 200);
    CHECK_INT(rep.has_ttl, 1);
    free(rep.result);
}

/* dns_msg_parses_aaaa_answer - one AAAA record */
static void dns_msg_parses_aaaa_answer(void)
{
    unsigned char want[16];
    inet_pton(AF_INET6, "2001:db8::1", want);
    reply(0, 1, 0, "v6.example.test", DNS_T_AAAA);
    size_t off = pkt_rr(&P, "v6.example.test", DNS_T_AAAA, 60);
    pkt_bytes(&P, want, 16);
    pkt_rr_end(&P, off);
    struct dns_reply rep = parse("v6.example.test", DNS_T_AAAA);
    CHECK_INT(rep.result->status, DNS_FOUND);
    CHECK_INT(rep.result->count, 1);
    CHECK(memcmp(rep.result->rr[0].u.aaaa, want, 16) == 0);
    CHECK_INT(rep.ttl, 60);
    free(rep.result);
}

/* dns_msg_parses_ptr_answer - a PTR target, lowercased, without trailing dot */
static void dns_msg_parses_ptr_answer(void)
{
    const char *q = "1.2.0.192.in-addr.arpa";
    reply(0, 1, 0, q, DNS_T_PTR);
    pkt_host(&P, q, DNS_T_PTR, 3600, "Mail.Example.TEST");
    struct dns_reply rep = parse(q, DNS_T_PTR);
    CHECK_INT(rep.result->status, DNS_FOUND);
    CHECK_INT(rep.result->count, 1);
    CHECK_STR(rep.result->rr[0].u.host.name, "mail.example.test");
    CHECK_INT(rep.result->rr[0].u.host.pref, 0);
    free(rep.result);
}

/* dns_msg_parses_compressed_mx_answer - owner and target use compression pointers */
static void dns_msg_parses_compressed_mx_answer(void)
{
    reply(0, 2, 0, "example.test", DNS_T_MX);
    for (unsigned pref = 10; pref <= 20; pref += 10) {
        pkt_u16(&P, 0xc00c); /* owner: the question name */
        pkt_u16(&P, DNS_T_MX);
        pkt_u16(&P, 1);
        pkt_u32(&P, 900);
        size_t rdlen = P.len;
        pkt_u16(&P, 0);
        pkt_u16(&P, pref);
        pkt_u8(&P, 3);
        pkt_bytes(&P, pref == 10 ? "mx1" : "mx2", 3);
        pkt_u16(&P, 0xc00c);
        pkt_rr_end(&P, rdlen);
    }
    struct dns_reply rep = parse("example.test", DNS_T_MX);
    CHECK_INT(rep.result->status, DNS_FOUND);
    CHECK_INT(rep.result->count, 2);
    CHECK_INT(rep.result->rr[0].u.host.pref, 10);
    CHECK_STR(rep.result->rr[0].u.host.name, "mx1.example.test");
    CHECK_INT(rep.result->rr[1].u.host.pref, 20);
    CHECK_STR(rep.result->rr[1].u.host.name, "mx2.example.test");
    free(rep.result);
}

/* dns_msg_concatenates_txt_strings - strings of one record joined, NUL kept */
static void dns_msg_concatenates_txt_strings(void)
{
    reply(0, 2, 0, "txt.example.test", DNS_T_TXT);
    size_t off = pkt_rr(&P, "txt.example.test", DNS_T_TXT, 60);
    pkt_u8(&P, 9);
    pkt_bytes(&P, "v=spf1 a ", 9);
    pkt_u8(&P, 0);
    pkt_u8(&P, 4);
    pkt_bytes(&P, "-a\0l", 4);
    pkt_rr_end(&P, off);
    off = pkt_rr(&P, "txt.example.test", DNS_T_TXT, 60);
    pkt_u8(&P, 5);
    pkt_bytes(&P, "other", 5);
    pkt_rr_end(&P, off);
    struct dns_reply rep = parse("txt.example.test", DNS_T_TXT);
    CHECK_INT(rep.result->status, DNS_FOUND);
    CHECK_INT(rep.result->count, 2);
    CHECK_INT(rep.result->rr[0].u.txt.len, 13);
    CHECK(memcmp(rep.result->rr[0].u.txt.data, "v=spf1 a -a\0l", 13) == 0);
    CHECK_INT(rep.result->rr[1].u.txt.len, 5);
    CHECK_STR(rep.result->rr[1].u.txt.data, "other");
    free(rep.result);
}

/* dns_msg_follows_cname_chain_with_min_ttl - only the chain's end counts */
static void dns_msg_follows_cname_chain_with_min_ttl(void)
{
    reply(0, 4, 0, "alias.example.test", DNS_T_A);
    pkt_host(&P, "alias.example.test", DNS_T_CNAME, 500, "alias2.example.test");
    pkt_a(&P, "unrelated.example.test", 1, "192.0.2.66");
    pkt_host(&P, "alias2.example.test", DNS_T_CNAME, 40, "WWW.example.test");
    pkt_a(&P, "www.example.test", 300, "192.0.2.1");
    struct dns_reply rep = parse("alias.example.test", DNS_T_A);
    CHECK_INT(rep.result->status, DNS_FOUND);
    CHECK_INT(rep.result->count, 1);
    CHECK(memcmp(rep.result->rr[0].u.a, "\xc0\x00\x02\x01", 4) == 0);
    CHECK_INT(rep.ttl, 40);
    free(rep.result);
}

/* dns_msg_gives_cname_itself_when_asked - a CNAME question is not followed */
static void dns_msg_gives_cname_itself_when_asked(void)
{
    reply(0, 1, 0, "alias.example.test", DNS_T_CNAME);
    pkt_host(&P, "alias.example.test", DNS_T_CNAME, 500, "www.example.test");
    struct dns_reply rep = parse("alias.example.test", DNS_T_CNAME);
    CHECK_INT(rep.result->status, DNS_FOUND);
    CHECK_STR(rep.result->rr[0].u.host.name, "www.example.test");
    free(rep.result);
}

/* dns_msg_stops_cname_loop - a -> b -> a ends in try-later, not a hang */
static void dns_msg_stops_cname_loop(void)
{
    reply(0, 2, 0, "a.example.test", DNS_T_A);
    pkt_host(&P, "a.example.test", DNS_T_CNAME, 60, "b.example.test");
    pkt_host(&P, "b.example.test", DNS_T_CNAME, 60, "a.example.test");
    expect_trylater("a.example.test", DNS_T_A, "cname-loop");
}

/* dns_msg_nxdomain_ttl_from_soa_minimum - min(SOA TTL, MINIMUM), RFC 2308 §5 */
static void dns_msg_nxdomain_ttl_from_soa_minimum(void)
{
    reply(3, 0, 1, "nope.example.test", DNS_T_A);
    pkt_soa(&P, "example.test", 3600, 60);
    struct dns_reply rep = parse("nope.example.test", DNS_T_A);
    CHECK_INT(rep.result->status, DNS_NXDOMAIN);
    CHECK_INT(rep.result->count, 0);
    CHECK_INT(rep.ttl, 60);
    CHECK_INT(rep.has_ttl, 1);
    free(rep.result);
}

/* dns_msg_nodata_ttl_from_soa_ttl - the SOA's own TTL when it is smaller */
static void dns_msg_nodata_ttl_from_soa_ttl(void)
{
    reply(0, 0, 1, "www.example.test", DNS_T_AAAA);
    pkt_soa(&P, "example.test", 30, 600);
    struct dns_reply rep = parse("www.example.test", DNS_T_AAAA);
    CHECK_INT(rep.result->status, DNS_NODATA);
    CHECK_INT(rep.ttl, 30);
    CHECK_INT(rep.has_ttl, 1);
    free(rep.result);
    /* records of another type at the name are still NODATA */
    reply(0, 1, 1, "www.example.test", DNS_T_AAAA);
    pkt_a(&P, "www.example.test", 300, "192.0.2.1");
    pkt_soa(&P, "example.test", 30, 600);
    rep = parse("www.example.test", DNS_T_AAAA);
    CHECK_INT(rep.result->status, DNS_NODATA);
    free(rep.result);
}

/* dns_msg_negative_without_soa_not_cacheable - no SOA, no negative TTL */
static void dns_msg_negative_without_soa_not_cacheable(void)
{
    reply(3, 0, 0, "nope.example.test", DNS_T_A);
    struct dns_reply rep = parse("nope.example.test", DNS_T_A);
    CHECK_INT(rep.result->status, DNS_NXDOMAIN);
    CHECK_INT(rep.has_ttl, 0);
    free(rep.result);
}

/* dns_msg_rejects_compression_loop - a pointer to itself, and two pointing at each other */
static void dns_msg_rejects_compression_loop(void)
{
    reply(0, 1, 0, "www.example.test", DNS_T_A);
    pkt_u16(&P, 0xc000 | (unsigned)P.len); /* owner points at itself */
    pkt_u16(&P, DNS_T_A);
    pkt_u16(&P, 1);
    pkt_u32(&P, 60);
    pkt_u16(&P, 4);
    pkt_u32(&P, 0xc0000201);
    expect_trylater("www.example.test", DNS_T_A, "malformed");

    reply(0, 1, 0, "www.example.test", DNS_T_A);
    size_t first = P.len;
    pkt_u8(&P, 1);
    pkt_u8(&P, 'x');
    pkt_u16(&P, 0xc000 | (unsigned)(first + 4)); /* -> the pointer below */
    pkt_u16(&P, 0xc000 | (unsigned)first);       /* -> back to "x" */
    pkt_u16(&P, DNS_T_A);
    pkt_u16(&P, 1);
    pkt_u32(&P, 60);
    pkt_u16(&P, 4);
    pkt_u32(&P, 0xc0000201);
    expect_trylater("www.example.test", DNS_T_A, "malformed");
}

/* dns_msg_rejects_forward_compression_pointer - pointers must point backwards */
static void dns_msg_rejects_forward_compression_pointer(void)
{
    reply(0, 1, 0, "www.example.test", DNS_T_A);
    pkt_u16(&P, 0xc000 | (unsigned)(P.len + 16)); /* -> the name after this record */
    pkt_u16(&P, DNS_T_A);
    pkt_u16(&P, 1);
    pkt_u32(&P, 60);
    pkt_u16(&P, 4);
    pkt_u32(&P, 0xc0000201);
    pkt_name(&P, "www.example.test");
    expect_trylater("www.example.test", DNS_T_A, "malformed");
}

/* dns_msg_rejects_every_truncated_prefix - no prefix of a good reply is accepted */
static void dns_msg_rejects_every_truncated_prefix(void)
{
    reply(0, 2, 1, "example.test", DNS_T_MX);
    pkt_mx(&P, "example.test", 60, 10, "mx1.example.test");
    pkt_mx(&P, "example.test", 60, 20, "mx2.example.test");
    pkt_soa(&P, "example.test", 60, 60);
    size_t full = P.len;
    for (size_t len = 0; len < full; len++) {
        struct dns_reply rep;
        unsigned char *copy = malloc(len ? len : 1); /* exact size: ASan sees overreads */
        memcpy(copy, P.b, len);
        dns_msg_parse(copy, len, "example.test", DNS_T_MX, &rep);
        CHECK_INT(rep.result->status, DNS_TRYLATER);
        CHECK_STR(rep.result->why, "malformed");
        free(rep.result);
        free(copy);
    }
    struct dns_reply rep = parse("example.test", DNS_T_MX);
    CHECK_INT(rep.result->count, 2);
    free(rep.result);
}

/* dns_msg_rejects_lying_counts - more answers announced than present; huge counts */
static void dns_msg_rejects_lying_counts(void)
{
    reply(0, 3, 0, "www.example.test", DNS_T_A);
    pkt_a(&P, "www.example.test", 60, "192.0.2.1");
    expect_trylater("www.example.test", DNS_T_A, "malformed");
    reply(0, 2, 0, "www.example.test", DNS_T_A); /* 32 bytes could hold two records */
    pkt_a(&P, "www.example.test", 60, "192.0.2.1");
    expect_trylater("www.example.test", DNS_T_A, "malformed");
    reply(0, 1, 1, "www.example.test", DNS_T_A); /* the authority record is missing */
    pkt_a(&P, "www.example.test", 60, "192.0.2.1");
    pkt_bytes(&P, "\0\0\6\0\1\0\0\0\0\0\0\0", 12);
    P.len -= 2;
    expect_trylater("www.example.test", DNS_T_A, "malformed");
    reply(0, 0xffff, 0xffff, "www.example.test", DNS_T_A);
    pkt_a(&P, "www.example.test", 60, "192.0.2.1");
    expect_trylater("www.example.test", DNS_T_A, "malformed");
    pkt_header(&P, 1, PKT_QR, 2, 0, 0, 0); /* two questions */
    pkt_question(&P, "www.example.test", DNS_T_A);
    pkt_question(&P, "www.example.test", DNS_T_A);
    expect_trylater("www.example.test", DNS_T_A, "malformed");
}

/* dns_msg_rejects_oversized_name - over 255 octets, and label types 0x40/0x80 */
static void dns_msg_rejects_oversized_name(void)
{
    char label[64];
    memset(label, 'a', 63);
    label[63] = '\0';
    reply(0, 1, 0, "www.example.test", DNS_T_PTR);
    size_t off = pkt_rr(&P, "www.example.test", DNS_T_PTR, 60);
    for (int i = 0; i < 4; i++) { /* 4 * 64 + 1 = 257 octets */
        pkt_u8(&P, 63);
        pkt_bytes(&P, label, 63);
    }
    pkt_u8(&P, 0);
    pkt_rr_end(&P, off);
    expect_trylater("www.example.test", DNS_T_PTR, "malformed");

    reply(0, 1, 0, "www.example.test", DNS_T_PTR);
    off = pkt_rr(&P, "www.example.test", DNS_T_PTR, 60);
    pkt_u8(&P, 0x41); /* extended label type */
    pkt_bytes(&P, label, 63);
    pkt_u8(&P, 0);
    pkt_rr_end(&P, off);
    expect_trylater("www.example.test", DNS_T_PTR, "malformed");
}

/* dns_msg_rejects_rdlength_overrun - RDLENGTH beyond the packet or the name */
static void dns_msg_rejects_rdlength_overrun(void)
{
    reply(0, 1, 0, "www.example.test", DNS_T_A);
    pkt_rr(&P, "www.example.test", DNS_T_A, 60);
    pkt_set16(&P, P.len - 2, 100);
    pkt_u32(&P, 0xc0000201);
    expect_trylater("www.example.test", DNS_T_A, "malformed");
    /* a PTR name running past its RDLENGTH into the next bytes */
    reply(0, 1, 0, "www.example.test", DNS_T_PTR);
    size_t off = pkt_rr(&P, "www.example.test", DNS_T_PTR, 60);
    pkt_name(&P, "mail.example.test");
    pkt_set16(&P, off, 5);
    expect_trylater("www.example.test", DNS_T_PTR, "malformed");
}

/* dns_msg_rejects_bad_rdata_sizes - A of 5 bytes, TXT string past its end, MX too short */
static void dns_msg_rejects_bad_rdata_sizes(void)
{
    reply(0, 1, 0, "www.example.test", DNS_T_A);
    size_t off = pkt_rr(&P, "www.example.test", DNS_T_A, 60);
    pkt_bytes(&P, "\xc0\x00\x02\x01\x00", 5);
    pkt_rr_end(&P, off);
    expect_trylater("www.example.test", DNS_T_A, "malformed");

    reply(0, 1, 0, "txt.example.test", DNS_T_TXT);
    off = pkt_rr(&P, "txt.example.test", DNS_T_TXT, 60);
    pkt_u8(&P, 10);
    pkt_bytes(&P, "short", 5);
    pkt_rr_end(&P, off);
    expect_trylater("txt.example.test", DNS_T_TXT, "malformed");

    reply(0, 1, 0, "example.test", DNS_T_MX);
    off = pkt_rr(&P, "example.test", DNS_T_MX, 60);
    pkt_u16(&P, 10);
    pkt_rr_end(&P, off);
    expect_trylater("example.test", DNS_T_MX, "malformed");
}

/* dns_msg_rejects_foreign_question - another name, type, class, or a query packet */
static void dns_msg_rejects_foreign_question(void)
{
    reply(0, 1, 0, "evil.example.test", DNS_T_A);
    pkt_a(&P, "www.example.test", 60, "192.0.2.1");
    expect_trylater("www.example.test", DNS_T_A, "malformed");
    reply(0, 0, 0, "www.example.test", DNS_T_AAAA);
    expect_trylater("www.example.test", DNS_T_A, "malformed");
    pkt_header(&P, 1, PKT_QR, 1, 0, 0, 0);
    pkt_name(&P, "www.example.test");
    pkt_u16(&P, DNS_T_A);
    pkt_u16(&P, 3); /* CHAOS */
    expect_trylater("www.example.test", DNS_T_A, "malformed");
    pkt_header(&P, 1, 0, 1, 0, 0, 0); /* QR clear: a query, not a reply */
    pkt_question(&P, "www.example.test", DNS_T_A);
    expect_trylater("www.example.test", DNS_T_A, "malformed");
    pkt_header(&P, 1, PKT_QR, 0, 0, 0, 0); /* no question at all */
    expect_trylater("www.example.test", DNS_T_A, "malformed");
}

/* dns_msg_maps_error_rcodes_to_trylater - SERVFAIL is try-later, never NXDOMAIN */
static void dns_msg_maps_error_rcodes_to_trylater(void)
{
    static const struct {
        unsigned rcode;
        const char *why;
    } cases[] = {
        {.rcode = 1, .why = "FORMERR"}, {.rcode = 2, .why = "SERVFAIL"},
        {.rcode = 4, .why = "NOTIMP"},  {.rcode = 5, .why = "REFUSED"},
        {.rcode = 9, .why = "rcode"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        reply(cases[i].rcode, 0, 1, "www.example.test", DNS_T_A);
        pkt_soa(&P, "example.test", 60, 60);
        expect_trylater("www.example.test", DNS_T_A, cases[i].why);
    }
}

/* dns_msg_rejects_truncated_flag - a TC reply is never taken as complete */
static void dns_msg_rejects_truncated_flag(void)
{
    pkt_header(&P, 1, PKT_QR | PKT_TC, 1, 1, 0, 0);
    pkt_question(&P, "www.example.test", DNS_T_A);
    pkt_a(&P, "www.example.test", 60, "192.0.2.1");
    expect_trylater("www.example.test", DNS_T_A, "truncated");
}

/* dns_msg_escapes_odd_bytes_in_names - dot, backslash, space, 0xff escaped; case folded */
static void dns_msg_escapes_odd_bytes_in_names(void)
{
    reply(0, 1, 0, "www.example.test", DNS_T_PTR);
    size_t off = pkt_rr(&P, "www.example.test", DNS_T_PTR, 60);
    pkt_u8(&P, 7);
    pkt_bytes(&P, "A.b\\c \xff", 7);
    pkt_u8(&P, 4);
    pkt_bytes(&P, "TeST", 4);
    pkt_u8(&P, 0);
    pkt_rr_end(&P, off);
    struct dns_reply rep = parse("www.example.test", DNS_T_PTR);
    CHECK_INT(rep.result->status, DNS_FOUND);
    CHECK_STR(rep.result->rr[0].u.host.name, "a\\.b\\\\c\\032\\255.test");
    free(rep.result);
    char out[DNS_NAME_TEXT_MAX];
    size_t pos = 0;
    unsigned char root[] = {0};
    CHECK_INT(dns_msg_name_read(root, 1, &pos, out), 0);
    CHECK_STR(out, "");
    CHECK_INT(pos, 1);
}

/* dns_msg_survives_random_mutations - 100000 corrupted replies: no crash, sane results */
static void dns_msg_survives_random_mutations(void)
{
    reply(0, 3, 1, "alias.example.test", DNS_T_TXT);
    pkt_host(&P, "alias.example.test", DNS_T_CNAME, 60, "txt.example.test");
    size_t off = pkt_rr(&P, "txt.example.test", DNS_T_TXT, 60);
    pkt_u8(&P, 3);
    pkt_bytes(&P, "abc", 3);
    pkt_rr_end(&P, off);
    pkt_mx(&P, "example.test", 60, 10, "mx1.example.test");
    pkt_soa(&P, "example.test", 60, 60);
    struct pkt *orig = malloc(sizeof(*orig));
    *orig = P;
    unsigned seed = 12345;
    for (int round = 0; round < 100000; round++) {
        P = *orig;
        int flips = 1 + rand_r(&seed) % 4;
        for (int i = 0; i < flips; i++)
            P.b[12 + (size_t)rand_r(&seed) % (P.len - 12)] = (unsigned char)rand_r(&seed);
        P.len -= (size_t)(rand_r(&seed) % 8 == 0 ? rand_r(&seed) % 20 : 0);
        struct dns_reply rep;
        dns_msg_parse(P.b, P.len, "alias.example.test", DNS_T_TXT, &rep);
        const struct dns_result *r = rep.result;
        CHECK(r->status == DNS_FOUND ? r->count > 0 : r->count == 0);
        CHECK(r->status == DNS_TRYLATER ? r->why != NULL : r->why == NULL);
        for (size_t i = 0; i < r->count; i++)
            CHECK(r->rr[i].u.txt.data[r->rr[i].u.txt.len] == '\0');
        free(rep.result);
    }
    free(orig);
}

#define AS_CASE(fn_) {.name = #fn_, .fn = fn_},
static const struct test_case cases[] = {DNS_MSG_TESTS(AS_CASE)};

int main(int argc, char **argv)
{
    return test_run(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
