/* lists.c - named lists of glob patterns and networks */
#include "lists.h"

#include "arena.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* trim - the pattern on a line: no comment, no surrounding blanks */
static char *trim(char *line)
{
    line[strcspn(line, "#\r\n")] = '\0';
    while (isspace((unsigned char)*line))
        line++;
    size_t n = strlen(line);
    while (n > 0 && isspace((unsigned char)line[n - 1]))
        line[--n] = '\0';
    return line;
}

/* copy_into - n bytes of p, copied into arena */
static void *copy_into(struct arena *arena, const void *p, size_t n)
{
    void *out = arena_alloc(arena, n);
    memcpy(out, p, n);
    return out;
}

/* lists_read_file - read a list file into the arena */
int lists_read_file(const char *path, struct arena *arena, const char ***patterns, size_t *count,
                    unsigned **lines, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, n = 0, size = 16;
    unsigned lineno = 0;
    const char **v = xmalloc(size * sizeof(*v));
    unsigned *at = xmalloc(size * sizeof(*at));
    while (getline(&line, &cap, f) >= 0) {
        char *p = trim(line);
        lineno++;
        if (*p == '\0')
            continue;
        if (n + 2 > size) {
            v = xrealloc(v, (size *= 2) * sizeof(*v));
            at = xrealloc(at, size * sizeof(*at));
        }
        at[n] = lineno;
        v[n++] = arena_strdup(arena, p);
    }
    v[n] = NULL;
    *patterns = copy_into(arena, v, (n + 1) * sizeof(*v));
    *lines = copy_into(arena, at, (n + 1) * sizeof(*at));
    *count = n;
    free(v);
    free(at);
    free(line);
    fclose(f);
    return 0;
}

/* looks_like_network - an entry meant as an address or network: it has a
 * '/', or only digits and dots (with a dot), or hex digits and colons (two
 * or more), and no glob character */
static bool looks_like_network(const char *p)
{
    if (strpbrk(p, "*?[") != NULL)
        return false;
    if (strchr(p, '/'))
        return true;
    size_t dots = 0, colons = 0;
    for (const char *q = p; *q; q++) {
        dots += *q == '.';
        colons += *q == ':';
        if (!isxdigit((unsigned char)*q) && *q != '.' && *q != ':')
            return false;
    }
    return colons >= 2 || (dots > 0 && strspn(p, "0123456789.") == strlen(p));
}

/* glob_problem - what is wrong with a glob, or NULL */
static const char *glob_problem(const char *p)
{
    if (*p == '\0')
        return "an empty pattern";
    for (const char *q = p; *q; q++)
        if ((unsigned char)*q <= ' ' || *q == 0x7f)
            return "a blank or control character in a pattern";
    for (const char *q = strchr(p, '['); q; q = strchr(q + 1, '['))
        if (strchr(q + 1, ']') == NULL)
            return "a '[' without its ']'";
    return NULL;
}

/* list_compile - lowercase, check, and collect the networks */
size_t list_compile(struct list *l, struct arena *arena, char *err, size_t errlen)
{
    l->cidrs = arena_alloc(arena, (l->count + 1) * sizeof(struct cidr));
    l->ncidrs = 0;
    for (size_t i = 0; i < l->count; i++) {
        char *p = (char *)l->patterns[i];
        str_lower(p);
        const char *why = glob_problem(p);
        if (why) {
            snprintf(err, errlen, "\"%s\": %s", p, why);
            return i + 1;
        }
        if (looks_like_network(p) && cidr_parse(p, &l->cidrs[l->ncidrs++], err, errlen) < 0)
            return i + 1;
    }
    return 0;
}

/* lists_find - look a list up by name */
const struct list *lists_find(const struct lists *ls, const char *name)
{
    for (size_t i = 0; ls && i < ls->count; i++)
        if (strcmp(ls->v[i].name, name) == 0)
            return &ls->v[i];
    return NULL;
}

/* in_networks - value is an address inside one of the list's networks */
static bool in_networks(const struct list *l, const char *value)
{
    struct ipaddr a;
    if (l->ncidrs == 0 || ipaddr_parse(value, &a) < 0)
        return false;
    for (size_t i = 0; i < l->ncidrs; i++)
        if (cidr_match(&l->cidrs[i], &a))
            return true;
    return false;
}

/* list_match - a network holds it, or a glob matches; patterns were
 * lowercased at load */
bool list_match(const struct list *l, const char *value)
{
    char low[512];
    size_t n = value ? strlen(value) : sizeof(low);
    if (l == NULL || n >= sizeof(low))
        return false;
    if (in_networks(l, value))
        return true;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)value[i]);
    for (size_t i = 0; i < l->count; i++)
        if (fnmatch(l->patterns[i], low, 0) == 0)
            return true;
    return false;
}
