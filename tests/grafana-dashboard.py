#!/usr/bin/env python3
"""grafana-dashboard: contrib/grafana/mxvet.json against a live mxvetd on
the loopback lab (TAP).
  - it is a dashboard model Grafana imports as is: title, uid,
    schemaVersion, panels with ids and grid positions, and one data source
    input (DS_PROMETHEUS) that every query uses;
  - it covers what an admin watches: verdicts, finding codes, latency from
    the histograms (histogram_quantile), the guards, the cache, checks in
    flight;
  - every metric name any query (and the instance variable) names exists
    in the daemon's /metrics;
  - every query is valid PromQL (promtool check rules on them)."""
import json, os, re, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402
import lab_daemon as ld  # noqa: E402

tap = pf.Tap()
ok = tap.ok
PROMTOOL = os.environ.get("PROMTOOL", "/usr/bin/promtool")
DASH = os.path.join(ld.top, "contrib", "grafana", "mxvet.json")
NAME = re.compile(r"\bmxvet_[a-z0-9_]+")


def all_panels(panels):
    for p in panels:
        yield p
        yield from all_panels(p.get("panels", []))


def main():
    dash = json.load(open(DASH))
    panels = list(all_panels(dash.get("panels", [])))
    queries = [(p["title"], t.get("expr", "")) for p in panels for t in p.get("targets", [])]
    var_queries = []
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        var_queries.append(q.get("query", "") if isinstance(q, dict) else q or "")

    inputs = dash.get("__inputs", [])
    ds_ok = all((p.get("datasource") or {}).get("uid") == "${DS_PROMETHEUS}" and
                all((t.get("datasource") or {}).get("uid") == "${DS_PROMETHEUS}"
                    for t in p["targets"]) for p in panels if p.get("targets"))
    ids = [p.get("id") for p in panels]
    ok(isinstance(dash.get("title"), str) and dash.get("uid") and isinstance(dash.get("schemaVersion"), int)
       and dash.get("id") is None and len(queries) >= 10
       and [(i.get("name"), i.get("type"), i.get("pluginId")) for i in inputs]
       == [("DS_PROMETHEUS", "datasource", "prometheus")]
       and ds_ok and len(ids) == len(set(ids)) and None not in ids
       and all({"h", "w", "x", "y"} <= set(p.get("gridPos", {})) for p in panels)
       and all(q for _, q in queries),
       "a dashboard model to import as is: one Prometheus data source input, used by every query",
       (dash.get("title"), dash.get("uid"), inputs, ds_ok, len(queries)))

    names = set()
    for _, q in queries:
        names |= set(NAME.findall(q))
    for q in var_queries:
        names |= set(NAME.findall(q))
    want = ["mxvet_decisions_total", "mxvet_decision_findings_total", "mxvet_check_findings_total",
            "mxvet_check_duration_seconds_bucket", "mxvet_check_stage_duration_seconds_bucket",
            "mxvet_resolver_blind", "mxvet_smtp_blind", "mxvet_cache_hits_total",
            "mxvet_cache_misses_total", "mxvet_checks_in_flight"]
    quant = [q for _, q in queries if "histogram_quantile(" in q and "_bucket" in q]
    ok(all(w in names for w in want) and len(quant) >= 4,
       "panels for verdicts, findings, latency histograms (histogram_quantile), guards, cache, "
       "checks in flight", ([w for w in want if w not in names], len(quant)))

    work = tempfile.mkdtemp(prefix="mxvet-grafana-")
    # with a private Redis: the fleet's families are live too
    try:
        d, redis = ld.with_redis(work)
    except ld.LabUnavailable as e:
        print("Bail out! %s" % e)
        return
    try:
        d.ask(["u@healthy.test", "u@nullmx.test"])
        d.settle()
        live = ld.series_names(d.metrics_text())
    finally:
        rc = d.stop()
        redis.stop()
    missing = sorted(n for n in names if n not in live)
    ok(names and not missing, "every metric the dashboard queries (%d names) is in a live /metrics"
       % len(names), missing)

    # the queries as recording rules: promtool parses each one
    rules = os.path.join(work, "rules.yml")
    with open(rules, "w") as f:
        f.write("groups:\n- name: dashboard\n  rules:\n")
        for i, (_, q) in enumerate(queries + [("", "mxvet_checks_started_total")]):
            q = q.replace("$__rate_interval", "5m").replace("$instance", ".*")
            f.write("  - record: dashboard:q%d\n    expr: %s\n" % (i, json.dumps(q)))
    p = subprocess.run([PROMTOOL, "check", "rules", rules], capture_output=True, text=True,
                       timeout=30)
    ok(p.returncode == 0, "every dashboard query is valid PromQL (promtool check rules)",
       (p.stdout[-1500:], p.stderr[-1500:]))
    ok(rc == 0, "mxvetd exits 0 on SIGTERM", rc)
    if tap.plan():
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
