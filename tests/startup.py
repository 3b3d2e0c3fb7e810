#!/usr/bin/env python3
"""startup: mistakes caught at start, readiness, pid file, unix socket
permissions, dual-stack policy_allow and who owns the history (TAP).

Runs mxvetd and mxvet against tests/policy_fixture.py's loopback DNS (zone
pt.test). The parts about users and sockets need root (to become nobody,
and to connect as other users with setpriv); without root they are
skipped (policy_fixture's Tap.skip: a failure under CI=true).

The unit restrictions: the shipped systemd/mxvetd.service runs mxvetd as
User=mxvet with an empty capability bounding set and
SupplementaryGroups for the socket group; "setpriv --reuid --regid
--groups --bounding-set=-all --inh-caps=-all --no-new-privs" reproduces
that here (PID 1 is not systemd in a container, so no systemd-run)."""
import grp, os, pwd, shutil, signal, socket, stat, subprocess, sys, tempfile, time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402  (may re-exec under /usr/bin/python3)

TOP = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
BUILD = os.environ.get("top_builddir", TOP)
MXVETD = os.path.join(BUILD, "mxvetd")
MXVET = os.path.join(BUILD, "mxvet")
NX = "action=550 5.1.2 recipient domain nx.pt.test does not exist (NXDOMAIN) [DOMAIN_NXDOMAIN]"
ROOT = os.geteuid() == 0
tap = pf.Tap()
ok = tap.ok


def skip(name, why):
    """Not possible here: a skip, a failure under CI (the fixture's helper)."""
    tap.skip(name, why)


class Env:
    """A work directory, the fake DNS, and config files built from keys."""

    def __init__(self):
        self.work = tempfile.mkdtemp(prefix="mxvet-startup-")
        os.chmod(self.work, 0o755)
        self.dns = pf.FakeDNS()
        self.ub = os.path.join(self.work, "unbound.conf")
        with open(self.ub, "w") as f:
            f.write('server:\n  do-not-query-localhost: no\n  local-zone: "test." nodefault\n'
                    '  module-config: "iterator"\n  outgoing-interface: 127.0.0.1\n'
                    'stub-zone:\n  name: "%s"\n  stub-addr: 127.0.0.1@%d\n'
                    % (pf.ZONE, self.dns.port))
        self.n = 0

    def path(self, *p):
        return os.path.join(self.work, *p)

    def conf(self, lines=(), **keys):
        """A config: base keys, then keys, then raw lines (so a test knows
        which line holds its mistake: the last ones)."""
        self.n += 1
        base = {
            "unbound_config": self.ub,
            "mx_providers_file": os.path.join(TOP, "data", "mx-providers.txt"),
            "checks": "dns",
            "mx_allowed_networks": "127.0.0.0/8",
            "dns_timeout": "2s",
            "decision_timeout": "1s",
            "policy_listen": "inet:127.0.0.1:%d" % pf.free_port(),
            "user": "nobody",
            "state_dir": self.path("state%d" % self.n),
            "pid_file": "",
        }
        base.update(keys)
        out = self.path("c%d.conf" % self.n)
        with open(out, "w") as f:
            for k, v in base.items():
                f.write("%s = %s\n" % (k, v))
            for line in lines:
                f.write(line + "\n")
        return out, len(base)

    def stop(self):
        self.dns.stop = True


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=kw.pop("timeout", 20), **kw)


def ask_tcp(host, port, rcpt="u@nx.pt.test", family=socket.AF_INET):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((host, port))
    s.sendall(pf.request(rcpt))
    a = pf.read_answers(s, 1, 5)
    s.close()
    return a


def wait_port(port, proc=None, secs=10):
    end = time.time() + secs
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            if proc is not None and proc.poll() is not None:
                return False
            time.sleep(0.05)
    return False


def stop(proc, secs=15):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(secs)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def metrics(port):
    return urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()


# 1. Mistakes caught at start: mxvetd -n and mxvet check, exit 78, FILE:LINE.
BAD = [
    ("error_action = FOOBAR", "error_action"),
    ("timeout_action = 554 5.7.1 no", "never a reject"),
    ("policy_listen = inet:127.0.0.1:70000", "out of range"),
    ("policy_listen = tcp:127.0.0.1:10045", "unknown scheme"),
    ("policy_listen = inet::10045", "empty host"),
    ("policy_listen = " + " ".join("inet:127.0.0.1:%d" % (40000 + i) for i in range(17)),
     "at most 16"),
    ("milter_listen = inet:99999@127.0.0.1", "out of range"),
    ("admin_listen = inet:127.0.0.1:65536", "out of range"),
    ("unbound_config = /nonexistent/unbound.conf", "No such file"),
    ("cache_min_ttl = 2d", "longer than cache_max_ttl"),
    ("header_name = X Mxvet", "not a header name"),
    ("unix_socket_mode = 0999", "not an octal mode"),
]


def test_config_mistakes(env):
    for line, word in BAD:
        conf, n = env.conf([line])
        r = run([MXVETD, "-n", "-c", conf])
        where = "%s:%d:" % (conf, n + 1)
        ok(r.returncode == 78 and where.encode() in r.stderr and word.encode() in r.stderr,
           "mxvetd -n refuses '%s' with exit 78 at FILE:LINE" % line[:60], r)
    conf, n = env.conf(["user = no-such-user-mxvet"])
    r = run([MXVETD, "-n", "-c", conf])
    ok(r.returncode == 78 and b"no-such-user-mxvet does not exist" in r.stderr
       and ("%s:%d:" % (conf, n + 1)).encode() in r.stderr,
       "mxvetd -n: a user that does not exist, exit 78 at FILE:LINE", r)

    # the unbound config as libunbound reads it: its own message, then ours
    badub = env.path("bad-unbound.conf")
    with open(badub, "w") as f:
        f.write("server:\n  no-such-option: yes\n")
    conf, n = env.conf(["unbound_config = " + badub])
    r = run([MXVETD, "-n", "-c", conf])
    ok(r.returncode == 78 and b"no-such-option" in r.stderr and b"libunbound cannot read it"
       in r.stderr, "mxvetd -n: an unbound config libunbound cannot parse, exit 78", r)
    conf, n = env.conf(["unbound_config = " + env.path("missing-unbound.conf")])
    r = run([MXVETD, "-n", "-c", conf])
    ok(r.returncode == 78 and b"No such file or directory" in r.stderr
       and b"syntax error" not in r.stderr,
       "mxvetd -n: a missing unbound config is 'No such file', not 'syntax error'", r)
    # a trust anchor file unbound.conf names, checked at start too
    taub = env.path("ta-unbound.conf")
    with open(env.ub) as f, open(taub, "w") as g:
        g.write(f.read().replace("server:\n", 'server:\n  trust-anchor-file: "%s"\n'
                                 % env.path("missing.key"), 1))
    conf, n = env.conf(["unbound_config = " + taub])
    r = run([MXVETD, "-n", "-c", conf])
    ok(r.returncode == 78 and b"missing.key" in r.stderr,
       "mxvetd -n: a trust-anchor-file named in the unbound config is missing: exit 78", r)

    # mxvet check: no verdict, exit 78
    for extra in (["error_action = FOOBAR"], ["unbound_config = " + badub],
                  ["unbound_config =", "trust_anchor_file = " + env.path("missing.key")]):
        conf, n = env.conf(extra)
        r = run([MXVET, "check", "--config", conf, "ok1.pt.test"])
        ok(r.returncode == 78 and r.stdout == b"" and
           ("%s:%d:" % (conf, n + len(extra))).encode() in r.stderr,
           "mxvet check with '%s': exit 78, no verdict" % extra[-1][:50], r)

    # a good config passes, and detached start stops at a bad one
    conf, _ = env.conf()
    r = run([MXVETD, "-n", "-c", conf])
    ok(r.returncode == 0 and r.stderr == b"", "mxvetd -n: a good config passes", r)
    conf, n = env.conf(["unbound_config = " + badub])
    r = run([MXVETD, "-c", conf])
    ok(r.returncode == 78, "detached start with a bad unbound config: exit 78, not 0", r)


# 2. Readiness: sd_notify states, a detached start's exit status, pid file.
def test_notify(env):
    nsock = env.path("notify")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(nsock)
    os.chmod(nsock, 0o666)     # mxvetd writes to it as nobody
    ns.settimeout(10)
    port = pf.free_port()
    conf, _ = env.conf(policy_listen="inet:127.0.0.1:%d" % port)
    proc = subprocess.Popen([MXVETD, "-f", "-l", "stderr", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=open(env.path("notify.log"), "w"),
                            env=dict(os.environ, NOTIFY_SOCKET=nsock))

    def states(n):
        got = []
        try:
            while len(got) < n:
                got += ns.recv(4096).decode().split("\n")
        except socket.timeout:
            pass
        return [g for g in got if g]

    ready = states(1)
    answered = ask_tcp("127.0.0.1", port) if ready else None
    ok(ready == ["READY=1"] and answered == [NX], "READY=1 once serving (then it answers)",
       (ready, answered))
    proc.send_signal(signal.SIGHUP)
    ok(states(2) == ["RELOADING=1", "READY=1"], "SIGHUP: RELOADING=1, then READY=1")
    # a reload with a mistake is refused as a start is: the running config stays
    with open(conf, "a") as f:
        f.write("error_action = FOOBAR\n")
    proc.send_signal(signal.SIGHUP)
    st = states(2)
    time.sleep(0.3)
    log = open(env.path("notify.log")).read()
    ok(st == ["RELOADING=1", "READY=1"] and "reload: %s:" % conf in log and "FOOBAR" in log
       and "keeping the running configuration" in log and ask_tcp("127.0.0.1", port) == [NX],
       "a reload with error_action = FOOBAR is refused (FILE:LINE), the daemon answers on",
       (st, log[-600:]))
    proc.send_signal(signal.SIGTERM)
    ok(states(1) == ["STOPPING=1"], "SIGTERM: STOPPING=1")
    ok(stop(proc) == 0, "stopped, exit 0")
    ns.close()


def test_detached(env):
    if not ROOT:
        skip("detached start: pid file, symlink, child's exit status", "needs root")
        return
    nobody = pwd.getpwnam("nobody")
    # a pid file path that is a symlink: not followed, the start fails with
    # the child's code and says why on the terminal
    victim = env.path("victim")
    with open(victim, "w") as f:
        f.write("keep me\n")
    os.symlink(victim, env.path("link.pid"))
    port = pf.free_port()
    conf, _ = env.conf(policy_listen="inet:127.0.0.1:%d" % port, pid_file=env.path("link.pid"))
    r = run([MXVETD, "-c", conf])
    ok(r.returncode == 73 and b"symbolic link" in r.stderr and open(victim).read() == "keep me\n",
       "pid_file a symlink: not followed, detached start exits 73 (the child's code)", r)
    ok(not wait_port(port, secs=0.5), "...and nothing is left serving")

    # a pid file in a directory that does not exist yet: made, given to the
    # user, the pid file removed at exit after the privilege drop
    piddir = env.path("run", "mxvet")
    os.makedirs(env.path("run"))
    pidf = os.path.join(piddir, "mxvetd.pid")
    port = pf.free_port()
    conf, _ = env.conf(policy_listen="inet:127.0.0.1:%d" % port, pid_file=pidf)
    t0 = time.time()
    r = run([MXVETD, "-c", conf])
    answered = ask_tcp("127.0.0.1", port) if r.returncode == 0 else None
    pid = int(open(pidf).read()) if os.path.exists(pidf) else None
    st = os.stat(piddir) if os.path.isdir(piddir) else None
    ok(r.returncode == 0 and answered == [NX] and pid and st and st.st_uid == nobody.pw_uid,
       "detached: exit 0 once ready, pid file in a new directory owned by the user",
       (r, answered, pid, st, time.time() - t0))
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(150):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        ok(not os.path.exists(pidf), "detached: SIGTERM, pid file removed by the unprivileged daemon")
    else:
        ok(False, "detached: SIGTERM, pid file removed by the unprivileged daemon")


# 4. Unix sockets: owner, group, mode; not world-connectable.
def connect_as(path, user=None, groups=None):
    """Connect to a unix policy socket as user (with these supplementary
    groups): 'answer', 'EACCES' or an error text."""
    code = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n"
            "    s.connect(sys.argv[1])\nexcept PermissionError:\n    print('EACCES'); sys.exit()\n"
            "s.sendall(b'request=smtpd_access_policy\\nprotocol_state=RCPT\\n"
            "recipient=u@nx.pt.test\\n\\n')\ns.settimeout(5)\nprint('answer' if "
            "s.recv(4096).startswith(b'action=') else 'none')\n")
    cmd = [sys.executable, "-c", code, path]
    if user:
        pw = pwd.getpwnam(user)
        cmd = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
               "--groups=" + ",".join(str(g) for g in groups) if groups else "--clear-groups",
               "--"] + cmd
    r = run(cmd)
    return (r.stdout.decode().strip() or r.stderr.decode()[-300:])


def test_unix_sockets(env):
    if not ROOT or not shutil.which("setpriv"):
        skip("unix sockets: owner, group, mode, clients", "needs root and setpriv")
        return
    nobody = pwd.getpwnam("nobody")
    mail = grp.getgrnam("mail").gr_gid
    # started as root: the socket belongs to user and unix_socket_group
    sdir = env.path("sock-root")
    os.makedirs(sdir)
    os.chmod(sdir, 0o755)
    sock = os.path.join(sdir, "policy")
    port = pf.free_port()
    conf, _ = env.conf(policy_listen="inet:127.0.0.1:%d unix:%s" % (port, sock),
                       unix_socket_group="mail")
    proc = subprocess.Popen(["sh", "-c", 'umask 0; exec "$@"', "sh", MXVETD, "-f", "-l", "stderr", "-c", conf],
                            stdout=subprocess.DEVNULL, stderr=open(env.path("sock1.log"), "w"))
    up = wait_port(port, proc)
    st = os.stat(sock) if up else None
    ok(st and stat.S_IMODE(st.st_mode) == 0o660 and st.st_uid == nobody.pw_uid and
       st.st_gid == mail, "started as root, umask 0: socket nobody:mail 0660",
       (st and oct(st.st_mode), st and st.st_uid, st and st.st_gid, open(env.path("sock1.log")).read()))
    ok(up and connect_as(sock, "daemon") == "EACCES",
       "a user outside unix_socket_group cannot connect")
    ok(up and connect_as(sock, "daemon", [mail]) == "answer",
       "a member of unix_socket_group connects and gets an answer")
    stop(proc)

    # under the unit's restrictions: started as the user itself, no
    # capabilities at all, the socket group a supplementary group, the
    # socket in the user's own runtime directory
    rdir = env.path("run-unit")
    os.makedirs(rdir)
    os.chown(rdir, nobody.pw_uid, nobody.pw_gid)
    os.chmod(rdir, 0o755)
    sock = os.path.join(rdir, "policy")
    port = pf.free_port()
    state = env.path("state-unit")
    os.makedirs(state)
    os.chown(state, nobody.pw_uid, nobody.pw_gid)
    conf, _ = env.conf(policy_listen="inet:127.0.0.1:%d unix:%s" % (port, sock),
                       unix_socket_group="mail", state_dir=state)
    unit = ["setpriv", "--reuid=%d" % nobody.pw_uid, "--regid=%d" % nobody.pw_gid,
            "--groups=%d" % mail, "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"]
    r = run(unit + [MXVETD, "-n", "-c", conf])
    ok(r.returncode == 0, "unit restrictions: mxvetd -n (ExecStartPre) passes", r)
    proc = subprocess.Popen(unit + [MXVETD, "-f", "-l", "stderr", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=open(env.path("sock2.log"), "w"))
    up = wait_port(port, proc)
    st = os.stat(sock) if up and os.path.exists(sock) else None
    ok(st and stat.S_IMODE(st.st_mode) == 0o660 and st.st_uid == nobody.pw_uid and
       st.st_gid == mail, "unit restrictions: socket made and given to group mail, 0660",
       (st and oct(st.st_mode), open(env.path("sock2.log")).read()))
    ok(up and connect_as(sock, "daemon", [mail]) == "answer" and
       connect_as(sock, "daemon") == "EACCES",
       "unit restrictions: group members connect, others do not")
    stop(proc)
    # the group must be one the user is in: a clear error, not a silent socket
    conf, _ = env.conf(policy_listen="unix:%s" % sock, unix_socket_group="mail",
                       state_dir=state)
    nogroup = [a if not a.startswith("--groups") else "--clear-groups" for a in unit]
    r = run(nogroup + [MXVETD, "-n", "-c", conf])
    r2 = run(nogroup + [MXVETD, "-f", "-l", "stderr", "-c", conf])
    ok(r.returncode == 78 and b"unix_socket_group" in r.stderr and b"SupplementaryGroups"
       in r.stderr and r2.returncode == 78,
       "unit restrictions without the group: mxvetd -n and the start refuse, exit 78", (r, r2))


# 7. policy_allow matches IPv4 clients of a dual-stack [::] listener.
def test_dual_stack(env):
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
    except OSError:
        tap.results.append(True)    # about the machine, not about mxvet
        print("ok %d - dual-stack listener # SKIP no IPv6 loopback" % len(tap.results))
        return
    port = pf.free_port()
    conf, _ = env.conf(policy_listen="inet:[::]:%d" % port, policy_allow="127.0.0.0/8")
    proc = subprocess.Popen([MXVETD, "-f", "-l", "stderr", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=open(env.path("v6.log"), "w"))
    up = wait_port(port, proc)
    a4 = ask_tcp("127.0.0.1", port) if up else None
    ok(a4 == [NX], "[::] listener: IPv4 client 127.0.0.1 (::ffff:127.0.0.1) is in 127.0.0.0/8",
       (a4, open(env.path("v6.log")).read()[-500:]))
    a6 = ask_tcp("::1", port, family=socket.AF_INET6) if up else None
    ok(a6 == [], "[::] listener: ::1 is not in 127.0.0.0/8, refused", a6)
    stop(proc)


# 6. mxvet check as root leaves the history to the daemon's user; a
# state_dir the daemon cannot use is a warning and a metric.
def test_history_owner(env):
    if not ROOT:
        skip("mxvet check as root does not take over the history", "needs root")
        return
    nobody = pwd.getpwnam("nobody")
    state = env.path("hist")
    aport = pf.free_port()
    conf, _ = env.conf(state_dir=state, admin_listen="inet:127.0.0.1:%d" % aport)
    r = run([MXVET, "check", "--config", conf, "ok1.pt.test"])
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(state) for f in fs + [""]]
    owners = {os.lstat(p).st_uid for p in files}
    ok(r.returncode == 0 and files and owners == {nobody.pw_uid},
       "mxvet check as root: state_dir and history files belong to user, not root",
       (r, files, owners))
    port = int(open(conf).read().split("policy_listen = inet:127.0.0.1:")[1].split()[0])
    proc = subprocess.Popen([MXVETD, "-f", "-l", "stderr", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=open(env.path("hist.log"), "w"))
    m = metrics(aport) if wait_port(port, proc) else ""
    ok("mxvet_history_enabled 1" in m, "...and the daemon then has its history (metric 1)",
       (m[-300:], open(env.path("hist.log")).read()))
    stop(proc)

    blocked = env.path("not-a-dir")
    with open(blocked, "w") as f:
        f.write("x")
    aport = pf.free_port()
    conf, _ = env.conf(state_dir=blocked, admin_listen="inet:127.0.0.1:%d" % aport)
    port = int(open(conf).read().split("policy_listen = inet:127.0.0.1:")[1].split()[0])
    log = env.path("nohist.log")
    proc = subprocess.Popen([MXVETD, "-f", "-l", "stderr", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=open(log, "w"))
    m = metrics(aport) if wait_port(port, proc) else ""
    stop(proc)
    text = open(log).read()
    ok("mxvet_history_enabled 0" in m and "warning: state_dir=%s" % blocked in text,
       "an unusable state_dir: a warning at start and mxvet_history_enabled 0", (m[-300:], text))


def main():
    env = Env()
    try:
        test_config_mistakes(env)
        test_notify(env)
        test_detached(env)
        test_unix_sockets(env)
        test_dual_stack(env)
        test_history_owner(env)
    finally:
        env.stop()
    reports = [f for f in os.listdir(env.work) if f.endswith(".log") and
               any(w in open(env.path(f), errors="replace").read()
                   for w in ("Sanitizer", "runtime error"))]
    ok(not reports, "no sanitizer report in any daemon log", reports)
    if tap.plan():
        shutil.rmtree(env.work, ignore_errors=True)   # kept for a look when a test failed
    else:
        sys.exit(1)


if __name__ == "__main__":
    main()
