/* config_sign.c - sign = { keys; table; ... }: the DKIM signing settings */
#include "config_sign.h"

#include "arena.h"
#include "dkim_canon.h"
#include "log.h"
#include "util.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The members of sign = { ... }, in the order they are applied. */
enum member {
    M_CANON,
    M_EXPIRE,
    M_OVERSIGN,
    M_SIGN_BY,
    M_SAFE,
    M_KEYS,
    M_KEYTABLE,
    M_TABLE,
    M_SIGNINGTABLE,
    M_COUNT
};

static const char *const member_names[M_COUNT] = {
    [M_CANON] = "canonicalization",
    [M_EXPIRE] = "expire",
    [M_OVERSIGN] = "oversign",
    [M_SIGN_BY] = "sign_by",
    [M_SAFE] = "require_safe_keys",
    [M_KEYS] = "keys",
    [M_KEYTABLE] = "opendkim_keytable",
    [M_TABLE] = "table",
    [M_SIGNINGTABLE] = "opendkim_signingtable",
};

/* origin_of - "FILE:LINE" of a setting */
static const char *origin_of(struct loader *ld, const config_setting_t *s)
{
    const char *file = config_setting_source_file(s);
    return arena_printf(ld->cfg->arena, "%s:%u", file ? file : ld->path,
                        config_setting_source_line(s));
}

/* sign_build_fail - "ORIGIN: problem" */
int sign_build_fail(struct sign_build *b, const char *origin, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(b->ld->err, b->ld->errlen, "%s: %s", origin, msg);
    return -1;
}

/* parse_canon - "header/body" or "header" (the body then simple, §3.5) */
static int parse_canon(const char *v, int *hc, int *bc)
{
    enum dkim_canon h, bd = DKIM_CANON_SIMPLE;
    const char *slash = strchr(v, '/');
    size_t hlen = slash ? (size_t)(slash - v) : strlen(v);
    if (dkim_canon_parse(v, hlen, &h) < 0 ||
        (slash && dkim_canon_parse(slash + 1, strlen(slash + 1), &bd) < 0))
        return -1;
    *hc = (int)h;
    *bc = (int)bd;
    return 0;
}

/* load_canon - a canonicalization setting */
static int load_canon(struct loader *ld, const config_setting_t *s, int *hc, int *bc)
{
    const char *v;
    if (get_string(ld, s, &v) < 0)
        return -1;
    if (parse_canon(v, hc, bc) < 0)
        return loader_fail(ld, s,
                           "canonicalization \"%s\" is not \"relaxed/relaxed\", "
                           "\"relaxed/simple\", \"simple/relaxed\" or \"simple/simple\"",
                           v);
    return 0;
}

/* load_scalars - canonicalization, expire, oversign, sign_by, require_safe_keys */
static int load_scalars(struct sign_build *b, const config_setting_t *const *m)
{
    struct loader *ld = b->ld;
    struct sign_config *sc = b->sc;
    unsigned long expire;
    const char *by;
    if (m[M_CANON] && load_canon(ld, m[M_CANON], &sc->hcanon, &sc->bcanon) < 0)
        return -1;
    if (m[M_EXPIRE] && get_number(ld, m[M_EXPIRE], 0, 10 * 365 * 86400.0, 1, &expire) < 0)
        return -1;
    sc->expire = m[M_EXPIRE] ? (unsigned)expire : 0;
    if (m[M_OVERSIGN] && get_strings(ld, m[M_OVERSIGN], &sc->oversign, &sc->noversign) < 0)
        return -1;
    if (m[M_SAFE] && get_bool(ld, m[M_SAFE], &sc->require_safe_keys) < 0)
        return -1;
    if (m[M_SIGN_BY] == NULL)
        return 0;
    if (get_string(ld, m[M_SIGN_BY], &by) < 0)
        return -1;
    if (strcmp(by, "from") && strcmp(by, "sender"))
        return loader_fail(ld, m[M_SIGN_BY], "sign_by \"%s\" is not \"from\" or \"sender\"", by);
    sc->by = by[0] == 's' ? SIGN_BY_SENDER : SIGN_BY_FROM;
    return 0;
}

/* key_path - a relative key file is taken from the configuration's directory */
static const char *key_path(struct loader *ld, const char *file)
{
    const char *slash = strrchr(ld->path, '/');
    if (file[0] == '/' || slash == NULL)
        return file;
    return arena_printf(ld->cfg->arena, "%.*s/%s", (int)(slash - ld->path), ld->path, file);
}

/* key_member - one NAME = "value" of a key group */
static int key_member(struct loader *ld, const config_setting_t *s, struct dkim_key *k)
{
    const char *name = config_setting_name(s);
    if (strcmp(name, "canonicalization") == 0) {
        k->own_canon = true;
        return load_canon(ld, s, &k->hcanon, &k->bcanon);
    }
    const char **to = strcmp(name, "name") == 0       ? &k->name
                      : strcmp(name, "domain") == 0   ? &k->domain
                      : strcmp(name, "selector") == 0 ? &k->selector
                      : strcmp(name, "file") == 0     ? &k->file
                                                      : NULL;
    if (to == NULL)
        return loader_fail(ld, s, "unknown setting \"%s\" in a sign.keys entry", name);
    return get_string(ld, s, to);
}

/* load_key - { name; domain; selector; file; [canonicalization;] } */
static int load_key(struct sign_build *b, const config_setting_t *g)
{
    struct loader *ld = b->ld;
    struct dkim_key k = {0};
    if (!config_setting_is_group(g))
        return loader_fail(ld, g,
                           "each sign.keys entry must be a group { name = \"...\"; "
                           "domain = \"...\"; selector = \"...\"; file = \"...\"; }");
    for (int i = 0; i < config_setting_length(g); i++)
        if (key_member(ld, config_setting_get_elem(g, (unsigned)i), &k) < 0)
            return -1;
    if (!k.name || !k.domain || !k.selector || !k.file)
        return loader_fail(ld, g, "a sign.keys entry needs name, domain, selector and file");
    k.file = key_path(ld, k.file);
    return sign_build_key(b, &k, origin_of(ld, g));
}

/* load_keys - keys = ( { ... }, ... ) */
static int load_keys(struct sign_build *b, const config_setting_t *s)
{
    if (!config_setting_is_list(s) && !config_setting_is_array(s))
        return loader_fail(b->ld, s, "sign.keys must be a list ( { ... }, { ... } )");
    for (int i = 0; i < config_setting_length(s); i++)
        if (load_key(b, config_setting_get_elem(s, (unsigned)i)) < 0)
            return -1;
    return 0;
}

/* rule_member - one member of a table row */
static int rule_member(struct sign_build *b, const config_setting_t *s, struct sign_rule *r,
                       const char ***names)
{
    struct loader *ld = b->ld;
    const char *name = config_setting_name(s), *v;
    size_t n;
    if (strcmp(name, "keys") == 0 || strcmp(name, "key") == 0)
        return get_strings(ld, s, names, &n);
    if (strcmp(name, "user") == 0)
        return get_string(ld, s, &r->user);
    if (strcmp(name, "from") != 0)
        return loader_fail(ld, s, "unknown setting \"%s\" in a sign.table row", name);
    if (get_string(ld, s, &v) < 0)
        return -1;
    return sign_build_pattern(b, r, v, true, origin_of(ld, s));
}

/* load_rule - { from = "PATTERN"; [user = "GLOB";] keys = [ ... ]; } */
static int load_rule(struct sign_build *b, const config_setting_t *g)
{
    struct loader *ld = b->ld;
    struct sign_rule r = {.origin = origin_of(ld, g)};
    const char **names = NULL;
    if (!config_setting_is_group(g))
        return loader_fail(ld, g,
                           "each sign.table row must be a group { from = \"...\"; "
                           "keys = [ \"...\" ]; }");
    for (int i = 0; i < config_setting_length(g); i++)
        if (rule_member(b, config_setting_get_elem(g, (unsigned)i), &r, &names) < 0)
            return -1;
    if (names == NULL || names[0] == NULL)
        return loader_fail(ld, g, "a sign.table row needs keys = [ \"NAME\", ... ]");
    if (r.kind == SIGN_MATCH_ANY && r.user == NULL)
        return loader_fail(ld, g, "a sign.table row needs from = \"PATTERN\" or user = \"...\"");
    sign_build_rule(b, &r, names);
    return 0;
}

/* load_table - table = ( { ... }, ... ) */
static int load_table(struct sign_build *b, const config_setting_t *s)
{
    if (!config_setting_is_list(s) && !config_setting_is_array(s))
        return loader_fail(b->ld, s, "sign.table must be a list ( { ... }, { ... } )");
    for (int i = 0; i < config_setting_length(s); i++)
        if (load_rule(b, config_setting_get_elem(s, (unsigned)i)) < 0)
            return -1;
    return 0;
}

/* load_opendkim - one of the two OpenDKIM imports: "PATH", "file:PATH" or
 * (a SigningTable only) "refile:PATH"; relative to the configuration */
static int load_opendkim(struct sign_build *b, const config_setting_t *s, bool keytable)
{
    const char *v;
    if (get_string(b->ld, s, &v) < 0)
        return -1;
    bool refile = strncmp(v, "refile:", 7) == 0;
    if (keytable && refile)
        return loader_fail(b->ld, s,
                           "opendkim_keytable must be a file (\"PATH\" or \"file:PATH\")");
    const char *path = refile ? v + 7 : strncmp(v, "file:", 5) == 0 ? v + 5 : v;
    const char *full =
        arena_printf(b->ld->cfg->arena, "%s%s", refile ? "refile:" : "", key_path(b->ld, path));
    return keytable ? sign_opendkim_keytable(b, full) : sign_opendkim_signingtable(b, full);
}

/* daemon_user - the root setting user = "...", for the key owner check */
static void daemon_user(struct sign_build *b, const config_setting_t *sign)
{
    const char *user = NULL;
    const config_setting_t *root = config_setting_parent(sign);
    b->policy.require_safe = b->sc->require_safe_keys;
    if (root == NULL || !config_setting_lookup_string(root, "user", &user))
        return;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL)
        return; /* -n and the start report an unknown user */
    b->policy.have_user = true;
    b->policy.user_uid = pw->pw_uid;
    b->policy.user = arena_strdup(b->ld->cfg->arena, user);
}

/* resolve - each row's key names to keys; keys without their own c= get the default */
static int resolve(struct sign_build *b)
{
    struct sign_config *sc = b->sc;
    for (size_t i = 0; i < sc->nkeys; i++)
        if (!sc->keys[i].own_canon)
            sc->keys[i].hcanon = sc->hcanon, sc->keys[i].bcanon = sc->bcanon;
    for (size_t i = 0; i < sc->nrules; i++) {
        struct sign_rule *r = &sc->rules[i];
        const struct dkim_key **keys =
            arena_alloc(b->ld->cfg->arena, (r->nkeys + 1) * sizeof(*keys));
        for (size_t k = 0; k < r->nkeys; k++) {
            for (size_t j = 0; j < sc->nkeys && keys[k] == NULL; j++)
                if (strcmp(sc->keys[j].name, b->names[i][k]) == 0)
                    keys[k] = &sc->keys[j];
            if (keys[k] == NULL)
                return sign_build_fail(b, r->origin, "no key named \"%s\" in the key table",
                                       b->names[i][k]);
        }
        r->keys = keys;
    }
    return 0;
}

/* collect - each member of the group by its name */
static int collect(struct loader *ld, const config_setting_t *s, const config_setting_t **m)
{
    if (!config_setting_is_group(s))
        return loader_fail(ld, s, "sign must be a group { keys = ( ... ); table = ( ... ); }");
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        int k = 0;
        while (k < M_COUNT && strcmp(member_names[k], config_setting_name(e)) != 0)
            k++;
        if (k == M_COUNT)
            return loader_fail(ld, e, "unknown setting \"%s\" in sign", config_setting_name(e));
        m[k] = e;
    }
    return 0;
}

/* config_load_sign - sign = { ... } */
int config_load_sign(struct loader *ld, const config_setting_t *s)
{
    const config_setting_t *m[M_COUNT] = {0};
    static const char *const from[] = {"From"};
    struct sign_config *sc = arena_alloc(ld->cfg->arena, sizeof(*sc));
    struct sign_build b = {.ld = ld, .sc = sc};
    sc->hcanon = sc->bcanon = DKIM_CANON_RELAXED;
    sc->oversign = (const char **)from;
    sc->noversign = 1;
    sc->require_safe_keys = true;
    if (collect(ld, s, m) < 0 || load_scalars(&b, m) < 0)
        return -1;
    daemon_user(&b, s);
    if ((m[M_KEYS] && load_keys(&b, m[M_KEYS]) < 0) ||
        (m[M_KEYTABLE] && load_opendkim(&b, m[M_KEYTABLE], true) < 0) ||
        (m[M_TABLE] && load_table(&b, m[M_TABLE]) < 0) ||
        (m[M_SIGNINGTABLE] && load_opendkim(&b, m[M_SIGNINGTABLE], false) < 0))
        return -1;
    if (sc->nrules == 0)
        return loader_fail(ld, s,
                           "sign has no table rows (table = ( ... ) or "
                           "opendkim_signingtable): nothing would be signed");
    if (resolve(&b) < 0)
        return -1;
    ld->cfg->sign = sc;
    return 0;
}
