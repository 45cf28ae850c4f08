/* test_mctx.c - the milter protocol engine against scripted MTA packets on
 * a socketpair: negotiation, macros, replies, edits, and broken packets */
#include "mctx.h"
#include "testing.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

static char out[1 << 16]; /* what the MTA side wrote */
static size_t outlen;
static char seen[4096]; /* what the callbacks saw, one line each */
static int closes;

/* put - append one packet to the MTA's script */
static void put(char cmd, const void *data, size_t n)
{
    uint32_t len = htonl((uint32_t)n + 1);
    memcpy(out + outlen, &len, 4);
    out[outlen + 4] = cmd;
    memcpy(out + outlen + 5, data, n);
    outlen += 5 + n;
}

/* S - a string or "(null)" */
#define S(x) ((x) ? (x) : "(null)")

/* note - record what a callback saw */
__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...)
{
    size_t n = strlen(seen);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(seen + n, sizeof(seen) - n, fmt, ap);
    va_end(ap);
}

/* Replies read back: letters and data. */
static struct {
    char cmd;
    char data[512];
    size_t len;
} rep[32];
static int nrep;

/* run - feed the script to mctx_run, then read its replies */
static void run(const struct mctx_callbacks *cb)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(write(sv[0], out, outlen) == (ssize_t)outlen);
    shutdown(sv[0], SHUT_WR);
    seen[0] = '\0';
    closes = nrep = 0;
    mctx_run(sv[1], cb, 2000);
    close(sv[1]);
    unsigned char h[5];
    while (nrep < 32 && read(sv[0], h, 5) == 5) {
        uint32_t len = ((uint32_t)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3]) - 1;
        CHECK(len < sizeof(rep[0].data));
        rep[nrep].cmd = (char)h[4];
        rep[nrep].len = len;
        CHECK(read(sv[0], rep[nrep].data, len) == (ssize_t)len);
        nrep++;
    }
    close(sv[0]);
    outlen = 0;
}

/* optneg - an MTA's option negotiation packet */
static void optneg(uint32_t version, uint32_t actions, uint32_t proto)
{
    uint32_t v[3] = {htonl(version), htonl(actions), htonl(proto)};
    put(SMFIC_OPTNEG, v, sizeof(v));
}

/* u32 - a number in a reply */
static uint32_t u32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return ntohl(v);
}

static enum mstat neg_lists(struct mctx *m, unsigned long a, unsigned long p, unsigned long *wa,
                            unsigned long *wp)
{
    (void)a, (void)p;
    *wa = MACT_ADDHDRS | MACT_SETSYMLIST | MACT_QUARANTINE;
    *wp = SMFIP_NR_HELO | SMFIP_NOBODY | SMFIP_NR_HDR;
    CHECK(mctx_set_symlist(m, MSTAGE_CONNECT, "j {client_addr}") == 0);
    CHECK(mctx_set_symlist(m, MSTAGE_EOM, "i") == 0);
    CHECK(mctx_set_symlist(m, MSTAGE_COUNT, "x") < 0);
    return MSTAT_CONTINUE;
}

static void count_close(struct mctx *m)
{
    (void)m;
    closes++;
}

static void negotiation_sends_our_macro_lists(void)
{
    struct mctx_callbacks cb = {.negotiate = neg_lists, .close = count_close};
    optneg(6, 0x1ff & ~MACT_QUARANTINE, 0x1fffff);
    run(&cb);
    CHECK_INT(nrep, 1);
    CHECK(rep[0].cmd == SMFIC_OPTNEG);
    CHECK_INT(u32(rep[0].data), 6);
    CHECK_INT(u32(rep[0].data + 4), MACT_ADDHDRS | MACT_SETSYMLIST); /* quarantine not offered */
    CHECK_INT(u32(rep[0].data + 8), SMFIP_NR_HELO | SMFIP_NOBODY | SMFIP_NR_HDR);
    CHECK_INT(u32(rep[0].data + 12), MSTAGE_CONNECT);
    CHECK_STR(rep[0].data + 16, "j {client_addr}");
    CHECK_INT(u32(rep[0].data + 32), MSTAGE_EOM);
    CHECK_STR(rep[0].data + 36, "i");
    CHECK_INT(rep[0].len, 38);
    CHECK_INT(closes, 1);
    optneg(2, 0x1ff, 0x7f); /* an old MTA: its version, no lists */
    run(&cb);
    CHECK_INT(u32(rep[0].data), 2);
    CHECK_INT(rep[0].len, 12);
}

static enum mstat see_mail(struct mctx *m, char **argv)
{
    note("mail %s i=%s\n", argv[0], S(mctx_macro(m, "i")));
    note("  j=%s {j}=%s\n", S(mctx_macro(m, "j")), S(mctx_macro(m, "{j}")));
    return MSTAT_CONTINUE;
}

static enum mstat see_rcpt(struct mctx *m, char **argv)
{
    note("rcpt %s i=%s\n", argv[0], S(mctx_macro(m, "{i}")));
    note("  param=%s addr=%s\n", S(argv[1]), S(mctx_macro(m, "{client_addr}")));
    return MSTAT_CONTINUE;
}

static void macros_latest_stage_first_braces_alike(void)
{
    struct mctx_callbacks cb = {.mail = see_mail, .rcpt = see_rcpt};
    optneg(6, 0x1ff, 0);
    put(SMFIC_MACRO,
        "C{j}\0mx.example\0{client_addr}\0"
        "192.0.2.1",
        40);
    put(SMFIC_CONNECT, "c\0U", 4);
    put(SMFIC_MACRO, "Mi\0QID1", 8);
    put(SMFIC_MAIL, "<a@x>", 6);
    put(SMFIC_MACRO, "Ri\0QID2", 8);
    put(SMFIC_RCPT, "<b@y>\0NOTIFY=NEVER", 19);
    put(SMFIC_ABORT, "", 0);
    put(SMFIC_MAIL, "<c@x>", 6); /* no MAIL macros: the aborted ones are gone */
    run(&cb);
    CHECK_STR(seen, "mail <a@x> i=QID1\n  j=mx.example {j}=mx.example\n"
                    "rcpt <b@y> i=QID2\n  param=NOTIFY=NEVER addr=192.0.2.1\n"
                    "mail <c@x> i=(null)\n  j=mx.example {j}=mx.example\n");
    CHECK_INT(nrep, 5); /* optneg, four continues; abort gets no reply */
    CHECK(rep[1].cmd == SMFIR_CONTINUE && rep[4].cmd == SMFIR_CONTINUE);
}

static enum mstat neg_nr_helo(struct mctx *m, unsigned long a, unsigned long p, unsigned long *wa,
                              unsigned long *wp)
{
    (void)m, (void)a, (void)p;
    *wa = 0;
    *wp = SMFIP_NR_HELO;
    return MSTAT_CONTINUE;
}

static enum mstat helo_rejects(struct mctx *m, const char *name)
{
    CHECK(mctx_set_reply(m, "550", "5.7.1", "no") == 0);
    return strcmp(name, "a") == 0 ? MSTAT_REJECT : MSTAT_CONTINUE;
}

static enum mstat rcpt_by_name(struct mctx *m, char **argv)
{
    CHECK(mctx_set_reply(m, "55x", NULL, "bad code") < 0);
    CHECK(mctx_set_reply(m, "550", "5.1.1", "two\r\nlines") < 0);
    if (argv[0][0] == 'r')
        CHECK(mctx_set_reply(m, "550", "5.1.1", "unknown user") == 0);
    if (argv[0][0] == 't')
        CHECK(mctx_set_reply(m, "550", "5.1.1", "a 5xx text with a tempfail") == 0);
    return argv[0][0] == 'c' ? MSTAT_CONTINUE : argv[0][0] == 'r' ? MSTAT_REJECT : MSTAT_TEMPFAIL;
}

static void replies_codes_and_no_reply_steps(void)
{
    struct mctx_callbacks cb = {
        .negotiate = neg_nr_helo, .helo = helo_rejects, .rcpt = rcpt_by_name};
    optneg(6, 0x1ff, 0x1fffff);
    put(SMFIC_CONNECT, "c\0U", 4);
    put(SMFIC_HELO, "a", 2); /* negotiated without reply: even a reject sends nothing */
    put(SMFIC_MAIL, "<>", 3);
    put(SMFIC_RCPT, "r", 2);
    put(SMFIC_RCPT, "t", 2);
    put(SMFIC_RCPT, "c", 2);
    run(&cb);
    CHECK_INT(nrep, 6); /* optneg, connect, mail, three rcpts */
    CHECK(rep[3].cmd == SMFIR_REPLYCODE);
    CHECK_STR(rep[3].data, "550 5.1.1 unknown user");
    CHECK(rep[4].cmd == SMFIR_TEMPFAIL); /* the text's code does not match: plain tempfail */
    CHECK(rep[5].cmd == SMFIR_CONTINUE);
}

static enum mstat header_edits(struct mctx *m, const char *name, const char *value)
{
    (void)name, (void)value;
    CHECK(mctx_insheader(m, 0, "X-Early", "no") < 0); /* edits only at end of message */
    return MSTAT_NOREPLY;
}

static enum mstat body_notes(struct mctx *m, const unsigned char *chunk, size_t len)
{
    (void)m;
    char b[64];
    snprintf(b, sizeof(b), "%.*s", (int)len, (const char *)chunk);
    note("body %s\n", b);
    return MSTAT_NOREPLY;
}

static enum mstat eom_edits(struct mctx *m)
{
    CHECK(mctx_insheader(m, 0, "X-Result", " pass") == 0);
    CHECK(mctx_chgheader(m, "Authentication-Results", 2, NULL) == 0);
    CHECK(mctx_quarantine(m, "held") < 0); /* not negotiated */
    return MSTAT_CONTINUE;
}

static enum mstat neg_edits(struct mctx *m, unsigned long a, unsigned long p, unsigned long *wa,
                            unsigned long *wp)
{
    (void)m, (void)a, (void)p;
    *wa = MACT_ADDHDRS | MACT_CHGHDRS;
    *wp = SMFIP_NR_HDR | SMFIP_NR_BODY;
    return MSTAT_CONTINUE;
}

static void edits_go_out_at_end_of_message_only(void)
{
    struct mctx_callbacks cb = {
        .negotiate = neg_edits, .header = header_edits, .body = body_notes, .eom = eom_edits};
    optneg(6, 0x1ff, 0x1fffff);
    put(SMFIC_CONNECT, "c\0U", 4);
    put(SMFIC_MAIL, "<>", 3);
    put(SMFIC_HEADER, "Subject\0hi", 11);
    put(SMFIC_BODY, "first", 5);
    put(SMFIC_BODYEOB, "last", 4); /* a final chunk rides on end of message */
    run(&cb);
    CHECK_STR(seen, "body first\nbody last\n");
    CHECK_INT(nrep, 6); /* optneg, connect, mail, two edits, the decision */
    CHECK(rep[3].cmd == SMFIR_INSHEADER);
    CHECK_INT(u32(rep[3].data), 0);
    CHECK(memcmp(rep[3].data + 4, "X-Result\0 pass", 15) == 0);
    CHECK(rep[4].cmd == SMFIR_CHGHEADER);
    CHECK_INT(u32(rep[4].data), 2);
    CHECK(memcmp(rep[4].data + 4, "Authentication-Results\0", 24) == 0);
    CHECK_INT(rep[4].len, 4 + 23 + 1);
    CHECK(rep[5].cmd == SMFIR_CONTINUE);
}

static enum mstat see_connect(struct mctx *m, const char *host, const struct ipaddr *addr)
{
    (void)m;
    note("%s %s\n", host, addr == NULL ? "none" : addr->family == AF_INET ? "inet" : "inet6");
    return MSTAT_CONTINUE;
}

/* connect_as - a connect packet for host with family fam and address text */
static void connect_as(const char *host, char fam, const char *addr)
{
    char b[128];
    size_t n = strlen(host) + 1;
    memcpy(b, host, n);
    b[n++] = fam;
    if (fam == SMFIA_INET || fam == SMFIA_INET6 || fam == SMFIA_UNIX) {
        b[n++] = 0, b[n++] = 25; /* port */
        memcpy(b + n, addr, strlen(addr) + 1);
        n += strlen(addr) + 1;
    }
    put(SMFIC_CONNECT, b, n);
}

static void connect_families_and_quit_nc(void)
{
    struct mctx_callbacks cb = {.connect = see_connect, .close = count_close};
    optneg(6, 0x1ff, 0);
    connect_as("a", SMFIA_INET, "192.0.2.1");
    put(SMFIC_QUIT_NC, "", 0); /* this SMTP session ends; another follows */
    connect_as("b", SMFIA_INET6, "IPv6:2001:db8::1");
    put(SMFIC_QUIT_NC, "", 0);
    connect_as("c", SMFIA_UNIX, "/run/x");
    put(SMFIC_QUIT_NC, "", 0);
    connect_as("d", SMFIA_UNKNOWN, NULL);
    put(SMFIC_QUIT_NC, "", 0);
    connect_as("e", SMFIA_INET, "not.an.address");
    run(&cb);
    CHECK_STR(seen, "a inet\nb inet6\nc none\nd none\ne none\n");
    CHECK_INT(closes, 5); /* at each QUIT_NC and at the end */
    CHECK_INT(nrep, 6);
}

/* broken - one hostile packet after a negotiation and, when in_mail, a
 * connect and MAIL: the connection is closed, close runs once, nothing
 * answers the packet */
static void broken(bool in_mail, const void *raw, size_t n)
{
    struct mctx_callbacks cb = {.close = count_close, .connect = see_connect};
    optneg(6, 0x1ff, 0);
    if (in_mail) {
        put(SMFIC_CONNECT, "c\0U", 4);
        put(SMFIC_MAIL, "<>", 3);
    }
    memcpy(out + outlen, raw, n);
    outlen += n;
    put(SMFIC_QUIT_NC, "", 0); /* not reached */
    run(&cb);
    CHECK_INT(closes, 1);
    CHECK_INT(nrep, in_mail ? 3 : 1);
    CHECK_STR(seen, in_mail ? "c none\n" : "");
}

static void hostile_packets_close_the_connection(void)
{
    broken(true, "\0\0\0\0", 4); /* length 0 */
    broken(true,
           "\x7f\xff\xff\xff"
           "B",
           5); /* 2 GiB announced */
    broken(true,
           "\0\x10\0\x01"
           "B",
           5); /* just over 1 MiB */
    broken(true,
           "\0\0\0\x02"
           "Z"
           "x",
           6); /* unknown command */
    broken(true,
           "\0\0\0\x06"
           "D"
           "Mi\0QI",
           10); /* value not terminated */
    broken(true,
           "\0\0\0\x04"
           "D"
           "Mi\0",
           8); /* a name without value */
    broken(false,
           "\0\0\0\x05"
           "C"
           "host",
           9); /* host not terminated */
    broken(true,
           "\0\0\0\x04"
           "L"
           "Sub",
           8); /* header without value */
    broken(true,
           "\0\0\0\x01"
           "M",
           5); /* MAIL without address */
    broken(true,
           "\0\0\0\x05"
           "O"
           "\0\0\0\x06",
           9);           /* short negotiation */
    optneg(1, 0x1ff, 0); /* version 1: refused */
    run(&(struct mctx_callbacks){.close = count_close});
    CHECK_INT(nrep, 0);
    CHECK_INT(closes, 1);
    put(SMFIC_HELO, "x", 2);
    out[outlen - 1] = 'y';
    outlen -= 1; /* truncated: the packet never completes */
    run(&(struct mctx_callbacks){.close = count_close});
    CHECK_INT(nrep, 0);
    CHECK_INT(closes, 1);
}

/* out_of_order - run the script: closed after good_replies replies */
static void out_of_order(int good_replies)
{
    run(&(struct mctx_callbacks){.close = count_close});
    CHECK_INT(nrep, good_replies);
    CHECK_INT(closes, 1);
}

static void commands_out_of_order_close_the_connection(void)
{
    put(SMFIC_CONNECT, "c\0U", 4); /* before negotiation */
    out_of_order(0);
    optneg(6, 0x1ff, 0);
    put(SMFIC_HELO, "h", 2); /* before connect */
    out_of_order(1);
    optneg(6, 0x1ff, 0);
    put(SMFIC_CONNECT, "c\0U", 4);
    put(SMFIC_RCPT, "<b@y>", 6); /* before MAIL */
    out_of_order(2);
    optneg(6, 0x1ff, 0);
    put(SMFIC_CONNECT, "c\0U", 4);
    put(SMFIC_MAIL, "<a@x>", 6);
    put(SMFIC_ABORT, "", 0);
    put(SMFIC_BODY, "x", 1); /* after the transaction was aborted */
    out_of_order(3);
    optneg(6, 0x1ff, 0);
    put(SMFIC_CONNECT, "c\0U", 4);
    put(SMFIC_CONNECT, "c\0U", 4); /* a second client without QUIT_NC */
    out_of_order(2);
    optneg(6, 0x1ff, 0);
    optneg(6, 0x1ff, 0); /* negotiating twice */
    out_of_order(1);
}

#define MCTX_TESTS(T)                         \
    T(negotiation_sends_our_macro_lists)      \
    T(macros_latest_stage_first_braces_alike) \
    T(replies_codes_and_no_reply_steps)       \
    T(edits_go_out_at_end_of_message_only)    \
    T(connect_families_and_quit_nc)           \
    T(hostile_packets_close_the_connection)   \
    T(commands_out_of_order_close_the_connection)

TEST_MAIN(MCTX_TESTS)
