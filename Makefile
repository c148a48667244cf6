# SPDX-License-Identifier: GPL-2.0-only
# sanso: one non-recursive GNU Makefile.  `make help` lists the targets.

PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
DESTDIR    ?=
O          ?= build
CC         ?= cc
CLANG      ?= clang

DEPS       := libmnl libnftnl libconfig
CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -D_GNU_SOURCE -MMD -MP -fstack-protector-strong \
              -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
              -Wpointer-arith -Wformat=2 -Wsign-compare -Idaemon \
              $(shell $(PKG_CONFIG) --cflags $(DEPS) 2>/dev/null)
LDLIBS     += $(shell $(PKG_CONFIG) --libs $(DEPS) 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Pure modules: no syscalls beyond stdio of config files, no logging; unit-tested and fuzzed.
PURE :=
PURE += diag
PURE += policy
PURE += policy_check
PURE += conf
PURE += ir
PURE += compile
PURE += nftgen

# Kernel-facing modules.
KERN :=
KERN += log
KERN += nlbatch
KERN += apply

SANSOD_OBJS   := $(patsubst %,$(O)/daemon/%.o,$(PURE) $(KERN) main)
UNIT_SRCS     := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUITES   := $(patsubst tests/unit/test_%.c,%,$(UNIT_SRCS))
# Parser modules of the engine, tested when present.
ENGINE_PURE   := $(patsubst daemon/%.c,%,$(wildcard daemon/pkt.c daemon/tls.c daemon/http.c daemon/dns.c))
UNIT_OBJS     := $(patsubst %,$(O)/daemon/%.o,$(PURE) $(ENGINE_PURE)) \
                 $(patsubst %.c,$(O)/%.o,$(UNIT_SRCS)) $(O)/tests/unit/run.o

ALL_OBJS := $(SANSOD_OBJS) $(UNIT_OBJS)

.PHONY: all check unit golden check-netns check-hotpath valgrind fuzz fuzz-smoke bench demo \
        install clean deps help update-golden clang-build check-config

all: $(O)/sansod

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(Q)" = "" ] || echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(O)/sansod: $(SANSOD_OBJS)
	@[ "$(Q)" = "" ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/unit/suites.h: $(UNIT_SRCS) Makefile
	@mkdir -p $(dir $@)
	$(Q){ for s in $(UNIT_SUITES); do echo "SUITE($$s)"; done; } > $@.tmp && mv $@.tmp $@

$(O)/tests/unit/run.o: tests/unit/run.c $(O)/tests/unit/suites.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -I$(O)/tests/unit -c -o $@ $<

$(O)/tests/unit/run: $(UNIT_OBJS)
	@[ "$(Q)" = "" ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

unit: $(O)/tests/unit/run
	$(Q)$(O)/tests/unit/run

help:
	@echo "make            build build/sansod"
	@echo "make demo       build, start the netns lab, apply conf/three-tier.conf, show traffic"
	@echo "make check      every test: unit (gcc, clang, ASan/UBSan, valgrind), golden, netns"
	@echo "make bench      compile+commit vs nft -f, reload; ratios in one run"
	@echo "make fuzz       libFuzzer harnesses (FUZZ_SECONDS=60 each)"
	@echo "make deps       install the Debian packages (root)"
	@echo "make install    DESTDIR=... PREFIX=/usr"

-include $(ALL_OBJS:.o=.d)
