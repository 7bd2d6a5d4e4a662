#!/usr/bin/env python3
"""Golden values for tests/test_sac_sde.c: gSDE's squashed distribution (Raffin, Kober & Stulp
2021) as Stable-Baselines3's SAC uses it, computed with torch.distributions.

Writes tests/fixtures/sac_sde.json. For a head output `out` (B, A), a latent z (B, L), parameters
log_std (L, A) and N(0, 1) draws eps (L, A), written from the published rules:
    mean = hardtanh(out, -2, 2)             (SAC's clip_mean = 2)
    std = exp(log_std),  E = std * eps      (full_std, no expln; one matrix for the batch)
    u = mean + z @ E,  a = tanh(u)
    sigma = sqrt((z ** 2) @ (std ** 2) + 1e-6)
    logp = Normal(mean, sigma).log_prob(u).sum(-1) - log(1 - a ** 2 + 1e-6).sum(-1)
in float64, and autograd's gradients of J = sum_i (alpha logp_i - sum_d w_id a_id) with respect to
out, z and log_std (the latent is not detached: SB3's SAC actor learns its features). Also
logp_atanh: the same log-prob in float32 with u recomputed as atanh of the action clipped to
[-1 + eps, 1 - eps] (float32's eps), as SB3 computes it, to show how close the two are.
Deterministic (torch is seeded). Run with Debian's python (it has torch):

    /usr/bin/python3 scripts/gen_fixtures_sac_sde.py
"""
import json
import os

import torch
from torch.distributions import Normal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "sac_sde.json")


def f32(t):
    return [float("%.9g" % v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def log_prob(out, z, log_std, eps, u_from_action):
    mean = torch.nn.functional.hardtanh(out, -2.0, 2.0)
    std = torch.exp(log_std)
    E = std * eps
    u = mean + z @ E
    a = torch.tanh(u)
    sigma = torch.sqrt((z ** 2) @ (std ** 2) + 1e-6)
    if u_from_action:
        e = torch.finfo(a.dtype).eps
        u = torch.atanh(a.clamp(-1.0 + e, 1.0 - e))
    logp = Normal(mean, sigma).log_prob(u).sum(-1) - torch.log(1.0 - a ** 2 + 1e-6).sum(-1)
    return u, a, sigma, logp


def case(seed, B, L, A, log_std_init, alpha):
    g = torch.Generator().manual_seed(seed)
    out = torch.randn(B, A, generator=g, dtype=torch.float64) * 1.5   # some beyond the clip at +-2
    z = torch.relu(torch.randn(B, L, generator=g, dtype=torch.float64))   # a ReLU layer's output
    log_std = log_std_init + 0.5 * torch.randn(L, A, generator=g, dtype=torch.float64)
    eps = torch.randn(L, A, generator=g, dtype=torch.float64)
    w = torch.randn(B, A, generator=g, dtype=torch.float64)
    # the inputs as the float32 test reads them
    out, z, log_std, eps, w = (t.float().double() for t in (out, z, log_std, eps, w))
    leaves = [t.clone().requires_grad_(True) for t in (out, z, log_std)]
    u, a, sigma, logp = log_prob(*leaves, eps, False)
    (alpha * logp.sum() - (w * a).sum()).backward()
    with torch.no_grad():
        _, _, _, logp32 = log_prob(out.float(), z.float(), log_std.float(), eps.float(), True)
    return {"B": B, "L": L, "A": A, "alpha": alpha, "out": f32(out), "z": f32(z), "log_std": f32(log_std),
            "eps": f32(eps), "w": f32(w), "u": f32(u), "a": f32(a), "sigma": f32(sigma), "logp": f32(logp),
            "logp_atanh": f32(logp32), "dout": f32(leaves[0].grad), "dz": f32(leaves[1].grad),
            "dlog_std": f32(leaves[2].grad)}


def main():
    cases = {"small": case(1, 5, 4, 2, -1.0, 0.2), "walker": case(2, 16, 30, 4, -3.0, 0.05),
             "wide": case(3, 8, 12, 3, 0.0, 1.0)}
    with open(OUT, "w") as fh:
        json.dump(cases, fh)
        fh.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
