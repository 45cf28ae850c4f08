/* settings.c - values of the checks' settings */
#include "settings.h"

#include <stdio.h>

/* settings_uint - a whole number within bounds */
int settings_uint(const config_setting_t *g, unsigned min, unsigned max, unsigned *out, char *err,
                  size_t errlen)
{
    int type = config_setting_type(g);
    long long v =
        type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 ? config_setting_get_int64(g) : -1;
    if (v < (long long)min || v > (long long)max) {
        snprintf(err, errlen, "%s must be a whole number from %u to %u", config_setting_name(g),
                 min, max);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* settings_number - an int or float setting as a double; -1 if neither */
double settings_number(const config_setting_t *g)
{
    int type = config_setting_type(g);
    if (type == CONFIG_TYPE_FLOAT)
        return config_setting_get_float(g);
    if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
        return (double)config_setting_get_int64(g);
    return -1;
}
