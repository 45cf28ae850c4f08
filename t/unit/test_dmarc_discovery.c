/* test_dmarc_discovery.c - where the policy comes from: org domains by the
 * PSL (RFC 7489 3.2), the DNS tree walk (RFC 9989 4.10), policy discovery
 * (RFC 7489 6.6.3, RFC 9989 4.10.1) and try-later answers along the way */
#include "dmarc_eval.h"
#include "testing.h"

#include <stdbool.h>

#define R7489 DMARC_RFC7489
#define R9989 DMARC_RFC9989
#define PASS DMARC_AUTH_PASS

/* answer - what a name gave: NULL no record, "?" try-later, "2" two
 * records, else one record parsed under std */
static struct dmarc_answer answer(const char *txt, enum dmarc_std std)
{
    struct dmarc_answer a = {0};
    if (txt == NULL)
        return a;
    if (strcmp(txt, "?") == 0 || strcmp(txt, "2") == 0) {
        a.sel = txt[0] == '?' ? DMARC_SELECT_TRYLATER : DMARC_SELECT_MULTIPLE;
        return a;
    }
    a.sel = dmarc_record_select(&txt, &(size_t){strlen(txt)}, 1, std, &a.rec);
    return a;
}

/* walk - the RFC 9989 walk from domain over txts (one per walk name) */
static struct dmarc_discovery walk(const char *domain, const char *const *txts, size_t n,
                                   struct dmarc_answer *answers)
{
    struct dmarc_discovery d;
    for (size_t i = 0; i < n; i++)
        answers[i] = answer(txts[i], R9989);
    dmarc_walk_decide(domain, answers, n, &d);
    return d;
}

/* names_are - dmarc_walk_names(domain) gives exactly want[0..n) */
static void names_are(const char *domain, const char *const *want, size_t n)
{
    const char *names[DMARC_WALK_MAX];
    CHECK_INT(dmarc_walk_names(domain, names, DMARC_WALK_MAX), n);
    for (size_t i = 0; i < n; i++)
        CHECK_STR(names[i], want[i]);
}

static void orgdomain_psl_is_the_registrable_domain(void)
{
    char buf[256];
    CHECK_INT(dmarc_orgdomain_psl("mail.example.com", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "example.com");
    CHECK_INT(dmarc_orgdomain_psl("a.b.Example.CO.UK.", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "example.co.uk");
    CHECK_INT(dmarc_orgdomain_psl("example.com", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "example.com");
}

static void orgdomain_psl_of_a_public_suffix_is_itself(void)
{
    char buf[256];
    CHECK_INT(dmarc_orgdomain_psl("com", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "com");
    CHECK_INT(dmarc_orgdomain_psl("CO.UK", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "co.uk");
    CHECK_INT(dmarc_orgdomain_psl("", buf, sizeof(buf)), -1);
    CHECK_INT(dmarc_orgdomain_psl("mail.example.com", buf, 16), -1);
}

static void walk_names_short_domains_every_parent(void)
{
    names_are("a.mail.example.com",
              (const char *[]){"a.mail.example.com", "mail.example.com", "example.com", "com"}, 4);
    names_are("example.com", (const char *[]){"example.com", "com"}, 2);
    names_are("com", (const char *[]){"com"}, 1);
    names_are("example.com.", (const char *[]){"example.com.", "com."}, 2);
}

static void walk_names_eight_labels_every_parent(void)
{
    names_are("a.b.c.d.e.f.example.com",
              (const char *[]){"a.b.c.d.e.f.example.com", "b.c.d.e.f.example.com",
                               "c.d.e.f.example.com", "d.e.f.example.com", "e.f.example.com",
                               "f.example.com", "example.com", "com"},
              8);
}

static void walk_names_more_than_eight_labels_jump_to_seven(void)
{
    /* the example of RFC 9989 4.10 */
    names_are("a.b.c.d.e.f.g.h.i.j.mail.example.com",
              (const char *[]){"a.b.c.d.e.f.g.h.i.j.mail.example.com", "g.h.i.j.mail.example.com",
                               "h.i.j.mail.example.com", "i.j.mail.example.com",
                               "j.mail.example.com", "mail.example.com", "example.com", "com"},
              8);
    names_are("z.a.b.c.d.e.f.example.com",
              (const char *[]){"z.a.b.c.d.e.f.example.com", "b.c.d.e.f.example.com",
                               "c.d.e.f.example.com", "d.e.f.example.com", "e.f.example.com",
                               "f.example.com", "example.com", "com"},
              8);
}

static void walk_names_refuse_empty_labels_and_respect_max(void)
{
    const char *names[DMARC_WALK_MAX];
    static const char *const bad[] = {"", ".", ".example.com", "a..example.com", "example.com.."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(dmarc_walk_names(bad[i], names, DMARC_WALK_MAX), 0);
    CHECK_INT(dmarc_walk_names("a.mail.example.com", names, 2), 2);
    CHECK_STR(names[1], "mail.example.com");
    CHECK_INT(dmarc_walk_names("a.mail.example.com", names, 0), 0);
}

static void walk_own_record_applies(void)
{
    struct dmarc_answer ans[4];
    struct dmarc_discovery d =
        walk("a.mail.example.com",
             (const char *[]){"v=DMARC1; p=reject", NULL, "v=DMARC1; p=none", NULL}, 4, ans);
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
    CHECK(d.rec == &ans[0].rec);
    CHECK_STR(d.domain, "a.mail.example.com");
    CHECK_STR(d.org, "example.com");
}

static void walk_org_is_the_record_with_fewest_labels(void)
{
    /* RFC 9989 4.10.2's first example; the policy comes from the org domain
     * (4.10.1), not from the first record up the tree */
    struct dmarc_answer ans[4];
    struct dmarc_discovery d =
        walk("a.mail.example.com",
             (const char *[]){NULL, "v=DMARC1; p=none", "v=DMARC1; p=reject; sp=quarantine", NULL},
             4, ans);
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
    CHECK_STR(d.org, "example.com");
    CHECK_STR(d.domain, "example.com");
    CHECK(d.rec == &ans[2].rec);
}

static void walk_psd_n_stops_and_is_the_org(void)
{
    /* 4.10.2's second example; what lies above cannot matter, try-later included */
    struct dmarc_answer ans[4];
    struct dmarc_discovery d =
        walk("a.mail.example.com",
             (const char *[]){NULL, "v=DMARC1; p=quarantine; psd=n", "?", "?"}, 4, ans);
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
    CHECK_STR(d.org, "mail.example.com");
    CHECK_STR(d.domain, "mail.example.com");
}

static void walk_psd_y_makes_the_org_one_label_below(void)
{
    /* 4.10.2's last example: only _dmarc.com, with psd=y; the PSD's record
     * is the policy since example.com publishes none (4.10.1) */
    struct dmarc_answer ans[4];
    struct dmarc_discovery d =
        walk("a.mail.example.com",
             (const char *[]){NULL, NULL, NULL, "v=DMARC1; p=reject; np=reject; psd=y"}, 4, ans);
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
    CHECK_STR(d.org, "example.com");
    CHECK_STR(d.domain, "com");
}

static void walk_psd_y_above_an_org_record_uses_the_org_record(void)
{
    struct dmarc_answer ans[3];
    struct dmarc_discovery d =
        walk("mail.example.com",
             (const char *[]){NULL, "v=DMARC1; p=quarantine", "v=DMARC1; p=reject; psd=y"}, 3, ans);
    CHECK_STR(d.org, "example.com");
    CHECK_STR(d.domain, "example.com");
    CHECK(d.rec == &ans[1].rec);
}

static void walk_psd_y_below_org_ignores_intermediate_records(void)
{
    /* mail.example.com's record is neither the author's, the org's nor the PSD's */
    struct dmarc_answer ans[4];
    struct dmarc_discovery d =
        walk("a.mail.example.com",
             (const char *[]){NULL, "v=DMARC1; p=none", NULL, "v=DMARC1; p=reject; psd=y"}, 4, ans);
    CHECK_STR(d.org, "example.com");
    CHECK_STR(d.domain, "com");
}

static void walk_psd_y_at_the_start_is_its_own_org(void)
{
    struct dmarc_answer ans[2];
    struct dmarc_discovery d =
        walk("example.com", (const char *[]){"v=DMARC1; p=reject; psd=y", "?"}, 2, ans);
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
    CHECK_STR(d.org, "example.com");
    CHECK_STR(d.domain, "example.com");
}

static void walk_psd_u_at_a_tld_is_the_org(void)
{
    /* rule 3 read literally: a TLD's psd=u record makes the TLD the org */
    struct dmarc_answer ans[2];
    struct dmarc_discovery d =
        walk("example.com", (const char *[]){NULL, "v=DMARC1; p=none"}, 2, ans);
    CHECK_STR(d.org, "com");
    CHECK_STR(d.domain, "com");
}

static void walk_without_records_is_none_and_its_own_org(void)
{
    struct dmarc_answer ans[4];
    struct dmarc_discovery d =
        walk("a.mail.example.com", (const char *[]){NULL, NULL, "v=spf1 -all", NULL}, 4, ans);
    CHECK_INT(d.status, DMARC_SELECT_NONE);
    CHECK(d.rec == NULL && d.domain == NULL);
    CHECK_STR(d.org, "a.mail.example.com");
    dmarc_walk_decide("", ans, 0, &d);
    CHECK_INT(d.status, DMARC_SELECT_NONE);
    CHECK(d.org == NULL);
}

static void walk_more_than_eight_labels_psd_y_at_seven(void)
{
    const char *domain = "a.b.c.d.e.f.g.h.i.j.mail.example.com";
    struct dmarc_answer ans[8];
    struct dmarc_discovery d = walk(
        domain, (const char *[]){NULL, "v=DMARC1; p=reject; psd=y", "?", "?", "?", "?", "?", "?"},
        8, ans);
    CHECK_STR(d.org, "f.g.h.i.j.mail.example.com");
    CHECK_STR(d.domain, "g.h.i.j.mail.example.com");
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
}

static void walk_multiple_records_are_discarded_and_the_walk_goes_on(void)
{
    struct dmarc_answer ans[3];
    struct dmarc_discovery d =
        walk("mail.example.com", (const char *[]){"2", "v=DMARC1; p=reject; sp=quarantine", NULL},
             3, ans);
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
    CHECK_STR(d.domain, "example.com");
}

static void walk_invalid_record_is_found_and_unusable(void)
{
    struct dmarc_answer ans[3];
    struct dmarc_discovery d =
        walk("mail.example.com", (const char *[]){"v=DMARC1; p=bogus", "v=DMARC1; p=reject", NULL},
             3, ans);
    CHECK_INT(d.status, DMARC_SELECT_INVALID);
    CHECK_STR(d.domain, "mail.example.com");
    d = walk("mail.example.com", (const char *[]){NULL, "v=DMARC1; sp=bogus", NULL}, 3, ans);
    CHECK_INT(d.status, DMARC_SELECT_INVALID);
    CHECK_STR(d.org, "example.com");
}

static void walk_trylater_at_the_author_domain_is_trylater(void)
{
    struct dmarc_answer ans[3];
    struct dmarc_discovery d =
        walk("mail.example.com", (const char *[]){"?", "v=DMARC1; p=reject", NULL}, 3, ans);
    CHECK_INT(d.status, DMARC_SELECT_TRYLATER);
    CHECK(d.org == NULL && d.rec == NULL);
}

static void walk_trylater_before_the_stop_is_trylater(void)
{
    struct dmarc_answer ans[4];
    struct dmarc_discovery d =
        walk("a.mail.example.com", (const char *[]){NULL, "v=DMARC1; p=none", "?", NULL}, 4, ans);
    CHECK_INT(d.status, DMARC_SELECT_TRYLATER);
    CHECK(d.org == NULL);
    d = walk("a.mail.example.com", (const char *[]){NULL, "?", "v=DMARC1; p=reject; psd=n", NULL},
             4, ans);
    CHECK_INT(d.status, DMARC_SELECT_TRYLATER);
}

static void walk_trylater_with_an_own_record_leaves_only_the_org_unknown(void)
{
    struct dmarc_answer ans[4];
    struct dmarc_discovery d =
        walk("a.mail.example.com", (const char *[]){"v=DMARC1; p=reject", NULL, "?", NULL}, 4, ans);
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
    CHECK_STR(d.domain, "a.mail.example.com");
    CHECK(d.org == NULL);
}

static void walk_trylater_after_the_stop_is_ignored(void)
{
    struct dmarc_answer ans[4];
    struct dmarc_discovery d =
        walk("a.mail.example.com", (const char *[]){NULL, NULL, "v=DMARC1; p=reject; psd=n", "?"},
             4, ans);
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
    CHECK_STR(d.org, "example.com");
}

static void discover_rfc7489_own_then_org(void)
{
    struct dmarc_answer own = answer("v=DMARC1; p=reject", R7489);
    struct dmarc_answer org = answer("v=DMARC1; p=none", R7489);
    struct dmarc_answer none = answer(NULL, R7489), later = answer("?", R7489);
    struct dmarc_discovery d;
    dmarc_discover_rfc7489("mail.example.com", "example.com", &own, &later, &d);
    CHECK_INT(d.status, DMARC_SELECT_FOUND);
    CHECK(d.rec == &own.rec);
    CHECK_STR(d.domain, "mail.example.com");
    CHECK_STR(d.org, "example.com");
    dmarc_discover_rfc7489("mail.example.com", "example.com", &none, &org, &d);
    CHECK(d.rec == &org.rec);
    CHECK_STR(d.domain, "example.com");
    dmarc_discover_rfc7489("example.com", "example.com", &none, &org, &d);
    CHECK_INT(d.status, DMARC_SELECT_NONE);
    dmarc_discover_rfc7489("mail.example.com", "example.com", &none, NULL, &d);
    CHECK_INT(d.status, DMARC_SELECT_NONE);
}

static void discover_rfc7489_stops_at_multiple_and_invalid(void)
{
    struct dmarc_answer two = answer("2", R7489), bad = answer("v=DMARC1; p=x", R7489);
    struct dmarc_answer org = answer("v=DMARC1; p=reject", R7489);
    struct dmarc_discovery d;
    dmarc_discover_rfc7489("mail.example.com", "example.com", &two, &org, &d);
    CHECK_INT(d.status, DMARC_SELECT_MULTIPLE);
    CHECK(d.rec == NULL);
    dmarc_discover_rfc7489("mail.example.com", "example.com", &bad, &org, &d);
    CHECK_INT(d.status, DMARC_SELECT_INVALID);
    CHECK(d.rec == &bad.rec);
}

static void discover_rfc7489_trylater(void)
{
    struct dmarc_answer none = answer(NULL, R7489), later = answer("?", R7489);
    struct dmarc_answer org = answer("v=DMARC1; p=reject", R7489);
    struct dmarc_discovery d;
    dmarc_discover_rfc7489("mail.example.com", "example.com", &later, &org, &d);
    CHECK_INT(d.status, DMARC_SELECT_TRYLATER);
    dmarc_discover_rfc7489("mail.example.com", "example.com", &none, &later, &d);
    CHECK_INT(d.status, DMARC_SELECT_TRYLATER);
}

static void rfc7489_end_to_end_with_the_psl(void)
{
    char from_org[256], spf_org[256];
    CHECK_INT(dmarc_orgdomain_psl("a.mail.example.co.uk", from_org, sizeof(from_org)), 0);
    CHECK_INT(dmarc_orgdomain_psl("bounce.example.co.uk", spf_org, sizeof(spf_org)), 0);
    struct dmarc_answer own = answer(NULL, R7489);
    struct dmarc_answer org = answer("v=DMARC1; p=reject; sp=quarantine; pct=100", R7489);
    struct dmarc_discovery d;
    dmarc_discover_rfc7489("a.mail.example.co.uk", from_org, &own, &org, &d);
    struct dmarc_input in = {.std = R7489,
                             .from_domain = "a.mail.example.co.uk",
                             .policy = &d,
                             .spf = {"bounce.example.co.uk", spf_org, PASS}};
    struct dmarc_outcome o;
    dmarc_evaluate(&in, &o);
    CHECK_INT(o.result, DMARC_RESULT_PASS);
    CHECK_INT(o.published, DMARC_POLICY_QUARANTINE);
    in.spf.org = "other.co.uk";
    dmarc_evaluate(&in, &o);
    CHECK_INT(o.result, DMARC_RESULT_FAIL);
    CHECK_INT(o.applied, DMARC_POLICY_QUARANTINE);
}

static void rfc9989_end_to_end_with_walks(void)
{
    struct dmarc_answer author[4], signer[2];
    struct dmarc_discovery d =
        walk("a.mail.example.com",
             (const char *[]){NULL, "v=DMARC1; p=none", "v=DMARC1; p=reject; sp=quarantine", NULL},
             4, author);
    struct dmarc_discovery s =
        walk("example.com", (const char *[]){"v=DMARC1; p=reject; sp=quarantine", NULL}, 2, signer);
    struct dmarc_input in = {.std = R9989,
                             .from_domain = "a.mail.example.com",
                             .policy = &d,
                             .dkim = (struct dmarc_identity[]){{"example.com", s.org, PASS}},
                             .ndkim = 1};
    struct dmarc_outcome o;
    dmarc_evaluate(&in, &o);
    CHECK_INT(o.result, DMARC_RESULT_PASS);
    CHECK_INT(o.published, DMARC_POLICY_QUARANTINE);
    in.ndkim = 0;
    in.from_nxdomain = true;
    dmarc_evaluate(&in, &o);
    CHECK_INT(o.result, DMARC_RESULT_FAIL);
    CHECK_INT(o.applied, DMARC_POLICY_QUARANTINE); /* no np: sp */
}

#define DMARC_DISCOVERY_TESTS(T)                                    \
    T(orgdomain_psl_is_the_registrable_domain)                      \
    T(orgdomain_psl_of_a_public_suffix_is_itself)                   \
    T(walk_names_short_domains_every_parent)                        \
    T(walk_names_eight_labels_every_parent)                         \
    T(walk_names_more_than_eight_labels_jump_to_seven)              \
    T(walk_names_refuse_empty_labels_and_respect_max)               \
    T(walk_own_record_applies)                                      \
    T(walk_org_is_the_record_with_fewest_labels)                    \
    T(walk_psd_n_stops_and_is_the_org)                              \
    T(walk_psd_y_makes_the_org_one_label_below)                     \
    T(walk_psd_y_above_an_org_record_uses_the_org_record)           \
    T(walk_psd_y_below_org_ignores_intermediate_records)            \
    T(walk_psd_y_at_the_start_is_its_own_org)                       \
    T(walk_psd_u_at_a_tld_is_the_org)                               \
    T(walk_without_records_is_none_and_its_own_org)                 \
    T(walk_more_than_eight_labels_psd_y_at_seven)                   \
    T(walk_multiple_records_are_discarded_and_the_walk_goes_on)     \
    T(walk_invalid_record_is_found_and_unusable)                    \
    T(walk_trylater_at_the_author_domain_is_trylater)               \
    T(walk_trylater_before_the_stop_is_trylater)                    \
    T(walk_trylater_with_an_own_record_leaves_only_the_org_unknown) \
    T(walk_trylater_after_the_stop_is_ignored)                      \
    T(discover_rfc7489_own_then_org)                                \
    T(discover_rfc7489_stops_at_multiple_and_invalid)               \
    T(discover_rfc7489_trylater)                                    \
    T(rfc7489_end_to_end_with_the_psl)                              \
    T(rfc9989_end_to_end_with_walks)

TEST_MAIN(DMARC_DISCOVERY_TESTS)
