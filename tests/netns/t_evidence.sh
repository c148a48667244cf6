#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# t_evidence.sh: signed evidence (issue 11: R87, R106, R107) and --version (R72), on the real
# kernel, through the public interfaces.
#   sansoctl keygen makes the gateway's Ed25519 key (0400, in the state directory, never
#   replaced) and prints the public key; sansoctl dump --signed -o FILE writes what the kernel
#   enforces with its evidence header (generation, config SHA-256, versions, binary SHA-256,
#   last audit record, clock, classification) and a signature; sansoctl verify-dump FILE --key
#   PUB checks it with sansod stopped. One changed byte, another key, a cut file: INVALID.
#   The audit trail and the flow log carry signed checkpoints: a rewritten and re-chained
#   trail or flow-log segment holds as a chain, and its signature proves it rewritten.
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

require sansod
SANSOCTL=${SANSOCTL:-$(dirname "$SANSOD")/sansoctl}
[[ -x $SANSOCTL ]] || cannot_run "sansoctl not built: $SANSOCTL"
lab_up

CTL=$TMP/control
STATE=$TMP/state
AUDIT=$TMP/audit.jsonl
mkdir -p "$STATE"
conf_with_expiry 3600 "$CONF" "$TMP/policy.conf"
sed -i 's/^\(policy: *{\)/\1 classification = "機密性2";/' "$TMP/policy.conf"
ctl() { "$SANSOCTL" -s "$CTL" "$@"; }
exit_of() { "$@" >"$TMP/out" 2>&1; echo $?; }

check "sansod --version names the build and libnftnl" \
	bash -c "'$SANSOD' --version | grep -q '^sansod [0-9].* (build ' && '$SANSOD' --version | grep -q 'libnftnl [0-9]'"
check "sansoctl --version names the build" bash -c "'$SANSOCTL' --version | grep -q '^sansoctl [0-9].* (build '"
: >"$DLOG"
mkdir -p "$TMP/flows"
ip netns exec "$LAB-gw" "$SANSOD" -f "$TMP/policy.conf" --control "$CTL" --state-dir "$STATE" \
	--audit "$AUDIT" --flow-log "$TMP/flows" >>"$DLOG" 2>&1 &
DPID=$!
PIDS+=("$DPID")
check "sansod starts" wait_log "applied generation" 1
check "the control socket is there" poll 50 test -S "$CTL"
check "status --json has the version" \
	bash -c "'$SANSOCTL' -s '$CTL' status --json | python3 -c 'import json,sys; v=json.load(sys.stdin); assert \"build\" in v[\"version\"] and \"libnftnl\" in v[\"libraries\"]'"

check_eq "dump --signed before keygen is refused (exit 1)" 1 \
	"$(exit_of ctl dump --signed -o "$TMP/early.txt")"
check "the refusal says how: sansoctl keygen" grep -q "sansoctl keygen" "$TMP/out"
check "no file is left behind by the refusal" test ! -e "$TMP/early.txt"
check "keygen (exit 0) prints a PEM public key" bash -c "'$SANSOCTL' -s '$CTL' keygen >'$TMP/pub.pem'"
check "the public key is PEM (SubjectPublicKeyInfo)" grep -q "BEGIN PUBLIC KEY" "$TMP/pub.pem"
check_eq "the private key is 0400 in the state directory" 400 "$(stat -c %a "$STATE/signing.key")"
key_before=$(sha256sum <"$STATE/signing.key")
check_eq "keygen again is refused (exit 1): the key is never replaced" 1 "$(exit_of ctl keygen)"
check_eq "the key file is unchanged" "$key_before" "$(sha256sum <"$STATE/signing.key")"

check "dump --signed -o FILE (exit 0)" ctl dump --signed -o "$TMP/evidence.txt"
check "dump --signed --json -o FILE (exit 0)" ctl dump --signed --json -o "$TMP/evidence.json"
check "the evidence names the classification" grep -q "classification 機密性2" "$TMP/evidence.txt"
check "the evidence has the config SHA-256 and generation" \
	grep -q "^# generation 1; config sha256 [0-9a-f]\{64\}" "$TMP/evidence.txt"
check "the evidence has the binary's SHA-256" \
	grep -q "^# binary sansod sha256 $(sha256sum "$SANSOD" | cut -c1-64)" "$TMP/evidence.txt"
check "the evidence has the last audit record" grep -q "^# audit checkpoint seq [1-9]" "$TMP/evidence.txt"
check "the evidence has the kernel's rules" grep -q "^  forward #[0-9]" "$TMP/evidence.txt"
check "isolate juki-01 (more records after the key)" ctl isolate juki-01 --reason "evidence drill"
check "restore juki-01" ctl restore juki-01
for ev in evidence.keygen evidence.dump audit.checkpoint; do
	check "audit trail records $ev" grep -q "\"event\":\"$ev\"" "$AUDIT"
done
refute "juki-01 to the web (mynumber>internet) is refused" tcp_ok mn1 10.10.0.5 10.30.0.100 443
logged() { grep -q '"decision":"drop"' "$TMP"/flows/flows-*.jsonl; }
check "the refusal is in the flow log" poll 50 logged
kill "$DPID"	# SIGTERM: the flow log's head is signed at stop
poll 50 bash -c "! kill -0 $DPID 2>/dev/null"

# ---- the auditor's side: no daemon ----
check "verify-dump (sansod stopped): VALID (exit 0)" \
	"$SANSOCTL" verify-dump "$TMP/evidence.txt" --key "$TMP/pub.pem"
check "verify-dump of the JSON dump: VALID" \
	"$SANSOCTL" verify-dump "$TMP/evidence.json" --key "$TMP/pub.pem"
check "verify-dump as nobody (only read access needed)" \
	bash -c "chmod 0755 '$TMP'; chmod 0644 '$TMP/evidence.txt' '$TMP/pub.pem'; setpriv --reuid=nobody --regid=nogroup --clear-groups '$SANSOCTL' verify-dump '$TMP/evidence.txt' --key '$TMP/pub.pem'"
# one byte changed in a rule line
line=$(grep -n "^  forward #" "$TMP/evidence.txt" | head -1 | cut -d: -f1)
sed "${line}s/forward/forwarx/" "$TMP/evidence.txt" >"$TMP/tampered.txt"
check_eq "one changed byte in a rule: INVALID (exit 1)" 1 \
	"$(exit_of "$SANSOCTL" verify-dump "$TMP/tampered.txt" --key "$TMP/pub.pem")"
check "the message says it was changed" grep -q "INVALID.*changed" "$TMP/out"
# a changed header line (the classification lowered)
sed 's/classification 機密性2/classification 機密性1/' "$TMP/evidence.txt" >"$TMP/tampered2.txt"
check_eq "a changed evidence header: INVALID" 1 \
	"$(exit_of "$SANSOCTL" verify-dump "$TMP/tampered2.txt" --key "$TMP/pub.pem")"
head -n -2 "$TMP/evidence.txt" >"$TMP/cut.txt"
check_eq "a cut file: INVALID" 1 "$(exit_of "$SANSOCTL" verify-dump "$TMP/cut.txt" --key "$TMP/pub.pem")"
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout >"$TMP/other.pem" 2>/dev/null
check_eq "another gateway's key: INVALID (exit 1)" 1 \
	"$(exit_of "$SANSOCTL" verify-dump "$TMP/evidence.txt" --key "$TMP/other.pem")"
check "the message names another key" grep -q "another key" "$TMP/out"
# ---- signed checkpoints of the audit trail ----
check "audit verify --key: intact and proven by signature (exit 0)" \
	bash -c "'$SANSOCTL' audit verify '$AUDIT' '$STATE/audit.anchor' --key '$TMP/pub.pem' >'$TMP/av.out'"
check "it says up to where the trail is proven" grep -q "proven by signature up to seq [1-9]" "$TMP/av.out"
check "records after the last checkpoint are reported as not yet signed" \
	grep -q "[1-9][0-9]* later records hash-chained, not yet signed" "$TMP/av.out"
# the attacker rewrites who made the key (a signed record) and recomputes the whole chain
python3 "$(dirname "$0")/rechain.py" "$AUDIT" "$TMP/rewritten.jsonl" \
	'"actor":"uid=0(root)","event":"evidence.keygen"' '"actor":"uid=4242(x)","event":"evidence.keygen"'
check "the rewrite changed the trail" bash -c "! cmp -s '$AUDIT' '$TMP/rewritten.jsonl'"
check "the rewritten trail still holds as a hash chain (no anchor)" \
	"$SANSOCTL" audit verify "$TMP/rewritten.jsonl"
check_eq "but its signed checkpoints do not: INVALID (exit 1)" 1 \
	"$(exit_of "$SANSOCTL" audit verify "$TMP/rewritten.jsonl" --key "$TMP/pub.pem")"
check "the message names the checkpoint" grep -q "signed checkpoint INVALID" "$TMP/out"
check_eq "another key proves nothing (exit 1)" 1 \
	"$(exit_of "$SANSOCTL" audit verify "$AUDIT" --key "$TMP/other.pem")"
check_eq "verify-dump without --key: usage (exit 2)" 2 \
	"$(exit_of "$SANSOCTL" verify-dump "$TMP/evidence.txt")"
# openssl agrees: the signature is plain Ed25519 over the bytes before the block
n=$(grep -n '^-----BEGIN SANSO SIGNATURE-----$' "$TMP/evidence.txt" | cut -d: -f1)
head -n $((n - 1)) "$TMP/evidence.txt" >"$TMP/body"
sed -n 's/^signature: //p' "$TMP/evidence.txt" | base64 -d >"$TMP/sig"
check "openssl verifies the same signature independently" \
	openssl pkeyutl -verify -pubin -inkey "$TMP/pub.pem" -rawin -in "$TMP/body" -sigfile "$TMP/sig"

# ---- signed checkpoints of the flow log ----
check "flowlog verify --key: intact and proven by signature (exit 0)" \
	bash -c "'$SANSOCTL' flowlog verify '$TMP/flows' --key '$TMP/pub.pem' >'$TMP/fv.out'"
check "it says up to which segment and line" \
	grep -q "proven by signature up to flows-[0-9TZ]*-[0-9]*.jsonl seq [1-9]" "$TMP/fv.out"
seg=$(find "$TMP/flows" -name 'flows-*.jsonl' | sort | tail -1)
# the attacker turns the refusal into an accept and recomputes the segment's chain
python3 "$(dirname "$0")/rechain.py" "$seg" "$TMP/seg.new" '"decision":"drop"' '"decision":"accept"'
cp "$TMP/seg.new" "$seg"
check "the rewritten flow log still holds as hash chains" "$SANSOCTL" flowlog verify "$TMP/flows"
check_eq "but its signed checkpoint does not: INVALID (exit 1)" 1 \
	"$(exit_of "$SANSOCTL" flowlog verify "$TMP/flows" --key "$TMP/pub.pem")"
check "the message names the segment" grep -q "signed checkpoint INVALID: flows-" "$TMP/out"
check_eq "another key proves nothing (exit 1)" 1 \
	"$(exit_of "$SANSOCTL" flowlog verify "$TMP/flows" --key "$TMP/other.pem")"
finish
