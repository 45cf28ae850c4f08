#!/usr/bin/python3
"""metrics_check.py - read mxgate's metrics endpoint with the Prometheus
text-format parser (Debian's python3-prometheus-client) and check it.

  metrics_check.py expect URL FILE   every sample name that FILE (exposition
      text, @CONF@ replaced by $CONF) mentions has exactly FILE's series and
      values at URL, and every family at URL has HELP and TYPE
  metrics_check.py names URL         the sample names exported, one a line
  metrics_check.py dashboard URL JSON  every query of the Grafana dashboard
      names only metrics exported at URL (and there are queries)
  metrics_check.py value URL SAMPLE [LABEL=VALUE...]  one sample's value
Exit 0 when it holds, 1 with the differences on stderr.
"""
import json
import os
import re
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def scrape(url):
    """the families at url, parsed; the response must say format 0.0.4"""
    with urllib.request.urlopen(url, timeout=10) as r:
        ctype = r.headers.get("Content-Type", "")
        if "version=0.0.4" not in ctype:
            sys.exit("Content-Type is %r, not the text format 0.0.4" % ctype)
        text = r.read().decode("utf-8")
    return text, list(text_string_to_metric_families(text))


def samples(families):
    """{(sample name, frozenset of labels): value}"""
    out = {}
    for f in families:
        for s in f.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def show(key):
    name, labels = key
    inner = ",".join('%s="%s"' % kv for kv in sorted(labels))
    return "%s{%s}" % (name, inner) if inner else name


def histogram_problems(f):
    """cumulative buckets ending in +Inf equal to _count, per series"""
    series = {}
    for s in f.samples:
        labels = frozenset((k, v) for k, v in s.labels.items() if k != "le")
        series.setdefault(labels, []).append(s)
    out = []
    for labels, ss in series.items():
        buckets = [(float(s.labels["le"]), s.value) for s in ss if s.name.endswith("_bucket")]
        count = [s.value for s in ss if s.name.endswith("_count")]
        values = [v for _, v in sorted(buckets)]
        if values != sorted(values) or not buckets or buckets[-1][0] != float("inf") \
                or count != [values[-1]]:
            out.append("histogram %s %s: buckets %s, count %s" % (f.name, dict(labels), buckets, count))
    return out


def expect(url, path):
    text, fams = scrape(url)
    typed = set(re.findall(r"^# TYPE (\S+) ", text, re.M))
    helped = set(re.findall(r"^# HELP (\S+) ", text, re.M))
    problems = []
    if not typed or typed != helped:
        problems.append("HELP and TYPE lines differ: %s" % sorted(typed ^ helped))
    for f in fams:
        if f.type == "unknown":
            problems.append("family %s has no TYPE" % f.name)
        if f.type == "histogram":
            problems += histogram_problems(f)
    want_text = open(path).read().replace("@CONF@", os.environ.get("CONF", ""))
    want = samples(text_string_to_metric_families(want_text))
    got = samples(fams)
    names = {k[0] for k in want}
    for key in sorted(set(want) | {k for k in got if k[0] in names}, key=show):
        if want.get(key) != got.get(key):
            problems.append("%s: got %s, expected %s" % (show(key), got.get(key), want.get(key)))
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


def names(url):
    _, fams = scrape(url)
    for n in sorted(exported_names(fams)):
        print(n)
    return 0


def queries(node):
    """every expr string in the dashboard"""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "expr" and isinstance(v, str):
                yield v
            else:
                yield from queries(v)
    elif isinstance(node, list):
        for v in node:
            yield from queries(v)


def exported_names(fams):
    """the sample names of every family, also those not counted yet"""
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}
    out = {k[0] for k in samples(fams)}
    for f in fams:
        out |= {f.name + s for s in suffixes.get(f.type, [""])}
    return out


def dashboard(url, path):
    _, fams = scrape(url)
    exported = exported_names(fams)
    exprs = list(queries(json.load(open(path))))
    problems = [] if exprs else ["no queries in %s" % path]
    for e in exprs:
        used = re.findall(r"\b(mxgate_[a-z0-9_]+)", e)
        if not used:
            problems.append("query names no mxgate metric: %s" % e)
        for m in used:
            if m not in exported:
                problems.append("query names %s, which mxgate does not export: %s" % (m, e))
    for p in problems:
        print(p, file=sys.stderr)
    print("%d queries checked" % len(exprs))
    return 1 if problems else 0


def value(url, name, *labels):
    _, fams = scrape(url)
    key = (name, frozenset(tuple(l.split("=", 1)) for l in labels))
    print(samples(fams).get(key, "absent"))
    return 0


if __name__ == "__main__":
    cmds = {"expect": expect, "names": names, "dashboard": dashboard, "value": value}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    sys.exit(cmds[sys.argv[1]](*sys.argv[2:]))
