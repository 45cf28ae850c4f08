/* test_rules.c - conditions, actions, reply texts and rule order */
#include "arena.h"
#include "expr.h"
#include "registry.h"
#include "rule.h"
#include "testing.h"

static int asked[CHECK_COUNT];
static int answer_word;

/* fixed_word - every check answers answer_word; count the questions */
static int fixed_word(void *arg, int id)
{
    (void)arg;
    asked[id]++;
    return answer_word;
}

/* eval_text - compile and evaluate a condition with every check at word */
static int eval_text(const char *text, const char *word)
{
    struct arena *a = arena_create();
    unsigned checks;
    enum stage stage;
    char err[256];
    struct expr *e = expr_compile(text, a, &checks, &stage, err, sizeof(err));
    int rc = -1;
    if (e) {
        answer_word = check_word_find(CHECK_ID_iprev, word);
        rc = expr_eval(e, fixed_word, NULL);
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
    unsigned checks;
    enum stage stage;
    err[0] = '\0';
    if (expr_compile(text, a, &checks, &stage, err, sizeof(err)) != NULL)
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
    CHECK(parse_action("accept", &a) == NULL && a.kind == ACTION_ACCEPT);
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

/* count_tarpit - tarpit callback for the order test */
static void count_tarpit(void *arg, const struct rule *r)
{
    (void)r;
    (*(int *)arg)++;
}

static void first_decisive_rule_wins_and_tarpit_goes_on(void)
{
    struct arena *a = arena_create();
    struct rule rules[4];
    char err[256];
    CHECK(rule_compile("iprev is pass", "accept", a, &rules[0], err, sizeof(err)) == 0);
    CHECK(rule_compile("iprev is fail", "tarpit 1", a, &rules[1], err, sizeof(err)) == 0);
    CHECK(rule_compile("iprev in (fail, permerror)", "reject", a, &rules[2], err, sizeof(err)) ==
          0);
    CHECK(rule_compile(NULL, "defer", a, &rules[3], err, sizeof(err)) == 0);
    struct ruleset rs = {.rules = rules, .count = 4};
    int tarpits = 0;
    answer_word = check_word_find(CHECK_ID_iprev, "fail");
    struct verdict v = rules_eval(&rs, STAGE_NONE, STAGE_RCPT, fixed_word, count_tarpit, &tarpits);
    CHECK(v.kind == ACTION_REJECT && v.rule == &rules[2] && tarpits == 1);
    answer_word = check_word_find(CHECK_ID_iprev, "none");
    v = rules_eval(&rs, STAGE_NONE, STAGE_RCPT, fixed_word, count_tarpit, &tarpits);
    CHECK(v.kind == ACTION_DEFER && v.rule == &rules[3]);
    v = rules_eval(&rs, STAGE_EOH, STAGE_EOM, fixed_word, count_tarpit, &tarpits);
    CHECK(v.kind == ACTION_CONTINUE && v.rule == NULL);
    arena_destroy(&a);
}

#define RULES_TESTS(T)                                  \
    T(conditions_read_like_sentences)                   \
    T(evaluation_stops_as_soon_as_the_answer_is_known)  \
    T(bad_conditions_say_what_and_where)                \
    T(actions_have_sane_default_replies)                \
    T(actions_refuse_codes_of_the_wrong_class)          \
    T(reply_text_escapes_percent_and_drops_line_breaks) \
    T(first_decisive_rule_wins_and_tarpit_goes_on)

TEST_MAIN(RULES_TESTS)
