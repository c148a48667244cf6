#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# rechain.py IN OUT OLD NEW: an attacker's rewrite of an audit trail (audit.h format): replace
# OLD by NEW in every record, then recompute every prev and hash so the hash chain holds again.
# Only a signed checkpoint (or the anchor) can tell.
import hashlib
import sys

src, dst, old, new = sys.argv[1:5]
prev = "0" * 64
out = []
for line in open(src, encoding="utf-8"):
    line = line.rstrip("\n").replace(old, new)
    head, _ = line.split(',"hash":"', 1)
    a, b = head.split(',"prev":"', 1)
    head = a + ',"prev":"' + prev + b[64:]
    h = hashlib.sha256(head.encode()).hexdigest()
    full = head + ',"hash":"' + h + '"}\n'
    prev = hashlib.sha256(full.encode()).hexdigest()
    out.append(full)
open(dst, "w", encoding="utf-8").write("".join(out))
