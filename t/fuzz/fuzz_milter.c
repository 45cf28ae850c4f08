/* fuzz_milter.c - libFuzzer target: the milter protocol engine (mctx) on an
 * arbitrary byte stream from the MTA, with callbacks that read macros, set
 * replies and edit at end of message; any stream must end the connection
 * cleanly: no crash, no leak, no hang. */
#include "log.h"
#include "mctx.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* negotiate - ask for everything, with macro lists */
static enum mstat negotiate(struct mctx *m, unsigned long a, unsigned long p, unsigned long *wa,
                            unsigned long *wp)
{
    *wa = a;
    *wp = p;
    mctx_set_symlist(m, MSTAGE_CONNECT, "j {client_addr}");
    mctx_set_symlist(m, MSTAGE_EOM, "i");
    return MSTAT_CONTINUE;
}

/* rcpt - read macros, reply with a code */
static enum mstat rcpt(struct mctx *m, char **argv)
{
    const char *i = mctx_macro(m, "i"), *a = mctx_macro(m, "{client_addr}");
    mctx_set_reply(m, argv[0][0] == '4' ? "450" : "550", "5.1.1", i ? i : a);
    return argv[1] ? MSTAT_REJECT : MSTAT_TEMPFAIL;
}

/* eom - every kind of edit */
static enum mstat eom(struct mctx *m)
{
    const char *i = mctx_macro(m, "i");
    mctx_insheader(m, 0, "X-Fuzz", i ? i : "none");
    mctx_chgheader(m, "Authentication-Results", 1, NULL);
    mctx_quarantine(m, "fuzz");
    return MSTAT_CONTINUE;
}

static const struct mctx_callbacks callbacks = {.negotiate = negotiate, .rcpt = rcpt, .eom = eom};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    char err[256];
    if (!quiet++ && log_open("file:/dev/null", "mail", LOG_LVL_ERR, err, sizeof(err)) < 0)
        abort(); /* the protocol errors it logs would drown the fuzzer */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        abort();
    int big = 1 << 20;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    ssize_t w = size ? write(sv[0], data, size) : 0; /* what fits: the rest is cut off */
    (void)w;
    shutdown(sv[0], SHUT_WR);
    mctx_run(sv[1], &callbacks, 0); /* a full reply buffer or a short read ends it at once */
    close(sv[0]);
    close(sv[1]);
    return 0;
}
