#!/usr/bin/python3
"""Golden values for the losses module, written to tests/fixtures/loss_*.json.

Run with Debian's python (it has torch and numpy):  /usr/bin/python3 scripts/gen_fixtures_losses.py
Each fixture holds the inputs (float32-representable numbers), the loss value and the gradients
with respect to each differentiable input, computed by PyTorch in float64: torch.nn.functional
where torch has the loss, otherwise autograd of a direct transcription of the formula. The C tests
read these files; they never need python. Deterministic (fixed seeds)."""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures")
torch.set_default_dtype(torch.float64)


def f32(x):
    """float32-representable float64 tensor (so C float inputs equal the torch inputs)."""
    return torch.tensor(np.asarray(x, dtype=np.float32).astype(np.float64))


def rnd(gen, *shape, scale=1.0, shift=0.0):
    return f32(gen.standard_normal(shape) * scale + shift)


def leaf(t):
    return t.clone().detach().requires_grad_(True)


def tolist(t):
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy().tolist()
    return t


def grads(value, inputs):
    """value (scalar), inputs: dict name -> leaf; returns dict 'd<name>' -> gradient list."""
    gs = torch.autograd.grad(value, list(inputs.values()), allow_unused=True)
    out = {}
    for (k, v), g in zip(inputs.items(), gs):
        out["d" + k] = tolist(g if g is not None else torch.zeros_like(v))
    return out


def write(name, obj):
    path = os.path.join(OUT, "loss_%s.json" % name)
    with open(path, "w") as fp:
        json.dump(obj, fp, indent=None, separators=(",", ":"))
        fp.write("\n")
    print("wrote", os.path.relpath(path, ROOT))


def case(fn, data, diff, extra=None):
    """fn(**leaves, **consts) -> scalar. data: dict of tensors; diff: names to differentiate."""
    leaves = {k: leaf(v) if k in diff else v for k, v in data.items()}
    val = fn(**leaves)
    out = {k: tolist(v) for k, v in data.items()}
    out["value"] = float(val)
    out.update(grads(val, {k: leaves[k] for k in diff}))
    if extra:
        out.update(extra)
    return out


# ---- regression / value losses ---------------------------------------------------------------

def gen_regression(g):
    n = 13
    pred = rnd(g, n, scale=2.0)
    target = rnd(g, n, scale=2.0)
    w = f32(g.uniform(0.2, 2.0, n))

    def weighted(per):
        return lambda pred, target, w: (w * per(pred, target)).mean()

    fx = {}
    fx["mse"] = {
        "plain": case(lambda pred, target, w: F.mse_loss(pred, target),
                      {"pred": pred, "target": target, "w": w}, ["pred"]),
        "weighted": case(weighted(lambda p, t: F.mse_loss(p, t, reduction="none")),
                         {"pred": pred, "target": target, "w": w}, ["pred"]),
    }
    fx["huber"] = {}
    for tag, delta in (("d1", 1.0), ("d05", 0.5), ("d3", 3.0)):
        fx["huber"][tag] = case(
            lambda pred, target, w, delta=delta: F.huber_loss(pred, target, delta=delta),
            {"pred": pred, "target": target, "w": w}, ["pred"], {"delta": delta})
    fx["huber"]["weighted"] = case(
        weighted(lambda p, t: F.huber_loss(p, t, reduction="none", delta=0.7)),
        {"pred": pred, "target": target, "w": w}, ["pred"], {"delta": 0.7})
    write("mse", fx["mse"])
    write("huber", fx["huber"])

    # PPO clipped value loss (CleanRL transcription)
    v = rnd(g, n)
    v_old = f32(v.numpy() + g.uniform(-0.6, 0.6, n))
    ret = rnd(g, n)

    def vclip(v, v_old, ret, w, clip, weighted):
        unclipped = (v - ret) ** 2
        v_c = v_old + torch.clamp(v - v_old, -clip, clip)
        clipped = (v_c - ret) ** 2
        per = 0.5 * torch.max(unclipped, clipped)
        return (w * per).mean() if weighted else per.mean()

    fx = {}
    for tag, clip, wt in (("c02", 0.2, False), ("c05", 0.5, False), ("c02w", 0.2, True)):
        fx[tag] = case(lambda v, v_old, ret, w, clip=clip, wt=wt: vclip(v, v_old, ret, w, clip, wt),
                       {"v": v, "v_old": v_old, "ret": ret, "w": w}, ["v"], {"clip": clip})
    write("value_clipped", fx)


# ---- policy terms ----------------------------------------------------------------------------

def gen_policy(g):
    n = 16
    logp_old = f32(-g.uniform(0.1, 3.0, n))
    logp = f32(logp_old.numpy() + g.uniform(-0.3, 0.3, n))
    adv = rnd(g, n)
    w = f32(g.uniform(0.2, 2.0, n))

    def ppo(logp, logp_old, adv, w, clip, wt):
        r = torch.exp(logp - logp_old)
        l1 = -adv * r
        l2 = -adv * torch.clamp(r, 1 - clip, 1 + clip)
        per = torch.max(l1, l2)
        return (w * per).mean() if wt else per.mean()

    fx = {}
    for tag, clip, wt in (("c02", 0.2, False), ("c01", 0.1, False), ("c02w", 0.2, True)):
        with torch.no_grad():
            r = torch.exp(logp - logp_old)
            clipfrac = float(((r - 1).abs() > clip).double().mean())
            approx_kl = float(((r - 1) - (logp - logp_old)).mean())
        fx[tag] = case(lambda logp, logp_old, adv, w, clip=clip, wt=wt:
                       ppo(logp, logp_old, adv, w, clip, wt),
                       {"logp": logp, "logp_old": logp_old, "adv": adv, "w": w}, ["logp"],
                       {"clip": clip, "clipfrac": clipfrac, "approx_kl": approx_kl})
    write("ppo_clip", fx)


GENERATORS = [gen_regression, gen_policy]

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    for i, gen in enumerate(GENERATORS):
        if only and gen.__name__ not in only:
            continue
        gen(np.random.default_rng(1000 + i))
