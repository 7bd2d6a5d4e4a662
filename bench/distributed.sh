#!/usr/bin/env bash
# rlc bench: MPI scaling on this machine (docs/distributed.md). Prints figures; asserts nothing.
#   bench/distributed.sh [BUILD_DIR]
# Environment: PPO_STEPS (default 1000000), SAC_STEPS (default 200000): the HalfCheetah budgets
# (the configs' own); GRID_STEPS (default 20000): steps of each of the 8 runs of the ablation grid.
#  1. the gradient allreduce against the parameter count (bench_allreduce, 2 ranks);
#  2. ablation throughput: the same 8-run grid with mpirun -np 1 and -np 2 (one worker per rank);
#  3. data-parallel PPO and SAC on HalfCheetah-v5 at equal total environment steps, -np 1 and
#     -np 2 (steps/s and the final evaluation), and -np 4 oversubscribed for correctness only.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build}"
rlc="$build/rlc"
# --bind-to none: on a shared machine a rank pinned to a busy core stalls every collective
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
export OPENBLAS_NUM_THREADS=1
PPO_STEPS="${PPO_STEPS:-1000000}"
SAC_STEPS="${SAC_STEPS:-200000}"
GRID_STEPS="${GRID_STEPS:-20000}"
work="$(mktemp -d /tmp/rlc-bench-dist.XXXXXX)"
echo "machine: $(nproc) cores, load average now: $(cut -d' ' -f1-3 /proc/loadavg); scratch $work"

echo; echo "== 1. gradient allreduce (2 ranks)"
"${mpirun[@]}" -np 2 "$build/bench_allreduce" 100

echo; echo "== 2. ablation throughput: 8 runs of PPO CartPole-v1 x $GRID_STEPS steps"
cat > "$work/grid.yaml" <<YAML
name: grid
base: $here/configs/ppo_cartpole.yaml
seeds: [1, 2, 3, 4]
set: {total_steps: $GRID_STEPS, log.eval_interval: 0, log.eval_episodes: 5}
axes:
  losses.value: [mse, huber]
YAML
for np in 1 2; do
  t0=$(date +%s.%N)
  "${mpirun[@]}" -np $np "$rlc" ablate "$work/grid.yaml" --jobs 1 --runs-dir "$work/grid_np$np" > "$work/grid_np$np.log" 2>&1
  t1=$(date +%s.%N)
  awk -v np=$np -v a="$t0" -v b="$t1" 'BEGIN { w = b - a; printf "-np %d: 8 runs in %.1f s = %.0f runs/hour\n", np, w, 8 * 3600 / w }'
done

train() {   # np config steps tag
  local np=$1 cfg=$2 steps=$3 tag=$4
  "${mpirun[@]}" -np "$np" "$rlc" train "$here/configs/$cfg" --set total_steps="$steps" --set log.eval_interval=0 \
    --set log.eval_episodes=10 --set log.checkpoint_interval=0 --quiet --run-dir "$work/$tag" > "$work/$tag.log" 2>&1
  local sps eval
  sps=$(sed -n 's/.*(\([0-9.]*\) steps\/s).*/\1/p' "$work/$tag.log")
  eval=$(sed -n 's/final evaluation: return \([-0-9.]*\) +- \([0-9.]*\).*/\1 +- \2/p' "$work/$tag.log")
  printf "%-5s -np %d  %8s steps  %8s steps/s  final evaluation %s\n" "${cfg%%_*}" "$np" "$steps" "$sps" "$eval"
}

echo; echo "== 3. data-parallel HalfCheetah-v5 at equal total environment steps"
for np in 1 2; do train $np ppo_halfcheetah.yaml "$PPO_STEPS" ppo_np$np; done
for np in 1 2; do train $np sac_halfcheetah.yaml "$SAC_STEPS" sac_np$np; done
echo "-np 4 (oversubscribed: correctness only, its steps/s mean nothing here)"
train 4 ppo_halfcheetah.yaml 32768 ppo_np4
train 4 sac_halfcheetah.yaml 8000 sac_np4
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$work"
