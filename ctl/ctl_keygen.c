/* ctl_keygen.c - mxgatectl keygen: a new DKIM key, written with safe
 * permissions, and the DNS TXT record that publishes it */
#include "ctl.h"

#include "dkim_key.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libconfig.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TXT_STRING_MAX 255 /* octets in one character-string (RFC 1035) */

struct keygen {
    bool ed25519;
    unsigned bits;
    const char *domain, *selector, *out;
    char path[4096];
};

/* ctl_keygen_usage - the synopsis */
void ctl_keygen_usage(FILE *out)
{
    fprintf(
        out,
        "  keygen [-t rsa|ed25519] [-b BITS] -d DOMAIN -s SELECTOR [-o FILE]\n"
        "                                         a new DKIM key (mode 0600, default\n"
        "                                         file DOMAIN.SELECTOR.pem) and its TXT record\n");
}

/* usage_error - say what is wrong, then the synopsis */
static int usage_error(const char *what)
{
    fprintf(stderr, "mxgatectl: keygen: %s\nusage:\n", what);
    ctl_keygen_usage(stderr);
    return CTL_USAGE;
}

/* parse - the subcommand's options */
static int parse(int argc, char **argv, struct keygen *kg)
{
    int ch;
    char *end;
    optind = 1;
    while ((ch = getopt(argc, argv, "t:b:d:s:o:")) != -1) {
        if (ch == 't' && (strcmp(optarg, "rsa") == 0 || strcmp(optarg, "ed25519") == 0))
            kg->ed25519 = optarg[0] == 'e';
        else if (ch == 'b' && (kg->bits = (unsigned)strtoul(optarg, &end, 10)) > 0 && !*end)
            continue;
        else if (ch == 'd' || ch == 's' || ch == 'o')
            *(ch == 'd' ? &kg->domain : ch == 's' ? &kg->selector : &kg->out) = optarg;
        else
            return usage_error("bad option");
    }
    if (optind != argc || !kg->domain || !kg->selector)
        return usage_error("-d DOMAIN and -s SELECTOR are needed, and nothing else");
    if (kg->bits && (kg->ed25519 || kg->bits < DKIM_KEY_MIN_BITS || kg->bits > 8192))
        return usage_error("-b is for RSA keys, from 1024 to 8192 bits");
    if (!kg->bits)
        kg->bits = 2048;
    snprintf(kg->path, sizeof(kg->path), "%s", kg->out ? kg->out : "");
    if (!kg->out)
        snprintf(kg->path, sizeof(kg->path), "%s.%s.pem", kg->domain, kg->selector);
    return CTL_OK;
}

/* daemon_owner - the daemon's user and group from the configuration file,
 * read for these two settings only (the keys it names may not exist yet);
 * false if there is no file or no user */
static bool daemon_owner(const char *path, uid_t *uid, gid_t *gid, const char **user)
{
    config_t lc;
    const char *u = NULL, *g = NULL;
    bool found = false;
    config_init(&lc);
    if (config_read_file(&lc, path) == CONFIG_TRUE &&
        config_lookup_string(&lc, "user", &u) == CONFIG_TRUE) {
        struct passwd *pw = getpwnam(u);
        config_lookup_string(&lc, "group", &g);
        struct group *gr = g ? getgrnam(g) : NULL;
        if (pw) {
            *uid = pw->pw_uid;
            *gid = gr ? gr->gr_gid : pw->pw_gid;
            *user = xstrdup(u);
            found = true;
        }
    }
    config_destroy(&lc);
    return found;
}

/* write_key - the PEM file: created, never overwritten, mode 0600, owned
 * by the daemon's user when we are root */
static int write_key(struct ctl *ctl, const struct keygen *kg, EVP_PKEY *pkey)
{
    uid_t uid;
    gid_t gid;
    const char *user = NULL;
    mode_t old = umask(077);
    int fd = open(kg->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    umask(old);
    if (fd < 0)
        return ctl_fail("cannot create %s: %s", kg->path, strerror(errno));
    if (geteuid() == 0 && daemon_owner(ctl->path, &uid, &gid, &user) && fchown(fd, uid, gid) < 0)
        fprintf(stderr, "mxgatectl: cannot give %s to %s: %s\n", kg->path, user, strerror(errno));
    FILE *f = fdopen(fd, "w");
    bool ok = f && PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) == 1;
    if ((f ? fclose(f) : close(fd)) != 0 || !ok) {
        unlink(kg->path);
        free((void *)user);
        return ctl_fail("cannot write %s", kg->path);
    }
    struct passwd *me = user ? NULL : getpwuid(geteuid());
    fprintf(stderr, "mxgatectl: wrote %s (mode 0600, owner %s)\n", kg->path,
            user ? user
            : me ? me->pw_name
                 : "?");
    free((void *)user);
    return CTL_OK;
}

/* print_record - NAME IN TXT ( "v=DKIM1; k=...; " "p=..." ... ) in strings
 * of at most 255 octets */
static int print_record(const struct keygen *kg, EVP_PKEY *pkey)
{
    const char *k;
    char *p;
    if (dkim_key_public(pkey, &k, &p) < 0)
        return ctl_fail("cannot encode the public key");
    printf("%s._domainkey.%s. IN TXT ( \"v=DKIM1; k=%s; \"", kg->selector, kg->domain, k);
    size_t n = strlen(p), first = TXT_STRING_MAX - 2;
    printf("\n\t\"p=%.*s\"", (int)(n < first ? n : first), p);
    for (size_t i = first; i < n; i += TXT_STRING_MAX)
        printf("\n\t\"%.*s\"", TXT_STRING_MAX, p + i);
    printf(" )\n");
    free(p);
    return CTL_OK;
}

/* ctl_keygen - keygen [-t rsa|ed25519] [-b BITS] -d DOMAIN -s SELECTOR [-o FILE] */
int ctl_keygen(struct ctl *ctl, int argc, char **argv)
{
    struct keygen kg = {0};
    int rc = parse(argc, argv, &kg);
    if (rc != CTL_OK)
        return rc;
    EVP_PKEY *pkey = kg.ed25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
                                : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)kg.bits);
    if (pkey == NULL)
        return ctl_fail("OpenSSL could not make the key");
    rc = write_key(ctl, &kg, pkey);
    if (rc == CTL_OK)
        rc = print_record(&kg, pkey);
    if (rc == CTL_OK)
        fprintf(stderr,
                "mxgatectl: in mxgate.conf: sign.keys: { name = \"%s-%s\"; domain = \"%s\"; "
                "selector = \"%s\"; file = \"%s\"; }\n",
                kg.domain, kg.selector, kg.domain, kg.selector, kg.path);
    EVP_PKEY_free(pkey);
    return rc;
}
