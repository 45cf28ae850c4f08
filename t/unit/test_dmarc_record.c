/* test_dmarc_record.c - DMARC record selection and parsing (RFC 7489, RFC 9989) */
#include "dmarc_record.h"
#include "testing.h"

#include <stdbool.h>

/* parse - a NUL-terminated record under std */
static enum dmarc_select parse(const char *txt, enum dmarc_std std, struct dmarc_record *r)
{
    return dmarc_record_parse(txt, strlen(txt), std, r);
}

/* found - parse txt under std, which must give FOUND */
static struct dmarc_record found(const char *txt, enum dmarc_std std)
{
    struct dmarc_record r;
    enum dmarc_select sel = parse(txt, std, &r);
    if (sel != DMARC_SELECT_FOUND)
        fprintf(stderr, "record: [%s] std %d\n", txt, (int)std);
    CHECK_STR(dmarc_select_word(sel), "found");
    return r;
}

/* invalid - parse txt under std, which must give INVALID */
static void invalid(const char *txt, enum dmarc_std std)
{
    struct dmarc_record r;
    enum dmarc_select sel = parse(txt, std, &r);
    if (sel != DMARC_SELECT_INVALID)
        fprintf(stderr, "record: [%s] std %d\n", txt, (int)std);
    CHECK_STR(dmarc_select_word(sel), "invalid");
}

/* is_dmarc - dmarc_record_is_dmarc of a NUL-terminated string */
static bool is_dmarc(const char *txt)
{
    return dmarc_record_is_dmarc(txt, strlen(txt));
}

static void version_tag_must_come_first_and_exact(void)
{
    CHECK(is_dmarc("v=DMARC1"));
    CHECK(is_dmarc("v=DMARC1;"));
    CHECK(is_dmarc("v=DMARC1; p=none"));
    CHECK(is_dmarc("V = DMARC1\t; p=none"));
    CHECK(is_dmarc("v=\tDMARC1 ;p=none"));
    CHECK(!is_dmarc("v=dmarc1; p=none"));
    CHECK(!is_dmarc("v=Dmarc1; p=none"));
    CHECK(!is_dmarc("v=DMARC10; p=none"));
    CHECK(!is_dmarc("v=DMARC2; p=none"));
    CHECK(!is_dmarc("v=DMARC"));
    CHECK(!is_dmarc(" v=DMARC1; p=none"));
    CHECK(!is_dmarc("p=none; v=DMARC1"));
    CHECK(!is_dmarc("v=DMARC1 p=none"));
    CHECK(!is_dmarc("v=DMARC1,p=none"));
    CHECK(!is_dmarc("vv=DMARC1"));
    CHECK(!is_dmarc("v=spf1 -all"));
    CHECK(!is_dmarc(""));
    CHECK(!dmarc_record_is_dmarc("v=DMARC1\0;p=none", 16));
    struct dmarc_record r;
    CHECK_INT(parse("v=DMARC2; p=reject", DMARC_RFC9989, &r), DMARC_SELECT_NONE);
}

static void every_tag_under_rfc7489(void)
{
    struct dmarc_record r = found("v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=s; "
                                  "pct=30; psd=y; t=y; rua=mailto:agg@example.com",
                                  DMARC_RFC7489);
    CHECK_INT(r.p, DMARC_POLICY_REJECT);
    CHECK_INT(r.sp, DMARC_POLICY_QUARANTINE);
    CHECK_INT(r.np, DMARC_POLICY_NONE);
    CHECK(r.strict_dkim && r.strict_spf);
    CHECK_INT(r.pct, 30);
    CHECK_INT(r.psd, DMARC_PSD_U); /* unknown to RFC 7489 */
    CHECK(!r.testing);             /* likewise */
    CHECK(r.rua && !r.forced_none);
}

static void every_tag_under_rfc9989(void)
{
    struct dmarc_record r = found("v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=s; "
                                  "pct=30; psd=y; t=y; rua=mailto:agg@example.com",
                                  DMARC_RFC9989);
    CHECK_INT(r.p, DMARC_POLICY_REJECT);
    CHECK_INT(r.sp, DMARC_POLICY_QUARANTINE);
    CHECK_INT(r.np, DMARC_POLICY_NONE);
    CHECK(r.strict_dkim && r.strict_spf);
    CHECK_INT(r.pct, 100); /* pct is gone (9989 A.6) */
    CHECK_INT(r.psd, DMARC_PSD_Y);
    CHECK(r.testing);
    CHECK(r.rua);
    CHECK_INT(found("v=DMARC1; p=none; psd=n", DMARC_RFC9989).psd, DMARC_PSD_N);
    CHECK_INT(found("v=DMARC1; p=none; psd=u", DMARC_RFC9989).psd, DMARC_PSD_U);
}

static void defaults_when_tags_are_absent(void)
{
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        struct dmarc_record r = found("v=DMARC1; p=quarantine", (enum dmarc_std)std);
        CHECK_INT(r.p, DMARC_POLICY_QUARANTINE);
        CHECK_INT(r.sp, DMARC_POLICY_UNSET);
        CHECK_INT(r.np, DMARC_POLICY_UNSET);
        CHECK(!r.strict_dkim && !r.strict_spf);
        CHECK_INT(r.pct, 100);
        CHECK_INT(r.psd, DMARC_PSD_U);
        CHECK(!r.testing && !r.rua && !r.forced_none);
    }
}

static void whitespace_and_case_variants(void)
{
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        struct dmarc_record r = found("v = DMARC1 ;P=REJECT ;  sP = Quarantine\t;ADKIM=S;aspf= s ;"
                                      " Rua = mailto:a@example.com ;",
                                      (enum dmarc_std)std);
        CHECK_INT(r.p, DMARC_POLICY_REJECT);
        CHECK_INT(r.sp, DMARC_POLICY_QUARANTINE);
        CHECK(r.strict_dkim && r.strict_spf && r.rua);
    }
    CHECK_INT(found("v=DMARC1;p=reject;T=Y;PSD=N", DMARC_RFC9989).psd, DMARC_PSD_N);
    CHECK(found("v=DMARC1;p=reject;T=Y;PSD=N", DMARC_RFC9989).testing);
}

static void trailing_separator_and_empty_terms(void)
{
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        CHECK_INT(found("v=DMARC1; p=reject;", (enum dmarc_std)std).p, DMARC_POLICY_REJECT);
        CHECK_INT(found("v=DMARC1;; p=reject; ; ;", (enum dmarc_std)std).p, DMARC_POLICY_REJECT);
        CHECK_INT(found("v=DMARC1; p=reject ;\t", (enum dmarc_std)std).p, DMARC_POLICY_REJECT);
    }
}

static void unknown_tags_and_broken_terms_are_ignored(void)
{
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        struct dmarc_record r =
            found("v=DMARC1; foo=bar; garbage; =x; 1x=y; ruf=mailto:f@x.example;"
                  " fo=1; rf=afrf; ri=3600; p=reject; x-y=z",
                  (enum dmarc_std)std);
        CHECK_INT(r.p, DMARC_POLICY_REJECT);
        CHECK(!r.rua);
    }
}

static void missing_p_rfc7489_needs_rua(void)
{
    invalid("v=DMARC1", DMARC_RFC7489);
    invalid("v=DMARC1; sp=reject; adkim=s", DMARC_RFC7489);
    struct dmarc_record r = found("v=DMARC1; sp=reject; rua=mailto:a@example.com", DMARC_RFC7489);
    CHECK_INT(r.p, DMARC_POLICY_NONE);
    CHECK_INT(r.sp, DMARC_POLICY_NONE);
    CHECK(r.forced_none);
}

static void missing_p_rfc9989_is_p_none(void)
{
    struct dmarc_record r = found("v=DMARC1", DMARC_RFC9989);
    CHECK_INT(r.p, DMARC_POLICY_NONE);
    CHECK(!r.forced_none);
    r = found("v=DMARC1; sp=reject; np=quarantine", DMARC_RFC9989);
    CHECK_INT(r.p, DMARC_POLICY_NONE);
    CHECK_INT(r.sp, DMARC_POLICY_REJECT);
    CHECK_INT(r.np, DMARC_POLICY_QUARANTINE);
}

static void invalid_p_with_rua_is_p_none_both_modes(void)
{
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        struct dmarc_record r = found("v=DMARC1; p=rejected; sp=reject; np=reject; "
                                      "rua=mailto:a@example.com",
                                      (enum dmarc_std)std);
        CHECK_INT(r.p, DMARC_POLICY_NONE);
        CHECK_INT(r.sp, DMARC_POLICY_NONE);
        CHECK_INT(r.np, DMARC_POLICY_NONE);
        CHECK(r.forced_none && r.rua);
        CHECK_INT(found("v=DMARC1; p=; rua=mailto:a@example.com", (enum dmarc_std)std).p,
                  DMARC_POLICY_NONE);
    }
}

static void invalid_p_without_rua_is_invalid_both_modes(void)
{
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        invalid("v=DMARC1; p=rejected", (enum dmarc_std)std);
        invalid("v=DMARC1; p=", (enum dmarc_std)std);
        invalid("v=DMARC1; p=r\xc3\xa9ject", (enum dmarc_std)std);
        invalid("v=DMARC1; p=reject quarantine", (enum dmarc_std)std);
        invalid("v=DMARC1; p=bogus; rua=notauri", (enum dmarc_std)std);
    }
}

static void invalid_sp_follows_the_p_rule_both_modes(void)
{
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        invalid("v=DMARC1; p=reject; sp=rejectt", (enum dmarc_std)std);
        struct dmarc_record r =
            found("v=DMARC1; p=reject; sp=x; rua=mailto:a@example.com", (enum dmarc_std)std);
        CHECK_INT(r.p, DMARC_POLICY_NONE);
        CHECK_INT(r.sp, DMARC_POLICY_NONE);
    }
}

static void invalid_np_is_absent_in_7489_and_an_error_in_9989(void)
{
    struct dmarc_record r = found("v=DMARC1; p=reject; np=x", DMARC_RFC7489);
    CHECK_INT(r.p, DMARC_POLICY_REJECT);
    CHECK_INT(r.np, DMARC_POLICY_UNSET);
    invalid("v=DMARC1; p=reject; np=x", DMARC_RFC9989);
    r = found("v=DMARC1; p=reject; np=x; rua=mailto:a@example.com", DMARC_RFC9989);
    CHECK_INT(r.p, DMARC_POLICY_NONE);
    CHECK_INT(r.np, DMARC_POLICY_NONE);
}

static void rua_needs_one_valid_uri(void)
{
    static const struct {
        const char *rua;
        bool valid;
    } cases[] = {
        {"mailto:agg@example.com", true},
        {"mailto:a@example.com,mailto:b@example.org", true},
        {"bad, mailto:x@example.com!10m", true},
        {" mailto:x@example.com!25 ", true},
        {"https://r.example/dmarc?x=1", true},
        {"mailto:", false},
        {"notauri", false},
        {"1http:x", false},
        {"mailto:x@example.com!", false},
        {"mailto:x@example.com!10q", false},
        {"mailto:a b@example.com", false},
        {",,", false},
        {":x", false},
    };
    char txt[160];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(txt, sizeof(txt), "v=DMARC1; p=bogus; rua=%s", cases[i].rua);
        struct dmarc_record r;
        enum dmarc_select sel = parse(txt, DMARC_RFC7489, &r);
        if (r.rua != cases[i].valid)
            fprintf(stderr, "rua: [%s]\n", cases[i].rua);
        CHECK_INT(r.rua, cases[i].valid);
        CHECK_INT(sel, cases[i].valid ? DMARC_SELECT_FOUND : DMARC_SELECT_INVALID);
    }
}

static void pct_values(void)
{
    static const struct {
        const char *pct;
        int want;
    } cases[] = {
        {"0", 0},      {"50", 50},  {"100", 100}, {"007", 7},   {"101", 100},
        {"1000", 100}, {"-1", 100}, {"abc", 100}, {"5 0", 100}, {"", 100},
    };
    char txt[96];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(txt, sizeof(txt), "v=DMARC1; p=reject; pct=%s", cases[i].pct);
        CHECK_INT(found(txt, DMARC_RFC7489).pct, cases[i].want);
        CHECK_INT(found(txt, DMARC_RFC9989).pct, 100);
    }
}

static void bad_alignment_psd_and_t_values_keep_defaults(void)
{
    struct dmarc_record r =
        found("v=DMARC1; p=reject; adkim=x; aspf=strict; psd=yes; t=1", DMARC_RFC9989);
    CHECK(!r.strict_dkim && !r.strict_spf && !r.testing);
    CHECK_INT(r.psd, DMARC_PSD_U);
}

static void repeated_tag_keeps_the_first(void)
{
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        CHECK_INT(found("v=DMARC1; p=reject; p=none", (enum dmarc_std)std).p, DMARC_POLICY_REJECT);
        invalid("v=DMARC1; p=bogus; p=none", (enum dmarc_std)std);
    }
}

static void length_is_taken_not_nul(void)
{
    struct dmarc_record r;
    CHECK_INT(dmarc_record_parse("v=DMARC1; p=reject", 15, DMARC_RFC7489, &r),
              DMARC_SELECT_INVALID);
    CHECK_INT(dmarc_record_parse("v=DMARC1; p=none; \0=y; sp=reject", 32, DMARC_RFC7489, &r),
              DMARC_SELECT_FOUND);
    CHECK_INT(r.sp, DMARC_POLICY_REJECT);
    CHECK_INT(dmarc_record_parse("v=DMARC1; p=no\0ne", 18, DMARC_RFC7489, &r),
              DMARC_SELECT_INVALID);
}

static void select_one_among_other_txt(void)
{
    const char *txts[] = {"v=spf1 -all", "v=DMARC1; p=reject", "google-site-verification=x"};
    size_t lens[] = {11, 18, 26};
    struct dmarc_record r;
    CHECK_INT(dmarc_record_select(txts, lens, 3, DMARC_RFC7489, &r), DMARC_SELECT_FOUND);
    CHECK_INT(r.p, DMARC_POLICY_REJECT);
}

static void select_none_when_nothing_starts_with_the_version(void)
{
    const char *txts[] = {"v=spf1 -all", " v=DMARC1; p=reject", "v=dmarc1; p=reject"};
    size_t lens[] = {11, 19, 18};
    struct dmarc_record r = {.p = DMARC_POLICY_REJECT};
    CHECK_INT(dmarc_record_select(txts, lens, 3, DMARC_RFC9989, &r), DMARC_SELECT_NONE);
    CHECK_INT(r.p, DMARC_POLICY_UNSET);
    CHECK_INT(dmarc_record_select(NULL, NULL, 0, DMARC_RFC9989, &r), DMARC_SELECT_NONE);
}

static void select_duplicate_records_is_multiple(void)
{
    const char *txts[] = {"v=DMARC1; p=reject", "v=DMARC1; p=reject", "v=DMARC1; p=none"};
    size_t lens[] = {18, 18, 16};
    struct dmarc_record r;
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        CHECK_INT(dmarc_record_select(txts, lens, 2, (enum dmarc_std)std, &r),
                  DMARC_SELECT_MULTIPLE);
        CHECK_INT(r.p, DMARC_POLICY_UNSET);
        CHECK_INT(dmarc_record_select(txts + 1, lens + 1, 2, (enum dmarc_std)std, &r),
                  DMARC_SELECT_MULTIPLE);
    }
}

static void select_a_single_broken_record_is_invalid(void)
{
    const char *txts[] = {"v=spf1 -all", "v=DMARC1; p=bogus"};
    size_t lens[] = {11, 17};
    struct dmarc_record r;
    CHECK_INT(dmarc_record_select(txts, lens, 2, DMARC_RFC7489, &r), DMARC_SELECT_INVALID);
    CHECK_INT(dmarc_record_select(txts, lens, 2, DMARC_RFC9989, &r), DMARC_SELECT_INVALID);
}

static void policy_for_own_domain_subdomain_and_nonexistent(void)
{
    struct dmarc_record all = {
        .p = DMARC_POLICY_NONE, .sp = DMARC_POLICY_QUARANTINE, .np = DMARC_POLICY_REJECT};
    CHECK_INT(dmarc_record_policy(&all, true, true), DMARC_POLICY_NONE);
    CHECK_INT(dmarc_record_policy(&all, true, false), DMARC_POLICY_NONE);
    CHECK_INT(dmarc_record_policy(&all, false, true), DMARC_POLICY_QUARANTINE);
    CHECK_INT(dmarc_record_policy(&all, false, false), DMARC_POLICY_REJECT);
    struct dmarc_record no_np = {.p = DMARC_POLICY_REJECT, .sp = DMARC_POLICY_NONE};
    CHECK_INT(dmarc_record_policy(&no_np, false, false), DMARC_POLICY_NONE);
    struct dmarc_record only_p = {.p = DMARC_POLICY_QUARANTINE};
    CHECK_INT(dmarc_record_policy(&only_p, false, true), DMARC_POLICY_QUARANTINE);
    CHECK_INT(dmarc_record_policy(&only_p, false, false), DMARC_POLICY_QUARANTINE);
}

static void words(void)
{
    CHECK_STR(dmarc_policy_word(DMARC_POLICY_QUARANTINE), "quarantine");
    CHECK_STR(dmarc_policy_word(DMARC_POLICY_UNSET), "unset");
    CHECK_STR(dmarc_select_word(DMARC_SELECT_MULTIPLE), "multiple");
    CHECK_STR(dmarc_select_word(DMARC_SELECT_TRYLATER), "trylater");
}

#define DMARC_RECORD_TESTS(T)                            \
    T(version_tag_must_come_first_and_exact)             \
    T(every_tag_under_rfc7489)                           \
    T(every_tag_under_rfc9989)                           \
    T(defaults_when_tags_are_absent)                     \
    T(whitespace_and_case_variants)                      \
    T(trailing_separator_and_empty_terms)                \
    T(unknown_tags_and_broken_terms_are_ignored)         \
    T(missing_p_rfc7489_needs_rua)                       \
    T(missing_p_rfc9989_is_p_none)                       \
    T(invalid_p_with_rua_is_p_none_both_modes)           \
    T(invalid_p_without_rua_is_invalid_both_modes)       \
    T(invalid_sp_follows_the_p_rule_both_modes)          \
    T(invalid_np_is_absent_in_7489_and_an_error_in_9989) \
    T(rua_needs_one_valid_uri)                           \
    T(pct_values)                                        \
    T(bad_alignment_psd_and_t_values_keep_defaults)      \
    T(repeated_tag_keeps_the_first)                      \
    T(length_is_taken_not_nul)                           \
    T(select_one_among_other_txt)                        \
    T(select_none_when_nothing_starts_with_the_version)  \
    T(select_duplicate_records_is_multiple)              \
    T(select_a_single_broken_record_is_invalid)          \
    T(policy_for_own_domain_subdomain_and_nonexistent)   \
    T(words)

TEST_MAIN(DMARC_RECORD_TESTS)
