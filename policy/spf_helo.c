/* spf_helo.c - check spf_helo: RFC 7208 for the HELO identity
 * (postmaster@HELO), decided at HELO. Words as check spf. */
#include "arena.h"
#include "check.h"
#include "conn.h"
#include "spf.h"

/* spf_helo_start - the identity is fixed at HELO */
static void spf_helo_start(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    struct spf_state *st = arena_alloc(arena, sizeof(*st));
    (void)settings;
    *state = spf_identity(c, true, arena, st) ? st : NULL;
}

/* spf_helo_finish - evaluate */
static struct check_result spf_helo_finish(struct conn *c, const void *settings, void *state)
{
    (void)settings;
    return spf_run(c, c->arena, state, "no IP client or no usable HELO name");
}

const struct check_def check_spf_helo = {
    .name = "spf_helo",
    .stage = STAGE_HELO,
    .words = spf_result_words,
    .start = spf_helo_start,
    .finish = spf_helo_finish,
};
