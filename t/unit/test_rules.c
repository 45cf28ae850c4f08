/* test_rules.c - conditions, actions, reply texts and rule order */
#include "arena.h"
#include "expr.h"
#include "lists.h"
#include "registry.h"
#include "rule.h"
#include "testing.h"

static int asked[CHECK_COUNT];
static int answer_word;
static const char *rcpt_value;

static const char *exempt_patterns[] = {"postmaster@*", "abuse@*"};
static struct list test_list = {.name = "exempt_rcpt", .patterns = exempt_patterns, .count = 2};
static const struct lists test_lists = {.v = &test_list, .count = 1};

/* fixed_word - every check answers answer_word; count the questions */
static unsigned fixed_word(void *arg, int id)
{
    (void)arg;
    asked[id]++;
    return 1u << answer_word;
}

/* fixed_fact - the recipient is rcpt_value, other facts unknown */
static const char *fixed_fact(void *arg, enum fact f, unsigned i)
{
    (void)arg;
    return f == FACT_RCPT && i == 0 ? rcpt_value : NULL;
}

static const struct expr_env fixed_env = {.words = fixed_word, .fact = fixed_fact};

static const char *addr_value, *helo_value, *tls_value;
static double score_value;

/* any_fact - client_addr, helo_name and the sender from the test's values */
static const char *any_fact(void *arg, enum fact f, unsigned i)
{
    (void)arg;
    if (i > 0)
        return NULL;
    if (f == FACT_CLIENT_ADDR)
        return addr_value;
    if (f == FACT_HELO_NAME || f == FACT_SENDER_DOMAIN)
        return helo_value;
    return f == FACT_RCPT ? rcpt_value : NULL;
}

/* any_macro - {tls_version} only */
static const char *any_macro(void *arg, const char *name)
{
    (void)arg;
    return strcmp(name, "{tls_version}") == 0 ? tls_value : NULL;
}

/* any_score - the test's score */
static double any_score(void *arg)
{
    (void)arg;
    return score_value;
}

static const struct expr_env any_env = {
    .words = fixed_word, .fact = any_fact, .macro = any_macro, .score = any_score};

/* holds - compile text and evaluate it in any_env (-1: does not compile) */
static int holds(const char *text)
{
    struct arena *a = arena_create();
    struct expr_needs needs;
    char err[256];
    struct expr *e = expr_compile(text, &test_lists, a, &needs, err, sizeof(err));
    int rc = e ? expr_eval(e, &any_env) : -1;
    if (e == NULL)
        fprintf(stderr, "%s\n", err);
    arena_destroy(&a);
    return rc;
}

/* eval_text - compile and evaluate a condition with every check at word */
static int eval_text(const char *text, const char *word)
{
    struct arena *a = arena_create();
    struct expr_needs needs;
    char err[256];
    struct expr *e = expr_compile(text, &test_lists, a, &needs, err, sizeof(err));
    int rc = -1;
    if (e) {
        answer_word = check_word_find(CHECK_ID_iprev, word);
        rc = expr_eval(e, &fixed_env);
    } else {
        fprintf(stderr, "%s\n", err);
    }
    arena_destroy(&a);
    return rc;
}

/* compile_error - the error text for a bad condition */
static const char *compile_error(const char *text)
{
    static char err[256];
    struct arena *a = arena_create();
    struct expr_needs needs;
    err[0] = '\0';
    if (expr_compile(text, &test_lists, a, &needs, err, sizeof(err)) != NULL)
        snprintf(err, sizeof(err), "compiled");
    arena_destroy(&a);
    return err;
}

static void conditions_read_like_sentences(void)
{
    CHECK(eval_text("iprev is fail", "fail") == 1);
    CHECK(eval_text("iprev is fail", "pass") == 0);
    CHECK(eval_text("iprev is not pass", "fail") == 1);
    CHECK(eval_text("iprev in (fail, permerror)", "permerror") == 1);
    CHECK(eval_text("iprev not in (fail, permerror)", "permerror") == 0);
    CHECK(eval_text("not iprev is pass", "pass") == 0);
    CHECK(eval_text("iprev is pass or iprev is fail and iprev is none", "pass") == 1);
    CHECK(eval_text("(iprev is pass or iprev is fail) and iprev is none", "pass") == 0);
}

static void evaluation_stops_as_soon_as_the_answer_is_known(void)
{
    memset(asked, 0, sizeof(asked));
    CHECK(eval_text("iprev is pass or iprev is fail", "pass") == 1);
    CHECK(asked[CHECK_ID_iprev] == 1);
}

static void bad_conditions_say_what_and_where(void)
{
    CHECK_CONTAINS(compile_error("spam is high"), "unknown check");
    CHECK_CONTAINS(compile_error("iprev is maybe"), "check iprev has no result \"maybe\"");
    CHECK_CONTAINS(compile_error("iprev is pass and"), "unexpected end");
    CHECK_CONTAINS(compile_error("iprev in (pass"), "expected , or )");
    CHECK_CONTAINS(compile_error("iprev is pass iprev"), "column 15");
    CHECK_CONTAINS(compile_error("iprev equals pass"), "expected is or in");
    CHECK_CONTAINS(compile_error("(iprev is pass"), "expected )");
}

/* rcpt_lists_match_without_regard_to_case - rcpt in LIST, with globs */
static void rcpt_lists_match_without_regard_to_case(void)
{
    rcpt_value = "PostMaster@Example.NET";
    CHECK(eval_text("rcpt in exempt_rcpt", "none") == 1);
    CHECK(eval_text("rcpt not in exempt_rcpt", "none") == 0);
    rcpt_value = "bob@example.net";
    CHECK(eval_text("rcpt in exempt_rcpt", "none") == 0);
    CHECK(eval_text("rcpt in exempt_rcpt or iprev is fail", "fail") == 1);
    rcpt_value = NULL;
    CHECK(eval_text("rcpt in exempt_rcpt", "none") == 0);
}

/* facts_and_lists_are_checked_at_load - unknown lists and bad syntax */
static void facts_and_lists_are_checked_at_load(void)
{
    CHECK_CONTAINS(compile_error("rcpt in friends"), "unknown list");
    CHECK_CONTAINS(compile_error("rcpt equals postmaster"), "expected is PATTERN, in LIST");
    CHECK_CONTAINS(compile_error("sender in"), "expected a list name");
}

/* a_condition_is_decided_at_the_stage_of_its_latest_fact */
static void a_condition_is_decided_at_the_stage_of_its_latest_fact(void)
{
    struct arena *a = arena_create();
    struct expr_needs n;
    char err[256];
    CHECK(expr_compile("iprev is fail", &test_lists, a, &n, err, sizeof(err)));
    CHECK(n.stage == STAGE_CONNECT && n.checks == 1u << CHECK_ID_iprev);
    CHECK(expr_compile("iprev is fail and rcpt in exempt_rcpt", &test_lists, a, &n, err,
                       sizeof(err)));
    CHECK(n.stage == STAGE_RCPT);
    CHECK(expr_compile("sender in exempt_rcpt", &test_lists, a, &n, err, sizeof(err)));
    CHECK(n.stage == STAGE_MAIL && n.checks == 0);
    CHECK(expr_compile("sender_domain in exempt_rcpt", &test_lists, a, &n, err, sizeof(err)));
    CHECK(n.stage == STAGE_MAIL);
    CHECK(expr_compile("rcpt_domain in exempt_rcpt", &test_lists, a, &n, err, sizeof(err)));
    CHECK(n.stage == STAGE_RCPT);
    CHECK(expr_compile("helo_name is 'x'", &test_lists, a, &n, err, sizeof(err)));
    CHECK(n.stage == STAGE_HELO);
    CHECK(expr_compile("auth_user in ('*')", &test_lists, a, &n, err, sizeof(err)));
    CHECK(n.stage == STAGE_MAIL);
    CHECK(expr_compile("macro {tls_version} is TLSv1.3 and macro j is 'x' or macro {tls_version} "
                       "in exempt_rcpt",
                       &test_lists, a, &n, err, sizeof(err)));
    CHECK(n.stage == STAGE_MAIL && !n.score);
    CHECK_STR(n.macros, "{tls_version} j");
    CHECK(expr_compile("score >= 5", &test_lists, a, &n, err, sizeof(err)));
    CHECK(n.stage == STAGE_MAIL && n.score);
    arena_destroy(&a);
}

/* parse_action - action text into out, or the error */
static const char *parse_action(const char *text, struct action *out)
{
    static char err[256];
    struct arena *a = arena_create();
    err[0] = '\0';
    int rc = action_parse(text, a, out, err, sizeof(err));
    static char text_copy[512];
    snprintf(text_copy, sizeof(text_copy), "%s", out->text ? out->text : "");
    out->text = text_copy;
    arena_destroy(&a);
    return rc == 0 ? NULL : err;
}

static void actions_have_sane_default_replies(void)
{
    struct action a;
    CHECK(parse_action("reject", &a) == NULL);
    CHECK(a.kind == ACTION_REJECT);
    CHECK_STR(a.code, "550");
    CHECK_STR(a.ecode, "5.7.1");
    CHECK(parse_action("defer", &a) == NULL);
    CHECK_STR(a.code, "451");
    CHECK_STR(a.ecode, "4.7.1");
    CHECK(parse_action("reject 554 5.7.25 No rDNS for {client_addr}", &a) == NULL);
    CHECK_STR(a.code, "554");
    CHECK_STR(a.ecode, "5.7.25");
    CHECK_STR(a.text, "No rDNS for {client_addr}");
    CHECK(parse_action("tarpit 20", &a) == NULL);
    CHECK(a.kind == ACTION_TARPIT && a.seconds == 20);
    CHECK(parse_action("tarpit", &a) == NULL);
    CHECK(a.kind == ACTION_TARPIT && a.seconds == 0);
    CHECK(parse_action("accept", &a) == NULL && a.kind == ACTION_ACCEPT);
    CHECK(parse_action("quarantine", &a) == NULL && a.kind == ACTION_QUARANTINE);
    CHECK_STR(a.text, "held by policy ({check}={result})");
    CHECK(parse_action("quarantine DMARC of {from_domain}", &a) == NULL);
    CHECK_STR(a.text, "DMARC of {from_domain}");
}

static void actions_refuse_codes_of_the_wrong_class(void)
{
    struct action a;
    CHECK_CONTAINS(parse_action("reject 451 Later", &a), "not a 5xx");
    CHECK_CONTAINS(parse_action("defer 550", &a), "not a 4xx");
    CHECK_CONTAINS(parse_action("reject 550 4.7.1 x", &a), "not an enhanced status code 5");
    CHECK_CONTAINS(parse_action("tarpit 0", &a), "tarpit needs");
    CHECK_CONTAINS(parse_action("tarpit 61", &a), "tarpit needs");
    CHECK_CONTAINS(parse_action("refuse", &a), "unknown action");
    CHECK_CONTAINS(parse_action("accept now", &a), "takes no arguments");
    CHECK_CONTAINS(parse_action("reject 550 5.7.1 {nope}", &a), "unknown placeholder");
}

/* value_of - placeholder values for the expansion test */
static const char *value_of(void *arg, const char *name)
{
    (void)arg;
    if (strcmp(name, "client_addr") == 0)
        return "192.0.2.7";
    if (strcmp(name, "helo") == 0)
        return "100%\r\nEVIL";
    return NULL;
}

static void reply_text_escapes_percent_and_drops_line_breaks(void)
{
    struct arena *a = arena_create();
    CHECK_STR(rule_expand("{client_addr} said {helo}; {sender}.", value_of, NULL, a),
              "192.0.2.7 said 100%%EVIL; .");
    arena_destroy(&a);
}

static int tarpits, tarpit_room;

/* count_tarpit - interim callback: admits while there is room, then
 * answers as the daemon does with a full tarpit */
static struct verdict count_tarpit(void *arg, const struct rule *r)
{
    (void)arg;
    tarpits++;
    if (tarpit_room-- > 0)
        return (struct verdict){0};
    return (struct verdict){.kind = ACTION_DEFER, .rule = r, .action = &rule_tarpit_full};
}

static const struct rule_calls tarpit_calls = {.interim = count_tarpit};

/* compile4 - the rules of the order tests */
static void compile4(struct arena *a, struct rule *rules)
{
    char err[256];
    CHECK(rule_compile("iprev is pass", "accept", NULL, a, &rules[0], err, sizeof(err)) == 0);
    CHECK(rule_compile("iprev is fail", "tarpit 1", NULL, a, &rules[1], err, sizeof(err)) == 0);
    CHECK(rule_compile("iprev in (fail, permerror)", "reject", NULL, a, &rules[2], err,
                       sizeof(err)) == 0);
    CHECK(rule_compile(NULL, "defer", NULL, a, &rules[3], err, sizeof(err)) == 0);
}

static void first_decisive_rule_wins_and_tarpit_goes_on(void)
{
    struct arena *a = arena_create();
    struct rule rules[4];
    compile4(a, rules);
    struct ruleset rs = {.rules = rules, .count = 4};
    tarpits = 0, tarpit_room = 1;
    answer_word = check_word_find(CHECK_ID_iprev, "fail");
    struct verdict v = rules_eval(&rs, STAGE_NONE, STAGE_RCPT, &fixed_env, &tarpit_calls);
    CHECK(v.kind == ACTION_REJECT && v.rule == &rules[2] && v.action == &rules[2].action);
    CHECK(tarpits == 1);
    answer_word = check_word_find(CHECK_ID_iprev, "none");
    v = rules_eval(&rs, STAGE_NONE, STAGE_RCPT, &fixed_env, &tarpit_calls);
    CHECK(v.kind == ACTION_DEFER && v.rule == &rules[3]);
    v = rules_eval(&rs, STAGE_EOH, STAGE_EOM, &fixed_env, &tarpit_calls);
    CHECK(v.kind == ACTION_CONTINUE && v.rule == NULL);
    arena_destroy(&a);
}

static void a_full_tarpit_becomes_a_deferral(void)
{
    struct arena *a = arena_create();
    struct rule rules[4];
    compile4(a, rules);
    struct ruleset rs = {.rules = rules, .count = 4};
    tarpits = 0, tarpit_room = 0;
    answer_word = check_word_find(CHECK_ID_iprev, "fail");
    struct verdict v = rules_eval(&rs, STAGE_NONE, STAGE_RCPT, &fixed_env, &tarpit_calls);
    CHECK(v.kind == ACTION_DEFER && v.rule == &rules[1] && v.action == &rule_tarpit_full);
    CHECK_STR(v.action->code, "451");
    CHECK(tarpits == 1);
    arena_destroy(&a);
}

static void a_log_rule_is_reported_and_evaluation_goes_on(void)
{
    struct arena *a = arena_create();
    struct rule rules[2];
    char err[256];
    struct action act;
    CHECK(rule_compile("iprev is fail", "log", NULL, a, &rules[0], err, sizeof(err)) == 0);
    CHECK(rule_compile("iprev is fail", "reject", NULL, a, &rules[1], err, sizeof(err)) == 0);
    CHECK(action_parse("log now", a, &act, err, sizeof(err)) < 0);
    struct ruleset rs = {.rules = rules, .count = 2};
    tarpits = 0, tarpit_room = 1;
    answer_word = check_word_find(CHECK_ID_iprev, "fail");
    struct verdict v = rules_eval(&rs, STAGE_NONE, STAGE_RCPT, &fixed_env, &tarpit_calls);
    CHECK(v.kind == ACTION_REJECT && v.rule == &rules[1] && tarpits == 1);
    arena_destroy(&a);
}

static void greylist_goes_on_and_waits_for_a_recipient(void)
{
    struct arena *a = arena_create();
    struct rule r;
    char err[256];
    CHECK(rule_compile("iprev is fail", "greylist", NULL, a, &r, err, sizeof(err)) == 0);
    CHECK(r.action.kind == ACTION_GREYLIST && rule_goes_on(r.action.kind));
    CHECK(r.stage == STAGE_RCPT);
    CHECK(r.checks & (1u << CHECK_ID_greylist));
    CHECK_STR(r.action.code, "451");
    CHECK_STR(r.action.ecode, "4.7.1");
    CHECK_CONTAINS(r.action.text, "{retry_in}");
    CHECK(rule_compile(NULL, "greylist 450 4.7.1 Come back in {retry_in}s", NULL, a, &r, err,
                       sizeof(err)) == 0);
    CHECK_STR(r.action.code, "450");
    CHECK(rule_compile(NULL, "greylist 550", NULL, a, &r, err, sizeof(err)) < 0);
    CHECK_CONTAINS(err, "not a 4xx");
    arena_destroy(&a);
}

/* client_addr_matches_networks_of_both_families - CIDR entries */
static void client_addr_matches_networks_of_both_families(void)
{
    addr_value = "192.0.2.77";
    CHECK(holds("client_addr in (192.0.2.0/24)") == 1);
    CHECK(holds("client_addr in ('198.51.100.0/24', 2001:db8::/32)") == 0);
    CHECK(holds("client_addr is 192.0.2.77") == 1);
    CHECK(holds("client_addr is '192.0.2.*'") == 1);
    CHECK(holds("client_addr not in (0.0.0.0/0)") == 0);
    addr_value = "2001:DB8:0:1::25";
    CHECK(holds("client_addr in (192.0.2.0/24, '2001:db8::/32')") == 1);
    CHECK(holds("client_addr in (2001:db8:1::/48)") == 0);
    CHECK(holds("client_addr is '2001:db8:0:1::25'") == 1);
    addr_value = NULL;
    CHECK(holds("client_addr in (0.0.0.0/0, ::/0)") == 0);
}

/* malformed_networks_and_patterns_are_load_errors */
static void malformed_networks_and_patterns_are_load_errors(void)
{
    CHECK_CONTAINS(compile_error("client_addr in (192.0.2.0/33)"), "bad prefix length");
    CHECK_CONTAINS(compile_error("client_addr in (192.0.2.1/24)"), "bits set beyond");
    CHECK_CONTAINS(compile_error("client_addr in (192.0.2.300)"), "not an IP address");
    CHECK_CONTAINS(compile_error("client_addr in (a, 2001:db8::/129)"), "column 16");
    CHECK_CONTAINS(compile_error("helo_name is '[abc'"), "without its ']'");
    CHECK_CONTAINS(compile_error("helo_name is 'a b'"), "blank");
    CHECK_CONTAINS(compile_error("helo_name is 'abc"), "quote without its end");
    CHECK_CONTAINS(compile_error("helo_name in ()"), "expected a pattern");
    CHECK_CONTAINS(compile_error("macro tls_version is x"), "expected a macro name");
    CHECK_CONTAINS(compile_error("score 5"), "expected >=");
    CHECK_CONTAINS(compile_error("helo in exempt_rcpt"), "helo_name in LIST");
    CHECK_CONTAINS(compile_error("score >= five"), "expected a number");
    CHECK_CONTAINS(compile_error("'iprev' is pass"), "unknown check or fact");
    char p0[] = "10.0.0.0/8", p1[] = "X.Example", p2[] = "::1";
    const char *pats[] = {p0, p1, p2};
    struct list l = {.name = "t", .patterns = pats, .count = 3};
    char err[128];
    struct arena *a = arena_create();
    CHECK(list_compile(&l, a, err, sizeof(err)) == 0 && l.ncidrs == 2);
    CHECK_STR(p1, "x.example");
    arena_destroy(&a);
}

/* names_match_globs_without_regard_to_case - helo_name, quoted and bare */
static void names_match_globs_without_regard_to_case(void)
{
    helo_value = "MX1.Example.ORG";
    CHECK(holds("helo_name is mx1.example.org") == 1);
    CHECK(holds("helo_name in ('*.example.org', \"*.example.net\")") == 1);
    CHECK(holds("helo_name in (*.example.net)") == 0);
    CHECK(holds("helo_name is not '*.example.org'") == 0);
    CHECK(holds("helo_name not in ('x', 'y')") == 1);
    CHECK(holds("helo_name is 'and'") == 0);
    helo_value = NULL;
    CHECK(holds("helo_name is '*'") == 0);
}

/* macros_and_scores_are_compared - macro NAME is / in, score CMP N */
static void macros_and_scores_are_compared(void)
{
    tls_value = "TLSv1.3";
    CHECK(holds("macro {tls_version} is 'tlsv1.3'") == 1);
    CHECK(holds("macro {tls_version} in (TLSv1, TLSv1.1)") == 0);
    CHECK(holds("macro {cert_subject} is '*'") == 0);
    tls_value = NULL;
    CHECK(holds("macro {tls_version} is not '*'") == 1);
    score_value = 5;
    CHECK(holds("score >= 5") == 1 && holds("score > 5") == 0 && holds("score<=5") == 1);
    CHECK(holds("score < 5") == 0 && holds("score = 5") == 1 && holds("score != 5") == 0);
    CHECK(holds("score >= 4.5 and score < -1") == 0);
    score_value = -2;
    CHECK(holds("score < -1") == 1);
}

/* and_binds_tighter_than_or_and_not_tightest */
static void and_binds_tighter_than_or_and_not_tightest(void)
{
    score_value = 1;
    CHECK(holds("score = 1 or score = 2 and score = 3") == 1);
    CHECK(holds("(score = 1 or score = 2) and score = 3") == 0);
    CHECK(holds("score = 2 and score = 3 or score = 1") == 1);
    CHECK(holds("not score = 1 or score = 1") == 1);
    CHECK(holds("not score = 1 and score = 1") == 0);
    CHECK(holds("not (score = 2 or score = 3) and score = 1") == 1);
    CHECK(holds("not not score = 1") == 1);
}

/* add_header_and_score_actions_are_checked */
static void add_header_and_score_actions_are_checked(void)
{
    struct action a;
    CHECK(parse_action("add_header X-Policy: would reject {client_addr} ({reason})", &a) == NULL);
    CHECK(a.kind == ACTION_ADD_HEADER && rule_goes_on(a.kind));
    CHECK_STR(a.text, "would reject {client_addr} ({reason})");
    CHECK_CONTAINS(parse_action("add_header X-Policy", &a), "NAME: TEXT");
    CHECK_CONTAINS(parse_action("add_header X Policy: x", &a), "without blanks");
    CHECK_CONTAINS(parse_action("add_header X-Policy:", &a), "needs a value");
    CHECK_CONTAINS(parse_action("add_header authentication-results: x", &a), "mxgate itself");
    CHECK_CONTAINS(parse_action("add_header X-A: {nope}", &a), "unknown placeholder");
    CHECK(parse_action("score 2.5", &a) == NULL && a.kind == ACTION_SCORE && a.points == 2.5);
    CHECK(parse_action("score -3", &a) == NULL && a.points == -3);
    CHECK_CONTAINS(parse_action("score", &a), "score needs");
    CHECK_CONTAINS(parse_action("score lots", &a), "score needs");
    CHECK_CONTAINS(parse_action("score 1001", &a), "score needs");
    struct arena *ar = arena_create();
    struct rule r;
    char err[256];
    CHECK(rule_compile(NULL, "add_header X-A: b", NULL, ar, &r, err, sizeof(err)) == 0);
    CHECK(r.stage == STAGE_EOM);
    CHECK(rule_compile(NULL, "score 1", NULL, ar, &r, err, sizeof(err)) == 0);
    CHECK(r.stage == STAGE_MAIL);
    CHECK_STR(rule_expand_header("{helo} 100%", value_of, NULL, ar), "100%EVIL 100%");
    arena_destroy(&ar);
}

static int shadows;

/* note_shadow - shadow callback: count */
static void note_shadow(void *arg, const struct rule *r)
{
    (void)arg, (void)r;
    shadows++;
}

/* a_shadow_rule_is_counted_and_evaluation_goes_on */
static void a_shadow_rule_is_counted_and_evaluation_goes_on(void)
{
    struct arena *a = arena_create();
    struct rule rules[3];
    struct rule_count counts[3] = {0};
    char err[256];
    CHECK(rule_compile("iprev is fail", "reject", NULL, a, &rules[0], err, sizeof(err)) == 0);
    CHECK(rule_compile("iprev is fail", "tarpit", NULL, a, &rules[1], err, sizeof(err)) == 0);
    CHECK(rule_compile("iprev is fail", "defer", NULL, a, &rules[2], err, sizeof(err)) == 0);
    for (int i = 0; i < 3; i++)
        rules[i].count = &counts[i];
    rules[0].shadow = rules[1].shadow = true;
    struct ruleset rs = {.rules = rules, .count = 3};
    struct rule_calls calls = {.interim = count_tarpit, .shadow = note_shadow};
    tarpits = shadows = 0, tarpit_room = 1;
    answer_word = check_word_find(CHECK_ID_iprev, "fail");
    struct verdict v = rules_eval(&rs, STAGE_NONE, STAGE_RCPT, &fixed_env, &calls);
    CHECK(v.kind == ACTION_DEFER && v.rule == &rules[2]);
    CHECK(shadows == 2 && tarpits == 0);
    CHECK(counts[0].shadowed == 1 && counts[0].enforced == 0);
    CHECK(counts[1].shadowed == 1 && counts[2].enforced == 1 && counts[2].shadowed == 0);
    answer_word = check_word_find(CHECK_ID_iprev, "pass");
    v = rules_eval(&rs, STAGE_NONE, STAGE_RCPT, &fixed_env, &calls);
    CHECK(v.kind == ACTION_CONTINUE && counts[0].shadowed == 1 && counts[2].enforced == 1);
    arena_destroy(&a);
}

#define RULES_TESTS(T)                                        \
    T(greylist_goes_on_and_waits_for_a_recipient)             \
    T(conditions_read_like_sentences)                         \
    T(evaluation_stops_as_soon_as_the_answer_is_known)        \
    T(bad_conditions_say_what_and_where)                      \
    T(actions_have_sane_default_replies)                      \
    T(actions_refuse_codes_of_the_wrong_class)                \
    T(reply_text_escapes_percent_and_drops_line_breaks)       \
    T(first_decisive_rule_wins_and_tarpit_goes_on)            \
    T(a_full_tarpit_becomes_a_deferral)                       \
    T(a_log_rule_is_reported_and_evaluation_goes_on)          \
    T(rcpt_lists_match_without_regard_to_case)                \
    T(facts_and_lists_are_checked_at_load)                    \
    T(a_condition_is_decided_at_the_stage_of_its_latest_fact) \
    T(client_addr_matches_networks_of_both_families)          \
    T(malformed_networks_and_patterns_are_load_errors)        \
    T(names_match_globs_without_regard_to_case)               \
    T(macros_and_scores_are_compared)                         \
    T(and_binds_tighter_than_or_and_not_tightest)             \
    T(add_header_and_score_actions_are_checked)               \
    T(a_shadow_rule_is_counted_and_evaluation_goes_on)

TEST_MAIN(RULES_TESTS)
