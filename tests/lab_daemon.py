"""lab_daemon: mxvetd on the loopback lab (tests/lab via tests/lab-env.sh)
for the tests of what it shows (metrics, mxvet ctl, the dashboard).

  d = LabDaemon(work, {"admin_listen": "unix:/..."})   # lab acquired, started
  d.ask(["u@nullmx.test", ...])   # policy answers, one connection
  d.settle()                      # until no check is in flight
  d.http("GET", "/metrics")       # (status, headers, body) over admin_listen
  d.stop()                        # SIGTERM; the exit status

Raises LabUnavailable when the lab cannot start (the caller bails out)."""
import http.client, os, signal, socket, subprocess, time

import policy_fixture as pf

top = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.environ.get("top_builddir", top)
lab = os.environ.get("MXVET_LAB", "/tmp/mxvet-lab")


class LabUnavailable(Exception):
    pass


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s


class LabDaemon:
    def __init__(self, work, extra=None):
        os.makedirs(work, exist_ok=True)
        os.chmod(work, 0o777)
        self.work = work
        self.port = pf.free_port()
        self.admin_port = pf.free_port()
        self.conf = os.path.join(work, "mxvet.conf")
        self.log = os.path.join(work, "mxvetd.log")
        keys = {"policy_listen": "inet:127.0.0.1:%d" % self.port,
                "admin_listen": "inet:127.0.0.1:%d" % self.admin_port,
                "state_dir": os.path.join(work, "state"), "user": "nobody",
                "pid_file": "", "risk_log": "", "decision_timeout": "8s"}
        keys.update(extra or {})
        self.admin = keys["admin_listen"]
        env = dict(os.environ, top_srcdir=top, top_builddir=build, MXVET_LAB=lab)
        r = subprocess.run(["bash", "-c", '. "$top_srcdir/tests/lab-env.sh" && lab_acquire && lab_conf "$@"',
                            "lab", self.conf] + ["%s=%s" % kv for kv in keys.items()],
                           env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise LabUnavailable("cannot start the lab: " + r.stderr.strip()[-500:])
        os.chmod(self.conf, 0o644)
        self.proc = subprocess.Popen([os.path.join(build, "mxvetd"), "-f", "-l", "stderr", "-c", self.conf],
                                     stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("mxvetd did not start: " + open(self.log).read())
                time.sleep(0.05)

    def ask(self, rcpts, timeout=30):
        s = socket.create_connection(("127.0.0.1", self.port), 5)
        s.sendall(b"".join(pf.request(r) for r in rcpts))
        a = pf.read_answers(s, len(rcpts), timeout=timeout)
        s.close()
        return a

    def http(self, method, path, headers=None, timeout=30):
        if self.admin.startswith("unix:"):
            c = UnixHTTPConnection(self.admin[5:], timeout)
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=timeout)
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read().decode()
        finally:
            c.close()

    def metrics_text(self):
        st, _, body = self.http("GET", "/metrics")
        if st != 200:
            raise RuntimeError("/metrics: HTTP %d" % st)
        return body

    def settle(self, timeout=40):
        """Wait until no check is in flight (True) or the time is up."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.metrics_text().splitlines():
                if line.startswith("mxvet_checks_in_flight ") and line.split()[1] == "0":
                    return True
            time.sleep(0.1)
        return False

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


    def log_problems(self):
        """Sanitizer reports or errors in the daemon's log ("" if none)."""
        log = open(self.log).read()
        bad = [l for l in log.splitlines()
               if "Sanitizer" in l or "runtime error" in l or " error: " in l]
        return "\n".join(bad[:20])


def with_redis(work, extra=None):
    """A LabDaemon whose redis_url is a private Redis (tests/fleet_fixture.py)
    in work, so that the fleet's metric families are exported too; returns
    (daemon, redis), both for the caller to stop. Raises LabUnavailable."""
    import fleet_fixture as ff
    os.chmod(work, 0o777)
    redis = ff.Redis(work)
    try:
        return LabDaemon(work, dict(extra or {}, redis_url=redis.url())), redis
    except LabUnavailable:
        redis.stop()
        raise


def samples(text):
    """Exposition text -> {"name{labels}": value} (and the bare names)."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, val = line.rpartition(" ")
        out[key] = float(val)
    return out


def series_names(text):
    """The metric names of every sample line."""
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(line.split("{")[0].split(" ")[0])
    return names
