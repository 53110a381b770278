# tests: each suite describes its own build in its module.mk.
include tests/unit/module.mk
include tests/plugins/module.mk
include tests/bench/module.mk
