# tdxtrace: the `tdxtrace <command>` tool (issue 4).
#
#   $(O)/bin/tdxtrace          the tool
#   $(O)/lib/libtdxcli.a       its objects but main.o: the report renderers and
#                              option parsers, linked by the tests in tests/cli
#   docs/man/tdxtrace.8        installed by `make install`
TDXTRACE_SRCS := $(sort $(wildcard tools/tdxtrace/*.c))
TDXTRACE_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(TDXTRACE_SRCS))
TDXCLI_OBJS   := $(filter-out %/main.o,$(TDXTRACE_OBJS))
TDXCLI_LIB    := $(O)/lib/libtdxcli.a
TDXTRACE_LIBS := $(JSONC_LIBS) -lm
# exporter*.c (issue 21): libmicrohttpd, only in the tdxtrace binary (pkg-config
# is asked after setup, like every library's flags: see the top Makefile)
TDXTRACE_MHD_LIBS = $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) -lpthread

BINS += $(O)/bin/tdxtrace
# tests/cli/test_cli_sim runs the tool
CHECK_DEPS += $(O)/bin/tdxtrace
MAN_PAGES += docs/man/tdxtrace.8

$(O)/bin/tdxtrace: $(TDXTRACE_OBJS) $(LIBTDX)
	$(call link,$(TDXTRACE_OBJS),$(TDXTRACE_LIBS) $(TDXTRACE_MHD_LIBS))

$(TDXCLI_LIB): $(TDXCLI_OBJS)
	$(call msg,AR,$@)
	$(Q)mkdir -p $(@D) && rm -f $@ && ar rcs $@ $^

# tests/cli/test_*.c link libtdxcli.a before libtdxtrace (tests/tests.mk links
# the test object and libtdxtrace; these add the CLI archive and json-c).
TDXCLI_TESTS := $(patsubst tests/cli/%.c,$(O)/tests/%,$(wildcard tests/cli/test_*.c))
$(TDXCLI_TESTS): $(TDXCLI_LIB)
$(TDXCLI_TESTS): LDLIBS += $(TDXCLI_LIB) $(LIBTDX) $(PKG_LIBS) $(TDXTRACE_LIBS)

# make bench: end-to-end throughput of the tool -> $(O)/bench/tdxtrace.json
.PHONY: bench-tdxtrace
bench-tdxtrace: $(O)/bin/tdxtrace
	$(Q)mkdir -p $(O)/bench && O=$(O) tests/cli/bench_tdxtrace.sh $(O)/bench/tdxtrace.json
BENCH_TARGETS += bench-tdxtrace
