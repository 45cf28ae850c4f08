/* log.c - the daemon's log: syslog, stderr or a file, chosen at run time */
#include "log.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

enum log_target { TARGET_STDERR = 0, TARGET_SYSLOG, TARGET_FILE };

static _Atomic int log_fd = 2;
static _Atomic int log_target = TARGET_STDERR;
static _Atomic int log_threshold = LOG_LVL_INFO;

static const struct {
    const char *name;
    int value;
} facilities[] = {
    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

static const char *const level_names[] = {"err", "warning", "info", "debug"};
static const int level_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

/* log_level_parse - level name to enum */
int log_level_parse(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(level_names); i++)
        if (strcmp(name, level_names[i]) == 0)
            return (int)i;
    if (strcmp(name, "warn") == 0 || strcmp(name, "error") == 0)
        return name[0] == 'w' ? LOG_LVL_WARN : LOG_LVL_ERR;
    return -1;
}

/* facility_parse - syslog facility name to value, -1 if unknown */
static int facility_parse(const char *name)
{
    for (size_t i = 0; i < ARRAY_LEN(facilities); i++)
        if (strcmp(name, facilities[i].name) == 0)
            return facilities[i].value;
    return -1;
}

/* open_target - resolve the target into a file descriptor or syslog */
static int open_target(const char *target, int fac, char *err, size_t errlen)
{
    if (strcmp(target, "stderr") == 0)
        return 2;
    if (strcmp(target, "syslog") == 0) {
        openlog("mxgate", LOG_PID | LOG_NDELAY, fac);
        return -2;
    }
    if (strncmp(target, "file:", 5) == 0 && target[5] == '/') {
        int fd = open(target + 5, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (fd < 0)
            snprintf(err, errlen, "cannot open log file %s: %s", target + 5, strerror(errno));
        return fd;
    }
    snprintf(err, errlen, "log target \"%s\" is not syslog, stderr or file:/PATH", target);
    return -1;
}

/* reuse_fd - a new log file takes over the old one's descriptor number
 * (dup2), which therefore never closes under a thread that loaded it to
 * write (closing it raced with writers, and a reused number could have sent
 * log lines into a milter connection). A file target replaced by stderr or
 * syslog leaves its descriptor open for the same reason. */
static int reuse_fd(int fd)
{
    int old = atomic_load(&log_fd);
    if (fd <= 2 || old <= 2 || old == fd || dup2(fd, old) != old)
        return fd;
    fcntl(old, F_SETFD, FD_CLOEXEC);
    close(fd);
    return old;
}

/* log_open - choose the target and threshold */
int log_open(const char *target, const char *facility, enum log_level level, char *err,
             size_t errlen)
{
    int fac = facility_parse(facility ? facility : "mail");
    if (fac < 0) {
        snprintf(err, errlen, "unknown syslog facility \"%s\"", facility);
        return -1;
    }
    int fd = open_target(target, fac, err, errlen);
    if (fd == -1)
        return -1;
    fd = reuse_fd(fd);
    atomic_store(&log_fd, fd >= 0 ? fd : 2);
    atomic_store(&log_target, fd == -2 ? TARGET_SYSLOG : fd == 2 ? TARGET_STDERR : TARGET_FILE);
    atomic_store(&log_threshold, (int)level);
    return 0;
}

/* log_close - back to stderr */
void log_close(void)
{
    int old = atomic_exchange(&log_fd, 2);
    if (atomic_exchange(&log_target, TARGET_STDERR) == TARGET_SYSLOG)
        closelog();
    if (old > 2)
        close(old);
}

/* log_enabled - would a line at level be written */
int log_enabled(enum log_level level)
{
    return (int)level <= atomic_load(&log_threshold);
}

/* write_line - timestamped line to a descriptor in one write(2) */
static void write_line(int fd, enum log_level level, const char *msg)
{
    char buf[8192];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    int n = (int)strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, ".%03ld mxgate[%ld]: %s: %s\n",
                  (long)tv.tv_usec / 1000, (long)getpid(), level_names[level], msg);
    if (n >= (int)sizeof(buf)) {
        n = (int)sizeof(buf) - 1;
        buf[n - 1] = '\n';
    }
    ssize_t w = write(fd, buf, (size_t)n);
    (void)w;
}

/* log_vmsg - format and emit one line */
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    if (!log_enabled(level))
        return;
    char msg[4096];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (atomic_load(&log_target) == TARGET_SYSLOG)
        syslog(level_prio[level], "%s", msg);
    else
        write_line(atomic_load(&log_fd), level, msg);
}

/* log_msg - emit one line */
void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

/* log_errno - error line with strerror(errno) */
void log_errno(const char *fmt, ...)
{
    int saved = errno;
    char msg[3072];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_msg(LOG_LVL_ERR, "%s: %s", msg, strerror(saved));
}
