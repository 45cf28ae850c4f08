#!/usr/bin/python3
"""explain_args.py SCRIPT OUTDIR - turn a milterc script of one transaction
(connect, helo, mail, rcpt..., optionally a message, macros) into the
arguments of "mxgatectl explain": OUTDIR/args (one argument a line) and,
when the script has a message, OUTDIR/message (RFC 5322, CRLF). Exits 3
for a script that is not one plain transaction (a second connect or mail,
abort, drop, sleep, unmacro, no helo), which explain.sh then skips."""
import re
import sys

ONE_TRANSACTION = 3


def unescape(s):
    """milterc's escapes: \\r \\n \\t \\\\ \\xHH"""
    table = {"r": "\r", "n": "\n", "t": "\t", "\\": "\\"}
    return re.sub(r"\\(x[0-9a-fA-F]{2}|[rnt\\])",
                  lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "x"
                  else table[m.group(1)], s)


def parse(path):
    """the transaction's parts, or None when it is not one plain transaction"""
    t = {"macros": {}, "rcpts": [], "headers": [], "body": "", "message": False}
    seen = set()
    for raw in open(path, encoding="latin-1"):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        if op in ("connect", "mail") and op in seen:
            return None
        seen.add(op)
        if op == "macro":
            _, name, value = (rest.split(" ", 2) + [""])[:3]
            t["macros"][unescape(name)] = unescape(value)
        elif op == "connect":
            w = rest.split()
            t["name"], t["addr"] = unescape(w[0]), (w[2] if w[1] in ("4", "6") else "-")
        elif op == "helo":
            t["helo"] = unescape(rest)
        elif op == "mail":
            t["sender"] = unescape(rest.split()[0])
        elif op == "rcpt":
            t["rcpts"].append(unescape(rest.split()[0]))
        elif op in ("data", "eoh", "eom"):
            t["message"] = True
        elif op == "header":
            name, _, value = unescape(rest).partition(":")
            t["headers"].append((name, value[1:] if value.startswith(" ") else value))
        elif op == "body":
            t["body"] += unescape(rest) + "\r\n"
        elif op == "bodyraw":
            n, ch = rest.split(" ", 1)
            t["body"] += unescape(ch) * int(n)
        elif op != "quit":
            return None
    return t if "helo" in t and "sender" in t and t["rcpts"] else None


def main():
    t = parse(sys.argv[1])
    if t is None:
        sys.exit(ONE_TRANSACTION)
    out = sys.argv[2]
    args = ["-n", t["name"]]
    for name, value in t["macros"].items():
        if name != "{client_addr}":
            args += ["-m", "%s=%s" % (name, value)]
    if t["message"]:
        with open(out + "/message", "w", encoding="latin-1", newline="") as f:
            f.write("".join("%s: %s\r\n" % h for h in t["headers"]) + "\r\n" + t["body"])
        args += ["-d", out + "/message"]
    args += [t["addr"], t["helo"], t["sender"]] + t["rcpts"]
    with open(out + "/args", "w", encoding="latin-1") as f:
        f.write("".join(a + "\n" for a in args))


main()
