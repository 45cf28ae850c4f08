/* lists.c - named lists of glob patterns */
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

/* lists_read_file - read a list file into the arena */
int lists_read_file(const char *path, struct arena *arena, const char ***patterns, size_t *count,
                    char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, n = 0, size = 16;
    const char **v = xmalloc(size * sizeof(*v));
    while (getline(&line, &cap, f) >= 0) {
        char *p = trim(line);
        if (*p == '\0')
            continue;
        if (n + 2 > size)
            v = xrealloc(v, (size *= 2) * sizeof(*v));
        v[n++] = arena_strdup(arena, p);
    }
    v[n] = NULL;
    *patterns = arena_alloc(arena, (n + 1) * sizeof(*v));
    memcpy(*patterns, v, (n + 1) * sizeof(*v));
    *count = n;
    free(v);
    free(line);
    fclose(f);
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

/* list_match - first matching pattern wins; patterns were lowercased at load */
bool list_match(const struct list *l, const char *value)
{
    char low[512];
    size_t n = value ? strlen(value) : sizeof(low);
    if (n >= sizeof(low))
        return false;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)value[i]);
    for (size_t i = 0; i < l->count; i++)
        if (fnmatch(l->patterns[i], low, 0) == 0)
            return true;
    return false;
}
