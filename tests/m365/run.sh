#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Tests of tools/m365-to-sanso (Microsoft 365 endpoints JSON -> sanso breakout services).
#  * golden: the converter's stdout and stderr for a few option sets must equal
#    tests/m365/NAME.expected and NAME.err.expected;
#  * every golden fragment, put into a minimal three-tier policy, must be accepted by
#    `sansod -n` (and a fragment with an approval removed must be refused, to show the check bites);
#  * the output does not depend on the order of the input;
#  * malformed inputs exit 1 and bad options exit 2, with the documented messages.
# The sample tests/m365/endpoints-worldwide.json is hand-written after the real Worldwide feed
# (ids, names, prefixes, ports as published around 2025), not a verbatim copy.
# --update rewrites the golden files (review the diff before committing).
# Environment: PYTHON (default python3), SANSOD (default build/sansod, built if missing), NOW.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
dir=tests/m365
PYTHON=${PYTHON:-python3}
SANSOD=${SANSOD:-build/sansod}
NOW=${NOW:-1790000000}
update=0
[ "${1:-}" = --update ] && update=1
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; exit; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
	ko "$PYTHON not found: tools/m365-to-sanso needs python3 (Debian: python3-minimal)"
	finish
fi
if [ ! -x "$SANSOD" ] && [ "$SANSOD" = build/sansod ]; then
	echo "building $SANSOD"
	make -C "$root" --no-print-directory >"$tmp/make.log" 2>&1 || cat "$tmp/make.log"
fi
[ -x "$SANSOD" ] || { ko "$SANSOD is missing"; finish; }
case "$SANSOD" in /*) ;; *) SANSOD=$root/$SANSOD ;; esac

conv() { "$PYTHON" tools/m365-to-sanso "$@"; }
REG=(--ismap C21-0009-3 --ismap-valid-until 2027-03-31 --approval AP-2026-010)
SAMPLE=$dir/endpoints-worldwide.json

same() {	# name golden-file produced-file
	if [ "$update" = 1 ]; then
		cp "$3" "$2"
		ok "$1 (updated)"
	elif [ ! -e "$2" ]; then
		ko "$1: $2 is missing (run $0 --update)"
	elif diff -u "$2" "$3" >"$tmp/diff" 2>&1; then
		ok "$1"
	else
		ko "$1"
		head -40 "$tmp/diff"
	fi
}

# The minimal policy of the brief; $1: the services list body, $2: "upstreams" line or empty.
policy() {
	cat <<-EOF
	policy: { organisation = "m365-to-sanso test"; model = "three-tier"; };
	zones: {
	  mynumber: { interfaces = ["mn0"]; networks = ["10.10.0.0/24"]; };
	  lgwan:    { interfaces = ["lg0"]; networks = ["10.20.0.0/24"]; };
	  internet: { interfaces = ["in0"]; networks = ["any"]; };
	};
	groups: ( { name = "lg-terminals"; members = ["10.20.0.128/25"]; } );
	breakout: {
	  from = ["lgwan"];
	  resolvers = ["10.20.0.53"];
	  $2
	  services: (
	$1
	  );
	};
	EOF
}

# sansod -n on the policy around fragment $2, a file in $tmp (@include, relative to the
# policy as usual, or pasted with $3 = paste).
# Sets $sansod_rc; the output is in $tmp/sansod.log.
upstreams_note=0
run_sansod() {
	local body up='upstreams = ["10.30.0.53"];'
	if [ "${3:-}" = paste ]; then body=$(cat "$2"); else body="@include \"$(basename "$2")\""; fi
	policy "$body" "$up" >"$tmp/policy.conf"
	(cd "$tmp" && LANG=C "$SANSOD" -n -v --now "$NOW" -f policy.conf) >"$tmp/sansod.out" \
		2>"$tmp/sansod.log"
	sansod_rc=$?
	if grep -q "unknown key 'upstreams'" "$tmp/sansod.log"; then
		# breakout.upstreams is new; an older sansod does not know it yet
		[ "$upstreams_note" = 1 ] || echo "note: $SANSOD does not know breakout.upstreams; checking without it"
		upstreams_note=1
		policy "$body" "" >"$tmp/policy.conf"
		(cd "$tmp" && LANG=C "$SANSOD" -n -v --now "$NOW" -f policy.conf) \
			>"$tmp/sansod.out" 2>"$tmp/sansod.log"
		sansod_rc=$?
	fi
}

accepted() {	# name fragment [paste]
	run_sansod "$@"
	local want got
	want=$(grep -c '^{ name = ' "$2")
	got=$(grep -c 'name = "M365 ' "$tmp/sansod.out")
	if [ "$sansod_rc" = 0 ] && grep -q 'configuration OK' "$tmp/sansod.log" &&
	   [ "$want" = "$got" ]; then
		ok "$1: sansod -n accepts the fragment${3:+ ($3d)} ($got services)"
	else
		ko "$1: sansod -n refused the fragment (exit $sansod_rc, $got of $want services)"
		head -20 "$tmp/sansod.log"
	fi
}

golden() {	# name args...
	local name=$1 rc
	shift
	conv "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	if [ "$rc" != 0 ]; then
		ko "$name: exit $rc"
		cat "$tmp/$name.err"
		return
	fi
	same "$name: stdout" "$dir/$name.expected" "$tmp/$name.out"
	same "$name: stderr" "$dir/$name.err.expected" "$tmp/$name.err"
	cp "$tmp/$name.out" "$tmp/frag-$name.conf"
	accepted "$name" "$tmp/frag-$name.conf"
}

expect() {	# name exit-code stderr-substring args...
	local name=$1 want=$2 pat=$3 rc
	shift 3
	conv "$@" >"$tmp/x.out" 2>"$tmp/x.err" </dev/null
	rc=$?
	if [ "$rc" != "$want" ]; then
		ko "$name: exit $rc, expected $want"
		cat "$tmp/x.err"
	elif ! grep -qF -- "$pat" "$tmp/x.err"; then
		ko "$name: stderr lacks: $pat"
		cat "$tmp/x.err"
	elif [ "$want" != 0 ] && [ -s "$tmp/x.out" ]; then
		ko "$name: wrote to stdout although it failed"
	else
		ok "$name (exit $rc)"
	fi
}

# ---- golden outputs, each checked by sansod --------------------------------------------------
golden default "${REG[@]}" --tenant contoso --version 2025013000 "$SAMPLE"
golden ip-required-v4 "${REG[@]}" --tenant contoso --version 2025013000 --match ip \
	--required-only --no-ipv6 "$SAMPLE"
golden all-categories "${REG[@]}" --categories Optimize,Allow,Default "$SAMPLE"
golden quirks "${REG[@]}" --tenant contoso.onmicrosoft.com --version 2025020100 --match ip \
	--fix-prefixes "$dir/quirks.json"

# the pasted form too
if [ -s "$tmp/default.out" ]; then
	accepted default "$tmp/frag-default.conf" paste
	# the check bites: without an approval id sansod must refuse (I5)
	sed '0,/approval = /{/approval = /d}' "$tmp/default.out" >"$tmp/frag-noapproval.conf"
	run_sansod noapproval "$tmp/frag-noapproval.conf"
	if [ "$sansod_rc" = 1 ] && grep -q 'without an approval' "$tmp/sansod.log"; then
		ok "control: sansod refuses a service without approval"
	else
		ko "control: sansod accepted a service without approval (exit $sansod_rc)"
		head -5 "$tmp/sansod.log"
	fi
fi

# ---- every wildcard form of the real feed is kept (issue #16) ------------------------------------
for pat in '*cdn.onenote.net' 'autodiscover.*.onmicrosoft.com' '*.outlook.com'; do
	if grep -qF "\"$pat\"" "$tmp/all-categories.out"; then
		ok "pattern $pat is converted"
	else
		ko "pattern $pat is missing from the output"
		grep -F "$pat" "$tmp/default.err" "$tmp/all-categories.err" | head -3
	fi
done
if grep -q 'not a sanso DNS name' "$tmp/default.err" "$tmp/all-categories.err"; then
	ko "a pattern of the sample feed is dropped as not a sanso DNS name"
	grep -h 'not a sanso DNS name' "$tmp/default.err" "$tmp/all-categories.err" | head -3
else
	ok "no pattern of the sample feed is dropped as not a sanso DNS name"
fi
# the converter refuses what sansod refuses: over-broad and misplaced wildcards
printf '[{"id": 1, "serviceArea": "Common", "serviceAreaDisplayName": "x", "urls": ["%s", "ok.example.com"], "tcpPorts": "443", "category": "Allow", "required": true}]' \
	'x*.com", "a.*.com", "a.b*.example.com", "*cdn.*.net", "a**b.example.com", "-*x.example.com' \
	>"$tmp/broad.json"
conv "${REG[@]}" "$tmp/broad.json" >"$tmp/broad.out" 2>"$tmp/broad.err"
n=$(grep -c "dropped: not a sanso DNS name" "$tmp/broad.err")
if [ "$n" = 6 ] && grep -q '"ok.example.com"' "$tmp/broad.out" && ! grep -q '\*' <(grep '^    "' "$tmp/broad.out"); then
	ok "over-broad and misplaced wildcards are dropped (6 of 6)"
else
	ko "over-broad and misplaced wildcards: $n of 6 dropped"
	cat "$tmp/broad.err"
fi

# ---- determinism ---------------------------------------------------------------------------------
mkdir -p "$tmp/rev"
"$PYTHON" - "$SAMPLE" "$tmp/rev/endpoints-worldwide.json" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
for e in d:
    for k in ("urls", "ips"):
        if k in e:
            e[k].reverse()
    if "tcpPorts" in e:
        e["tcpPorts"] = ",".join(reversed(e["tcpPorts"].split(",")))
d.reverse()
with open(sys.argv[2], "w") as f:
    json.dump(d, f)
EOF
conv "${REG[@]}" --tenant contoso --version 2025013000 "$tmp/rev/endpoints-worldwide.json" \
	>"$tmp/rev.out" 2>"$tmp/rev.err"
if cmp -s "$tmp/rev.out" "$tmp/default.out" && cmp -s "$tmp/rev.err" "$tmp/default.err"; then
	ok "reordered input gives the same output"
else
	ko "reordered input gives a different output"
	diff -u "$tmp/default.out" "$tmp/rev.out" | head -20
fi
conv "${REG[@]}" --tenant contoso --version 2025013000 - <"$SAMPLE" >"$tmp/stdin.out" 2>/dev/null
if diff <(sed 1d "$tmp/default.out") <(sed 1d "$tmp/stdin.out") >/dev/null &&
   head -1 "$tmp/stdin.out" | grep -q 'from standard input$'; then
	ok "standard input (-) gives the same services"
else
	ko "standard input (-) gives different services"
fi

# ---- bad input: exit 1 ----------------------------------------------------------------------------
B=$dir/bad
expect "truncated JSON" 1 "truncated.json: line 18 column 5: malformed JSON: Unterminated string" "${REG[@]}" "$B/truncated.json"
expect "top level is an object" 1 "expected a JSON array of endpoint sets, found an object" \
	"${REG[@]}" "$B/not-array.json"
expect "error answer of the web service" 1 "error answer of the web service" \
	"${REG[@]}" "$B/error-answer.json"
expect "urls is a string" 1 'endpoint set id 9 (entry 0): "urls" must be an array of strings, not a string' \
	"${REG[@]}" "$B/urls-string.json"
expect "id is a string" 1 'entry 0: "id" must be an integer, not a string' \
	"${REG[@]}" "$B/id-string.json"
expect "tcpPorts is a number" 1 'endpoint set id 13 (entry 0): "tcpPorts" must be a string like "80,443", not a number' \
	"${REG[@]}" "$B/tcpports-number.json"
expect "unknown category" 1 "endpoint set id 12 (entry 0): \"category\" 'Optimise' is not one of Optimize, Allow, Default" \
	"${REG[@]}" "$B/category.json"
expect "prefix with host bits" 1 "endpoint set id 9 (entry 0): ips[1]: '40.107.0.1/16' has host bits set (the prefix would be 40.107.0.0/16); fix the feed, or pass --fix-prefixes" \
	"${REG[@]}" "$B/hostbits.json"
expect "prefix with host bits, --fix-prefixes" 0 "'40.107.0.1/16' has host bits set; masked to 40.107.0.0/16" \
	"${REG[@]}" --fix-prefixes "$B/hostbits.json"
if grep -q '"40.107.0.0/16"' "$tmp/x.out" && ! grep -q '40.107.0.1' "$tmp/x.out"; then
	ok "--fix-prefixes writes the masked prefix"
else
	ko "--fix-prefixes does not write the masked prefix"
fi
expect "private prefix" 1 "endpoint set id 56 (entry 0): ips[1]: '10.0.0.0/8' is not a public address range" \
	"${REG[@]}" "$B/private-prefix.json"
expect "backwards port range" 1 "endpoint set id 14 (entry 0): \"tcpPorts\": '50059-50000' is out of range" \
	"${REG[@]}" "$B/port-range.json"
expect "duplicate id" 1 "endpoint set id 1 (entry 1): duplicate id (also entry 0)" \
	"${REG[@]}" "$B/duplicate-id.json"
expect "missing required" 1 'endpoint set id 31 (entry 0): missing "required"' \
	"${REG[@]}" "$B/missing-required.json"
expect "UDP only: nothing left" 1 "no endpoint set left to convert" "${REG[@]}" "$B/udp-only.json"
expect "UDP only: reported as skipped" 1 "skipped endpoint set 11: UDP only (3478,3479,3480,3481); sanso refuses QUIC/UDP breakout by default" \
	"${REG[@]}" "$B/udp-only.json"
expect "missing input file" 1 "nonexistent.json: cannot read" "${REG[@]}" "$dir/nonexistent.json"
echo '[]' >"$tmp/empty.json"
expect "empty array" 1 "the array has no endpoint sets" "${REG[@]}" "$tmp/empty.json"
expect "everything filtered" 1 "no endpoint set left to convert" "${REG[@]}" \
	--categories Default --required-only --match ip "$B/udp-only.json"

# ---- refresh mode with --drop-dir and a stand-in sansoctl (the netns test runs the real one) ----
mkdir -p "$tmp/drop" "$tmp/rstate"
printf '#!/bin/sh\necho "$@" >>"%s/propose.log"\necho "proposed 0123456789abcdef; another admin applies it"\n' "$tmp" >"$tmp/sansoctl"
chmod +x "$tmp/sansoctl"
refresh() { conv "${REG[@]}" --categories Optimize,Allow,Default --refresh "$tmp/rstate" \
	--drop-dir "$tmp/drop" --services "$tmp/rsvc.conf" --policy "$tmp/policy.conf" \
	--sansoctl "$tmp/sansoctl" >"$tmp/r.out" 2>"$tmp/r.err"; }
echo 2025020100 >"$tmp/drop/version"
cp "$SAMPLE" "$tmp/drop/endpoints.json"
refresh; rc=$?
if [ "$rc" = 0 ] && [ "$(wc -l <"$tmp/propose.log")" = 1 ] &&
   grep -q "^propose $tmp/policy.conf --reason M365 feed none -> 2025020100: names +" "$tmp/propose.log" &&
   grep -q '^+ name \*cdn.onenote.net$' "$tmp/r.out"; then
	ok "refresh --drop-dir: first version proposed with a summary"
else
	ko "refresh --drop-dir: first version (exit $rc)"; cat "$tmp/r.err" "$tmp/propose.log" 2>/dev/null
fi
refresh; rc=$?
if [ "$rc" = 0 ] && [ "$(wc -l <"$tmp/propose.log")" = 1 ] && grep -q unchanged "$tmp/r.err"; then
	ok "refresh --drop-dir: unchanged version proposes nothing"
else
	ko "refresh --drop-dir: unchanged version (exit $rc)"
fi
echo 2025-02 >"$tmp/drop/version"
refresh; rc=$?
if [ "$rc" = 1 ] && [ "$(wc -l <"$tmp/propose.log")" = 1 ] && grep -q 'no feed version' "$tmp/r.err"; then
	ok "refresh --drop-dir: a malformed version is an error, no proposal"
else
	ko "refresh --drop-dir: malformed version (exit $rc)"; cat "$tmp/r.err"
fi
expect "refresh without --policy" 2 "--refresh needs --services and --policy" "${REG[@]}" --refresh "$tmp/rstate" --drop-dir "$tmp/drop"
expect "refresh without a source" 2 "--refresh needs --drop-dir, or --version-url and --feed-url" "${REG[@]}" --refresh "$tmp/rstate" --services x --policy y

# ---- usage: exit 2 --------------------------------------------------------------------------------
expect "missing --ismap" 2 "--ismap is required: sanso refuses cloud services without an ISMAP registration (R25)" \
	--ismap-valid-until 2027-03-31 --approval AP-2026-010 "$SAMPLE"
expect "missing --ismap-valid-until" 2 "--ismap-valid-until is required" \
	--ismap C21-0009-3 --approval AP-2026-010 "$SAMPLE"
expect "missing --approval" 2 "--approval is required" \
	--ismap C21-0009-3 --ismap-valid-until 2027-03-31 "$SAMPLE"
expect "bad date" 2 "--ismap-valid-until '2027-02-30': not a date" \
	--ismap C21-0009-3 --ismap-valid-until 2027-02-30 --approval AP-2026-010 "$SAMPLE"
expect "bad category" 2 "--categories: 'Optimise' is not one of" "${REG[@]}" --categories Optimise "$SAMPLE"
expect "bad tenant" 2 "--tenant 'con toso'" "${REG[@]}" --tenant "con toso" "$SAMPLE"
expect "bad --match" 2 "invalid choice: 'sni'" "${REG[@]}" --match sni "$SAMPLE"
expect "bad --version" 2 "--version '2025-01': a feed version is YYYYMMDDNN" "${REG[@]}" --version 2025-01 "$SAMPLE"
expect "unknown option" 2 "unrecognized arguments: --no-such-option" "${REG[@]}" --no-such-option "$SAMPLE"
expect "no input file" 2 "no input file" "${REG[@]}"
expect "ISMAP number too long" 2 "--ismap '$(printf 'X%.0s' {1..64})'" \
	--ismap "$(printf 'X%.0s' {1..64})" --ismap-valid-until 2027-03-31 --approval AP-2026-010 "$SAMPLE"
if conv --help >"$tmp/help" 2>&1 && grep -q '^usage: m365-to-sanso' "$tmp/help" && grep -q '^Exit status' "$tmp/help"; then
	ok "--help (exit 0)"
else
	ko "--help"
fi

finish
