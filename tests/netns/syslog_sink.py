#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""tests/netns/syslog_sink.py: a syslog collector for t_alerts.sh.

syslog_sink.py OUT --udp PORT --tcp PORT [--stall]
  Binds 127.0.0.1 (UDP and TCP), writes each message received as one line of OUT, after
  "udp " or "tcp " (a UDP
  datagram; a TCP frame of RFC 6587 octet counting, "LEN SP MSG", checked). A TCP frame that
  is not octet-counted is written as "BAD FRAME ...". With --stall it accepts TCP connections
  and never reads from them (a tiny receive buffer: the sender's queue fills at once), the
  collector of an attacker who wants to stall sansod.
"""
import argparse
import selectors
import socket


def frames(buf):
    """Complete octet-counted frames at the start of buf, and the rest."""
    out = []
    while True:
        sp = buf.find(b" ")
        if sp < 0:
            return out, buf
        head = buf[:sp]
        if not head.isdigit():
            out.append(b"BAD FRAME " + buf[:80])
            return out, b""
        n = int(head)
        if len(buf) < sp + 1 + n:
            return out, buf
        out.append(buf[sp + 1:sp + 1 + n])
        buf = buf[sp + 1 + n:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--udp", type=int)
    ap.add_argument("--tcp", type=int)
    ap.add_argument("--stall", action="store_true")
    a = ap.parse_args()
    sel = selectors.DefaultSelector()
    out = open(a.out, "ab", buffering=0)
    if a.udp:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", a.udp))
        sel.register(u, selectors.EVENT_READ, "udp")
    if a.tcp:
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if a.stall:
            t.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        t.bind(("127.0.0.1", a.tcp))
        t.listen(8)
        sel.register(t, selectors.EVENT_READ, "listen")
    held, bufs = [], {}
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if key.data == "udp":
                out.write(b"udp " + s.recv(65535).replace(b"\n", b" ") + b"\n")
            elif key.data == "listen":
                c, _ = s.accept()
                if a.stall:
                    held.append(c)      # never read
                    continue
                bufs[c] = b""
                sel.register(c, selectors.EVENT_READ, "conn")
            else:
                d = s.recv(65536)
                if not d:
                    sel.unregister(s)
                    s.close()
                    continue
                got, bufs[s] = frames(bufs[s] + d)
                for m in got:
                    out.write(b"tcp " + m.replace(b"\n", b" ") + b"\n")


if __name__ == "__main__":
    main()
