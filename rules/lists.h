/* lists.h - named lists of patterns that rules test envelope facts against,
 * e.g. lists = { exempt_rcpt = [ "postmaster@*", "abuse@*" ]; };
 * A list is an array of patterns or "file:PATH" (one pattern a line; a
 * relative PATH is taken from the configuration file's directory), read
 * again at each reload. Patterns are shell globs (fnmatch), matched without
 * regard to case: the loader lowercases them. An entry that is an IP address
 * or a network ("192.0.2.0/24", "2001:db8::/32") matches an address value by
 * network. Values longer than 511 bytes match nothing. */
#ifndef MXGATE_LISTS_H
#define MXGATE_LISTS_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>

struct list {
    const char *name;
    const char **patterns; /* every entry as written, lowercased */
    size_t count;
    struct cidr *cidrs; /* the entries that are addresses or networks */
    size_t ncidrs;
};

struct lists {
    struct list *v;
    size_t count;
};

struct arena;

/* lists_read_file - the patterns of a list file: one a line, blank lines
 * and '#' comments ignored, lowercased, in arena (NULL-terminated); *lines
 * (in arena) gets each pattern's line number. 0, or -1 with "cannot read
 * PATH: reason" in err. */
int lists_read_file(const char *path, struct arena *arena, const char ***patterns, size_t *count,
                    unsigned **lines, char *err, size_t errlen);

/* list_compile - lowercase l's patterns and check them: an entry that looks
 * like an address or network must be one (it goes to l->cidrs); a glob must
 * be closed ('[' with its ']') and hold no blanks. 0, or the 1-based index
 * of the first bad entry with the problem in err. */
size_t list_compile(struct list *l, struct arena *arena, char *err, size_t errlen);

/* lists_find - the list called name, or NULL. */
const struct list *lists_find(const struct lists *ls, const char *name);

/* list_match - whether value matches a pattern of the list, or (when it is
 * an IP address) lies in one of its networks; NULL never does. */
bool list_match(const struct list *l, const char *value);

#endif
