#!/usr/bin/python3
"""rlc bench: DQN on a MinAtar game, rlc against a PyTorch CPU implementation of the same network
and recipe, one thread each, run in turn (A B A B) so each ratio compares figures taken under the
same load.

usage: bench/bench_torch_dqn.py [--build BUILD] [--config CONFIG] [--steps N] [--starts S]
                                [--rounds R]
  (Debian's /usr/bin/python3, which has torch and numpy; PYTHONPATH=python and
   RLC_LIBRARY=BUILD/librlc.so, or an installed rlc package)

Both sides train the config's network (default configs/zoo/dqn_minatar_breakout_v1.yaml: the
MinAtar paper's 16 3x3/1 convolution, dense 128, linear Q-values) for N environment steps with
one update per step after S steps (batch 32, Huber TD loss, Adam, target copy every 1000 steps,
epsilon decaying linearly), on the same environment: rlc's MinAtar game, which the PyTorch side
steps through rlc.make_vec, so the figures compare the learners (network, replay, update and
the loop around them), not two implementations of the game. PyTorch runs with
torch.set_num_threads(1); rlc with RLC_CPUS=1 and OPENBLAS_NUM_THREADS=1. The table gives, per
round and as a median, environment steps per second of wall-clock and of process CPU time (CPU
time is what a machine shared with other jobs disturbs less) and rlc's figure over PyTorch's.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

# one thread for PyTorch's side: its intra-op pool (torch.set_num_threads below) and the BLAS and
# OpenMP pools under it, which read these before torch is imported
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread settings above)
import torch  # noqa: E402
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "python"))

import rlc  # noqa: E402  (after the path above)


def read_config(path):
    """The few keys the PyTorch side needs, read from the rlc config (flat `key: value` lines)."""
    keys = {}
    section = ""
    with open(path) as f:
        for line in f:
            text = line.split("#", 1)[0].rstrip()
            if not text.strip():
                continue
            if not text.startswith(" ") and text.endswith(":"):
                section = text[:-1]
                continue
            if ":" in text:
                k, v = text.strip().split(":", 1)
                keys[(section + "." + k) if text.startswith(" ") else k] = v.strip()
    return keys


class MinAtarQ(nn.Module):
    """16 3x3/1 convolution (valid padding), ReLU, dense 128, ReLU, linear Q-values."""

    def __init__(self, h, w, c, n_actions):
        super().__init__()
        self.conv = nn.Conv2d(c, 16, 3, 1)
        self.fc = nn.Linear(16 * (h - 2) * (w - 2), 128)
        self.out = nn.Linear(128, n_actions)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = torch.relu(self.fc(x.flatten(1)))
        return self.out(x)


def torch_dqn(env_id, cfg, steps, starts, seed):
    """Trains DQN for `steps` environment steps; returns (wall seconds, CPU seconds)."""
    torch.set_num_threads(1)
    if torch.get_num_interop_threads() != 1:
        torch.set_num_interop_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    env = rlc.make_vec(env_id, num_envs=1, seed=seed,
                       max_episode_steps=int(cfg.get("env.max_episode_steps", "10000")))
    # rlc's Python layer gives the H x W x C grid flat (NHWC order); MinAtar's grid is 10 x 10
    h = w = 10
    c = env.single_observation_space.shape[0] // (h * w)
    n_act = env.single_action_space.n
    q, target = MinAtarQ(h, w, c, n_act), MinAtarQ(h, w, c, n_act)
    target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=float(cfg["dqn.learning_rate"]),
                           eps=float(cfg["dqn.adam_eps"]))
    size, batch = int(cfg["dqn.buffer_size"]), int(cfg["dqn.batch_size"])
    gamma, target_every = float(cfg["dqn.gamma"]), int(cfg["dqn.target_update_interval"])
    obs_buf = np.zeros((size, h, w, c), np.uint8)
    next_buf = np.zeros((size, h, w, c), np.uint8)
    act_buf = np.zeros(size, np.int64)
    rew_buf = np.zeros(size, np.float32)
    done_buf = np.zeros(size, np.float32)
    decay = float(cfg["dqn.exploration_fraction"]) * int(cfg["total_steps"])
    e0, e1 = float(cfg["dqn.start_e"]), float(cfg["dqn.end_e"])

    def grid(o):
        return o.reshape(1, h, w, c)

    obs, _ = env.reset(seed=seed)
    obs = grid(obs)
    t0, c0 = time.perf_counter(), time.process_time()
    for t in range(steps):
        eps = max(e1, e0 + (e1 - e0) * t / decay)
        if rng.random() < eps:
            a = int(rng.integers(n_act))
        else:
            with torch.no_grad():
                x = torch.from_numpy(obs.astype(np.float32)).permute(0, 3, 1, 2)
                a = int(q(x).argmax(1)[0])
        nxt, r, term, trunc, info = env.step(np.array([a]))
        nxt = grid(nxt)
        k = t % size
        obs_buf[k] = obs[0]
        # the vector env resets a finished copy in the same step: the true last observation is
        # in info["final_obs"] when present
        last = info.get("final_obs") if isinstance(info, dict) else None
        next_buf[k] = grid(last[0])[0] if (last is not None and (term[0] or trunc[0])) else nxt[0]
        act_buf[k], rew_buf[k], done_buf[k] = a, r[0], float(term[0])
        obs = nxt
        if t >= starts:
            idx = rng.integers(0, min(t + 1, size), size=batch)
            o = torch.from_numpy(obs_buf[idx].astype(np.float32)).permute(0, 3, 1, 2)
            o2 = torch.from_numpy(next_buf[idx].astype(np.float32)).permute(0, 3, 1, 2)
            with torch.no_grad():
                y = torch.from_numpy(rew_buf[idx]) + gamma * (1 - torch.from_numpy(done_buf[idx])) \
                    * target(o2).max(1).values
            qa = q(o).gather(1, torch.from_numpy(act_buf[idx])[:, None])[:, 0]
            loss = nn.functional.smooth_l1_loss(qa, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if t % target_every == 0:
                target.load_state_dict(q.state_dict())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    env.close()
    return wall, cpu


def rlc_dqn(build, config, steps, starts, seed):
    """`rlc train` for `steps` steps on one thread; returns (wall seconds, CPU seconds)."""
    env = dict(os.environ, RLC_CPUS="1", OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="rlc-bench-") as tmp:
        cmd = [os.path.join(build, "rlc"), "train", config, "--quiet", "--run-dir",
               os.path.join(tmp, "run"), "--seed", str(seed),
               "--set", f"total_steps={steps}", "--set", f"dqn.learning_starts={starts}",
               "--set", "log.eval_interval=0", "--set", "log.checkpoint_interval=0",
               "--set", "log.eval_episodes=1"]
        r0 = os.times()
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        r1 = os.times()
    return wall, (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--config", default=os.path.join(ROOT, "configs/zoo/dqn_minatar_breakout_v1.yaml"))
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--starts", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    cfg = read_config(args.config)
    env_id = cfg["env.id"]
    print(f"DQN on {env_id}: {args.steps} steps, updates from step {args.starts}, one thread each; "
          f"torch {torch.__version__}")
    print("round | rlc steps/s (wall, CPU) | PyTorch steps/s (wall, CPU) | ratio (wall, CPU)")
    ratios_w, ratios_c = [], []
    for k in range(args.rounds):
        rw, rc = rlc_dqn(args.build, args.config, args.steps, args.starts, k + 1)
        tw, tc = torch_dqn(env_id, cfg, args.steps, args.starts, k + 1)
        ratios_w.append(tw / rw)
        ratios_c.append(tc / rc)
        print(f"{k + 1} | {args.steps / rw:.0f}, {args.steps / rc:.0f} | "
              f"{args.steps / tw:.0f}, {args.steps / tc:.0f} | {tw / rw:.2f}x, {tc / rc:.2f}x",
              flush=True)
    print(f"median ratio: {statistics.median(ratios_w):.2f}x wall-clock, "
          f"{statistics.median(ratios_c):.2f}x CPU time")


if __name__ == "__main__":
    main()
