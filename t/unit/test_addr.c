/* test_addr.c - addresses, CIDR networks and socket specs */
#include "addr.h"
#include "sockspec.h"
#include "testing.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static void ipv4_mapped_ipv6_is_folded_to_ipv4(void)
{
    struct ipaddr a, b;
    char buf[IPADDR_STRLEN];
    CHECK(ipaddr_parse("::ffff:192.0.2.7", &a) == 0);
    CHECK(ipaddr_parse("192.0.2.7", &b) == 0);
    CHECK(a.family == AF_INET);
    CHECK(ipaddr_equal(&a, &b));
    CHECK_STR(ipaddr_format(&a, buf, sizeof(buf)), "192.0.2.7");
}

static void non_addresses_are_refused(void)
{
    struct ipaddr a;
    CHECK(ipaddr_parse("192.0.2", &a) < 0);
    CHECK(ipaddr_parse("[::1]", &a) < 0);
    CHECK(ipaddr_parse("mx.example.org", &a) < 0);
    CHECK(ipaddr_parse("", &a) < 0);
}

static void cidr_matches_inside_and_not_outside(void)
{
    struct cidr c;
    struct ipaddr in, out, v6;
    char err[128];
    CHECK(cidr_parse("192.0.2.0/25", &c, err, sizeof(err)) == 0);
    ipaddr_parse("192.0.2.127", &in);
    ipaddr_parse("192.0.2.128", &out);
    ipaddr_parse("2001:db8::1", &v6);
    CHECK(cidr_match(&c, &in));
    CHECK(!cidr_match(&c, &out));
    CHECK(!cidr_match(&c, &v6));
    CHECK(cidr_parse("2001:db8::/33", &c, err, sizeof(err)) == 0);
    CHECK(cidr_match(&c, &v6));
    CHECK(cidr_parse("0.0.0.0/0", &c, err, sizeof(err)) == 0);
    CHECK(cidr_match(&c, &out));
}

static void cidr_refuses_host_bits_and_bad_prefixes(void)
{
    struct cidr c;
    char err[128];
    CHECK(cidr_parse("192.0.2.1/24", &c, err, sizeof(err)) < 0);
    CHECK_CONTAINS(err, "bits set beyond");
    CHECK(cidr_parse("192.0.2.0/33", &c, err, sizeof(err)) < 0);
    CHECK(cidr_parse("192.0.2.0/", &c, err, sizeof(err)) < 0);
    CHECK(cidr_parse("192.0.2.0/024", &c, err, sizeof(err)) < 0);
    CHECK(cidr_parse("example.org/24", &c, err, sizeof(err)) < 0);
}

static void sockspec_parses_the_mta_forms(void)
{
    struct sockspec s;
    char err[256];
    struct sockaddr_storage ss;
    CHECK(sockspec_parse("unix:/run/mxgate/mxgate.sock", &s, err, sizeof(err)) == 0);
    CHECK(s.kind == SOCK_UNIX);
    CHECK_STR(s.path, "/run/mxgate/mxgate.sock");
    CHECK(sockspec_parse("inet:8891@127.0.0.1", &s, err, sizeof(err)) == 0);
    CHECK(s.kind == SOCK_INET && s.port == 8891);
    CHECK(sockspec_parse("inet6:8891@[::1]", &s, err, sizeof(err)) == 0);
    CHECK_STR(s.host, "::1");
    CHECK(sockspec_sockaddr(&s, &ss) == sizeof(struct sockaddr_in6));
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
    CHECK(in6->sin6_family == AF_INET6 && ntohs(in6->sin6_port) == 8891);
    CHECK(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
}

static void sockspec_refuses_bad_specs_with_a_reason(void)
{
    struct sockspec s;
    char err[256];
    CHECK(sockspec_parse("unix:relative.sock", &s, err, sizeof(err)) < 0);
    CHECK_CONTAINS(err, "not absolute");
    CHECK(sockspec_parse("inet:99999@127.0.0.1", &s, err, sizeof(err)) < 0);
    CHECK(sockspec_parse("inet:8891@mx.example", &s, err, sizeof(err)) < 0);
    CHECK_CONTAINS(err, "not an IPv4 address");
    CHECK(sockspec_parse("tcp:8891", &s, err, sizeof(err)) < 0);
}

static void sockspec_sees_a_port_in_use(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = {.sin_family = AF_INET};
    socklen_t len = sizeof(in);
    inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    CHECK(bind(fd, (struct sockaddr *)&in, sizeof(in)) == 0 && listen(fd, 1) == 0);
    getsockname(fd, (struct sockaddr *)&in, &len);
    struct sockspec s;
    char spec[64], err[256];
    snprintf(spec, sizeof(spec), "inet:%u@127.0.0.1", ntohs(in.sin_port));
    CHECK(sockspec_parse(spec, &s, err, sizeof(err)) == 0);
    CHECK(sockspec_in_use(&s, err, sizeof(err)) == 1);
    CHECK_CONTAINS(err, "already in use");
    close(fd);
    CHECK(sockspec_in_use(&s, err, sizeof(err)) == 0);
}

#define ADDR_TESTS(T)                           \
    T(ipv4_mapped_ipv6_is_folded_to_ipv4)       \
    T(non_addresses_are_refused)                \
    T(cidr_matches_inside_and_not_outside)      \
    T(cidr_refuses_host_bits_and_bad_prefixes)  \
    T(sockspec_parses_the_mta_forms)            \
    T(sockspec_refuses_bad_specs_with_a_reason) \
    T(sockspec_sees_a_port_in_use)

TEST_MAIN(ADDR_TESTS)
