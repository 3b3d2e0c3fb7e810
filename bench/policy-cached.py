#!/usr/bin/env python3
"""policy-cached: cached-decision throughput of mxvetd over loopback.
Starts mxvetd with tests/policy_fixture.py's DNS, warms the cache with
healthy domains ok0..ok99.pt.test, then runs bench/policy_load (8
connections, pipelined, Postfix-sized requests) against it and against
bench/policy_floor (a minimal DUNNO server) in the same run."""
import os, shutil, subprocess, sys, tempfile, time

top = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), ".."))
build = os.environ.get("top_builddir", top)
sys.path.insert(0, os.path.join(top, "tests"))
import policy_fixture as pf  # noqa: E402

doms = ["ok%d.pt.test" % i for i in range(100)]
work = tempfile.mkdtemp(prefix="mxvet-bench-")
d = pf.Daemon(work, {"decision_timeout": "8s"})
try:
    s = pf.socket.create_connection(("127.0.0.1", d.port))
    s.sendall(b"".join(pf.request("u@" + x) for x in doms))
    assert pf.read_answers(s, len(doms)) == ["action=DUNNO"] * len(doms)
    s.close()
    for depth in (int(os.environ.get("DEPTH", "32")), 1):
        r = subprocess.run([os.path.join(build, "bench", "policy_load"), "-c", "8", "-d",
                            str(depth), "-s", os.environ.get("SECONDS", "5"), "127.0.0.1",
                            str(d.port)] + doms, capture_output=True, text=True)
        print("mxvetd: " + (r.stdout.strip() or r.stderr.strip()))
    # the floor, same load, same run
    fport = pf.free_port()
    floor = subprocess.Popen([os.path.join(build, "bench", "policy_floor"), str(fport)])
    time.sleep(0.3)
    try:
        for depth in (int(os.environ.get("DEPTH", "32")), 1):
            r = subprocess.run([os.path.join(build, "bench", "policy_load"), "-c", "8", "-d",
                                str(depth), "-s", os.environ.get("SECONDS", "5"), "127.0.0.1",
                                str(fport)] + doms, capture_output=True, text=True)
            print("floor: " + (r.stdout.strip() or r.stderr.strip()))
    finally:
        floor.kill()
        floor.wait()
finally:
    d.stop()
    shutil.rmtree(work, ignore_errors=True)
