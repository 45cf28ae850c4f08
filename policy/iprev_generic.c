/* iprev_generic.c - does a PTR name look like a dynamic address pool's? */
#include "iprev.h"

#include <ctype.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MAX_TOKENS 32

/* digit_tokens - the numbers of a name's digit runs, in order */
static size_t digit_tokens(const char *name, long *out)
{
    size_t n = 0;
    for (const char *p = name; *p && n < MAX_TOKENS;) {
        if (!isdigit((unsigned char)*p)) {
            p++;
            continue;
        }
        size_t len = strspn(p, "0123456789");
        out[n++] = len <= 3 ? strtol(p, NULL, 10) : -1;
        p += len;
    }
    return n;
}

/* three_in_a_row - octets k..k+2 of a (or reversed) at tokens i.. */
static bool three_in_a_row(const long *t, size_t n, const unsigned char *a)
{
    for (size_t i = 0; i + 3 <= n; i++)
        for (int k = 0; k < 2; k++) {
            if (t[i] == a[k] && t[i + 1] == a[k + 1] && t[i + 2] == a[k + 2])
                return true;
            if (t[i] == a[3 - k] && t[i + 1] == a[2 - k] && t[i + 2] == a[1 - k])
                return true;
        }
    return false;
}

/* embeds_address - the IPv4 address in decimal tokens or as 8 hex digits */
static bool embeds_address(const char *name, const struct ipaddr *addr)
{
    long t[MAX_TOKENS];
    char hex[9];
    if (addr->family != AF_INET)
        return false;
    if (three_in_a_row(t, digit_tokens(name, t), addr->b))
        return true;
    snprintf(hex, sizeof(hex), "%02x%02x%02x%02x", addr->b[0], addr->b[1], addr->b[2], addr->b[3]);
    return strstr(name, hex) != NULL;
}

/* host_part_len - length of the name before its registrable domain */
static size_t host_part_len(const char *name)
{
    const char *reg = psl_registrable_domain(psl_builtin(), name);
    return reg ? (size_t)(reg - name) : strlen(name);
}

/* starts_word - pattern p begins a word (after a non-letter) within host */
static bool starts_word(const char *host, size_t len, const char *p)
{
    size_t plen = strlen(p);
    for (size_t i = 0; plen && i + plen <= len; i++)
        if ((i == 0 || !isalpha((unsigned char)host[i - 1])) && strncmp(host + i, p, plen) == 0)
            return true;
    return false;
}

/* iprev_looks_generic - address digits or a pool word in the name */
bool iprev_looks_generic(const char *name, const struct ipaddr *addr, const char *const *patterns,
                         size_t npatterns)
{
    char low[256];
    size_t n = strlen(name);
    if (n >= sizeof(low))
        return false;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    size_t host = host_part_len(low);
    if (embeds_address(low, addr))
        return true;
    for (size_t i = 0; i < npatterns; i++)
        if (starts_word(low, host, patterns[i]))
            return true;
    return false;
}
