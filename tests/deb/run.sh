#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/deb/run.sh (make check-deb): the Debian package, built and tried in a throw-away
# bookworm root, never on this machine's own system.
#   1. tools/mkdeb builds the package from the work tree, and the same tree again as an older
#      version (the "previous" package of the upgrade test);
#   2. lintian --pedantic: no error, no warning (overrides are justified in debian/);
#   3. piuparts: install and purge in a fresh root, no file left behind;
#   4. in a copy of the root: install the previous version (nothing runs and no policy is
#      installed), upgrade, then boot the root under systemd-nspawn (its own network
#      namespace) twice: without a policy neither unit runs and the kernel has no sanso table;
#      with one, sansod-early and sansod apply it, and `systemctl restart sansod` (what an
#      upgrade does) keeps the table; remove keeps the operator's /etc/sanso, purge leaves
#      nothing of the package behind.
# The bookworm root is made once with debootstrap from the configured Debian mirror and kept in
# build-deb/ (about 2 min the first time). Prints "N passed, M failed". Root only; under
# CI=true a part that cannot run fails.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
OUT=$PWD/build-deb
MIRROR=${SANSO_DEB_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' \
	/etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BASE_PKGS=systemd,systemd-sysv,dbus,nftables,python3,iproute2,libconfig9,libmnl0,libnftnl11,libnetfilter-queue1
PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
check() { local d=$1; shift; if "$@" >>"$OUT/check-deb.log" 2>&1; then pass "$d"; else fail "$d"; fi; }
refute() { local d=$1; shift; if "$@" >>"$OUT/check-deb.log" 2>&1; then fail "$d"; else pass "$d"; fi; }
finish() { echo "$PASSED passed, $FAILED failed"; ((FAILED == 0)); exit $?; }
cannot_run() {
	if [[ ${CI:-} == true ]]; then fail "check-deb: cannot run: $1"; finish; fi
	echo "SKIP check-deb: $1"; exit 77
}
elapsed() { echo "  ($1: $((SECONDS - $2)) s)"; }

[[ $(id -u) == 0 ]] || cannot_run "needs root (debootstrap, chroot, systemd-nspawn)"
for t in dpkg-buildpackage lintian piuparts debootstrap systemd-nspawn cpio; do
	command -v "$t" >/dev/null || cannot_run "$t is not installed (make deps)"
done
mkdir -p "$OUT"
: >"$OUT/check-deb.log"

# 1. Build.
t0=$SECONDS
deb=$(tools/mkdeb "$OUT" | tail -1) || { fail "make deb"; finish; }
ver=$(dpkg-deb -f "$deb" Version)
prev=$(tools/mkdeb --version "${ver}~prev1" "$OUT/prev" | tail -1) || { fail "make deb (previous)"; finish; }
pass "make deb builds $(basename "$deb") and $(basename "$prev")"
elapsed build $t0

# 2. lintian.
t0=$SECONDS
if lintian --pedantic --fail-on error,warning "${deb%.deb}.changes" >"$OUT/lintian.log" 2>&1; then
	pass "lintian --pedantic: no error, no warning"
else
	fail "lintian --pedantic:"; grep -E '^[EW]:' "$OUT/lintian.log" | sed 's/^/    /'
fi
elapsed lintian $t0

# The bookworm root, with the package's dependencies already in it, so that piuparts judges
# what this package leaves behind, not what systemd's own first configuration creates.
t0=$SECONDS
if [[ ! -e $OUT/root-base/.complete ]]; then
	rm -rf "$OUT/root-base"
	debootstrap --variant=minbase --include="$BASE_PKGS" bookworm "$OUT/root-base" "$MIRROR" \
		>"$OUT/debootstrap.log" 2>&1 || { fail "debootstrap bookworm from $MIRROR"; finish; }
	touch "$OUT/root-base/.complete"
	rm -f "$OUT/base.tgz"
fi
[[ -e $OUT/base.tgz ]] || tar -C "$OUT/root-base" --exclude=./.complete -czf "$OUT/base.tgz" .
elapsed "bookworm root" $t0

# 3. piuparts: install, purge, nothing left behind.
t0=$SECONDS
if piuparts -b "$OUT/base.tgz" -d bookworm -m "$MIRROR" --no-eatmydata "$deb" \
	>"$OUT/piuparts.log" 2>&1; then
	pass "piuparts: install and purge leave nothing behind"
else
	fail "piuparts:"; grep -E 'ERROR|FAIL' "$OUT/piuparts.log" | head -20 | sed 's/^/    /'
fi
elapsed piuparts $t0

# 4. Install, upgrade, boot, remove, purge in a copy of the root.
t0=$SECONDS
R=$OUT/root
rm -rf "$R"
cp -a "$OUT/root-base" "$R"
# The maintainer scripts run systemd-tmpfiles, which needs /proc (as on a real system).
mount -t proc proc "$R/proc"
trap 'umount "$R/proc" 2>/dev/null; rm -rf "$R"' EXIT
snapshot() {
	chroot "$R" find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run \
		-o -path /tmp -o -path /var/cache/apt -o -path /var/lib/apt -o -path /var/lib/dpkg \
		-o -path /var/log -o -path /root \) -prune -o -print | sort
}
snapshot >"$OUT/files.before"
cp "$prev" "$deb" "$R/root/"
in_root() { chroot "$R" "$@"; }

check "install of the previous version" in_root dpkg -i "/root/$(basename "$prev")"
check "the daemon and the control tool are installed" test -x "$R/usr/sbin/sansod" -a -x "$R/usr/sbin/sansoctl"
check "user sanso and groups sanso-admin, sanso-audit exist" in_root sh -c \
	'getent passwd sanso && getent group sanso-admin && getent group sanso-audit'
check "no policy is installed into /etc/sanso" test -z "$(ls -A "$R/etc/sanso" 2>/dev/null)"
check "/etc/sanso belongs to root, group sanso, mode 0750" \
	test "$(in_root stat -c '%U %G %a' /etc/sanso)" = "root sanso 750"
check "sansod.service is enabled" test -L "$R/etc/systemd/system/multi-user.target.wants/sansod.service"
check "sansod-early.service is enabled" test -L "$R/etc/systemd/system/sysinit.target.wants/sansod-early.service"
refute "the M365 refresh timer is not enabled" sh -c "ls '$R'/etc/systemd/system/*.wants/sanso-m365-refresh.timer"
check "the examples are under /usr/share/doc/sanso/examples" test -r "$R/usr/share/doc/sanso/examples/three-tier.conf"
check "the shipped example passes sansod -n inside the root" \
	in_root /usr/sbin/sansod -n -f /usr/share/doc/sanso/examples/three-tier.conf
check "man pages: sansod(8), sansoctl(8), sanso.conf(5)" test -r "$R/usr/share/man/man8/sansod.8.gz" \
	-a -r "$R/usr/share/man/man8/sansoctl.8.gz" -a -r "$R/usr/share/man/man5/sanso.conf.5.gz"
check "Japanese man pages: ja/man8/sansod.8, sansoctl.8, ja/man5/sanso.conf.5" \
	test -r "$R/usr/share/man/ja/man8/sansod.8.gz" -a -r "$R/usr/share/man/ja/man8/sansoctl.8.gz" \
	-a -r "$R/usr/share/man/ja/man5/sanso.conf.5.gz"
check "the HA examples are under /usr/share/doc/sanso/examples/ha" \
	test -x "$R/usr/share/doc/sanso/examples/ha/sanso-ha-notify"
check "upgrade to $ver" in_root dpkg -i "/root/$(basename "$deb")"
check_eq() { if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi; }
check_eq "the installed version is $ver" "$ver" "$(in_root dpkg-query -W -f '${Version}' sanso)"

# Boot the root under systemd. A unit of the test runs after sansod and writes what it sees,
# then powers the container off. --private-network: the container's nftables are its own.
cat >"$R/etc/systemd/system/sanso-deb-test.service" <<'UNIT'
[Unit]
Description=check-deb probe
After=sansod.service sansod-early.service multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c '{ for u in sansod-early sansod; do echo "$u $(systemctl is-active $u)"; done; \
  if nft list table inet sanso >/dev/null 2>&1; then echo "table present"; else echo "table absent"; fi; \
  if [ -e /etc/sanso/sanso.conf ]; then systemctl restart sansod; sleep 1; \
  echo "restart $(systemctl is-active sansod)"; \
  if nft list table inet sanso >/dev/null 2>&1; then echo "table-after-restart present"; fi; fi; \
  } >/root/boot-result 2>&1; systemctl --no-block poweroff'
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/sanso-deb-test.service "$R/etc/systemd/system/multi-user.target.wants/"
boot() {
	rm -f "$R/root/boot-result"
	umount "$R/proc"
	timeout 120 systemd-nspawn --register=no --keep-unit --private-network -q -D "$R" -b \
		>"$OUT/boot-$1.log" 2>&1 </dev/null
	mount -t proc proc "$R/proc"
	cat "$R/root/boot-result" 2>/dev/null
}
res=$(boot nopolicy)
echo "$res" | sed 's/^/    boot without a policy: /'
check_eq "without a policy sansod-early does not run" "sansod-early inactive" "$(echo "$res" | grep '^sansod-early ')"
check_eq "without a policy sansod does not run" "sansod inactive" "$(echo "$res" | grep '^sansod ')"
check_eq "without a policy the kernel has no sanso table (no lock-out)" "table absent" \
	"$(echo "$res" | grep '^table ')"

install -m 0640 -g "$(in_root getent group sanso | cut -d: -f3)" conf/lgwan-internet.conf \
	"$R/etc/sanso/sanso.conf"
res=$(boot policy)
echo "$res" | sed 's/^/    boot with a policy: /'
check_eq "with a policy sansod-early applied it" "sansod-early active" "$(echo "$res" | grep '^sansod-early ')"
check_eq "with a policy sansod runs" "sansod active" "$(echo "$res" | grep '^sansod ')"
check_eq "with a policy the table is in the kernel" "table present" "$(echo "$res" | grep '^table ')"
check_eq "systemctl restart sansod (an upgrade's restart) works" "restart active" \
	"$(echo "$res" | grep '^restart ')"
check_eq "the table stays through the restart" "table-after-restart present" \
	"$(echo "$res" | grep '^table-after-restart ')"
rm -f "$R/etc/systemd/system/sanso-deb-test.service" \
	"$R/etc/systemd/system/multi-user.target.wants/sanso-deb-test.service" "$R/root/boot-result"

check "remove" in_root dpkg -r sanso
check "remove keeps the operator's policy" test -e "$R/etc/sanso/sanso.conf"
refute "remove takes the daemon away" test -e "$R/usr/sbin/sansod"
rm -f "$R/etc/sanso/sanso.conf"
check "purge" in_root dpkg -P sanso
refute "purge removes the state directory" test -e "$R/var/lib/sanso"
refute "purge removes the log directory" test -e "$R/var/log/sanso"
rm -f "$R"/root/*.deb
snapshot >"$OUT/files.after"
left=$(comm -13 "$OUT/files.before" "$OUT/files.after" |
	grep -v -E '^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$|^/var/lib/systemd/|^/etc/machine-id$|^/var/lib/dbus/|^/etc/systemd/system/[a-z.-]*\.wants$')
check_eq "nothing of the package is left after purge" "" "$left"
elapsed "install/upgrade/boot/remove/purge" $t0
finish
