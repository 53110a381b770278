#!/bin/sh
# Check that what the build and the tests need is installed; as root, install
# what is missing with apt-get, otherwise print the line that would.
#
# The build: a C compiler, pkg-config, libuv, jansson, readline. The tests:
# bats (e2e), tmux (the shell in a real terminal), socat and jq (raw protocol
# lines and JSON), python3 (stand-in peers in the CLI and protocol tests),
# ps (process groups of exec actors), mandoc (man page lint).
pkgs=""
pkg-config --version >/dev/null 2>&1 || pkgs="$pkgs pkg-config"
pkg-config --exists libuv 2>/dev/null || pkgs="$pkgs libuv1-dev"
pkg-config --exists jansson 2>/dev/null || pkgs="$pkgs libjansson-dev"
[ -e /usr/include/readline/readline.h ] || pkgs="$pkgs libreadline-dev"
command -v cc >/dev/null 2>&1 || pkgs="$pkgs gcc"
command -v make >/dev/null 2>&1 || pkgs="$pkgs make"
command -v bats >/dev/null 2>&1 || pkgs="$pkgs bats"
command -v tmux >/dev/null 2>&1 || pkgs="$pkgs tmux"
command -v socat >/dev/null 2>&1 || pkgs="$pkgs socat"
command -v mandoc >/dev/null 2>&1 || pkgs="$pkgs mandoc"
command -v jq >/dev/null 2>&1 || pkgs="$pkgs jq"
command -v python3 >/dev/null 2>&1 || pkgs="$pkgs python3"
command -v ps >/dev/null 2>&1 || pkgs="$pkgs procps"
[ -z "$pkgs" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "deps: installing:$pkgs"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $pkgs >/dev/null || {
    echo "deps: apt-get install failed:$pkgs" >&2; exit 1; }
  exit 0
fi
echo "deps: missing:$pkgs" >&2
echo "deps: install them with: sudo apt-get install -y$pkgs" >&2
exit 1
