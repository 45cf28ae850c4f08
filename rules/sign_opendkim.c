/* sign_opendkim.c - import OpenDKIM's KeyTable and SigningTable, so that
 * migrating from OpenDKIM is one line of configuration */
#include "config_sign.h"

#include "arena.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One table line split into its first word and the rest. */
struct line {
    const char *origin; /* "PATH:LINE" */
    char *key, *value;  /* value: the rest, white space trimmed; NULL if none */
};

/* split - strip the comment and blanks; "" key for an empty line */
static void split(char *text, struct line *l)
{
    text[strcspn(text, "#\r\n")] = '\0';
    text += strspn(text, " \t");
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        text[--n] = '\0';
    l->key = text;
    l->value = NULL;
    char *sp = text + strcspn(text, " \t");
    if (*sp) {
        *sp++ = '\0';
        l->value = sp + strspn(sp, " \t");
    }
}

/* Calls fn for each non-empty line of a file. */
typedef int (*line_fn)(struct sign_build *b, struct line *l, void *arg);

/* each_line - read path line by line; 0, or -1 (fn's failure or I/O) */
static int each_line(struct sign_build *b, const char *path, line_fn fn, void *arg)
{
    FILE *f = fopen(path, "r");
    char buf[4096];
    unsigned lineno = 0;
    int rc = 0;
    if (f == NULL)
        return sign_build_fail(b, path, "cannot read the OpenDKIM table: %s", strerror(errno));
    while (rc == 0 && fgets(buf, sizeof(buf), f)) {
        struct line l = {0};
        lineno++;
        split(buf, &l);
        if (l.key[0] == '\0')
            continue;
        l.origin = arena_printf(b->ld->cfg->arena, "%s:%u", path, lineno);
        rc = fn(b, &l, arg);
    }
    fclose(f);
    return rc;
}

/* keytable_line - "NAME DOMAIN:SELECTOR:/PATH/KEY" */
static int keytable_line(struct sign_build *b, struct line *l, void *arg)
{
    (void)arg;
    char *v = l->value, *c1 = v ? strchr(v, ':') : NULL, *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL)
        return sign_build_fail(b, l->origin, "expected \"NAME DOMAIN:SELECTOR:/PATH/TO/KEY\"");
    *c1 = *c2 = '\0';
    if (strcmp(v, "%") == 0)
        return sign_build_fail(b, l->origin,
                               "the domain \"%%\" (the sender's) is not supported: "
                               "name the domain");
    if (c2[1] != '/')
        return sign_build_fail(b, l->origin,
                               "the key must be an absolute file path, not "
                               "\"%.20s...\"",
                               c2 + 1);
    struct dkim_key k = {.name = l->key, .domain = v, .selector = c1 + 1, .file = c2 + 1};
    return sign_build_key(b, &k, l->origin);
}

/* sign_opendkim_keytable - import a KeyTable */
int sign_opendkim_keytable(struct sign_build *b, const char *path)
{
    return each_line(b, path, keytable_line, NULL);
}

/* What a SigningTable import keeps between lines. */
struct signing {
    bool refile;
    bool addresses; /* plain tables: this pass takes address rows, the next domain rows */
};

/* names_of - a row's key names (OpenDKIM allows one; more are kept) */
static const char **names_of(struct sign_build *b, char *v)
{
    size_t n = 0, cap = 4;
    const char **names = arena_alloc(b->ld->cfg->arena, (cap + 1) * sizeof(*names));
    char *save = NULL;
    for (char *w = strtok_r(v, " \t,", &save); w && n < cap; w = strtok_r(NULL, " \t,", &save))
        names[n++] = arena_strdup(b->ld->cfg->arena, w);
    return names;
}

/* same_pattern_row - the last row, if it has this pattern (OpenDKIM's
 * MultipleSignatures: consecutive lines for one pattern sign with each key) */
static struct sign_rule *same_pattern_row(struct sign_build *b, const char *pattern)
{
    struct sign_config *sc = b->sc;
    if (sc->nrules == 0 || sc->rules[sc->nrules - 1].from == NULL ||
        strcasecmp(sc->rules[sc->nrules - 1].from, pattern) != 0)
        return NULL;
    return &sc->rules[sc->nrules - 1];
}

/* signing_line - "PATTERN KEYNAME" */
static int signing_line(struct sign_build *b, struct line *l, void *arg)
{
    struct signing *s = arg;
    struct sign_rule r = {.origin = l->origin};
    if (l->value == NULL)
        return sign_build_fail(b, l->origin, "expected \"PATTERN KEYNAME\"");
    if (!s->refile && (strchr(l->key, '@') != NULL) != s->addresses)
        return 0;
    if (sign_build_pattern(b, &r, l->key, s->refile, l->origin) < 0)
        return -1;
    const char **names = names_of(b, l->value);
    struct sign_rule *last = same_pattern_row(b, r.from);
    if (last == NULL) {
        sign_build_rule(b, &r, names);
        return 0;
    }
    const char **old = b->names[last - b->sc->rules], **all;
    size_t n = last->nkeys, k = 0;
    while (names[k])
        k++;
    all = arena_alloc(b->ld->cfg->arena, (n + k + 1) * sizeof(*all));
    memcpy(all, old, n * sizeof(*all));
    memcpy(all + n, names, k * sizeof(*all));
    b->names[last - b->sc->rules] = all;
    last->nkeys = n + k;
    return 0;
}

/* sign_opendkim_signingtable - import a SigningTable */
int sign_opendkim_signingtable(struct sign_build *b, const char *spec)
{
    struct signing s = {.refile = strncmp(spec, "refile:", 7) == 0, .addresses = true};
    const char *path = s.refile ? spec + 7 : spec;
    if (each_line(b, path, signing_line, &s) < 0)
        return -1;
    if (s.refile)
        return 0;
    s.addresses = false;
    return each_line(b, path, signing_line, &s);
}
