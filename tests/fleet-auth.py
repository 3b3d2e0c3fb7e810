#!/usr/bin/env python3
"""fleet-auth: how mxvetd meets its Redis at start (a private
redis-server, started here, with requirepass):
- the right password over TCP and over a unix socket: connected, a
  verdict lands in Redis;
- a wrong password, or none: mxvetd refuses to start, exit 78, with a
  message naming redis_url and the server's refusal; mxvetd -n refuses a
  malformed redis_url naming FILE:LINE;
- Redis not there at start: mxvetd starts all the same (one warning),
  answers from its local tiers, and connects once Redis comes up.
Loopback DNS fixture of tests/policy_fixture.py. TAP output."""
import os, re, shutil, socket, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402
import fleet_fixture as ff  # noqa: E402

tap = pf.Tap()
ok = tap.ok


def ask(d, domain):
    s = socket.create_connection(("127.0.0.1", d.port), 5)
    s.sendall(pf.request("u@" + domain))
    a = pf.read_answers(s, 1)
    s.close()
    return a[0] if a else None


wait_for = ff.wait_for


def run_with(base_conf, work, name, **keys):
    """mxvetd -f on base_conf with keys replaced: (exit code or None, output)."""
    conf = os.path.join(work, name + ".conf")
    lines = [l for l in open(base_conf) if l.split("=")[0].strip() not in keys]
    with open(conf, "w") as f:
        f.writelines(lines)
        for k, v in keys.items():
            f.write("%s = %s\n" % (k, v))
    p = subprocess.Popen([os.path.join(os.environ.get("top_builddir", "."), "mxvetd"), "-f", "-l",
                          "stderr", "-c", conf], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=10)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        return None, out


def main():
    if not ff.available():
        pf.skip_or_fail("redis-server or redis-cli not installed")
    work = tempfile.mkdtemp(prefix="mxvet-fleet-auth-")
    os.chmod(work, 0o777)
    redis = ff.Redis(work, password="right-one")
    daemons = []
    try:
        d = pf.Daemon(os.path.join(work, "tcp"), {"redis_url": redis.url()})
        daemons.append(d)
        ok(wait_for(lambda: pf.metrics(d.admin_port).get("mxvet_redis_up") == 1, 5), "AUTH over TCP")
        ask(d, "ok-tcp.pt.test")
        ok(wait_for(lambda: redis.cli("EXISTS", "mxv1:v:ok-tcp.pt.test").strip() == "1", 5),
           "a verdict lands in Redis over TCP")
        u = pf.Daemon(os.path.join(work, "unix"), {"redis_url": redis.unix_url(), "redis_prefix": "site2:"})
        daemons.append(u)
        ok(wait_for(lambda: pf.metrics(u.admin_port).get("mxvet_redis_up") == 1, 5),
           "AUTH over a unix socket")
        ask(u, "ok-unix.pt.test")
        ok(wait_for(lambda: redis.cli("EXISTS", "site2:v:ok-unix.pt.test").strip() == "1", 5),
           "a verdict lands in Redis over the unix socket, under redis_prefix")

        bad = "redis://:wrong-one@127.0.0.1:%d/0" % redis.port
        rc, out = run_with(d.conf, work, "wrong", redis_url=bad, policy_listen="inet:127.0.0.1:%d" % pf.free_port(),
                           admin_listen="")
        ok(rc == 78 and "redis_url" in out and re.search(r"WRONGPASS|invalid", out) and "wrong-one" not in out,
           "a wrong password: exit 78, a clear message without the password", (rc, out[-600:]))
        rc, out = run_with(d.conf, work, "none", redis_url="redis://127.0.0.1:%d" % redis.port,
                           policy_listen="inet:127.0.0.1:%d" % pf.free_port(), admin_listen="")
        ok(rc == 78 and "NOAUTH" in out, "no password where one is wanted: exit 78", (rc, out[-600:]))
        rc, out = run_with(d.conf, work, "unixbad", redis_url=redis.sock + "?password=right-one",
                           policy_listen="inet:127.0.0.1:%d" % pf.free_port(), admin_listen="")
        ok(rc == 78 and re.search(r"unixbad\.conf:\d+: redis_url", out), "a malformed redis_url: exit 78 at FILE:LINE",
           (rc, out[-600:]))
        conf = os.path.join(work, "unixbad.conf")
        r = subprocess.run([os.path.join(os.environ.get("top_builddir", "."), "mxvetd"), "-n", "-c", conf],
                           capture_output=True, text=True, timeout=10)
        ok(r.returncode == 78 and "redis_url" in r.stderr, "mxvetd -n checks redis_url", (r.returncode, r.stderr))

        # Redis absent at start: the daemon starts, answers, connects later
        port = pf.free_port()
        late = pf.Daemon(os.path.join(work, "late"), {"redis_url": "redis://127.0.0.1:%d" % port})
        daemons.append(late)
        a = ask(late, "ok-late.pt.test")
        ok(a == "action=DUNNO" and pf.metrics(late.admin_port).get("mxvet_redis_up") == 0,
           "Redis absent at start: started, answered from the local tiers", a)
        r2 = ff.Redis(os.path.join(work, "tcp"), port=port)
        try:
            ok(wait_for(lambda: pf.metrics(late.admin_port).get("mxvet_redis_up") == 1, 15),
               "connected once Redis came up")
            # counted before r2 stops: that is an outage of its own
            warns = [l for l in open(late.log) if "warning: redis:" in l]
            ok(len(warns) == 1, "Redis absent at start: one warning", warns)
        finally:
            r2.stop()
    finally:
        for x in daemons:
            x.stop()
        redis.stop()
    if not tap.plan():
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)


main()
