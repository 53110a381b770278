# plugins: the bundled plugins, one folder each (plugins/NAME/*.c ->
# build/plugins/NAME.so); a new folder is picked up without editing this.
# Each is built the way an outside author builds one: the public header and
# jansson's flags only, never libactor's objects or its internal headers, so
# that a plugin that builds here builds anywhere the header is installed. Only the descriptor is exported (-fvisibility=hidden;
# ACT_PLUGIN marks act_plugin visible).
PLUGIN_NAMES    := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard plugins/*/*.c)))))
PLUGIN_SOS      := $(PLUGIN_NAMES:%=$(PLUG)/%.so)
PLUGIN_CPPFLAGS := -D_GNU_SOURCE -Ilib/include \
                   $(shell pkg-config --cflags jansson 2>/dev/null)
PLUGIN_CFLAGS    = $(ALL_CFLAGS) -fvisibility=hidden
PLUGIN_LIBS     := $(shell pkg-config --libs jansson 2>/dev/null)

# More specific than the top Makefile's $(OBJ)/%.o, so it wins for plugins:
# the same flags minus libactor's internal include path and libuv.
$(OBJ)/plugins/%.o: plugins/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CPPFLAGS) $(PLUGIN_CFLAGS) -MMD -MP -c $< -o $@

# One link rule per plugin, from every object of its folder (a pattern rule
# cannot say plugins/NAME/*.o).
define PLUGIN_RULE
$$(PLUG)/$(1).so: $$(patsubst %.c,$$(OBJ)/%.o,$$(wildcard plugins/$(1)/*.c))
	@mkdir -p $$(@D)
	$$(CC) -shared $$(LDFLAGS) -o $$@ $$^ $$(PLUGIN_LIBS)
endef
$(foreach p,$(PLUGIN_NAMES),$(eval $(call PLUGIN_RULE,$(p))))

.PHONY: plugins
plugins: $(PLUGIN_SOS)
all: plugins
