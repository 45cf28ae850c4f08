/* dkim.c - the dkim check: DKIM signatures verified at end of message
 * (RFC 6376, RFC 8301, RFC 8463), one verdict per signature. The work is in
 * dkim_verify.c and dkim_verdict.c; this file is the check's face. */
#include "dkim.h"

#include "arena.h"
#include "check.h"
#include "conn.h"
#include "dkim_verify.h"
#include "settings.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static const char *const dkim_words[] = {
    [DKIM_W_NONE] = "none",           [DKIM_W_PASS] = "pass",
    [DKIM_W_FAIL] = "fail",           [DKIM_W_NEUTRAL] = "neutral",
    [DKIM_W_POLICY] = "policy",       [DKIM_W_TEMPERROR] = "temperror",
    [DKIM_W_PERMERROR] = "permerror", NULL,
};

/* dkim_word_rfc - RFC 8601 words are ours */
const char *dkim_word_rfc(enum dkim_word w)
{
    return dkim_words[w];
}

/* read_setting - one setting of checks.dkim */
static int read_setting(const config_setting_t *g, struct dkim_settings *s, char *err,
                        size_t errlen)
{
    const char *name = config_setting_name(g);
    if (strcmp(name, "max_signatures") == 0)
        return settings_uint(g, 1, 50, &s->max_signatures, err, errlen);
    if (strcmp(name, "min_key_bits") == 0)
        return settings_uint(g, 1024, 16384, &s->min_key_bits, err, errlen);
    snprintf(err, errlen, "unknown setting \"%s\"", name);
    return -1;
}

/* dkim_configure - checks.dkim = { max_signatures = 5; min_key_bits = 1024; } */
static int dkim_configure(const config_setting_t *group, struct arena *arena, void **settings,
                          char *err, size_t errlen)
{
    struct dkim_settings *s = arena_alloc(arena, sizeof(*s));
    *s = (struct dkim_settings){.max_signatures = 5, .min_key_bits = 1024};
    *settings = s;
    for (int i = 0; group && i < config_setting_length(group); i++)
        if (read_setting(config_setting_get_elem(group, (unsigned)i), s, err, errlen) < 0)
            return -1;
    if ((s->lib = dkim_lib_open(err, errlen)) == NULL)
        return -1;
    arena_on_release(arena, dkim_lib_close, s->lib);
    return 0;
}

/* dkim_start - at end of headers: parse, prefetch the keys, feed headers */
static void dkim_start(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    struct dkim_job *job = arena_alloc(arena, sizeof(*job));
    *job = (struct dkim_job){.c = c, .set = settings, .arena = arena};
    *state = job;
    dkim_job_start(job);
}

/* dkim_body - a body chunk */
static void dkim_body_chunk(struct conn *c, const void *settings, void *state,
                            const unsigned char *p, size_t n)
{
    (void)c, (void)settings;
    dkim_job_body(state, p, n);
}

/* rank - how a signature's word weighs for the message's word */
static int rank(enum dkim_word w)
{
    static const int ranks[] = {
        [DKIM_W_NONE] = 0, [DKIM_W_NEUTRAL] = 1,   [DKIM_W_PERMERROR] = 2, [DKIM_W_POLICY] = 3,
        [DKIM_W_FAIL] = 4, [DKIM_W_TEMPERROR] = 5, [DKIM_W_PASS] = 6};
    return ranks[w];
}

/* dkim_finish - end of message: verdicts, and the best as the result */
static struct check_result dkim_finish(struct conn *c, const void *settings, void *state)
{
    struct dkim_job *job = state;
    (void)settings;
    if (!c->content)
        return (struct check_result){.word = DKIM_W_NONE, .reason = "no message content"};
    dkim_job_finish(job);
    struct check_result r = {.word = DKIM_W_NONE, .reason = "no signature"};
    for (size_t i = 0; i < job->nsigs; i++)
        if (rank(job->sigs[i].word) > rank(r.word))
            r = (struct check_result){.word = job->sigs[i].word, .reason = job->sigs[i].reason};
    return r;
}

/* dkim_sigs - the finished check's verdicts */
const struct dkim_sig *dkim_sigs(const struct conn *c, size_t *n)
{
    const struct dkim_job *job = c->slots[CHECK_ID_dkim].state_ptr;
    *n = 0;
    if (conn_check_result(c, CHECK_ID_dkim) == NULL || job == NULL)
        return NULL;
    *n = job->nsigs;
    return job->sigs;
}

const struct check_def check_dkim = {
    .name = "dkim",
    .stage = STAGE_EOM,
    .words = dkim_words,
    .configure = dkim_configure,
    .start = dkim_start,
    .body = dkim_body_chunk,
    .finish = dkim_finish,
};
