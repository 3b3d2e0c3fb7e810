#!/usr/bin/env python3
"""Fake SMTP hosts for the SMTP probe tests: one listener per ADDR, each
with a behaviour, all on one PORT (loopback only).

usage: smtp-fake.py PORT LOGFILE ADDR=BEHAVIOUR...   (PORT 0: pick a free one)
  ok        multi-line 220- greeting, answers QUIT with 221
  silent    accepts, never says anything
  tempfail  421 greeting
  reject    554 greeting
  slow:S    greets 220 after S seconds
  close     accepts and closes at once
  flood     sends 1 MB without a line end
Every accepted connection is logged as "ADDR" to LOGFILE. Prints "ready"
PORT" when every listener is bound; exits on SIGTERM or after 300 s."""
import asyncio
import ipaddress
import signal
import sys


async def serve(addr, behaviour, port, log):
    async def handle(reader, writer):
        with open(log, "a") as f:
            f.write(addr + "\n")
        try:
            if behaviour == "ok":
                writer.write(b"220-fake.test ESMTP\r\n220-second line\r\n220 ready\r\n")
            elif behaviour == "tempfail":
                writer.write(b"421 4.3.2 fake.test busy, try later\r\n")
            elif behaviour == "reject":
                writer.write(b"554 5.7.1 fake.test no mail here\r\n")
            elif behaviour.startswith("slow:"):
                await asyncio.sleep(float(behaviour[5:]))
                writer.write(b"220 fake.test slow but fine\r\n")
            elif behaviour == "close":
                writer.close()
                return
            elif behaviour == "flood":
                writer.write(b"220" + b"x" * (1 << 20))
            elif behaviour == "silent":
                await asyncio.sleep(60)
                writer.close()
                return
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), 10)
            if line.upper().startswith(b"QUIT"):
                writer.write(b"221 bye\r\n")
                await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        writer.close()

    assert ipaddress.ip_address(addr).is_loopback, addr
    return await asyncio.start_server(handle, addr, port, reuse_address=True)


async def main():
    port, log = int(sys.argv[1]), sys.argv[2]
    servers = []
    for spec in sys.argv[3:]:
        addr, behaviour = spec.split("=", 1)
        servers.append(await serve(addr, behaviour, port, log))
        port = servers[-1].sockets[0].getsockname()[1]
    print("ready %d" % port, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), 300)
    except asyncio.TimeoutError:
        pass
    for s in servers:
        s.close()


asyncio.run(main())
