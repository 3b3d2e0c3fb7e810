"""fleet_fixture: a private redis-server for the fleet tests (never the
host's): on a free loopback port and a unix socket in the test's own
directory, no persistence, optionally with requirepass; and the two-host
setup the fleet tests share:

  redis = Redis(work)
  A, B = pair(work, redis, {"decision_timeout": "2s"})   # pf.Daemon each
  connected(A, B)             # both report mxvet_redis_up 1 (bounded wait)
  guard_redis(A.admin_port)   # the status page's Redis guard, as text"""
import os, shutil, signal, socket, subprocess, time

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def available():
    return os.path.exists(REDIS) and os.path.exists(CLI)


class Redis:
    def __init__(self, workdir, password=None, port=None):
        import policy_fixture as pf
        self.dir = workdir
        self.port = port or pf.free_port()
        self.sock = os.path.join(workdir, "redis.sock")
        self.password = password
        self.log = os.path.join(workdir, "redis.log")
        self.proc = None
        self.start()

    def start(self):
        args = [REDIS, "--bind", "127.0.0.1", "--port", str(self.port), "--unixsocket", self.sock,
                "--unixsocketperm", "777", "--save", "", "--appendonly", "no",
                "--dir", self.dir, "--daemonize", "no", "--logfile", self.log]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                if self.cli("PING").strip() == "PONG":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start: " + open(self.log).read()[-500:])

    def url(self):
        auth = ":%s@" % self.password if self.password else ""
        return "redis://%s127.0.0.1:%d/0" % (auth, self.port)

    def unix_url(self):
        return "unix:%s%s" % (self.sock, "?password=" + self.password if self.password else "")

    def cli(self, *args):
        cmd = [CLI, "-h", "127.0.0.1", "-p", str(self.port)]
        env = dict(os.environ)
        if self.password:
            env["REDISCLI_AUTH"] = self.password
        r = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=10, env=env)
        return r.stdout

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)
            except OSError:
                pass
            self.proc.kill()
            self.proc.wait()


def wait_for(cond, secs):
    """Poll cond every 50 ms for at most secs; its last value."""
    deadline = time.time() + secs
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def pair(work, redis, extra=None, b_extra=None):
    """Hosts A and B (policy_fixture.Daemon, in work/a and work/b) sharing
    redis; extra for both, b_extra for B only. Each has the fixture's DNS
    server of its own unless b_extra names A's unbound_config."""
    import policy_fixture as pf
    keys = dict(extra or {}, redis_url=redis.url())
    a = pf.Daemon(os.path.join(work, "a"), dict(keys))
    try:
        b = pf.Daemon(os.path.join(work, "b"), dict(keys, **(b_extra or {})))
    except Exception:
        a.stop()
        raise
    return a, b


def connected(*daemons, secs=5, up=1):
    """Do all daemons report mxvet_redis_up == up within secs?"""
    import policy_fixture as pf
    return wait_for(lambda: all(pf.metrics(d.admin_port).get("mxvet_redis_up") == up
                                for d in daemons), secs)


def guard_redis(admin_port):
    """The status page's Redis guard row (id guard-redis), as text."""
    import re, urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/" % admin_port, timeout=10) as r:
        page = r.read().decode()
    m = re.search(r'id="guard-redis">(.*?)</td>', page, re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)) if m else ""
