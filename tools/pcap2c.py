#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# pcap2c.py: turn packets of a pcap file into C arrays for tests/unit/data/*.h (dev only).
# Strips the link layer (Ethernet, Linux SLL/SLL2, raw IP), so arrays start at the IP header,
# as NFQUEUE delivers them; with --payload only the TCP/UDP payload is emitted, plus its seq.
# With --raw DIR each selection is written as a binary file instead (fuzzing seed corpora).
#   usage: pcap2c.py [--payload] [--data] [--port N] [--sport N] [--proto tcp|udp]
#                    [--frames 0,3] --name NAME file.pcap
import argparse
import socket
import struct
import sys

LINK_HDR = {1: 14, 113: 16, 276: 20, 101: 0, 228: 0, 229: 0}


def read_pcap(path):
    with open(path, "rb") as f:
        buf = f.read()
    magic = struct.unpack("<I", buf[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype = struct.unpack(end + "I", buf[20:24])[0] & 0x0fffffff
    off = 24
    while off + 16 <= len(buf):
        _, _, incl, _ = struct.unpack(end + "IIII", buf[off:off + 16])
        frame = buf[off + 16:off + 16 + incl]
        off += 16 + incl
        yield frame[LINK_HDR[linktype]:]


def l4(pkt):
    """(summary, proto, sport, dport, seq, payload) of an IPv4/IPv6 packet."""
    if pkt[0] >> 4 == 4:
        ihl = (pkt[0] & 15) * 4
        tot = struct.unpack(">H", pkt[2:4])[0]
        proto, src, dst = pkt[9], socket.inet_ntop(socket.AF_INET, pkt[12:16]), \
            socket.inet_ntop(socket.AF_INET, pkt[16:20])
        frag = struct.unpack(">H", pkt[6:8])[0] & 0x3fff
        off, end = ihl, tot
        if frag & 0x1fff:
            proto = -1
    else:
        src = socket.inet_ntop(socket.AF_INET6, pkt[8:24])
        dst = socket.inet_ntop(socket.AF_INET6, pkt[24:40])
        proto, off, end = pkt[6], 40, 40 + struct.unpack(">H", pkt[4:6])[0]
        while proto in (0, 43, 44, 60):
            nh = pkt[off]
            if proto == 44 and struct.unpack(">H", pkt[off + 2:off + 4])[0] & 0xfff8:
                nh = -1
            off += 8 if proto == 44 else (pkt[off + 1] + 1) * 8
            proto = nh
    sport = dport = seq = 0
    payload = b""
    if proto in (6, 17):
        sport, dport = struct.unpack(">HH", pkt[off:off + 4])
        hl = ((pkt[off + 12] >> 4) * 4) if proto == 6 else 8
        if proto == 6:
            seq = struct.unpack(">I", pkt[off + 4:off + 8])[0]
        payload = pkt[off + hl:end]
    what = {6: "TCP", 17: "UDP", 1: "ICMP", 58: "ICMPv6", 132: "SCTP", -1: "fragment"}
    summ = "%s %s.%d > %s.%d, %d bytes, payload %d" % (what.get(proto, str(proto)), src, sport,
                                                       dst, dport, len(pkt), len(payload))
    if proto == 6:
        summ += ", seq %u" % seq
    return summ, proto, sport, dport, seq, payload


def emit(name, data, comment):
    print("/* %s */" % comment)
    print("static const uint8_t %s[] = {" % name)
    for i in range(0, len(data), 12):
        print("\t" + " ".join("0x%02x," % b for b in data[i:i + 12]))
    print("};")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--payload", action="store_true", help="emit the L4 payload and its seq")
    ap.add_argument("--data", action="store_true", help="only packets with L4 payload")
    ap.add_argument("--port", type=int, help="only packets to this destination port")
    ap.add_argument("--sport", type=int, help="only packets from this source port")
    ap.add_argument("--proto", choices=("tcp", "udp"), help="only this L4 protocol")
    ap.add_argument("--frames", help="comma-separated 0-based frame numbers")
    ap.add_argument("--name", required=True)
    ap.add_argument("--raw", metavar="DIR", help="write each as a binary file DIR/NAME_k instead")
    ap.add_argument("--prefix", type=lambda x: bytes.fromhex(x), default=b"",
                    help="hex bytes to put before each --raw file (fuzz harness control)")
    ap.add_argument("pcap")
    a = ap.parse_args()
    frames = [int(x) for x in a.frames.split(",")] if a.frames else None
    k = 0
    for i, pkt in enumerate(read_pcap(a.pcap)):
        summ, proto, sport, dport, seq, payload = l4(pkt)
        if frames is not None and i not in frames:
            continue
        if (a.data and not payload) or (a.port and dport != a.port) or \
           (a.sport and sport != a.sport) or (a.proto and proto != (6 if a.proto == "tcp" else 17)):
            continue
        name = "%s_%d" % (a.name, k)
        if a.raw:
            with open("%s/%s" % (a.raw, name), "wb") as f:
                f.write(a.prefix + (payload if a.payload else pkt))
        elif a.payload:
            emit(name, payload, "frame %d: %s" % (i, summ))
            if proto == 6:
                print("#define %s_SEQ %uU" % (name.upper(), seq))
            print()
        else:
            emit(name, pkt, "frame %d: %s" % (i, summ))
            print()
        k += 1
    if k == 0:
        sys.exit("pcap2c: no packet selected")


if __name__ == "__main__":
    main()
