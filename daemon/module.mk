# daemon: actord, from every daemon/*.c, linked with libactor. Plugins get a
# table of host functions, so the binary exports nothing (no -rdynamic).
DAEMON_SRCS := $(wildcard daemon/*.c)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(OBJ)/%.o)
ACTORD      := $(BIN)/actord

# Where an installed actord finds its plugins.
ACTORD_PLUGIN_DIR ?= $(PREFIX)/lib/actord/plugins
$(OBJ)/daemon/main.o: CPPFLAGS += -DACT_PLUGIN_DIR='"$(ACTORD_PLUGIN_DIR)"'

$(ACTORD): $(DAEMON_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(LIB_A) $(LDLIBS_COMMON) || \
	  { rm -f $@; exit 1; }

.PHONY: daemon
daemon: $(ACTORD)
all: daemon
