/* rule_counters.c - read the rules' match counters */
#include "rule_counters.h"

#include "log.h"

/* rules_each_counter - every rule's counters, in order */
void rules_each_counter(const struct config *cfg,
                        void (*fn)(void *arg, const struct rule_stats *st), void *arg)
{
    for (size_t i = 0; cfg && i < cfg->rules.count; i++) {
        const struct rule *r = &cfg->rules.rules[i];
        struct rule_stats st = {
            .index = r->index,
            .origin = r->origin,
            .action = action_name(r->action.kind),
            .shadow = r->shadow,
        };
        if (r->count) {
            st.enforced = atomic_load_explicit(&r->count->enforced, memory_order_relaxed);
            st.shadowed = atomic_load_explicit(&r->count->shadowed, memory_order_relaxed);
        }
        fn(arg, &st);
    }
}

/* log_one - the log line of one rule */
static void log_one(void *arg, const struct rule_stats *st)
{
    (void)arg;
    log_info("rule %d (%s) %s%s: enforced=%lu shadow=%lu", st->index, st->origin, st->action,
             st->shadow ? " [shadow]" : "", st->enforced, st->shadowed);
}

/* rules_log_counters - every rule's counters in the log */
void rules_log_counters(const struct config *cfg)
{
    rules_each_counter(cfg, log_one, NULL);
}
