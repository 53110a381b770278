# tests/bench: the benchmarks of BENCHMARKS.md.
#
#   make bench          the runtime workloads (build/bin/actor-bench, medians
#                       of 3), then the daemon workloads (tests/bench/daemon.sh)
#   make bench-compare  the runtime workloads side by side with the Erlang/OTP
#                       and CAF versions under tests/bench/peers/, interleaved,
#                       medians of 3, and a table of ratios
#   make bench-net      the network workloads only (tests/bench/net.sh):
#                       http_hello beside nginx and a plain libuv server
#                       under wrk, tcp_echo beside the libuv server; make
#                       bench runs them too, after the daemon workloads
#
# BENCH_RUNS=N changes the number of runs a median is taken of.

BENCH_BIN      := $(BIN)/actor-bench
BENCH_CTL_BIN  := $(BIN)/ctl-bench
BENCH_ECHO_BIN := $(BIN)/echo-client
BENCH_PEER_DIR := $(BUILD)/bench
BENCH_UV_PEER  := $(BENCH_PEER_DIR)/uv_peer
BENCH_RUNS     ?= 3

$(BENCH_BIN): $(OBJ)/tests/bench/actor-bench.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -pthread -o $@ $< $(LIB_A) $(LDLIBS_COMMON)

$(BENCH_CTL_BIN): $(OBJ)/tests/bench/ctl-bench.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LDLIBS_COMMON)

$(BENCH_ECHO_BIN): $(OBJ)/tests/bench/echo-client.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $<

# The libuv peer needs only libuv, which the build needs anyway, so it is
# always built (with the project's flags: it must pass -Werror too).
$(BENCH_UV_PEER): $(OBJ)/tests/bench/peers/uv_peer.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -pthread -o $@ $< $(LDLIBS_COMMON)

all: $(BENCH_BIN) $(BENCH_CTL_BIN) $(BENCH_ECHO_BIN) $(BENCH_UV_PEER)

# The peers are built only where their toolchains are installed; compare.sh
# says which one it skips and why.
BENCH_ERLC := $(shell command -v erlc 2>/dev/null)
BENCH_CAF  := $(wildcard /usr/include/caf/all.hpp)
BENCH_PEERS := $(if $(BENCH_ERLC),$(BENCH_PEER_DIR)/actor_bench.beam) \
               $(if $(BENCH_CAF),$(BENCH_PEER_DIR)/caf-bench)

$(BENCH_PEER_DIR)/actor_bench.beam: tests/bench/peers/actor_bench.erl
	@mkdir -p $(@D)
	erlc -o $(@D) $<

$(BENCH_PEER_DIR)/caf-bench: tests/bench/peers/caf_bench.cpp
	@mkdir -p $(@D)
	$(CXX) -O2 -std=c++17 -o $@ $< -lcaf_core -pthread

.PHONY: bench bench-compare bench-net
bench: all
	@BENCH_RUNS=$(BENCH_RUNS) sh tests/bench/run.sh $(BENCH_BIN)
	@BENCH_RUNS=$(BENCH_RUNS) sh tests/bench/daemon.sh $(BIN)
	@BENCH_RUNS=$(BENCH_RUNS) sh tests/bench/net.sh $(BIN) $(BENCH_PEER_DIR)

bench-net: all
	@BENCH_RUNS=$(BENCH_RUNS) sh tests/bench/net.sh $(BIN) $(BENCH_PEER_DIR)

bench-compare: $(BENCH_BIN) $(BENCH_PEERS)
	@BENCH_RUNS=$(BENCH_RUNS) sh tests/bench/compare.sh $(BENCH_BIN) \
	  $(BENCH_PEER_DIR)
