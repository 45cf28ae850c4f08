/* fuzz_spf.c - libFuzzer target: SPF record selection, parsing and macro expansion */
#include "addr.h"
#include "arena.h"
#include "spf_macro.h"
#include "spf_record.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_ctx - a fixed macro context (IPv6 client, so i expands to nibbles) */
static const struct spf_macro_ctx *fuzz_ctx(void)
{
    static struct ipaddr ip;
    static struct spf_macro_ctx ctx = {
        .sender = "strong-bad@email.example.com",
        .local = "strong-bad",
        .o_domain = "email.example.com",
        .domain = "email.example.com",
        .ip = &ip,
        .validated = "mx.example.org",
        .helo = "mx.example.org",
        .receiver = "receiver.example.net",
        .now = 1700000000,
    };
    if (ip.family == 0)
        ipaddr_parse("2001:db8::cb01", &ip);
    return &ctx;
}

/* fuzz_macro - check and expand s in both modes; check and expand must agree */
static void fuzz_macro(const char *s, struct arena *a)
{
    char err[128];
    for (int exp = 0; exp < 2; exp++) {
        int ok = spf_macro_check(s, exp, err, sizeof(err));
        char *out = spf_macro_expand(s, fuzz_ctx(), exp, a, err, sizeof(err));
        if ((ok == 0) != (out != NULL))
            abort();
        if (out && !exp && strlen(out) > 253 && strchr(out, '.'))
            abort();
    }
    (void)spf_macro_needs_p(s);
}

/* LLVMFuzzerTestOneInput - one input through every entry point */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_create();
    struct spf_record rec;
    char err[160];
    const char *txt = (const char *)data;
    if (spf_record_is_spf(txt, size) && spf_record_parse(txt, size, a, &rec, err, sizeof(err)) == 0)
        for (size_t i = 0; i < rec.nterms; i++)
            if (rec.terms[i].qual == 0)
                abort();
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    fuzz_macro(s, a);
    free(s);
    arena_destroy(&a);
    return 0;
}
