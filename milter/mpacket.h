/* mpacket.h - milter protocol framing: a packet is a 32-bit length in
 * network order, one command letter, then length - 1 octets of data. Reads
 * and writes on a blocking socket, bounded in size and in time. */
#ifndef MXGATE_MPACKET_H
#define MXGATE_MPACKET_H

#include <stddef.h>
#include <stdint.h>

/* The largest packet we take: Postfix sends a header whole, up to its
 * header_size_limit (100 KiB by default); body chunks are at most 64 KiB. */
#define MPACKET_MAX (1024 * 1024)

/* One packet read. data is owned by the packet and valid until the next
 * mpacket_read into it or mpacket_free. */
struct mpacket {
    char cmd;
    size_t len; /* of data, the command letter excluded */
    char *data;
    size_t cap;
};

enum mpacket_status {
    MPACKET_OK = 0,
    MPACKET_EOF,     /* the MTA closed the connection between packets */
    MPACKET_TIMEOUT, /* nothing arrived within the timeout */
    MPACKET_ERROR,   /* read error, truncated or oversized packet: errno-style reason in why */
};

/* mpacket_read - read one packet from fd, waiting at most timeout_ms for
 * each part of it. On MPACKET_ERROR *why says what was wrong (static text). */
enum mpacket_status mpacket_read(int fd, int timeout_ms, struct mpacket *p, const char **why);

/* mpacket_write - send one packet (cmd, then the n parts of data in order).
 * 0, or -1 when the connection is gone or the write timed out. */
int mpacket_write(int fd, int timeout_ms, char cmd, const void *const *parts, const size_t *lens,
                  size_t n);

/* mpacket_free - release the packet's buffer. */
void mpacket_free(struct mpacket *p);

/* mpacket_u32 - the big-endian 32-bit number at data[off], or 0 past the end. */
uint32_t mpacket_u32(const struct mpacket *p, size_t off);

/* mpacket_strings - split data from off into NUL-terminated strings, at
 * most max of them, into out; the count, or -1 if the last one is not
 * terminated. The strings point into the packet. */
int mpacket_strings(const struct mpacket *p, size_t off, char **out, int max);

#endif
