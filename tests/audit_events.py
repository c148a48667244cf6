#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""make check-audit-events: the audit registry (AUDIT_EVENTS in daemon/audit.h) is the only
place an event of the daemon is named, and every event in it is written somewhere.
Fails (exit 1) when
  - a registered event is never used in daemon/*.c (AUDIT_EV_<ID>, AUDIT_EV(<ID>), AUDIT_E_<ID>);
  - a call of trail_audit(), audit_append() or audit_format_line() in daemon/*.c passes a
    string literal as its event;
  - a registered event's name appears as a string literal anywhere in daemon/ but audit.h;
  - a trail_audit() call passes a literal key its event does not register, or leaves out
    one the event always carries (keys in [brackets] are optional).
usage: audit_events.py [DIR]   (DIR: the daemon sources, default daemon)"""
import glob
import os
import re
import sys

# event argument (0-based) of the calls that take one
CALLS = {"trail_audit": 2, "audit_append": 3, "audit_format_line": 6}


def strip_comments(text):
    """Comments become spaces (line numbers kept); string literals stay."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text[i] in "\"'":
            q, j = text[i], i + 1
            while j < n and text[j] != q:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def registry(path):
    text = strip_comments(open(path, encoding="utf-8").read())
    m = re.search(r"#define AUDIT_EVENTS\(X\)(.*?)\n\s*\n", text, re.S)
    if not m:
        sys.exit("audit_events.py: no AUDIT_EVENTS table in %s" % path)
    body = m.group(1).replace("\\\n", " ")
    rows = {}
    for row in re.finditer(r'X\(\s*(\w+)\s*,\s*"([^"]+)"\s*,\s*((?:"[^"]*"\s*)+)\)', body):
        keys = " ".join(re.findall(r'"([^"]*)"', row.group(3))).split()
        rows[row.group(1)] = (row.group(2), keys)
    return rows


def split_args(text, start):
    """Arguments of the call whose '(' is at start: [(arg, offset)], and the end offset."""
    args, depth, i, a = [], 0, start, start + 1
    while i < len(text):
        c = text[i]
        if c in "\"'":
            q, i = c, i + 1
            while i < len(text) and text[i] != q:
                i += 2 if text[i] == "\\" else 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append((text[a:i].strip(), a))
                return args, i
        elif c == "," and depth == 1:
            args.append((text[a:i].strip(), a))
            a = i + 1
        i += 1
    return args, i


def events_of(arg, rows):
    """The registered IDs an event argument names (a ternary may name several)."""
    ids = re.findall(r"\bAUDIT_EV_(\w+)\b", arg) + re.findall(r"\bAUDIT_EV\(\s*(\w+)\s*\)", arg)
    return [i for i in ids if i in rows]


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "daemon"
    rows = registry(os.path.join(top, "audit.h"))
    bad = []
    if len(rows) < 10:
        bad.append("%s/audit.h: only %d events registered" % (top, len(rows)))
    sources = {p: strip_comments(open(p, encoding="utf-8").read())
               for p in sorted(glob.glob(os.path.join(top, "*.[ch]")))}
    users = {p: t for p, t in sources.items()
             if p.endswith(".c") and os.path.basename(p) != "audit.c"}

    for ident, (name, _) in sorted(rows.items()):
        pat = re.compile(r"\bAUDIT_EV_%s\b|\bAUDIT_EV\(\s*%s\s*\)|\bAUDIT_E_%s\b" %
                         (ident, ident, ident))
        if not any(pat.search(t) for t in users.values()):
            bad.append("event %s (AUDIT_EV_%s) is registered but never written" % (name, ident))
        for p, t in sources.items():
            if os.path.basename(p) == "audit.h":
                continue
            for m in re.finditer(re.escape('"%s"' % name), t):
                bad.append("%s:%d: the event %s spelled as a literal (use AUDIT_EV_%s)" %
                           (p, t.count("\n", 0, m.start()) + 1, name, ident))

    calls = 0
    for p, t in users.items():
        for fn, pos in CALLS.items():
            for m in re.finditer(r"\b%s\s*\(" % fn, t):
                line = t.count("\n", 0, m.start()) + 1
                before = t[max(0, m.start() - 40):m.start()]
                if re.search(r"(int|void)\s+\**$", before):
                    continue  # the definition or a prototype
                args, _ = split_args(t, m.end() - 1)
                if len(args) <= pos:
                    bad.append("%s:%d: %s() with %d arguments" % (p, line, fn, len(args)))
                    continue
                calls += 1
                ev = args[pos][0]
                if '"' in ev:
                    bad.append("%s:%d: %s() passes a literal event %s (name it by its "
                               "AUDIT_EV_* of AUDIT_EVENTS)" % (p, line, fn, ev))
                    continue
                ids = events_of(ev, rows)
                if fn != "trail_audit" or not ids:
                    if fn == "trail_audit":
                        bad.append("%s:%d: trail_audit() event '%s' is not a registered "
                                   "AUDIT_EV_*" % (p, line, ev))
                    continue
                keys = [a for a, _ in args[pos + 1::2] if a != "NULL"]
                if not all(re.match(r'^"[a-z][a-z0-9_]*"$', k) for k in keys):
                    continue  # computed keys: not checked here
                keys = {k.strip('"') for k in keys}
                for ident in ids:
                    name, reg = rows[ident]
                    allowed = {k.strip("[]") for k in reg}
                    needed = {k for k in reg if not k.startswith("[")}
                    if keys - allowed:
                        bad.append("%s:%d: %s carries %s, not registered for it" %
                                   (p, line, name, ", ".join(sorted(keys - allowed))))
                    if needed - keys:
                        bad.append("%s:%d: %s lacks %s" %
                                   (p, line, name, ", ".join(sorted(needed - keys))))
    if calls < 10:
        bad.append("only %d audit calls found in %s/*.c: is the parser broken?" % (calls, top))
    for b in bad:
        print("check-audit-events: " + b)
    print("check-audit-events: %d events registered, %d calls checked, %d problem(s)" %
          (len(rows), calls, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
