/* test_dmarc_eval.c - identifier alignment and the DMARC result: strict
 * and relaxed, sp and np, pct and t=y, temperror (RFC 7489, RFC 9989) */
#include "dmarc_eval.h"
#include "testing.h"

#include <stdbool.h>

#define R7489 DMARC_RFC7489
#define R9989 DMARC_RFC9989

/* parsed - what a name holding the one record txt answered (NULL: none) */
static struct dmarc_answer parsed(const char *txt, enum dmarc_std std)
{
    struct dmarc_answer a = {0};
    if (txt != NULL)
        a.sel = dmarc_record_parse(txt, strlen(txt), std, &a.rec);
    return a;
}

static void domain_equal_ignores_case_and_one_trailing_dot(void)
{
    CHECK(dmarc_domain_equal("Example.COM", "example.com."));
    CHECK(dmarc_domain_equal("example.com.", "example.com."));
    CHECK(!dmarc_domain_equal("example.com..", "example.com"));
    CHECK(!dmarc_domain_equal("mail.example.com", "example.com"));
    CHECK(!dmarc_domain_equal(NULL, "example.com"));
    CHECK(!dmarc_domain_equal(NULL, NULL));
}

static void strict_alignment_on_subdomains(void)
{
    CHECK(dmarc_aligned("example.com", "example.com", "EXAMPLE.com.", "example.com", true));
    CHECK(!dmarc_aligned("mail.example.com", "example.com", "example.com", "example.com", true));
    CHECK(!dmarc_aligned("example.com", "example.com", "mail.example.com", "example.com", true));
}

static void relaxed_alignment_on_subdomains(void)
{
    CHECK(dmarc_aligned("mail.example.com", "example.com", "example.com", "example.com", false));
    CHECK(dmarc_aligned("a.example.com", "example.com", "b.example.com", "Example.com", false));
    CHECK(!dmarc_aligned("example.net", "example.net", "example.com", "example.com", false));
    CHECK(!dmarc_aligned("a.example.com", NULL, "example.com", "example.com", false));
    CHECK(dmarc_aligned("example.com", NULL, "example.com", NULL, false));
    CHECK(!dmarc_aligned(NULL, NULL, "example.com", "example.com", false));
}

/* One evaluation: a record txt (under std) published at at (default from),
 * or a discovery status without a record. */
struct ev {
    enum dmarc_std std;
    const char *txt, *at;
    enum dmarc_select status;
    const char *from, *from_org;
    bool nx;
    struct dmarc_identity spf;
    struct dmarc_identity dkim[3];
    size_t ndkim;
    int draw;
};

/* eval - run dmarc_evaluate over e */
static struct dmarc_outcome eval(struct ev e)
{
    struct dmarc_answer a = parsed(e.txt, e.std);
    struct dmarc_discovery d = {.status = e.status, .org = e.from_org};
    struct dmarc_outcome out;
    if (e.txt) {
        d = (struct dmarc_discovery){
            .status = a.sel, .rec = &a.rec, .domain = e.at ? e.at : e.from, .org = e.from_org};
    }
    struct dmarc_input in = {.std = e.std,
                             .from_domain = e.from,
                             .policy = &d,
                             .from_nxdomain = e.nx,
                             .spf = e.spf,
                             .dkim = e.dkim,
                             .ndkim = e.ndkim,
                             .pct_draw = e.draw};
    dmarc_evaluate(&in, &out);
    return out;
}

#define PASS DMARC_AUTH_PASS
#define TEMP DMARC_AUTH_TEMPERROR
#define NOPE DMARC_AUTH_NONE

static void relaxed_spf_on_a_subdomain_passes(void)
{
    for (int std = R7489; std <= R9989; std++) {
        struct dmarc_outcome o =
            eval((struct ev){.std = std,
                             .txt = "v=DMARC1; p=reject",
                             .from = "example.com",
                             .from_org = "example.com",
                             .spf = {"bounce.example.com", "example.com", PASS}});
        CHECK_STR(dmarc_result_word(o.result), "pass");
        CHECK(o.spf_aligned && !o.dkim_aligned);
        CHECK_INT(o.published, DMARC_POLICY_REJECT);
        CHECK_INT(o.applied, DMARC_POLICY_NONE);
    }
}

static void relaxed_dkim_on_a_subdomain_passes(void)
{
    for (int std = R7489; std <= R9989; std++) {
        struct dmarc_outcome o = eval((struct ev){.std = std,
                                                  .txt = "v=DMARC1; p=reject",
                                                  .at = "example.com",
                                                  .from = "news.example.com",
                                                  .from_org = "example.com",
                                                  .dkim = {{"example.com", "example.com", PASS}},
                                                  .ndkim = 1});
        CHECK_INT(o.result, DMARC_RESULT_PASS);
        CHECK(o.dkim_aligned && !o.spf_aligned);
        CHECK_STR(o.dkim_domain, "example.com");
    }
}

static void strict_alignment_on_a_subdomain_fails(void)
{
    for (int std = R7489; std <= R9989; std++) {
        struct dmarc_outcome o =
            eval((struct ev){.std = std,
                             .txt = "v=DMARC1; p=reject; adkim=s; aspf=s",
                             .from = "example.com",
                             .from_org = "example.com",
                             .spf = {"bounce.example.com", "example.com", PASS},
                             .dkim = {{"mail.example.com", "example.com", PASS}},
                             .ndkim = 1});
        CHECK_INT(o.result, DMARC_RESULT_FAIL);
        CHECK_INT(o.applied, DMARC_POLICY_REJECT);
        o = eval((struct ev){.std = std,
                             .txt = "v=DMARC1; p=reject; adkim=s; aspf=s",
                             .from = "example.com",
                             .from_org = "example.com",
                             .dkim = {{"EXAMPLE.COM.", "example.com", PASS}},
                             .ndkim = 1});
        CHECK_INT(o.result, DMARC_RESULT_PASS);
    }
}

static void unaligned_or_failed_identifiers_fail(void)
{
    for (int std = R7489; std <= R9989; std++) {
        struct dmarc_outcome o = eval((struct ev){
            .std = std,
            .txt = "v=DMARC1; p=quarantine",
            .from = "example.com",
            .from_org = "example.com",
            .spf = {"evil.example", "evil.example", PASS},
            .dkim = {{"example.com", "example.com", NOPE}, {"evil.example", "evil.example", PASS}},
            .ndkim = 2});
        CHECK_STR(dmarc_result_word(o.result), "fail");
        CHECK_INT(o.published, DMARC_POLICY_QUARANTINE);
        CHECK_INT(o.applied, DMARC_POLICY_QUARANTINE);
        CHECK(!o.spf_aligned && !o.dkim_aligned && o.dkim_domain == NULL);
    }
}

static void subdomains_take_sp_and_nonexistent_ones_np(void)
{
    const char *txt = "v=DMARC1; p=reject; sp=quarantine; np=none";
    for (int std = R7489; std <= R9989; std++) {
        struct ev e = {.std = std,
                       .txt = txt,
                       .at = "example.com",
                       .from = "sub.example.com",
                       .from_org = "example.com"};
        CHECK_INT(eval(e).applied, DMARC_POLICY_QUARANTINE);
        e.nx = true;
        CHECK_INT(eval(e).published, DMARC_POLICY_NONE);
        e.from = e.at; /* np is for subdomains only: the domain itself keeps p */
        CHECK_INT(eval(e).published, DMARC_POLICY_REJECT);
    }
}

static void absent_np_falls_to_sp_then_p(void)
{
    for (int std = R7489; std <= R9989; std++) {
        struct ev e = {.std = std,
                       .txt = "v=DMARC1; p=reject; sp=none",
                       .at = "example.com",
                       .from = "gone.example.com",
                       .from_org = "example.com",
                       .nx = true};
        CHECK_INT(eval(e).published, DMARC_POLICY_NONE);
        e.txt = "v=DMARC1; p=quarantine";
        CHECK_INT(eval(e).published, DMARC_POLICY_QUARANTINE);
        e.nx = false;
        CHECK_INT(eval(e).published, DMARC_POLICY_QUARANTINE);
    }
}

static void pct_draw_inside_applies_the_policy(void)
{
    struct ev e = {.std = R7489,
                   .txt = "v=DMARC1; p=reject; pct=50",
                   .from = "example.com",
                   .from_org = "example.com",
                   .draw = 49};
    struct dmarc_outcome o = eval(e);
    CHECK_INT(o.applied, DMARC_POLICY_REJECT);
    CHECK(!o.sampled_out);
    e.txt = "v=DMARC1; p=reject";
    e.draw = 99;
    CHECK_INT(eval(e).applied, DMARC_POLICY_REJECT);
}

static void pct_draw_outside_lowers_one_level(void)
{
    struct ev e = {.std = R7489,
                   .txt = "v=DMARC1; p=reject; pct=50",
                   .from = "example.com",
                   .from_org = "example.com",
                   .draw = 50};
    struct dmarc_outcome o = eval(e);
    CHECK_INT(o.published, DMARC_POLICY_REJECT);
    CHECK_INT(o.applied, DMARC_POLICY_QUARANTINE);
    CHECK(o.sampled_out);
    e.txt = "v=DMARC1; p=quarantine; pct=50";
    e.draw = 99;
    CHECK_INT(eval(e).applied, DMARC_POLICY_NONE);
    e.txt = "v=DMARC1; p=reject; pct=0";
    e.draw = 0;
    CHECK_INT(eval(e).applied, DMARC_POLICY_QUARANTINE);
    e.txt = "v=DMARC1; p=none; pct=0";
    CHECK_INT(eval(e).applied, DMARC_POLICY_NONE);
}

static void pct_is_ignored_under_rfc9989(void)
{
    struct dmarc_outcome o = eval((struct ev){.std = R9989,
                                              .txt = "v=DMARC1; p=reject; pct=0",
                                              .from = "example.com",
                                              .from_org = "example.com",
                                              .draw = 99});
    CHECK_INT(o.applied, DMARC_POLICY_REJECT);
    CHECK(!o.sampled_out);
}

static void t_y_lowers_one_level_under_rfc9989(void)
{
    struct ev e = {.std = R9989,
                   .txt = "v=DMARC1; p=reject; t=y",
                   .from = "example.com",
                   .from_org = "example.com"};
    struct dmarc_outcome o = eval(e);
    CHECK(o.testing);
    CHECK_INT(o.published, DMARC_POLICY_REJECT);
    CHECK_INT(o.applied, DMARC_POLICY_QUARANTINE);
    e.txt = "v=DMARC1; p=quarantine; t=y";
    CHECK_INT(eval(e).applied, DMARC_POLICY_NONE);
    e.txt = "v=DMARC1; p=none; t=y";
    CHECK_INT(eval(e).applied, DMARC_POLICY_NONE);
    e.txt = "v=DMARC1; p=reject; t=n";
    CHECK_INT(eval(e).applied, DMARC_POLICY_REJECT);
}

static void t_y_is_unknown_under_rfc7489(void)
{
    struct dmarc_outcome o = eval((struct ev){.std = R7489,
                                              .txt = "v=DMARC1; p=reject; t=y",
                                              .from = "example.com",
                                              .from_org = "example.com"});
    CHECK(!o.testing);
    CHECK_INT(o.applied, DMARC_POLICY_REJECT);
}

static void discovery_status_sets_the_result(void)
{
    for (int std = R7489; std <= R9989; std++) {
        struct ev e = {.std = std,
                       .from = "example.com",
                       .from_org = "example.com",
                       .spf = {"example.com", "example.com", PASS}};
        CHECK_STR(dmarc_result_word(eval(e).result), "none");
        e.status = DMARC_SELECT_MULTIPLE;
        CHECK_STR(dmarc_result_word(eval(e).result), "none");
        e.status = DMARC_SELECT_TRYLATER;
        CHECK_STR(dmarc_result_word(eval(e).result), "temperror");
        e.status = DMARC_SELECT_NONE;
        e.txt = "v=DMARC1; p=bogus";
        struct dmarc_outcome o = eval(e);
        CHECK_STR(dmarc_result_word(o.result), "permerror");
        CHECK_INT(o.published, DMARC_POLICY_UNSET);
        CHECK_INT(o.applied, DMARC_POLICY_UNSET);
        e.txt = "v=DMARC1; p=reject";
        e.from = NULL;
        CHECK_INT(eval(e).result, DMARC_RESULT_NONE);
    }
}

static void temperror_when_an_aligned_identifier_might_have_passed(void)
{
    for (int std = R7489; std <= R9989; std++) {
        struct ev e = {.std = std,
                       .txt = "v=DMARC1; p=reject",
                       .from = "example.com",
                       .from_org = "example.com",
                       .spf = {"example.com", "example.com", TEMP}};
        struct dmarc_outcome o = eval(e);
        CHECK_INT(o.result, DMARC_RESULT_TEMPERROR);
        CHECK_INT(o.applied, DMARC_POLICY_UNSET);
        e.spf = (struct dmarc_identity){"evil.example", "evil.example", TEMP};
        CHECK_INT(eval(e).result, DMARC_RESULT_FAIL);
        e.dkim[0] = (struct dmarc_identity){"example.com", "example.com", TEMP};
        e.ndkim = 1;
        CHECK_INT(eval(e).result, DMARC_RESULT_TEMPERROR);
        e.dkim[1] = (struct dmarc_identity){"mail.example.com", "example.com", PASS};
        e.ndkim = 2;
        CHECK_INT(eval(e).result, DMARC_RESULT_PASS);
    }
}

static void unknown_org_gives_temperror_unless_something_passes(void)
{
    struct ev e = {.std = R9989,
                   .txt = "v=DMARC1; p=reject",
                   .from = "mail.example.com",
                   .from_org = NULL,
                   .dkim = {{"example.com", "example.com", PASS}},
                   .ndkim = 1};
    CHECK_INT(eval(e).result, DMARC_RESULT_TEMPERROR);
    e.spf = (struct dmarc_identity){"MAIL.example.com", NULL, PASS};
    CHECK_INT(eval(e).result, DMARC_RESULT_PASS);
    e.txt = "v=DMARC1; p=reject; adkim=s";
    e.spf = (struct dmarc_identity){0};
    CHECK_INT(eval(e).result, DMARC_RESULT_FAIL);
    e.txt = "v=DMARC1; p=reject";
    e.from_org = "example.com";
    e.dkim[0].org = NULL;
    CHECK_INT(eval(e).result, DMARC_RESULT_TEMPERROR);
}

static void dkim_domain_is_the_first_aligned_pass(void)
{
    struct dmarc_outcome o = eval((struct ev){.std = R9989,
                                              .txt = "v=DMARC1; p=reject",
                                              .from = "example.com",
                                              .from_org = "example.com",
                                              .dkim = {{"esp.example", "esp.example", PASS},
                                                       {"a.example.com", "example.com", NOPE},
                                                       {"b.example.com", "example.com", PASS}},
                                              .ndkim = 3});
    CHECK_INT(o.result, DMARC_RESULT_PASS);
    CHECK_STR(o.dkim_domain, "b.example.com");
}

static void invalid_policy_with_rua_fails_with_none(void)
{
    for (int std = R7489; std <= R9989; std++) {
        struct dmarc_outcome o =
            eval((struct ev){.std = std,
                             .txt = "v=DMARC1; p=rejected; sp=reject; rua=mailto:d@example.com",
                             .at = "example.com",
                             .from = "a.example.com",
                             .from_org = "example.com"});
        CHECK_INT(o.result, DMARC_RESULT_FAIL);
        CHECK_INT(o.published, DMARC_POLICY_NONE);
        CHECK_INT(o.applied, DMARC_POLICY_NONE);
    }
}

static void auth_of_spf_and_words(void)
{
    CHECK_INT(dmarc_auth_of_spf(SPF_PASS), DMARC_AUTH_PASS);
    CHECK_INT(dmarc_auth_of_spf(SPF_TEMPERROR), DMARC_AUTH_TEMPERROR);
    CHECK_INT(dmarc_auth_of_spf(SPF_SOFTFAIL), DMARC_AUTH_NONE);
    CHECK_INT(dmarc_auth_of_spf(SPF_PERMERROR), DMARC_AUTH_NONE);
    CHECK_INT(dmarc_auth_of_spf(SPF_NONE), DMARC_AUTH_NONE);
    CHECK_STR(dmarc_result_word(DMARC_RESULT_PERMERROR), "permerror");
    CHECK_STR(dmarc_result_word(DMARC_RESULT_NONE), "none");
}

#define DMARC_EVAL_TESTS(T)                                   \
    T(domain_equal_ignores_case_and_one_trailing_dot)         \
    T(strict_alignment_on_subdomains)                         \
    T(relaxed_alignment_on_subdomains)                        \
    T(relaxed_spf_on_a_subdomain_passes)                      \
    T(relaxed_dkim_on_a_subdomain_passes)                     \
    T(strict_alignment_on_a_subdomain_fails)                  \
    T(unaligned_or_failed_identifiers_fail)                   \
    T(subdomains_take_sp_and_nonexistent_ones_np)             \
    T(absent_np_falls_to_sp_then_p)                           \
    T(pct_draw_inside_applies_the_policy)                     \
    T(pct_draw_outside_lowers_one_level)                      \
    T(pct_is_ignored_under_rfc9989)                           \
    T(t_y_lowers_one_level_under_rfc9989)                     \
    T(t_y_is_unknown_under_rfc7489)                           \
    T(discovery_status_sets_the_result)                       \
    T(temperror_when_an_aligned_identifier_might_have_passed) \
    T(unknown_org_gives_temperror_unless_something_passes)    \
    T(dkim_domain_is_the_first_aligned_pass)                  \
    T(invalid_policy_with_rua_fails_with_none)                \
    T(auth_of_spf_and_words)

TEST_MAIN(DMARC_EVAL_TESTS)
