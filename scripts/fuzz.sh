#!/usr/bin/env bash
# Builds rlc's libFuzzer targets (tests/fuzz/, in build-fuzz/ with clang, AddressSanitizer and
# UBSan) and runs each for SECONDS (default 60) from its seed corpus. Exits non-zero when a
# target finds a crash, a leak, undefined behaviour, an input slower than 10 s, more than 2 GB of
# memory, or a broken property; the input that shows it is kept in build-fuzz/findings/<target>/
# (replay: build-fuzz/<target> build-fuzz/findings/<target>/crash-...). docs/fuzzing.md.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     TARGET: fuzz_config fuzz_set fuzz_checkpoint fuzz_ablation fuzz_tune
#                                             fuzz_replay fuzz_gemm_table
# Needs clang and libFuzzer: scripts/install-deps.sh --fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(fuzz_config fuzz_set fuzz_checkpoint fuzz_ablation fuzz_tune fuzz_replay fuzz_gemm_table)
fi
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [[ "$secs" -lt 1 ]]; then
  echo "fuzz.sh: SECONDS must be a positive integer, got '$secs'" >&2
  exit 2
fi

build=build-fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DRLC_FUZZ=ON -DRLC_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target rlc "${targets[@]}" >/dev/null

export OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# checkpoints of tiny runs of each algorithm, made by this build's rlc so that they follow the
# current format; one run a line: name|config|--set values separated by '|'
checkpoint_runs='ppo|configs/ppo_cartpole.yaml|ppo.num_steps=16|env.num_envs=2|normalize.obs=true|normalize.reward=true
ppo_aux|configs/ppo_cartpole.yaml|ppo.num_steps=16|env.num_envs=2|network.shared=true|aux=[{head: reward_prediction, loss: huber, weight: 0.1}]
ppo_cont|configs/ppo_pendulum.yaml|ppo.num_steps=16|env.num_envs=2
a2c|configs/a2c_cartpole.yaml|env.num_envs=2
reinforce|configs/reinforce_cartpole.yaml|reinforce.episodes_per_update=1
dqn|configs/dqn_cartpole.yaml|dqn.learning_starts=100|dqn.buffer_size=500|dqn.batch_size=8|env.num_envs=1
qrdqn|configs/qrdqn_cartpole.yaml|dqn.learning_starts=100|dqn.buffer_size=500|dqn.batch_size=8|dqn.n_quantiles=4|env.num_envs=1
c51|configs/c51_cartpole.yaml|dqn.learning_starts=100|dqn.buffer_size=500|dqn.batch_size=8|env.num_envs=1
sac|configs/sac_pendulum.yaml|sac.learning_starts=100|sac.buffer_size=500|sac.batch_size=8
icm|configs/ppo_icm_mountaincar.yaml|ppo.num_steps=16|env.num_envs=2|exploration.hidden=[8]'

# sets name and args (`rlc train` of one seed run line under directory runs): the line's config,
# the given --set values, then the line's own
seed_run() {
  local runs=$1 line=$2 s
  shift 2
  IFS='|' read -ra f <<<"$line"
  name=${f[0]}
  args=(train "${f[1]}" --quiet --run-dir "$runs/$name")
  for s in "$@" "${f[@]:2}"; do
    args+=(--set "$s")
  done
}

make_checkpoint_seeds() {
  local out=$1 runs="$build/seed-runs" line
  rm -rf "$runs"
  while IFS= read -r line; do
    seed_run "$runs" "$line" total_steps=400 log.eval_interval=0 log.eval_episodes=1 'network.hidden=[8]'
    if ! "$build/rlc" "${args[@]}" >"$runs.log" 2>&1; then
      echo "fuzz.sh: the seed run $name failed:" >&2
      cat "$runs.log" >&2
      exit 1
    fi
    cp "$runs/$name/checkpoint.safetensors" "$out/$name.safetensors"
  done <<<"$checkpoint_runs"
}

# replay buffers of tiny off-policy runs stopped by SIGTERM after 3 seconds (the buffer is written
# only when a run is interrupted); one run a line, as above
replay_runs='dqn|configs/dqn_cartpole.yaml|dqn.buffer_size=256|env.num_envs=2
dqn_per|configs/dqn_cartpole.yaml|dqn.buffer_size=300|env.num_envs=3|dqn.prioritized=true|dqn.n_step=3
sac|configs/sac_pendulum.yaml|sac.buffer_size=200|sac.learning_starts=50|sac.batch_size=8'

make_replay_seeds() {
  local out=$1 runs="$build/seed-replay" line
  rm -rf "$runs"
  while IFS= read -r line; do
    seed_run "$runs" "$line" total_steps=100000000 log.checkpoint_interval=0 'network.hidden=[8]'
    timeout -s TERM 3 "$build/rlc" "${args[@]}" >"$runs.log" 2>&1 || true
    if [[ -f "$runs/$name/replay.safetensors" ]]; then
      cp "$runs/$name/replay.safetensors" "$out/$name.safetensors"
    else
      echo "fuzz.sh: the seed run $name left no replay buffer (the target starts without it):" >&2
      tail -3 "$runs.log" >&2
    fi
  done <<<"$replay_runs"
}

# the working corpus of a target in $corpus: its seeds, copied (libFuzzer adds what it finds
# there, and the source tree stays as it is)
seed_corpus() {
  local t=$1
  corpus="$build/corpus/$t"
  mkdir -p "$corpus"
  case $t in
    fuzz_config) cp configs/*.yaml tests/fuzz/corpus/config/* "$corpus/" ;;
    fuzz_set) cp tests/fuzz/corpus/set/* "$corpus/" ;;
    fuzz_checkpoint) make_checkpoint_seeds "$corpus" ;;
    fuzz_ablation) cp configs/ablations/*.yaml "$corpus/" ;;
    fuzz_tune) cp configs/tune/*.yaml "$corpus/" ;;
    fuzz_replay) make_replay_seeds "$corpus" ;;
    fuzz_gemm_table) cp tests/fuzz/corpus/gemm_table/* "$corpus/" ;;
    *) echo "fuzz.sh: unknown target '$t'" >&2; exit 2 ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  seed_corpus "$t"
  # the targets' scratch files (the input written to a file, the ablation directory)
  export TMPDIR="$PWD/$build/tmp"
  rm -rf "$TMPDIR"
  mkdir -p "$TMPDIR"
  findings="$build/findings/$t"
  mkdir -p "$findings"
  log="$build/$t.log"
  echo "fuzz.sh: $t for ${secs}s ($(ls "$corpus" | wc -l) inputs in $corpus)"
  if "$build/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$log" | tr '\n' ' ' | sed 's/^/  /'
    echo
  else
    echo "fuzz.sh: $t FAILED; the log: $log, the input: $findings/$(ls "$findings" | head -1)" >&2
    grep -E "ERROR|SUMMARY|property broken|Test unit written" "$log" | head -5 >&2 || true
    failed+=("$t")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: findings in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, ${secs}s each, no findings"
