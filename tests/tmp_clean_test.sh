#!/bin/sh
# Tests leave nothing behind when they pass, and keep their files when they fail
# (tests/helpers/tmp.c). Each test program given runs with TMPDIR set to a fresh directory, which
# must be empty afterwards; then test_tmp's deliberately failing test must leave its file there.
# Run by CTest (test `tmp_clean`):  tmp_clean_test.sh TEST_TMP_BINARY TEST_BINARY...
set -eu
self=$1
shift
base=$(mktemp -d "${TMPDIR:-/tmp}/rlc_tmp_clean.XXXXXX")
trap 'st=$?; if [ $st -eq 0 ]; then rm -rf "$base"; else echo "tmp_clean: files kept in $base" >&2; fi' EXIT
for bin in "$@"; do
    dir=$base/$(basename "$bin")
    mkdir "$dir"
    TMPDIR=$dir "$bin" --jobs 1 > "$dir.log" 2>&1 || { cat "$dir.log" >&2; echo "tmp_clean: $bin failed" >&2; exit 1; }
    left=$(find "$dir" -mindepth 1 | head -n 5)
    if [ -n "$left" ]; then
        echo "tmp_clean: $bin passed but left files in its TMPDIR:" >&2
        echo "$left" >&2
        exit 1
    fi
done
# a failing test keeps what it wrote, and the runner says where
dir=$base/failing
mkdir "$dir"
if TMPDIR=$dir RLT_TMP_SELFTEST_FAIL=1 "$self" --jobs 1 --filter 'tmp/kept_when_failing' > "$dir.log" 2>&1; then
    echo "tmp_clean: the deliberately failing test passed" >&2
    exit 1
fi
kept=$(find "$dir" -type f -name 'evidence_*' | head -n 1)
[ -n "$kept" ] || { cat "$dir.log" >&2; echo "tmp_clean: a failing test's file was removed" >&2; exit 1; }
grep -q "files are kept in" "$dir.log" || { cat "$dir.log" >&2; echo "tmp_clean: the runner did not say where" >&2; exit 1; }
echo "tmp_clean: ok"
