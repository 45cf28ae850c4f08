/* sign_build.c - appending keys and rows to the signing configuration while
 * it is loaded (from mxgate.conf or OpenDKIM's tables) */
#include "config_sign.h"

#include "arena.h"
#include "log.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

/* grow - make room for one more element of size in an arena array */
static void *grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return v;
    *cap = *cap ? *cap * 2 : 8;
    void *w = arena_alloc(a, *cap * size);
    if (n)
        memcpy(w, v, n * size);
    return w;
}

/* valid_label_text - a domain or selector: letters, digits, '-', '_', '.' */
static bool valid_label_text(const char *s)
{
    if (*s == '\0' || *s == '.')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
            return false;
    return true;
}

/* sign_build_key - check, append and load one key */
int sign_build_key(struct sign_build *b, const struct dkim_key *key, const char *origin)
{
    struct sign_config *sc = b->sc;
    struct arena *a = b->ld->cfg->arena;
    char err[512], warn[256];
    for (size_t i = 0; i < sc->nkeys; i++)
        if (strcmp(sc->keys[i].name, key->name) == 0)
            return sign_build_fail(b, origin, "a second key named \"%s\" (the first: %s)",
                                   key->name, sc->keys[i].origin);
    if (!valid_label_text(key->domain) || !valid_label_text(key->selector))
        return sign_build_fail(b, origin,
                               "key \"%s\": \"%s\" and \"%s\" must be a domain and "
                               "a selector (letters, digits, '-', '_', '.')",
                               key->name, key->domain, key->selector);
    sc->keys = grow(a, sc->keys, sc->nkeys, &b->keys_cap, sizeof(*sc->keys));
    struct dkim_key *k = &sc->keys[sc->nkeys];
    *k = *key;
    k->name = arena_strdup(a, key->name);
    k->domain = str_lower(arena_strdup(a, key->domain));
    k->selector = arena_strdup(a, key->selector);
    k->file = arena_strdup(a, key->file);
    k->origin = arena_strdup(a, origin);
    if (dkim_key_read(k->file, &b->policy, a, &k->pkey, &k->alg, &k->bits, err, sizeof(err), warn,
                      sizeof(warn)) < 0)
        return sign_build_fail(b, origin, "key \"%s\": %s", k->name, err);
    if (warn[0])
        log_warn("%s: key \"%s\": %s", origin, k->name, warn);
    sc->nkeys++;
    return 0;
}

/* sign_build_rule - append a row */
void sign_build_rule(struct sign_build *b, const struct sign_rule *rule, const char **names)
{
    struct sign_config *sc = b->sc;
    struct arena *a = b->ld->cfg->arena;
    size_t cap = b->rules_cap;
    sc->rules = grow(a, sc->rules, sc->nrules, &b->rules_cap, sizeof(*sc->rules));
    b->names = grow(a, b->names, sc->nrules, &cap, sizeof(*b->names));
    sc->rules[sc->nrules] = *rule;
    size_t n = 0;
    while (names[n])
        n++;
    sc->rules[sc->nrules].nkeys = n;
    b->names[sc->nrules++] = names;
}

/* sign_build_pattern - classify a from pattern */
int sign_build_pattern(struct sign_build *b, struct sign_rule *rule, const char *pattern, bool glob,
                       const char *origin)
{
    const char *at = strchr(pattern, '@');
    if (pattern[0] == '\0' || strpbrk(pattern, " \t"))
        return sign_build_fail(b, origin, "\"%s\" is not a domain, address or pattern", pattern);
    if (strchr(pattern, '*') && !glob)
        return sign_build_fail(b, origin, "\"%s\": wildcards need \"refile:\"", pattern);
    rule->from = str_lower(arena_strdup(b->ld->cfg->arena, pattern));
    rule->kind = strchr(pattern, '*') ? SIGN_MATCH_GLOB
                 : at                 ? SIGN_MATCH_ADDRESS
                                      : SIGN_MATCH_DOMAIN;
    return 0;
}
