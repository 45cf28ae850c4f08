#!/usr/bin/python3
"""smtp-primary.py - a scripted primary MX for rcptverify's tests.

    smtp-primary.py ADDR PORT LOG [MODE]

Listens on ADDR:PORT and writes "ready" to LOG, then one line per
connection ("connect N") and per command received ("N CMD ..."). MODE is the
whole server's behaviour: "normal" (default), "hang" (accept, never
greet), "421" (greet 421 and close), "close" (accept and close at once),
"garbage" (greet with a line that is not an SMTP reply). In normal mode
the RCPT TO reply depends on the local part's first word before a dash or
digit: known -> 250, unknown -> 550 5.1.1, busy -> 451 4.3.0,
hang -> no reply, slow -> 250 after 1.5 s. EHLO gets a multi-line reply.
DATA is answered 554 and logged, so that a test can see it never came."""
import socketserver
import sys
import threading
import time

ADDR, PORT, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3]
MODE = sys.argv[4] if len(sys.argv) > 4 else "normal"
lock = threading.Lock()
count = [0]


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


def rcpt_reply(arg):
    local = arg.split(":", 1)[-1].strip().lstrip("<").split("@")[0].lower()
    word = local.rstrip("0123456789").split("-")[0]
    if word == "known":
        return b"250 2.1.5 Ok\r\n"
    if word == "unknown":
        return b"550 5.1.1 <" + local.encode() + b"@example.net>: Recipient address rejected: User unknown\r\n"
    if word == "busy":
        return b"451 4.3.0 Try again later\r\n"
    if word == "slow":
        time.sleep(1.5)
        return b"250 2.1.5 Ok\r\n"
    if word == "hang":
        time.sleep(30)
        return None
    return b"250 2.1.5 Ok\r\n"


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            self.talk()
        except OSError:
            pass

    def talk(self):
        with lock:
            count[0] += 1
            n = count[0]
        log("connect %d" % n)
        w = self.wfile
        if MODE == "hang":
            time.sleep(30)
            return
        if MODE == "close":
            return
        if MODE == "421":
            w.write(b"421 4.3.2 Service shutting down\r\n")
            return
        if MODE == "garbage":
            w.write(b"hello there\r\n")
            time.sleep(2)
            return
        w.write(b"220 primary.example.net ESMTP\r\n")
        for raw in self.rfile:
            line = raw.decode("latin-1").rstrip("\r\n")
            log("%d %s" % (n, line))
            verb = line.split(" ")[0].upper()
            if verb == "EHLO":
                w.write(b"250-primary.example.net\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb in ("HELO", "MAIL", "RSET", "NOOP"):
                w.write(b"250 2.0.0 Ok\r\n")
            elif verb == "RCPT":
                r = rcpt_reply(line)
                if r is None:
                    return
                w.write(r)
            elif verb == "QUIT":
                w.write(b"221 2.0.0 Bye\r\n")
                return
            else:
                w.write(b"554 5.5.1 Not here\r\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    request_queue_size = 128
    daemon_threads = True


server = Server((ADDR, PORT), Handler)
log("ready")
server.serve_forever()
