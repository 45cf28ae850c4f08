/* procstat.h - what a daemon spent, from /proc: CPU time and resident memory
 *
 * The load driver reads the filter's /proc/PID/stat (utime + stime: every
 * thread of the process) before and after a run, and its VmHWM (peak
 * resident set) from /proc/PID/status after the run, resetting the peak
 * before it when the kernel allows (writing "5" to /proc/PID/clear_refs). */
#ifndef BENCH_PROCSTAT_H
#define BENCH_PROCSTAT_H

#include <sys/types.h>

/* One reading of a process. */
struct procstat {
    double cpu_s; /* user + system CPU seconds since it started */
    long hwm_kb;  /* VmHWM: peak resident set, kB (since start or the last reset) */
    long rss_kb;  /* VmRSS: resident set now, kB */
};

/* procstat_read - read pid's figures into ps. Returns 0, or -1 if the
 * process or its /proc files are gone. Any thread. */
int procstat_read(pid_t pid, struct procstat *ps);

/* procstat_reset_peak - start VmHWM again from the current resident set.
 * Returns 0, or -1 if the kernel or our privileges do not allow it (the
 * peak then covers the process's whole life). */
int procstat_reset_peak(pid_t pid);

#endif
