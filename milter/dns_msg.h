/* dns_msg.h - parse a raw DNS reply (hostile network input) into a dns_result */
#ifndef MXGATE_DNS_MSG_H
#define MXGATE_DNS_MSG_H

#include "dns.h"

#include <stddef.h>
#include <stdint.h>

/* Longest text form of a name: 255 wire octets with every byte escaped as \DDD. */
#define DNS_NAME_TEXT_MAX 1024

/* Longest CNAME chain followed from the question name. */
#define DNS_CNAME_MAX 16

/* A parsed reply: the result plus what the cache needs to know about it. */
struct dns_reply {
    struct dns_result *result; /* one heap block: free(result) frees all of it */
    uint32_t ttl;              /* FOUND: min TTL of the records and CNAMEs used;
                                * NXDOMAIN/NODATA: min(SOA TTL, SOA MINIMUM) */
    int has_ttl;               /* 0 for a negative answer without SOA: do not cache */
};

/* dns_msg_parse - turn the reply in buf for the question (qname, qtype) into
 * out. qname is lowercase without trailing dot. Only records of qtype reached
 * from qname through the CNAME chain (at most DNS_CNAME_MAX links) are kept.
 * Names in the result are lowercase, no trailing dot; a '.' or '\' inside a
 * label is escaped as "\." and "\\", any other byte outside 0x21..0x7e as
 * "\DDD" (decimal), as in master files. Never fails: a malformed packet or a
 * question that is not ours gives try-later "malformed"; an error RCODE gives
 * try-later "SERVFAIL", "REFUSED", "FORMERR", "NOTIMP" or "rcode". Any thread. */
void dns_msg_parse(const unsigned char *buf, size_t len, const char *qname, uint16_t qtype,
                   struct dns_reply *out);

/* dns_msg_result - a heap result without records (free() it); why must be a
 * string with static lifetime or NULL. */
struct dns_result *dns_msg_result(enum dns_status status, const char *why, const char *name,
                                  uint16_t type);

/* dns_msg_name_read - the text form (see dns_msg_parse) of the possibly
 * compressed name at *off in buf[0..len) into out (DNS_NAME_TEXT_MAX bytes);
 * *off moves past the name as stored at *off. Compression pointers must point
 * strictly before every earlier jump target, so loops are impossible; at most
 * 255 wire octets. 0, or -1 if malformed. */
int dns_msg_name_read(const unsigned char *buf, size_t len, size_t *off, char *out);

#endif
