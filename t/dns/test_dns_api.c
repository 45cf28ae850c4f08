/* test_dns_api.c - the resolver's API without a DNS server: names, specs, handles */
#include "testing.h"
#include "dns.h"
#include "util.h"

/* One T(name) line per case: CMake reads these lines to register the tests. */
#define DNS_API_TESTS(T)                                  \
    T(dns_reverse_name_ipv4_ipv6_and_mapped)              \
    T(dns_reverse_name_rejects_garbage_and_short_buffers) \
    T(dns_status_name_names_every_status)                 \
    T(dns_create_rejects_bad_server_specs)                \
    T(dns_create_accepts_v4_v6_and_ports)                 \
    T(dns_reconfigure_rejects_bad_spec_and_keeps_running) \
    T(dns_submit_bad_names_trylater_without_packet)

/* settings - one server, short timeouts */
static struct dns_settings settings(const char *const *servers, size_t n)
{
    return (struct dns_settings){
        .servers = servers,
        .nservers = n,
        .timeout_ms = 300,
        .tries = 1,
        .cache_entries = 100,
        .max_ttl = 3600,
        .max_neg_ttl = 300,
    };
}

/* dns_reverse_name_ipv4_ipv6_and_mapped - the three address forms */
static void dns_reverse_name_ipv4_ipv6_and_mapped(void)
{
    char buf[128];
    CHECK_INT(dns_reverse_name("192.0.2.1", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "1.2.0.192.in-addr.arpa");
    CHECK_INT(dns_reverse_name("::ffff:192.0.2.1", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "1.2.0.192.in-addr.arpa");
    CHECK_INT(dns_reverse_name("2001:db8::567:89ab", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    CHECK_INT(dns_reverse_name("::1", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
}

/* dns_reverse_name_rejects_garbage_and_short_buffers - -1, never overflow */
static void dns_reverse_name_rejects_garbage_and_short_buffers(void)
{
    char buf[128];
    CHECK_INT(dns_reverse_name("192.0.2", buf, sizeof(buf)), -1);
    CHECK_INT(dns_reverse_name("mail.example.test", buf, sizeof(buf)), -1);
    CHECK_INT(dns_reverse_name("", buf, sizeof(buf)), -1);
    CHECK_INT(dns_reverse_name("192.0.2.1", buf, 22), -1);
    CHECK_INT(dns_reverse_name("192.0.2.1", buf, 23), 0);
    CHECK_INT(dns_reverse_name("2001:db8::1", buf, 72), -1);
    CHECK_INT(dns_reverse_name("2001:db8::1", buf, 73), 0);
}

/* dns_status_name_names_every_status - the log words */
static void dns_status_name_names_every_status(void)
{
    CHECK_STR(dns_status_name(DNS_TRYLATER), "try-later");
    CHECK_STR(dns_status_name(DNS_FOUND), "found");
    CHECK_STR(dns_status_name(DNS_NXDOMAIN), "nxdomain");
    CHECK_STR(dns_status_name(DNS_NODATA), "nodata");
    CHECK_STR(dns_status_name((enum dns_status)42), "try-later");
}

/* dns_create_rejects_bad_server_specs - NULL and a message naming the spec */
static void dns_create_rejects_bad_server_specs(void)
{
    static const char *const bad[] = {
        "1.2.3.4:0", "1.2.3.4:70000", "1.2.3.4:",    "[::1",
        "[::1]x",    "[::1]:",        "[1.2.3.4]:x", "dns.example.test",
        "",          "1.2.3.4:53:53", "1.2.3.4: 53", "1.2.3.4:-53",
        "[]:53",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[256] = "";
        struct dns_settings s = settings(&bad[i], 1);
        struct dns_resolver *r = dns_create(&s, err, sizeof(err));
        if (r != NULL)
            fprintf(stderr, "accepted bad spec \"%s\"\n", bad[i]);
        CHECK(r == NULL);
        CHECK(strstr(err, "bad DNS server") != NULL);
    }
}

/* dns_create_accepts_v4_v6_and_ports - every documented form */
static void dns_create_accepts_v4_v6_and_ports(void)
{
    static const char *const good[] = {
        "127.0.0.1", "127.0.0.1:5353", "[::1]", "[::1]:5353", "::1",
    };
    char err[256] = "";
    struct dns_settings s = settings(good, sizeof(good) / sizeof(good[0]));
    struct dns_resolver *r = dns_create(&s, err, sizeof(err));
    if (r == NULL)
        fprintf(stderr, "dns_create: %s\n", err);
    CHECK(r != NULL);
    dns_destroy(&r);
    CHECK(r == NULL);
    dns_destroy(&r); /* NULL is fine */
}

/* dns_reconfigure_rejects_bad_spec_and_keeps_running - -1, old settings stay */
static void dns_reconfigure_rejects_bad_spec_and_keeps_running(void)
{
    static const char *const one[] = {"127.0.0.1:5353"}, *const bad[] = {"999.0.0.1"};
    char err[256] = "";
    struct dns_settings s = settings(one, 1);
    struct dns_resolver *r = dns_create(&s, err, sizeof(err));
    CHECK(r != NULL);
    s = settings(bad, 1);
    CHECK_INT(dns_reconfigure(r, &s, err, sizeof(err)), -1);
    CHECK(strstr(err, "999.0.0.1") != NULL);
    s = settings(one, 1);
    CHECK_INT(dns_reconfigure(r, &s, err, sizeof(err)), 0);
    CHECK_INT(dns_reconfigure(r, &s, err, sizeof(err)), 0); /* twice before the thread looks */
    dns_destroy(&r);
}

/* dns_submit_bad_names_trylater_without_packet - "badname", nothing sent */
static void dns_submit_bad_names_trylater_without_packet(void)
{
    static const char *const one[] = {"127.0.0.1:5353"};
    char label[70], longname[300];
    memset(label, 'a', 64);
    label[64] = '\0';
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    for (size_t i = 1; i < sizeof(longname) - 1; i += 50)
        longname[i] = '.';
    const char *bad[] = {"",       ".",        "a..b",       "..",       label,
                         longname, "a b.test", "a\\.b.test", "\xff.test"};
    char err[256] = "";
    struct dns_settings s = settings(one, 1);
    struct dns_resolver *r = dns_create(&s, err, sizeof(err));
    CHECK(r != NULL);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct dns_query *q = dns_submit(r, bad[i], DNS_T_A);
        const struct dns_result *res = dns_ready(q);
        CHECK(res != NULL);
        CHECK(res == dns_wait(q, now_mono_ms()));
        CHECK_INT(res->status, DNS_TRYLATER);
        CHECK_STR(res->why, "badname");
        dns_release(&q);
        CHECK(q == NULL);
    }
    struct dns_stats st;
    dns_get_stats(r, &st);
    CHECK_INT(st.sent, 0);
    CHECK_INT(st.submitted, sizeof(bad) / sizeof(bad[0]));
    CHECK_INT(st.trylater, sizeof(bad) / sizeof(bad[0]));
    dns_release(NULL);
    dns_destroy(&r);
}

#define AS_CASE(fn_) {.name = #fn_, .fn = fn_},
static const struct test_case cases[] = {DNS_API_TESTS(AS_CASE)};

int main(int argc, char **argv)
{
    return test_run(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
