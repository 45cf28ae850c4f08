/* config_rules.c - the lists, the rules and shadow mode of mxgate.conf:
 * lists are read first, rules are compiled once the lists are known */
#include "arena.h"
#include "config_load.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* list_path - a list file's path; a relative one is taken from the
 * configuration file's directory */
static const char *list_path(struct loader *ld, const char *path)
{
    const char *slash = strrchr(ld->path, '/');
    if (path[0] == '/' || slash == NULL)
        return path;
    return arena_printf(ld->cfg->arena, "%.*s/%s", (int)(slash - ld->path), ld->path, path);
}

/* list_file - "file:PATH": its entries; a bad one is named with the list
 * file's own line */
static int list_file(struct loader *ld, const config_setting_t *l, const char *path,
                     struct list *out)
{
    char why[512];
    unsigned *lines;
    path = list_path(ld, path);
    if (lists_read_file(path, ld->cfg->arena, &out->patterns, &out->count, &lines, why,
                        sizeof(why)) < 0)
        return loader_fail(ld, l, "list %s: %s", out->name, why);
    size_t bad = list_compile(out, ld->cfg->arena, why, sizeof(why));
    if (bad)
        snprintf(ld->err, ld->errlen, "%s:%u: list %s: %s", path, lines[bad - 1], out->name, why);
    return bad ? -1 : 0;
}

/* load_list - [ "pattern", ... ] or "file:PATH" */
static int load_list(struct loader *ld, const config_setting_t *l, struct list *out)
{
    const char *v = config_setting_get_string(l);
    char why[512];
    if (v && strncmp(v, "file:", 5) == 0 && v[5] == '\0')
        return loader_fail(ld, l, "list %s: \"file:\" needs a path", out->name);
    if (v && strncmp(v, "file:", 5) == 0)
        return list_file(ld, l, v + 5, out);
    if (get_strings(ld, l, &out->patterns, &out->count) < 0)
        return -1;
    size_t bad = list_compile(out, ld->cfg->arena, why, sizeof(why));
    if (bad == 0)
        return 0;
    const config_setting_t *e = config_setting_get_elem(l, (unsigned)bad - 1);
    return loader_fail(ld, e && config_setting_source_line(e) ? e : l, "list %s: %s", out->name,
                       why);
}

/* config_load_lists - lists = { NAME = [ "pattern", ... ]; ... } */
int config_load_lists(struct loader *ld, const config_setting_t *s)
{
    struct lists *ls = &ld->cfg->lists;
    if (!config_setting_is_group(s))
        return loader_fail(ld, s, "lists must be a group { name = [ ... ]; }");
    ls->count = (size_t)config_setting_length(s);
    ls->v = arena_alloc(ld->cfg->arena, (ls->count + 2) * sizeof(struct list));
    for (size_t i = 0; i < ls->count; i++) {
        const config_setting_t *l = config_setting_get_elem(s, (unsigned)i);
        struct list *out = &ls->v[i];
        out->name = arena_strdup(ld->cfg->arena, config_setting_name(l));
        if (load_list(ld, l, out) < 0)
            return -1;
    }
    return 0;
}

/* config_default_lists - exempt_rcpt, unless the configuration defines it */
void config_default_lists(struct config *cfg)
{
    static const char *exempt[] = {"postmaster", "postmaster@*", "abuse", "abuse@*", NULL};
    struct lists *ls = &cfg->lists;
    if (lists_find(ls, "exempt_rcpt"))
        return;
    if (ls->v == NULL)
        ls->v = arena_alloc(cfg->arena, sizeof(struct list));
    ls->v[ls->count++] = (struct list){.name = "exempt_rcpt", .patterns = exempt, .count = 4};
}

/* config_load_shadow - shadow = true: every rule without its own setting
 * only logs what it would do */
int config_load_shadow(struct loader *ld, const config_setting_t *s)
{
    return get_bool(ld, s, &ld->cfg->shadow);
}

/* rule_members - a rule's if, do and shadow */
static int rule_members(struct loader *ld, const config_setting_t *r, int index, const char **cond,
                        const char **action, bool *shadow)
{
    for (int i = 0; i < config_setting_length(r); i++) {
        const config_setting_t *s = config_setting_get_elem(r, (unsigned)i);
        const char *name = config_setting_name(s);
        if (strcmp(name, "shadow") == 0) {
            if (get_bool(ld, s, shadow) < 0)
                return -1;
        } else if (strcmp(name, "if") == 0 || strcmp(name, "do") == 0) {
            if (get_string(ld, s, name[0] == 'i' ? cond : action) < 0)
                return -1;
        } else {
            return loader_fail(ld, s, "unknown setting \"%s\" in rule %d (if, do, shadow)", name,
                               index);
        }
    }
    return 0;
}

/* load_rule - one { if = "..."; do = "..."; shadow = BOOL; } */
static int load_rule(struct loader *ld, const config_setting_t *r, struct rule *out, int index)
{
    const char *cond = NULL, *action = NULL;
    bool shadow = ld->cfg->shadow;
    char why[400];
    if (!config_setting_is_group(r))
        return loader_fail(ld, r, "each rule must be a group { if = \"...\"; do = \"...\"; }");
    if (rule_members(ld, r, index, &cond, &action, &shadow) < 0)
        return -1;
    if (action == NULL)
        return loader_fail(ld, r, "rule %d has no do = \"ACTION\"", index);
    if (rule_compile(cond, action, &ld->cfg->lists, ld->cfg->arena, out, why, sizeof(why)) < 0)
        return loader_fail(ld, r, "rule %d: %s", index, why);
    out->index = index;
    out->origin = arena_printf(ld->cfg->arena, "%s:%u", ld->path, config_setting_source_line(r));
    out->shadow = shadow;
    out->count = arena_alloc(ld->cfg->arena, sizeof(*out->count));
    return 0;
}

/* config_note_rules - remember the rules; they are compiled once the lists
 * are known */
int config_note_rules(struct loader *ld, const config_setting_t *s)
{
    ld->rules = s;
    return 0;
}

/* config_load_rules - rules = ( { ... }, ... ) in order. A condition on the
 * score is decided no earlier than the score rules above it. */
int config_load_rules(struct loader *ld, const config_setting_t *s)
{
    struct ruleset *rs = &ld->cfg->rules;
    enum stage scored = STAGE_MAIL;
    if (!config_setting_is_list(s))
        return loader_fail(ld, s, "rules must be a list ( { ... }, { ... } )");
    rs->count = (size_t)config_setting_length(s);
    rs->rules = arena_alloc(ld->cfg->arena, (rs->count + 1) * sizeof(struct rule));
    for (size_t i = 0; i < rs->count; i++) {
        struct rule *r = &rs->rules[i];
        if (load_rule(ld, config_setting_get_elem(s, (unsigned)i), r, (int)i + 1) < 0)
            return -1;
        if (r->reads_score && r->stage < scored)
            r->stage = scored;
        if (r->action.kind == ACTION_SCORE && r->stage > scored)
            scored = r->stage;
        rs->scores |= r->reads_score || r->action.kind == ACTION_SCORE;
        rs->used_checks |= r->checks;
        rs->macros = expr_macros_add(ld->cfg->arena, rs->macros, r->macros);
    }
    return 0;
}
