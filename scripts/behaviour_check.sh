#!/bin/sh
# rlc: behaviour check for restructurings that must not change what training computes.
#
#   scripts/behaviour_check.sh RLC_BINARY OUT_DIR [CONFIG_DIR]
#
# Trains every CONFIG_DIR/*.yaml (default: configs/ beside this script) at seed 1 on a shortened
# budget (--set keys only: fewer steps, earlier learning starts, small preference rounds, log and
# evaluation intervals that give metrics.csv and eval.csv several rows), then the auxiliary-head
# combinations (every head of configs/ablations/ppo_aux_cartpole.yaml on PPO, and heads on A2C,
# DQN, QR-DQN, C51 and SAC) and the exploration modules (icm, rnd, simhash). Writes
# OUT_DIR/behaviour.txt: one line per run and file, "sha256  run/file". Run it on the tree before
# and after a change under the same BLAS kernel and compare the two files with diff:
#
#   scripts/behaviour_check.sh build/rlc /tmp/before && ... && diff /tmp/before/behaviour.txt /tmp/after/behaviour.txt
#
# checkpoint.safetensors (the final one) is hashed too: its tensors and metadata (names and values),
# and the resolved config it records as sorted lines, so that reordering the dump's sections is
# not a difference.
# Runs are sequential (one core); the run directories are removed when the check ends, whatever
# the outcome. Exits 1 if a run fails (its output is kept in OUT_DIR/failed/).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 RLC_BINARY OUT_DIR [CONFIG_DIR]" >&2; exit 2; }
rlc=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
configs=${3:-$here/../configs}
[ -x "$rlc" ] || { echo "behaviour_check: $rlc is not an executable" >&2; exit 2; }
py=$(command -v python3) || { echo "behaviour_check: needs python3 (standard library only)" >&2; exit 2; }
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/rlc-behaviour.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM HUP
list=$out/behaviour.txt
: >"$list"
failed=0

# the budget: the same for every run, whatever the algorithm
common="--set seed=1 --set log.log_interval=1024 --set log.eval_interval=2048
 --set log.eval_episodes=2 --set log.checkpoint_interval=0 --set log.tensorboard=false
 --set log.progress=false"

# the shortened schedule of one algorithm
budget() {
    case $1 in
        ppo) echo "--set total_steps=8192 --set ppo.num_steps=64" ;;
        a2c) echo "--set total_steps=8192" ;;
        reinforce) echo "--set total_steps=8192" ;;
        dqn | qrdqn | c51) echo "--set total_steps=4096 --set dqn.learning_starts=1000" ;;
        sac) echo "--set total_steps=3072 --set sac.learning_starts=500 --set sac.batch_size=64" ;;
        *) echo "behaviour_check: no budget for algo $1" >&2; exit 2 ;;
    esac
}

# a preference reward model's rounds, small (ignored unless reward_model.enabled)
pref="--set reward_model.query_start=1000 --set reward_model.query_interval=1024
 --set reward_model.queries_per_round=10 --set reward_model.max_labels=40
 --set reward_model.segment_length=20 --set reward_model.epochs=2
 --set reward_model.batch_size=8"

# run NAME CONFIG ALGO [--set ...]: train, hash metrics.csv, eval.csv and the checkpoint
run() {
    name=$1 config=$2 algo=$3
    shift 3
    dir=$work/$name
    # shellcheck disable=SC2046,SC2086
    if ! "$rlc" train "$config" --quiet --run-dir "$dir" $common $(budget "$algo") "$@" \
        >"$work/$name.log" 2>&1; then
        echo "behaviour_check: $name failed:" >&2
        cat "$work/$name.log" >&2
        mkdir -p "$out/failed"
        cp "$work/$name.log" "$out/failed/"
        failed=1
        return 0
    fi
    for f in metrics.csv eval.csv; do
        h=$(sha256sum "$dir/$f" | cut -d' ' -f1)
        echo "$h  $name/$f" >>"$list"
    done
    ckpt_hashes "$dir/checkpoint.safetensors" "$name" >>"$list"
    rm -rf "$dir" "$work/$name.log"
    echo "behaviour_check: $name" >&2
}

# two lines for a checkpoint: its tensors and metadata without rlc.config, and the resolved config
# it records as sorted lines (the order of the sections in a dump is not behaviour)
ckpt_hashes() {
    "$py" - "$1" "$2" <<'PY'
import hashlib, json, struct, sys
path, name = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    data = f.read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
meta = header.pop("__metadata__", {})
config = meta.pop("rlc.config", "")
body = json.dumps([header, meta], sort_keys=True).encode() + data[8 + n:]
print(hashlib.sha256(body).hexdigest() + "  " + name + "/checkpoint.safetensors (tensors, metadata)")
lines = "\n".join(sorted(config.splitlines())).encode()
print(hashlib.sha256(lines).hexdigest() + "  " + name + "/checkpoint.safetensors (rlc.config, sorted lines)")
PY
}

algo_of() { sed -n 's/^algo:[[:space:]]*\([a-z0-9_]*\).*/\1/p' "$1"; }

# 1. every ready config
for f in "$configs"/*.yaml; do
    name=$(basename "$f" .yaml)
    algo=$(algo_of "$f")
    case $name in
        *pref*) run "$name" "$f" "$algo" $pref ;;
        *) run "$name" "$f" "$algo" ;;
    esac
done

# 2. auxiliary heads: every head of the PPO ablation, then heads on the other agents
aux_rp='[{head: reward_prediction, loss: huber, weight: 0.1}]'
aux_fd='[{head: forward_dynamics, loss: mse, weight: 0.1}]'
aux_id='[{head: inverse_dynamics, loss: cross_entropy, weight: 0.1}]'
aux_tc='[{head: temporal_contrastive, loss: info_nce, weight: 0.1, k: 3, temperature: 0.1}]'
aux_vi='[{head: representation, loss: vicreg, weight: 0.1, noise: 0.1}]'
aux_bt='[{head: representation, loss: barlow_twins, weight: 0.1, noise: 0.1}]'
aux_all='[{head: reward_prediction, loss: huber, weight: 0.1}, {head: forward_dynamics, loss: mse, weight: 0.1}, {head: inverse_dynamics, loss: cross_entropy, weight: 0.1}]'
aux_box='[{head: reward_prediction, loss: huber, weight: 0.1}, {head: forward_dynamics, loss: mse, weight: 0.1}, {head: inverse_dynamics, loss: mse, weight: 0.1}]'
ppo_shared="--set network.shared=true --set ppo.learning_rate=1e-3"
run ppo_aux_none "$configs/ppo_cartpole.yaml" ppo $ppo_shared
for h in rp fd id tc vi bt all; do
    eval "spec=\$aux_$h"
    run "ppo_aux_$h" "$configs/ppo_cartpole.yaml" ppo $ppo_shared --set "aux=$spec"
done
run ppo_aux_pendulum "$configs/ppo_pendulum.yaml" ppo --set network.shared=true --set "aux=$aux_box"
run ppo_threads2 "$configs/ppo_cartpole.yaml" ppo --set ppo.threads=2
run a2c_aux "$configs/a2c_cartpole.yaml" a2c --set a2c.shared=true --set "aux=$aux_all"
run dqn_aux "$configs/dqn_cartpole.yaml" dqn --set "aux=$aux_all"
run dqn_aux_tc "$configs/dqn_cartpole.yaml" dqn --set "aux=$aux_tc"
run qrdqn_aux "$configs/qrdqn_cartpole.yaml" qrdqn --set "aux=$aux_vi"
run c51_aux "$configs/c51_cartpole.yaml" c51 --set "aux=$aux_bt"
run sac_aux "$configs/sac_pendulum.yaml" sac --set "aux=$aux_box"
run sac_aux_threads2 "$configs/sac_pendulum.yaml" sac --set sac.threads=2 --set "aux=$aux_rp"

# 3. exploration modules on PPO (MountainCar) and A2C
for m in icm rnd simhash; do
    run "ppo_explore_$m" "$configs/ppo_rnd_mountaincar.yaml" ppo --set "exploration.name=$m"
    run "ppo_explore_${m}_threads2" "$configs/ppo_rnd_mountaincar.yaml" ppo \
        --set "exploration.name=$m" --set ppo.threads=2
done
run ppo_explore_icm_pendulum "$configs/ppo_pendulum.yaml" ppo --set exploration.name=icm \
    --set exploration.inverse_loss=icm_inverse_continuous
run a2c_explore_rnd "$configs/a2c_cartpole.yaml" a2c --set exploration.name=rnd

n=$(wc -l <"$list")
echo "behaviour_check: $((n / 4)) runs hashed into $list" >&2
[ "$failed" -eq 0 ] || { echo "behaviour_check: some runs failed (see $out/failed/)" >&2; exit 1; }
