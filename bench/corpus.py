#!/usr/bin/python3
"""corpus.py - the benchmark's messages, scripts and DNS data, written into DIR

    /usr/bin/python3 bench/corpus.py DIR

Writes, for bench/run.sh (see README.md):
  sign-rsa-K.script, sign-ed-K.script  (K = 0..7) milterc scripts of 4 KiB
      messages from an authenticated client at 127.0.0.1, From rsa.example or
      ed.example (the domains the signers sign for), unsigned
  inbound-K.script  the same size, from the client 127.0.0.1 (PTR and A
      mx.bench.test, HELO mx.bench.test), MAIL FROM and From alice@bench.test
      (SPF pass, DMARC p=reject), signed by python3-dkim with d=bench.test
      s=rsa (t/dkim/keys/rsa2048.pem) relaxed/relaxed: every check passes
  sign.msg, inbound.msg  message 0 of each kind as a file for smtp-source -F
  bench.test.zone, 0.0.127.in-addr.arpa.zone  DNS data for NSD: the
      bench.test domain, and t/zones' 127.0.0.0/24 reverse zone plus a PTR
      for 127.0.0.1
  odkim-keys.txt  the DKIM key record for OpenDKIM's TestPublicKeys
Every session has its own queue id ("%n" in the scripts); signed header
fields do not change between sessions, so that the signatures hold.
"""
import base64
import os
import subprocess
import sys

import dkim

HERE = os.path.dirname(os.path.abspath(__file__))
T = os.path.join(HERE, "..", "t")
KEY = os.path.join(T, "dkim", "keys", "rsa2048.pem")
MESSAGES = 8
SIZE = 4096
SIGNATURE = 590  # bytes of an RSA-2048 DKIM-Signature field

# The macros Postfix 3.7 sends by default, plus the client macros an
# installation adds (mta-testing.md); "i" from the first accepted RCPT on.
CONNECT = ["j mx.example.net", "{daemon_name} smtpd", "{daemon_addr} 127.0.0.88", "v Postfix 3.7.11",
           "{client_addr} 127.0.0.1", "{client_name} mx.bench.test", "{client_ptr} mx.bench.test",
           "{client_port} 40000", "{client_resolve} OK"]


def message(k, domain, reserve=0):
    """message k from alice@domain: 10 header fields, SIZE bytes in all with
    reserve bytes (a signature to come)"""
    head = ("Received: from mx.bench.test (mx.bench.test [127.0.0.1])\r\n"
            "\tby mx.example.net (Postfix) with ESMTP id 4Xb2kq%d\r\n"
            "\tfor <bob@example.net>; Sun, 22 Nov 2026 10:00:00 +0000 (UTC)\r\n" % k +
            "From: Alice <alice@%s>\r\n" % domain +
            "To: Bob <bob@example.net>\r\n"
            "Subject: The quarterly figures, part %d\r\n" % k +
            "Date: Sun, 22 Nov 2026 10:00:%02d +0000\r\n" % k +
            "Message-ID: <bench-%d@%s>\r\n" % (k, domain) +
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n"
            "User-Agent: Bench/1.0\r\n")
    return head.encode(), body(k, SIZE - len(head) - 2 - reserve)


def body(k, size):
    """about size bytes of text lines (CRLF), different for each k"""
    lines, n, i = [], 0, 0
    while n < size:
        line = ("Line %d of message %d: the figures for the quarter, as promised, "
                "with the notes." % (i, k))[:76]
        lines.append(line)
        n += len(line) + 2
        i += 1
    return ("\r\n".join(lines) + "\r\n").encode()


def escape(b):
    """bytes as a milterc script argument"""
    out = []
    for ch in b.decode("latin-1"):
        if ch == "\\":
            out.append("\\\\")
        elif ch in "\r\n\t":
            out.append({"\r": "\\r", "\n": "\\n", "\t": "\\t"}[ch])
        elif ord(ch) < 0x20 or ord(ch) >= 0x7f:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def fields(head):
    """header block -> [(name, value)], folded lines joined by a bare LF as Postfix does"""
    out = []
    for line in head.rstrip(b"\r\n").split(b"\r\n"):
        if line[:1] in (b" ", b"\t"):
            out[-1] = (out[-1][0], out[-1][1] + b"\n" + line)
        else:
            name, _, value = line.partition(b":")
            out.append((name, value))
    return out


def script(path, sender, head, text, auth):
    """one milterc session: Postfix's macros and steps for one message"""
    lines = ["macro connect " + m for m in CONNECT]
    lines += ["connect mx.bench.test 4 127.0.0.1 40000", "helo mx.bench.test"]
    if auth:
        lines += ["macro mail {auth_type} PLAIN", "macro mail {auth_authen} " + sender]
    lines += ["macro mail {mail_addr} " + sender, "mail <%s>" % sender,
              "macro rcpt i 4Xb2kq%n", "macro rcpt {rcpt_addr} bob@example.net",
              "rcpt <bob@example.net>", "macro data i 4Xb2kq%n", "data"]
    lines += ["header %s:%s" % (escape(n), escape(v)) for n, v in fields(head)]
    lines += ["macro eoh i 4Xb2kq%n", "eoh"]
    lines += ["body " + escape(b) if b else "body" for b in text.split(b"\r\n")[:-1]]
    lines += ["macro eom i 4Xb2kq%n", "eom", "quit"]
    with open(path, "w") as f:
        f.write("\n".join(lines).replace("%", "%%").replace("%%n", "%n") + "\n")


def msg_file(path, head, text):
    """a message for smtp-source -F: LF line ends (it sends CRLF), no Received"""
    msg = (head + b"\r\n" + text).replace(b"\r\n", b"\n")
    with open(path, "wb") as f:
        f.write(msg[msg.index(b"\nFrom:") + 1:])


def zones(out):
    """bench.test and the reverse zone with 127.0.0.1's PTR"""
    der = subprocess.run(["openssl", "pkey", "-in", KEY, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    p = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
    txt = " ".join('"%s"' % p[i:i + 255] for i in range(0, len(p), 255))
    soa = ["$TTL 300", "@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60",
           "  IN NS ns.example.test."]
    with open(os.path.join(out, "bench.test.zone"), "w") as f:
        f.write("\n".join(soa + ['@ IN TXT "v=spf1 ip4:127.0.0.1 -all"', "@ IN MX 10 mx.bench.test.",
                                 "mx IN A 127.0.0.1", '_dmarc IN TXT "v=DMARC1; p=reject"',
                                 "rsa._domainkey IN TXT " + txt]) + "\n")
    with open(os.path.join(out, "odkim-keys.txt"), "w") as f:
        f.write("rsa._domainkey.bench.test " + p + "\n")
    with open(os.path.join(T, "zones", "0.0.127.in-addr.arpa.zone")) as f:
        rev = f.read()
    with open(os.path.join(out, "0.0.127.in-addr.arpa.zone"), "w") as f:
        f.write(rev + "1 IN PTR mx.bench.test.\n")


def main():
    out = sys.argv[1]
    key = open(KEY, "rb").read()
    for k in range(MESSAGES):
        for kind, domain in (("rsa", "rsa.example"), ("ed", "ed.example")):
            head, text = message(k, domain)
            script(os.path.join(out, "sign-%s-%d.script" % (kind, k)), "alice@" + domain,
                   head, text, True)
            if k == 0 and kind == "rsa":
                msg_file(os.path.join(out, "sign.msg"), head, text)
        head, text = message(k, "bench.test", SIGNATURE)
        sig = dkim.sign(head + b"\r\n" + text, b"rsa", b"bench.test", key,
                        canonicalize=(b"relaxed", b"relaxed"))
        # the signature goes after Received, where a signer behind the client's MTA puts it
        at = head.index(b"\r\nFrom:") + 2
        head = head[:at] + sig + head[at:]
        script(os.path.join(out, "inbound-%d.script" % k), "alice@bench.test", head, text, False)
        if k == 0:
            msg_file(os.path.join(out, "inbound.msg"), head, text)
    zones(out)


main()
