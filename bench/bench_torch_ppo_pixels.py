#!/usr/bin/python3
"""rlc bench: PPO on CartPole-v1 from pixels, rlc against a PyTorch CPU implementation of the same
network and recipe on the same environment, one thread each, run in turn (A B A B).

usage: bench/bench_torch_ppo_pixels.py [--build BUILD] [--config CONFIG] [--steps N] [--rounds R]
                                       [--window W]
  (Debian's /usr/bin/python3, which has torch and numpy; the rlc package from python/ with
   BUILD/librlc.so, or RLC_LIBRARY, or an installed rlc)

rlc's side is `rlc train CONFIG` (default configs/zoo/ppo_cartpole_pixels.yaml) for N steps with
stop.reward_threshold off (the whole budget runs), no evaluation during training and one episode
after it, RLC_CPUS=1 and OPENBLAS_NUM_THREADS=1; its times are the whole process's (start, the
final episode and checkpoint included), PyTorch's those of its training loop. PyTorch's side, with
torch.set_num_threads(1), trains the config's network as docs/layers.md lays it out: the
(H, W, C) uint8 frames (C = the 4 stacked frames, oldest first) permuted to NCHW (a view, so
channels-last in memory: oneDNN's convolutions took half the time of a contiguous copy's) and
scaled by 1/255, each convolution valid (no padding) and followed by ReLU, flattened in torch's
(c, h, w) order, dense 256 and ReLU, one encoder under linear actor and critic heads; CleanRL's
orthogonal initialisation (sqrt 2, actor 0.01, critic 1, zero biases). The recipe is the config's
ppo section: rollouts of num_envs x num_steps, update_epochs passes over the whole rollout as one
minibatch (num_minibatches: 1, as the config has; another value is refused), Adam (eps 1e-5) with
the rate annealed linearly by the steps done before each update, GAE with the value of the last
observation of a truncated episode, advantages standardised per minibatch, the clipped policy
loss, the unclipped value loss (mean squared error, as torch's mse_loss) times vf_coef, the
entropy term when ent_coef > 0, the gradient norm clipped to max_grad_norm; rewards scaled by the
running std of each copy's discounted return, as Gymnasium's NormalizeReward and rlc's
normalize.reward (clip 10). Its environment is rlc's CartPole-v1 with the config's pixel wrappers
through rlc.make_vec, the frames rlc train sees, so the figures compare the learners, not two
environments.

The table gives, per round and as a median, environment steps per second of wall-clock and of
process CPU time, rlc's over PyTorch's, and the load average before each round. Then the mean
training return of the last W episodes (default 20) finished at the first log step (a tenth of
the run) and at the end, for both sides, so the comparison is of implementations that learn; the
arithmetic of an update and of a rollout, and the GFLOP/s each side reached, against the
machine's one-thread sgemm rate; the CPU model and the OpenBLAS kernel rlc used.
"""
import argparse
import collections
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_bench as tb  # noqa: E402  (first: one thread for PyTorch's pools, a clear exit without torch)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

# ---- the config ---------------------------------------------------------------------------


def parse_encoder(spec):
    """network.encoder's convolutions as (filters, kh, kw, stride, pad) and the dense width."""
    convs, dense = [], None
    for part in (p.strip() for p in spec.split(",")):
        m = re.fullmatch(r"(\d+)\s+(\d+)x(\d+)/(\d+)(?:\s+p\s*(\d+))?", part)
        if m:
            convs.append(tuple(int(g or 0) for g in m.groups()))
        elif re.fullmatch(r"dense\s+\d+", part):
            dense = int(part.split()[1])
        elif not part.startswith("in "):
            sys.exit(f"{tb.PROG}: network.encoder: cannot read '{part}' (expected 'K AxB/S [p P]' or 'dense N')")
    if not convs or dense is None:
        sys.exit(f"{tb.PROG}: network.encoder '{spec}': expected convolutions and a dense layer")
    return convs, dense


def recipe(cfg):
    """The config's keys the PyTorch side implements; exits naming a key it does not."""
    def need(key, want):
        if cfg.get(key, want).replace(" ", "") != want.replace(" ", ""):
            sys.exit(f"{tb.PROG}: {key}: {cfg[key]}: the PyTorch side implements only {want}")
    need("algo", "ppo")
    need("network.hidden", "[]")
    need("network.activation", "relu")
    need("normalize.obs", "false")
    need("losses.value", "mse")
    need("ppo.num_minibatches", "1")   # one minibatch: the whole rollout, no shuffle needed
    policy = cfg.get("losses.policy", "ppo_clip")
    m = re.search(r"clip:\s*([0-9.eE+-]+)", policy)
    if "ppo_clip" not in policy:
        sys.exit(f"{tb.PROG}: losses.policy: {policy}: the PyTorch side implements only ppo_clip")
    f = lambda k, d: float(cfg.get(k, d))  # noqa: E731
    return {"num_envs": int(cfg["env.num_envs"]), "num_steps": int(cfg["ppo.num_steps"]),
            "epochs": int(cfg["ppo.update_epochs"]), "lr": f("ppo.learning_rate", 2.5e-4),
            "anneal": cfg.get("ppo.anneal_lr", "false") == "true", "gamma": f("ppo.gamma", 0.99),
            "lam": f("ppo.gae_lambda", 0.95), "clip": float(m.group(1)) if m else 0.2,
            "ent_coef": f("ppo.ent_coef", 0.01), "vf_coef": f("ppo.vf_coef", 0.5),
            "max_grad_norm": f("ppo.max_grad_norm", 0.5), "adam_eps": f("ppo.adam_eps", 1e-5),
            "norm_adv": cfg.get("ppo.norm_adv", "true") == "true",
            "norm_reward": cfg.get("normalize.reward", "false") == "true",
            "clip_reward": f("normalize.clip_reward", 10.0)}


def wrapper_kwargs(cfg):
    """The config's env section as rlc.make_vec keywords (docs/python.md)."""
    kw = {}
    for key in ("pixels", "pixels_grayscale", "grayscale", "mask_velocity"):
        if f"env.{key}" in cfg:
            kw[key] = cfg[f"env.{key}"] == "true"
    for key in ("pixels_width", "pixels_height", "frame_stack", "frame_skip", "max_episode_steps"):
        if f"env.{key}" in cfg:
            kw[key] = int(cfg[f"env.{key}"])
    return kw

# ---- PyTorch's side -----------------------------------------------------------------------


class PixelActorCritic(nn.Module):
    """The config's encoder (valid convolutions with ReLU, flatten, dense with ReLU) under linear
    actor and critic heads, CleanRL's layer_init."""

    def __init__(self, h, w, c, convs, dense, n_actions):
        super().__init__()
        layers, ch = [], c
        for k, kh, kw, s, p in convs:
            layers += [nn.Conv2d(ch, k, (kh, kw), s, p), nn.ReLU()]
            ch = k
        self.convs = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            flat = self.convs(torch.zeros(1, c, h, w)).shape[1]
        self.dense = nn.Linear(flat, dense)
        self.actor = nn.Linear(dense, n_actions)
        self.critic = nn.Linear(dense, 1)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                gain = 0.01 if m is self.actor else 1.0 if m is self.critic else 2 ** 0.5
                nn.init.orthogonal_(m.weight, gain)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        """x: float NCHW frames in [0, 1]; returns (logits, values)."""
        h = torch.relu(self.dense(self.convs(x)))
        return self.actor(h), self.critic(h)[:, 0]


def frames(obs):
    """uint8 (B, H, W, C) frames as the float NCHW input in [0, 1], channels-last in memory (28
    against 64 ms for a forward and backward pass of 256 frames with a contiguous copy)."""
    return torch.from_numpy(obs).permute(0, 3, 1, 2).float().div_(255.0)


class RewardScale:
    """Gymnasium's NormalizeReward as rlc's normalize.reward runs it: each copy's discounted return
    G (reset by termination), one batch update of the running variance per step, rewards divided
    by its std and clipped."""

    def __init__(self, n, gamma, clip):
        self.G = np.zeros(n)
        self.mean, self.var, self.count = 0.0, 1.0, 1e-4
        self.gamma, self.clip = gamma, clip

    def __call__(self, r, terminated):
        self.G = self.G * self.gamma * (1.0 - terminated) + r
        bm, bv, b = self.G.mean(), self.G.var(), len(self.G)
        tot = self.count + b
        delta = bm - self.mean
        self.mean += delta * b / tot
        self.var = (self.var * self.count + bv * b + delta * delta * self.count * b / tot) / tot
        self.count = tot
        return np.clip(r / np.sqrt(self.var + 1e-8), -self.clip, self.clip).astype(np.float32)


def gae(rew, val, final_val, term, trunc, last_val, gamma, lam):
    """rlc's replay_gae: advantages and returns of a (T, N) rollout; a terminated step bootstraps
    from 0, a truncated one from its final observation's value, and neither carries the next
    step's advantage."""
    T = rew.shape[0]
    adv = np.zeros_like(rew)
    for t in reversed(range(T)):
        nv = np.where(term[t], 0.0, np.where(trunc[t], final_val[t], val[t + 1] if t < T - 1 else last_val))
        cont = (t < T - 1) & ~term[t] & ~trunc[t]
        nxt = adv[t + 1] if t < T - 1 else 0.0
        adv[t] = rew[t] + gamma * nv - val[t] + gamma * lam * np.where(cont, nxt, 0.0)
    return adv, adv + val


def ppo_update(net, opt, rc, obs, act, logp_old, adv, ret):
    """update_epochs steps on the whole rollout (one minibatch)."""
    for _ in range(rc["epochs"]):
        logits, v = net(obs)
        logp_all = torch.log_softmax(logits, 1)
        logp = logp_all.gather(1, act[:, None])[:, 0]
        a = (adv - adv.mean()) / (adv.std() + 1e-8) if rc["norm_adv"] else adv
        ratio = torch.exp(logp - logp_old)
        pg = torch.max(-a * ratio, -a * ratio.clamp(1 - rc["clip"], 1 + rc["clip"])).mean()
        loss = pg + rc["vf_coef"] * ((v - ret) ** 2).mean()
        if rc["ent_coef"] > 0:
            loss = loss - rc["ent_coef"] * (-(logp_all.exp() * logp_all).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), rc["max_grad_norm"])
        opt.step()


class Rollout:
    """One rollout's arrays: frames kept as uint8, as the environment gives them."""

    def __init__(self, T, N, shape):
        self.obs = np.zeros((T, N) + shape, np.uint8)
        self.act = np.zeros((T, N), np.int64)
        self.logp, self.val, self.rew, self.final_val = (np.zeros((T, N), np.float32) for _ in range(4))
        self.term, self.trunc = np.zeros((T, N), bool), np.zeros((T, N), bool)


def final_values(net, term, trunc, info):
    """The critic's values of the last observations of truncated (not terminated) episodes."""
    out = np.zeros(len(term), np.float32)
    idx = np.flatnonzero(trunc & ~term)
    if len(idx):
        with torch.no_grad():
            out[idx] = net(frames(np.stack([info["final_obs"][i] for i in idx])))[1].numpy()
    return out


def collect(env, net, buf, obs, scale, episodes):
    """num_steps steps of every copy into buf; returns the next observation. Finished episodes'
    returns (raw rewards) go to `episodes`."""
    for t in range(buf.obs.shape[0]):
        with torch.no_grad():
            logits, v = net(frames(obs))
            a = torch.distributions.Categorical(logits=logits).sample()
            logp = torch.log_softmax(logits, 1).gather(1, a[:, None])[:, 0]
        nxt, r, term, trunc, info = env.step(a.numpy())
        buf.obs[t], buf.act[t], buf.logp[t], buf.val[t] = obs, a.numpy(), logp.numpy(), v.numpy()
        buf.term[t], buf.trunc[t] = term, trunc
        buf.final_val[t] = final_values(net, term, trunc, info) if trunc.any() else 0.0
        buf.rew[t] = scale(r, term) if scale else r
        if term.any() or trunc.any():
            ep = info["final_info"]["episode"]
            episodes.extend(ep["r"][ep["_r"]].tolist())
        obs = nxt
    return obs


def torch_ppo(rlc, cfg, rc, steps, log_every, window, seed):
    """Trains PPO for `steps` environment steps. Returns (wall seconds, CPU seconds), and the mean
    return of the last `window` episodes at each log step (as rlc's metrics.csv) in returns."""
    tb.one_thread(seed)
    N, T = rc["num_envs"], rc["num_steps"]
    env = rlc.make_vec(cfg["env.id"], N, seed=seed, **wrapper_kwargs(cfg))
    h, w, c = env.single_observation_space.shape
    convs, dense = parse_encoder(cfg["network.encoder"])
    net = PixelActorCritic(h, w, c, convs, dense, env.single_action_space.n)
    opt = torch.optim.Adam(net.parameters(), lr=rc["lr"], eps=rc["adam_eps"])
    scale = RewardScale(N, rc["gamma"], rc["clip_reward"]) if rc["norm_reward"] else None
    buf, episodes, returns = Rollout(T, N, (h, w, c)), collections.deque(maxlen=window), []
    obs, _ = env.reset(seed=seed)
    t0, c0 = time.perf_counter(), time.process_time()
    done_steps = 0
    while done_steps < steps:
        obs = collect(env, net, buf, obs, scale, episodes)
        with torch.no_grad():
            last_v = net(frames(obs))[1].numpy()
        adv, ret = gae(buf.rew, buf.val, buf.final_val, buf.term, buf.trunc, last_v, rc["gamma"], rc["lam"])
        if rc["anneal"]:   # by the steps done before this update, as rlc and CleanRL
            opt.param_groups[0]["lr"] = rc["lr"] * (1.0 - done_steps / steps)
        flat = lambda x: torch.from_numpy(x.reshape((T * N,) + x.shape[2:]))  # noqa: E731
        ppo_update(net, opt, rc, frames(buf.obs.reshape((T * N, h, w, c))), flat(buf.act), flat(buf.logp),
                   flat(adv), flat(ret))
        done_steps += T * N
        if done_steps % log_every == 0:
            returns.append(statistics.mean(episodes) if episodes else float("nan"))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    env.close()
    return wall, cpu, returns

# ---- rlc's side ---------------------------------------------------------------------------


def rlc_ppo(build, config, steps, log_every, window, seed, info):
    """`rlc train` for `steps` steps on one thread; returns (wall seconds, CPU seconds), the mean
    returns metrics.csv logged, and the OpenBLAS kernel in info."""
    wall, cpu, rows, meta = tb.rlc_train(build, config, seed, {
        "total_steps": steps, "stop.reward_threshold": "none", "log.eval_interval": 0,
        "log.checkpoint_interval": 0, "log.eval_episodes": 1, "log.log_interval": log_every,
        "log.return_window": window})
    info["kernel"] = meta.get("rlc.blas_kernel", "?")
    return wall, cpu, [float(r["return_mean"]) for r in rows]

# ---- the arithmetic -----------------------------------------------------------------------


def flops(h, w, c, convs, dense, n_actions):
    """FLOPs (2 per multiply-add) of one frame's forward pass and of its forward and backward
    passes in an update (a layer's backward is twice its forward: weight and input gradients;
    the first convolution's input gradient is not needed)."""
    fwd, bwd = 0, 0
    for i, (k, kh, kw, s, p) in enumerate(convs):
        oh, ow = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
        f = 2 * oh * ow * k * c * kh * kw
        fwd, bwd = fwd + f, bwd + (f if i == 0 else 2 * f)
        h, w, c = oh, ow, k
    for n_in, n_out in ((h * w * c, dense), (dense, n_actions + 1)):
        fwd, bwd = fwd + 2 * n_in * n_out, bwd + 4 * n_in * n_out
    return fwd, fwd + bwd


def sgemm_rate():
    """GFLOP/s of a one-thread 1024 x 1024 x 1024 float matmul (torch.mm; Debian's torch calls the
    system BLAS), best of 5."""
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        torch.mm(a, b)
        best = min(best, time.process_time() - t0)
    return 2 * 1024 ** 3 / best / 1e9


def report_work(rc, fwd, step, rlc_cpu, torch_cpu, steps):
    """The GEMM-work bound: FLOPs of an update and of a rollout, what each side reached."""
    N, T = rc["num_envs"], rc["num_steps"]
    update = rc["epochs"] * T * N * step + N * fwd   # the epochs, and the bootstrap values
    rollout = T * N * fwd
    per_step = (update + rollout) / (T * N)
    peak = sgemm_rate()
    print(f"\nArithmetic: a frame's forward pass {fwd / 1e6:.2f} MFLOP, forward and backward {step / 1e6:.2f} MFLOP; "
          f"an update ({rc['epochs']} epochs x {T * N} frames) {update / 1e9:.2f} GFLOP, a rollout's forward passes "
          f"{rollout / 1e9:.3f} GFLOP: {per_step / 1e6:.1f} MFLOP per environment step, "
          f"{update / (update + rollout):.0%} of it in the update.")
    print(f"Reached (median CPU time): rlc {per_step * steps / rlc_cpu / 1e9:.1f} GFLOP/s, "
          f"PyTorch {per_step * steps / torch_cpu / 1e9:.1f} GFLOP/s; one-thread sgemm 1024^3 (torch.mm): "
          f"{peak:.1f} GFLOP/s, so even at that rate a learner runs at most {peak * 1e9 / per_step:,.0f} steps/s, "
          f"and rlc at 10x would need PyTorch below {peak * 1e9 / per_step / 10:,.0f} steps/s "
          f"({peak / 10:.1f} GFLOP/s).")

# ---- main ---------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(tb.ROOT, "build"))
    ap.add_argument("--config", default=os.path.join(tb.ROOT, "configs/zoo/ppo_cartpole_pixels.yaml"))
    ap.add_argument("--steps", type=int, default=20480, help="environment steps per run (default 20480)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--window", type=int, default=20, help="episodes in a mean training return (default 20)")
    args = ap.parse_args()
    rlc = tb.import_rlc(args.build)
    cfg = tb.read_config(args.config)
    rc = recipe(cfg)
    batch = rc["num_envs"] * rc["num_steps"]
    if args.steps < 10 * batch or args.steps % (10 * batch):
        sys.exit(f"{tb.PROG}: --steps {args.steps}: expected a multiple of 10 rollouts ({10 * batch} steps)")
    log_every = args.steps // 10
    print(f"PPO on {cfg['env.id']} from pixels ({os.path.relpath(args.config)}): {args.steps} steps, "
          f"{rc['num_envs']} envs x {rc['num_steps']} steps, {rc['epochs']} epochs; one thread each; "
          f"torch {torch.__version__}; load average {tb.load_average()}")
    info, ret_rlc, ret_torch = {}, [], []

    def run_rlc(seed):
        wall, cpu, r = rlc_ppo(args.build, args.config, args.steps, log_every, args.window, seed, info)
        ret_rlc.append(r)
        return wall, cpu

    def run_torch(seed):
        wall, cpu, r = torch_ppo(rlc, cfg, rc, args.steps, log_every, args.window, seed)
        ret_torch.append(r)
        return wall, cpu

    res = tb.ab_rounds(args.rounds, args.steps, run_rlc, run_torch)
    fmt = lambda rs, i: ", ".join(f"{r[i]:.1f}" for r in rs)  # noqa: E731
    print(f"\nTraining return (mean of the last {args.window} episodes), per round: at step {log_every}: "
          f"rlc {fmt(ret_rlc, 0)}, PyTorch {fmt(ret_torch, 0)}; at step {args.steps}: "
          f"rlc {fmt(ret_rlc, -1)}, PyTorch {fmt(ret_torch, -1)}")
    env = rlc.make_vec(cfg["env.id"], 1, **wrapper_kwargs(cfg))
    h, w, c = env.single_observation_space.shape
    fwd, step = flops(h, w, c, *parse_encoder(cfg["network.encoder"]), env.single_action_space.n)
    env.close()
    report_work(rc, fwd, step, statistics.median(r[1] for r in res), statistics.median(r[3] for r in res), args.steps)
    print(tb.machine_line(info.get("kernel", "?")))


if __name__ == "__main__":
    main()
