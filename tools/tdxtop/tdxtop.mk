# tdxtop: the live TDX monitor (tools/tdxtop/).
#
#   model.c  pure data model (rows, rates, quantiles, sort, filter, drill-down)
#   view.c   ncurses drawing and keys
#   batch.c  batch output (text, JSON)
#   tdxtop.c options, sources and the sampler loop
TDXTOP_SRCS := tools/tdxtop/tdxtop.c tools/tdxtop/model.c tools/tdxtop/view.c \
	tools/tdxtop/batch.c
TDXTOP_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(TDXTOP_SRCS))
TDXTOP_MODEL := $(O)/obj/tools/tdxtop/model.o
TDXTOP_LIBS := $(NCURSES_LIBS) $(JSONC_LIBS) -lm

BINS += $(O)/bin/tdxtop
MAN_PAGES += docs/man/tdxtop.8

$(O)/bin/tdxtop: $(TDXTOP_OBJS) $(LIBTDX)
	$(call link,$(TDXTOP_OBJS),$(TDXTOP_LIBS))

# The model test links model.o (placed before the library by LDFLAGS); the
# batch test reads tdxtop's JSON with json-c.
$(O)/tests/test_tdxtop_model: $(TDXTOP_MODEL)
$(O)/tests/test_tdxtop_model: override LDFLAGS += $(TDXTOP_MODEL)
$(O)/tests/test_tdxtop_batch: override LDLIBS += $(TDXTOP_LIBS)
CHECK_DEPS += $(O)/bin/tdxtop

# make bench: CPU, RSS and refresh cost at 1 Hz with 64 simulated TDs.
TDXTOP_BENCH_SECONDS ?= 20
.PHONY: bench-tdxtop
BENCH_TARGETS += bench-tdxtop
$(O)/bench/tdxtop_simrss: $(O)/obj/tests/tdxtop/bench_simrss.o $(LIBTDX)
	$(call link,$<)
bench-tdxtop: $(O)/bin/tdxtop $(O)/bench/tdxtop_simrss
	$(Q)O=$(O) SRC=$(SRC) SECONDS_RUN=$(TDXTOP_BENCH_SECONDS) \
		python3 tests/tdxtop/bench_tdxtop.py
