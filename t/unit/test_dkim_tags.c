/* test_dkim_tags.c - DKIM-Signature and key record parsing (RFC 6376 §3.2,
 * §3.6.1, §6.1.1; RFC 8301; RFC 8463) */
#include "arena.h"
#include "dkim_tags.h"
#include "testing.h"

#define GOOD_SIG \
    "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=sel; h=from:to; bh=AAAA; b=BBBB"

static struct arena *arena;

/* parse - dkim_sig_parse on a C string */
static int parse(const char *v, struct dkim_sighdr *out)
{
    if (arena == NULL)
        arena = arena_create();
    return dkim_sig_parse(v, strlen(v), arena, out);
}

static void sig_good(void)
{
    struct dkim_sighdr s;
    CHECK_INT(parse(" v=1; a=rsa-sha256; d=example.net;\r\n\ts=sel; h=From : To;"
                    " bh=AA AA=; b=BB\r\n BB;",
                    &s),
              0);
    CHECK_STR(s.d, "example.net");
    CHECK_STR(s.h, "From:To");
    CHECK_STR(s.b, "BBBB");
    CHECK_STR(s.bh, "AAAA=");
}

static void sig_missing_tags(void)
{
    struct dkim_sighdr s;
    CHECK_INT(parse("v=1; a=rsa-sha256; s=sel; h=from; bh=A; b=B", &s), -1);
    CHECK_STR(s.why, "missing d= tag");
    CHECK_INT(parse("v=1; a=rsa-sha256; d=x; h=from; bh=A; b=B", &s), -1);
    CHECK_STR(s.why, "missing s= tag");
    CHECK_INT(parse("v=1; a=rsa-sha256; d=x; s=y; h=from; bh=A; b=", &s), -1);
    CHECK_STR(s.why, "missing b= tag");
    CHECK_INT(parse("a=rsa-sha256; d=x; s=y; h=from; bh=A; b=B", &s), -1);
    CHECK_STR(s.why, "missing v= tag");
}

static void sig_rsa_sha1(void)
{
    struct dkim_sighdr s;
    CHECK_INT(parse("v=1; a=rsa-sha1; d=x; s=y; h=from; bh=A; b=B", &s), -1);
    CHECK_CONTAINS(s.why, "RFC 8301");
}

static void sig_ed25519_ok(void)
{
    struct dkim_sighdr s;
    CHECK_INT(parse("v=1; a=ed25519-sha256; d=x; s=y; h=from; bh=A; b=B", &s), 0);
}

static void sig_from_required(void)
{
    struct dkim_sighdr s;
    CHECK_INT(parse("v=1; a=rsa-sha256; d=x; s=y; h=to:subject; bh=A; b=B", &s), -1);
    CHECK_STR(s.why, "From is not signed (h=)");
}

static void sig_duplicate_tag(void)
{
    struct dkim_sighdr s;
    CHECK_INT(parse(GOOD_SIG "; d=other.example", &s), -1);
    CHECK_STR(s.why, "malformed tag list");
}

static void sig_i_outside_d(void)
{
    struct dkim_sighdr s;
    CHECK_INT(parse(GOOD_SIG "; i=@sub.example.net", &s), 0);
    CHECK_INT(parse(GOOD_SIG "; i=@badexample.net", &s), -1);
    CHECK_STR(s.why, "i= is not within d=");
}

/* key - dkim_key_check on a C string for signature sig */
static const char *key(const char *record, const char *sig)
{
    struct dkim_sighdr s;
    CHECK_INT(parse(sig, &s), 0);
    return dkim_key_check(record, strlen(record), &s);
}

static void key_good(void)
{
    CHECK_STR(key("v=DKIM1; k=rsa; p=QUJD", GOOD_SIG), NULL);
    CHECK_STR(key("p=QUJD", GOOD_SIG), NULL);
    CHECK_STR(key("v=DKIM1; h=sha1:sha256; s=email; p=QU JD", GOOD_SIG), NULL);
}

static void key_problems(void)
{
    CHECK_STR(key("v=DKIM1; p=", GOOD_SIG), "key revoked (empty p=)");
    CHECK_STR(key("v=DKIM1; p=QUJ!", GOOD_SIG), "key is not valid base64 (p=)");
    CHECK_STR(key("k=rsa; v=DKIM1; p=QUJD", GOOD_SIG), "key record version is not DKIM1 (v=)");
    CHECK_STR(key("v=DKIM1; h=sha1; p=QUJD", GOOD_SIG), "key does not allow sha256 (h=)");
    CHECK_STR(key("v=DKIM1; k=dsa; p=QUJD", GOOD_SIG), "unknown key type (k=)");
    CHECK_STR(key("v=DKIM1; s=web; p=QUJD", GOOD_SIG), "key is not for email (s=)");
    CHECK_STR(key("v=DKIM1; k=rsa", GOOD_SIG), "key record has no p= tag");
}

static void key_type_must_match(void)
{
    const char *ed = "v=1; a=ed25519-sha256; d=x; s=y; h=from; bh=A; b=B";
    CHECK_STR(key("v=DKIM1; k=ed25519; p=QUJD", ed), NULL);
    CHECK_STR(key("v=DKIM1; p=QUJD", ed), "key type (k=rsa by default) does not match a=");
    CHECK_STR(key("v=DKIM1; k=ed25519; p=QUJD", GOOD_SIG), "key type (k=) does not match a=");
}

static void key_strict_subdomain(void)
{
    CHECK_STR(key("v=DKIM1; t=y:s; p=QUJD", GOOD_SIG "; i=@sub.example.net"),
              "key allows no subdomain (t=s) in i=");
    CHECK_STR(key("v=DKIM1; t=s; p=QUJD", GOOD_SIG "; i=alice@example.net"), NULL);
}

static void key_select(void)
{
    struct dkim_sighdr s;
    CHECK_INT(parse(GOOD_SIG, &s), 0);
    const char *txt[] = {"garbage", "v=DKIM1; p=QUJD"};
    size_t lens[] = {7, 15};
    CHECK_INT(dkim_key_select(txt, lens, 2, &s), 1);
    CHECK_INT(dkim_key_select(txt, lens, 1, &s), 0);
    CHECK_INT(dkim_key_select(txt, lens, 0, &s), -1);
}

static void signs_header(void)
{
    CHECK(dkim_signs_header("to : FROM: subject", "From"));
    CHECK(!dkim_signs_header("to:from-x", "From"));
    CHECK(!dkim_signs_header("", "From"));
}

#define CASES(T)            \
    T(sig_good)             \
    T(sig_missing_tags)     \
    T(sig_rsa_sha1)         \
    T(sig_ed25519_ok)       \
    T(sig_from_required)    \
    T(sig_duplicate_tag)    \
    T(sig_i_outside_d)      \
    T(key_good)             \
    T(key_problems)         \
    T(key_type_must_match)  \
    T(key_strict_subdomain) \
    T(key_select)           \
    T(signs_header)
TEST_MAIN(CASES)
