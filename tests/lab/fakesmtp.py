#!/usr/bin/python3
"""fakesmtp.py: scripted SMTP hosts for the mxvet tests: the loopback lab
(tests/lab) and tests/smtp-e2e.sh. One asyncio process serves every host,
each on its own loopback address, all on one port.

usage: fakesmtp.py CONFIG.json
       fakesmtp.py [--port N] [--log FILE] [--name NAME] ADDR=MODE...

CONFIG: {"port": 2525, "log": "/path/conn.log",
         "hosts": [{"addr": "127.25.0.10", "name": "mx1.healthy.test", "mode": "ok"}, ...]}
On the command line every host is named NAME (default fake.test).
Port 0 picks a free port. When every listener is bound the program prints
"ready PORT" on stdout; with a log file, every accepted connection appends
its host's address as one line. It exits on SIGTERM.

Modes:
  ok            220 greeting; EHLO/HELO/MAIL/RCPT/DATA/RSET/NOOP accepted; QUIT 221
  ok-multiline  the same with a three-line 220- greeting
  slow[:S]      like ok, but greets after S seconds (default 2)
  silent        accepts the connection and never says a word
  tempfail      greets 421 and closes
  reject        greets 554, then answers 503 to everything but QUIT (221)
  timeout       a listening socket (backlog 0) that is never accepted, filled
                by the script's own connections: further SYNs are dropped and
                connect() hangs
(A "refused" host is simply an address nobody listens on.)
"""
import argparse
import asyncio
import ipaddress
import json
import os
import signal
import socket
import sys
import time

IDLE = 30               # seconds an idle session is kept
SILENT_HOLD = 60        # seconds a silent host keeps a connection
MAX_COMMANDS = 100
SLOW_DELAY = 2.0
MODES = ("ok", "ok-multiline", "slow", "silent", "tempfail", "reject", "timeout")


def log(msg):
    sys.stderr.write("%s fakesmtp[%d]: %s\n" % (time.strftime("%H:%M:%S"), os.getpid(), msg))
    sys.stderr.flush()


def split_mode(mode):
    """("slow", 2.0) for "slow:2"; the delay is 0 for every other mode."""
    base, _, arg = mode.partition(":")
    if base not in MODES or (arg and base != "slow"):
        raise ValueError("unknown mode %r" % mode)
    return base, float(arg) if arg else SLOW_DELAY if base == "slow" else 0.0


async def readline(reader, timeout=IDLE):
    line = await asyncio.wait_for(reader.readline(), timeout)
    if not line:
        raise ConnectionError("eof")
    return line[:1000].decode("ascii", "replace").rstrip("\r\n")


async def session(host, conn_log, reader, writer):
    mode, delay = split_mode(host["mode"])
    name = host["name"]
    peer = writer.get_extra_info("peername")
    log("%s %s connect from %s" % (host["addr"], host["mode"], peer))
    if conn_log:
        with open(conn_log, "a") as f:
            f.write(host["addr"] + "\n")

    def send(text):
        writer.write(text.encode())

    try:
        if mode == "silent":
            try:
                await asyncio.wait_for(reader.read(), SILENT_HOLD)
            except asyncio.TimeoutError:
                pass
            return
        if delay:
            await asyncio.sleep(delay)
        if mode == "tempfail":
            send("421 4.3.2 %s Service not available, closing transmission channel\r\n" % name)
            await writer.drain()
            return
        if mode == "reject":
            send("554 5.7.1 %s No SMTP service here\r\n" % name)
        elif mode == "ok-multiline":
            send("220-%s ESMTP mxvet lab\r\n220-this greeting has three lines\r\n"
                 "220 %s ready\r\n" % (name, name))
        else:
            send("220 %s ESMTP mxvet lab\r\n" % name)
        await writer.drain()
        for _ in range(MAX_COMMANDS):
            line = await readline(reader)
            verb = line.split(" ", 1)[0].upper()
            if verb == "QUIT":
                send("221 2.0.0 %s closing connection\r\n" % name)
                await writer.drain()
                return
            if mode == "reject":
                send("503 5.5.1 no SMTP service here\r\n")
            elif verb == "EHLO":
                send("250-%s\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n" % name)
            elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                send("250 2.0.0 ok\r\n")
            elif verb == "DATA":
                send("354 end data with <CR><LF>.<CR><LF>\r\n")
                await writer.drain()
                while (await readline(reader)) != ".":
                    pass
                send("250 2.0.0 ok: queued nowhere (lab sink)\r\n")
            else:
                send("502 5.5.2 command not implemented\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.TimeoutError, OSError):
        pass
    finally:
        writer.close()


def blackhole(addr, port):
    """A listener whose accept queue is full: new SYNs are dropped."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(0)
    fill = []
    for _ in range(3):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.bind((addr, 0))
        c.setblocking(False)
        c.connect_ex((addr, ls.getsockname()[1]))
        fill.append(c)
    time.sleep(0.1)
    return [ls] + fill


def load_config(argv):
    """The configuration from a JSON file or from the command line."""
    if len(argv) == 1 and argv[0].endswith(".json"):
        with open(argv[0]) as f:
            return json.load(f)
    p = argparse.ArgumentParser(prog="fakesmtp.py", description="Scripted SMTP hosts.")
    p.add_argument("--port", type=int, default=2525)
    p.add_argument("--log", help="append the address of every accepted connection here")
    p.add_argument("--name", default="fake.test", help="the host name in every reply")
    p.add_argument("hosts", nargs="+", metavar="ADDR=MODE")
    a = p.parse_args(argv)
    hosts = []
    for spec in a.hosts:
        addr, _, mode = spec.partition("=")
        hosts.append({"addr": addr, "name": a.name, "mode": mode})
    return {"port": a.port, "log": a.log, "hosts": hosts}


async def main():
    conf = load_config(sys.argv[1:])
    port = int(conf.get("port", 2525))
    for h in conf["hosts"]:
        try:
            split_mode(h["mode"])
        except ValueError as e:
            sys.exit("fakesmtp: %s" % e)
        if not ipaddress.ip_address(h["addr"]).is_loopback:
            sys.exit("fakesmtp: %s is not a loopback address" % h["addr"])
    keep = []
    for h in conf["hosts"]:
        if h["mode"] == "timeout":
            socks = blackhole(h["addr"], port)
            keep += socks
            sock = socks[0]
        else:
            keep.append(await asyncio.start_server(
                lambda r, w, h=h: session(h, conf.get("log"), r, w), h["addr"], port,
                reuse_address=True))
            sock = keep[-1].sockets[0]
        port = sock.getsockname()[1]        # port 0: the rest share the first one's
    log("serving %s" % ", ".join("%s(%s)" % (h["addr"], h["mode"]) for h in conf["hosts"]))
    print("ready %d" % port, flush=True)
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    await stop


if __name__ == "__main__":
    asyncio.run(main())
