#!/bin/sh
# rlc tests: tests/layering_test.sh itself. Copies the real tree's sources to a temporary
# directory, checks the copy passes, then plants upward includes (a lower layer
# including a header of a higher one) and checks the layering test fails naming each file.
# Run by CTest (test `layering_detects`):  layering_selftest.sh SOURCE_DIR
set -eu
root=$1
check=$root/tests/layering_test.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rlc_layering.XXXXXX")
# removed when the test passes, kept (and named) when it fails
trap 'st=$?; if [ $st -eq 0 ]; then rm -rf "$tmp"; else echo "layering_selftest: files kept in $tmp" >&2; fi' EXIT
for dir in core nn losses replay envs agents addons algos train research cli api bench; do
    [ -d "$root/$dir" ] && cp -R "$root/$dir" "$tmp/$dir"
done
sh "$check" "$tmp" > /dev/null 2>&1 || { echo "layering_selftest: the unmodified tree fails" >&2; exit 1; }

# plant one upward include in each of these files (FILE:HEADER), then expect a failure that
# names every one of them
planted="core/rng.c:nn/nn.h nn/nn.h:losses/loss.h losses/loss.h:replay/rollout.h
replay/rollout.c:losses/loss.h envs/env.h:agents/agent.h agents/registry.c:algos/onpolicy.h
addons/aux.c:algos/offpolicy.h algos/sac.c:train/trainer.h train/trainer.c:research/ablation.h
research/compare.c:cli/cli.h bench/bench_nn.c:research/ablation.h"
for p in $planted; do
    printf '#include "%s"\n' "${p#*:}" >> "$tmp/${p%%:*}"
done
if sh "$check" "$tmp" > "$tmp/out" 2>&1; then
    echo "layering_selftest: the tree with upward includes passed the layering test" >&2; exit 1
fi
for p in $planted; do
    grep -q "${p%%:*} includes a header of $(dirname "${p#*:}")/" "$tmp/out" || {
        echo "layering_selftest: ${p%%:*} including ${p#*:} was not reported:" >&2; cat "$tmp/out" >&2; exit 1; }
done
# a folder of C sources that the rule does not name is reported too
mkdir "$tmp/newroom" && echo 'int x;' > "$tmp/newroom/x.c"
if sh "$check" "$tmp" > "$tmp/out" 2>&1 || ! grep -q "newroom/ holds C sources but is no room" "$tmp/out"; then
    echo "layering_selftest: a folder outside the rule was not reported:" >&2; cat "$tmp/out" >&2; exit 1
fi
echo "layering_selftest: every planted upward include was caught, and a folder outside the rule"
