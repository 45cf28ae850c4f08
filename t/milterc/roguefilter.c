/* roguefilter.c - a filter that breaks the milter protocol on purpose, for
 * milterc's error-path tests (libmilter cannot be made to misbehave)
 *
 * milterc_roguefilter PATH MODE
 *
 * Listens on the unix socket PATH, serves one connection, then exits. It
 * answers every command that expects a reply with SMFIR_CONTINUE, except:
 *   overask    SMFIC_OPTNEG: asks for protocol bits 0x1fffff
 *   unknown    SMFIC_CONNECT: reply 'Z'
 *   replycode  SMFIC_CONNECT: SMFIR_REPLYCODE "250 ok"
 *   edit       SMFIC_CONNECT: SMFIR_ADDHEADER (only legal at end of message)
 *   truncated  SMFIC_CONNECT: a reply announcing 10 bytes brings 4, then EOF */
#include <libmilter/mfdef.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* die - message and exit 2 */
static void die(const char *what)
{
    perror(what);
    exit(2);
}

/* put_u32 - big-endian integer at p */
static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* reply - one packet: cmd and n bytes of data */
static void reply(int fd, char cmd, const void *data, size_t n)
{
    unsigned char hdr[5];
    put_u32(hdr, (uint32_t)n + 1);
    hdr[4] = (unsigned char)cmd;
    if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr) ||
        (n > 0 && write(fd, data, n) != (ssize_t)n))
        die("write");
}

/* read_full - exactly n bytes; 0 at EOF */
static int read_full(int fd, unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = read(fd, p, n);
        if (k <= 0)
            return 0;
        p += k;
        n -= (size_t)k;
    }
    return 1;
}

/* read_cmd - the next command letter, its data discarded; 0 at EOF */
static char read_cmd(int fd)
{
    unsigned char hdr[5], skip[4096];
    if (!read_full(fd, hdr, sizeof(hdr)))
        return 0;
    uint32_t left = ((uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | hdr[2] << 8 | hdr[3]) - 1;
    while (left > 0) {
        size_t n = left < sizeof(skip) ? left : sizeof(skip);
        if (!read_full(fd, skip, n))
            return 0;
        left -= (uint32_t)n;
    }
    return (char)hdr[4];
}

/* negotiate - answer SMFIC_OPTNEG */
static void negotiate(int fd, const char *mode)
{
    unsigned char opt[12];
    put_u32(opt, 6);
    put_u32(opt + 4, SMFI_CURR_ACTS);
    put_u32(opt + 8, strcmp(mode, "overask") == 0 ? SMFI_CURR_PROT : 0);
    reply(fd, SMFIC_OPTNEG, opt, sizeof(opt));
}

/* truncated - a packet announcing 10 bytes (command and data) that brings 4 */
static void truncated(int fd)
{
    unsigned char pkt[8] = {0, 0, 0, 10, SMFIR_REPLYCODE, '5', '5', '0'};
    if (write(fd, pkt, sizeof(pkt)) != (ssize_t)sizeof(pkt))
        die("write");
}

/* connect_reply - the misbehaviour at SMFIC_CONNECT */
static void connect_reply(int fd, const char *mode)
{
    if (strcmp(mode, "unknown") == 0)
        reply(fd, 'Z', NULL, 0);
    else if (strcmp(mode, "replycode") == 0)
        reply(fd, SMFIR_REPLYCODE, "250 ok", 7);
    else if (strcmp(mode, "edit") == 0)
        reply(fd, SMFIR_ADDHEADER, "X\0y", 4);
    else if (strcmp(mode, "truncated") == 0)
        truncated(fd);
    else
        reply(fd, SMFIR_CONTINUE, NULL, 0);
}

/* serve - one connection */
static void serve(int fd, const char *mode)
{
    char cmd;
    while ((cmd = read_cmd(fd)) != 0) {
        if (cmd == SMFIC_OPTNEG)
            negotiate(fd, mode);
        else if (cmd == SMFIC_CONNECT)
            connect_reply(fd, mode);
        else if (strchr("DAQK", cmd) == NULL)
            reply(fd, SMFIR_CONTINUE, NULL, 0);
        if (cmd == SMFIC_CONNECT && strcmp(mode, "truncated") == 0)
            return;
    }
}

/* main - listen, serve one connection, exit */
int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: milterc_roguefilter PATH MODE\n");
        return 2;
    }
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof(sun.sun_path))
        die("path");
    memcpy(sun.sun_path, argv[1], strlen(argv[1]) + 1);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    unlink(argv[1]);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(ls, 1) < 0)
        die("listen");
    int fd = accept(ls, NULL, NULL);
    if (fd < 0)
        die("accept");
    serve(fd, argv[2]);
    close(fd);
    close(ls);
    return 0;
}
