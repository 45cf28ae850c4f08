#!/bin/bash
# greylist.sh - every greylisting path through the real daemon, its SQLite
# store and NSD: first attempt deferred, early retry deferred, retry after
# the delay accepted, known triplet, auto-allow of a network, expiry of a
# pending triplet, SPF-keyed retry from another network, a well-configured
# client never delayed, the null sender deferred at end of data (so that a
# sender-verification probe without DATA passes), postmaster@ never delayed.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/session.sh"

dns_start example.test 2.0.192.in-addr.arpa spf.test
cp "$T/integration/greylist-freemail" "$WORK/"
mxgate_config "$T/integration/greylist-test.conf" -e "s|@STORE@|$WORK/state.db|"
mxgate_start

GREY='tempfail 451 4.7.1 Greylisted, try again later'

session good 192.0.2.10 alice@pass.spf.test bob@example.net
replies good "a well-configured client (FCrDNS, SPF pass) is never delayed" <<E
rcpt <bob@example.net>: continue
eom: continue
E

session expire1 192.0.2.50 x@softfail.spf.test y@example.net
replies expire1 "first attempt of the triplet that will expire: deferred" <<E
rcpt <y@example.net>: $GREY
E

session first 192.0.2.40 bob@softfail.spf.test carol@example.net dave@example.net
replies first "first attempt deferred, per recipient" <<E
rcpt <carol@example.net>: $GREY
rcpt <dave@example.net>: $GREY
E
expect_grep 'greylist: RCPT from client\.example\[192\.0\.2\.40\]: 451 4\.7\.1 Greylisted, try again later; from=<bob@softfail\.spf\.test> to=<carol@example\.net> .*check=iprev:permerror,spf:softfail,greylist:new ' \
    "$MXGATE_LOG" "the deferral is logged as a greylist decision with check=greylist:new"

session early 192.0.2.40 bob@softfail.spf.test carol@example.net
replies early "a retry before the delay is deferred" <<E
rcpt <carol@example.net>: $GREY
E

session postmaster 192.0.2.40 bob@softfail.spf.test postmaster@example.net
replies postmaster "postmaster@ is never greylisted" <<E
rcpt <postmaster@example.net>: continue
eom: continue
E

session spf1 192.0.2.50 alice@pass.spf.test erin@example.net
replies spf1 "SPF pass from a pool network: first attempt deferred" <<E
rcpt <erin@example.net>: $GREY
E

session nospf1 192.0.2.50 bob@softfail.spf.test erin@example.net
replies nospf1 "SPF softfail: first attempt deferred" <<E
rcpt <erin@example.net>: $GREY
E

session null1 192.0.2.50 "" frank@example.net
replies null1 "the null sender passes RCPT and is deferred at end of data" <<E
rcpt <frank@example.net>: continue
eom: $GREY
E

session free1 192.0.2.10 gina@free.spf.test hal@example.net
replies free1 "a freemail sender (list file) is greylisted even from a good client" <<E
rcpt <hal@example.net>: $GREY
E

sleep 2.5

session retry 192.0.2.40 bob@softfail.spf.test carol@example.net dave@example.net
replies retry "the retry after the delay passes" <<E
rcpt <carol@example.net>: continue
rcpt <dave@example.net>: continue
eom: continue
E
expect_grep 'greylist pass: RCPT from client\.example\[192\.0\.2\.40\]: retried after [0-9]+ s; from=<bob@softfail\.spf\.test> to=<carol@example\.net> .*greylist:retried ' \
    "$MXGATE_LOG" "a passing retry is logged"

session known 192.0.2.40 bob@softfail.spf.test carol@example.net
replies known "a passed triplet goes on passing" <<E
rcpt <carol@example.net>: continue
eom: continue
E

session allowed 192.0.2.41 ivan@softfail.spf.test judy@example.net
replies allowed "after auto_allow (2) passed retries the network is allowed: a new triplet passes" <<E
rcpt <judy@example.net>: continue
eom: continue
E

session spf2 192.0.2.20 alice@pass.spf.test erin@example.net
replies spf2 "SPF pass: the retry from another network of the sender's pool passes" <<E
rcpt <erin@example.net>: continue
eom: continue
E

session nospf2 192.0.2.20 bob@softfail.spf.test erin@example.net
replies nospf2 "without SPF pass the retry from another network is a new triplet" <<E
rcpt <erin@example.net>: $GREY
E

session null2 192.0.2.50 "" frank@example.net
replies null2 "the null sender's retry passes at end of data" <<E
rcpt <frank@example.net>: continue
eom: continue
E

session free2 192.0.2.10 gina@free.spf.test hal@example.net
replies free2 "the freemail sender's retry passes" <<E
rcpt <hal@example.net>: continue
eom: continue
E

# expire1's triplet was recorded more than retry_window (5 s) ago
while [ $(( $(date +%s) - $(stat -c %Y "$WORK/expire1.out") )) -le 5 ]; do sleep 0.5; done
session expire2 192.0.2.50 x@softfail.spf.test y@example.net
replies expire2 "a triplet not retried within retry_window has expired: deferred again" <<E
rcpt <y@example.net>: $GREY
E

expect_no_grep 'reject:|state store|: err: ' "$MXGATE_LOG" "no rejection, no store trouble, no error"
mxgate_stop
