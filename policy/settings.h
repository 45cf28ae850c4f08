/* settings.h - reading the values of a check's settings group, with the
 * problem in err for the loader to prefix with file:line */
#ifndef MXGATE_SETTINGS_H
#define MXGATE_SETTINGS_H

#include <libconfig.h>
#include <stddef.h>

/* settings_uint - g is a whole number in [min, max]: *out, 0; else -1 with
 * "NAME must be a whole number from MIN to MAX" in err. */
int settings_uint(const config_setting_t *g, unsigned min, unsigned max, unsigned *out, char *err,
                  size_t errlen);

/* settings_number - g as a number, whole or not: its value, or -1 when g is
 * not a number (so callers that want a non-negative value reject it too). */
double settings_number(const config_setting_t *g);

#endif
