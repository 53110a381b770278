# tests: each suite describes its own build in its module.mk; make check
# (mk/targets.mk) builds them all and runs tests/run-all.sh, which counts
# every test of every suite:
#   unit/     C unit tests of lib, one process per test  (make unit)
#   plugins/  plugins broken on purpose, as real .so files (make test-plugins)
#   inject/   LD_PRELOAD shims that make system calls fail (make inject)
#   e2e/      bats end-to-end tests, a private daemon per file
#   shell/    the interactive shell in a real terminal (tmux)
#   bench/    benchmarks: make bench, not part of check
include tests/unit/module.mk
include tests/plugins/module.mk
include tests/inject/module.mk
include tests/bench/module.mk
# fuzz/: fuzz targets (make fuzz) and their replay under make check.
include tests/fuzz/module.mk
