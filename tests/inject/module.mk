# tests/inject: fault injection for the e2e tests, as LD_PRELOAD shims
# ($(BUILD)/tests/inject/NAME.so), loaded into actord only.
#
#   fail-writes  file writes under a directory fail with ENOSPC or EIO (or
#                reads with EIO) while a trigger file exists
#
# Built without the sanitizers even in build-asan: a shim must not need
# their runtime, which the test puts first in LD_PRELOAD when actord has it.
INJECT      := $(BUILD)/tests/inject
INJECT_SOS  := $(patsubst tests/inject/%.c,$(INJECT)/%.so,$(wildcard tests/inject/*.c))

$(INJECT)/%.so: tests/inject/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -D_GNU_SOURCE -std=gnu11 $(OPT) $(WARN) -fPIC -shared \
	  -o $@ $< -ldl

.PHONY: inject
inject: $(INJECT_SOS)
all: inject
