/* mserver.c - the milter listener and one thread per MTA connection */
#define _GNU_SOURCE /* accept4 */
#include "mserver.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ACCEPT_FAILS_MAX 16 /* consecutive hard accept errors before giving up */
#define DRAIN_SECONDS 10    /* how long a stop waits for connection threads */

/* An open MTA connection, on the list that a stop closes. */
struct slot {
    int fd;
    const struct mctx_callbacks *cb;
    struct slot *prev, *next;
};

static int listen_fd = -1;
static int stop_pipe[2] = {-1, -1};
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t drained = PTHREAD_COND_INITIALIZER;
static struct slot *open_slots;
static unsigned nopen;

/* mserver_listen - socket, bind, listen */
int mserver_listen(const struct sockspec *spec, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl = sockspec_sockaddr(spec, &ss);
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || pipe2(stop_pipe, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
        return -1;
    }
    if (spec->kind == SOCK_UNIX)
        unlink(spec->path); /* stale: sockspec_in_use found nobody listening */
    else
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, SOMAXCONN) < 0) {
        snprintf(err, errlen, "cannot listen: %s", strerror(errno));
        close(fd);
        return -1;
    }
    listen_fd = fd;
    return 0;
}

/* slot_remove - a connection ended: off the list, closed, counted */
static void slot_remove(struct slot *s)
{
    pthread_mutex_lock(&lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        open_slots = s->next;
    if (s->next)
        s->next->prev = s->prev;
    nopen--;
    pthread_cond_broadcast(&drained);
    pthread_mutex_unlock(&lock);
    close(s->fd);
    free(s);
}

/* connection_main - one MTA connection, start to end */
static void *connection_main(void *arg)
{
    struct slot *s = arg;
    mctx_run(s->fd, s->cb, MSERVER_IDLE_MS);
    slot_remove(s);
    return NULL;
}

/* start_connection - on the list, then its own thread; closed if no thread */
static void start_connection(int fd, const struct mctx_callbacks *cb)
{
    struct slot *s = xcalloc(1, sizeof(*s));
    s->fd = fd, s->cb = cb;
    pthread_mutex_lock(&lock);
    s->next = open_slots;
    if (open_slots)
        open_slots->prev = s;
    open_slots = s;
    nopen++;
    pthread_mutex_unlock(&lock);
    pthread_attr_t attr;
    pthread_t tid;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, connection_main, s);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        log_warn("milter: cannot start a thread for an MTA connection (%s): closed; the MTA "
                 "applies its milter default action",
                 strerror(rc));
        slot_remove(s);
    }
}

/* accept_one - the next connection; 0, or -1 after a hard error */
static int accept_one(const struct mctx_callbacks *cb)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) {
        start_connection(fd, cb);
        return 0;
    }
    if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
        return 0;
    log_warn("milter: accept: %s", strerror(errno));
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        struct timespec ts = {0, 100 * 1000 * 1000}; /* out of descriptors: let some close */
        nanosleep(&ts, NULL);
        return 0;
    }
    return -1;
}

/* drain - close what is still open and wait, bounded, for the threads */
static void drain(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += DRAIN_SECONDS;
    pthread_mutex_lock(&lock);
    for (struct slot *s = open_slots; s; s = s->next)
        shutdown(s->fd, SHUT_RDWR);
    while (nopen > 0 && pthread_cond_timedwait(&drained, &lock, &until) == 0)
        ;
    if (nopen > 0)
        log_warn("milter: %u connections still busy at stop", nopen);
    pthread_mutex_unlock(&lock);
}

/* mserver_run - the accept loop */
int mserver_run(const struct mctx_callbacks *cb)
{
    int fails = 0;
    bool stopped = false;
    while (!stopped && fails < ACCEPT_FAILS_MAX) {
        struct pollfd pfd[2] = {{.fd = listen_fd, .events = POLLIN},
                                {.fd = stop_pipe[0], .events = POLLIN}};
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            log_warn("milter: poll: %s", strerror(errno));
            break;
        }
        stopped = pfd[1].revents != 0;
        if (!stopped && pfd[0].revents)
            fails = accept_one(cb) < 0 ? fails + 1 : 0;
    }
    close(listen_fd);
    listen_fd = -1;
    drain();
    return stopped ? 0 : -1;
}

/* mserver_stop - wake the accept loop */
void mserver_stop(void)
{
    char b = 'S';
    ssize_t w = write(stop_pipe[1], &b, 1);
    (void)w;
}

/* mserver_connections - how many are open */
unsigned mserver_connections(void)
{
    pthread_mutex_lock(&lock);
    unsigned n = nopen;
    pthread_mutex_unlock(&lock);
    return n;
}
