#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_report.sh: the auditor's report (issue 11: R96, R107, R109), through the public interface,
# checked in a real browser.
#   sansod runs conf/breakout.conf (zones, flows, an exception, breakout services) with a
#   second service whose ISMAP registration ends within 30 days, and an attacker's purpose
#   string full of markup. sansoctl report -o FILE writes one HTML page; headless Chromium
#   loads it (tests/netns/cdp.py, the DevTools protocol over a pipe): no console error, no
#   failed load, no script or image element (the markup stayed text), the tables' rows match
#   the policy as `sansod -n -v` prints it (flows, exceptions, services, zones), the SVG has
#   one node per zone. --format pdf prints it; pdftotext finds the organisation and the zone
#   names in Japanese. Without a browser, --format pdf says what to install and writes
#   nothing. Under CI=true a missing chromium fails the test (cannot_run).
#   sansod keeps a flow log (--flow-log): real mail-text connections (internet>lgwan, decided
#   by the kernel alone) show as the kernel's count in the flows table, the flow log is
#   verified intact (R84 met); one byte of a segment changed shows as broken, with its
#   segment and line (R84 to be fixed).
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
BROWSER=$(command -v chromium || command -v chromium-browser || true)
[[ -n $BROWSER ]] || cannot_run "chromium not installed (apt-get install chromium fonts-noto-cjk)"
command -v pdftotext >/dev/null || cannot_run "pdftotext not installed (apt-get install poppler-utils)"
fc-list :lang=ja 2>/dev/null | grep -q . || cannot_run "no Japanese font (apt-get install fonts-noto-cjk)"
for tool in runuser useradd userdel groupadd groupdel python3; do
	command -v "$tool" >/dev/null || cannot_run "$tool not installed"
done
CDP=$SANSO_ROOT/tests/netns/cdp.py

# an auditor and an operator (removed on every exit, before lib.sh's cleanup)
P=rp$$
USERS=()
GROUPS_MADE=()
roles_cleanup()
{
	local u g
	for u in "${USERS[@]}"; do
		userdel "$u" 2>/dev/null
	done
	for g in "${GROUPS_MADE[@]}"; do
		groupdel "$g" 2>/dev/null
	done
	return 0
}
trap 'rc=$?; set +e; roles_cleanup; (exit $rc); cleanup' EXIT
for g in sanso-audit sanso-operator; do
	if ! getent group "$g" >/dev/null; then
		groupadd -r "$g" && GROUPS_MADE+=("$g")
	fi
done
useradd -M -N -s /usr/sbin/nologin -G sanso-audit "${P}aud" && USERS+=("${P}aud")
useradd -M -N -s /usr/sbin/nologin -G sanso-operator "${P}op" && USERS+=("${P}op")
lab_up

CTL=$TMP/control
STATE=$TMP/state
AUDIT=$TMP/audit.jsonl
POLICY=$TMP/policy.conf
FLOWS=$TMP/flows
mkdir -p "$STATE" "$FLOWS"
# every exception ends in an hour (within 30 days: highlighted); a classification label; an
# attacker's purpose (markup, an event handler, a script, quotes, an ampersand); a second
# service whose registration ends in 20 days
soon=$(date -d "+20 days" +%Y-%m-%d)
conf_with_expiry 3600 "$SANSO_ROOT/conf/breakout.conf" "$POLICY"
sed -i -e 's/^\(policy: *{\)/\1 classification = "機密性2";/' \
	-e 's|purpose = "電子申請の受付通知"|purpose = "<img src=x onerror=\\"console.error(1)\\"><script>console.error(2)</script> \& \\"q\\" '"'"'s"|' \
	"$POLICY"
sed -i "/name = \"Allowed SaaS\"/i\\
    { name = \"Expiring SaaS\"; type = \"cloud\"; ismap = \"C22-0100-1\"; ismap_valid_until = \"$soon\";\\
      fqdns = [\"app.expiring.example\"]; ports = [443]; approval = \"AP-2026-011\"; }," "$POLICY"
check "the test policy is valid" "$SANSOD" -n -f "$POLICY"

# What the policy holds, as sansod prints it normalized: entries of a list section.
entries() {
	"$SANSOD" -n -v -f "$POLICY" 2>/dev/null | awk -v s="$1" '
		$0 ~ "^[[:space:]]*" s ": \\($" { on = 1; next }
		on && /^[[:space:]]*\);/ { on = 0 }
		on && /^[[:space:]]*\{ / { n++ }
		END { print n + 0 }'
}
zone_ids() {
	"$SANSOD" -n -v -f "$POLICY" 2>/dev/null | awk '
		/^zones: \{$/ { on = 1; next }
		on && /^\};/ { on = 0 }
		on && /^[[:space:]]+[A-Za-z0-9_-]+: \{/ { sub(/^[[:space:]]+/, ""); sub(/:.*/, ""); print }' |
		sort | tr '\n' ' '
}
N_FLOWS=$(entries flows)
N_EXC=$(entries exceptions)
N_SVC=$(entries services)
ZONES=$(zone_ids)
check "the policy has flows, an exception, two services, zones" \
	test "$N_FLOWS" -gt 3 -a "$N_EXC" -ge 1 -a "$N_SVC" -eq 2 -a -n "$ZONES"

: >"$DLOG"
ip netns exec "$LAB-gw" "$SANSOD" -f "$POLICY" --control "$CTL" --state-dir "$STATE" \
	--audit "$AUDIT" --flow-log "$FLOWS" >>"$DLOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")
check "sansod starts" wait_log "applied generation" 1
check "the control socket is there" poll 50 test -S "$CTL"
check "sansod reads the flow log's NFLOG group" wait_log "flow log: NFLOG group" 1

# accepted cross-zone connections the kernel decides alone: counted from the flow log
serve lg tcp 10.20.0.25 25
for i in 1 2 3; do
	check "mail-text (internet>lgwan, kernel-decided) passes, connection $i" \
		tcp_ok in 10.30.0.25 10.20.0.25 25
done
mail_logged() { grep -h '"event_type":"flow"' "$FLOWS"/flows-*.jsonl 2>/dev/null | grep -q '"name":"mail-text"'; }
check "the accepted connections are in the flow log" poll 50 mail_logged
ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
exit_of() { "$@" >"$TMP/out" 2>&1; echo $?; }
check "isolate juki-01 (a row of the isolations)" ctl isolate juki-01 --reason "report drill"

check "a proposed exception (the ledger: a row of its own)" \
	ctl exception add EX-REPORT-1 --from admin-01 --to e-apply --proto tcp --ports 443 \
	--reason "report drill" --requested-by tanaka --expires "$(date -d "+2 days" +%Y-%m-%dT%H:%M:%S%:z)"
check "a proposed maintenance window" ctl maintenance open --vendor "Vendor K.K." \
	--from 10.30.0.77 --to e-apply --proto tcp --ports 22 --until +2h --reason "report drill"
refute "a ping from LGWAN to the Internet zone is refused (counted in the matrix)" \
	ping_ok lg 10.20.0.10 10.30.0.100

check_eq "report without -o is a usage error (exit 2)" 2 "$(exit_of ctl report)"
check_eq "report --lang fr is a usage error (exit 2)" 2 "$(exit_of ctl report --lang fr -o "$TMP/x.html")"
check "report -o r.html (exit 0)" ctl report -o "$TMP/r.html"
check "no temporary file is left" test ! -e "$TMP/r.html.tmp"
check "the file is not world-readable (R110)" bash -c "[[ \$(stat -c %a '$TMP/r.html') == 6[04]0 ]]"
check "the page is Japanese by default" grep -q '<html lang="ja">' "$TMP/r.html"
check "report --lang en (exit 0)" ctl report --lang en -o "$TMP/r-en.html"
check "--lang en: an English page" grep -q '<html lang="en">' "$TMP/r-en.html"
check "self-contained: no src=, href= or url( of its own" \
	bash -c "! grep -Eq '<(script|link|img|iframe)|url\\(' '$TMP/r.html'"
check "the attacker's markup is escaped in the file" grep -q '&lt;img src=x onerror=&quot;' "$TMP/r.html"

# ---- a real browser ----
EXPR='JSON.stringify({
  flows: document.querySelectorAll("#flows tr.row").length,
  exceptions: document.querySelectorAll("#exceptions tr.row").length,
  proposed: [...document.querySelectorAll("#exceptions tr.row")].filter(r => r.textContent.includes("EX-REPORT-1") && r.textContent.includes("申請中")).length,
  windows: document.querySelectorAll("#windows tr.row").length,
  services: document.querySelectorAll("#services tr.row").length,
  soon: document.querySelectorAll("#services tr.row.soon").length,
  soon_exc: document.querySelectorAll("#exceptions tr.row.soon").length,
  isolations: document.querySelectorAll("#isolations tr.row").length,
  zones: [...document.querySelectorAll("svg#zones g.zone")].map(g => g.dataset.zone).sort().join(" ") + " ",
  nodes: document.querySelectorAll("svg#zones g.zone").length,
  edges: document.querySelectorAll("svg#zones g.edge").length,
  forbidden: document.querySelectorAll("svg#zones g.forbidden").length,
  matrix: document.querySelectorAll("#matrix tr.row").length,
  checks: document.querySelectorAll("#checklist tr.row").length,
  grades: [...document.querySelectorAll("#checklist td.grade")].every(td => "○△×−".includes(td.textContent)),
  live: document.querySelectorAll("script, img, iframe, object").length,
  purpose: [...document.querySelectorAll("#flows td")].some(td => td.textContent.includes("<img src=x onerror=\"console.error(1)\"><script>")),
  org: document.querySelector("#summary").textContent.includes("紫波町"),
  versions: document.querySelectorAll("#versions tr.row").length,
  audit: document.querySelector("#audit-state td").className,
  flowlog_verify: document.querySelector("#flowlog-verify td").className,
  flowlog_text: document.querySelector("#flowlog-verify td").textContent,
  mail_hits: (() => {
    const row = [...document.querySelectorAll("#flows tr.row")].find(r => r.children[0].textContent === "mail-text");
    const td = row && row.querySelector("td.hits");
    return td ? td.dataset.src + " " + td.dataset.n : "none";
  })(),
  mail_label: (() => {
    const row = [...document.querySelectorAll("#flows tr.row")].find(r => r.children[0].textContent === "mail-text");
    const td = row && row.querySelector("td.hits .count");
    return td ? td.textContent : "none";
  })(),
  r84: [...document.querySelectorAll("#checklist tr.row")].find(r => r.children[0].textContent === "R84").children[2].textContent,
  drift: document.querySelector("#drift-state td").className,
  proof: document.querySelector("#proof-state td").className,
  refused: (() => {
    const rows = [...document.querySelectorAll("#matrix tr")];
    const col = [...rows[0].children].findIndex(th => th.textContent === "internet");
    const row = rows.find(r => r.children[0].textContent === "lgwan");
    const m = row.children[col].textContent.match(/遮断 (\d+)/);
    return m ? Number(m[1]) : -1;
  })()
})'
check "headless chromium loads the page" \
	bash -c "python3 '$CDP' '$BROWSER' 'file://$TMP/r.html' '$EXPR' >'$TMP/dom.json'"
val() { python3 -c "import json,sys; d=json.load(open('$TMP/dom.json')); v=json.loads(d['value']); print(v['$1'])"; }
check_eq "no console error, exception or failed load" "[]" \
	"$(python3 -c "import json; print(json.load(open('$TMP/dom.json'))['errors'])")"
check_eq "flows: one row per flow of the policy" "$N_FLOWS" "$(val flows)"
check_eq "exceptions: one row per exception of the policy, and the proposed one" \
	"$((N_EXC + 1))" "$(val exceptions)"
check_eq "the proposed exception is shown as proposed" 1 "$(val proposed)"
check_eq "the maintenance window is listed" 1 "$(val windows)"
check_eq "services: one row per breakout service" "$N_SVC" "$(val services)"
check_eq "the service expiring within 30 days is highlighted (only it)" 1 "$(val soon)"
check_eq "the exception ending in an hour is highlighted" "$N_EXC" "$(val soon_exc)"
check_eq "the SVG has one node per zone, named by its id" "$ZONES" "$(val zones)"
check_eq "the matrix has a row per zone" "$(wc -w <<<"$ZONES")" "$(val matrix)"
check "the SVG has edges (allowed paths)" test "$(val edges)" -gt 0
check_eq "My Number and the Internet: one forbidden pair drawn" 1 "$(val forbidden)"
check "the checklist has at least 15 rows" test "$(val checks)" -ge 15
check_eq "every grade is ○, △, × or −" True "$(val grades)"
check_eq "attacker: no script, img, iframe or object element in the page" 0 "$(val live)"
check_eq "attacker: the purpose is shown as text" True "$(val purpose)"
check_eq "the summary names the organisation" True "$(val org)"
check_eq "the isolation is listed" 1 "$(val isolations)"
check "the store's versions are listed" test "$(val versions)" -ge 1
check_eq "the audit trail is verified intact" ok "$(val audit)"
check_eq "drift: in sync" ok "$(val drift)"
prove_rc=0
ctl prove >"$TMP/prove.out" 2>&1 || prove_rc=$?
want=ok
[[ $prove_rc == 1 ]] && want=ng
check_eq "the report's proof of the kernel's table agrees with sansoctl prove (exit $prove_rc)" \
	"$want" "$(val proof)"
check_eq "the flow log is verified intact now" ok "$(val flowlog_verify)"
check "the verification says segments and lines" \
	bash -c "grep -Eq '^改ざんなし: [1-9][0-9]* セグメント、[1-9][0-9]* 行' <<<'$(val flowlog_text)'"
check_eq "the flow log has a line per mail-text connection" 3 \
	"$(grep -h '"event_type":"flow"' "$FLOWS"/flows-*.jsonl | grep -c '"name":"mail-text"')"
check_eq "the flows table counts mail-text's 3 connections (the kernel's, from the flow log)" \
	"kernel 3" "$(val mail_hits)"
check_eq "the count is marked as the kernel's lower bound" "カーネル（下限）" "$(val mail_label)"
check_eq "R84 (flow log written, chain intact): met" "○" "$(val r84)"
check "the matrix counts the refused ping (lgwan -> internet)" test "$(val refused)" -ge 1

# ---- PDF ----
check "report --format pdf -o r.pdf (exit 0)" ctl report --format pdf -o "$TMP/r.pdf"
check_eq "it is a PDF" "%PDF" "$(head -c4 "$TMP/r.pdf")"
check "the PDF is not world-readable (R110)" bash -c "[[ \$(stat -c %a '$TMP/r.pdf') == 6[04]0 ]]"
check "pdftotext reads it" bash -c "pdftotext -layout '$TMP/r.pdf' '$TMP/r.txt'"
for w in 紫波町 機密性2 マイナンバー利用事務系 LGWAN接続系 インターネット接続系 電子申請DMZ 自己点検; do
	check "the PDF's text has $w" grep -q "$w" "$TMP/r.txt"
done
check_eq "no browser: --format pdf fails (exit 1)" 1 \
	"$(SANSO_CHROMIUM=/nonexistent/chromium exit_of ctl report --format pdf -o "$TMP/none.pdf")"
check "the message says what to install" grep -q "apt-get install chromium fonts-noto-cjk" "$TMP/out"
check "and no file is written" test ! -e "$TMP/none.pdf"
check "the same page with sansod's help unreachable is not made" \
	bash -c "! '$SANSOCTL' -s '$TMP/nosocket' report -o '$TMP/n.html' 2>/dev/null && test ! -e '$TMP/n.html'"
# ---- roles: the auditor may, the operator may not ----
chmod 0711 "$TMP"
mkdir -m 0755 "$TMP/bin"
cp "$SANSOCTL" "$TMP/bin/sansoctl"	# reachable by every user
mkdir -m 0700 "$TMP/aud" && chown "${P}aud" "$TMP/aud"
as() { local u=$P$1; shift; runuser -u "$u" -- "$TMP/bin/sansoctl" -s "$CTL" "$@"; }
check "an auditor (sanso-audit) makes the report" as aud report -o "$TMP/aud/r.html"
check "an auditor makes the PDF (chromium as that user, its own sandbox)" \
	as aud report --format pdf -o "$TMP/aud/r.pdf"
check_eq "the auditor's PDF is a PDF" "%PDF" "$(head -c4 "$TMP/aud/r.pdf")"
check "the auditor's browser left no scratch directory" \
	bash -c "! ls -d /tmp/sansoctl-report.* 2>/dev/null | xargs -r stat -c %U | grep -qx '${P}aud'"
check_eq "an operator (sanso-operator) is refused (exit 4)" 4 \
	"$(exit_of as op report -o /tmp/op-report.html)"
check "the operator's refusal wrote no file" test ! -e /tmp/op-report.html
check_eq "a user without a role is refused (exit 4)" 4 \
	"$(exit_of setpriv --reuid=nobody --regid=nogroup --clear-groups "$SANSOCTL" -s "$CTL" report -o /tmp/nobody-report.html)"

# ---- the flow log tampered with: one byte of a segment ----
seg=$(grep -l '"event_type":"flow"' "$FLOWS"/flows-*.jsonl | head -1)
check "a segment holds the mail-text lines" test -n "$seg"
line=$(grep -n '"event_type":"flow"' "$seg" | grep '"dest_port":25' | head -1 | cut -d: -f1)
check "and the line to change is found" test -n "$line"
sed -i "${line}s/\"dest_port\":25/\"dest_port\":26/" "$seg"
check "one byte changed" bash -c "sed -n '${line}p' '$seg' | grep -q '\"dest_port\":26'"
check "report after the change (exit 0)" ctl report --lang en -o "$TMP/t.html"
check "the report shows the flow log broken at that segment and line" \
	grep -q "id=\"flowlog-verify\"><th>flow log verified now</th><td class=\"ng\">BROKEN: segment $(basename "$seg"), line $line: " "$TMP/t.html"
check "R84 is to be fixed (×)" \
	bash -c "grep -q '<tr class=\"row grade-2\"><td>R84</td>' '$TMP/t.html'"
check "report in Japanese after the change (exit 0)" ctl report -o "$TMP/t-ja.html"
check "in Japanese too: segment and line" \
	grep -q "改ざんを検出: セグメント $(basename "$seg") の $line 行目" "$TMP/t-ja.html"
finish
