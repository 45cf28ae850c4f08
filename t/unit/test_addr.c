/* test_addr.c - addresses, CIDR networks and socket specs */
#include "addr.h"
#include "sockspec.h"
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

UNIT_CASE(ipv4_mapped_ipv6_is_folded_to_ipv4)
{
    struct ipaddr a, b;
    char buf[IPADDR_STRLEN];
    EXPECT(ipaddr_parse("::ffff:192.0.2.7", &a) == 0);
    EXPECT(ipaddr_parse("192.0.2.7", &b) == 0);
    EXPECT(a.family == AF_INET);
    EXPECT(ipaddr_equal(&a, &b));
    EXPECT_STR(ipaddr_format(&a, buf, sizeof(buf)), "192.0.2.7");
}

UNIT_CASE(non_addresses_are_refused)
{
    struct ipaddr a;
    EXPECT(ipaddr_parse("192.0.2", &a) < 0);
    EXPECT(ipaddr_parse("[::1]", &a) < 0);
    EXPECT(ipaddr_parse("mx.example.org", &a) < 0);
    EXPECT(ipaddr_parse("", &a) < 0);
}

UNIT_CASE(cidr_matches_inside_and_not_outside)
{
    struct cidr c;
    struct ipaddr in, out, v6;
    char err[128];
    EXPECT(cidr_parse("192.0.2.0/25", &c, err, sizeof(err)) == 0);
    ipaddr_parse("192.0.2.127", &in);
    ipaddr_parse("192.0.2.128", &out);
    ipaddr_parse("2001:db8::1", &v6);
    EXPECT(cidr_match(&c, &in));
    EXPECT(!cidr_match(&c, &out));
    EXPECT(!cidr_match(&c, &v6));
    EXPECT(cidr_parse("2001:db8::/33", &c, err, sizeof(err)) == 0);
    EXPECT(cidr_match(&c, &v6));
    EXPECT(cidr_parse("0.0.0.0/0", &c, err, sizeof(err)) == 0);
    EXPECT(cidr_match(&c, &out));
}

UNIT_CASE(cidr_refuses_host_bits_and_bad_prefixes)
{
    struct cidr c;
    char err[128];
    EXPECT(cidr_parse("192.0.2.1/24", &c, err, sizeof(err)) < 0);
    EXPECT_CONTAINS(err, "bits set beyond");
    EXPECT(cidr_parse("192.0.2.0/33", &c, err, sizeof(err)) < 0);
    EXPECT(cidr_parse("192.0.2.0/", &c, err, sizeof(err)) < 0);
    EXPECT(cidr_parse("192.0.2.0/024", &c, err, sizeof(err)) < 0);
    EXPECT(cidr_parse("example.org/24", &c, err, sizeof(err)) < 0);
}

UNIT_CASE(sockspec_parses_the_mta_forms)
{
    struct sockspec s;
    char err[256], lm[256];
    EXPECT(sockspec_parse("unix:/run/mxgate/mxgate.sock", &s, err, sizeof(err)) == 0);
    EXPECT(s.kind == SOCK_UNIX);
    EXPECT_STR(s.path, "/run/mxgate/mxgate.sock");
    EXPECT(sockspec_parse("inet:8891@127.0.0.1", &s, err, sizeof(err)) == 0);
    EXPECT(s.kind == SOCK_INET && s.port == 8891);
    EXPECT(sockspec_parse("inet6:8891@[::1]", &s, err, sizeof(err)) == 0);
    EXPECT_STR(s.host, "::1");
    sockspec_libmilter(&s, lm, sizeof(lm));
    EXPECT_STR(lm, "inet6:8891@::1");
}

UNIT_CASE(sockspec_refuses_bad_specs_with_a_reason)
{
    struct sockspec s;
    char err[256];
    EXPECT(sockspec_parse("unix:relative.sock", &s, err, sizeof(err)) < 0);
    EXPECT_CONTAINS(err, "not absolute");
    EXPECT(sockspec_parse("inet:99999@127.0.0.1", &s, err, sizeof(err)) < 0);
    EXPECT(sockspec_parse("inet:8891@mx.example", &s, err, sizeof(err)) < 0);
    EXPECT_CONTAINS(err, "not an IPv4 address");
    EXPECT(sockspec_parse("tcp:8891", &s, err, sizeof(err)) < 0);
}

UNIT_CASE(sockspec_sees_a_port_in_use)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = {.sin_family = AF_INET};
    socklen_t len = sizeof(in);
    inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    EXPECT(bind(fd, (struct sockaddr *)&in, sizeof(in)) == 0 && listen(fd, 1) == 0);
    getsockname(fd, (struct sockaddr *)&in, &len);
    struct sockspec s;
    char spec[64], err[256];
    snprintf(spec, sizeof(spec), "inet:%u@127.0.0.1", ntohs(in.sin_port));
    EXPECT(sockspec_parse(spec, &s, err, sizeof(err)) == 0);
    EXPECT(sockspec_in_use(&s, err, sizeof(err)) == 1);
    EXPECT_CONTAINS(err, "already in use");
    close(fd);
    EXPECT(sockspec_in_use(&s, err, sizeof(err)) == 0);
}

UNIT_MAIN(ipv4_mapped_ipv6_is_folded_to_ipv4, non_addresses_are_refused,
          cidr_matches_inside_and_not_outside, cidr_refuses_host_bits_and_bad_prefixes,
          sockspec_parses_the_mta_forms, sockspec_refuses_bad_specs_with_a_reason,
          sockspec_sees_a_port_in_use)
