#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""dnsatk.py: DNS traffic for t_attack_dns.sh (plain sockets, no scapy).

  dnsatk.py upstream ADDR
      A fake upstream on ADDR:53, UDP and TCP. The first label of the question says what to
      answer, "KIND-N.rest" -> an A record for 10.30.0.N:
        ok     TTL 30                     slow   TTL 30, after 1.5 s
        big    TTL 2^31-1 (24855 days)    nx     RCODE 3 (NXDOMAIN), the A record anyway
        tc     TC set, the A record anyway
        tcp    over UDP: TC and no record; over TCP: TTL 30
        tcpsplit  the same, the TCP answer in three segments (1 byte, 20 bytes, the rest)
  dnsatk.py query SRC SPORT SERVER NAME [--tcp] [--txid N] [--timeout S]
      One A query from SRC:SPORT; prints "rcode R tc T" and one "A ADDR TTL" per record of the
      first answer with the same id and question. Exit 1 without one.
  dnsatk.py spoof SRC SPORT DST DPORT (--raw TEXT | --name NAME --addr A [--ttl T] [--txid N])
      One UDP datagram with a forged source (raw socket, IP_HDRINCL): TEXT, or a DNS answer
      (id N, NAME A A, TTL T).
"""
import argparse
import socket
import struct
import sys
import threading
import time


def qname_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def question(name, qtype=1):
    return qname_wire(name) + struct.pack("!HH", qtype, 1)


def answer(txid, name, addr, ttl, rcode=0, tc=False, records=True):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    an = 1 if records else 0
    msg = struct.pack("!6H", txid, flags, 1, an, 0, 0) + question(name)
    if records:
        msg += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, ttl, 4) + socket.inet_aton(addr)
    return msg


def parse_question(msg):
    """(txid, name, qtype, end offset) of a query or answer; raises on garbage."""
    txid, _flags, qd = struct.unpack("!3H", msg[:6])
    if qd != 1:
        raise ValueError("qdcount")
    pos, labels = 12, []
    while msg[pos]:
        n = msg[pos]
        labels.append(msg[pos + 1:pos + 1 + n].decode())
        pos += 1 + n
    qtype = struct.unpack("!H", msg[pos + 1:pos + 3])[0]
    return txid, ".".join(labels).lower(), qtype, pos + 5


def reply_for(query, over_tcp):
    txid, name, _qtype, _end = parse_question(query)
    kind, _, num = name.split(".")[0].partition("-")
    addr = "10.30.0." + (num if num.isdigit() else "1")
    if kind == "slow":
        time.sleep(1.5)
    if kind == "big":
        return answer(txid, name, addr, 0x7FFFFFFF)
    if kind == "nx":
        return answer(txid, name, addr, 30, rcode=3)
    if kind == "tc":
        return answer(txid, name, addr, 30, tc=True)
    if kind in ("tcp", "tcpsplit") and not over_tcp:
        return answer(txid, name, addr, 30, tc=True, records=False)
    return answer(txid, name, addr, 30)


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def tcp_client(conn):
    with conn:
        try:
            while True:
                n = struct.unpack("!H", recv_exact(conn, 2))[0]
                query = recv_exact(conn, n)
                msg = reply_for(query, True)
                frame = struct.pack("!H", len(msg)) + msg
                if parse_question(query)[1].startswith("tcpsplit-"):
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    for chunk in (frame[:1], frame[1:21]):
                        conn.sendall(chunk)
                        time.sleep(0.2)
                    frame = frame[21:]
                conn.sendall(frame)
        except (EOFError, OSError, ValueError, IndexError):
            pass


def upstream(addr):
    ts = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ts.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ts.bind((addr, 53))
    ts.listen(16)

    def accept_loop():
        while True:
            conn, _ = ts.accept()
            threading.Thread(target=tcp_client, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    us.bind((addr, 53))
    print("listening", flush=True)

    def one(msg, peer):
        try:
            us.sendto(reply_for(msg, False), peer)
        except (ValueError, IndexError, OSError):
            pass

    while True:
        msg, peer = us.recvfrom(65535)
        threading.Thread(target=one, args=(msg, peer), daemon=True).start()


def query(a):
    txid = a.txid if a.txid is not None else int(time.time() * 1000) & 0xFFFF
    q = struct.pack("!6H", txid, 0x0100, 1, 0, 0, 0) + question(a.name)
    kind = socket.SOCK_STREAM if a.tcp else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.src, a.sport))
    s.settimeout(a.timeout)
    deadline = time.time() + a.timeout
    try:
        if a.tcp:
            s.connect((a.server, 53))
            s.sendall(struct.pack("!H", len(q)) + q)
        else:
            s.sendto(q, (a.server, 53))
        while time.time() < deadline:
            if a.tcp:
                msg = recv_exact(s, struct.unpack("!H", recv_exact(s, 2))[0])
            else:
                msg = s.recv(65535)
            try:
                rid, name, _qt, end = parse_question(msg)
            except (ValueError, IndexError, struct.error):
                continue
            if rid != txid or name != a.name.lower():
                continue
            flags, _qd, an = struct.unpack("!3H", msg[2:8])
            print("rcode %d tc %d" % (flags & 15, 1 if flags & 0x0200 else 0))
            pos = end
            for _ in range(an):
                pos += 2 if msg[pos] >= 0xC0 else len(qname_wire(name))
                rtype, _cls, ttl, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
                pos += 10
                if rtype == 1 and rdlen == 4:
                    print("A %s %d" % (socket.inet_ntoa(msg[pos:pos + 4]), ttl))
                pos += rdlen
            return 0
    except (OSError, EOFError):
        pass
    return 1


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def spoof(a):
    if a.raw is not None:
        payload = a.raw.encode()
    else:
        payload = answer(a.txid if a.txid is not None else 0x5A5A, a.name, a.addr, a.ttl)
    udp = struct.pack("!4H", a.sport, a.dport, 8 + len(payload), 0) + payload
    pseudo = socket.inet_aton(a.src) + socket.inet_aton(a.dst) + struct.pack("!BBH", 0, 17,
                                                                             len(udp))
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x1234, 0, 64, 17, 0,
                     socket.inet_aton(a.src), socket.inet_aton(a.dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + udp, (a.dst, 0))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("upstream")
    u.add_argument("addr")
    q = sub.add_parser("query")
    q.add_argument("src")
    q.add_argument("sport", type=int)
    q.add_argument("server")
    q.add_argument("name")
    q.add_argument("--tcp", action="store_true")
    q.add_argument("--txid", type=int)
    q.add_argument("--timeout", type=float, default=3.0)
    s = sub.add_parser("spoof")
    s.add_argument("src")
    s.add_argument("sport", type=int)
    s.add_argument("dst")
    s.add_argument("dport", type=int)
    s.add_argument("--raw")
    s.add_argument("--name")
    s.add_argument("--addr")
    s.add_argument("--ttl", type=int, default=0x7FFFFFFF)
    s.add_argument("--txid", type=int)
    a = p.parse_args()
    if a.cmd == "upstream":
        upstream(a.addr)
        return 0
    if a.cmd == "query":
        return query(a)
    return spoof(a)


if __name__ == "__main__":
    sys.exit(main())
