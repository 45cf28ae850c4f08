/* fuzz_dmarc.c - libFuzzer target: From header parsing, DMARC record
 * selection and parsing under both standards, and the tree walk over the
 * domain found, with answers drawn from the input */
#include "dmarc_eval.h"
#include "dmarc_record.h"
#include "from_header.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_domain - what from_header_domain promises of a returned domain */
static void check_domain(const char *d)
{
    size_t n = strlen(d);
    if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.' || strstr(d, ".."))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((d[i] >= 'A' && d[i] <= 'Z') || d[i] == ' ' || d[i] == '@' || d[i] == '\0')
            abort();
}

/* check_record - what a parsed record promises under std */
static void check_record(enum dmarc_select sel, const struct dmarc_record *r, enum dmarc_std std)
{
    if (sel != DMARC_SELECT_FOUND && sel != DMARC_SELECT_INVALID)
        return; /* out was zeroed */
    if (sel == DMARC_SELECT_FOUND && r->p == DMARC_POLICY_UNSET)
        abort();
    if (r->pct < 0 || r->pct > 100 || (std == DMARC_RFC9989 && r->pct != 100))
        abort();
    if (std == DMARC_RFC7489 && (r->psd != DMARC_PSD_U || r->testing))
        abort();
    if (r->forced_none && (!r->rua || r->p != DMARC_POLICY_NONE))
        abort();
}

/* fuzz_records - the whole input, then its lines as one name's TXT set */
static void fuzz_records(const char *p, size_t size)
{
    const char *txts[16];
    size_t lens[16], n = 0, dmarc = 0;
    struct dmarc_record r;
    for (int std = DMARC_RFC7489; std <= DMARC_RFC9989; std++) {
        enum dmarc_select sel = dmarc_record_parse(p, size, (enum dmarc_std)std, &r);
        if ((sel != DMARC_SELECT_NONE) != dmarc_record_is_dmarc(p, size))
            abort();
        check_record(sel, &r, (enum dmarc_std)std);
    }
    for (size_t i = 0, start = 0; i <= size && n < 16; i++)
        if (i == size || p[i] == '\n') {
            txts[n] = p + start;
            lens[n] = i - start;
            dmarc += dmarc_record_is_dmarc(txts[n++], i - start);
            start = i + 1;
        }
    enum dmarc_select sel = dmarc_record_select(txts, lens, n, DMARC_RFC9989, &r);
    if ((dmarc == 0) != (sel == DMARC_SELECT_NONE) || (dmarc > 1) != (sel == DMARC_SELECT_MULTIPLE))
        abort();
    check_record(sel, &r, DMARC_RFC9989);
}

/* is_suffix - s points into domain at a label boundary */
static bool is_suffix(const char *domain, const char *s)
{
    return s >= domain && s <= domain + strlen(domain) && (s == domain || s[-1] == '.');
}

/* fuzz_walk - a walk from domain, each name's answer drawn from the input */
static void fuzz_walk(const char *domain, const uint8_t *data, size_t size)
{
    const char *names[DMARC_WALK_MAX];
    struct dmarc_answer ans[DMARC_WALK_MAX] = {0};
    struct dmarc_discovery d;
    size_t n = dmarc_walk_names(domain, names, DMARC_WALK_MAX);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = size ? data[(i * 7) % size] : 0;
        ans[i].sel = (enum dmarc_select)(b % 5);
        ans[i].rec.p = (enum dmarc_policy)(1 + (b >> 3) % 3);
        ans[i].rec.psd = (enum dmarc_psd)((b >> 5) % 3);
        if (names[i] != domain && !is_suffix(domain, names[i]))
            abort();
    }
    dmarc_walk_decide(domain, ans, n, &d);
    if ((d.org && !is_suffix(domain, d.org)) || (d.domain && !is_suffix(domain, d.domain)))
        abort();
    if (d.rec && (d.rec < &ans[0].rec || d.rec > &ans[n - 1].rec))
        abort();
    struct dmarc_identity dkim = {.domain = d.org, .org = d.org, .result = DMARC_AUTH_PASS};
    struct dmarc_input in = {.std = DMARC_RFC9989,
                             .from_domain = domain,
                             .policy = &d,
                             .dkim = &dkim,
                             .ndkim = 1,
                             .pct_draw = size % 100};
    struct dmarc_outcome out;
    dmarc_evaluate(&in, &out);
    if (out.result == DMARC_RESULT_FAIL && out.applied > out.published)
        abort();
}

/* LLVMFuzzerTestOneInput - one input through every entry point */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    char domain[FROM_HEADER_DOMAIN_MAX];
    enum from_header_status st = from_header_domain(p, size, domain, sizeof(domain));
    if (st == FROM_HEADER_OK || (st == FROM_HEADER_MULTIPLE_ADDRESSES && domain[0]))
        check_domain(domain);
    else if (domain[0] != '\0')
        abort();
    if (st == FROM_HEADER_OK)
        fuzz_walk(domain, data, size);
    char *raw = malloc(size + 1);
    memcpy(raw, data, size);
    raw[size] = '\0';
    fuzz_walk(raw, data, size);
    free(raw);
    fuzz_records(p, size);
    return 0;
}
