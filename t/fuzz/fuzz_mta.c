/* fuzz_mta.c - libFuzzer target: what the MTA and the client hand us as
 * text: an Authentication-Results value against our authserv-id (what
 * decides removal), address macros ({client_addr}, CIDRs as in lists), and
 * the envelope address arguments */
#include "addr.h"
#include "arena.h"
#include "authres.h"
#include "mta.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_addr - parse as an address and a CIDR; a parsed address formats and
 * parses back to itself and is in its own /32 or /128 */
static void fuzz_addr(const char *s)
{
    struct ipaddr a, b;
    struct cidr c;
    char buf[64], err[128];
    if (ipaddr_parse(s, &a) == 0) {
        if (ipaddr_format(&a, buf, sizeof(buf)) == NULL || ipaddr_parse(buf, &b) != 0 ||
            !ipaddr_equal(&a, &b))
            abort();
    }
    if (cidr_parse(s, &c, err, sizeof(err)) == 0 && ipaddr_parse(s, &a) == 0 && !cidr_match(&c, &a))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    bool claims = authres_claims(s, size, "mx.example.net");
    if (size >= 14 && memcmp(s, "mx.example.net", 14) == 0 && s[14] == ';' && !claims)
        abort();
    fuzz_addr(s);
    struct arena *arena = arena_create();
    const char *addr = mta_address(arena, s);
    if (addr == NULL || strlen(addr) > size)
        abort();
    arena_destroy(&arena);
    free(s);
    return 0;
}
