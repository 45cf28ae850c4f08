/* config_metrics.h - the metrics = { listen; allow_remote; } settings.
 * Internal to the configuration loader. */
#ifndef MXGATE_CONFIG_METRICS_H
#define MXGATE_CONFIG_METRICS_H

#include "config_load.h"

/* config_load_metrics - the root setting's reader: fills ld->cfg->metrics;
 * 0, or -1 with "FILE:LINE: problem" in ld->err. A listen address that is
 * not loopback is refused unless allow_remote is true. */
int config_load_metrics(struct loader *ld, const config_setting_t *s);

#endif
