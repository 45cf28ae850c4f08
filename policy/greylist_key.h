/* greylist_key.h - the parts of a greylist triplet that need care: the
 * client's network and an envelope sender stripped of the tags that change
 * from one delivery attempt to the next */
#ifndef MXGATE_GREYLIST_KEY_H
#define MXGATE_GREYLIST_KEY_H

#include "addr.h"

#include <stddef.h>

#define GREY_NET_LEN (IPADDR_STRLEN + 5)

/* grey_net - "192.0.2.0/24" or "2001:db8:1:2::/64": a's network with prefix
 * bits4 (IPv4) or bits6 (IPv6), into out (GREY_NET_LEN bytes). */
void grey_net(const struct ipaddr *a, unsigned bits4, unsigned bits6, char *out, size_t len);

/* grey_sender - the envelope sender as the greylist keys it: lowercase; BATV
 * (prvs=TAG=local, msprvs1=TAG=local, btv1==TAG==local) and SRS
 * (SRS0=HASH=TT=domain=local@forwarder, SRS1=HASH=fwd==HASH=TT=domain=local@)
 * unwrapped to local@domain; a "+extension" dropped; every number standing
 * alone in the local part (VERP "bounce-123-456") replaced by "#". NULL or
 * "" gives "". The result is cut to len - 1 bytes. */
void grey_sender(const char *sender, char *out, size_t len);

#endif
