# cli: actorctl, the command-line tool and its interactive shell. It links
# only the shared part of libactor it uses (the protocol framing, socket path
# rules and error names come out of the static archive on demand), readline
# for the shell and libuv to serve the shell's terminal and socket together.
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(OBJ)/%.o)
CLI_BIN  := $(BIN)/actorctl

$(CLI_BIN): $(CLI_OBJS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB_A) $(LDLIBS_COMMON) -lreadline

.PHONY: cli
cli: $(CLI_BIN)
all: cli
