# SPDX-License-Identifier: GPL-2.0-only
# sanso: one non-recursive GNU Makefile.  `make help` lists the targets.

SHELL      := /bin/bash
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
GENERATORDIR ?= /lib/systemd/system-generators
SYSUSERSDIR    ?= /usr/lib/sysusers.d
TMPFILESDIR    ?= /usr/lib/tmpfiles.d
MODULESLOADDIR ?= /usr/lib/modules-load.d
# Example policies and rule files; no policy is ever installed into /etc/sanso (the operator's).
EXAMPLESDIR    ?= $(PREFIX)/share/doc/sanso/examples
DESTDIR    ?=
O          ?= build
CC         ?= cc
CLANG      ?= clang

DEPS       := libmnl libnftnl libconfig libnetfilter_queue jansson libcrypto
CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -D_GNU_SOURCE -MMD -MP -fstack-protector-strong \
              -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
              -Wpointer-arith -Wformat=2 -Wsign-compare -Idaemon \
              $(shell $(PKG_CONFIG) --cflags $(DEPS) 2>/dev/null)
# libunistring: NFKC of the names people type, display width of a diagnostic's caret
LDLIBS     += $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null) -lunistring -lpthread
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
# --version (R72): the release, the commit it was built from, the libraries built against
SANSO_VERSION := 0.9.0
SANSO_BUILD   := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
SANSO_LIBS    := $(shell for m in libnftnl libmnl libnetfilter_queue libconfig libnftables \
                   libcrypto jansson; do v=$$($(PKG_CONFIG) --modversion $$m 2>/dev/null) && \
                   printf '%s %s, ' "$$m" "$$v"; done | sed 's/, $$//')
$(O)/daemon/version.o: CPPFLAGS += -DSANSO_VERSION='"$(SANSO_VERSION)"' \
	-DSANSO_BUILD='"$(SANSO_BUILD)"' -DSANSO_LIBS='"$(SANSO_LIBS)"'

# libnftables: sansod only (kprove: the kernel's table in nft's JSON for the proof)
NFT_LIBS   := $(shell $(PKG_CONFIG) --libs libnftables 2>/dev/null)

ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Pure modules: no syscalls, no file or socket I/O, no logging (`make check-pure` proves it on
# the objects); they may format text into a stream the caller hands in. Unit-tested, fuzzed.
PURE :=
PURE += util_time
PURE += util_json
PURE += unitnet
PURE += diag
PURE += policy
PURE += policy_check
PURE += policy_addr
PURE += matrix
PURE += lang
PURE += confscan
PURE += ir
PURE += compile
PURE += nftgen
PURE += engine
PURE += classify
PURE += learn
PURE += explain
PURE += sha256
PURE += prove
PURE += prove_json
PURE += prove_jtree
PURE += prove_policy
PURE += delta
PURE += version
PURE += pdiff
PURE += maint
PURE += alertfmt
PURE += report
PURE += report_svg
PURE += report_check
PURE += flowhits

# Leaf modules that read or write files (the policy and its includes, the public suffix
# list, the audit trail) but are otherwise pure: no sockets, no logging, no kernel.
FILEIO :=
FILEIO += psl
FILEIO += conf
FILEIO += conftext
FILEIO += audit
FILEIO += sign
FILEIO += store
FILEIO += flowlog

# Kernel-facing modules.
KERN :=
KERN += log
KERN += alert
KERN += nlbatch
KERN += nlsock
KERN += apply
KERN += readback
KERN += kdump
KERN += ctdel
KERN += queue
KERN += ctl
KERN += trail
KERN += state
KERN += gen
KERN += ops
KERN += change
KERN += reply
KERN += monitor
KERN += kwatch
KERN += fibcheck
KERN += hasync
KERN += ha
KERN += haver
KERN += hahist
KERN += kprove
KERN += evidence
KERN += backup
KERN += ctev
KERN += mwin
KERN += nflog
KERN += flowd
KERN += clocksync
KERN += alertcheck
KERN += reportd

# Parsers of the engine: pure, fuzzed, and on the hot path (no allocation, no logging).
ENGINE_PURE   := pkt tls http dns namepat
SANSOD_OBJS   := $(patsubst %,$(O)/daemon/%.o,$(PURE) $(FILEIO) $(ENGINE_PURE) $(KERN) main)
UNIT_SRCS     := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUITES   := $(patsubst tests/unit/test_%.c,%,$(UNIT_SRCS))
# Parser modules of the engine, tested when present.
# ops, change: against the stubs of tests/unit/test_ops.c (gen, state, trail, kdump, queue, kwatch, log).
UNIT_OBJS     := $(patsubst %,$(O)/daemon/%.o,$(PURE) $(FILEIO) nlbatch ctl hasync ops change reply backup mwin ctev nflog reportd clocksync alertcheck $(ENGINE_PURE)) \
                 $(patsubst %.c,$(O)/%.o,$(UNIT_SRCS)) $(O)/tests/unit/run.o

# The unit tests get nlbatch.c built with its fault-injection hook (test_nlbatch.c).
UNIT_OBJS     := $(filter-out $(O)/daemon/nlbatch.o,$(UNIT_OBJS)) $(O)/tests/unit/nlbatch_fi.o

ALL_OBJS = $(SANSOD_OBJS) $(UNIT_OBJS) $(SANSOCTL_OBJS)

.PHONY: check-systemd check-m365 check-prove check-docs check-examples
.PHONY: check-pure check-layers
.PHONY: all check unit golden check-netns check-hotpath check-audit-events valgrind fuzz fuzz-smoke fuzz-long bench \
        demo install clean deps deps-ensure help update-golden clang-build check-config deb check-deb

all: $(O)/sansod $(O)/sansoctl

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(Q)" = "" ] || echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/sansod: $(SANSOD_OBJS)
	@[ "$(Q)" = "" ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NFT_LIBS)

SANSOCTL_OBJS := $(patsubst %,$(O)/daemon/%.o,sansoctl report_pdf ctl prove_cmd prove prove_json prove_jtree prove_policy \
                 conf conftext policy policy_addr policy_check psl diag audit sha256 namepat lang matrix confscan \
                 util_time version sign flowlog pkt alertfmt util_json)
$(O)/sansoctl: $(SANSOCTL_OBJS)
	@[ "$(Q)" = "" ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/unit/suites.h: $(UNIT_SRCS) Makefile
	@mkdir -p $(dir $@)
	$(Q){ for s in $(UNIT_SUITES); do echo "SUITE($$s)"; done; } > $@.tmp && mv $@.tmp $@

$(O)/tests/unit/run.o: tests/unit/run.c $(O)/tests/unit/suites.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -I$(O)/tests/unit -c -o $@ $<

$(O)/tests/unit/nlbatch_fi.o: daemon/nlbatch.c
	@mkdir -p $(dir $@)
	@[ "$(Q)" = "" ] || echo "  CC      $< (fault injection)"
	$(Q)$(CC) $(CFLAGS) -DNLB_FAULT_INJECTION -c -o $@ $<

$(O)/tests/unit/run: $(UNIT_OBJS)
	@[ "$(Q)" = "" ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

# The kernel-side proof against mutants of every shipped policy's ruleset (root: a netns).
check-prove: all
	$(Q)O=$(O) tests/prove/run.sh

unit: $(O)/tests/unit/run
	$(Q)cd $(CURDIR) && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp $(O)/tests/unit/run

# ---- the whole test suite --------------------------------------------------------------
# Every part must pass; privileged parts fail (never skip) under CI=true when they cannot run.
check: deps-ensure
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory clang-build
	$(Q)$(MAKE) --no-print-directory O=build-san SAN=address,undefined unit
	$(Q)$(MAKE) --no-print-directory valgrind
	$(Q)$(MAKE) --no-print-directory golden
	$(Q)$(MAKE) --no-print-directory check-m365
	$(Q)$(MAKE) --no-print-directory check-systemd
	$(Q)$(MAKE) --no-print-directory check-prove
	$(Q)$(MAKE) --no-print-directory check-docs
	$(Q)$(MAKE) --no-print-directory check-examples
	$(Q)$(MAKE) --no-print-directory check-hotpath
	$(Q)$(MAKE) --no-print-directory check-audit-events
	$(Q)$(MAKE) --no-print-directory check-pure
	$(Q)$(MAKE) --no-print-directory check-layers
	$(Q)$(MAKE) --no-print-directory fuzz-smoke
	$(Q)$(MAKE) --no-print-directory O=build-san SAN=address,undefined all
	$(Q)SANSOD=$(CURDIR)/build-san/sansod $(MAKE) --no-print-directory check-netns
	@echo "make check: all parts passed"

clang-build:
	$(Q)$(MAKE) --no-print-directory O=build-clang CC=$(CLANG) all build-clang/tests/unit/run

valgrind: $(O)/tests/unit/run
	$(Q)CK_FORK=no valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--suppressions=tests/unit/valgrind.supp \
		--error-exitcode=1 $(O)/tests/unit/run

GOLDEN_CONFS := $(wildcard conf/*.conf)
GOLDEN_NOW   := 1790000000
# The golden netlink bytes: the batch nlb_build() writes for a policy (tests/golden/*.nlbatch).
NLBDUMP      := $(O)/tests/golden/nlbatch_dump
$(NLBDUMP): $(O)/tests/golden/nlbatch_dump.o $(patsubst %,$(O)/daemon/%.o,$(PURE) $(FILEIO) $(ENGINE_PURE) nlbatch)
	@[ "$(Q)" = "" ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

golden: $(O)/sansod $(NLBDUMP)
	$(Q)SANSOD=$(O)/sansod NLBDUMP=$(NLBDUMP) NOW=$(GOLDEN_NOW) tests/golden/run.sh

update-golden: $(O)/sansod $(NLBDUMP)
	$(Q)SANSOD=$(O)/sansod NLBDUMP=$(NLBDUMP) NOW=$(GOLDEN_NOW) tests/golden/run.sh --update

# Hot-path objects of the engine may not allocate or log (STYLE §7). The NFQUEUE receive loop
# lives in queue.o next to setup code that allocates: queue.c is built once more, unoptimised
# with one section per function, and what worker() reaches is checked (tools/check-hotloop;
# dns_log and overflow_log are once-a-second log lines, off the per-packet path).
HOT := $(ENGINE_PURE) classify learn
HOTLOOP_SKIP := dns_log overflow_log
# --no-wait: no lock either (set it once the workers buffer learned addresses, issue 8).
HOTLOOP_FLAGS ?=
check-hotpath: $(HOT:%=$(O)/daemon/%.o) $(O)/check/queue.o
	$(Q)if [ -n "$(HOT)" ] && nm -u $(HOT:%=$(O)/daemon/%.o) | grep -E ' (malloc|calloc|realloc|free|syslog|puts|fwrite|.*printf.*)$$'; then \
		echo "check-hotpath: a hot-path object allocates or logs"; exit 1; fi; \
	echo "check-hotpath: $(words $(HOT)) objects clean"
	$(Q)tools/check-hotloop $(HOTLOOP_FLAGS) $(O)/check/queue.o worker $(HOTLOOP_SKIP)

$(O)/check/queue.o: daemon/queue.c $(wildcard daemon/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -O0 -ffunction-sections -fno-inline -c -o $@ $<

# What each object is (PURE, FILEIO), proved from its undefined symbols (tools/check-pure).
check-pure: $(patsubst %,$(O)/daemon/%.o,$(PURE) $(ENGINE_PURE) $(FILEIO))
	$(Q)tools/check-pure $(patsubst %,$(O)/daemon/%.o,$(PURE) $(ENGINE_PURE))
	$(Q)tools/check-pure --fileio $(patsubst %,$(O)/daemon/%.o,$(FILEIO))

# doc/MODULES.md is true: every module placed, no upward include or call, no ring.
check-layers: $(sort $(SANSOD_OBJS) $(SANSOCTL_OBJS))
	$(Q)tools/check-layers $^

# The audit registry (daemon/audit.h) names every event, each is written, none bypasses it.
check-audit-events:
	$(Q)python3 tests/audit_events.py daemon

check-systemd: $(O)/sansod $(O)/sansoctl
	$(Q)SANSOD=$(CURDIR)/$(O)/sansod SANSOCTL=$(CURDIR)/$(O)/sansoctl tests/systemd/verify.sh

# --help, man pages (en, ja) and README agree; every man page formats without a warning.
check-docs: $(O)/sansod $(O)/sansoctl
	$(Q)SANSOD=$(CURDIR)/$(O)/sansod SANSOCTL=$(CURDIR)/$(O)/sansoctl tests/docs/run.sh

# Every optional block of the shipped examples, uncommented, passes `sansod -n`.
check-examples: $(O)/sansod
	$(Q)SANSOD=$(CURDIR)/$(O)/sansod tests/docs/examples.sh

check-m365: $(O)/sansod
	$(Q)SANSOD=$(CURDIR)/$(O)/sansod tests/m365/run.sh

check-netns: $(O)/sansod
	$(Q)SANSOD=$${SANSOD:-$(CURDIR)/$(O)/sansod} tests/netns/run.sh

# ---- fuzzing ------------------------------------------------------------------------------
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=gnu11 -D_GNU_SOURCE -g -O1 -Idaemon -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all $(shell $(PKG_CONFIG) --cflags libconfig 2>/dev/null)
FUZZ_DEPS_conf := daemon/conf.c daemon/confscan.c daemon/policy.c daemon/policy_check.c daemon/diag.c daemon/ir.c \
                  daemon/compile.c daemon/policy_addr.c daemon/namepat.c daemon/psl.c daemon/util_time.c \
                  daemon/alertfmt.c daemon/util_json.c
FUZZ_LIBS_conf := $(shell $(PKG_CONFIG) --libs libconfig 2>/dev/null) -lunistring
# libconfig 1.5 leaks on syntax errors: a leak check after each such input (libFuzzer's
# default) makes the long run 15 times slower. Leaks are still checked once at exit.
FUZZ_OPTS_conf ?= -detect_leaks=0
FUZZ_DEPS_engine := $(sort $(FUZZ_DEPS_conf) daemon/engine.c daemon/classify.c \
                    $(ENGINE_PURE:%=daemon/%.c))
FUZZ_LIBS_engine := $(FUZZ_LIBS_conf)
# Two policies split from one input, their difference rendered (pdiff.h).
FUZZ_DEPS_pdiff := $(sort $(FUZZ_DEPS_conf) daemon/pdiff.c daemon/util_json.c)
FUZZ_LIBS_pdiff := $(FUZZ_LIBS_conf)
FUZZ_OPTS_pdiff ?= -detect_leaks=0
FUZZ_DEPS_check := $(filter-out daemon/conf.c daemon/confscan.c,$(FUZZ_DEPS_conf))
FUZZ_LIBS_check := -lunistring
FUZZ_DEPS_audit := daemon/audit.c daemon/sha256.c daemon/util_time.c
FUZZ_LIBS_audit := -lcrypto
FUZZ_DEPS_ctl := daemon/ctl.c
# NFLOG messages (sansod --flow-log), then each packet as a flow-log line.
FUZZ_DEPS_nflog := daemon/nflog.c daemon/flowlog.c daemon/pkt.c daemon/audit.c daemon/sha256.c \
                   daemon/util_time.c
FUZZ_LIBS_nflog := -lmnl -lcrypto
# nft's JSON read and evaluated by the proof (sansoctl prove --dump).
FUZZ_DEPS_prove := daemon/prove.c daemon/prove_json.c daemon/prove_jtree.c

# A harness is rebuilt when its own sources change too (they are the code under test).
.SECONDEXPANSION:
FUZZ_DEPS_DEFAULT := $(ENGINE_PURE:%=daemon/%.c)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(or $$(FUZZ_DEPS_$$*),$$(FUZZ_DEPS_DEFAULT)) \
		$$(wildcard daemon/*.h)
	@mkdir -p build-fuzz
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(or $(FUZZ_DEPS_$*),$(FUZZ_DEPS_DEFAULT)) $(FUZZ_LIBS_$*)

fuzz: $(FUZZ_NAMES:%=build-fuzz/fuzz_%)
	$(Q)set -e; for f in $(FUZZ_NAMES); do mkdir -p tests/fuzz/corpus/$$f build-fuzz/corpus-$$f; \
		echo "fuzz $$f: $(FUZZ_SECONDS)s"; \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
		build-fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=build-fuzz/$$f- build-fuzz/corpus-$$f tests/fuzz/corpus/$$f \
			2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' ; \
		test $${PIPESTATUS[0]} -eq 0; done

fuzz-smoke:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SMOKE_SECONDS:-8}

# The long run: every harness to FUZZ_RUNS executions, FUZZ_JOBS at a time (nice 10), fast
# ones first; a summary table at the end (`tests/fuzz/long.sh --summary NAME...` reprints it).
# FUZZ_LONG picks harnesses.
FUZZ_RUNS ?= 10000000
FUZZ_JOBS ?= 1
FUZZ_LONG ?= $(FUZZ_NAMES)
FUZZ_SLOW := audit conf check pdiff
FUZZ_LONG_ORDER = $(filter-out $(FUZZ_SLOW),$(FUZZ_LONG)) $(filter $(FUZZ_SLOW),$(FUZZ_LONG))
fuzz-long: $(FUZZ_LONG:%=build-fuzz/fuzz_%)
	$(Q)FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_JOBS=$(FUZZ_JOBS) $(foreach f,$(FUZZ_LONG),FUZZ_OPTS_$f='$(FUZZ_OPTS_$f)') \
		tests/fuzz/long.sh $(FUZZ_LONG_ORDER)

# ---- benchmark and demo -------------------------------------------------------------------
BENCH_TOOLS := $(O)/bench/nfq_accept $(O)/bench/udpflood
$(O)/bench/nfq_accept: tests/bench/nfq_accept.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $< $(shell $(PKG_CONFIG) --cflags --libs libmnl libnetfilter_queue)
$(O)/bench/udpflood: tests/bench/udpflood.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -Wall -Wextra -o $@ $<

bench: $(O)/sansod $(O)/sansoctl $(BENCH_TOOLS)
	$(Q)SANSOD=$(CURDIR)/$(O)/sansod tests/bench/run.sh
	$(Q)SANSOD=$(CURDIR)/$(O)/sansod SANSOCTL=$(CURDIR)/$(O)/sansoctl tests/bench/ops.sh
	$(Q)SANSOD=$(CURDIR)/$(O)/sansod SANSOCTL=$(CURDIR)/$(O)/sansoctl tests/bench/prove.sh
	$(Q)SANSOD=$(CURDIR)/$(O)/sansod SANSOCTL=$(CURDIR)/$(O)/sansoctl BENCH_BUILD=$(CURDIR)/$(O)/bench tests/bench/engine.sh

demo: deps-ensure
	$(Q)$(MAKE) --no-print-directory $(O)/sansod $(O)/sansoctl
	$(Q)SANSOD=$(CURDIR)/$(O)/sansod tools/demo

# ---- install ------------------------------------------------------------------------------
install: $(O)/sansod $(O)/sansoctl $(O)/sansoctl
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PREFIX)/share/sanso \
		$(DESTDIR)$(EXAMPLESDIR)/rules/relays $(DESTDIR)$(EXAMPLESDIR)/rules/services \
		$(DESTDIR)$(EXAMPLESDIR)/ha
	install -m 0755 $(O)/sansod $(DESTDIR)$(SBINDIR)/sansod
	install -m 0755 $(O)/sansoctl $(DESTDIR)$(SBINDIR)/sansoctl
	install -m 0644 conf/*.conf conf/REFERENCE*.md $(DESTDIR)$(EXAMPLESDIR)/
	install -m 0644 rules/*.conf rules/README.md $(DESTDIR)$(EXAMPLESDIR)/rules/
	install -m 0644 rules/relays/* $(DESTDIR)$(EXAMPLESDIR)/rules/relays/
	install -m 0644 rules/services/* $(DESTDIR)$(EXAMPLESDIR)/rules/services/
	install -m 0644 rules/ha/keepalived.conf rules/ha/conntrackd.conf rules/ha/README.md \
		$(DESTDIR)$(EXAMPLESDIR)/ha/
	install -m 0755 rules/ha/sanso-ha-notify $(DESTDIR)$(EXAMPLESDIR)/ha/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(MODULESLOADDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 tools/m365-to-sanso $(DESTDIR)$(PREFIX)/share/sanso/m365-to-sanso
	install -d $(DESTDIR)$(PREFIX)/lib/sanso
	install -m 0755 tools/notify-mail tools/notify-snmptrap $(DESTDIR)$(PREFIX)/lib/sanso/
	for u in sansod.service sansod-early.service sanso-m365-refresh.service sanso-m365-refresh.timer; do \
		sed -e 's|/usr/sbin/sansod|$(SBINDIR)/sansod|g' -e 's|/usr/sbin/sansoctl|$(SBINDIR)/sansoctl|g' \
		    -e 's|/usr/share/sanso/|$(PREFIX)/share/sanso/|g' \
		    systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u && chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	install -d $(DESTDIR)$(GENERATORDIR)
	sed -e 's|/usr/sbin/sansod|$(SBINDIR)/sansod|g' systemd/sanso-generator \
		>$(DESTDIR)$(GENERATORDIR)/sanso-generator && chmod 0755 $(DESTDIR)$(GENERATORDIR)/sanso-generator
	install -m 0644 systemd/sanso-baseline.nft $(DESTDIR)$(PREFIX)/share/sanso/
	install -m 0644 systemd/sysusers.d/sanso.conf $(DESTDIR)$(SYSUSERSDIR)/sanso.conf
	install -m 0644 systemd/tmpfiles.d/sanso.conf $(DESTDIR)$(TMPFILESDIR)/sanso.conf
	install -m 0644 systemd/modules-load.d/sanso.conf $(DESTDIR)$(MODULESLOADDIR)/sanso.conf
	install -m 0644 doc/man/sansod.8 doc/man/sansoctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 doc/man/sanso.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(MANDIR)/ja/man5 $(DESTDIR)$(MANDIR)/ja/man8 $(DESTDIR)$(PREFIX)/share/doc/sanso
	install -m 0644 doc/man/ja/sansod.8 doc/man/ja/sansoctl.8 $(DESTDIR)$(MANDIR)/ja/man8/
	install -m 0644 doc/man/ja/sanso.conf.5 $(DESTDIR)$(MANDIR)/ja/man5/
	install -m 0644 doc/運用手順書.md $(DESTDIR)$(PREFIX)/share/doc/sanso/

# ---- Debian package ---------------------------------------------------------------------
# build-deb/sanso_VERSION_amd64.deb from the work tree (debian/, built in a copy: the tree stays
# clean). check-deb: lintian, piuparts and install/upgrade/boot/purge in a throw-away root.
deb:
	$(Q)tools/mkdeb build-deb

check-deb:
	$(Q)tests/deb/run.sh

# One package list (tools/debian-packages) for `make deps`, the check before demo/check, and .ci/run.
deps:
	$(Q)tools/deps --install

# Before demo and check: install what is missing (as root), or print the apt-get line to run.
deps-ensure:
	$(Q)tools/deps

clean:
	rm -rf build build-san build-clang build-fuzz build-deb

help:
	@echo "make            build build/sansod"
	@echo "make demo       build, start the netns lab, run conf/breakout.conf, show traffic, breakout, sansoctl"
	@echo "make check      every test: gcc+clang, unit (ASan/UBSan, valgrind), golden, fuzz, netns"
	@echo "make bench      compile+commit vs nft -f, reload; ratios in one run"
	@echo "make fuzz       libFuzzer harnesses (FUZZ_SECONDS=60 each)"
	@echo "make fuzz-long  every harness to FUZZ_RUNS=10000000 executions (FUZZ_JOBS=1), summary table"
	@echo "make deps       install the Debian packages (root)"
	@echo "make install    DESTDIR=... PREFIX=/usr"
	@echo "make deb        build-deb/sanso_VERSION_amd64.deb (debhelper)"
	@echo "make check-deb  lintian, piuparts, install/upgrade/boot/purge in a bookworm root"

-include $(ALL_OBJS:.o=.d)
