/* pkt.c - DNS packet builder for tests */
#include "pkt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* room - abort if n more bytes do not fit */
static void room(const struct pkt *p, size_t n)
{
    if (PKT_MAX - p->len < n) {
        fprintf(stderr, "pkt: packet too large\n");
        exit(1);
    }
}

/* pkt_header - fresh header */
void pkt_header(struct pkt *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
                uint16_t ar)
{
    p->len = 0;
    pkt_u16(p, id);
    pkt_u16(p, flags);
    pkt_u16(p, qd);
    pkt_u16(p, an);
    pkt_u16(p, ns);
    pkt_u16(p, ar);
}

/* pkt_u8 - one byte */
void pkt_u8(struct pkt *p, unsigned v)
{
    room(p, 1);
    p->b[p->len++] = (unsigned char)v;
}

/* pkt_u16 - two bytes, big-endian */
void pkt_u16(struct pkt *p, unsigned v)
{
    pkt_u8(p, v >> 8 & 0xff);
    pkt_u8(p, v & 0xff);
}

/* pkt_u32 - four bytes, big-endian */
void pkt_u32(struct pkt *p, uint32_t v)
{
    pkt_u16(p, v >> 16);
    pkt_u16(p, v & 0xffff);
}

/* pkt_bytes - raw bytes */
void pkt_bytes(struct pkt *p, const void *data, size_t n)
{
    room(p, n);
    memcpy(p->b + p->len, data, n);
    p->len += n;
}

/* pkt_set16 - patch 16 bits */
void pkt_set16(struct pkt *p, size_t off, unsigned v)
{
    p->b[off] = (unsigned char)(v >> 8);
    p->b[off + 1] = (unsigned char)v;
}

/* pkt_name - labels split at dots, then the root */
void pkt_name(struct pkt *p, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        pkt_u8(p, (unsigned)n);
        pkt_bytes(p, name, n);
        name += n + (dot ? 1 : 0);
    }
    pkt_u8(p, 0);
}

/* pkt_question - one question entry */
void pkt_question(struct pkt *p, const char *name, unsigned type)
{
    pkt_name(p, name);
    pkt_u16(p, type);
    pkt_u16(p, 1);
}

/* pkt_rr - record header with RDLENGTH to patch */
size_t pkt_rr(struct pkt *p, const char *owner, unsigned type, uint32_t ttl)
{
    pkt_name(p, owner);
    pkt_u16(p, type);
    pkt_u16(p, 1);
    pkt_u32(p, ttl);
    size_t off = p->len;
    pkt_u16(p, 0);
    return off;
}

/* pkt_rr_end - patch RDLENGTH */
void pkt_rr_end(struct pkt *p, size_t rdlen_off)
{
    pkt_set16(p, rdlen_off, (unsigned)(p->len - rdlen_off - 2));
}

/* pkt_a - an A record */
void pkt_a(struct pkt *p, const char *owner, uint32_t ttl, const char *dotted)
{
    unsigned char a[4];
    if (inet_pton(AF_INET, dotted, a) != 1)
        exit(1);
    size_t off = pkt_rr(p, owner, 1, ttl);
    pkt_bytes(p, a, 4);
    pkt_rr_end(p, off);
}

/* pkt_host - a record whose RDATA is one name (CNAME, PTR, NS) */
void pkt_host(struct pkt *p, const char *owner, unsigned type, uint32_t ttl, const char *target)
{
    size_t off = pkt_rr(p, owner, type, ttl);
    pkt_name(p, target);
    pkt_rr_end(p, off);
}

/* pkt_mx - an MX record */
void pkt_mx(struct pkt *p, const char *owner, uint32_t ttl, unsigned pref, const char *target)
{
    size_t off = pkt_rr(p, owner, 15, ttl);
    pkt_u16(p, pref);
    pkt_name(p, target);
    pkt_rr_end(p, off);
}

/* pkt_soa - an SOA record with the given MINIMUM */
void pkt_soa(struct pkt *p, const char *zone, uint32_t ttl, uint32_t minimum)
{
    size_t off = pkt_rr(p, zone, 6, ttl);
    pkt_name(p, "ns1.example.test");
    pkt_name(p, "hostmaster.example.test");
    pkt_u32(p, 2024010101);
    pkt_u32(p, 3600);
    pkt_u32(p, 900);
    pkt_u32(p, 604800);
    pkt_u32(p, minimum);
    pkt_rr_end(p, off);
}
