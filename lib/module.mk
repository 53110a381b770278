# libactor: the runtime and what actord and actorctl share.
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ)/%.o)
LIB_A    := $(BUILD)/lib/libactor.a
LIB_SO   := $(BUILD)/lib/libactor.so

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON)

.PHONY: lib
lib: $(LIB_A) $(LIB_SO)
all: lib
