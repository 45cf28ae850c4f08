/* nullfilter.c - a libmilter filter that does nothing: the protocol floor
 *
 * nullfilter -s SOCKET [-a]
 *
 * Registers every callback (so that the MTA sends every step and waits for
 * every reply, as it does for a filter that needs the whole message, a DKIM
 * signer or verifier) and answers each with continue; -a adds one header
 * field at end of message, the one modification a signer makes. What a
 * filter costs beyond this is its own work. */
#include <libmilter/mfapi.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int add_header;

/* nf_connect - continue */
static sfsistat nf_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
    (void)ctx, (void)host, (void)sa;
    return SMFIS_CONTINUE;
}

/* nf_strings - continue (HELO, MAIL, RCPT) */
static sfsistat nf_strings(SMFICTX *ctx, char **argv)
{
    (void)ctx, (void)argv;
    return SMFIS_CONTINUE;
}

/* nf_helo - continue */
static sfsistat nf_helo(SMFICTX *ctx, char *name)
{
    (void)ctx, (void)name;
    return SMFIS_CONTINUE;
}

/* nf_header - continue */
static sfsistat nf_header(SMFICTX *ctx, char *name, char *value)
{
    (void)ctx, (void)name, (void)value;
    return SMFIS_CONTINUE;
}

/* nf_body - continue */
static sfsistat nf_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void)ctx, (void)chunk, (void)len;
    return SMFIS_CONTINUE;
}

/* nf_ctx - continue (DATA, end of headers, abort, close) */
static sfsistat nf_ctx(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

/* nf_eom - continue, after one header field with -a */
static sfsistat nf_eom(SMFICTX *ctx)
{
    if (add_header && smfi_addheader(ctx, "X-Null-Filter", "seen") != MI_SUCCESS)
        return SMFIS_TEMPFAIL;
    return SMFIS_CONTINUE;
}

static struct smfiDesc filter = {
    .xxfi_name = "nullfilter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS,
    .xxfi_connect = nf_connect,
    .xxfi_helo = nf_helo,
    .xxfi_envfrom = nf_strings,
    .xxfi_envrcpt = nf_strings,
    .xxfi_header = nf_header,
    .xxfi_eoh = nf_ctx,
    .xxfi_body = nf_body,
    .xxfi_eom = nf_eom,
    .xxfi_abort = nf_ctx,
    .xxfi_close = nf_ctx,
    .xxfi_data = nf_ctx,
};

/* main - options, then libmilter's loop */
int main(int argc, char **argv)
{
    const char *sock = NULL;
    int c;
    while ((c = getopt(argc, argv, "s:a")) != -1) {
        if (c == 's')
            sock = optarg;
        else if (c == 'a')
            add_header = 1;
        else
            sock = NULL, optind = argc + 1;
    }
    if (sock == NULL || optind != argc) {
        fprintf(stderr, "usage: nullfilter -s SOCKET [-a]\n");
        return 2;
    }
    if (strncmp(sock, "unix:", 5) == 0)
        unlink(sock + 5);
    if (smfi_setconn((char *)sock) != MI_SUCCESS || smfi_setbacklog(256) != MI_SUCCESS ||
        smfi_register(filter) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS)
        return 1;
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
