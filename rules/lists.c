/* lists.c - named lists of glob patterns */
#include "lists.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

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
