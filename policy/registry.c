/* registry.c - the table of known checks, built from checks.def */
#include "registry.h"

#include <string.h>

#define CHECK_DEF(n) extern const struct check_def check_##n;
#include "checks.def"
#undef CHECK_DEF

const struct check_def *const check_table[CHECK_COUNT] = {
#define CHECK_DEF(n) [CHECK_ID_##n] = &check_##n,
#include "checks.def"
#undef CHECK_DEF
};

/* check_find - look a check up by name */
int check_find(const char *name)
{
    for (int i = 0; i < CHECK_COUNT; i++)
        if (strcmp(check_table[i]->name, name) == 0)
            return i;
    return -1;
}

/* check_word_name - text of a result word */
const char *check_word_name(int id, int word)
{
    return check_table[id]->words[word];
}

/* check_word_find - index of a result word, or -1 */
int check_word_find(int id, const char *word)
{
    const char *const *w = check_table[id]->words;
    for (int i = 0; w[i]; i++)
        if (strcmp(w[i], word) == 0)
            return i;
    return -1;
}
