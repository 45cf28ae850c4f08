/* config_load.c - the settings table: how each setting is read and checked */
#include "config_load.h"

#include "arena.h"
#include "log.h"
#include "sockspec.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* loader_fail - "FILE:LINE: problem" */
int loader_fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *file = s ? config_setting_source_file(s) : NULL;
    unsigned line = s ? config_setting_source_line(s) : 0;
    if (line)
        snprintf(ld->err, ld->errlen, "%s:%u: %s", file ? file : ld->path, line, msg);
    else
        snprintf(ld->err, ld->errlen, "%s: %s", file ? file : ld->path, msg);
    return -1;
}

/* load_number - a number row of a settings table */
static int load_number(struct loader *ld, const config_setting_t *s, const struct setting *row)
{
    unsigned long v;
    if (get_number(ld, s, row->min, row->max, row->scale, &v) < 0)
        return -1;
    *(unsigned *)(void *)((char *)ld->cfg + row->offset) = (unsigned)v;
    return 0;
}

/* load_group - dispatch every member of group to its row in the table */
int load_group(struct loader *ld, const config_setting_t *group, const char *what,
               const struct setting *table, size_t n)
{
    if (!config_setting_is_group(group))
        return loader_fail(ld, group, "%s must be a group { ... }", what);
    for (int i = 0; i < config_setting_length(group); i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const struct setting *row = NULL;
        for (size_t k = 0; k < n && row == NULL; k++)
            if (strcmp(table[k].name, config_setting_name(s)) == 0)
                row = &table[k];
        if (row == NULL)
            return loader_fail(ld, s, "unknown setting \"%s\" in %s", config_setting_name(s), what);
        if (row->load ? row->load(ld, s) < 0 : load_number(ld, s, row) < 0)
            return -1;
    }
    return 0;
}

/* get_string - a string setting, copied into the snapshot */
int get_string(struct loader *ld, const config_setting_t *s, const char **out)
{
    const char *v = config_setting_get_string(s);
    if (v == NULL)
        return loader_fail(ld, s, "%s must be a string in double quotes", config_setting_name(s));
    *out = arena_strdup(ld->cfg->arena, v);
    return 0;
}

/* get_bool - a true/false setting */
int get_bool(struct loader *ld, const config_setting_t *s, bool *out)
{
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return loader_fail(ld, s, "%s must be true or false", config_setting_name(s));
    *out = config_setting_get_bool(s) != 0;
    return 0;
}

/* get_number - an integer or float setting within [min, max], scaled */
int get_number(struct loader *ld, const config_setting_t *s, double min, double max, double scale,
               unsigned long *out)
{
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64 && t != CONFIG_TYPE_FLOAT)
        return loader_fail(ld, s, "%s must be a number", config_setting_name(s));
    double v =
        t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s) : (double)config_setting_get_int64(s);
    if (v < min || v > max)
        return loader_fail(ld, s, "%s must be between %g and %g", config_setting_name(s), min, max);
    *out = (unsigned long)(v * scale + 0.5);
    return 0;
}

/* get_strings - an array (or list) of strings; a single string is one element */
int get_strings(struct loader *ld, const config_setting_t *s, const char ***out, size_t *n)
{
    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        *out = arena_alloc(ld->cfg->arena, sizeof(char *));
        *n = 1;
        return get_string(ld, s, &(*out)[0]);
    }
    if (!config_setting_is_aggregate(s) || config_setting_is_group(s))
        return loader_fail(ld, s, "%s must be a list of strings [ \"...\", ... ]",
                           config_setting_name(s));
    *n = (size_t)config_setting_length(s);
    *out = arena_alloc(ld->cfg->arena, (*n + 1) * sizeof(char *));
    for (size_t i = 0; i < *n; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return loader_fail(ld, e, "%s must hold only strings", config_setting_name(s));
        (*out)[i] = arena_strdup(ld->cfg->arena, config_setting_get_string(e));
    }
    return 0;
}
