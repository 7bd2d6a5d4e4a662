#!/usr/bin/python3
"""rlc bench: steps/s of rlc.make_vec driven from Python (random actions drawn with numpy) against the C vector env (build/bench_vec, same environments, random actions drawn in C)
and against Gymnasium's own vector env (gymnasium.make_vec, sync) when gymnasium is installed.

usage: bench/bench_python.py [--build BUILD] [--seconds S] [--rounds R] [--instructions K]
  (run with Debian's /usr/bin/python3, with PYTHONPATH=python and RLC_LIBRARY=BUILD/librlc.so
   or an installed rlc package)

For CartPole-v1 and HalfCheetah-v5 with 1, 8 and 64 copies, each round measures C, Python and
Gymnasium one after the other for S seconds each, so a ratio compares figures taken under the
same load; the table gives the medians over the rounds of steps/s (wall clock) and of the
Python/C ratio, both on wall-clock time and on process CPU time (which a machine shared with
other jobs disturbs less). Environment steps = vector steps x copies. The Python loops cycle
through 256 batches of random actions drawn with numpy before timing, so the figures measure the
vector env (and its Python layer), not numpy's generator; C draws its actions inside the loop.

--instructions K counts instructions instead (valgrind's callgrind, which no other job on the
machine disturbs): each side runs once with K vector steps and once with none, and the difference
divided by K is the cost of one vector step; the table gives C's count over Python's.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

TASKS = ["CartPole-v1", "HalfCheetah-v5"]
COPIES = [1, 8, 64]


def bench_c(build, env_id, n, seconds):
    out = subprocess.run([os.path.join(build, "bench_vec"), env_id, str(n), str(seconds)],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[2]), float(out[3])


def random_actions(space, n, rng, batches=256):
    """(batches, n, ...) random actions: uniform in the bounds / over the indices."""
    if hasattr(space, "n"):
        return rng.integers(0, space.n, size=(batches, n))
    low, high = space.low.astype(np.float32), space.high.astype(np.float32)
    return rng.uniform(low, high, size=(batches, n) + low.shape).astype(np.float32)


def timed_loop(envs, actions, n, seconds):
    """(steps/s wall, steps per CPU second) of step(actions[k]) for `seconds`."""
    envs.reset(seed=0)
    for k in range(100):
        envs.step(actions[k % len(actions)])
    steps, k = 0, 0
    t0, c0 = time.perf_counter(), time.process_time()
    t = t0
    while t - t0 < seconds:
        for _ in range(16):
            envs.step(actions[k])
            k = (k + 1) % len(actions)
        steps += 16 * n
        t = time.perf_counter()
    return steps / (t - t0), steps / (time.process_time() - c0)


def bench_rlc(env_id, n, seconds):
    import rlc
    envs = rlc.make_vec(env_id, n, seed=0)
    rng = np.random.default_rng(0)
    r = timed_loop(envs, random_actions(envs.single_action_space, n, rng), n, seconds)
    envs.close()
    return r


def bench_gymnasium(env_id, n, seconds):
    """(steps/s, CPU steps/s) of Gymnasium's sync vector env, or the reason it cannot be timed
    (a string: gymnasium not importable, or the id's own dependency missing, e.g. mujoco)"""
    try:
        import gymnasium
    except ImportError:
        return "not installed"
    try:
        envs = gymnasium.make_vec(env_id, num_envs=n, vectorization_mode="sync")
    except Exception as e:   # gymnasium.error.DependencyNotInstalled and the like
        return f"cannot make it: {type(e).__name__}"
    rng = np.random.default_rng(0)
    r = timed_loop(envs, random_actions(envs.single_action_space, n, rng), n, seconds)
    envs.close()
    return r


def fixed_loop(env_id, n, k):
    """K vector steps after the same warm-up as timed_loop (for --instructions)."""
    import rlc
    envs = rlc.make_vec(env_id, n, seed=0)
    actions = random_actions(envs.single_action_space, n, np.random.default_rng(0))
    envs.reset(seed=0)
    for j in range(100 + k):
        envs.step(actions[j % len(actions)])


def callgrind(cmd):
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                         capture_output=True, text=True, check=True).stderr
    return int(re.search(r"Collected : (\d+)", out).group(1))


def instructions(build, cases, k):
    print(f"instructions per vector step (callgrind, {k} steps minus none)")
    print("| task | copies | C | Python | C / Python |")
    print("|---|---|---|---|---|")
    for env_id, n in cases:
        c = [callgrind([os.path.join(build, "bench_vec"), env_id, str(n), "1", "1", str(s)])
             for s in (k, 0)]
        py = [callgrind([sys.executable, os.path.abspath(__file__), "--loop", env_id, str(n), str(s)])
              for s in (k, 0)]
        ci, pi = (c[0] - c[1]) / k, (py[0] - py[1]) / k
        print(f"| {env_id} | {n} | {ci:,.0f} | {pi:,.0f} | {ci / pi:.1%} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tasks", nargs="*", default=TASKS)
    ap.add_argument("--copies", nargs="*", type=int, default=COPIES)
    ap.add_argument("--instructions", type=int, default=0, metavar="K")
    ap.add_argument("--loop", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("RLC_LIBRARY", os.path.join(args.build, "librlc.so"))
    if args.loop:
        fixed_loop(args.loop[0], int(args.loop[1]), int(args.loop[2]))
        return
    import rlc
    tasks = [t for t in args.tasks if rlc.have_mujoco() or "Cheetah" not in t]
    cases = [(t, n) for t in tasks for n in args.copies]
    if args.instructions:
        instructions(args.build, cases, args.instructions)
        return
    res = {c: {"c": [], "py": [], "gym": []} for c in cases}
    for r in range(args.rounds):
        for env_id, n in cases:
            d = res[(env_id, n)]
            d["c"].append(bench_c(args.build, env_id, n, args.seconds))
            d["py"].append(bench_rlc(env_id, n, args.seconds))
            d["gym"].append(bench_gymnasium(env_id, n, args.seconds))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    med = statistics.median
    print(f"{args.rounds} rounds of {args.seconds:g} s per measurement; medians")
    print("| task | copies | C steps/s | Python steps/s | Python/C (wall) | Python/C (CPU) | Gymnasium steps/s |")
    print("|---|---|---|---|---|---|---|")
    for env_id, n in cases:
        d = res[(env_id, n)]
        wall = med(p[0] / c[0] for p, c in zip(d["py"], d["c"]))
        cpu = med(p[1] / c[1] for p, c in zip(d["py"], d["c"]))
        gym = (d["gym"][0] if isinstance(d["gym"][0], str) else f"{med(g[0] for g in d['gym']):,.0f}")
        print(f"| {env_id} | {n} | {med(c[0] for c in d['c']):,.0f} | {med(p[0] for p in d['py']):,.0f} "
              f"| {wall:.1%} | {cpu:.1%} | {gym} |")


if __name__ == "__main__":
    main()
