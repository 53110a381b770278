# actord / actorctl - one non-recursive Makefile. Each directory describes its
# own targets in module.mk; this file holds the flags and the rules they share.
#
#   make            build everything into build/
#   make check      every test suite; ends with "N passed, N failed"
#   make run        start actord with the bundled plugins and open the shell
#   make asan       the suites under AddressSanitizer and UBSan (build-asan/)
#   make bench      the benchmarks, one JSON line per workload
#   make install PREFIX=/usr/local DESTDIR=

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
SAN      ?=

# The dependencies every piece builds against (mk/deps.sh installs them).
PKGS     := libuv jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
            -Wstrict-prototypes -Wpointer-arith -Wno-unused-parameter
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -D_GNU_SOURCE -Ilib/include -Ilib $(PKG_CFLAGS)
ALL_CFLAGS = -std=gnu11 $(OPT) $(WARN) -fPIC -pthread $(CFLAGS)
LDLIBS_COMMON = $(PKG_LIBS) -lpthread -ldl -lm

ifneq ($(SAN),)
  ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
endif

BIN   := $(BUILD)/bin
OBJ   := $(BUILD)/obj
PLUG  := $(BUILD)/plugins

.PHONY: all check run asan bench install uninstall clean deps
all:

# Every object waits for the dependency check (order-only: it does not make
# objects stale).
DEPS_STAMP := $(BUILD)/.deps-ok
$(DEPS_STAMP): mk/deps.sh
	@mkdir -p $(@D)
	@sh mk/deps.sh
	@touch $@
deps: $(DEPS_STAMP)

$(OBJ)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

include lib/module.mk
include plugins/module.mk
include daemon/module.mk
include cli/module.mk
include tests/module.mk
include mk/targets.mk

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-tsan

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
