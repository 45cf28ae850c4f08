/* rule.h - rules map check results to actions: compiled once at load time
 * into an immutable form that lives in the configuration snapshot */
#ifndef MXGATE_RULE_H
#define MXGATE_RULE_H

#include "check.h"
#include "expr.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct arena;
struct expr;
struct lists;

enum action_kind {
    ACTION_CONTINUE = 0, /* no opinion: go on to the next rule */
    ACTION_ACCEPT,       /* stop evaluating: let this recipient (or message) through */
    ACTION_REJECT,       /* 5xx */
    ACTION_DEFER,        /* 4xx */
    ACTION_TARPIT,       /* delay this and every later reply to the client, then go on */
    ACTION_LOG,          /* write the decision line, then go on (report only) */
    ACTION_GREYLIST,     /* 4xx for a triplet's first attempt; its retry goes on */
    ACTION_QUARANTINE,   /* end of message: accept into the MTA's hold queue */
    ACTION_ADD_HEADER,   /* end of message: add a header (report only), then go on */
    ACTION_SCORE,        /* add points to the transaction's score, then go on */
};

struct action {
    enum action_kind kind;
    char code[4];       /* "550"; empty for continue, accept, tarpit, log */
    char ecode[16];     /* "5.7.1" */
    const char *text;   /* reply text template with {placeholders}; quarantine: the
                         * reason; add_header: the value */
    const char *header; /* add_header: the header's name */
    unsigned seconds;   /* tarpit delay; 0: the configured default */
    double points;      /* score: added to the transaction's score */
};

/* How often a rule matched since its configuration was loaded: applied, or
 * only logged in shadow mode. Updated by any thread. */
struct rule_count {
    atomic_ulong enforced, shadowed;
};

struct rule {
    int index;          /* 1-based position, for logs ("rule=3") */
    const char *origin; /* "FILE:LINE" */
    const char *cond_text;
    struct expr *cond; /* NULL: always */
    struct action action;
    enum stage stage;         /* the latest stage whose facts the condition needs */
    unsigned checks;          /* bit (1u << id) for every check the condition names */
    bool shadow;              /* log "would ..." and count; evaluation goes on as if no match */
    bool reads_score;         /* the condition tests the score */
    const char *macros;       /* MTA macros the condition names ("{a} {b}"), or NULL */
    struct rule_count *count; /* NULL: not counted (rules built by hand in tests) */
};

struct ruleset {
    struct rule *rules;
    size_t count;
    unsigned used_checks; /* union of rules[].checks: the checks worth running */
    bool scores;          /* some rule has a score action or condition */
    const char *macros;   /* union of rules[].macros (the MTA is asked for them), or NULL */
};

/* A verdict: what the rules decided at a stage. Zero is "continue, no rule".
 * action is the rule's action, or the tarpit overflow deferral. */
struct verdict {
    enum action_kind kind;
    const struct rule *rule;
    const struct action *action;
};

/* rule_tarpit_full - what a tarpit rule does when too many clients are being
 * tarpitted already: 451 4.7.1, so that tarpits never starve the workers. */
extern const struct action rule_tarpit_full;

/* rule_compile - compile a condition (NULL for always; lists resolves list
 * names) and an action text into *out, allocating in arena. 0, or -1 with the
 * problem in err (no file:line: the caller adds it). */
int rule_compile(const char *cond, const char *action, const struct lists *lists,
                 struct arena *arena, struct rule *out, char *err, size_t errlen);

/* action_parse - "continue", "accept", "reject [CODE [ECODE]] [TEXT]",
 * "defer [CODE [ECODE]] [TEXT]", "greylist [CODE [ECODE]] [TEXT]" (4xx),
 * "tarpit [SECONDS]", "log", "quarantine [TEXT]", "add_header NAME: TEXT",
 * "score POINTS". 0 or -1 with err. */
int action_parse(const char *text, struct arena *arena, struct action *out, char *err,
                 size_t errlen);

/* action_name - "continue", "accept", "reject", "defer", "tarpit", "log",
 * "greylist", "quarantine", "add_header", "score". */
const char *action_name(enum action_kind kind);

/* rule_goes_on - whether an action lets evaluation go on when it matches
 * (tarpit, log, greylist, add_header, score) rather than deciding by itself. */
bool rule_goes_on(enum action_kind kind);

/* What rules_eval calls back for a matching rule. interim: a rule whose
 * action goes on (tarpit, log, greylist, add_header, score); a verdict of kind
 * ACTION_CONTINUE lets evaluation go on, any other ends it (a greylist
 * deferral, a full tarpit). shadow: a rule in shadow mode, whatever its
 * action (it is not applied; evaluation goes on); NULL: ignored. */
struct rule_calls {
    struct verdict (*interim)(void *arg, const struct rule *r);
    void (*shadow)(void *arg, const struct rule *r);
};

/* rules_eval - walk, in order, the rules whose stage lies in [lo, hi] and
 * return the first decisive verdict (accept, reject, defer, quarantine).
 * Each matching rule is counted in its rule_count (shadowed or enforced). */
struct verdict rules_eval(const struct ruleset *rs, enum stage lo, enum stage hi,
                          const struct expr_env *env, const struct rule_calls *calls);

/* rules_accept_early - the accept rule that is decided at stage already,
 * before delay_reject's RCPT: the first rule of a stage up to stage whose
 * condition holds, if it accepts and every rule before it either is of a
 * stage up to stage or accepts too (so no later fact can change the
 * outcome); else NULL. Evaluates only the conditions of rules up to the
 * last such accept rule (none when there is none). */
const struct rule *rules_accept_early(const struct ruleset *rs, enum stage stage,
                                      const struct expr_env *env);

/* rule_expand - the reply text of a rule with {placeholders} replaced by
 * value(arg, name) (NULL: left empty), '%' doubled (Sendmail formats a milter's reply text),
 * control characters dropped. The result is in arena. */
char *rule_expand(const char *tmpl, const char *(*value)(void *arg, const char *name), void *arg,
                  struct arena *arena);

/* rule_expand_header - like rule_expand for a header value: '%' is not
 * doubled, and the result is cut at 900 bytes. */
char *rule_expand_header(const char *tmpl, const char *(*value)(void *arg, const char *name),
                         void *arg, struct arena *arena);

#endif
