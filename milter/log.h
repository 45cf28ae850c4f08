/* log.h - the daemon's log: syslog, stderr or a file, chosen at run time */
#ifndef MXGATE_LOG_H
#define MXGATE_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* log_open - send log lines to target: "syslog", "stderr" or "file:PATH".
 * facility is a syslog facility name ("mail", "local0".."local7", ...) used
 * for syslog only. Returns 0, or -1 with a message in err. Call from the main
 * thread before other threads log; later calls reopen (SIGHUP). */
int log_open(const char *target, const char *facility, enum log_level level, char *err,
             size_t errlen);

/* log_close - flush and close the current target; stderr is used after. */
void log_close(void);

/* log_level_parse - "err", "warning", "info" or "debug" to a level; -1 if unknown. */
int log_level_parse(const char *name);

/* log_enabled - whether lines at level would be written (skip costly formatting). */
int log_enabled(enum log_level level);

/* log_msg - write one line at level. Thread-safe; never blocks on a full disk
 * for longer than the write itself. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* log_err, log_warn, log_info, log_debug - log_msg at each level. */
#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* log_errno - log_err with ": strerror(errno)" appended. */
void log_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
