/* pkt.h - build DNS packets byte by byte for the tests and the fault responder */
#ifndef MXGATE_T_PKT_H
#define MXGATE_T_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 65535

#define PKT_QR 0x8000
#define PKT_AA 0x0400
#define PKT_TC 0x0200
#define PKT_RD 0x0100

/* A packet under construction; writes past PKT_MAX abort the test. */
struct pkt {
    unsigned char b[PKT_MAX];
    size_t len;
};

/* pkt_header - the 12-byte header at the start, len reset to 12 */
void pkt_header(struct pkt *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
                uint16_t ar);

/* pkt_u8, pkt_u16, pkt_u32, pkt_bytes - append big-endian values or raw bytes */
void pkt_u8(struct pkt *p, unsigned v);
void pkt_u16(struct pkt *p, unsigned v);
void pkt_u32(struct pkt *p, uint32_t v);
void pkt_bytes(struct pkt *p, const void *data, size_t n);

/* pkt_set16 - overwrite 16 bits at off */
void pkt_set16(struct pkt *p, size_t off, unsigned v);

/* pkt_name - append "a.b.c" uncompressed ("" is the root) */
void pkt_name(struct pkt *p, const char *name);

/* pkt_question - name, type, class IN */
void pkt_question(struct pkt *p, const char *name, unsigned type);

/* pkt_rr - owner (uncompressed), type, class IN, ttl; returns the RDLENGTH
 * offset for pkt_rr_end */
size_t pkt_rr(struct pkt *p, const char *owner, unsigned type, uint32_t ttl);

/* pkt_rr_end - set RDLENGTH from what was appended since pkt_rr */
void pkt_rr_end(struct pkt *p, size_t rdlen_off);

/* pkt_a, pkt_host, pkt_mx, pkt_soa - whole records */
void pkt_a(struct pkt *p, const char *owner, uint32_t ttl, const char *dotted);
void pkt_host(struct pkt *p, const char *owner, unsigned type, uint32_t ttl, const char *target);
void pkt_mx(struct pkt *p, const char *owner, uint32_t ttl, unsigned pref, const char *target);
void pkt_soa(struct pkt *p, const char *zone, uint32_t ttl, uint32_t minimum);

#endif
