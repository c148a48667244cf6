#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/netns/run.sh: run every tests/netns/t_*.sh (or those named on the command line) one
# after the other and add up their "N passed, M failed" lines. Root only; `make check-netns`.
# A test that exits non-zero without failing an assertion (it crashed) counts as one failure;
# a test that cannot run here is skipped (exit 77), except under CI=true, where it fails.
#
# Usage: tests/netns/run.sh [t_name.sh ...]     env: SANSOD (default build/sansod), CI
set -uo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
if (($#)); then
	tests=("$@")
else
	tests=("$dir"/t_*.sh)
fi

passed=0
failed=0
skipped=()
broken=()
for t in "${tests[@]}"; do
	[[ $t == */* ]] || t=$dir/$t
	name=$(basename "$t")
	echo "== $name"
	start=$SECONDS
	out=$(mktemp)
	bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
	rm -f "$out"
	if ((rc == 77)); then
		skipped+=("$name")
		continue
	fi
	p=0 f=0
	if [[ -n $summary ]]; then
		read -r p _ f _ <<<"${summary//,/}"
	fi
	if ((rc != 0 && f == 0)); then
		f=1
		broken+=("$name (exit $rc)")
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "== $name: $p passed, $f failed in $((SECONDS - start)) s"
done

((${#skipped[@]})) && echo "skipped (cannot run here): ${skipped[*]}"
((${#broken[@]})) && echo "crashed: ${broken[*]}"
echo "$passed passed, $failed failed"
((failed == 0))
