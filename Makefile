# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tdxtrace top-level Makefile.
#
#   make              build BPF objects, skeletons, the library and the tools
#   make run          build, then start tdxtop on the built-in simulator
#   make check        build and run every test tier that can run here
#   make kernel-check apply/checkpatch/compile the kernel series on 7.2 and 7.3
#   make vmtest       boot the patched kernel under QEMU and test end to end
#   make bench        benchmarks (BPF ns/event, overhead, replay, tdxtop, tdxbench)
#   make fuzz         run the libFuzzer harnesses (FUZZ_SECONDS each)
#   make newcomer-check  the README's first steps on a fresh Debian 12 (chroot)
#   make install      PREFIX=/usr/local DESTDIR= (stripped tools, man pages, bash completion)
#   make uninstall    the same PREFIX and DESTDIR: removes what install put there
#   make clean
#
# Outputs go to $(O) (default build/).  V=1 shows the commands.  SAN=1 builds
# tools and tests with ASan+UBSan (into build/san unless O= is given).
#
# Each component adds itself through a fragment (bpf/bpf.mk,
# tools/*/<name>.mk, tests/tests.mk, kernel/kernel.mk, ...), appending to:
#   BPF_SRCS   bpf/*.bpf.c           -> $(O)/bpf/*.bpf.o and *.skel.h
#   LIB_SRCS   C files of libtdxtrace -> $(O)/lib/libtdxtrace.a
#   BINS       tools                  -> $(O)/bin/
#   TEST_BINS  test programs          -> $(O)/tests/
#   CHECK_DEPS extra prerequisites of `make check`

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

SAN ?= 0
ifeq ($(SAN),1)
O ?= build/san
else
O ?= build
endif
override O := $(abspath $(O))
SRC := $(abspath .)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/tdxtrace

V ?= 0
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-9s %s\n' "$(1)" "$(patsubst $(SRC)/%,%,$(patsubst $(O)/%,%,$(2)))"
MAKEFLAGS += --no-print-directory
endif

CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
CLANG   ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
ARCH    := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

# ---------------------------------------------------------------- setup
# The Debian packages come first, in a pass of their own: each group a goal
# needs (scripts/setup-deps.sh --groups; `make run` only "build", `make check`
# also "test", "kernel" and "exporter") has a stamp $(O)/.deps/GROUP.mk that
# this Makefile includes.  A missing or outdated stamp is remade by running
# setup-deps.sh for that group, and make then reads every makefile again from
# the start (GNU make restarts after remaking an included makefile), so what
# asks pkg-config or the compiler while the makefiles are read (here, in
# tools/lib/lib.mk, in any fragment) sees the installed packages; what it
# got on the first reading is thrown away.  `make clean` needs no group.
SETUP_GROUPS := $(shell $(SRC)/scripts/setup-deps.sh --groups $(or $(MAKECMDGOALS),all))
DEPS_STAMP := $(patsubst %,$(O)/.deps/%.mk,$(SETUP_GROUPS))
ifneq ($(SETUP_GROUPS),)
include $(DEPS_STAMP)
endif
$(O)/.deps/%.mk: scripts/setup-deps.sh
	$(call msg,SETUP,$* packages)
	$(Q)mkdir -p $(@D) && scripts/setup-deps.sh $* && \
		echo '# scripts/setup-deps.sh $* has run (make reads this file again)' >$@

# Flags from pkg-config, each asked once (after setup, see above); the
# library's own (libtracecmd, libtraceevent, zstd) are in tools/lib/lib.mk.
PKG_CFLAGS := $(shell pkg-config --cflags libbpf json-c ncursesw 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz
JSONC_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
NCURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)

CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I$(SRC)/include -I$(SRC)/tools/lib -I$(O)/bpf $(PKG_CFLAGS) -MMD -MP
LDFLAGS ?=
LDLIBS ?=
ifeq ($(SAN),1)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I$(O)/bpf -I$(SRC)/include -I$(SRC)/bpf \
	$(if $(MULTIARCH),-I/usr/include/$(MULTIARCH)) -MMD -MP

# ---------------------------------------------------------------- fragments
BPF_SRCS :=
LIB_SRCS :=
BINS :=
TEST_BINS :=
CHECK_DEPS :=
MAN_PAGES :=
BENCH_TARGETS :=
FUZZ_BINS :=
LIBTDX := $(O)/lib/libtdxtrace.a
-include $(sort $(wildcard bpf/*.mk tools/lib/*.mk tools/*/*.mk tests/*.mk tests/*/*.mk kernel/*.mk docs/*.mk))

BPF_OBJS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.skel.h,$(BPF_SRCS))
LIB_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(LIB_SRCS))

# ---------------------------------------------------------------- BPF
# vmlinux.h comes from the build host's BTF: the BPF programs read tracepoint
# arguments as scalars and need no TDX types from it; the few TDX structs the
# fentry fallback touches are declared locally with preserve_access_index
# (CO-RE relocates them against the running kernel).  See docs/bpf.md.
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
$(O)/bpf/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D) && $(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(O)/bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -c $< -o $@ && $(LLVM_STRIP) -g $@

$(O)/bpf/%.skel.h: $(O)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# ---------------------------------------------------------------- C
$(O)/obj/%.o: %.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(CFLAGS) -c $< -o $@

$(LIBTDX): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D) && rm -f $@ && ar rcs $@ $^

# Link rule helper: $(call link,objs) -> $@
define link
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D) && $(CC) $(LDFLAGS) -o $@ $(1) $(LIBTDX) $(PKG_LIBS) $(LDLIBS) $(2)
endef

# ---------------------------------------------------------------- targets
.PHONY: all run check kernel-check vmtest bench fuzz install uninstall clean deps test-bins
all: $(BPF_OBJS) $(SKELS) $(LIBTDX) $(BINS)

# `make deps`: every group tdxtrace's targets use, then what is still missing.
deps:
	$(Q)scripts/setup-deps.sh --check $(SETUP_GROUPS)

test-bins: all $(TEST_BINS)

# `make check` runs every tier that can run here through one runner; its
# last line is "N passed, N failed, N skipped".
check: test-bins $(CHECK_DEPS)
	$(Q)O=$(O) SRC=$(SRC) SAN=$(SAN) tests/run-tests.sh $(TESTS)

# The demo's simulator spec.  With steady's default 2 GiB per TD the lazy
# accept of the last 10 % of memory is done after ~40 s and the picture
# changes (SEAMCALLs fall to a third, no FROZEN_SPTE retries); with 128 GiB
# TDs it stays the same for ~40 minutes (tests/tdxtop/test_run_demo.sh).
RUN_SIM ?= steady,mem=131072
run: all
	$(Q)if [ -x $(O)/bin/tdxtop ]; then exec $(O)/bin/tdxtop --sim $(RUN_SIM); \
	elif [ -x $(O)/bin/tdxtrace ]; then echo "tdxtop is not built yet; running tdxtrace stat --sim $(RUN_SIM)"; \
		exec $(O)/bin/tdxtrace stat --sim $(RUN_SIM); \
	else echo "no tool is built yet"; exit 1; fi

bench: all $(BENCH_TARGETS)

# The README's first steps on a fresh Debian 12 (debootstrap, chroot): a
# clone at a path with a dot, its first `make run` and `make check`, timed.
# Not part of `make check` (20-40 min; see docs/testing.md).
.PHONY: newcomer-check
newcomer-check:
	$(Q)O=$(O) SRC=$(SRC) nice -n $(or $(NEWCOMER_NICE),10) scripts/newcomer-check.sh

# make install: the tools stripped into SBINDIR, the man pages, and the bash
# completion (one file per tool, as bash-completion looks them up by name);
# make uninstall removes exactly those files.
STRIP ?= strip
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
COMPLETION := tools/completion/tdxtrace.bash
TOOL_NAMES = $(notdir $(BINS))
install: all
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(COMPLETIONDIR)
	$(Q)for b in $(BINS); do install -m 0755 -s --strip-program=$(STRIP) $$b $(DESTDIR)$(SBINDIR)/ || exit; done
	$(Q)for m in $(MAN_PAGES); do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/ || exit; done
	$(Q)for t in $(TOOL_NAMES); do install -m 0644 $(COMPLETION) $(DESTDIR)$(COMPLETIONDIR)/$$t || exit; done

uninstall:
	$(Q)for t in $(TOOL_NAMES); do rm -f $(DESTDIR)$(SBINDIR)/$$t $(DESTDIR)$(COMPLETIONDIR)/$$t; done
	$(Q)for m in $(notdir $(MAN_PAGES)); do rm -f $(DESTDIR)$(MANDIR)/man8/$$m; done

clean:
	$(call msg,CLEAN,$(O))
	$(Q)rm -rf $(O) build/san

-include $(shell find $(O)/obj $(O)/bpf $(O)/tests $(O)/fuzz/obj -name '*.d' 2>/dev/null)
