/* test_greylist.c - the greylist triplet's network and sender */
#include "greylist_key.h"
#include "testing.h"

/* net_of - grey_net of a textual address */
static const char *net_of(const char *addr, unsigned bits4, unsigned bits6)
{
    static char out[GREY_NET_LEN];
    struct ipaddr a;
    CHECK(ipaddr_parse(addr, &a) == 0);
    grey_net(&a, bits4, bits6, out, sizeof(out));
    return out;
}

/* sender_of - grey_sender of s */
static const char *sender_of(const char *s)
{
    static char out[512];
    grey_sender(s, out, sizeof(out));
    return out;
}

static void networks_keep_the_prefix_bits_only(void)
{
    CHECK_STR(net_of("192.0.2.77", 24, 64), "192.0.2.0/24");
    CHECK_STR(net_of("192.0.2.77", 32, 64), "192.0.2.77/32");
    CHECK_STR(net_of("198.51.100.200", 20, 64), "198.51.96.0/20");
    CHECK_STR(net_of("::ffff:192.0.2.9", 24, 64), "192.0.2.0/24");
    CHECK_STR(net_of("2001:db8:1:2:3:4:5:6", 24, 64), "2001:db8:1:2::/64");
    CHECK_STR(net_of("2001:db8:1:2:3:4:5:6", 24, 48), "2001:db8:1::/48");
    CHECK_STR(net_of("2001:db8:1:2:3:4:5:6", 24, 60), "2001:db8:1::/60");
    CHECK_STR(net_of("2001:db8:1:2:3:4:5:6", 24, 128), "2001:db8:1:2:3:4:5:6/128");
}

static void senders_lose_their_per_attempt_tags(void)
{
    CHECK_STR(sender_of("Alice@Example.ORG"), "alice@example.org");
    CHECK_STR(sender_of(""), "");
    CHECK_STR(sender_of(NULL), "");
    CHECK_STR(sender_of("prvs=0123456789=alice@example.org"), "alice@example.org");
    CHECK_STR(sender_of("PRVS=4567abcdef=alice@example.org"), "alice@example.org");
    CHECK_STR(sender_of("msprvs1=17123abcd=bob@example.com"), "bob@example.com");
    CHECK_STR(sender_of("btv1==0c2b1a3f9e1==carol@example.net"), "carol@example.net");
    CHECK_STR(sender_of("SRS0=HHH=TT=orig.example=alice@forwarder.example"), "alice@orig.example");
    CHECK_STR(sender_of("SRS1=HHH=fwd1.example==HHH=TT=orig.example=alice@fwd2.example"),
              "alice@orig.example");
    CHECK_STR(sender_of("alice+list-news@example.org"), "alice@example.org");
    CHECK_STR(sender_of("bounce-123-4567@lists.example.org"), "bounce-#-#@lists.example.org");
    CHECK_STR(sender_of("news2024@example.org"), "news2024@example.org");
    CHECK_STR(sender_of("1234@example.org"), "#@example.org");
}

static void malformed_senders_are_kept_as_they_are(void)
{
    CHECK_STR(sender_of("srs0=broken@example.org"), "srs0=broken@example.org");
    CHECK_STR(sender_of("prvs=@example.org"), "prvs=@example.org");
    CHECK_STR(sender_of("no-at-sign"), "no-at-sign");
    CHECK_STR(sender_of("+@example.org"), "+@example.org");
}

#define GREYLIST_TESTS(T)                  \
    T(networks_keep_the_prefix_bits_only)  \
    T(senders_lose_their_per_attempt_tags) \
    T(malformed_senders_are_kept_as_they_are)

TEST_MAIN(GREYLIST_TESTS)
