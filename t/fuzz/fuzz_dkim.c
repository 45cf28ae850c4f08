/* fuzz_dkim.c - libFuzzer target: a DKIM-Signature value (the input's first
 * line) through our tag parser, then the remaining lines as the TXT strings
 * of its key name through the key checks and selection */
#include "arena.h"
#include "dkim_tags.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_sig - what a parsed signature promises */
static void check_sig(int rc, const struct dkim_sighdr *sig)
{
    if (rc == 0 && (sig->why || !sig->d || !sig->s || !sig->h || !sig->b || !sig->bh))
        abort();
    if (rc < 0 && sig->why == NULL)
        abort();
    if (rc == 0 && !dkim_signs_header(sig->h, "From"))
        abort();
}

/* fuzz_keys - the lines after the first as one key name's TXT set */
static void fuzz_keys(const char *p, size_t size, const struct dkim_sighdr *sig)
{
    const char *txt[16];
    size_t lens[16], n = 0;
    while (size > 0 && n < 16) {
        const char *nl = memchr(p, '\n', size);
        size_t len = nl ? (size_t)(nl - p) : size;
        txt[n] = p;
        lens[n++] = len;
        (void)dkim_key_check(p, len, sig);
        p += len + (nl != NULL);
        size -= len + (nl != NULL);
    }
    int i = dkim_key_select(txt, lens, n, sig);
    if (i < -1 || i >= (int)n || (n == 0) != (i == -1))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t first = nl ? (size_t)(nl - p) : size;
    struct arena *arena = arena_create();
    struct dkim_sighdr sig;
    memset(&sig, 0, sizeof(sig));
    int rc = dkim_sig_parse(p, first, arena, &sig);
    check_sig(rc, &sig);
    if (rc == 0 && nl)
        fuzz_keys(nl + 1, size - first - 1, &sig);
    arena_destroy(&arena);
    return 0;
}
