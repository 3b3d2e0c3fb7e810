#!/usr/bin/python3
"""sasl-auth.py: a minimal Dovecot authentication server for a test
Postfix (smtpd_sasl_type = dovecot, smtpd_sasl_path = inet:HOST:PORT), so
that a test can submit mail as an authenticated user without a Dovecot or
Cyrus SASL installation.

    sasl-auth.py HOST PORT USER PASSWORD

Speaks the server side of Dovecot's auth protocol 1.x as Postfix's
xsasl_dovecot client uses it: the handshake (VERSION, MECH PLAIN, SPID,
CUID, COOKIE, DONE), then AUTH requests with the PLAIN initial response
(resp=base64). Answers OK with user=USER for USER/PASSWORD, FAIL for
anything else. Loopback only; one thread per connection; runs until
killed."""
import base64
import socket
import sys
import threading


def serve(conn, user, password):
    f = conn.makefile("rwb", buffering=0)
    f.write(b"VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nSPID\t1\nCUID\t1\n"
            b"COOKIE\t0123456789abcdef0123456789abcdef\nDONE\n")
    for raw in f:
        fields = raw.rstrip(b"\r\n").decode("utf-8", "replace").split("\t")
        if fields[0] not in ("AUTH", "CONT") or len(fields) < 3:
            continue            # VERSION, CPID: nothing to answer
        rid = fields[1]
        if fields[0] == "CONT":     # the response to our empty challenge
            resp = fields[2]
        elif fields[2].upper() == "PLAIN":
            resp = next((x[5:] for x in fields if x.startswith("resp=")), None)
        else:
            f.write(("FAIL\t%s\treason=PLAIN only\n" % rid).encode())
            continue
        ok = False
        if resp is not None:
            try:
                parts = base64.b64decode(resp).split(b"\0")
                ok = len(parts) == 3 and parts[1].decode() == user and parts[2].decode() == password
            except (ValueError, UnicodeDecodeError):
                ok = False
        if ok:
            f.write(("OK\t%s\tuser=%s\n" % (rid, user)).encode())
        elif resp is None:
            f.write(("CONT\t%s\t\n" % rid).encode())   # ask for the response
        else:
            f.write(("FAIL\t%s\treason=bad password\n" % rid).encode())
    conn.close()


def main():
    host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    if not host.startswith("127."):
        sys.exit("sasl-auth.py: loopback only")
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, user, password), daemon=True).start()


if __name__ == "__main__":
    main()
