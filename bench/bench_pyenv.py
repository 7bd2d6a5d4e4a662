#!/usr/bin/python3
"""rlc bench: steps/s of PPO on an environment written in Python (rlc.train(env=...)) against PPO
on rlc's own C CartPole-v1 and against the Python environment stepped alone.

usage: bench/bench_pyenv.py [--steps N] [--rounds R] [--seconds S]
  (run with Debian's /usr/bin/python3, with PYTHONPATH=python and RLC_LIBRARY=BUILD/librlc.so
   or an installed rlc package)

The Python environment is python/tests/pyenvs.py's CartPole: Gymnasium's CartPole-v1 dynamics in
plain Python floats, returning float32 numpy observations. Each round measures, one after the
other so that ratios compare figures taken under the same load:
  - PPO through the bridge: configs/ppo_cartpole.yaml (4 copies x 128 steps, 4 epochs) for N steps
    on the Python CartPole (training steps/s as rlc.train reports them: the training loop, without
    the final evaluation);
  - PPO on rlc's C CartPole-v1, same config and steps;
  - the Python CartPole stepped alone: 4 instances in a Python loop with random actions drawn
    beforehand, reset when an episode ends, for S seconds (what a pure-Python loop costs before any
    learning);
  - the bridge alone: rlc.make_vec of the Python CartPole, 4 copies, random actions (what rlc's
    stepping adds to the environment's own cost).
The table gives the medians over the rounds; the CPU model, the OpenBLAS kernel (read from a
checkpoint's metadata) and the load average are printed with it.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "tests"))

import rlc  # noqa: E402
from rlc.training import _checkpoint_metadata  # noqa: E402
from pyenvs import CartPole  # noqa: E402

CONFIG = os.path.join(ROOT, "configs", "ppo_cartpole.yaml")
N_ENVS = 4


def ppo(steps, run_dir, env=None):
    overrides = {"total_steps": steps, "log.eval_interval": 0, "log.checkpoint_interval": 0,
                 "log.eval_episodes": 1, "env.max_episode_steps": 500}
    r = rlc.train(CONFIG, run_dir=run_dir, overrides=overrides, env=env, env_id="BenchCartPole" if env else None)
    return r.sps


def python_alone(seconds, seed=0):
    envs = [CartPole() for _ in range(N_ENVS)]
    for i, e in enumerate(envs):
        e.reset(seed=seed + i)
    actions = np.random.default_rng(seed).integers(0, 2, size=(4096, N_ENVS)).tolist()
    steps, k, t0 = 0, 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for i, e in enumerate(envs):
            _, _, term, trunc, _ = e.step(actions[k % 4096][i])
            if term or trunc:
                e.reset()
        k += 1
        steps += N_ENVS
    return steps / (time.perf_counter() - t0)


def bridge_alone(seconds, seed=0):
    actions = np.random.default_rng(seed).integers(0, 2, size=(4096, N_ENVS))
    with rlc.make_vec(CartPole, N_ENVS, seed=seed, max_episode_steps=500, copy=False) as v:
        v.reset()
        steps, k, t0 = 0, 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            v.step(actions[k % 4096])
            k += 1
            steps += N_ENVS
        return steps / (time.perf_counter() - t0)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--steps", type=int, default=100000, help="PPO steps per run (default 100000)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--seconds", type=float, default=2.0, help="seconds of each stepping loop (default 2)")
    a = ap.parse_args()
    rows = {"PPO, Python CartPole through rlc.train(env=...)": [],
            "PPO, rlc's C CartPole-v1": [],
            "Python CartPole stepped alone (no learning)": [],
            "Python CartPole through rlc.make_vec (no learning)": []}
    names = list(rows)
    kernel = "unknown"
    with tempfile.TemporaryDirectory() as d:
        for k in range(a.rounds):
            rows[names[0]].append(ppo(a.steps, os.path.join(d, f"py{k}"), env=CartPole))
            rows[names[1]].append(ppo(a.steps, os.path.join(d, f"c{k}")))
            rows[names[2]].append(python_alone(a.seconds))
            rows[names[3]].append(bridge_alone(a.seconds))
            print(f"round {k + 1}: " + ", ".join(f"{v[-1]:,.0f}" for v in rows.values()), file=sys.stderr)
        kernel = _checkpoint_metadata(os.path.join(d, "c0")).get("rlc.blas_kernel", "unknown")
    med = {n: statistics.median(v) for n, v in rows.items()}
    print(f"CPU: {cpu_model()} ({os.cpu_count()} cores), OpenBLAS kernel {kernel}, load average "
          f"{os.getloadavg()[0]:.1f}; PPO {a.steps} steps, {N_ENVS} copies; medians of {a.rounds} rounds\n")
    print("| what | steps/s | of PPO on the C CartPole |")
    print("|---|---|---|")
    for n in names:
        print(f"| {n} | {med[n]:,.0f} | {med[n] / med[names[1]]:.0%} |")


if __name__ == "__main__":
    main()
