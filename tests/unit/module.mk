# tests/unit: the C unit tests of lib, one binary, every test forked into a
# process of its own (runner.c). Any tests/unit/test-*.c is compiled in;
# list its cases in a list-*.h included by test-list.h. test-loader.c also
# links the daemon's plugin loader.
UNIT_SRCS := tests/unit/runner.c tests/unit/support.c \
             $(wildcard tests/unit/test-*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(OBJ)/%.o)
UNIT_BIN  := $(BIN)/unit-tests
UNIT_EXTRA_OBJS := $(if $(and $(wildcard tests/unit/test-loader.c),$(wildcard daemon/loader.c)),$(OBJ)/daemon/loader.o)

# The tests find the build's plugins (tests/plugins, plugins) from here.
$(OBJ)/tests/unit/%.o: CPPFLAGS += -DTEST_BUILD_DIR='"$(BUILD)"'

$(UNIT_BIN): $(UNIT_OBJS) $(UNIT_EXTRA_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(UNIT_EXTRA_OBJS) $(LIB_A) $(LDLIBS_COMMON)

.PHONY: unit
unit: $(UNIT_BIN)
