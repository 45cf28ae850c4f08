/* check.h - what a check is: a sensor that turns what is known about a
 * connection or message into a result word. Checks never build SMTP replies;
 * the rules do. Adding a check is one file in policy/ plus one line in
 * checks.def. */
#ifndef MXGATE_CHECK_H
#define MXGATE_CHECK_H

#include <libconfig.h>
#include <stddef.h>

struct arena;
struct conn;

/* The SMTP stages, in order. A check's stage is the first one whose facts it
 * needs; it starts there (e.g. sends its DNS queries) and its result can be
 * asked for from then on. */
enum stage {
    STAGE_NONE = 0,
    STAGE_CONNECT,
    STAGE_HELO,
    STAGE_MAIL,
    STAGE_RCPT,
    STAGE_EOH,
    STAGE_EOM,
    STAGE_COUNT
};

/* A check's answer: word indexes the check's words[] (at most 32); 0 is always the check's
 * "no opinion" word ("none"), so a zeroed result means nothing was decided.
 * reason is a short human text for logs and reply placeholders (static or in
 * the connection's arenas), or NULL. */
struct check_result {
    int word;
    const char *reason;
};

struct check_def {
    const char *name;
    enum stage stage;
    /* NULL-terminated result words; words[0] is the no-opinion word. */
    const char *const *words;
    /* NULL-terminated names of checks whose results this one reads: they are
     * started whenever this one is used, so their lookups begin early. */
    const char *const *needs;
    /* configure - read this check's settings group (may be NULL when absent)
     * into an object allocated in arena; 0, or -1 with "problem" in err (the
     * caller adds file:line). NULL if the check has no settings. */
    int (*configure)(const config_setting_t *group, struct arena *arena, void **settings, char *err,
                     size_t errlen);
    /* start - begin work without blocking (submit DNS queries); may keep
     * private state in *state, allocated in arena (the connection's or the
     * message's, by stage). NULL if there is nothing to start. */
    void (*start)(struct conn *c, const void *settings, struct arena *arena, void **state);
    /* body - a chunk of the message body (CRLF line ends, split anywhere),
     * for checks of stage EOH or EOM, which are started at end of headers
     * with the headers in c->hdrs. NULL if the check does not read the body. */
    void (*body)(struct conn *c, const void *settings, void *state, const unsigned char *p,
                 size_t n);
    /* finish - wait (within the transaction's DNS budget) and decide. */
    struct check_result (*finish)(struct conn *c, const void *settings, void *state);
};

/* check_word_name - the text of a result word of check id. */
const char *check_word_name(int id, int word);

/* check_word_find - index of word in check id's words, or -1. */
int check_word_find(int id, const char *word);

#endif
