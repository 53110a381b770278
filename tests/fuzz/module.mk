# tests/fuzz: fuzz targets (fuzz.h) for what the outside world hands us.
#
#   request  bytes on the control socket, through a whole in-process actord
#   cliline  a line of the shell or of `run`: words, command, options, JSON
#
# Each target links two ways: with replay.c into $(BIN)/fuzz-replay-TARGET
# (any compiler; make check runs it over tests/fuzz/regressions/TARGET and
# tests/fuzz/corpus/TARGET through tests/e2e/hostile-fuzz.bats), and with
# libFuzzer into build-fuzz/bin/fuzz-TARGET by `make fuzz`, which runs each
# target for FUZZ_SECONDS (default 30) on its corpus. New corpus entries go
# to build-fuzz/corpus/TARGET; a crash leaves its input in build-fuzz/ to be
# fixed and kept under tests/fuzz/regressions/TARGET.
FUZZ_TARGETS := request cliline
FUZZ_SECONDS ?= 30
FUZZ_BUILD   ?= build-fuzz

# The daemon in-process: its main() under another name.
FUZZ_DAEMON_OBJS := $(filter-out $(OBJ)/daemon/main.o,$(DAEMON_OBJS)) \
                    $(OBJ)/tests/fuzz/actord-main.o
FUZZ_CLI_OBJS    := $(filter-out $(OBJ)/cli/actorctl.o,$(CLI_OBJS))

$(OBJ)/tests/fuzz/actord-main.o: daemon/main.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DACT_PLUGIN_DIR='"$(ACTORD_PLUGIN_DIR)"' \
	  -Dmain=actord_main $(ALL_CFLAGS) -Wno-missing-prototypes -MMD -MP \
	  -c $< -o $@
$(OBJ)/tests/fuzz/%.o: CPPFLAGS += -Icli -Idaemon -Itests/fuzz

FUZZ_request_OBJS := $(OBJ)/tests/fuzz/fuzz-request.o $(FUZZ_DAEMON_OBJS)
FUZZ_cliline_OBJS := $(OBJ)/tests/fuzz/fuzz-cliline.o $(FUZZ_CLI_OBJS)
FUZZ_cliline_LIBS := -lreadline

# One link rule per target and kind.
define FUZZ_LINK
$$(BIN)/fuzz-replay-$(1): $$(OBJ)/tests/fuzz/replay.o $$(FUZZ_$(1)_OBJS) $$(LIB_A)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$(OBJ)/tests/fuzz/replay.o $$(FUZZ_$(1)_OBJS) \
	  $$(LIB_A) $$(LDLIBS_COMMON) $$(FUZZ_$(1)_LIBS)
$$(BIN)/fuzz-$(1): $$(OBJ)/tests/fuzz/fuzz-main.o $$(FUZZ_$(1)_OBJS) $$(LIB_A)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -fsanitize=fuzzer -o $$@ \
	  $$(OBJ)/tests/fuzz/fuzz-main.o $$(FUZZ_$(1)_OBJS) $$(LIB_A) \
	  $$(LDLIBS_COMMON) $$(FUZZ_$(1)_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_LINK,$(t))))

FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(BIN)/fuzz-replay-%)
.PHONY: fuzz-replay fuzz-build fuzz
fuzz-replay: $(FUZZ_REPLAY)
check: fuzz-replay

fuzz-build: $(FUZZ_TARGETS:%=$(BIN)/fuzz-%)

# libFuzzer wants every object instrumented: a tree of its own, with clang.
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang SAN=1 \
	  CFLAGS='-fsanitize=fuzzer-no-link' fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts/$$t; \
	  log=$(FUZZ_BUILD)/fuzz-$$t.log; \
	  leaks=1; [ $$t = request ] && leaks=0; \
	  echo "fuzz-$$t: $(FUZZ_SECONDS) s, log in $$log"; \
	  if ! ASAN_OPTIONS=detect_leaks=$$leaks:abort_on_error=1 \
	    $(FUZZ_BUILD)/bin/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) \
	      -close_fd_mask=1 -print_final_stats=1 \
	      -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t/ \
	      $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	      tests/fuzz/regressions/$$t >$$log 2>&1; then \
	    tail -n 40 $$log; exit 1; \
	  fi; \
	  grep -E '^stat::number_of_executed_units' $$log; \
	done
