/* lists.h - named lists of patterns that rules test envelope facts against,
 * e.g. lists = { exempt_rcpt = [ "postmaster@*", "abuse@*" ]; };
 * A list is an array of patterns or "file:PATH" (one pattern a line; a
 * relative PATH is taken from the configuration file's directory), read
 * again at each reload. Patterns are shell globs (fnmatch), matched without regard to case: the
 * loader lowercases them. Values longer than 511 bytes match nothing. */
#ifndef MXGATE_LISTS_H
#define MXGATE_LISTS_H

#include <stdbool.h>
#include <stddef.h>

struct list {
    const char *name;
    const char **patterns;
    size_t count;
};

struct lists {
    struct list *v;
    size_t count;
};

struct arena;

/* lists_read_file - the patterns of a list file: one a line, blank lines
 * and '#' comments ignored, lowercased, in arena (NULL-terminated). 0, or -1
 * with "cannot read PATH: reason" in err. */
int lists_read_file(const char *path, struct arena *arena, const char ***patterns, size_t *count,
                    char *err, size_t errlen);

/* lists_find - the list called name, or NULL. */
const struct list *lists_find(const struct lists *ls, const char *name);

/* list_match - whether value matches a pattern of the list; NULL never does. */
bool list_match(const struct list *l, const char *value);

#endif
