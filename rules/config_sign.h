/* config_sign.h - the sign = { ... } settings: the key table, the signing
 * table, their defaults, and the import of OpenDKIM's KeyTable and
 * SigningTable. Internal to the configuration loader. */
#ifndef MXGATE_CONFIG_SIGN_H
#define MXGATE_CONFIG_SIGN_H

#include "config_load.h"
#include "sign_table.h"

/* The signing configuration while it is built: keys and rows are appended,
 * rows name their keys, which are resolved once every key is known. */
struct sign_build {
    struct loader *ld;
    struct sign_config *sc;
    struct dkim_key_policy policy;
    size_t keys_cap, rules_cap;
    const char ***names; /* per row: its key names, NULL-terminated */
};

/* config_load_sign - the root setting's reader: sign = { ... }. Fills
 * ld->cfg->sign; 0, or -1 with "FILE:LINE: problem" in ld->err. Loads every
 * key (checking its file under sign.require_safe_keys). */
int config_load_sign(struct loader *ld, const config_setting_t *s);

/* sign_build_fail - "ORIGIN: problem" in ld->err; returns -1. */
int sign_build_fail(struct sign_build *b, const char *origin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* sign_build_key - append key (its name, domain, selector and file set;
 * copied) and read its file; origin ("FILE:LINE") names it in messages.
 * 0, or -1 with the problem in ld->err. */
int sign_build_key(struct sign_build *b, const struct dkim_key *key, const char *origin);

/* sign_build_rule - append a row (copied) that signs with the keys named in
 * names (NULL-terminated, in the snapshot's arena). */
void sign_build_rule(struct sign_build *b, const struct sign_rule *rule, const char **names);

/* sign_build_pattern - set rule's from and kind from a pattern as written
 * (lowercased into the arena); glob: '*' is a wildcard (else refused). 0, or
 * -1 with the problem in ld->err. */
int sign_build_pattern(struct sign_build *b, struct sign_rule *rule, const char *pattern, bool glob,
                       const char *origin);

/* sign_opendkim_keytable - import OpenDKIM's KeyTable at path ("file:PATH"
 * or PATH): "NAME DOMAIN:SELECTOR:/KEY/FILE" lines. 0, or -1 with
 * "PATH:LINE: problem" in ld->err. */
int sign_opendkim_keytable(struct sign_build *b, const char *path);

/* sign_opendkim_signingtable - import OpenDKIM's SigningTable
 * ("refile:PATH", "file:PATH" or PATH): "PATTERN KEYNAME" lines. In a plain
 * table address rows come before domain rows (OpenDKIM looks the address up
 * first); refile patterns keep their order. 0, or -1 like above. */
int sign_opendkim_signingtable(struct sign_build *b, const char *spec);

#endif
