/* test_rcptverify.c - the rcptverify check's parts without a daemon: the
 * SMTP reply parser (multi-line, incomplete, garbage), the probe against a
 * scripted primary in a child process (2xx, 5xx, EHLO refused, 421
 * greeting, silence until the deadline, nobody listening), and the
 * settings' errors. */
#include "arena.h"
#include "rcptverify.h"
#include "testing.h"
#include "util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* parse - rv_reply_parse on a string: the state; code and used when done */
static int parse(const char *s, int *code, size_t *used)
{
    *code = -1, *used = 0;
    return rv_reply_parse(s, strlen(s), code, used);
}

static void a_one_line_reply_is_done_with_its_code(void)
{
    int code;
    size_t used;
    CHECK_INT(parse("250 2.1.5 Ok\r\n", &code, &used), RV_REPLY_DONE);
    CHECK_INT(code, 250);
    CHECK_INT(used, 14);
    CHECK_INT(parse("550\r\n", &code, &used), RV_REPLY_DONE); /* no text */
    CHECK_INT(code, 550);
    CHECK_INT(parse("221 bye\n", &code, &used), RV_REPLY_DONE); /* a bare LF */
    CHECK_INT(used, 8);
}

static void a_multi_line_reply_ends_at_its_last_line(void)
{
    int code;
    size_t used;
    const char *ehlo = "250-mx.example.net\r\n250-PIPELINING\r\n250 8BITMIME\r\n220 next";
    CHECK_INT(parse(ehlo, &code, &used), RV_REPLY_DONE);
    CHECK_INT(code, 250);
    CHECK_INT(used, strlen(ehlo) - strlen("220 next"));
    CHECK_INT(parse("550-5.1.1 no such user\r\n550-5.1.1 really\r\n", &code, &used), RV_REPLY_MORE);
    CHECK_INT(parse("250-a\r\n250 b", &code, &used), RV_REPLY_MORE); /* last line unfinished */
    CHECK_INT(parse("", &code, &used), RV_REPLY_MORE);
    CHECK_INT(parse("25", &code, &used), RV_REPLY_MORE);
}

static void garbage_is_bad(void)
{
    int code;
    size_t used;
    CHECK_INT(parse("hello there\r\n", &code, &used), RV_REPLY_BAD);
    CHECK_INT(parse("250-a\r\n550 b\r\n", &code, &used), RV_REPLY_BAD); /* codes differ */
    CHECK_INT(parse("199 low\r\n", &code, &used), RV_REPLY_BAD);
    CHECK_INT(parse("600 high\r\n", &code, &used), RV_REPLY_BAD);
    CHECK_INT(parse("250x\r\n", &code, &used), RV_REPLY_BAD);
    CHECK_INT(parse("2a0 x\r\n", &code, &used), RV_REPLY_BAD);
    CHECK_INT(parse("\r\n", &code, &used), RV_REPLY_BAD);
}

/* A scripted primary: each step waits for a line starting with expect (NULL:
 * none, speak first) and answers reply (NULL: say nothing more, stay silent
 * until killed). The child exits 0 when every expected line came in order. */
struct step {
    const char *expect, *reply;
};

/* read_line - one line from fd into buf (without CRLF); -1 at EOF */
static int read_line(int fd, char *buf, size_t len)
{
    size_t n = 0;
    char ch;
    while (read(fd, &ch, 1) == 1) {
        if (ch == '\n') {
            buf[n > 0 && buf[n - 1] == '\r' ? n - 1 : n] = '\0';
            return 0;
        }
        if (n + 1 < len)
            buf[n++] = ch;
    }
    return -1;
}

/* play - the child's side of one connection */
static int play(int lfd, const struct step *steps)
{
    int fd = accept(lfd, NULL, NULL);
    char line[600];
    for (const struct step *s = steps; fd >= 0 && (s->expect || s->reply); s++) {
        if (s->expect && (read_line(fd, line, sizeof(line)) < 0 ||
                          strncmp(line, s->expect, strlen(s->expect)) != 0))
            return 1;
        if (s->reply == NULL)
            pause();
        if (write(fd, s->reply, strlen(s->reply)) < 0)
            return 1;
    }
    return fd >= 0 ? 0 : 1;
}

/* primary_at - a listening socket on 127.0.0.1, port chosen by the kernel */
static int primary_at(struct rv_primary *p)
{
    struct sockaddr_in *a = (struct sockaddr_in *)&p->sa;
    memset(p, 0, sizeof(*p));
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->len = sizeof(*a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK_INT(bind(fd, (struct sockaddr *)a, p->len), 0);
    CHECK_INT(listen(fd, 4), 0);
    CHECK_INT(getsockname(fd, (struct sockaddr *)a, &p->len), 0);
    snprintf(p->name, sizeof(p->name), "127.0.0.1:%d", ntohs(a->sin_port));
    return fd;
}

static int64_t probe_ms; /* how long the last probe() took */

/* probe - rv_probe of addr against a child playing steps within ms; the
 * child's verdict in *played (0: every line came as expected) */
static enum rv_answer probe(const struct step *steps, const char *addr, int ms, char *what,
                            size_t len, int *played)
{
    struct rv_primary p;
    int lfd = primary_at(&p), status = 0;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(play(lfd, steps));
    close(lfd);
    int64_t t0 = now_mono_ms();
    enum rv_answer a = rv_probe(&p, "mx2.example.net", addr, t0 + ms, what, len);
    probe_ms = now_mono_ms() - t0;
    for (int i = 0; i < 200 && waitpid(pid, &status, WNOHANG) == 0; i++)
        usleep(10000);           /* a script that ends exits by itself */
    if (kill(pid, SIGTERM) == 0) /* a silent one waits to be ended */
        waitpid(pid, &status, 0);
    *played = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return a;
}

static void a_2xx_to_rcpt_is_known_and_the_dialogue_never_sends_data(void)
{
    static const struct step steps[] = {
        {NULL, "220 primary ESMTP\r\n"},
        {"EHLO mx2.example.net", "250-primary\r\n250-PIPELINING\r\n250 8BITMIME\r\n"},
        {"MAIL FROM:<>", "250 2.1.0 Ok\r\n"},
        {"RCPT TO:<bob@example.net>", "250 2.1.5 Ok\r\n"},
        {"QUIT", "221 2.0.0 Bye\r\n"},
        {NULL, NULL}};
    char what[300];
    int played;
    CHECK_INT(probe(steps, "bob@example.net", 5000, what, sizeof(what), &played), RV_ANSWER_KNOWN);
    CHECK_STR(what, "250 2.1.5 Ok");
    CHECK_INT(played, 0);
}

static void a_multi_line_5xx_to_rcpt_is_refused_with_its_first_line(void)
{
    static const struct step steps[] = {{NULL, "220 primary\r\n"},
                                        {"EHLO", "250 primary\r\n"},
                                        {"MAIL FROM:<>", "250 Ok\r\n"},
                                        {"RCPT TO:<nobody@example.net>",
                                         "550-5.1.1 <nobody@example.net>: User unknown\r\n550 "
                                         "5.1.1 see the postmaster\r\n"},
                                        {"QUIT", ""},
                                        {NULL, NULL}};
    char what[300];
    int played;
    CHECK_INT(probe(steps, "nobody@example.net", 5000, what, sizeof(what), &played),
              RV_ANSWER_REFUSED);
    CHECK_STR(what, "550-5.1.1 <nobody@example.net>: User unknown");
    CHECK_INT(played, 0);
}

static void an_ehlo_refused_falls_back_to_helo_and_4xx_is_trylater(void)
{
    static const struct step steps[] = {{NULL, "220 primary\r\n"},
                                        {"EHLO", "502 5.5.2 no EHLO here\r\n"},
                                        {"HELO mx2.example.net", "250 primary\r\n"},
                                        {"MAIL FROM:<>", "250 Ok\r\n"},
                                        {"RCPT TO:<", "451 4.3.0 try later\r\n"},
                                        {NULL, NULL}};
    char what[300];
    int played;
    CHECK_INT(probe(steps, "bob@example.net", 5000, what, sizeof(what), &played),
              RV_ANSWER_TRYLATER);
    CHECK_STR(what, "451 4.3.0 try later");
    CHECK_INT(played, 0);
}

static void a_421_greeting_or_a_refused_mail_is_trylater(void)
{
    static const struct step greet[] = {{NULL, "421 4.3.2 shutting down\r\n"}, {NULL, NULL}};
    static const struct step mail[] = {{NULL, "220 primary\r\n"},
                                       {"EHLO", "250 primary\r\n"},
                                       {"MAIL FROM:<>", "553 5.1.8 no null sender\r\n"},
                                       {NULL, NULL}};
    char what[300];
    int played;
    CHECK_INT(probe(greet, "bob@example.net", 5000, what, sizeof(what), &played),
              RV_ANSWER_TRYLATER);
    CHECK_STR(what, "421 4.3.2 shutting down");
    CHECK_INT(probe(mail, "bob@example.net", 5000, what, sizeof(what), &played),
              RV_ANSWER_TRYLATER); /* a 5xx to MAIL says nothing about the recipient */
    CHECK_STR(what, "553 5.1.8 no null sender");
}

static void a_silent_primary_is_trylater_at_the_deadline(void)
{
    static const struct step greet[] = {{NULL, "220 primary\r\n"}, {"EHLO", NULL}};
    char what[300];
    int played;
    CHECK_INT(probe(greet, "bob@example.net", 300, what, sizeof(what), &played),
              RV_ANSWER_TRYLATER);
    CHECK_STR(what, "timed out waiting for the reply to EHLO");
    CHECK(probe_ms >= 290 && probe_ms < 1500);
}

static void a_garbled_or_truncated_reply_is_trylater(void)
{
    static const struct step garbled[] = {
        {NULL, "220 primary\r\n"}, {"EHLO", "250-primary\r\n550 mixed\r\n"}, {NULL, NULL}};
    static const struct step closed[] = {{NULL, "220-primary\r\n"}, {NULL, NULL}};
    char what[300];
    int played;
    CHECK_INT(probe(garbled, "bob@example.net", 5000, what, sizeof(what), &played),
              RV_ANSWER_TRYLATER);
    CHECK_STR(what, "garbled reply to EHLO");
    CHECK_INT(probe(closed, "bob@example.net", 5000, what, sizeof(what), &played),
              RV_ANSWER_TRYLATER);
    CHECK_STR(what, "connection closed before the reply to connect");
}

static void nobody_listening_is_trylater(void)
{
    struct rv_primary p;
    close(primary_at(&p)); /* the port is free again */
    char what[300];
    CHECK_INT(rv_probe(&p, "mx2.example.net", "bob@example.net", now_mono_ms() + 1000, what,
                       sizeof(what)),
              RV_ANSWER_TRYLATER);
    CHECK_STR(what, "connect: Connection refused");
}

/* configure - rv_configure on the group "checks.rcptverify" of text: its
 * result; the error in err */
static int configure(const char *text, struct rcptverify_settings **s, char *err, size_t len)
{
    config_t cf;
    config_init(&cf);
    CHECK_INT(config_read_string(&cf, text), CONFIG_TRUE);
    struct arena *a = arena_create();
    void *out = NULL;
    err[0] = '\0';
    int r = rv_configure(config_lookup(&cf, "rcptverify"), a, &out, err, len);
    static struct rcptverify_settings copy;
    copy = *(struct rcptverify_settings *)out;
    copy.domains = copy.recipients = (struct list){0}; /* in the arena */
    *s = &copy;
    arena_destroy(&a);
    config_destroy(&cf);
    return r;
}

static void settings_are_read_and_checked(void)
{
    struct rcptverify_settings *s;
    char err[300];
    CHECK_INT(configure("rcptverify = { domains = [ \"Example.NET\" ]; primaries = [ "
                        "\"192.0.2.25\", \"[2001:db8::25]:2525\" ]; timeout = 0.5; };",
                        &s, err, sizeof(err)),
              0);
    CHECK_INT(s->nprimaries, 2);
    CHECK_STR(s->primaries[0].name, "192.0.2.25:25");
    CHECK_STR(s->primaries[1].name, "[2001:db8::25]:2525");
    CHECK_INT(s->timeout_ms, 500);
    CHECK_INT(s->positive_ttl, 7 * 86400);
    static const struct {
        const char *text, *err;
    } bad[] = {
        {"rcptverify = { primaries = [ \"192.0.2.25\" ]; };", "needs domains"},
        {"rcptverify = { domains = [ \"example.net\" ]; };", "needs primaries to probe, or"},
        {"rcptverify = { domains = [ \"x\" ]; primaries = [ \"mx.example.net:25\" ]; };",
         "is not an address literal"},
        {"rcptverify = { domains = [ \"x\" ]; primaries = [ \"192.0.2.1:0\" ]; };",
         "is not an address literal"},
        {"rcptverify = { domains = [ \"x\" ]; primaries = [ \"2001:db8::1\" ]; };",
         "is not an address literal"},
        {"rcptverify = { domains = [ \"x\" ]; primaries = [ ]; };", "primaries must be"},
        {"rcptverify = { domains = [ \"x\" ]; recipients = \"file:/nonexistent/r\"; };",
         "cannot read /nonexistent/r"},
        {"rcptverify = { domains = [ \"x\" ]; recipients = [ \"a@x\" ]; timeout = 0; };",
         "timeout must be"},
        {"rcptverify = { domains = [ \"x\" ]; recipients = [ \"a@x\" ]; max_rate = 0; };",
         "max_rate must be a whole number from 1"},
        {"rcptverify = { domains = [ \"x\" ]; recipients = [ \"a@x\" ]; verify = 1; };",
         "unknown setting \"verify\""},
        {"rcptverify = { domains = 5; recipients = [ \"a@x\" ]; };", "domains must be"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        CHECK_INT(configure(bad[i].text, &s, err, sizeof(err)), -1);
        CHECK_CONTAINS(err, bad[i].err);
    }
}

static void words_are_named(void)
{
    CHECK_STR(rcptverify_words[RV_NONE], "none");
    CHECK_STR(rcptverify_words[RV_OK], "ok");
    CHECK_STR(rcptverify_words[RV_UNKNOWN], "unknown");
    CHECK_STR(rcptverify_words[RV_TEMPERROR], "temperror");
    CHECK(rcptverify_words[RV_COUNT] == NULL);
}

#define RCPTVERIFY_TESTS(T)                                     \
    T(a_one_line_reply_is_done_with_its_code)                   \
    T(a_multi_line_reply_ends_at_its_last_line)                 \
    T(garbage_is_bad)                                           \
    T(a_2xx_to_rcpt_is_known_and_the_dialogue_never_sends_data) \
    T(a_multi_line_5xx_to_rcpt_is_refused_with_its_first_line)  \
    T(an_ehlo_refused_falls_back_to_helo_and_4xx_is_trylater)   \
    T(a_421_greeting_or_a_refused_mail_is_trylater)             \
    T(a_silent_primary_is_trylater_at_the_deadline)             \
    T(a_garbled_or_truncated_reply_is_trylater)                 \
    T(nobody_listening_is_trylater)                             \
    T(settings_are_read_and_checked)                            \
    T(words_are_named)

TEST_MAIN(RCPTVERIFY_TESTS)
