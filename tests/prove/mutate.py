#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# mutate.py RULESET.json POLICY SANSOCTL: mutation testing of `sansoctl prove` (issue #13).
# Applies the mistakes a compiler bug could make to the kernel's own JSON (drop one match, widen
# a prefix or a port, move an element to another map, swap two verdicts, reorder two rules, drop
# the anti-spoof jump, add an accept) and runs the proof on each mutant. The unmutated ruleset
# must prove (exit 0). Killed: exit 1. Survivors are split by the kernel-side matrix: same
# matrix and no witness -> counted equivalent-or-narrowing, else survived (a miss).
import copy, json, subprocess, sys, tempfile, os

src, policy, ctl = sys.argv[1], sys.argv[2], sys.argv[3]
base = json.load(open(src))
objs = base["nftables"]

def rules():
    return [i for i, o in enumerate(objs) if "rule" in o]

def verdict(st):
    return next((k for k in ("accept", "drop", "jump", "goto", "queue", "xt", "reject") if k in st), None)

def mutants():
    rs = rules()
    for i in rs:
        ex = objs[i]["rule"]["expr"]
        for j, st in enumerate(ex):
            if "match" in st:
                m = copy.deepcopy(objs); del m[i]["rule"]["expr"][j]
                yield "drop match %d of %s/%d" % (j, objs[i]["rule"]["chain"], objs[i]["rule"]["handle"]), m
        if objs[i]["rule"]["chain"] == "prerouting" and any("jump" in st and st["jump"]["target"].startswith("spoof") for st in ex):
            m = copy.deepcopy(objs); del m[i]
            yield "drop anti-spoof jump %s/%d" % ("prerouting", objs[i]["rule"]["handle"]), m
    for a, b in zip(rs, rs[1:]):
        if objs[a]["rule"]["chain"] == objs[b]["rule"]["chain"]:
            m = copy.deepcopy(objs); m[a], m[b] = m[b], m[a]
            yield "reorder %s/%d,%d" % (objs[a]["rule"]["chain"], objs[a]["rule"]["handle"], objs[b]["rule"]["handle"]), m
            va = [k for k, st in enumerate(objs[a]["rule"]["expr"]) if verdict(st)]
            vb = [k for k, st in enumerate(objs[b]["rule"]["expr"]) if verdict(st)]
            if va and vb and verdict(objs[a]["rule"]["expr"][va[-1]]) != verdict(objs[b]["rule"]["expr"][vb[-1]]):
                m = copy.deepcopy(objs)
                ea, eb = m[a]["rule"]["expr"], m[b]["rule"]["expr"]
                ea[va[-1]], eb[vb[-1]] = eb[vb[-1]], ea[va[-1]]
                yield "swap verdicts %s/%d,%d" % (objs[a]["rule"]["chain"], objs[a]["rule"]["handle"], objs[b]["rule"]["handle"]), m
    chains = sorted({objs[i]["rule"]["chain"] for i in rs})
    for c in chains:
        first = next(i for i in rs if objs[i]["rule"]["chain"] == c)
        m = copy.deepcopy(objs)
        m.insert(first, {"rule": {"family": "inet", "table": "sanso", "chain": c, "handle": 99999, "expr": [{"accept": None}]}})
        yield "add accept at the top of %s" % c, m
    sets = [i for i, o in enumerate(objs) if ("map" in o or "set" in o) and (o.get("map") or o.get("set")).get("elem")]
    for i in sets:
        kind = "map" if "map" in objs[i] else "set"
        s = objs[i][kind]
        for j, e in enumerate(s["elem"]):
            w = widen(e)
            if w is not None:
                m = copy.deepcopy(objs); m[i][kind]["elem"][j] = w
                yield "widen element %d of %s" % (j, s["name"]), m
        for k in sets:
            t = objs[k].get(kind)
            if k != i and t and t.get("type") == s.get("type") and t.get("map") == s.get("map"):
                m = copy.deepcopy(objs)
                m[k][kind]["elem"].append(m[i][kind]["elem"].pop(0))
                yield "move element 0 of %s to %s" % (s["name"], t["name"]), m

def widen_val(v):
    if isinstance(v, dict) and "prefix" in v and v["prefix"]["len"] > 8:
        v = copy.deepcopy(v); v["prefix"]["len"] -= 8; return v
    if isinstance(v, str) and v.count(".") == 3:
        return {"prefix": {"addr": v, "len": 24}}
    if isinstance(v, str) and ":" in v and len(v) > 17:
        return {"prefix": {"addr": v, "len": 64}}
    if isinstance(v, int) and 0 < v < 65536 and v not in (6, 17, 1, 58):
        return {"range": [1, 65535]}
    return None

def widen(e):
    key = e[0] if isinstance(e, list) else e
    if isinstance(key, dict) and "elem" in key:
        key = key["elem"]["val"]
    if isinstance(key, dict) and "concat" in key:
        for n, v in enumerate(key["concat"]):
            w = widen_val(v)
            if w is not None:
                e2 = copy.deepcopy(e)
                k2 = e2[0] if isinstance(e2, list) else e2
                if isinstance(k2, dict) and "elem" in k2:
                    k2 = k2["elem"]["val"]
                k2["concat"][n] = w
                return e2
    return None

def prove(o):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"nftables": o}, f); p = f.name
    r = subprocess.run([ctl, "prove", "--json", "--dump", p, "-f", policy], capture_output=True, text=True)
    os.unlink(p)
    return r.returncode, r.stdout

rc, out0 = prove(objs)
if rc != 0:
    print("FAIL baseline: exit %d (false alarm on the unmutated ruleset)" % rc); sys.exit(1)
print("PASS baseline proven")
m0 = json.loads(out0)["matrix"]
killed = equiv = survived = errors = 0
for name, m in mutants():
    rc, out = prove(m)
    if rc == 1:
        killed += 1
    elif rc == 0 and json.loads(out)["matrix"] == m0:
        equiv += 1
    elif rc == 0:
        survived += 1; print("no witness, matrix changed: " + name)
    else:
        errors += 1; print("cannot evaluate: " + name)
total = killed + survived
print("mutants: %d killed (witness), %d no witness with a changed box count, %d no witness and the same matrix, %d not evaluable"
      % (killed, survived, equiv, errors))
print("kill rate: %d/%d mutants (killed / killed + changed-without-witness)" % (killed, total))
sys.exit(1 if errors else 0)
