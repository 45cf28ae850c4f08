/* test_dmarc_history.c - how a DMARC evaluation becomes a row of the
 * store's history: the DKIM text and the envelope domain (the row itself,
 * through the daemon, is in t/integration/dmarc_golden.sh) */
#include "arena.h"
#include "dmarc_history.h"
#include "testing.h"

static void dkim_text_names_each_signature_with_its_result(void)
{
    struct arena *a = arena_create();
    const struct dkim_sig sigs[] = {
        {.word = DKIM_W_PASS,
         .domain = "example.org",
         .selector = "sel",
         .algorithm = "rsa-sha256"},
        {.word = DKIM_W_FAIL,
         .domain = "example.net",
         .selector = "k2",
         .algorithm = "ed25519-sha256"},
    };
    CHECK_STR(dmarc_history_dkim(a, sigs, 2),
              "d=example.org s=sel a=rsa-sha256 pass; d=example.net s=k2 a=ed25519-sha256 fail");
    CHECK_STR(dmarc_history_dkim(a, sigs, 1), "d=example.org s=sel a=rsa-sha256 pass");
    arena_destroy(&a);
}

static void dkim_text_is_empty_without_a_signature(void)
{
    struct arena *a = arena_create();
    CHECK_STR(dmarc_history_dkim(a, NULL, 0), "");
    arena_destroy(&a);
}

static void dkim_text_leaves_absent_tags_empty(void)
{
    struct arena *a = arena_create();
    const struct dkim_sig sig = {.word = DKIM_W_PERMERROR, .selector = "s1"};
    CHECK_STR(dmarc_history_dkim(a, &sig, 1), "d= s=s1 a= permerror");
    arena_destroy(&a);
}

static void dkim_text_names_at_most_the_first_five_signatures(void)
{
    struct arena *a = arena_create();
    struct dkim_sig sigs[7];
    static const char *const d[] = {"a.example", "b.example", "c.example", "d.example",
                                    "e.example", "f.example", "g.example"};
    for (int i = 0; i < 7; i++)
        sigs[i] = (struct dkim_sig){
            .word = DKIM_W_TEMPERROR, .domain = d[i], .selector = "s", .algorithm = "rsa-sha256"};
    const char *text = dmarc_history_dkim(a, sigs, 7);
    CHECK_INT(DMARC_HISTORY_SIGS, 5);
    CHECK_CONTAINS(text, "d=a.example s=s a=rsa-sha256 temperror; d=b.example");
    CHECK_CONTAINS(text, "; d=e.example s=s a=rsa-sha256 temperror");
    CHECK(strstr(text, "f.example") == NULL);
    arena_destroy(&a);
}

static void envelope_domain_is_lowercase_after_the_last_at(void)
{
    struct arena *a = arena_create();
    CHECK_STR(dmarc_history_domain(a, "Alice@Example.ORG"), "example.org");
    CHECK_STR(dmarc_history_domain(a, "\"a@b\"@mail.example."), "mail.example");
    CHECK_STR(dmarc_history_domain(a, ""), ""); /* the null sender */
    CHECK_STR(dmarc_history_domain(a, NULL), "");
    CHECK_STR(dmarc_history_domain(a, "postmaster"), "");
    arena_destroy(&a);
}

#define DMARC_HISTORY_TESTS(T)                           \
    T(dkim_text_names_each_signature_with_its_result)    \
    T(dkim_text_is_empty_without_a_signature)            \
    T(dkim_text_leaves_absent_tags_empty)                \
    T(dkim_text_names_at_most_the_first_five_signatures) \
    T(envelope_domain_is_lowercase_after_the_last_at)

TEST_MAIN(DMARC_HISTORY_TESTS)
