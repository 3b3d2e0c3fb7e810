#!/usr/bin/env python3
"""status-page: GET / and GET /domain/NAME of mxvetd's admin endpoint in
headless Chromium, against mxvetd on the loopback lab (tests/lab).

mxvetd resolves through the lab, plus one zone of this test's own,
markup.test, served by a small DNS server here: its MX target is a name
carrying markup, and that host's SMTP server (also here) greets with a
554 carrying markup. Lab domains go through the policy service; then:
  - the DOM (chromium --dump-dom): the lab's risk domains listed worst
    first, each with the verdict and codes tests/lab/domains.tsv names,
    the dig commands, the answer counts per verdict, cache and guards;
  - injection: the markup from DNS and SMTP is shown as text; no element
    of it (script, img) exists in the DOM of either page;
  - GET changes nothing (no check started, same cache), other methods are
    refused, an unknown domain is a 404 page;
  - screenshots of both pages, kept in the build tree as
    tests/status-page-index.png and tests/status-page-domain.png.
TAP output."""
import html.parser, os, shutil, socket, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_fixture as pf  # noqa: E402
import dns.flags, dns.message, dns.name, dns.rcode, dns.rdataclass, dns.rdatatype, dns.rrset  # noqa: E402
import dns.rdata, dns.rdtypes.ANY.MX  # noqa: E402

top = os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.environ.get("top_builddir", top)
lab = os.environ.get("MXVET_LAB", "/tmp/mxvet-lab")
tap = pf.Tap()
ok = tap.ok

ZONE = "markup.test."
MARKUP_LABEL = b'<script>alert(1)</script>'      # the MX target's first label
SMTP_ADDR = "127.113.0.1"                       # markup.test's MX host
BANNER = "554 <img src=x onerror=\"alert(3)\"> 'single' & \"double\" go away"
VERDICT_RANK = {"accept": 0, "annotate": 1, "defer": 2, "reject": 3}
# lab domains sent (quick ones: none waits for a timeout)
DOMAINS = ["healthy.test", "healthy2.test", "nullmx.test", "nomail.test", "mxip.test",
           "mxcname.test", "implicit.test", "smtptempfail.test", "smtpreject.test",
           "nsdiff.test", "mxtypo.test", "nullmx-mixed.test"]


class MarkupDNS(threading.Thread):
    """markup.test: MX 10 <script>alert(1)</script>.markup.test, whose A is
    SMTP_ADDR; NS/SOA at the apex."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.mx = dns.name.Name([MARKUP_LABEL] + [l.encode() for l in ZONE.split(".")])

    def run(self):
        while not self.stop:
            try:
                data, peer = self.sock.recvfrom(4096)
                q = dns.message.from_wire(data)
            except socket.timeout:
                continue
            except Exception:
                continue
            if not q.question:
                continue
            qn, qt = q.question[0].name, q.question[0].rdtype
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA
            soa = dns.rrset.from_text(ZONE, 300, "IN", "SOA", "ns.markup.test. h.markup.test. 1 3600 600 86400 300")
            apex = dns.name.from_text(ZONE)
            if qn == apex and qt == dns.rdatatype.MX:
                rr = dns.rrset.RRset(apex, dns.rdataclass.IN, dns.rdatatype.MX)
                rr.add(dns.rdtypes.ANY.MX.MX(dns.rdataclass.IN, dns.rdatatype.MX, 10, self.mx), 300)
                r.answer.append(rr)
            elif qn == apex and qt == dns.rdatatype.NS:
                r.answer.append(dns.rrset.from_text(ZONE, 300, "IN", "NS", "ns.markup.test."))
            elif qn == apex and qt == dns.rdatatype.SOA:
                r.answer.append(soa)
            elif qn == self.mx and qt == dns.rdatatype.A:
                rr = dns.rrset.RRset(qn, dns.rdataclass.IN, dns.rdatatype.A)
                rr.add(dns.rdata.from_text("IN", "A", SMTP_ADDR), 300)
                r.answer.append(rr)
            elif qn.to_text() == "ns.markup.test." and qt == dns.rdatatype.A:
                r.answer.append(dns.rrset.from_text(qn, 300, "IN", "A", "127.0.0.1"))
            elif qn in (apex, self.mx, dns.name.from_text("ns.markup.test.")):
                r.authority.append(soa)
            else:
                r.set_rcode(dns.rcode.NXDOMAIN)
                r.authority.append(soa)
            try:
                self.sock.sendto(r.to_wire(), peer)
            except OSError:
                pass


class MarkupSMTP(threading.Thread):
    """Greets every connection with BANNER and closes."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((SMTP_ADDR, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                c.sendall((BANNER + "\r\n").encode())
                c.settimeout(1)
                c.recv(512)
            except OSError:
                pass
            c.close()


class Dom(html.parser.HTMLParser):
    """What the assertions need from a DOM dump: every tag, the risk rows
    (domain, verdict, codes, dig commands, text), table cells by id or
    data attributes, and the text of the whole page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.rows, self.cells, self.ids = [], [], {}, {}
        self.text = []
        self.stack = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self.stack.append([tag, a, []])
        if tag == "tr" and a.get("class") == "risk":
            self.rows.append({"domain": a.get("data-domain"), "verdict": a.get("data-verdict"),
                              "codes": [], "digs": [], "text": []})

    def handle_endtag(self, tag):
        while self.stack:
            t, a, txt = self.stack.pop()
            s = "".join(txt)
            if self.stack:
                self.stack[-1][2].append(s)
            if t == "b" and a.get("class") == "code" and self.rows:
                self.rows[-1]["codes"].append(s)
            if t == "code" and a.get("class") == "dig" and self.rows:
                self.rows[-1]["digs"].append(s)
            if t == "td" and "data-span" in a:
                self.cells[(a["data-span"], a.get("data-verdict"))] = s
            if "id" in a:
                self.ids[a["id"]] = s
            if t == tag:
                break

    def handle_data(self, data):
        self.text.append(data)
        if self.stack:
            self.stack[-1][2].append(data)
        if self.rows and any(t == "tr" and a.get("class") == "risk" for t, a, _ in self.stack):
            self.rows[-1]["text"].append(data)


def chromium():
    for c in ("chromium", "chromium-browser"):
        if shutil.which(c):
            return shutil.which(c)
    return None


def browse(url, profile, what, out=None):
    """Headless Chromium: the DOM after loading url (what="dom") or a
    screenshot into out. Background networking off, no name resolution:
    it talks to the loopback address in url only."""
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--mute-audio",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--user-data-dir=" + profile,
            "--window-size=1280,1900", "--hide-scrollbars"]
    args += ["--dump-dom"] if what == "dom" else ["--screenshot=" + out]
    r = subprocess.run(args + [url], capture_output=True, timeout=60)
    return r.stdout.decode("utf-8", "replace"), r


def fetch(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


def expected_rows():
    out = {}
    for line in open(os.path.join(top, "tests/lab/domains.tsv")):
        if line.strip() and not line.startswith("#"):
            f = line.rstrip("\n").split("\t")
            out[f[0]] = (f[1], [] if f[2] == "-" else f[2].split(","))
    return out


def verdict_of(answer):
    if answer.startswith("action=PREPEND"):
        return "annotate"
    if answer.startswith("action=5"):
        return "reject"
    if answer.startswith("action=4"):
        return "defer"
    if answer == "action=DUNNO":
        return "accept"
    return None


def main():
    if not chromium():
        pf.skip_or_fail("no chromium")
    if os.geteuid() != 0:
        pf.skip_or_fail("the lab needs root")
    work = tempfile.mkdtemp(prefix="mxvet-status-page-")
    os.chmod(work, 0o777)
    conf = os.path.join(work, "mxvet.conf")
    port, aport = pf.free_port(), pf.free_port()
    env = dict(os.environ, top_srcdir=top, top_builddir=build, MXVET_LAB=lab)
    r = subprocess.run(["bash", "-c", '. "$top_srcdir/tests/lab-env.sh" && lab_acquire && lab_conf "$@"',
                        "lab", conf], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        print("Bail out! cannot start the lab: " + r.stderr.strip()[-500:])
        return False
    labconf = dict(l.split(" = ", 1) for l in open(conf).read().splitlines()
                   if " = " in l and not l.startswith("#"))
    smtp_port = int(labconf.get("smtp_port", "25"))
    mdns = MarkupDNS()
    mdns.start()
    try:
        msmtp = MarkupSMTP(smtp_port)
    except OSError as e:
        print("Bail out! cannot bind %s:%d: %s" % (SMTP_ADDR, smtp_port, e))
        return False
    msmtp.start()
    # the lab's unbound.conf plus a stub for markup.test (unsigned: insecure)
    ub = os.path.join(work, "unbound.conf")
    with open(ub, "w") as f:
        f.write(open(labconf["unbound_config"]).read())
        f.write('\nserver:\n  domain-insecure: "%s"\nstub-zone:\n  name: "%s"\n'
                '  stub-addr: 127.0.0.1@%d\n' % (ZONE, ZONE, mdns.port))
    with open(conf, "a") as f:
        for k, v in {"unbound_config": ub, "policy_listen": "inet:127.0.0.1:%d" % port,
                     "admin_listen": "inet:127.0.0.1:%d" % aport, "decision_timeout": "15s",
                     "state_dir": os.path.join(work, "state"), "user": "nobody",
                     "pid_file": "", "risk_log": "",
                     "mx_allowed_networks": labconf.get("mx_allowed_networks", "") + ", 127.113.0.0/16",
                     }.items():
            f.write("%s = %s\n" % (k, v))
    os.makedirs(os.path.join(work, "state"))
    os.chmod(os.path.join(work, "state"), 0o777)
    log = open(os.path.join(work, "mxvetd.log"), "w")
    d = subprocess.Popen([os.path.join(build, "mxvetd"), "-f", "-l", "stderr", "-c", conf],
                         stdout=log, stderr=subprocess.STDOUT)
    base = "http://127.0.0.1:%d" % aport
    profile = os.path.join(work, "chromium")
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        s = socket.create_connection(("127.0.0.1", port), 5)
        names = DOMAINS + ["markup.test"]
        s.sendall(b"".join(pf.request("u@" + x) for x in names))
        answers = pf.read_answers(s, len(names), timeout=30)
        # a second round: cache hits
        s.sendall(b"".join(pf.request("v@" + x) for x in names))
        answers += pf.read_answers(s, len(names), timeout=10)
        s.close()
        got = [verdict_of(a) for a in answers]
        ok(len(answers) == 2 * len(names) and None not in got,
           "%d policy answers, each a verdict" % (2 * len(names)), answers)
        exp = expected_rows()
        ok(all(got[i] == exp[x][0] for i, x in enumerate(DOMAINS)),
           "the lab domains' answers are their domains.tsv verdicts",
           [(x, got[i], exp[x][0]) for i, x in enumerate(DOMAINS)])

        before = pf.metrics(aport)
        dom_text, cr = browse(base + "/", profile, "dom")
        dom = Dom(dom_text)
        ok(cr.returncode == 0 and "<h1>mxvet status</h1>" in dom_text.replace("\n", ""),
           "chromium --dump-dom loads GET /", (cr.returncode, cr.stderr[-600:], dom_text[:300]))
        with open(os.path.join(build, "tests", "status-page-index.html"), "w") as f:
            f.write(dom_text)

        # the risk domains, worst first, as domains.tsv has them
        want = sorted([x for x in DOMAINS if exp[x][0] != "accept"])
        listed = [r["domain"] for r in dom.rows]
        ok(sorted(x for x in listed if x != "markup.test") == want,
           "the risk domains are listed, the healthy ones are not", (listed, want))
        ranks = [VERDICT_RANK.get(r["verdict"], -1) for r in dom.rows]
        ok(ranks and ranks == sorted(ranks, reverse=True) and ranks[-1] >= 1,
           "worst first: reject, then defer, then annotate", [(r["domain"], r["verdict"]) for r in dom.rows])
        bad = [(r["domain"], r["verdict"], r["codes"]) for r in dom.rows if r["domain"] in exp and
               (r["verdict"] != exp[r["domain"]][0] or not set(exp[r["domain"]][1]) <= set(r["codes"]))]
        ok(dom.rows and not bad, "each row has its domains.tsv verdict and findings", bad)
        nullmx = [r for r in dom.rows if r["domain"] == "nullmx.test"]
        ok(nullmx and any(g.startswith("dig ") and "nullmx.test" in g and " MX" in g for g in nullmx[0]["digs"])
           and all(" ago" in "".join(r["text"]) for r in dom.rows),
           "a finding's dig command and the time since the first failure are shown",
           nullmx and (nullmx[0]["digs"], "".join(nullmx[0]["text"])[:300]))
        # answers per verdict over the last hour and day: exactly what was answered
        counts = {v: got.count(v) for v in VERDICT_RANK}
        cells = {v: (dom.cells.get(("hour", v)), dom.cells.get(("day", v))) for v in VERDICT_RANK}
        ok(all(cells[v] == (str(counts[v]), str(counts[v])) for v in VERDICT_RANK),
           "decisions per verdict, last hour and day: the answers given", (cells, counts))
        ok(any(t == "svg" and a.get("aria-label") == "Last hour, per minute" for t, a in dom.tags) and
           sum(1 for t, a in dom.tags if t == "rect" and a.get("class") in ("c0", "c1", "c2", "c3")) >= 4,
           "the hour and day charts are drawn (inline SVG, a bar per verdict)")
        hr = dom.ids.get("cache-hit-ratio", "")
        ok(dom.ids.get("cache-entries", "").strip().isdigit() and "%" in hr and
           "hits" in hr and dom.ids.get("checks-in-flight", "").startswith("0 of at most"),
           "cache size, hit ratio and checks in flight", (dom.ids.get("cache-entries"), hr,
                                                          dom.ids.get("checks-in-flight")))
        ok("reaches DNS" in dom.ids.get("guard-dns", "") and "probes get through" in dom.ids.get("guard-smtp", "")
           and "recording" in dom.ids.get("guard-history", "") and "open" in dom.ids.get("guard-admission", "")
           and dom.ids.get("guard-redis", "").startswith("off"),
           "guard states: DNS path, SMTP egress, history, admission, fleet (off: no redis_url)",
           {k: v for k, v in dom.ids.items() if k.startswith("guard")})
        # nothing loads from elsewhere: no script, no external reference
        ext = [(t, a) for t, a in dom.tags if t in ("script", "link", "iframe", "img", "object", "embed")
               or any(k in ("src",) for k in a) or (t == "a" and a.get("href", "").startswith(("http:", "https:", "//")))]
        ok(dom.rows and not ext, "self-contained: no script, no external asset or link", ext[:5])

        # injection: DNS and SMTP data carrying markup is text
        mk = [r for r in dom.rows if r["domain"] == "markup.test"]
        mtext = "".join(mk[0]["text"]) if mk else ""
        ok(mk and "<script>alert(1)</script>.markup.test" in mtext and "onerror=\"alert(3)\"" in mtext,
           "injection: the MX name and the SMTP greeting with markup are shown as text", mtext[:800])
        ok(mk and not any(t in ("script", "img") for t, a in dom.tags) and
           not any(k.startswith("on") for t, a in dom.tags for k in a),
           "injection: no element or event handler of theirs in the DOM of /",
           [(t, a) for t, a in dom.tags if t in ("script", "img") or any(k.startswith("on") for k in a)][:5])
        status, headers, raw = fetch(base + "/")
        ok(status == 200 and "<script" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
           and "default-src 'none'" in headers.get("Content-Security-Policy", "")
           and headers.get("Content-Type", "").startswith("text/html"),
           "the page's bytes: markup escaped, text/html, a Content-Security-Policy", (status, headers))

        # one domain in full: the markup domain (its MX and SMTP rows)
        dd_text, cr = browse(base + "/domain/markup.test", profile, "dom")
        dd = Dom(dd_text)
        with open(os.path.join(build, "tests", "status-page-domain.html"), "w") as f:
            f.write(dd_text)
        full = "".join(dd.text)
        ok(dd.ids.get("domain") == "markup.test" and BANNER in full and
           "<script>alert(1)</script>.markup.test" in dd.ids.get("mx", "") and
           '"domain": "markup.test"' in dd.ids.get("json", ""),
           "GET /domain/markup.test: the last check in full (MX hosts, greeting, JSON)",
           (dd.ids.get("domain"), full[:1500]))
        ok(dd.ids.get("domain") and not any(t in ("script", "img") for t, a in dd.tags) and
           not any(k.startswith("on") for t, a in dd.tags for k in a),
           "injection: no element or event handler of theirs in the DOM of the domain page",
           [(t, a) for t, a in dd.tags if t in ("script", "img")][:5])
        st, _, body = fetch(base + "/domain/nullmx.test")
        ok(st == 200 and "NULL_MX" in body and "dig " in body, "GET /domain/nullmx.test: its findings", st)

        # read only: GETs start no check and leave the cache as it was
        for u in ("/", "/domain/nullmx.test", "/domain/healthy3.test", "/domain/never-seen.test"):
            fetch(base + u)
        st, _, body = fetch(base + "/domain/never-seen.test")
        st2, _, body2 = fetch(base + "/domain/%3Cb%3Ex")
        after = pf.metrics(aport)
        ok(st == 404 and "No check of this domain" in body and st2 == 400 and "<b>x" not in body2
           and "&lt;b&gt;x" in body2,
           "an unchecked domain is a 404 page, a bad name a 400 page (escaped)", (st, st2, body2[-400:]))
        keys = ("mxvet_checks_started_total", "mxvet_cache_entries", "mxvet_policy_requests_total")
        ok(all(before.get(k) == after.get(k) for k in keys),
           "GET / and /domain/NAME change nothing (checks started, cache, requests)",
           [(k, before.get(k), after.get(k)) for k in keys])
        st, _, _ = fetch(base + "/", method="POST")
        st2, _, _ = fetch(base + "/domain/nullmx.test", method="DELETE")
        ok(st in (405, 501) and st2 in (405, 501), "other methods than GET and HEAD are refused", (st, st2))

        # screenshots, kept as test output
        shots = []
        for name, url in (("index", "/"), ("domain", "/domain/markup.test")):
            out = os.path.join(build, "tests", "status-page-%s.png" % name)
            if os.path.exists(out):
                os.unlink(out)
            _, cr = browse(base + url, profile, "shot", out)
            shots.append((out, os.path.exists(out) and os.path.getsize(out)))
        ok(all(sz and sz > 20000 for _, sz in shots), "screenshots kept: " + ", ".join(
            "%s (%s bytes)" % (os.path.relpath(p, build), sz) for p, sz in shots), shots)
    finally:
        d.terminate()
        try:
            rc = d.wait(15)
        except subprocess.TimeoutExpired:
            d.kill()
            rc = None
        mdns.stop = msmtp.stop = True
        msmtp.sock.close()
    # under ASan/UBSan: nothing leaked or misused on the way
    ok(rc == 0, "mxvetd exits 0 on SIGTERM", rc)
    if not tap.results or not all(tap.results):
        print("# mxvetd log: " + open(os.path.join(work, "mxvetd.log")).read()[-3000:].replace("\n", "\n# "))
    shutil.rmtree(work, ignore_errors=True)
    return True


if __name__ == "__main__":
    main()
    sys.exit(0 if tap.plan() else 1)
