#!/usr/bin/env python3
"""metrics-lab: mxvetd's /metrics on the loopback lab, as Prometheus and an
admin read it (TAP).
  - `promtool check metrics` (Debian's prometheus package) finds nothing to
    say about the exposition, read from a daemon that has checked lab
    domains of every verdict;
  - the families an admin needs are there and count what happened:
    decisions by verdict and by finding code, checks by verdict and code,
    check and stage latency histograms (dns, authority, smtp) that are
    well formed (cumulative buckets, +Inf = _count), DNS queries sent
    (recursive and direct), SMTP probes by outcome, cache hits and misses,
    the guards, checks in flight and refused;
  - the names earlier releases exported still are."""
import os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402
import lab_daemon as ld  # noqa: E402

tap = pf.Tap()
ok = tap.ok
PROMTOOL = os.environ.get("PROMTOOL", "/usr/bin/promtool")

DOMAINS = ["healthy.test", "nullmx.test", "nxdomain.test", "implicit.test", "mxcname.test",
           "servfail.test"]
STAGES = ["dns", "authority", "smtp"]
# exported before the metrics work: kept
OLD_NAMES = [
    "mxvet_policy_requests_total", "mxvet_policy_answers_total", "mxvet_cache_hits_total",
    "mxvet_cache_misses_total", "mxvet_cache_entries", "mxvet_cache_evictions_total",
    "mxvet_decision_timeouts_total", "mxvet_errors_total", "mxvet_checks_started_total",
    "mxvet_checks_in_flight", "mxvet_history_enabled", "mxvet_checks_refused_total",
    "mxvet_policy_connections_total", "mxvet_policy_connections_open",
    "mxvet_policy_protocol_errors_total", "mxvet_policy_clients_refused_total",
    "mxvet_policy_slow_clients_dropped_total", "mxvet_resolver_blind",
    "mxvet_resolver_blind_episodes_total", "mxvet_smtp_connects_total",
    "mxvet_smtp_probes_in_flight", "mxvet_smtp_probes_queued", "mxvet_smtp_queue_expired_total",
    "mxvet_smtp_blind", "mxvet_smtp_blind_episodes_total", "mxvet_history_entries",
    "mxvet_history_full", "mxvet_history_full_episodes_total", "mxvet_history_write_errors_total",
    "mxvet_history_pruned_total", "mxvet_admin_connections_open",
    "mxvet_admin_connections_capped_total",
]


def histogram_ok(m, name, label=None):
    """Buckets cumulative, +Inf equal to _count, at least one observation."""
    sel = '%s="%s",' % label if label else ""
    lab = "{%s=\"%s\"}" % label if label else ""
    buckets = [(k, v) for k, v in m.items() if k.startswith(name + "_bucket{" + sel)]
    count = m.get(name + "_count" + lab)
    inf = m.get(name + "_bucket{" + sel + 'le="+Inf"}')
    vals = [v for _, v in buckets]
    return (len(buckets) >= 10 and count is not None and count >= 1 and inf == count
            and vals == sorted(vals) and (name + "_sum" + lab) in m), (buckets[-3:], count, inf)


def main():
    work = tempfile.mkdtemp(prefix="mxvet-metrics-lab-")
    # with a private Redis: the fleet's families are live too
    try:
        d, redis = ld.with_redis(work)
    except ld.LabUnavailable as e:
        print("Bail out! %s" % e)
        return
    try:
        run(d, work)
    finally:
        rc = d.stop()
        redis.stop()
    ok(rc == 0 and not d.log_problems(), "mxvetd exits 0 on SIGTERM, no errors or sanitizer "
       "reports in its log", (rc, d.log_problems()))
    if tap.plan():
        shutil.rmtree(work, ignore_errors=True)


def run(d, work):
    first = d.ask(["u@" + x for x in DOMAINS])
    settled = d.settle()
    again = d.ask(["u@" + x for x in DOMAINS])
    ok(len(first) == len(DOMAINS) and len(again) == len(DOMAINS) and settled,
       "policy answers for %d lab domains, twice; the checks finished" % len(DOMAINS),
       (first, again))
    text = d.metrics_text()
    path = os.path.join(work, "metrics.txt")
    with open(path, "w") as f:
        f.write(text)

    # promtool reads it from stdin and prints a line per problem (a lint
    # finding exits 1 as well): nothing may be said
    if not os.access(PROMTOOL, os.X_OK):
        ok(False, "promtool check metrics", "no %s: apt-get install prometheus" % PROMTOOL)
    else:
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=30)
        ok(p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(),
           "promtool check metrics: no complaint", (p.returncode, p.stdout[-2000:], p.stderr[-2000:]))

    m = ld.samples(text)
    names = ld.series_names(text)
    ok(m.get('mxvet_decisions_total{verdict="reject"}', 0) >= 4
       and m.get('mxvet_decisions_total{verdict="accept"}', 0) >= 2
       and m.get('mxvet_decisions_total{verdict="annotate"}', 0) >= 4
       and m.get('mxvet_decisions_total{verdict="defer"}', 0) >= 1,
       "decisions by verdict (the lab's rejects, accepts, annotations, a defer)",
       {k: v for k, v in m.items() if k.startswith("mxvet_decisions_total")})
    ok(m.get('mxvet_decision_findings_total{code="NULL_MX"}', 0) >= 2
       and m.get('mxvet_decision_findings_total{code="DOMAIN_NXDOMAIN"}', 0) >= 2
       and m.get('mxvet_decision_findings_total{code="MX_CNAME"}', 0) >= 2
       and m.get('mxvet_decision_findings_total{code="NO_MX_IMPLICIT"}', 0) >= 2,
       "decisions by finding code (cached answers count too)",
       {k: v for k, v in m.items() if k.startswith("mxvet_decision_findings_total") and v})
    ok(m.get('mxvet_checks_total{verdict="reject"}', 0) == 2
       and m.get('mxvet_checks_total{verdict="accept"}', 0) == 1
       and m.get('mxvet_check_findings_total{code="NULL_MX"}', 0) == 1
       and m.get('mxvet_check_findings_total{code="DNS_SERVFAIL"}', 0) == 1
       and 'mxvet_checks_total{verdict="error"}' in m,
       "checks by verdict and by finding code: one check per domain",
       {k: v for k, v in m.items() if k.startswith(("mxvet_checks_total", "mxvet_check_findings")) and v})
    good, diag = histogram_ok(m, "mxvet_check_duration_seconds")
    ok(good and m.get("mxvet_check_duration_seconds_count") == len(DOMAINS),
       "check latency: a histogram with one observation per check", diag)
    for st in STAGES:
        good, diag = histogram_ok(m, "mxvet_check_stage_duration_seconds", ("stage", st))
        ok(good, "stage latency histogram: %s" % st, diag)
    ok(m.get('mxvet_dns_queries_total{kind="recursive"}', 0) >= len(DOMAINS)
       and m.get('mxvet_dns_queries_total{kind="direct"}', 0) >= 1
       and 'mxvet_dns_queries_total{kind="canary"}' in m,
       "DNS queries sent: recursive and direct",
       {k: v for k, v in m.items() if k.startswith("mxvet_dns_")})
    probes = {k: v for k, v in m.items() if k.startswith("mxvet_smtp_probes_total{")}
    ok(probes.get('mxvet_smtp_probes_total{outcome="ok"}', 0) >= 2
       and all('outcome="%s"' % o in "".join(probes) for o in
               ("ok", "refused", "timeout", "silent", "tempfail", "reject", "error",
                "not_probed", "skipped")),
       "SMTP probes by outcome", probes)
    hits, misses = m.get("mxvet_cache_hits_total", 0), m.get("mxvet_cache_misses_total", 0)
    ok(hits >= len(DOMAINS) - 1 and misses >= len(DOMAINS),
       "cache hits and misses: the ratio is computable", (hits, misses))
    ok(m.get("mxvet_resolver_blind") == 0 and m.get("mxvet_smtp_blind") == 0,
       "guard states: resolver and egress (SMTP) not blind", (m.get("mxvet_resolver_blind"),
                                                              m.get("mxvet_smtp_blind")))
    ok(m.get("mxvet_checks_in_flight") == 0 and "mxvet_checks_refused_total" in m,
       "checks in flight and refused", (m.get("mxvet_checks_in_flight"),
                                        m.get("mxvet_checks_refused_total")))
    missing = [n for n in OLD_NAMES if n not in names]
    ok(not missing, "every name exported before is still there", missing)
    # mxvetd(8) names only metrics that exist (histograms by their family)
    import re
    man = open(os.path.join(ld.top, "man", "mxvetd.8")).read()
    documented = set(re.findall(r"\bmxvet_[a-z0-9_]*[a-z0-9]\b", man))
    families = {l.split()[2] for l in text.splitlines() if l.startswith("# TYPE ")}
    undoc = sorted(n for n in documented if n not in families)
    ok(len(documented) >= 30 and not undoc, "every metric mxvetd(8) names is exported (%d)"
       % len(documented), undoc)
    # TYPE lines: counters end in _total, one HELP and TYPE per family
    types = [l.split() for l in text.splitlines() if l.startswith("# TYPE ")]
    bad = [t[2] for t in types if t[3] == "counter" and not t[2].endswith("_total")]
    fams = [t[2] for t in types]
    ok(not bad and len(fams) == len(set(fams)), "counters end in _total; each family once",
       (bad, [f for f in fams if fams.count(f) > 1]))


if __name__ == "__main__":
    main()
