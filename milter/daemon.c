/* daemon.c - the process around the filter */
#include "daemon.h"

#include "config.h"
#include "mserver.h"
#include "sockspec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* lookup_ids - "user" or "user:group" to ids; group may override */
static int lookup_ids(const char *spec, const char *group, uid_t *uid, gid_t *gid, char *err,
                      size_t errlen)
{
    char name[256];
    strlcpy_(name, spec, sizeof(name));
    char *colon = strchr(name, ':');
    if (colon)
        *colon++ = '\0';
    struct passwd *pw = getpwnam(name);
    if (pw == NULL) {
        snprintf(err, errlen, "unknown user \"%s\"", name);
        return -1;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    const char *g = colon ? colon : group;
    if (g) {
        struct group *gr = getgrnam(g);
        if (gr == NULL) {
            snprintf(err, errlen, "unknown group \"%s\"", g);
            return -1;
        }
        *gid = gr->gr_gid;
    }
    return 0;
}

/* daemon_make_parent_dir - create a file's directory, owned by the user */
int daemon_make_parent_dir(const struct config *cfg, const char *path, char *err, size_t errlen)
{
    char dir[sizeof(((struct sockspec *)0)->path)];
    strlcpy_(dir, path, sizeof(dir));
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return 0;
    *slash = '\0';
    if (mkdir(dir, 0755) < 0) {
        if (errno == EEXIST)
            return 0;
        snprintf(err, errlen, "cannot create directory %s for %s: %s", dir, path, strerror(errno));
        return -1;
    }
    uid_t uid;
    gid_t gid;
    if (cfg->user == NULL)
        return 0;
    if (lookup_ids(cfg->user, cfg->group, &uid, &gid, err, errlen) < 0)
        return -1;
    if (chown(dir, uid, gid) < 0) {
        snprintf(err, errlen, "cannot chown %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* set_unix_perms - socket_mode and socket_owner on the socket file */
static int set_unix_perms(const struct config *cfg, const char *path, char *err, size_t errlen)
{
    if (chmod(path, cfg->socket_mode) < 0) {
        snprintf(err, errlen, "cannot chmod %s: %s", path, strerror(errno));
        return -1;
    }
    const char *owner = cfg->socket_owner ? cfg->socket_owner : cfg->user;
    uid_t uid;
    gid_t gid;
    if (owner == NULL)
        return 0;
    if (lookup_ids(owner, cfg->socket_owner ? NULL : cfg->group, &uid, &gid, err, errlen) < 0)
        return -1;
    if (chown(path, uid, gid) < 0) {
        snprintf(err, errlen, "cannot chown %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* daemon_open_socket - listen where the configuration says */
int daemon_open_socket(const struct config *cfg, char *err, size_t errlen)
{
    struct sockspec spec;
    if (sockspec_parse(cfg->socket, &spec, err, errlen) < 0)
        return -1;
    if (sockspec_in_use(&spec, err, errlen) != 0)
        return -1;
    if (spec.kind == SOCK_UNIX && daemon_make_parent_dir(cfg, spec.path, err, errlen) < 0)
        return -1;
    char why[256];
    if (mserver_listen(&spec, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", cfg->socket, why);
        return -1;
    }
    if (spec.kind == SOCK_UNIX)
        return set_unix_perms(cfg, spec.path, err, errlen);
    return 0;
}

/* daemon_check_ids - the accounts the configuration names exist */
int daemon_check_ids(const struct config *cfg, char *err, size_t errlen)
{
    uid_t uid;
    gid_t gid;
    if (cfg->user && lookup_ids(cfg->user, cfg->group, &uid, &gid, err, errlen) < 0)
        return -1;
    if (cfg->socket_owner && lookup_ids(cfg->socket_owner, NULL, &uid, &gid, err, errlen) < 0)
        return -1;
    return 0;
}

/* daemon_detach - classic double-fork-free detach: fork, setsid */
int daemon_detach(char *err, size_t errlen)
{
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid > 0)
        _exit(0);
    setsid();
    if (chdir("/") < 0)
        return snprintf(err, errlen, "chdir /: %s", strerror(errno)), -1;
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    return 0;
}

/* pidfile_live - whether path names a running process */
static pid_t pidfile_live(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    if (pid <= 1 || pid == (long)getpid())
        return 0;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM ? (pid_t)pid : 0;
}

/* daemon_write_pidfile - record our pid */
int daemon_write_pidfile(const char *path, char *err, size_t errlen)
{
    if (path == NULL || path[0] == '\0')
        return 0;
    pid_t other = pidfile_live(path);
    if (other) {
        snprintf(err, errlen, "pid file %s names process %ld, which is running", path, (long)other);
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "cannot write pid file %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* daemon_drop_privileges - setgid, initgroups, setuid */
int daemon_drop_privileges(const char *user, const char *group, char *err, size_t errlen)
{
    uid_t uid;
    gid_t gid;
    if (user == NULL)
        return 0;
    if (lookup_ids(user, group, &uid, &gid, err, errlen) < 0)
        return -1;
    if (getuid() == uid && geteuid() == uid)
        return 0;
    char name[256];
    strlcpy_(name, user, sizeof(name));
    name[strcspn(name, ":")] = '\0';
    if (setgid(gid) < 0 || initgroups(name, gid) < 0 || setuid(uid) < 0) {
        snprintf(err, errlen, "cannot switch to user %s: %s", user, strerror(errno));
        return -1;
    }
    return 0;
}

/* daemon_dns_settings - resolver settings from the configuration */
struct dns_settings daemon_dns_settings(const struct config *cfg)
{
    return (struct dns_settings){
        .servers = cfg->dns.servers,
        .nservers = cfg->dns.nservers,
        .timeout_ms = cfg->dns.timeout_ms,
        .tries = cfg->dns.tries,
        .cache_entries = cfg->dns.cache_entries,
        .max_ttl = 86400,
        .max_neg_ttl = 10800,
        .trylater_ttl = 0,
    };
}
