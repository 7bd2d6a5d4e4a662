#!/bin/sh
# rlc: byte-identical check of two builds (before and after a restructuring).
#
#   scripts/bytecheck.sh RLC_BEFORE RLC_AFTER CONFIG.yaml... [-- --set key=value...]
#
# Trains every CONFIG at seed 1 with both binaries (the two runs side by side, so two processes at
# a time; nothing else in parallel), each in a fresh temporary run directory, on a short budget
# made of --set keys only: total_steps of about two PPO rollouts (rollouts longer than 4096 steps
# cut to 4096), 32 A2C rollouts, 4096 REINFORCE steps, or 800 off-policy steps with
# learning_starts=500; log rows every quarter, evaluations (2 episodes) and checkpoints every
# half of the budget; a preference reward model's rounds small; env.threads=1 and
# OPENBLAS_NUM_THREADS=1. Replay sizes are the files' own. Extra --set options after -- go to
# every run. Then cmp's metrics.csv, eval.csv and every *.safetensors of the two run directories
# and prints one line per config:
#
#   NAME  identical
#   NAME  DIFFER metrics.csv checkpoint.safetensors(rlc.config only) ...
#   NAME  refused by both: MESSAGE          (the same message from both)
#   NAME  error: before ... / after ...     (one failed, or both with different messages)
#
# "(rlc.config only)": the checkpoint's tensors and other metadata are identical and only the
# resolved config it records differs (e.g. a new key's default in the dump). Give both binaries
# the same config files (e.g. the "before" tree's configs/) and run them under the same BLAS
# kernel. Exits 1 if any line is not "identical" or "refused by both". The run directories are
# removed at the end; BYTECHECK_KEEP=DIR keeps the differing ones there.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 RLC_BEFORE RLC_AFTER CONFIG.yaml... [-- --set k=v...]" >&2; exit 2; }
before=$1 after=$2
shift 2
for b in "$before" "$after"; do
    [ -x "$b" ] || { echo "bytecheck: $b is not an executable" >&2; exit 2; }
done
py=$(command -v python3) || { echo "bytecheck: needs python3 (standard library only)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/rlc-bytecheck.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM HUP
export OPENBLAS_NUM_THREADS=1

# key VALUE of the first "  key: VALUE" line of a file (the default when absent)
yaml_int() { v=$(sed -n "s/^[[:space:]]*$2:[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$1" | head -n1); echo "${v:-$3}"; }

# the shortened budget of one config: --set options on stdout
budget() {
    f=$1
    algo=$(sed -n 's/^algo:[[:space:]]*\([a-z0-9_]*\).*/\1/p' "$f")
    envs=$(yaml_int "$f" num_envs 1)
    case $algo in
        ppo)
            n=$(yaml_int "$f" num_steps 128)
            [ $((n * envs)) -le 4096 ] || { n=$((4096 / envs)); [ "$n" -ge 1 ] || n=1; echo "--set ppo.num_steps=$n"; }
            total=$((2 * n * envs)) ;;
        a2c) total=$((32 * $(yaml_int "$f" num_steps 5) * envs)) ;;
        reinforce) total=4096 ;;
        dqn | qrdqn | c51 | iqn | sac | td3 | ddpg)
            sec=$algo
            case $algo in qrdqn | c51) sec=dqn ;; esac
            echo "--set $sec.learning_starts=500"
            total=800 ;;
        *) echo "bytecheck: $f: no budget for algo '$algo'" >&2; return 1 ;;
    esac
    echo "--set total_steps=$total --set log.log_interval=$((total / 4))"
    echo "--set log.eval_interval=$((total / 2)) --set log.checkpoint_interval=$((total / 2))"
    if grep -q '^reward_model:' "$f"; then
        echo "--set reward_model.query_start=$((total / 4)) --set reward_model.query_interval=$((total / 4))"
        echo "--set reward_model.queries_per_round=10 --set reward_model.max_labels=40"
        echo "--set reward_model.segment_length=20 --set reward_model.epochs=2 --set reward_model.batch_size=8"
    fi
}
common="--seed 1 --set env.threads=1 --set log.eval_episodes=2 --set log.tensorboard=false
 --set log.progress=false"

# tensors and metadata equal apart from rlc.config: exit 0
ckpt_same_but_config() {
    "$py" - "$1" "$2" <<'PY'
import json, struct, sys
def body(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    header.get("__metadata__", {}).pop("rlc.config", None)
    return json.dumps(header, sort_keys=True).encode() + data[8 + n:]
sys.exit(0 if body(sys.argv[1]) == body(sys.argv[2]) else 1)
PY
}

# the files of two run directories that differ, as one word each
differences() {
    a=$1 b=$2
    for f in metrics.csv eval.csv $(cd "$a" && find . -name '*.safetensors' | sort) \
        $(cd "$b" && find . -name '*.safetensors' | sort); do
        f=${f#./}
        case " $seen " in *" $f "*) continue ;; esac
        seen="$seen $f"
        if [ ! -f "$a/$f" ] || [ ! -f "$b/$f" ]; then printf ' %s(missing)' "$f"
        elif cmp -s "$a/$f" "$b/$f"; then :
        elif [ "${f%.safetensors}" != "$f" ] && ckpt_same_but_config "$a/$f" "$b/$f"; then
            printf ' %s(rlc.config only)' "$f"
        else printf ' %s' "$f"; fi
    done
}

# check CONFIG [--set...]: one line on stdout
check() {
    f=$1
    shift
    name=${f%.yaml}
    i=$((i + 1))
    sets=$(budget "$f") || { echo "$name  error: no budget"; bad=1; return 0; }
    # shellcheck disable=SC2086
    "$before" train "$f" --quiet --run-dir "$work/$i.before" $common $sets "$@" >"$work/$i.before.log" 2>&1 &
    pid_b=$!
    # shellcheck disable=SC2086
    "$after" train "$f" --quiet --run-dir "$work/$i.after" $common $sets "$@" >"$work/$i.after.log" 2>&1 &
    pid_a=$!
    rc_b=0 rc_a=0
    wait "$pid_b" || rc_b=$?
    wait "$pid_a" || rc_a=$?
    msg_b=$(sed "s|$work/$i.before|RUN|g" "$work/$i.before.log" | tail -n 3)
    msg_a=$(sed "s|$work/$i.after|RUN|g" "$work/$i.after.log" | tail -n 3)
    if [ $rc_b -ne 0 ] || [ $rc_a -ne 0 ]; then
        if [ $rc_b -ne 0 ] && [ $rc_a -ne 0 ] && [ "$msg_b" = "$msg_a" ]; then
            echo "$name  refused by both: $(echo "$msg_b" | tr '\n' ' ')"
        else
            echo "$name  error: before (exit $rc_b) $(echo "$msg_b" | tr '\n' ' ') / after (exit $rc_a) $(echo "$msg_a" | tr '\n' ' ')"
            bad=1
        fi
    else
        seen=""
        d=$(differences "$work/$i.before" "$work/$i.after")
        if [ -z "$d" ]; then echo "$name  identical"
        else
            echo "$name  DIFFER$d"
            bad=1
            if [ -n "${BYTECHECK_KEEP:-}" ]; then
                keep=$BYTECHECK_KEEP/$(echo "$name" | tr / _)
                mkdir -p "$keep" && cp -r "$work/$i.before" "$work/$i.after" "$keep/"
            fi
        fi
    fi
    rm -rf "$work/$i.before" "$work/$i.after" "$work/$i.before.log" "$work/$i.after.log"
}

configs=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do configs="$configs $1"; shift; done
[ $# -eq 0 ] || shift
bad=0 i=0
for f in $configs; do check "$f" "$@"; done
exit $bad
