#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""stream_tool.py: crafted TCP for tests/netns/t_attack_stream.sh (plain raw sockets).

  server LOG ADDR PORT...     listeners: every received chunk is logged as
                              "<port> <peer> <len> <printable bytes>"; each connection gets
                              "SEEN\\n" once it sent data; a request head ending in an empty
                              line is answered HTTP/1.1 200 (keep-alive)
  sniff LOG IFACE             every TCP segment with payload arriving on IFACE:
                              "<src>:<sport> <dst>:<dport> <flags> <len> <printable>"
  hello NAME                  print a TLS ClientHello naming NAME, hex
  raw SRC DST DPORT MODE ...  crafted connections from SRC (its RSTs must be dropped):
      syn-data MARK             a SYN carrying MARK
      ack-psh MARK              ACK+PSH carrying MARK, no handshake
      reanchor SPORT ISN FIFO   handshake; wait until FIFO says go (a spoofed SYN-ACK acking
                                ISN+1+5000 was sent meanwhile); then a ClientHello naming
                                evil.example at ISN+1 and one naming www.allowed.example at
                                ISN+1+5000
      swap SPORT                a ClientHello in 2 segments, then the first "retransmitted"
                                naming evil000.example.com
      idle N                    N handshakes completed and left idle (their pure ACKs repeated)
  synack SRC SPORT DST DPORT SEQ ACK   one spoofed SYN-ACK
  clients SRC DST DPORT N NAME   N connections from SRC each sending a ClientHello naming NAME
                                 and waiting for "SEEN"; prints how many got it
  keepalive SRC DST HOST1 HOST2  HTTP/1.1 on one connection: request with HOST1, its answer,
                                 then a request with HOST2; prints "first ok|fail" and
                                 "second ok|fail"
  split SRC DST DPORT NAME       a ClientHello in 3 segments; prints "ok|fail <ms>"
  junk SRC DST DPORT N          one connection sending a TLS record header announcing a large
                                ClientHello, then N junk bytes; prints the bytes sent
"""
import os
import random
import resource
import select
import socket
import struct
import sys
import time


def printable(b):
    return "".join(chr(c) if 0x21 <= c < 0x7f else "." for c in b)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    off = 5 << 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off,
                      flags, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 6, len(hdr) + len(payload))
    c = csum(pseudo + hdr + payload)
    hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
    tot = 20 + len(hdr) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, random.randint(0, 65535), 0x4000, 64, 6,
                     0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + hdr + payload


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


class Raw:
    def __init__(self, src, dst, dport):
        self.src, self.dst, self.dport = src, dst, dport
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
        self.rx.setblocking(False)

    def send(self, sport, seq, ack, flags, payload=b""):
        self.tx.sendto(tcp_packet(self.src, self.dst, sport, self.dport, seq, ack, flags,
                                  payload), (self.dst, 0))

    def recv_all(self, timeout):
        """(sport, flags, seq, ack) of segments from dst:dport to src, until timeout."""
        out, end = [], time.time() + timeout
        while True:
            left = end - time.time()
            if left <= 0:
                return out
            r, _, _ = select.select([self.rx], [], [], left)
            if not r:
                continue
            while True:
                try:
                    p = self.rx.recv(65535)
                except BlockingIOError:
                    break
                ihl = (p[0] & 15) * 4
                if socket.inet_ntoa(p[12:16]) != self.dst or socket.inet_ntoa(p[16:20]) != self.src:
                    continue
                sp, dp, seq, ack, _, fl = struct.unpack("!HHIIBB", p[ihl:ihl + 14])
                if sp == self.dport:
                    out.append((dp, fl, seq, ack))

    def handshake(self, sport, isn, wait=2.0):
        self.send(sport, isn, 0, SYN)
        for dp, fl, seq, ack in self.recv_all(wait):
            if dp == sport and fl & SYN and fl & ACK and ack == (isn + 1) & 0xFFFFFFFF:
                self.send(sport, isn + 1, seq + 1, ACK)
                return seq + 1
        return None


def client_hello(name, rnd=None):
    n = name.encode()
    sni = struct.pack("!HBH", len(n) + 3, 0, len(n)) + n
    ext = struct.pack("!HH", 0, len(sni)) + sni
    ext += struct.pack("!HHB", 0x2B, 3, 2) + b"\x03\x04"      # supported_versions
    body = b"\x03\x03" + (rnd or os.urandom(32)) + b"\x00" + struct.pack("!H", 2) + b"\x13\x01"
    body += b"\x01\x00" + struct.pack("!H", len(ext)) + ext
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def cmd_server(log, addr, ports):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out = open(log, "a", buffering=1)
    lst = {}
    for p in ports:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(p)))
        s.listen(4096)
        lst[s] = int(p)
    conns = {}
    ep = select.epoll()
    fds = {}
    for s in lst:
        ep.register(s.fileno(), select.EPOLLIN)
        fds[s.fileno()] = s
    while True:
        for fd, _ in ep.poll():
            s = fds[fd]
            if s in lst:
                c, peer = s.accept()
                conns[c] = [lst[s], "%s:%d" % peer, b"", False]
                fds[c.fileno()] = c
                ep.register(c.fileno(), select.EPOLLIN)
                continue
            st = conns[s]
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d:
                ep.unregister(fd)
                del fds[fd]
                s.close()
                del conns[s]
                continue
            out.write("%d %s %d %s\n" % (st[0], st[1], len(d), printable(d)))
            try:
                if not st[3]:
                    st[3] = True
                    if st[0] != 80:
                        s.sendall(b"SEEN\n")
                st[2] += d
                while st[0] == 80 and b"\r\n\r\n" in st[2]:
                    _, st[2] = st[2].split(b"\r\n\r\n", 1)
                    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            except OSError:
                pass


def cmd_sniff(log, iface):
    out = open(log, "a", buffering=1)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((iface, 0))
    while True:
        p, meta = s.recvfrom(65535)
        if meta[2] == socket.PACKET_OUTGOING or len(p) < 14 + 20:
            continue
        ip = p[14:]
        if ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        t = ip[ihl:]
        sp, dp, seq, ack, off, fl = struct.unpack("!HHIIBB", t[:14])
        pay = ip[ihl + (off >> 4) * 4:tot]
        if pay:
            out.write("%s:%d %s:%d %02x %d %s\n" % (socket.inet_ntoa(ip[12:16]), sp,
                                                    socket.inet_ntoa(ip[16:20]), dp, fl,
                                                    len(pay), printable(pay)))


def cmd_raw(src, dst, dport, mode, args):
    r = Raw(src, dst, int(dport))
    if mode == "syn-data":
        sport, isn = random.randint(20000, 60000), random.getrandbits(32)
        for _ in range(3):
            r.send(sport, isn, 0, SYN, args[0].encode())
            time.sleep(0.3)
    elif mode == "ack-psh":
        sport, isn = random.randint(20000, 60000), random.getrandbits(32)
        for _ in range(3):
            r.send(sport, isn, 12345, ACK | PSH, args[0].encode())
            time.sleep(0.3)
    elif mode == "reanchor":
        sport, isn, fifo = int(args[0]), int(args[1]), args[2]
        srv = r.handshake(sport, isn)
        print("handshake", "ok" if srv is not None else "fail", flush=True)
        if srv is None:
            return 1
        with open(fifo) as f:          # the spoofed SYN-ACK went out
            f.read()
        evil, good = client_hello("evil.example"), client_hello("www.allowed.example")
        for _ in range(3):
            r.send(sport, isn + 1, srv, ACK | PSH, evil)
            time.sleep(0.2)
            r.send(sport, isn + 1 + 5000, srv, ACK | PSH, good)
            time.sleep(0.2)
    elif mode == "swap":
        # the hello naming www.allowed.example in two segments: the first is held, the second
        # decides; then "retransmit" the first with another name (evil000.example.com)
        sport, isn = int(args[0]), random.getrandbits(32)
        srv = r.handshake(sport, isn)
        print("handshake", "ok" if srv is not None else "fail", flush=True)
        if srv is None:
            return 1
        rnd = os.urandom(32)
        good, evil = client_hello("www.allowed.example", rnd), client_hello("evil000.example.com", rnd)
        assert len(good) == len(evil)
        r.send(sport, isn + 1, srv, ACK | PSH, good[:90])
        time.sleep(0.2)
        r.send(sport, isn + 1 + 90, srv, ACK | PSH, good[90:])
        time.sleep(0.2)
        for _ in range(3):
            r.send(sport, isn + 1, srv, ACK | PSH, evil[:90])
            time.sleep(0.2)
    elif mode == "idle":
        n, done = int(args[0]), []
        base = random.randint(10000, 60000 - n)
        for i in range(n):
            isn = random.getrandbits(32)
            r.send(base + i, isn, 0, SYN)
            done.append((base + i, isn))
            if i % 50 == 49:
                time.sleep(0.05)
        acked = {}
        for _ in range(3):
            for dp, fl, seq, ack in r.recv_all(1.0):
                if fl & SYN and fl & ACK:
                    acked[dp] = (ack, seq + 1)
            for sport, isn in done:
                if sport in acked:
                    r.send(sport, acked[sport][0], acked[sport][1], ACK)
        print("handshakes", len(acked), flush=True)
        while True:                    # keep them "alive" with pure ACKs
            time.sleep(2)
            for sport, (seq, ack) in acked.items():
                r.send(sport, seq, ack, ACK)
    return 0


def cmd_synack(src, sport, dst, dport, seq, ack):
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for _ in range(2):
        tx.sendto(tcp_packet(src, dst, int(sport), int(dport), int(seq), int(ack), SYN | ACK),
                  (dst, 0))
        time.sleep(0.1)


def one_client(src, dst, dport, name):
    try:
        s = socket.create_connection((dst, int(dport)), timeout=3, source_address=(src, 0))
        s.sendall(client_hello(name))
        s.settimeout(3)
        ok = s.recv(16).startswith(b"SEEN")
        s.close()
        return ok
    except OSError:
        return False


def cmd_clients(src, dst, dport, n, name):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(10) as ex:
        res = list(ex.map(lambda _: one_client(src, dst, dport, name), range(int(n))))
    print(sum(res))


def cmd_split(src, dst, dport, name):
    """one ClientHello sent as 3 segments; prints "ok|fail <ms>" (connect to SEEN)"""
    t0 = time.time()
    try:
        s = socket.create_connection((dst, int(dport)), timeout=5, source_address=(src, 0))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        h = client_hello(name)
        for part in (h[:20], h[20:40], h[40:]):
            s.sendall(part)
            time.sleep(0.02)
        s.settimeout(5)
        ok = s.recv(16).startswith(b"SEEN")
    except OSError:
        ok = False
    print("ok" if ok else "fail", int((time.time() - t0) * 1000))


def http_get(s, host, path):
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: t\r\n\r\n" % (path, host)).encode())
    d = b""
    while b"ok\n" not in d:
        c = s.recv(4096)
        if not c:
            break
        d += c
    return d.startswith(b"HTTP/1.1 200") and b"ok\n" in d


def cmd_keepalive(src, dst, h1, h2):
    s = socket.create_connection((dst, 80), timeout=3, source_address=(src, 0))
    s.settimeout(3)
    for tag, h in (("first", h1), ("second", h2)):
        try:
            print(tag, "ok" if http_get(s, h, "/" + tag) else "fail", flush=True)
        except OSError:
            print(tag, "fail", flush=True)
        time.sleep(0.3)


def cmd_junk(src, dst, dport, n):
    n = int(n)
    s = socket.create_connection((dst, int(dport)), timeout=3, source_address=(src, 0))
    head = b"\x16\x03\x01\x3e\x84\x01\x00\x3e\x80"
    sent = 0
    try:
        s.sendall(head)
        while sent < n:
            k = min(1000, n - sent)
            s.sendall(b"J" * k)
            sent += k
        time.sleep(2)
    except OSError:
        pass
    print(sent)


def main():
    a = sys.argv[1:]
    cmds = {
        "server": lambda: cmd_server(a[1], a[2], a[3:]),
        "sniff": lambda: cmd_sniff(a[1], a[2]),
        "hello": lambda: print(client_hello(a[1]).hex()),
        "raw": lambda: cmd_raw(a[1], a[2], a[3], a[4], a[5:]),
        "synack": lambda: cmd_synack(*a[1:7]),
        "clients": lambda: cmd_clients(*a[1:6]),
        "keepalive": lambda: cmd_keepalive(*a[1:5]),
        "junk": lambda: cmd_junk(*a[1:5]),
        "split": lambda: cmd_split(*a[1:5]),
    }
    if not a or a[0] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[a[0]]() or 0


if __name__ == "__main__":
    sys.exit(main())
