#!/bin/sh
# The build's target names are what a user guesses: target `rlc` is the program (it prints its
# version), `librlc` the shared library librlc.so, `rlc_static` the static librlc.a. Run by CTest
# (test `target_names`):  target_names_test.sh FILE_OF_rlc FILE_OF_librlc FILE_OF_rlc_static VERSION
set -eu
prog=$1 shared=$2 static=$3 version=$4
fail() { echo "target_names: $*" >&2; exit 1; }
[ "$(basename "$prog")" = rlc ] && [ -x "$prog" ] || fail "target rlc builds $prog, not the rlc program"
out=$("$prog" --version) || fail "$prog --version failed"
[ "$out" = "rlc $version" ] || fail "$prog --version printed '$out', expected 'rlc $version'"
[ "$(basename "$shared")" = librlc.so ] || fail "target librlc builds $shared, not librlc.so"
[ "$(basename "$static")" = librlc.a ] || fail "target rlc_static builds $static, not librlc.a"
echo "target_names: ok"
