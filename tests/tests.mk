# Test programs: every tests/<tier>/test_*.c becomes $(O)/tests/test_*, linked
# with libtdxtrace.  Scripts tests/<tier>/test_*.sh are run as they are by
# tests/run-tests.sh.  Test names are unique across tiers.
TEST_C_SRCS := $(sort $(wildcard tests/*/test_*.c))
TEST_BINS += $(patsubst %.c,$(O)/tests/%,$(notdir $(TEST_C_SRCS)))

$(O)/obj/tests/%.o: override CFLAGS += -I$(SRC)/tests/lib

define test_obj_rule
$(O)/tests/$(basename $(notdir $(1))): $(O)/obj/$(basename $(1)).o $(LIBTDX)
	$$(call link,$$<)
endef
$(foreach t,$(TEST_C_SRCS),$(eval $(call test_obj_rule,$(t))))
