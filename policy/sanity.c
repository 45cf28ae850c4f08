/* sanity.c - the sanity check: how well formed the message is (RFC 5322
 * header counts, 8-bit headers, MIME structure, long lines, NULs, header
 * injection, markup in Subject), walked as it streams in with bounded memory
 * (msgwalk.c). One word per finding; a message may have several, and a rule
 * "sanity is F" holds when F is among them. */
#include "arena.h"
#include "check.h"
#include "conn.h"
#include "msgwalk.h"
#include "settings.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* "none", then one word per finding, in msgwalk's order (sanity_configure
 * checks that they agree) */
static const char *const sanity_words[] = {
    "none",           "from_missing",      "from_multiple",  "date_missing", "date_multiple",
    "dup_header",     "msgid_missing",     "header_8bit",    "header_utf8",  "text_8bit_nocharset",
    "html_only",      "long_line",         "long_body_line", "nul",          "header_injection",
    "subject_markup", "mime_bad_boundary", "mime_limits",    NULL,
};

struct sanity_settings {
    struct msgwalk_limits limits;
};

/* words_agree - our words are the walker's finding names */
static bool words_agree(void)
{
    for (int i = 0; i < MSGWALK_NFINDINGS; i++)
        if (sanity_words[i + 1] == NULL || strcmp(sanity_words[i + 1], msgwalk_finding_name(i)))
            return false;
    return sanity_words[MSGWALK_NFINDINGS + 1] == NULL;
}

/* read_limit - one of checks.sanity's limits */
static int read_limit(const config_setting_t *g, struct msgwalk_limits *l, char *err, size_t errlen)
{
    const char *name = config_setting_name(g);
    unsigned v;
    if (strcmp(name, "max_depth") == 0)
        return settings_uint(g, 1, 1000, &l->max_depth, err, errlen);
    if (strcmp(name, "max_parts") == 0)
        return settings_uint(g, 1, 1000000, &l->max_parts, err, errlen);
    if (strcmp(name, "max_header_bytes") == 0) {
        int rc = settings_uint(g, 1024, 16 * 1024 * 1024, &v, err, errlen);
        l->max_header_bytes = v;
        return rc;
    }
    snprintf(err, errlen, "unknown setting \"%s\"", name);
    return -1;
}

/* sanity_configure - checks.sanity = { max_depth = 20; max_parts = 1000;
 * max_header_bytes = 65536; } */
static int sanity_configure(const config_setting_t *group, struct arena *arena, void **settings,
                            char *err, size_t errlen)
{
    struct sanity_settings *s = arena_alloc(arena, sizeof(*s));
    memset(s, 0, sizeof(*s));
    if (!words_agree()) {
        snprintf(err, errlen, "internal error: sanity words differ from msgwalk's findings");
        return -1;
    }
    *settings = s;
    for (int i = 0; group && i < config_setting_length(group); i++)
        if (read_limit(config_setting_get_elem(group, (unsigned)i), &s->limits, err, errlen) < 0)
            return -1;
    return 0;
}

/* destroy_walk - arena destructor */
static void destroy_walk(void *w)
{
    struct msgwalk *walk = w;
    msgwalk_destroy(&walk);
}

/* sanity_start - at end of headers: a walker fed the headers */
static void sanity_start(struct conn *c, const void *settings, struct arena *arena, void **state)
{
    const struct sanity_settings *s = settings;
    struct msgwalk *w = msgwalk_create(&s->limits);
    arena_on_release(arena, destroy_walk, w);
    for (unsigned i = 0; i < c->nhdrs; i++)
        msgwalk_header(w, c->hdrs[i].name, strlen(c->hdrs[i].name), c->hdrs[i].value,
                       c->hdrs[i].vlen);
    msgwalk_eoh(w);
    *state = w;
}

/* sanity_body - a body chunk to the walker */
static void sanity_body(struct conn *c, const void *settings, void *state, const unsigned char *p,
                        size_t n)
{
    (void)c, (void)settings;
    msgwalk_body(state, p, n);
}

/* findings_text - "from_multiple,dup_header(subject)" for logs and {reason} */
static const char *findings_text(struct conn *c, const struct msgwalk_result *r)
{
    const char *text = "";
    for (int i = 0; i < MSGWALK_NFINDINGS; i++) {
        if (!(r->findings & (1u << i)))
            continue;
        const char *more = "";
        for (int h = 0; i == MSGWALK_DUP_HEADER && msgwalk_hdr_name(h); h++)
            if (r->dup_headers & (1u << h))
                more =
                    arena_printf(c->msg, "%s%s%s", more, more[0] ? "," : "", msgwalk_hdr_name(h));
        text = arena_printf(c->msg, "%s%s%s%s%s%s", text, text[0] ? " " : "",
                            msgwalk_finding_name(i), more[0] ? "(" : "", more, more[0] ? ")" : "");
    }
    return text;
}

/* sanity_finish - end of message: the findings as words */
static struct check_result sanity_finish(struct conn *c, const void *settings, void *state)
{
    (void)settings;
    if (!c->content || state == NULL)
        return (struct check_result){.word = 0, .reason = "no message content"};
    msgwalk_end(state);
    const struct msgwalk_result *r = msgwalk_result(state);
    if (r->findings == 0)
        return (struct check_result){.word = 0, .reason = NULL};
    int first = 0;
    while (!(r->findings & (1u << first)))
        first++;
    c->slots[CHECK_ID_sanity].also = r->findings << 1;
    return (struct check_result){.word = first + 1, .reason = findings_text(c, r)};
}

const struct check_def check_sanity = {
    .name = "sanity",
    .stage = STAGE_EOM,
    .words = sanity_words,
    .configure = sanity_configure,
    .start = sanity_start,
    .body = sanity_body,
    .finish = sanity_finish,
};
