#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# mkcaptures.py: record the real packets behind tests/unit/data/*.h (dev only, needs root).
# Runs every client and server on loopback inside a private network namespace
# (unshare -n; lo MTU 1500 and GSO limited to one segment, so big ClientHellos and UDP datagrams
# really get split on the wire), with tcpdump
# capturing each scenario into OUTDIR/<name>.pcap. Convert with tools/pcap2c.py.
#   usage: unshare -n python3 tools/mkcaptures.py OUTDIR
import os
import signal
import socket
import struct
import subprocess
import sys
import time

OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "captures")


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


class Capture:
    """tcpdump on lo into OUT/name.pcap while the with-block runs."""

    def __init__(self, name, flt=""):
        self.path = os.path.join(OUT, name + ".pcap")
        self.flt = flt

    def __enter__(self):
        self.p = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-s", "0",
                                   "-w", self.path] +
                                  self.flt.split(), stderr=subprocess.PIPE)
        line = self.p.stderr.readline()        # "listening on lo ..." once the socket is up
        if b"listening" not in line:
            raise RuntimeError(line)
        return self

    def __exit__(self, *a):
        time.sleep(0.3)
        self.p.send_signal(signal.SIGINT)
        self.p.wait()


def wait_port(port, host="127.0.0.1", fam=socket.AF_INET, tcp=True):
    for _ in range(100):
        s = socket.socket(fam, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
        try:
            s.connect((host, port))
            s.close()
            return
        except OSError:
            time.sleep(0.05)
        finally:
            s.close()
    raise RuntimeError("port %d not up" % port)


def server(cmd):
    return subprocess.Popen(cmd, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stop(p):
    os.killpg(p.pid, signal.SIGTERM)
    p.wait()


def tls_case(name, host, port, sargs, cargs):
    s = server("openssl s_server -accept %s -cert c.pem -key k.pem -quiet %s" % (host, sargs))
    fam = socket.AF_INET6 if host.startswith("[") else socket.AF_INET
    addr = host.rsplit(":", 1)[0].strip("[]")
    wait_port(port, addr, fam)
    with Capture(name, "tcp port %d" % port):
        sh("echo | timeout 5 openssl s_client -connect %s %s >/dev/null 2>&1 || true" %
           (host, cargs))
    stop(s)


def tls_captures():
    sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=test "
       "-keyout k.pem -out c.pem -days 2 2>/dev/null")
    tls_case("tls13", "127.0.0.1:4433", 4433, "",
             "-servername Portal.Office.COM -alpn h2,http/1.1")
    tls_case("tls12_nosni", "127.0.0.1:4433", 4433, "", "-tls1_2 -noservername")
    # ffdhe8192 key share (1 KiB) plus long ALPN names: > 1500 bytes, like a PQ key share.
    alpn = ",".join(c * 200 for c in "xyz")
    tls_case("tls_big", "127.0.0.1:4433", 4433, "-groups ffdhe8192",
             "-groups ffdhe8192 -servername login.microsoftonline.com -alpn h2," + alpn)
    # Same, IPv6, and the handshake message fragmented over several 512-byte records.
    tls_case("tls_frag6", "[::1]:4433", 4433, "-groups ffdhe8192",
             "-groups ffdhe8192 -max_send_frag 512 -servername teams.microsoft.com -alpn " +
             alpn)


def http_captures():
    s = server("python3 -m http.server --bind :: 8080")
    wait_port(8080)
    with Capture("http", "tcp port 8080"):
        u = "http://127.0.0.1:8080/"
        sh("curl -s -o /dev/null %s" % u)
        sh("curl -s -o /dev/null -H 'Host: Intra.Example.LG.JP:8080' %s" % u)
        sh("curl -s -o /dev/null --http1.0 -H 'Host:' %sindex.html" % u)
        sh("curl -s -o /dev/null -X POST -d 'a=1' -H 'Host: portal.lgwan.example' %s" % u)
        sh("curl -s -o /dev/null -g -H 'Host: www.example.jp.' 'http://[::1]:8080/x?y=1'")
    stop(s)


def dns_query(qname, qtype, qid, tcp=False):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for lab in qname.split("."):
        q += bytes([len(lab)]) + lab.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    if tcp:
        s = socket.create_connection(("127.0.0.1", 5353))
        s.sendall(struct.pack(">H", len(q)) + q)
        s.recv(4096)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(q, ("127.0.0.1", 5353))
        s.settimeout(2)
        s.recv(4096)
    s.close()


def dns_captures():
    with open("hosts", "w") as f:
        f.write("52.96.166.130 outlook.office365.com\n52.96.229.242 outlook.office365.com\n")
        f.write("2603:1036:3000:1c0::2 outlook.office365.com\n")
        for i in range(40):
            f.write("10.20.%d.%d many.example.lg.jp\n" % (i // 8, i + 1))
    s = server("dnsmasq -k -C /dev/null --port=5353 --listen-address=127.0.0.1 --bind-interfaces "
               "--no-resolv --no-hosts --addn-hosts=%s/hosts --user=root --local-ttl=300 "
               "--local=/example.lg.jp/ "
               "--cname=outlook.ha.office365.com,outlook.office365.com,60 "
               "--cname=Outlook.Office.COM,outlook.ha.office365.com,3600" % OUT)
    wait_port(5353)
    with Capture("dns", "port 5353"):
        dns_query("Outlook.Office.COM", 1, 0x1001)
        dns_query("outlook.office.com", 28, 0x1002)
        dns_query("many.example.lg.jp", 1, 0x1003)
        dns_query("nx.example.lg.jp", 1, 0x1004)
        dns_query("outlook.office.com", 1, 0x1005, tcp=True)
        dns_query("many.example.lg.jp", 1, 0x1006, tcp=True)
    stop(s)


def csum(b):
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    s = (s & 0xffff) + (s >> 16)
    return ~((s & 0xffff) + (s >> 16)) & 0xffff


def misc_captures():
    with Capture("misc"):
        # ICMP echo, v4 and v6: the kernel answers.
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        echo = struct.pack(">BBHHH", 8, 0, 0, 0x0001, 0x0001) + b"ping"
        s.sendto(echo[:2] + struct.pack(">H", csum(echo)) + echo[4:], ("127.0.0.1", 0))
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        s6.sendto(struct.pack(">BBHHH", 128, 0, 0, 0x0002, 0x0001) + b"ping", ("::1", 0))
        time.sleep(0.1)
        # UDP over IPv4, 3000 bytes: fragmented by the kernel (DF off).
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setsockopt(socket.IPPROTO_IP, 10, 0)             # IP_MTU_DISCOVER = DONT
        u.sendto(b"A" * 3000, ("127.0.0.1", 9999))
        u.sendto(b"small", ("127.0.0.1", 9998))
        # UDP over IPv6 with hop-by-hop, routing (segment routing, type 4), fragment and
        # destination options.
        v = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        padn = bytes([0, 0, 1, 4, 0, 0, 0, 0])
        v.setsockopt(socket.IPPROTO_IPV6, 54, padn)        # IPV6_HOPOPTS
        v.setsockopt(socket.IPPROTO_IPV6, 59, padn)        # IPV6_DSTOPTS
        srh = bytes([0, 2, 4, 0, 0, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, "::1")
        v.setsockopt(socket.IPPROTO_IPV6, 57, srh)         # IPV6_RTHDR
        v.sendto(b"B" * 3000, ("::1", 9997))
        w = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        w.sendto(b"small6", ("::1", 9996))
        # SCTP INIT (no SCTP in this kernel: the raw socket just emits protocol 132).
        r = socket.socket(socket.AF_INET, socket.SOCK_RAW, 132)
        init = struct.pack(">HHII", 5000, 38412, 0, 0)
        init += struct.pack(">BBHIIHHI", 1, 0, 20, 0x11223344, 65535, 10, 10, 0x55667788)
        r.sendto(init, ("127.0.0.1", 0))
        time.sleep(0.1)


def main():
    os.makedirs(OUT, exist_ok=True)
    os.chdir(OUT)
    sh("ip link set lo up mtu 1500 gso_max_segs 1 gso_max_size 1500")
    tls_captures()
    http_captures()
    dns_captures()
    misc_captures()


if __name__ == "__main__":
    main()
