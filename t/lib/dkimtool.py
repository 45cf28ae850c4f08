#!/usr/bin/python3
# dkimtool.py - the DKIM tests' helper, on Debian's python3-dkim (run it with
# /usr/bin/python3: a python3 elsewhere on PATH may lack the module).
#
#   dkimtool.py script MESSAGE
#       print the milterc lines (header..., eoh, body...) that send MESSAGE,
#       a file in Internet format (CRLF or LF line ends)
#   dkimtool.py assemble MESSAGE MILTERC_OUTPUT
#       print MESSAGE (CRLF) with the headers milterc reported inserted
#       ("eom: insheader 0 NAME: VALUE"), each on top, as the MTA would when
#       SMFIP_HDR_LEADSPC was negotiated (milterc -l, as Postfix): VALUE is
#       written right after the colon
#   dkimtool.py only MESSAGE N
#       print MESSAGE with only its N-th (from 0) DKIM-Signature field, for
#       verifiers that look at one signature only (opendkim-testmsg)
#   dkimtool.py verify MESSAGE RECORDS...
#       verify every DKIM-Signature of MESSAGE with python3-dkim, the keys
#       taken from RECORDS: files of "NAME. IN TXT ( "..." ... )" records as
#       mxgatectl keygen prints them (no DNS). Prints one line per signature,
#       "pass d=... s=... a=... c=... h=..." or "fail ...", and exits 1 unless
#       there is at least one signature and all pass, or if one has l=.
import re
import sys

import dkim


def read_message(path):
    data = open(path, 'rb').read()
    return re.sub(rb'\r?\n', b'\r\n', data)


def split(msg):
    head, _, body = msg.partition(b'\r\n\r\n')
    return head + b'\r\n', body


def fields(head):
    out = []
    for line in head.split(b'\r\n')[:-1]:
        if line[:1] in (b' ', b'\t') and out:
            out[-1] += b'\r\n' + line
        else:
            out.append(line)
    return out


def escape(text):
    return text.replace(b'\\', b'\\\\').replace(b'\r\n', b'\\n').replace(b'\t', b'\\t')


def script(path):
    head, body = split(read_message(path))
    out = sys.stdout.buffer
    for f in fields(head):
        out.write(b'header ' + escape(f) + b'\n')
    out.write(b'eoh\n')
    lines = body.split(b'\r\n')
    if body.endswith(b'\r\n'):
        lines = lines[:-1]
    for line in lines if body else []:
        out.write(b'body ' + escape(line) + b'\n')


def unescape(text):
    out, i = bytearray(), 0
    while i < len(text):
        c = text[i:i + 1]
        if c == b'\\':
            n = text[i + 1:i + 2]
            if n == b'x':
                out += bytes([int(text[i + 2:i + 4], 16)])
                i += 4
                continue
            out += {b'n': b'\r\n', b'r': b'', b't': b'\t', b'\\': b'\\'}[n]
            i += 2
        else:
            out += c
            i += 1
    return bytes(out)


def assemble(path, output):
    msg = read_message(path)
    for line in open(output, 'rb').read().splitlines():
        m = re.match(rb'(?:\[\d+\] )?eom: insheader 0 ([^:]+): (.*)$', line)
        if m:
            msg = m.group(1) + b':' + unescape(m.group(2)) + b'\r\n' + msg
    sys.stdout.buffer.write(msg)


def only(path, n):
    head, body = split(read_message(path))
    kept, i = [], 0
    for f in fields(head):
        if f.lower().startswith(b'dkim-signature:'):
            i += 1
            if i - 1 != n:
                continue
        kept.append(f)
    sys.stdout.buffer.write(b''.join(f + b'\r\n' for f in kept) + b'\r\n' + body)


def load_records(paths):
    text = b''.join(open(p, 'rb').read() for p in paths)
    records = {}
    for m in re.finditer(rb'^(\S+)\s+IN\s+TXT\s+\((.*?)\)', text, re.M | re.S):
        strings = re.findall(rb'"([^"]*)"', m.group(2))
        records[m.group(1).rstrip(b'.').lower()] = b''.join(strings)
    return records


def tags(value):
    out = {}
    for part in re.sub(rb'\s+', b'', value).split(b';'):
        if b'=' in part:
            k, v = part.split(b'=', 1)
            out[k.decode()] = v.decode()
    return out


def verify(path, record_files):
    msg = read_message(path)
    records = load_records(record_files)

    def dnsfunc(name, timeout=5):
        return records.get(name.rstrip(b'.').lower(), b'')

    head, _ = split(msg)
    sigs = [f for f in fields(head) if f.lower().startswith(b'dkim-signature:')]
    ok = len(sigs) > 0
    for i, f in enumerate(sigs):
        t = tags(f.split(b':', 1)[1])
        passed = dkim.DKIM(msg).verify(idx=i, dnsfunc=dnsfunc)
        if 'l' in t:
            passed = False
        ok = ok and passed
        print('%s d=%s s=%s a=%s c=%s h=%s' % ('pass' if passed else 'fail', t.get('d'), t.get('s'),
                                              t.get('a'), t.get('c'), t.get('h')))
    if not sigs:
        print('no signature')
    return 0 if ok else 1


def main(argv):
    if len(argv) == 3 and argv[1] == 'script':
        script(argv[2])
    elif len(argv) == 4 and argv[1] == 'assemble':
        assemble(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == 'only':
        only(argv[2], int(argv[3]))
    elif len(argv) >= 4 and argv[1] == 'verify':
        return verify(argv[2], argv[3:])
    else:
        sys.stderr.write('usage: dkimtool.py script MSG | assemble MSG OUT | only MSG N | verify MSG RECORDS...\n')
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
