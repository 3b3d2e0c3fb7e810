#!/usr/bin/python3
"""fakesmtp.py: scripted SMTP hosts for the mxvet loopback lab (tests/lab).
One asyncio process serves every host, each on its own address.

usage: fakesmtp.py CONFIG.json

CONFIG: {"port": 2525, "hosts": [{"addr": "127.25.0.10", "name": "mx1.healthy.test",
                                   "mode": "ok"}, ...]}
Modes:
  ok            220 greeting; EHLO/HELO/MAIL/RCPT/DATA/RSET/NOOP accepted; QUIT 221
  ok-multiline  the same with a three-line 220- greeting
  slow          like ok, but greets after 2 seconds
  silent        accepts the connection and never says a word
  tempfail      greets 421 and closes
  reject        greets 554, then answers 503 to everything but QUIT (221)
  timeout       a listening socket (backlog 0) that is never accepted, filled
                by the script's own connections: further SYNs are dropped and
                connect() hangs
(A "refused" host is simply an address nobody listens on.)
"""
import asyncio
import json
import signal
import socket
import sys
import time

IDLE = 30               # seconds an idle session is kept
SILENT_HOLD = 60        # seconds a silent host keeps a connection
MAX_COMMANDS = 100
SLOW_DELAY = 2.0


def log(msg):
    sys.stderr.write("%s fakesmtp: %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


async def readline(reader, timeout=IDLE):
    line = await asyncio.wait_for(reader.readline(), timeout)
    if not line:
        raise ConnectionError("eof")
    return line[:1000].decode("ascii", "replace").rstrip("\r\n")


async def session(host, reader, writer):
    mode, name = host["mode"], host["name"]
    peer = writer.get_extra_info("peername")
    log("%s %s connect from %s" % (host["addr"], mode, peer))

    def send(text):
        writer.write(text.encode())

    try:
        if mode == "silent":
            try:
                await asyncio.wait_for(reader.read(), SILENT_HOLD)
            except asyncio.TimeoutError:
                pass
            return
        if mode == "slow":
            await asyncio.sleep(SLOW_DELAY)
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
        c.connect_ex((addr, port))
        fill.append(c)
    time.sleep(0.1)
    return [ls] + fill


async def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fakesmtp.py CONFIG.json")
    with open(sys.argv[1]) as f:
        conf = json.load(f)
    port = int(conf.get("port", 2525))
    keep = []
    for h in conf["hosts"]:
        if h["mode"] == "timeout":
            keep += blackhole(h["addr"], port)
        else:
            keep.append(await asyncio.start_server(
                lambda r, w, h=h: session(h, r, w), h["addr"], port, reuse_address=True))
    log("serving %s" % ", ".join("%s(%s)" % (h["addr"], h["mode"]) for h in conf["hosts"]))
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    await stop


if __name__ == "__main__":
    asyncio.run(main())
