/* config_metrics.c - metrics = { listen = "127.0.0.1:9469"; allow_remote; } */
#include "config_metrics.h"

#include "metrics_http.h"
#include "util.h"

/* load_listen - "ADDRESS:PORT" or "[IPV6]:PORT" */
static int load_listen(struct loader *ld, const config_setting_t *s)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    bool loopback;
    char why[256];
    if (get_string(ld, s, &ld->cfg->metrics.listen) < 0)
        return -1;
    if (metrics_listen_parse(ld->cfg->metrics.listen, &sa, &salen, &loopback, why, sizeof(why)) < 0)
        return loader_fail(ld, s, "metrics.listen: %s", why);
    return 0;
}

/* load_allow_remote - accept a listen address that is not loopback */
static int load_allow_remote(struct loader *ld, const config_setting_t *s)
{
    return get_bool(ld, s, &ld->cfg->metrics.allow_remote);
}

static const struct setting metrics_settings[] = {
    {.name = "listen", .load = load_listen},
    {.name = "allow_remote", .load = load_allow_remote},
};

/* config_load_metrics - the group, then the loopback rule */
int config_load_metrics(struct loader *ld, const config_setting_t *s)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    bool loopback = true;
    char why[256];
    if (load_group(ld, s, "metrics", metrics_settings, ARRAY_LEN(metrics_settings)) < 0)
        return -1;
    const char *listen = ld->cfg->metrics.listen;
    if (listen && metrics_listen_parse(listen, &sa, &salen, &loopback, why, sizeof(why)) == 0 &&
        !loopback && !ld->cfg->metrics.allow_remote)
        return loader_fail(ld, config_setting_get_member(s, "listen"),
                           "metrics.listen %s is not a loopback address; the endpoint has no "
                           "authentication: set metrics.allow_remote = true to serve it there",
                           listen);
    return 0;
}
