#!/bin/sh
# rlc tests: scripts/zoo_table.py regenerates the zoo table (docs/zoo.md) from run directories.
# Two tiny PPO CartPole runs are trained (and a copy of one cut short, which must be left out); the CartPole-v1 row's PPO cell must give their mean,
# the IQM with an interval, 2 seeds, the budget and how many reach the threshold, and an unmeasured pair must say so; --update
# replaces the table between the markers and nothing else. Run by CTest (test `zoo_table`):
#   zoo_table_test.sh RLC_BINARY SOURCE_DIR PYTHON
set -eu
rlc=$1
src=$2
py=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rlc_zoo_table_XXXXXX")
# removed when the test passes, kept (and named) when it fails
trap 'st=$?; if [ $st -eq 0 ]; then rm -rf "$tmp"; else echo "zoo_table test: files kept in $tmp" >&2; fi' EXIT

for seed in 1 2; do
    "$rlc" train "$src/configs/ppo_cartpole.yaml" --run-dir "$tmp/runs/ppo_cartpole/seed_$seed" --quiet \
        --set seed=$seed --set total_steps=2048 --set log.eval_interval=1024 --set log.eval_episodes=2 \
        --set log.checkpoint_interval=0 > /dev/null
done
# a third run stopped before its budget (its last evaluation at step 1024 of 2048) is left out
cp -r "$tmp/runs/ppo_cartpole/seed_1" "$tmp/runs/ppo_cartpole/seed_3"
sed -i '$d' "$tmp/runs/ppo_cartpole/seed_3/eval.csv"
# the expected mean of the two final evaluations, computed here from eval.csv
mean=$(for s in 1 2; do tail -n 1 "$tmp/runs/ppo_cartpole/seed_$s/eval.csv"; done |
       awk -F, '{ sum += $2 } END { printf "%.1f", sum / NR }')

# and how many of them reach CartPole's registered threshold, 475
reached=$(for s in 1 2; do tail -n 1 "$tmp/runs/ppo_cartpole/seed_$s/eval.csv"; done |
          awk -F, '$2 >= 475 { n++ } END { print n + 0 }')

# wall-clock seconds: a resumed run's timing.csv restarts at 0, and its segments are added up
# (seed 1: 10 + 4 = 14 s; seed 2: 12 s; the cell says their mean, 13 s)
printf 'step,wall_s,steps_per_s\n1024,10.0,102.4\n2048,4.0,256\n' > "$tmp/runs/ppo_cartpole/seed_1/timing.csv"
printf 'step,wall_s,steps_per_s\n1024,5.0,204.8\n2048,12.0,170.7\n' > "$tmp/runs/ppo_cartpole/seed_2/timing.csv"

# a run on masked velocities (its own row, RL Zoo's CartPoleNoVel) and a recurrent one on them (the
# ppo_lstm column): copies of seed 2 with their configs edited; neither joins the plain PPO cell
for kind in masked lstm; do
    d="$tmp/runs/ppo_$kind/seed_1"
    mkdir -p "$tmp/runs/ppo_$kind"
    cp -r "$tmp/runs/ppo_cartpole/seed_2" "$d"
    sed -i 's/^  mask_velocity: false$/  mask_velocity: true/' "$d/config.yaml"
    [ $kind = lstm ] && sed -i '/^recurrent:/,/^[a-z]/ s/^  type: "none"$/  type: "lstm"/' "$d/config.yaml"
done

"$py" "$src/scripts/zoo_table.py" --zoo "$src/configs/zoo" --runs "$tmp/runs" > "$tmp/table.md"
masked=$(grep '^| CartPole-v1 (mask_velocity) |' "$tmp/table.md") ||
    { echo "zoo_table: no masked CartPole row" >&2; cat "$tmp/table.md" >&2; exit 1; }
header=$(grep '^| environment |' "$tmp/table.md")
col=$(echo "$header" | tr '|' '\n' | sed 's/ //g' | grep -n -x 'ppo_lstm' | cut -d: -f1)
[ -n "$col" ] || { echo "zoo_table: no ppo_lstm column: $header" >&2; exit 1; }
case $(echo "$masked" | cut -d'|' -f3) in
    *", 1 seed<br>"*"published: none found"*) ;;
    *) echo "zoo_table: the masked PPO cell: $masked" >&2; exit 1 ;;
esac
case $(echo "$masked" | cut -d'|' -f"$col") in
    *", 1 seed<br>"*"published: RL Zoo 500 (100k)"*) ;;
    *) echo "zoo_table: the masked ppo_lstm cell (column $col): $masked" >&2; exit 1 ;;
esac
row=$(grep '^| CartPole-v1 |' "$tmp/table.md") || { echo "zoo_table: no CartPole-v1 row" >&2; cat "$tmp/table.md" >&2; exit 1; }
ppo=$(echo "$row" | cut -d'|' -f3)
for want in "mean $mean<br>" "IQM " ", 2 seeds<br>" "budget 2048, 13 s<br>" "<br>$reached/2 seeds reach 475<br>" "published: RL Zoo 500 (100k)"; do
    case $ppo in
        *"$want"*) ;;
        *) echo "zoo_table: the PPO CartPole cell lacks '$want': $ppo" >&2; exit 1 ;;
    esac
done
grep '^| Acrobot-v1 |' "$tmp/table.md" | grep -q 'not yet measured<br>budget 500k' ||
    { echo "zoo_table: unmeasured DQN/PPO Acrobot cells are not marked" >&2; exit 1; }
grep -q '^| HalfCheetah-v5 |' "$tmp/table.md" || { echo "zoo_table: no HalfCheetah-v5 row" >&2; exit 1; }
# every observation wrapper of a config names its row (CarRacing's RL Zoo preprocessing)
grep '^| CarRacing-v3 (frame_skip=2, frame_stack=2, grayscale, resize=64x64) |' "$tmp/table.md" |
    grep -q 'budget 4M' || { echo "zoo_table: no CarRacing row naming its wrappers" >&2; exit 1; }
# every agent with a zoo config has its column (one added after the script was written too)
header=$(grep '^| environment |' "$tmp/table.md")
for algo in $(ls "$src/configs/zoo" | sed -n 's/^\([a-z0-9]*\)_.*\.yaml$/\1/p' | sort -u); do
    case $header in
        *" $algo |"*) ;;
        *) echo "zoo_table: no column for $algo, which has zoo configs: $header" >&2; exit 1 ;;
    esac
done

# --env-prefix: only the MinAtar rows (with their published figures, approximate ones marked ~),
# and only the columns they use
"$py" "$src/scripts/zoo_table.py" --zoo "$src/configs/zoo" --runs "$tmp/runs" --env-prefix MinAtar/ > "$tmp/minatar.md"
[ "$(grep -c '^| MinAtar/' "$tmp/minatar.md")" -eq 5 ] && ! grep -q '^| CartPole' "$tmp/minatar.md" ||
    { echo "zoo_table: --env-prefix MinAtar/ rows:" >&2; cat "$tmp/minatar.md" >&2; exit 1; }
grep '^| MinAtar/Breakout-v1 |' "$tmp/minatar.md" | grep -q 'published: MinAtar paper ~10 (5M)' &&
    ! grep -q '^| environment |.* sac |' "$tmp/minatar.md" ||
    { echo "zoo_table: --env-prefix MinAtar/ cells or columns:" >&2; cat "$tmp/minatar.md" >&2; exit 1; }

# --update: the text around the markers is kept, the table between them replaced
printf 'before\n<!-- zoo-table:start -->\nold table\n<!-- zoo-table:end -->\nafter\n' > "$tmp/doc.md"
"$py" "$src/scripts/zoo_table.py" --zoo "$src/configs/zoo" --runs "$tmp/runs" --update "$tmp/doc.md"
head -n 2 "$tmp/doc.md" | tail -n 1 | grep -q 'zoo-table:start' || { echo "zoo_table: head lost" >&2; exit 1; }
tail -n 1 "$tmp/doc.md" | grep -qx 'after' || { echo "zoo_table: tail lost" >&2; exit 1; }
! grep -q 'old table' "$tmp/doc.md" || { echo "zoo_table: old table kept" >&2; exit 1; }
grep -q "mean $mean<br>" "$tmp/doc.md" || { echo "zoo_table: --update wrote no measured cell" >&2; exit 1; }
echo "zoo_table: table regenerated from 2 runs (PPO CartPole mean $mean)"
