#!/usr/bin/env python3
"""mxvetd's log (its own loopback DNS fixture, tests/policy_fixture.py):
decision lines name the queue id, the client, the sender, the recipient,
the verdict, the findings and the reply, from a fresh check and from the
cache alike; accepts only with log_accepts; log_level filters and is
applied on reload; peer text cannot break a line; -f logs to syslog
(facility mail) unless -l stderr is given. TAP output."""
import os, shutil, signal, socket, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402

tap = pf.Tap()
ok = tap.ok
HERE = os.path.dirname(os.path.abspath(__file__))
NULLMX = ("556 5.1.10 recipient domain nullmx.pt.test publishes a null MX (RFC 7505) "
          "[NULL_MX]")


def ask(d, rcpt, **attrs):
    s = socket.create_connection(("127.0.0.1", d.port), 5)
    s.sendall(pf.request(rcpt, **attrs))
    a = pf.read_answers(s, 1, timeout=8)
    s.close()
    return a


def log_lines(path, needle, timeout=3.0):
    """The lines of path holding needle, waiting up to timeout for one."""
    deadline = time.time() + timeout
    while True:
        with open(path, errors="replace") as f:
            got = [l.rstrip("\n") for l in f if needle in l]
        if got or time.time() > deadline:
            return got
        time.sleep(0.05)


def line(qid, verdict, client, sender, rcpt, domain, findings, reply):
    return ('mxvetd: %s: %s: RCPT from %s: from=<%s> to=<%s> domain=%s findings=%s reply="%s"'
            % (qid, verdict, client, sender, rcpt, domain, findings, reply))


def rewrite(d, **keys):
    """Set keys in d's config file (for a reload)."""
    with open(d.conf) as f:
        rows = [l for l in f if l.split(" = ")[0] not in keys]
    with open(d.conf, "w") as f:
        f.writelines(rows + ["%s = %s\n" % kv for kv in keys.items()])


def decisions(d):
    """Every decision line of d, the fields of each (stderr log)."""
    work = d.dir
    # a fresh check: the request waits for it (the waiter keeps its fields)
    a = ask(d, "u@nullmx.pt.test", queue_id="4ABC123", client_name="mail.example.net",
            client_address="192.0.2.7", sender="a@b.example")
    want = line("4ABC123", "reject", "mail.example.net[192.0.2.7]", "a@b.example",
                "u@nullmx.pt.test", "nullmx.pt.test", "NULL_MX", NULLMX)
    got = log_lines(d.log, "4ABC123")
    ok(a == ["action=" + NULLMX] and got == [want],
       "fresh check: queue id, client name[address], sender, recipient, verdict, findings, reply",
       (a, got, want))
    # from the cache: this request's own fields
    ask(d, "v@nullmx.pt.test", queue_id="5DEF456", client_name="other.example",
        client_address="2001:db8::25", sender="")
    want = line("5DEF456", "reject", "other.example[2001:db8::25]", "", "v@nullmx.pt.test",
                "nullmx.pt.test", "NULL_MX", NULLMX)
    got = log_lines(d.log, "5DEF456")
    ok(got == [want], "cached verdict: the request's own fields; null sender as from=<>",
       (got, want))
    # Postfix before the first accepted recipient: no queue id; no name
    ask(d, "w@nullmx.pt.test", queue_id="", client_name="unknown", client_address="198.51.100.9")
    got = log_lines(d.log, "to=<w@nullmx.pt.test>")
    ok(len(got) == 1 and got[0].startswith(
        "mxvetd: NOQUEUE: reject: RCPT from unknown[198.51.100.9]: from=<s@example.org> "),
       "no queue id: NOQUEUE, as Postfix logs it", got)
    # annotate and NXDOMAIN: their verdicts, findings and replies
    ask(d, "x@implicit.pt.test", queue_id="6AAA")
    got = log_lines(d.log, "6AAA")
    ok(got == [line("6AAA", "annotate", "client.example[192.0.2.7]", "s@example.org",
                    "x@implicit.pt.test", "implicit.pt.test", "NO_MX_IMPLICIT",
                    "PREPEND X-Mxvet: annotate; domain=implicit.pt.test; findings=NO_MX_IMPLICIT")],
       "annotate: verdict, findings and the PREPEND answer", got)
    # control characters a client put in the sender do not break the line
    ask(d, "y@nullmx.pt.test", queue_id="7BBB", sender="evil\rx\x1b[1m@e.example")
    got = log_lines(d.log, "7BBB")
    ok(len(got) == 1 and "from=<evil?x?[1m@e.example> to=<y@nullmx.pt.test>" in got[0],
       "control characters in peer text are logged as '?'", got)
    # accepts are not logged by default
    a = ask(d, "z@ok1.pt.test", queue_id="8CCC")
    ask(d, "z@nullmx.pt.test", queue_id="8CCD")     # a line after it, so the log is current
    log_lines(d.log, "8CCD")
    ok(a == ["action=DUNNO"] and log_lines(d.log, "8CCC", 0) == [],
       "an accept is not logged without log_accepts", a)
    # a decision_timeout: the timeout line names the request too
    a = ask(d, "t@slow1.pt.test", queue_id="9DDD", client_name="slow.example",
            client_address="192.0.2.8", sender="q@r.example")
    got = log_lines(d.log, "9DDD")
    ok(a == ["action=DUNNO"] and got == [line("9DDD", "timeout", "slow.example[192.0.2.8]",
                                              "q@r.example", "t@slow1.pt.test", "slow1.pt.test",
                                              "none", "DUNNO")],
       "decision_timeout: the timeout line with the request's fields and timeout_action", got)
    # reload with log_accepts = yes: accepts are logged, fresh and cached
    rewrite(d, log_accepts="yes")
    d.proc.send_signal(signal.SIGHUP)
    log_lines(d.log, "reload: configuration")
    ask(d, "z@ok2.pt.test", queue_id="AEEE")
    ask(d, "z@ok2.pt.test", queue_id="AEEF")
    got = log_lines(d.log, "AEEE") + log_lines(d.log, "AEEF")
    ok(got == [line(q, "accept", "client.example[192.0.2.7]", "s@example.org", "z@ok2.pt.test",
                    "ok2.pt.test", "none", "DUNNO") for q in ("AEEE", "AEEF")],
       "log_accepts = yes (after a reload): accepts logged, fresh and cached", got)


def levels(work):
    """log_level filters, at start and after a reload."""
    d = pf.Daemon(os.path.join(work, "warn"), extra={"log_level": "warn"})
    try:
        ask(d, "u@nullmx.pt.test", queue_id="B111")
        ask(d, "u@bad..pt.test", queue_id="B112")
        warn = log_lines(d.log, "invalid recipient domain")
        ok(warn and log_lines(d.log, "B111", 0) == [] and log_lines(d.log, "started:", 0) == [],
           "log_level = warn: warnings logged, decision and start lines (info) not",
           open(d.log).read())
        rewrite(d, log_level="info")
        d.proc.send_signal(signal.SIGHUP)
        got = log_lines(d.log, "reload: configuration")
        ask(d, "v@nullmx.pt.test", queue_id="B113")
        ok(got and log_lines(d.log, "B113"), "reload to log_level = info: info lines again",
           open(d.log).read())
    finally:
        d.stop()
    d = pf.Daemon(os.path.join(work, "err"), extra={"log_level": "err"})
    try:
        ask(d, "u@bad..pt.test")
        ask(d, "u@nullmx.pt.test", queue_id="B114")
        time.sleep(0.3)
        txt = open(d.log).read()
        ok("invalid recipient domain" not in txt and "B114" not in txt,
           "log_level = err: neither warnings nor decisions", txt)
    finally:
        d.stop()


def cli(d):
    """Bad values and options: caught before anything runs."""
    bad = os.path.join(d.dir, "bad-level.conf")
    with open(d.conf) as f, open(bad, "w") as g:
        g.write(f.read() + "log_level = loud\n")
    n = sum(1 for _ in open(bad))
    r = subprocess.run([d.mxvetd, "-n", "-c", bad], capture_output=True, text=True, timeout=10)
    ok(r.returncode == 78 and ("bad-level.conf:%d: log_level: \"loud\" is not err, warn, info "
                               "or debug" % n) in r.stderr,
       "log_level = loud: mxvetd -n exits 78 naming file:line", r)
    r1 = subprocess.run([d.mxvetd, "-l", "stderr", "-c", d.conf], capture_output=True, timeout=10)
    r2 = subprocess.run([d.mxvetd, "-f", "-l", "stdout", "-c", d.conf], capture_output=True,
                        timeout=10)
    ok(r1.returncode == 64 and r2.returncode == 64 and b"usage" in r1.stderr + r2.stderr,
       "-l stderr without -f, and -l with another value: usage error 64", (r1, r2))


def syslog(work):
    """mxvetd -f without -l: syslog, facility mail, and nothing on stderr.
    /dev/log is a socket of ours in a private mount namespace."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        tap.skip("-f logs to syslog (facility mail), not to stderr",
                 "needs root and unshare for a private /dev/log")
        return
    sdir = os.path.join(work, "syslog")
    os.makedirs(sdir)
    os.chmod(sdir, 0o777)
    path = os.path.join(sdir, "log.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    sock.settimeout(0.2)
    d = pf.Daemon(sdir, args=("-f",), wrap=(os.path.join(HERE, "with-dev-log.sh"), path))
    try:
        ask(d, "u@nullmx.pt.test", queue_id="C0FFEE", client_name="mail.example.net",
            client_address="192.0.2.7", sender="a@b.example")
        want = line("C0FFEE", "reject", "mail.example.net[192.0.2.7]", "a@b.example",
                    "u@nullmx.pt.test", "nullmx.pt.test", "NULL_MX", NULLMX)
        want = want[len("mxvetd: "):]
        msgs, deadline = [], time.time() + 5
        while time.time() < deadline and not any(want in m for m in msgs):
            try:
                msgs.append(sock.recv(65536).decode(errors="replace"))
            except socket.timeout:
                pass
        hit = [m for m in msgs if want in m]
        started = [m for m in msgs if "started:" in m]
    finally:
        d.stop()
        sock.close()
    # <22>: facility mail (2) * 8 + info (6)
    ok(len(hit) == 1 and hit[0].startswith("<22>") and ("mxvetd[%d]: " % d.proc.pid) in hit[0]
       and started, "-f: the decision line goes to syslog, facility mail, ident mxvetd[pid]",
       msgs[-5:])
    err = open(d.log).read()
    ok("C0FFEE" not in err and "started:" not in err,
       "-f without -l stderr: nothing of it on stderr", err)


def main():
    work = tempfile.mkdtemp(prefix="mxvet-daemon-log-")
    os.chmod(work, 0o777)
    d = pf.Daemon(os.path.join(work, "main"), extra={"decision_timeout": "1s"})
    try:
        decisions(d)
        cli(d)
    finally:
        d.stop()
    levels(work)
    syslog(work)
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if tap.plan() else 1)


if __name__ == "__main__":
    main()
