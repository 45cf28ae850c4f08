/* config_load.h - the settings table: how each setting is read and checked.
 * Internal to config.c and config_load.c. */
#ifndef MXGATE_CONFIG_LOAD_H
#define MXGATE_CONFIG_LOAD_H

#include "config.h"

#include <libconfig.h>
#include <stddef.h>

struct loader {
    struct config *cfg;
    const char *path;
    char *err;
    size_t errlen;
    const config_setting_t *rules; /* compiled last, when the lists are known */
};

/* A row of a settings table: a reader, or for a number (load == NULL) where
 * it goes in struct config (an unsigned), its range and its scale (1000 turns
 * seconds into milliseconds). */
struct setting {
    const char *name;
    int (*load)(struct loader *ld, const config_setting_t *s);
    size_t offset;
    double min, max, scale;
};

/* NUMBER - a row for an unsigned member of struct config */
#define NUMBER(name_, member, min_, max_, scale_)                                           \
    {                                                                                       \
        .name = name_, .offset = offsetof(struct config, member), .min = min_, .max = max_, \
        .scale = scale_                                                                     \
    }

/* config_load_root - read every top-level setting into ld->cfg; 0 or -1 with
 * "FILE:LINE: problem" in ld->err. */
int config_load_root(struct loader *ld, const config_setting_t *root);

/* loader_fail - format "FILE:LINE: problem" for setting s; returns -1. */
int loader_fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* load_group - check that group is a group and hand each member to its row
 * in table; an unknown name is an error. what names the group in messages. */
int load_group(struct loader *ld, const config_setting_t *group, const char *what,
               const struct setting *table, size_t n);

/* get_string, get_bool, get_number, get_strings - typed readers that copy
 * into the snapshot's arena and fail with FILE:LINE. get_number accepts an
 * integer or a float in [min, max] and stores round(v * scale). get_strings
 * accepts a list/array of strings or a single string; the result is
 * NULL-terminated. */
int get_string(struct loader *ld, const config_setting_t *s, const char **out);
int get_bool(struct loader *ld, const config_setting_t *s, bool *out);
int get_number(struct loader *ld, const config_setting_t *s, double min, double max, double scale,
               unsigned long *out);
int get_strings(struct loader *ld, const config_setting_t *s, const char ***out, size_t *n);

/* config_rules.c: lists, rules and shadow mode. */
int config_load_lists(struct loader *ld, const config_setting_t *s);
void config_default_lists(struct config *cfg);
int config_load_shadow(struct loader *ld, const config_setting_t *s);
int config_note_rules(struct loader *ld, const config_setting_t *s);
int config_load_rules(struct loader *ld, const config_setting_t *s);

#endif
