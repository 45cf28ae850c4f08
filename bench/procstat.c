/* procstat.c - a daemon's CPU time and resident memory from /proc */
#include "procstat.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* cpu_seconds - utime + stime of /proc/PID/stat in seconds; -1 on error */
static double cpu_seconds(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *ok = fgets(line, sizeof(line), f);
    fclose(f);
    /* the command name may hold spaces and parentheses: fields count from
     * the last ')'; state is field 3, utime 14, stime 15 */
    char *p = ok ? strrchr(line, ')') : NULL;
    unsigned long ut, st;
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* status_kb - the kB value of one "Name:" line of /proc/PID/status; -1 if absent */
static long status_kb(pid_t pid, const char *name)
{
    char path[64], line[256];
    size_t n = strlen(name);
    long v = -1;
    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (v < 0 && fgets(line, sizeof(line), f))
        if (strncmp(line, name, n) == 0 && line[n] == ':' && sscanf(line + n + 1, "%ld", &v) != 1)
            v = -1;
    fclose(f);
    return v;
}

/* procstat_read - CPU seconds, VmHWM and VmRSS of pid */
int procstat_read(pid_t pid, struct procstat *ps)
{
    ps->cpu_s = cpu_seconds(pid);
    ps->hwm_kb = status_kb(pid, "VmHWM");
    ps->rss_kb = status_kb(pid, "VmRSS");
    return ps->cpu_s < 0 || ps->hwm_kb < 0 ? -1 : 0;
}

/* procstat_reset_peak - write "5" to clear_refs: VmHWM restarts from VmRSS */
int procstat_reset_peak(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/clear_refs", (long)pid);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    int bad = fputs("5", f) == EOF;
    return fclose(f) != 0 || bad ? -1 : 0;
}
