# tests/plugins: plugins that misbehave on purpose, as real shared objects
# (build/tests/plugins/NAME.so), for the loader's unit test and the e2e
# tests; and example.c, the example of actor-plugin(3), so that the man
# page's code is compiled and loaded by the suite.
#
#   bad-abi      ABI version from the future
#   bad-size     right version, wrong descriptor size
#   no-symbol    a shared object without act_plugin
#   init-fails   loads, but every actor fails in init
#   clash        calls itself "echo"
#   bad-name     a name that is not a valid name
#   undefined    needs a symbol nothing defines (dlopen RTLD_NOW fails)
#   not-a-plugin not a shared object at all (text)
#   example      kv, the example plugin of the man page
#   counter-v2   counter 2.0.0, with code_change (deploy)
#   counter-broken  counter 3.0.0-broken, whose actors cannot start
#                (deploy must roll back)
#   counter-crashy  counter 3.0.0-crashy: code_change works, {"boom":true}
#                crashes (a crash in deploy's watch window)
TEST_PLUG       := $(BUILD)/tests/plugins
TEST_PLUGIN_SRCS := $(wildcard tests/plugins/*.c)
TEST_PLUGIN_SOS := $(TEST_PLUGIN_SRCS:tests/plugins/%.c=$(TEST_PLUG)/%.so) \
                   $(TEST_PLUG)/not-a-plugin.so
# Kept after the link (make would delete them as intermediate files and
# rebuild them on every run).
.SECONDARY: $(TEST_PLUGIN_SRCS:%.c=$(OBJ)/%.o)

# Built exactly as the bundled plugins are (plugins/module.mk's flags), by
# the top Makefile's object rule with the plugin flags.
$(OBJ)/tests/plugins/%.o: tests/plugins/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CPPFLAGS) $(PLUGIN_CFLAGS) -MMD -MP -c $< -o $@

# Shared objects may keep undefined symbols at link time; that is what
# makes undefined.so fail only when dlopen'ed with RTLD_NOW.
$(TEST_PLUG)/%.so: $(OBJ)/tests/plugins/%.o
	@mkdir -p $(@D)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(PLUGIN_LIBS)

$(TEST_PLUG)/not-a-plugin.so: tests/plugins/module.mk
	@mkdir -p $(@D)
	printf 'This is a text file named like a plugin.\n' > $@

.PHONY: test-plugins
test-plugins: $(TEST_PLUGIN_SOS)
all: test-plugins
