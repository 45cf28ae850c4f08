/* greylist_key.c - client network and normalized sender for greylisting */
#include "greylist_key.h"

#include "util.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* grey_net - mask the host bits and print net/prefix */
void grey_net(const struct ipaddr *a, unsigned bits4, unsigned bits6, char *out, size_t len)
{
    struct ipaddr n = *a;
    unsigned bits = a->family == AF_INET ? bits4 : bits6;
    unsigned size = a->family == AF_INET ? 4 : 16;
    char text[IPADDR_STRLEN];
    for (unsigned i = 0; i < size; i++) {
        unsigned keep = bits > i * 8 ? bits - i * 8 : 0;
        n.b[i] &= keep >= 8 ? 0xff : (unsigned char)(0xff00u >> keep);
    }
    snprintf(out, len, "%s/%u", ipaddr_format(&n, text, sizeof(text)), bits);
}

/* after_fields - what follows the n-th sep in s, or NULL */
static const char *after_fields(const char *s, const char *sep, int n)
{
    for (; s && n > 0; n--) {
        s = strstr(s, sep);
        if (s)
            s += strlen(sep);
    }
    return s;
}

/* unwrap_srs - "srs0=h=tt=domain=local" (local part only) into local@domain */
static bool unwrap_srs(const char *local, char *out, size_t len)
{
    const char *p = NULL;
    if (strncmp(local, "srs0=", 5) == 0)
        p = after_fields(local + 5, "=", 2);
    else if (strncmp(local, "srs1=", 5) == 0)
        p = after_fields(after_fields(local + 5, "==", 1), "=", 2);
    const char *eq = p ? strchr(p, '=') : NULL;
    if (eq == NULL || eq == p || eq[1] == '\0')
        return false;
    snprintf(out, len, "%s@%.*s", eq + 1, (int)(eq - p), p);
    return true;
}

/* unbatv - the local part without a BATV prefix */
static const char *unbatv(const char *local)
{
    const char *p = NULL;
    if (strncmp(local, "prvs=", 5) == 0 || strncmp(local, "msprvs1=", 8) == 0)
        p = after_fields(strchr(local, '=') + 1, "=", 1);
    else if (strncmp(local, "btv1==", 6) == 0)
        p = after_fields(local + 6, "==", 1);
    return p && *p ? p : local;
}

/* hash_numbers - copy local into out with each stand-alone number as '#' */
static size_t hash_numbers(const char *local, size_t n, char *out, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < len;) {
        size_t d = 0;
        while (i + d < n && isdigit((unsigned char)local[i + d]))
            d++;
        bool alone = d > 0 && (i == 0 || !isalnum((unsigned char)local[i - 1])) &&
                     (i + d == n || !isalnum((unsigned char)local[i + d]));
        if (alone) {
            out[o++] = '#';
            i += d;
        } else {
            out[o++] = local[i++];
        }
    }
    out[o] = '\0';
    return o;
}

/* grey_sender - normalize */
void grey_sender(const char *sender, char *out, size_t len)
{
    char low[512], srs[512];
    strlcpy_(low, sender ? sender : "", sizeof(low));
    str_lower(low);
    const char *at = strrchr(low, '@');
    if (at == NULL) {
        strlcpy_(out, low, len);
        return;
    }
    *(char *)at = '\0';
    const char *local = unbatv(low);
    const char *domain = at + 1;
    if (unwrap_srs(local, srs, sizeof(srs))) {
        char *a = strrchr(srs, '@');
        *a = '\0';
        local = srs;
        domain = a + 1;
    }
    size_t n = strcspn(local, "+");
    size_t o = hash_numbers(local, n ? n : strlen(local), out, len);
    snprintf(out + o, len - o, "@%s", domain);
}
