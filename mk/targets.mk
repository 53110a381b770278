# The targets a user runs: check, run, install, uninstall, asan, help.
# (bench and bench-compare live in tests/bench/module.mk.)

VERSION := $(shell sed -n 's/^\#define ACT_VERSION "\(.*\)"/\1/p' lib/proto.h)

# Installation layout (GNU names; DESTDIR is prepended, never compiled in).
bindir      := $(PREFIX)/bin
libdir      := $(PREFIX)/lib
includedir  := $(PREFIX)/include
pkgconfdir  := $(libdir)/pkgconfig
pluginsdir  := $(or $(ACTORD_PLUGIN_DIR),$(libdir)/actord/plugins)
mandir      := $(PREFIX)/share/man
bashcompdir := $(PREFIX)/share/bash-completion/completions
unitdir     := $(PREFIX)/lib/systemd/system
INSTALL     ?= install

# The installed plugin directory is compiled into actord; rebuild what uses
# it when PREFIX changes (make; make install PREFIX=/opt/x), by keeping the
# value in a file whose time changes only when the value does (make looks
# at the time again after running the recipe).
PREFIX_STAMP := $(BUILD)/.prefix
$(PREFIX_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(pluginsdir)' | cmp -s - $@ || echo '$(pluginsdir)' > $@
$(OBJ)/daemon/main.o: $(PREFIX_STAMP)
.PHONY: FORCE
FORCE:

# Turn a dist/*.in template into the installed file.
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(libdir)|g' \
            -e 's|@INCLUDEDIR@|$(includedir)|g' -e 's|@VERSION@|$(VERSION)|g' \
            -e 's|@BINDIR@|$(bindir)|g' -e 's|@PLUGINSDIR@|$(pluginsdir)|g'

# --------------------------------------------------------------------- check
# Everything is built first (a suite whose binary is missing fails, it is not
# skipped), then tests/run-all.sh runs the unit tests, the bats suites and
# the man page lint and prints "N passed, N failed".
# TESTS=FILE.bats... runs only those bats files (with the unit tests and
# the man page lint).
TESTS ?=
.PHONY: check
check: all unit test-plugins
	@BUILD='$(BUILD)' SAN='$(SAN)' bash tests/run-all.sh $(TESTS)

# ---------------------------------------------------------------------- asan
# The whole suite under AddressSanitizer, LeakSanitizer and UBSan, in its
# own tree. Reports are printed and fatal (UBSan is built non-recovering).
ASAN_OPTIONS  ?= detect_leaks=1:halt_on_error=1:abort_on_error=0:print_summary=1:detect_odr_violation=0
UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
.PHONY: asan
asan:
	@ASAN_OPTIONS='$(ASAN_OPTIONS)' UBSAN_OPTIONS='$(UBSAN_OPTIONS)' \
	  $(MAKE) --no-print-directory BUILD=build-asan SAN=1 check

# ------------------------------------------------------------------ valgrind
# The end-to-end suites with actord under valgrind's memcheck (and actorctl
# too in tests/e2e/cli-*.bats; not in the shell's tests, whose keys typed
# to a terminal race memcheck's pace), on the normal build; actord's
# children (exec's launchers, isolate hosts) run natively.
# tests/e2e/helpers.bash wraps the binaries (VALGRIND=1), fails a file
# whose daemon's log shows a memory error or a definite or indirect leak,
# and waits TIMEOUT_SCALE times longer; run-all.sh then checks every log
# (daemons the tests start themselves, actorctl). Not the harness-* and install-* files: they run a
# stand-in or an installed daemon, never the build's actord. TESTS=FILE.bats
# runs only those files.
VALGRIND_LOG_DIR  ?= $(BUILD)/valgrind/logs
VALGRIND_TESTS    := $(filter-out tests/e2e/harness-% tests/e2e/install-%, \
                       $(wildcard tests/e2e/*.bats)) $(wildcard tests/shell/*.bats)
VALGRIND_FILE_TIMEOUT ?= 1800
.PHONY: valgrind
valgrind: all unit test-plugins $(if $(FUZZ_REPLAY),fuzz-replay)
	@command -v valgrind >/dev/null || \
	  { echo 'make valgrind: valgrind is not installed (apt-get install valgrind)' >&2; exit 1; }
	@rm -rf '$(VALGRIND_LOG_DIR)' && mkdir -p '$(VALGRIND_LOG_DIR)'
	@VALGRIND=1 VALGRIND_ACTORCTL='*/e2e/cli-*' VALGRIND_LOG_DIR='$(abspath $(VALGRIND_LOG_DIR))' \
	  FILE_TIMEOUT='$(VALGRIND_FILE_TIMEOUT)' SUITES='bats valgrind' \
	  BUILD='$(BUILD)' bash tests/run-all.sh $(or $(TESTS),$(VALGRIND_TESTS))

# ----------------------------------------------------------------------- run
# Start actord in the background on the default socket with the bundled
# plugins and a state directory in the build tree (or reuse the one that
# runs), then open the shell. The daemon stays up: actorctl daemon stop.
# RUN_STATE and RUN_LOG move its state directory and log file elsewhere.
RUN_STATE ?= $(BUILD)/state
RUN_LOG   ?= $(BUILD)/actord.log
.PHONY: run
run: all
	@sh mk/run.sh '$(BUILD)' '$(RUN_STATE)' '$(RUN_LOG)'

# ------------------------------------------------------------------- install
INSTALL_MANS := $(wildcard man/*.[1-8])
INSTALL_COMP := $(wildcard dist/actorctl.bash)

.PHONY: install
install: all
	$(INSTALL) -d '$(DESTDIR)$(bindir)' '$(DESTDIR)$(libdir)' \
	  '$(DESTDIR)$(includedir)/actor' '$(DESTDIR)$(pkgconfdir)' \
	  '$(DESTDIR)$(pluginsdir)' '$(DESTDIR)$(unitdir)'
	$(INSTALL) -m 755 $(BIN)/actord $(BIN)/actorctl '$(DESTDIR)$(bindir)/'
	$(INSTALL) -m 644 $(LIB_A) '$(DESTDIR)$(libdir)/'
	$(INSTALL) -m 755 $(LIB_SO) '$(DESTDIR)$(libdir)/'
	$(INSTALL) -m 644 lib/include/actor/*.h '$(DESTDIR)$(includedir)/actor/'
	$(SUBST) dist/libactor.pc.in > '$(DESTDIR)$(pkgconfdir)/libactor.pc'
	chmod 644 '$(DESTDIR)$(pkgconfdir)/libactor.pc'
	$(INSTALL) -m 755 $(PLUG)/*.so '$(DESTDIR)$(pluginsdir)/'
	@set -e; for p in $(INSTALL_MANS); do \
	  s=$${p##*.}; \
	  echo "$(INSTALL) -m 644 $$p '$(DESTDIR)$(mandir)/man$$s/'"; \
	  $(INSTALL) -d "$(DESTDIR)$(mandir)/man$$s"; \
	  $(INSTALL) -m 644 "$$p" "$(DESTDIR)$(mandir)/man$$s/"; \
	done
ifneq ($(INSTALL_COMP),)
	$(INSTALL) -d '$(DESTDIR)$(bashcompdir)'
	$(INSTALL) -m 644 $(INSTALL_COMP) '$(DESTDIR)$(bashcompdir)/actorctl'
endif
	$(SUBST) dist/actord.service > '$(DESTDIR)$(unitdir)/actord.service'
	chmod 644 '$(DESTDIR)$(unitdir)/actord.service'

# Remove exactly what install put there (plugins by the names this tree
# builds, so that plugins someone else put in the directory stay), then the
# directories that are left empty.
UNINSTALL_PLUGINS := $(sort $(notdir $(wildcard $(PLUG)/*.so)) \
                            $(PLUGIN_NAMES:%=%.so))
.PHONY: uninstall
uninstall:
	rm -f '$(DESTDIR)$(bindir)/actord' '$(DESTDIR)$(bindir)/actorctl'
	rm -f '$(DESTDIR)$(libdir)/libactor.a' '$(DESTDIR)$(libdir)/libactor.so'
	rm -f $(patsubst lib/include/actor/%,'$(DESTDIR)$(includedir)/actor/%',$(wildcard lib/include/actor/*.h))
	rm -f '$(DESTDIR)$(pkgconfdir)/libactor.pc'
	rm -f $(UNINSTALL_PLUGINS:%='$(DESTDIR)$(pluginsdir)/%')
	@set -e; for p in $(INSTALL_MANS); do \
	  echo "rm -f '$(DESTDIR)$(mandir)/man$${p##*.}/$${p##*/}'"; \
	  rm -f "$(DESTDIR)$(mandir)/man$${p##*.}/$${p##*/}"; \
	done
	rm -f '$(DESTDIR)$(bashcompdir)/actorctl'
	rm -f '$(DESTDIR)$(unitdir)/actord.service'
	@for d in '$(DESTDIR)$(includedir)/actor' '$(DESTDIR)$(pluginsdir)' \
	  '$(DESTDIR)$(libdir)/actord'; do rmdir "$$d" 2>/dev/null || true; done

# ---------------------------------------------------------------------- help
.PHONY: help
help:
	@echo 'make                 build everything into $(BUILD)/ (bin/, lib/, plugins/)'
	@echo 'make run             start actord with the bundled plugins, open the shell'
	@echo 'make check           build and run every test suite'
	@echo '                     (TESTS=tests/e2e/x.bats: only those bats files)'
	@echo 'make asan            the suites under ASan/UBSan (in build-asan/)'
	@echo 'make valgrind        the end-to-end suites with actord under memcheck'
	@echo '                     (logs in $(BUILD)/valgrind/logs; TESTS= as for check)'
	@echo 'make bench           the benchmarks, one JSON line per workload'
	@echo 'make bench-compare   the runtime workloads beside Erlang/OTP and CAF, with ratios'
	@echo 'make bench-net       the network workloads beside nginx and plain libuv (wrk), with ratios'
	@echo 'make fuzz            each fuzz target for FUZZ_SECONDS (30) with clang, in build-fuzz/'
	@echo 'make install         PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)'
	@echo 'make uninstall       remove what install installed (same PREFIX/DESTDIR)'
	@echo 'make deps            check (as root: install) the packages the build needs'
	@echo 'make lib daemon cli plugins unit test-plugins   one piece only'
	@echo 'make clean           remove build/ and every build-*/ tree'
