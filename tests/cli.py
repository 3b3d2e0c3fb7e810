#!/usr/bin/env python3
"""mxvet check as a program: exit codes (64, 69, 78, verdicts), input
normalization (case, final dot, UTF-8), JSON shape. TAP output."""
import json
import os
import subprocess
import sys
import tempfile

top_src = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
top_build = os.environ.get("top_builddir", top_src)
mxvet = os.path.join(top_build, "mxvet")
lab = os.environ.get("MXVET_LAB", "/tmp/mxvet-lab")
results = []


def t(ok, name, diag=""):
    results.append((bool(ok), name, diag))


def run(*args, timeout=60):
    return subprocess.run([mxvet] + list(args), capture_output=True, text=True, timeout=timeout)


def conf_file(text):
    f = tempfile.NamedTemporaryFile("w", prefix="mxvet-cli-", suffix=".conf", delete=False)
    f.write(text)
    f.close()
    return f.name


# usage errors
p = run()
t(p.returncode == 64, "no command: exit 64", p.returncode)
p = run("check")
t(p.returncode == 64 and "usage" in p.stderr, "check without domains: exit 64", p.returncode)
p = run("check", "--frobnicate", "example.test")
t(p.returncode == 64, "unknown option: exit 64", p.returncode)
p = run("check", "bad..domain")
t(p.returncode == 64 and "empty label" in p.stderr, "invalid domain: exit 64 and why", p.stderr)
p = run("check", "[192.0.2.1]")
t(p.returncode == 64 and "address literal" in p.stderr, "address literal: exit 64", p.stderr)
p = run("check", "\u20a9.example")
t(p.returncode == 64 and "IDN2_DISALLOWED" in p.stderr,
  "disallowed IDN: exit 64 with the IDNA error", p.stderr)
p = run("nosuchcommand")
t(p.returncode == 64, "unknown command: exit 64", p.returncode)
p = run("check", "--help")
t(p.returncode == 0 and "exit status" in p.stdout, "check --help: exit 0", p.returncode)

# bad config: exit 78, the message names the file and line
c = conf_file("dns_timeout = 3s\nno_such_key = 1\n")
p = run("check", "--config", c, "example.test")
t(p.returncode == 78 and (c + ":2:") in p.stderr and "no_such_key" in p.stderr,
  "unknown key: exit 78 naming file:line", p.stderr)
os.unlink(c)
c = conf_file("smtp_banner_timeout = soon\n")
p = run("check", "--config", c, "example.test")
t(p.returncode == 78 and ":1:" in p.stderr, "bad duration: exit 78", p.stderr)
os.unlink(c)
p = run("check", "--config", "/nonexistent/mxvet.conf", "example.test")
t(p.returncode == 78, "missing config file: exit 78", p.returncode)

# a missing unbound config is a config mistake found before any check: 78
c = conf_file("unbound_config = /nonexistent/unbound.conf\n")
p = run("check", "--config", c, "example.test")
t(p.returncode == 78 and ":1: unbound_config" in p.stderr and "No such file" in p.stderr
  and p.stdout == "", "missing unbound_config: exit 78 naming file:line, no verdict", p.stderr)
os.unlink(c)

# with the lab: normalization and JSON shape
env = dict(os.environ, top_srcdir=top_src, top_builddir=top_build, MXVET_LAB=lab)
c = tempfile.NamedTemporaryFile(prefix="mxvet-cli-lab-", suffix=".conf", delete=False).name
r = subprocess.run(["bash", "-c", '. "$top_srcdir/tests/lab-env.sh" && lab_acquire && lab_conf "$1"',
                    "lab", c], env=env, capture_output=True, text=True)
if r.returncode != 0:
    t(False, "lab starts", r.stderr[-300:])
else:
    p = run("check", "--json", "--no-smtp", "--config", c, "HEALTHY.Test.", "nullmx.test")
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    t(len(rows) == 2, "one JSON object per domain per line", p.stdout[:200])
    if len(rows) == 2:
        h, n = rows
        t(h["domain"] == "healthy.test" and h["input"] == "HEALTHY.Test.",
          "domain is normalized, input kept", (h["domain"], h["input"]))
        t(h["verdict"] == "accept" and h["reply"] is None, "healthy.test accept", h["verdict"])
        keys = {"domain", "verdict", "reply", "ttl", "elapsed_ms", "findings", "mx", "nameservers"}
        t(keys <= set(h), "documented JSON fields present", sorted(set(h)))
        t(all({"preference", "host", "addresses", "smtp"} <= set(m) for m in h["mx"]) and h["mx"],
          "mx entries have the documented fields", h["mx"])
        t(n["verdict"] == "reject" and n["reply"].startswith("556 5.1.10 recipient domain nullmx.test"),
          "null MX reply text", n["reply"])
        f = n["findings"][0] if n["findings"] else {}
        t({"code", "class", "action", "host", "server", "detail", "reproduce"} <= set(f)
          and f.get("reproduce", "").startswith("dig "), "finding fields and a dig command", f)
    t(p.returncode == 3, "exit status 3 for a reject among the domains", p.returncode)
    p = run("check", "--no-smtp", "--config", c, "nullmx.test")
    t(p.returncode == 3 and "NULL_MX" in p.stdout and "reproduce: dig" in p.stdout,
      "text report names the code and the dig command", p.stdout[:300])
    p = run("check", "--json", "--no-smtp", "--config", c, "b\u00fccher.test")
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    t(rows and rows[0]["domain"] == "xn--bcher-kva.test" and rows[0]["input"] == "b\u00fccher.test",
      "UTF-8 input becomes the A-label", rows[:1])
os.unlink(c)

print("1..%d" % len(results))
for i, (ok, name, diag) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        print("# " + str(diag).replace("\n", "\n# ")[:800])
