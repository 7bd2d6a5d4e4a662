#!/bin/sh
# rlc tests: the dependency rule of docs/architecture.md. A source file may include headers of
# its own folder and of the folders below it, never of a folder above:
#   core  <-  nn, losses, replay, envs  <-  agents  <-  addons  <-  algos  <-  train  <-  research
#         <-  cli, api
# agents/ is the interface (agent.h, the registry, the data-parallel hooks); addons/ the modules
# an algorithm attaches (aux heads, exploration, preference reward models); algos/ the
# algorithms; train/ what runs a training (trainer, evaluation, checkpoints, replay files,
# recording); bench/ the throughput programs, over the trainer. GAE and the TD returns are replay/returns.c, so replay needs only core. Run by CTest (test
# `layering`):  layering_test.sh SOURCE_DIR     Exits 1 naming every offending include.
set -eu
root=$1
cd "$root"

# the folders each folder may include from (besides itself)
allowed() {
    case $1 in
        core) echo "" ;;
        nn | losses | envs) echo "core" ;;
        replay) echo "core" ;;
        agents) echo "core nn losses replay envs" ;;
        addons) echo "core nn losses replay envs agents" ;;
        algos) echo "core nn losses replay envs agents addons" ;;
        train) echo "core nn losses replay envs agents addons algos" ;;
        research) echo "core nn losses replay envs agents addons algos train" ;;
        cli | api) echo "core nn losses replay envs agents addons algos train research" ;;
        bench) echo "core nn losses replay envs agents addons algos train" ;;
        *) echo "?" ;;
    esac
}

rooms="core nn losses replay envs agents addons algos train research cli api bench"
bad=0
checked=0
# every top-level folder holding C sources is a room of the rule (tests/, examples/ and build
# trees aside: tests and plugins may include anything)
for dir in $(find . -mindepth 2 \( -name '*.c' -o -name '*.h' \) | cut -d/ -f2 | sort -u); do
    case " $rooms tests examples " in
        *" $dir "*) ;;
        *) case $dir in
               build*) ;;
               *) echo "layering: $dir/ holds C sources but is no room of the rule (add it to rooms and allowed)" >&2
                  bad=1 ;;
           esac ;;
    esac
done
for dir in $rooms; do
    [ -d "$dir" ] || continue
    ok=$(allowed "$dir")
    for f in $(find "$dir" -name '*.[ch]' | sort); do
        checked=$((checked + 1))
        # every quoted include of the form "folder/file.h"
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p' "$f" | sort -u); do
            [ "$inc" = "$dir" ] && continue
            case " $ok " in
                *" $inc "*) ;;
                *) echo "layering: $f includes a header of $inc/, which $dir/ may not use (allowed: ${ok:-none})" >&2
                   bad=1 ;;
            esac
        done
    done
done
[ "$checked" -gt 0 ] || { echo "layering: no source files found under $root" >&2; exit 1; }
[ "$bad" -eq 0 ] || exit 1
echo "layering: $checked files follow the dependency rule"
