#!/usr/bin/python3
"""sign.py - sign the message on stdin with python3-dkim (an independent
signer) and write it, signature first, to stdout; LF line ends are read as
CRLF. For tests: sign.py KEYFILE SELECTOR DOMAIN [rsa-sha256|ed25519-sha256]
"""
import sys

import dkim

key = open(sys.argv[1], "rb").read().strip()
alg = sys.argv[4].encode() if len(sys.argv) > 4 else b"rsa-sha256"
msg = sys.stdin.buffer.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
sig = dkim.sign(msg, sys.argv[2].encode(), sys.argv[3].encode(), key, signature_algorithm=alg)
sys.stdout.buffer.write(sig + msg)
