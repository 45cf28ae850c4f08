/* config_settings.c - every setting of mxgate.conf: its name, its reader and
 * its check, one row each (defaults are in config.c) */
#include "arena.h"
#include "config_load.h"
#include "config_sign.h"
#include "config_metrics.h"
#include "log.h"
#include "sockspec.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* load_socket - socket = "unix:PATH" | "inet:PORT@HOST" | "inet6:PORT@[HOST]" */
static int load_socket(struct loader *ld, const config_setting_t *s)
{
    struct sockspec spec;
    char why[256];
    if (get_string(ld, s, &ld->cfg->socket) < 0)
        return -1;
    if (sockspec_parse(ld->cfg->socket, &spec, why, sizeof(why)) < 0)
        return loader_fail(ld, s, "%s", why);
    return 0;
}

/* load_socket_mode - octal permission string such as "0660" */
static int load_socket_mode(struct loader *ld, const config_setting_t *s)
{
    const char *v;
    char *end;
    if (get_string(ld, s, &v) < 0)
        return -1;
    unsigned long m = strtoul(v, &end, 8);
    if (*v == '\0' || *end != '\0' || m > 0777)
        return loader_fail(ld, s, "socket_mode \"%s\" is not an octal mode like \"0660\"", v);
    ld->cfg->socket_mode = (unsigned)m;
    return 0;
}

/* load_socket_owner - "user" or "user:group" */
static int load_socket_owner(struct loader *ld, const config_setting_t *s)
{
    return get_string(ld, s, &ld->cfg->socket_owner);
}

/* load_user - run as this user after opening the socket */
static int load_user(struct loader *ld, const config_setting_t *s)
{
    return get_string(ld, s, &ld->cfg->user);
}

/* load_group_name - run with this group */
static int load_group_name(struct loader *ld, const config_setting_t *s)
{
    return get_string(ld, s, &ld->cfg->group);
}

/* load_pidfile - absolute path, or "" for none */
static int load_pidfile(struct loader *ld, const config_setting_t *s)
{
    if (get_string(ld, s, &ld->cfg->pidfile) < 0)
        return -1;
    if (ld->cfg->pidfile[0] != '\0' && ld->cfg->pidfile[0] != '/')
        return loader_fail(ld, s, "pidfile must be an absolute path or \"\"");
    return 0;
}

/* load_hostnames - our own names, lowercased */
static int load_hostnames(struct loader *ld, const config_setting_t *s)
{
    if (get_strings(ld, s, &ld->cfg->hostnames, &ld->cfg->nhostnames) < 0)
        return -1;
    for (size_t i = 0; i < ld->cfg->nhostnames; i++)
        str_lower((char *)ld->cfg->hostnames[i]);
    return 0;
}

/* load_addresses - our own IP addresses */
static int load_addresses(struct loader *ld, const config_setting_t *s)
{
    const char **v;
    size_t n;
    if (get_strings(ld, s, &v, &n) < 0)
        return -1;
    ld->cfg->addresses = arena_alloc(ld->cfg->arena, (n + 1) * sizeof(struct ipaddr));
    ld->cfg->naddresses = n;
    for (size_t i = 0; i < n; i++)
        if (ipaddr_parse(v[i], &ld->cfg->addresses[i]) < 0)
            return loader_fail(ld, s, "\"%s\" is not an IP address", v[i]);
    return 0;
}

/* load_authserv_id - the name in our Authentication-Results headers */
static int load_authserv_id(struct loader *ld, const config_setting_t *s)
{
    if (get_string(ld, s, &ld->cfg->authserv_id) < 0)
        return -1;
    if (ld->cfg->authserv_id[0] == '\0' || strpbrk(ld->cfg->authserv_id, " \t;()\"\\"))
        return loader_fail(ld, s, "authserv_id must be a host name (no blanks, ';' or quotes)");
    return 0;
}

/* load_log_to - "syslog", "stderr" or "file:/PATH" */
static int load_log_to(struct loader *ld, const config_setting_t *s)
{
    const char *v;
    if (get_string(ld, s, &v) < 0)
        return -1;
    if (strcmp(v, "syslog") && strcmp(v, "stderr") && strncmp(v, "file:/", 6))
        return loader_fail(ld, s, "log.to \"%s\" is not \"syslog\", \"stderr\" or \"file:/PATH\"",
                           v);
    ld->cfg->log.to = v;
    return 0;
}

/* load_log_facility - a syslog facility name */
static int load_log_facility(struct loader *ld, const config_setting_t *s)
{
    static const char *const ok[] = {"mail",   "daemon", "user",   "local0", "local1", "local2",
                                     "local3", "local4", "local5", "local6", "local7"};
    if (get_string(ld, s, &ld->cfg->log.facility) < 0)
        return -1;
    for (size_t i = 0; i < ARRAY_LEN(ok); i++)
        if (strcmp(ok[i], ld->cfg->log.facility) == 0)
            return 0;
    return loader_fail(ld, s, "unknown syslog facility \"%s\"", ld->cfg->log.facility);
}

/* load_log_level - err, warning, info, debug */
static int load_log_level(struct loader *ld, const config_setting_t *s)
{
    const char *v;
    if (get_string(ld, s, &v) < 0)
        return -1;
    ld->cfg->log.level = log_level_parse(v);
    if (ld->cfg->log.level < 0)
        return loader_fail(ld, s, "log level \"%s\" is not err, warning, info or debug", v);
    return 0;
}

static const struct setting log_settings[] = {
    {.name = "to", .load = load_log_to},
    {.name = "facility", .load = load_log_facility},
    {.name = "level", .load = load_log_level},
};

/* load_log - log = { to; facility; level; } */
static int load_log(struct loader *ld, const config_setting_t *s)
{
    return load_group(ld, s, "log", log_settings, ARRAY_LEN(log_settings));
}

/* load_dns_servers - "ip", "ip:port", "[v6]:port" */
static int load_dns_servers(struct loader *ld, const config_setting_t *s)
{
    if (get_strings(ld, s, &ld->cfg->dns.servers, &ld->cfg->dns.nservers) < 0)
        return -1;
    for (size_t i = 0; i < ld->cfg->dns.nservers; i++) {
        struct ipaddr a;
        char host[64];
        const char *v = ld->cfg->dns.servers[i];
        const char *colon = strrchr(v, ':');
        if (v[0] == '[')
            snprintf(host, sizeof(host), "%.*s", (int)strcspn(v + 1, "]"), v + 1);
        else if (colon && strchr(v, ':') == colon)
            snprintf(host, sizeof(host), "%.*s", (int)(colon - v), v);
        else
            snprintf(host, sizeof(host), "%s", v);
        if (ipaddr_parse(host, &a) < 0)
            return loader_fail(ld, s,
                               "DNS server \"%s\" is not ADDRESS, ADDRESS:PORT or "
                               "[IPV6]:PORT",
                               v);
    }
    return 0;
}

static const struct setting dns_settings[] = {
    {.name = "servers", .load = load_dns_servers},
    NUMBER("timeout", dns.timeout_ms, 0.1, 30, 1000),
    NUMBER("tries", dns.tries, 1, 10, 1),
    NUMBER("budget", dns.budget_ms, 0.1, 300, 1000),
    NUMBER("cache_entries", dns.cache_entries, 0, 10000000, 1),
};

/* load_dns - dns = { servers; timeout; tries; budget; cache_entries; } */
static int load_dns(struct loader *ld, const config_setting_t *s)
{
    return load_group(ld, s, "dns", dns_settings, ARRAY_LEN(dns_settings));
}

/* load_trusted_networks - CIDR list */
static int load_trusted_networks(struct loader *ld, const config_setting_t *s)
{
    const char **v;
    size_t n;
    char why[256];
    if (get_strings(ld, s, &v, &n) < 0)
        return -1;
    ld->cfg->trusted.networks = arena_alloc(ld->cfg->arena, (n + 1) * sizeof(struct cidr));
    ld->cfg->trusted.nnetworks = n;
    for (size_t i = 0; i < n; i++)
        if (cidr_parse(v[i], &ld->cfg->trusted.networks[i], why, sizeof(why)) < 0)
            return loader_fail(ld, s, "trusted.networks: %s", why);
    return 0;
}

/* load_trusted_auth - whether SMTP AUTH clients are trusted */
static int load_trusted_auth(struct loader *ld, const config_setting_t *s)
{
    return get_bool(ld, s, &ld->cfg->trusted.authenticated);
}

static const struct setting trusted_settings[] = {
    {.name = "networks", .load = load_trusted_networks},
    {.name = "authenticated", .load = load_trusted_auth},
};

/* load_trusted - trusted = { networks; authenticated; } */
static int load_trusted(struct loader *ld, const config_setting_t *s)
{
    return load_group(ld, s, "trusted", trusted_settings, ARRAY_LEN(trusted_settings));
}

static const struct setting tarpit_settings[] = {
    NUMBER("delay", tarpit.delay_ms, 1, 60, 1000),
    NUMBER("max_connections", tarpit.max_connections, 0, 100000, 1),
};

/* load_tarpit - tarpit = { delay; max_connections; } */
static int load_tarpit(struct loader *ld, const config_setting_t *s)
{
    return load_group(ld, s, "tarpit", tarpit_settings, ARRAY_LEN(tarpit_settings));
}

/* load_store - store = "TYPE:SPEC" (checked here, opened by the daemon) */
static int load_store(struct loader *ld, const config_setting_t *s)
{
    char why[256];
    if (get_string(ld, s, &ld->cfg->store_spec) < 0)
        return -1;
    if (store_spec_check(ld->cfg->store_spec, why, sizeof(why)) < 0)
        return loader_fail(ld, s, "store: %s", why);
    return 0;
}

/* load_delay_reject - deliver rejections at RCPT */
static int load_delay_reject(struct loader *ld, const config_setting_t *s)
{
    return get_bool(ld, s, &ld->cfg->delay_reject);
}

/* load_checks - checks = { NAME = { ... }; ... } with each check's reader */
static int load_checks(struct loader *ld, const config_setting_t *s)
{
    if (!config_setting_is_group(s))
        return loader_fail(ld, s, "checks must be a group { ... }");
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *c = config_setting_get_elem(s, (unsigned)i);
        if (check_find(config_setting_name(c)) < 0)
            return loader_fail(ld, c, "unknown check \"%s\"", config_setting_name(c));
        if (!config_setting_is_group(c))
            return loader_fail(ld, c, "checks.%s must be a group { ... }", config_setting_name(c));
    }
    return 0;
}

/* configure_checks - run each check's reader on its group, or on NULL */
static int configure_checks(struct loader *ld, const config_setting_t *root)
{
    const config_setting_t *checks = config_setting_get_member(root, "checks");
    for (int id = 0; id < CHECK_COUNT; id++) {
        const struct check_def *def = check_table[id];
        const config_setting_t *g = checks ? config_setting_get_member(checks, def->name) : NULL;
        char why[400];
        void *settings = NULL;
        if (def->configure && def->configure(g, ld->cfg->arena, &settings, why, sizeof(why)) < 0)
            return loader_fail(ld, g ? g : checks, "checks.%s: %s", def->name, why);
        ld->cfg->check_settings[id] = settings;
    }
    return 0;
}

static const struct setting root_settings[] = {
    {.name = "socket", .load = load_socket},
    {.name = "socket_mode", .load = load_socket_mode},
    {.name = "socket_owner", .load = load_socket_owner},
    {.name = "user", .load = load_user},
    {.name = "group", .load = load_group_name},
    {.name = "pidfile", .load = load_pidfile},
    {.name = "hostnames", .load = load_hostnames},
    {.name = "addresses", .load = load_addresses},
    {.name = "authserv_id", .load = load_authserv_id},
    {.name = "log", .load = load_log},
    {.name = "dns", .load = load_dns},
    {.name = "trusted", .load = load_trusted},
    {.name = "tarpit", .load = load_tarpit},
    {.name = "lists", .load = config_load_lists},
    {.name = "delay_reject", .load = load_delay_reject},
    {.name = "store", .load = load_store},
    {.name = "checks", .load = load_checks},
    {.name = "rules", .load = config_note_rules},
    {.name = "shadow", .load = config_load_shadow},
    {.name = "sign", .load = config_load_sign},
    {.name = "metrics", .load = config_load_metrics},
};

/* default_trusted - loopback is trusted unless trusted.networks says otherwise */
static void default_trusted(struct config *cfg)
{
    static const char *const nets[] = {"127.0.0.0/8", "::1/128"};
    char why[64];
    if (cfg->trusted.networks)
        return;
    cfg->trusted.networks = arena_alloc(cfg->arena, ARRAY_LEN(nets) * sizeof(struct cidr));
    for (size_t i = 0; i < ARRAY_LEN(nets); i++)
        cidr_parse(nets[i], &cfg->trusted.networks[cfg->trusted.nnetworks++], why, sizeof(why));
}

/* add_needed_checks - a used check's needs are used too (one level suffices
 * while no needed check needs another) */
static void add_needed_checks(struct config *cfg)
{
    unsigned used = cfg->rules.used_checks;
    for (int id = 0; id < CHECK_COUNT; id++)
        for (const char *const *n = check_table[id]->needs; (used & (1u << id)) && n && *n; n++)
            cfg->rules.used_checks |= 1u << check_find(*n);
}

/* config_load_root - the whole file */
int config_load_root(struct loader *ld, const config_setting_t *root)
{
    struct config *cfg = ld->cfg;
    if (load_group(ld, root, "the configuration", root_settings, ARRAY_LEN(root_settings)) < 0)
        return -1;
    default_trusted(cfg);
    config_default_lists(cfg);
    if (ld->rules && config_load_rules(ld, ld->rules) < 0)
        return -1;
    if (cfg->authserv_id == NULL && cfg->nhostnames > 0)
        cfg->authserv_id = cfg->hostnames[0];
    if (cfg->authserv_id) /* Authentication-Results reports iprev and dkim (dmarc when used) */
        cfg->rules.used_checks |= 1u << CHECK_ID_iprev | 1u << CHECK_ID_dkim;
    add_needed_checks(cfg);
    return configure_checks(ld, root);
}
