# tdxtop: the live TDX monitor (tools/tdxtop/).  The binary lands next.
TDXTOP_MODEL := $(O)/obj/tools/tdxtop/model.o
# The model test links model.o (placed before the library by LDFLAGS).
$(O)/tests/test_tdxtop_model: $(TDXTOP_MODEL)
$(O)/tests/test_tdxtop_model: override LDFLAGS += $(TDXTOP_MODEL)
