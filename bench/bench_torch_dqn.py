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
time is what a machine shared with other jobs disturbs less), rlc's figure over PyTorch's and the
1-minute load average before each round; then the CPU model and the OpenBLAS kernel rlc used
(bench/torch_bench.py holds what this bench shares with bench_torch_ppo_pixels.py).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_bench as tb  # noqa: E402  (first: one thread for PyTorch's pools, a clear exit without torch)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


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


def torch_dqn(rlc, env_id, cfg, steps, starts, seed):
    """Trains DQN for `steps` environment steps; returns (wall seconds, CPU seconds)."""
    tb.one_thread(seed)
    rng = np.random.default_rng(seed)
    env = rlc.make_vec(env_id, num_envs=1, seed=seed,
                       max_episode_steps=int(cfg.get("env.max_episode_steps", "10000")))
    # rlc's Python layer gives MinAtar's grid as an (H, W, C) image (NHWC order)
    h, w, c = env.single_observation_space.shape
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


def rlc_dqn(build, config, steps, starts, seed, kernel):
    """`rlc train` for `steps` steps on one thread; returns (wall seconds, CPU seconds) and puts
    the OpenBLAS kernel the run used in kernel[0]."""
    wall, cpu, _, meta = tb.rlc_train(build, config, seed, {
        "total_steps": steps, "dqn.learning_starts": starts, "log.eval_interval": 0,
        "log.checkpoint_interval": 0, "log.eval_episodes": 1})
    kernel[0] = meta.get("rlc.blas_kernel", "?")
    return wall, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(tb.ROOT, "build"))
    ap.add_argument("--config", default=os.path.join(tb.ROOT, "configs/zoo/dqn_minatar_breakout_v1.yaml"))
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--starts", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rlc = tb.import_rlc(args.build)
    cfg = tb.read_config(args.config)
    env_id = cfg["env.id"]
    print(f"DQN on {env_id}: {args.steps} steps, updates from step {args.starts}, one thread each; "
          f"torch {torch.__version__}; load average {tb.load_average()}")
    kernel = ["?"]
    tb.ab_rounds(args.rounds, args.steps,
                 lambda seed: rlc_dqn(args.build, args.config, args.steps, args.starts, seed, kernel),
                 lambda seed: torch_dqn(rlc, env_id, cfg, args.steps, args.starts, seed))
    print(tb.machine_line(kernel[0]))

if __name__ == "__main__":
    main()
