#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""--help, the man pages (English and Japanese) and the README name the same commands and
options of sansoctl and sansod, in both directions. The commands are those of the protocol
table as sansoctl was built with it (the hidden `sansoctl --list-commands`): every request has
a command, and the ROLES section of each man page gives each role's group (sanso-ciso,
sanso-admin, sanso-operator, sanso-audit, sanso-contractor) exactly the commands the table lets
it send. Prints PASS/FAIL lines, exits 1 on any FAIL.
usage: agree.py SANSOD SANSOCTL   (run from the top of the tree)"""
import os
import re
import subprocess
import sys

fails = 0
passes = 0


def check(ok, what):
    global fails, passes
    print(("PASS " if ok else "FAIL ") + what)
    if ok:
        passes += 1
    else:
        fails += 1


def helptext(prog):
    env = dict(os.environ, LANG="C", LC_ALL="C")
    return subprocess.run([prog, "--help"], capture_output=True, text=True, env=env,
                          check=True).stdout


OPT = re.compile(r"(?<![\w-])(--[a-z][a-z-]*[a-z]|-[a-z])(?![\w-])")


def table_commands(prog):
    """{command: [(request, roles)]} from `sansoctl --list-commands` (roles: a set of role
    names, or {"local"})."""
    env = dict(os.environ, LANG="C", LC_ALL="C")
    out = subprocess.run([prog, "--list-commands"], capture_output=True, text=True, env=env,
                         check=True).stdout
    cmds = {}
    for line in out.splitlines():
        name, request, roles = line.split("\t")
        cmds.setdefault(name, []).append((request, set(roles.split(","))))
    return cmds


def help_commands(text):
    cmds = set()
    for line in text.splitlines():
        m = re.match(r"^  ([a-z][a-z -]*?[a-z])(?: {2,}|$)", line)
        if m:
            cmds.add(m.group(1))
    return cmds


def help_options(text):
    text = re.sub(r"\(sansod[^)]*\)", "", text)          # sansoctl check: sansod's own flags
    text = re.sub(r"\(e\.g\.[^)]*\)|\(default[^)]*\)", "", text)
    return set(OPT.findall(text))


def unroff(s):
    s = s.replace("\\-", "-").replace("\\(em", "-")
    s = re.sub(r"\\f[BIRP]", "", s)
    return s


def roff_tag(line):
    """The text of a .TP tag line, without macros and fonts."""
    line = line.strip()
    m = re.match(r"^\.(B|BR|BI|I|IR|RB)\s+(.*)$", line)
    if m:
        args = re.findall(r'"([^"]*)"|(\S+)', m.group(2))
        words = [a or b for a, b in args]
        return unroff(" ".join(words))
    return unroff(line)


# The Japanese pages' section headings.
JA = {"オプション": "OPTIONS", "コマンド": "COMMANDS", "動作モード": "MODES", "役割": "ROLES"}


def man_sections(path):
    """{section name: [lines]} of a roff page (Japanese headings under their English names)."""
    secs, cur = {}, None
    for line in open(path, encoding="utf-8"):
        m = re.match(r'^\.SH\s+"?([^"]*)"?\s*$', line)
        if m:
            cur = m.group(1).strip()
            cur = JA.get(cur, cur)
            secs[cur] = []
        elif cur:
            secs[cur].append(line.rstrip("\n"))
    return secs


def man_tags(lines):
    tags = []
    for i, line in enumerate(lines):
        if line.startswith(".TP") and i + 1 < len(lines):
            tags.append(roff_tag(lines[i + 1]))
    return tags


def man_bold_commands(path, section):
    """Commands of a COMMANDS section: the bold words that start each .TP tag."""
    cmds = set()
    lines = man_sections(path).get(section, [])
    for i, line in enumerate(lines):
        if not line.startswith(".TP") or i + 1 >= len(lines):
            continue
        tag = lines[i + 1].strip()
        m = (re.match(r"^\.B\s+([^\"]+)$", tag) or re.match(r'^\.B[IR]?\s+"([^"]+)"', tag)
             or re.match(r"^\.B[IR]?\s+(\S+)", tag) or re.match(r"^\\fB(.+?)\\fP", tag))
        if m:
            cmds.add(unroff(m.group(1)).strip())
    return {c for c in cmds if re.match(r"^[a-z]", c)}


ROLES = ("ciso", "admin", "operator", "audit", "contractor")


def man_role(path, role):
    """The commands the ROLES section gives the group sanso-ROLE: the bold words of its .TP
    paragraph (up to the next .TP or .PP)."""
    lines = man_sections(path).get("ROLES", [])
    cmds, inside = set(), False
    for i, line in enumerate(lines):
        if line.startswith(".TP") and i + 1 < len(lines):
            inside = re.search(r"sanso\\-%s\b" % role, lines[i + 1]) is not None
            continue
        if line.startswith(".PP") or line.startswith(".SH"):
            inside = False
        m = re.match(r'^\.BR?\s+(?:"([^"]+)"|(\S+))', line) if inside else None
        if m and not re.match(r"^\.BR?\s+sanso", line):
            cmds.add(unroff(m.group(1) or m.group(2)))
    return cmds


def man_options(path, sections):
    opts = set()
    secs = man_sections(path)
    for s in sections:
        for t in man_tags(secs.get(s, [])):
            opts |= set(OPT.findall(t))
    return opts


def man_all_options(path):
    return set(OPT.findall(unroff(open(path, encoding="utf-8").read())))


def readme_block(readme, heading):
    """The first ``` block after a heading."""
    text = open(readme, encoding="utf-8").read()
    i = text.index(heading)
    a = text.index("```", i)
    b = text.index("```", a + 3)
    return text[a + 3:b].split("\n", 1)[1]


def readme_ctl_commands(block):
    cmds = set()
    for line in block.splitlines():
        if not line.startswith("sansoctl "):
            continue
        body = re.sub(r"\(.*?\)\s*$", "", line[len("sansoctl "):])
        for seg in re.split(r" \| ", body):
            words = []
            for w in seg.split():
                if not re.match(r"^[a-z][a-z-]*$", w):
                    break
                words.append(w)
            if words:
                cmds.add(" ".join(words))
    return cmds


def agree(what, have, want, where):
    missing = sorted(want - have)
    check(not missing, "%s: %s%s" % (what, where, (" lacks " + ", ".join(missing)) if missing else ""))


def main():
    sansod, sansoctl = sys.argv[1], sys.argv[2]
    ctl_help, d_help = helptext(sansoctl), helptext(sansod)
    ctl_cmds, ctl_opts = help_commands(ctl_help), help_options(ctl_help)
    d_opts = help_options(d_help)
    table = table_commands(sansoctl)
    orphans = sorted(r for n, rs in table.items() if n == "-" for r, _ in rs)
    check(not orphans, "every request of the protocol table has a sansoctl command%s" %
          (": not " + ", ".join(orphans) if orphans else ""))
    table.pop("-", None)
    t_cmds = set(table)
    role_cmds = {role: {n for n, rs in table.items() if all(role in r for _, r in rs)}
                 for role in ROLES}
    audit_cmds = role_cmds["audit"]
    local_cmds = {n for n, rs in table.items() if all("local" in r for _, r in rs)}
    check(len(t_cmds) >= 20 and {"exception add", "breakout revoke", "audit verify",
                                 "isolate", "diff"} <= t_cmds,
          "sansoctl --list-commands lists its commands (%d)" % len(t_cmds))
    check({"status", "exception list"} <= audit_cmds and not {"reload", "isolate"} & audit_cmds,
          "the table gives sanso-audit the read-only commands (%d)" % len(audit_cmds))
    agree("sansoctl commands of the table", ctl_cmds, t_cmds, "--help")
    agree("sansoctl commands of --help", t_cmds, ctl_cmds, "the table")
    check(len(d_opts) >= 12, "sansod --help lists its options (%d)" % len(d_opts))

    ctl_block = readme_block("README.md", "## Operations: sansoctl")
    d_block = readme_block("README.md", "## Running it")
    r_cmds = readme_ctl_commands(ctl_block)
    agree("sansoctl commands of the table", r_cmds, t_cmds, "README")
    agree("sansoctl commands of README", t_cmds, r_cmds, "the table")
    agree("sansoctl options of --help", set(OPT.findall(ctl_block)), ctl_opts, "README")
    agree("sansoctl options of README", ctl_opts, set(OPT.findall(ctl_block)), "--help")
    agree("sansod options of --help", set(OPT.findall(d_block)), d_opts, "README")
    agree("sansod options of README", d_opts, set(OPT.findall(d_block)), "--help")

    for lang in ("", "ja/"):
        ctl_man, d_man = "doc/man/%ssansoctl.8" % lang, "doc/man/%ssansod.8" % lang
        if not os.path.exists(ctl_man) or not os.path.exists(d_man):
            check(False, "%s and %s exist" % (ctl_man, d_man))
            continue
        m_cmds = {c for c in man_bold_commands(ctl_man, "COMMANDS") if not c.startswith("sanso-")}
        agree("sansoctl commands of the table", m_cmds, t_cmds, ctl_man)
        agree("sansoctl commands of " + ctl_man, t_cmds, m_cmds, "the table")
        for role in ROLES:
            m_role = man_role(ctl_man, role) - local_cmds
            check(bool(m_role), "%s ROLES has a paragraph for sanso-%s" % (ctl_man, role))
            agree("sanso-%s commands of the table" % role, m_role, role_cmds[role],
                  ctl_man + " ROLES")
            agree("sanso-%s commands of %s ROLES" % (role, ctl_man), role_cmds[role], m_role,
                  "the table")
        agree("sansoctl options of --help", man_all_options(ctl_man), ctl_opts, ctl_man)
        agree("sansoctl options of %s OPTIONS" % ctl_man, ctl_opts,
              man_options(ctl_man, ["OPTIONS"]), "--help")
        agree("sansod options of --help", man_options(d_man, ["MODES", "OPTIONS"]), d_opts, d_man)
        agree("sansod options of %s MODES/OPTIONS" % d_man, d_opts,
              man_options(d_man, ["MODES", "OPTIONS"]), "--help")
    print("%d passed, %d failed" % (passes, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
