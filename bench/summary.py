#!/usr/bin/python3
"""summary.py - bench/run.sh's table: every run's figures over the repeats,
and the ratios against issue 10's targets (paired within a repeat).

    /usr/bin/python3 bench/summary.py results.jsonl

Figures are medians with min..max over the repeats. A target is "met" when
every repeat meets it, "median" when the median does but not every repeat,
"MISSED" otherwise.
"""
import json
import statistics
import sys
from collections import defaultdict

NAMES = {
    "odkim-rsa": "OpenDKIM sign rsa-2048", "mxgate-sign": "mxgate sign rsa-2048",
    "odkim-ed25519": "OpenDKIM sign ed25519", "mxgate-sign-ed": "mxgate sign ed25519",
    "odkim-verify": "OpenDKIM verify", "mxgate-inbound": "mxgate inbound policy",
    "null": "null filter (libmilter)",
    "postfix-bare": "Postfix bare", "postfix-mxgate-sign": "Postfix + mxgate sign rsa",
    "postfix-odkim-sign": "Postfix + OpenDKIM sign rsa",
    "postfix-null": "Postfix + null filter",
    "postfix-bare-inbound": "Postfix bare (signed msgs)",
    "postfix-mxgate-inbound": "Postfix + mxgate inbound", "postfix-odkim-verify":
    "Postfix + OpenDKIM verify"}


def load(path):
    """{(label, concurrency): {repeat: record}}"""
    runs = defaultdict(dict)
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                runs[(r["label"], r["concurrency"])][r["repeat"]] = r
    return runs


def span(values, fmt="%.0f"):
    """median (min..max), or the one value"""
    if not values:
        return "-"
    m = fmt % statistics.median(values)
    if len(values) == 1:
        return m
    return "%s (%s..%s)" % (m, fmt % min(values), fmt % max(values))


def field(runs, key, name):
    return [r[name] for r in runs.get(key, {}).values() if name in r]


def errors(r):
    return r.get("failed", 0) + r.get("reject", 0) + r.get("tempfail", 0)


def milter_table(runs):
    print("%-26s %3s  %-24s %-26s %-10s %-10s %-8s %s" % (
        "filter", "c", "msgs/s", "p99 ms", "CPU ms/msg", "client CPU", "RSS MB", "errors"))
    for label in NAMES:
        for c in sorted({k[1] for k in runs if k[0] == label}):
            key = (label, c)
            if not field(runs, key, "p99_ms"):
                continue
            rss = field(runs, key, "peak_rss_kb")
            print("%-26s %3d  %-24s %-26s %-10s %-10s %-8s %d" % (
                NAMES[label], c, span(field(runs, key, "msgs_per_s")),
                span(field(runs, key, "p99_ms"), "%.1f"),
                span(field(runs, key, "cpu_ms_per_msg"), "%.2f").split(" ")[0],
                span(field(runs, key, "client_cpu_ms_per_msg"), "%.2f").split(" ")[0],
                "%.1f" % (max(rss) / 1024) if rss else "-",
                sum(errors(r) for r in runs[key].values())))


def e2e_table(runs):
    rows = [(l, c) for l in NAMES if l.startswith("postfix")
            for c in sorted({k[1] for k in runs if k[0] == l})]
    if not rows:
        return
    print("\n%-30s %3s  %-24s %-24s %-11s %s" % ("end to end", "c", "delivered msgs/s",
                                              "accepted msgs/s", "milter CPU", "failed"))
    for key in rows:
        cpu = field(runs, key, "milter_cpu_ms_per_msg")
        print("%-30s %3d  %-24s %-24s %-11s %d" % (
            NAMES[key[0]], key[1], span(field(runs, key, "msgs_per_s")),
            span(field(runs, key, "accepted_per_s")),
            "%.2f ms" % statistics.median(cpu) if cpu and max(cpu) > 0 else "-",
            sum(field(runs, key, "failed"))))


def ratios(runs, a, b, c, name):
    """per repeat: a's figure / b's figure at concurrency c"""
    ra, rb = runs.get((a, c), {}), runs.get((b, c), {})
    return [ra[k][name] / rb[k][name] for k in sorted(ra) if k in rb and rb[k][name] > 0]


def verdict(values, target, at_least):
    if not values:
        return "no data"
    ok = [(v >= target) if at_least else (v <= target) for v in values]
    med = statistics.median(values)
    if all(ok):
        return "met"
    return "median" if ((med >= target) if at_least else (med <= target)) else "MISSED"


def target(text, values, goal, at_least=True, fmt="%.2f"):
    print("%-58s %-22s %-8s %s" % (text, span(values, fmt), ("≥ " if at_least else "≤ ") +
                                   (fmt % goal), verdict(values, goal, at_least)))


def reference(text, values, fmt="%.2f"):
    """a ratio that is no target but explains one"""
    if values:
        print("%-58s %-22s %-8s %s" % (text, span(values, fmt), "", "(reference)"))


def targets(runs):
    print("\n%-58s %-22s %-8s %s" % ("target (ratios within a repeat)", "measured", "goal",
                                     "verdict"))
    for alg, mx, od in (("RSA", "mxgate-sign", "odkim-rsa"),
                        ("ed25519", "mxgate-sign-ed", "odkim-ed25519")):
        for c in (8, 64):
            target("signing %s c=%d: mxgate / OpenDKIM msgs/s" % (alg, c),
                   ratios(runs, mx, od, c, "msgs_per_s"), 2.0)
        target("signing %s c=64: mxgate / OpenDKIM p99 latency" % alg,
               ratios(runs, mx, od, 64, "p99_ms"), 0.25, False)
        reference("  the floor: null filter / OpenDKIM %s p99, c=64" % alg,
                  ratios(runs, "null", od, 64, "p99_ms"))
    target("inbound c=8: mxgate full policy / OpenDKIM verify msgs/s",
           ratios(runs, "mxgate-inbound", "odkim-verify", 8, "msgs_per_s"), 1.5)
    for c in sorted({k[1] for k in runs if k[0] == "postfix-bare"}):
        target("Postfix c=%d: with mxgate signing / bare" % c,
               ratios(runs, "postfix-mxgate-sign", "postfix-bare", c, "msgs_per_s"), 0.85)
        target("Postfix c=%d: with mxgate inbound policy / bare" % c,
               ratios(runs, "postfix-mxgate-inbound", "postfix-bare-inbound", c, "msgs_per_s"),
               0.85)
        reference("  the floor: Postfix c=%d with the null filter / bare" % c,
                  ratios(runs, "postfix-null", "postfix-bare", c, "msgs_per_s"))
    for label in ("mxgate-sign", "mxgate-inbound"):
        rss = [v / 1024 for v in field(runs, (label, 64), "peak_rss_kb")]
        target("peak RSS at c=64, MB: %s" % NAMES[label], rss, 32, False, "%.1f")


def main():
    runs = load(sys.argv[1])
    milter_table(runs)
    e2e_table(runs)
    targets(runs)


main()
