#!/usr/bin/env python3
"""Golden values for tests/test_nn_multi_dist.c, computed with PyTorch.

Writes tests/fixtures/nn_multi_dist.json: the summed log-probability and entropy of the
MultiDiscrete distribution (independent torch.distributions.Categorical over the split logits,
as Stable-Baselines3's MultiCategoricalDistribution builds it) and of the MultiBinary one
(independent torch.distributions.Bernoulli over one logit per bit, SB3's BernoulliDistribution),
with the gradients of sum(dlogp * logp + dent * entropy) with respect to the logits.
Deterministic: every case seeds torch. Run from the repository root with Debian's python:

    /usr/bin/python3 scripts/gen_fixtures_multi_dist.py
"""
import json
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures")


def tolist(t):
    return t.detach().to(torch.float32).tolist()


def weights(batch):
    return torch.randn(batch), torch.randn(batch)


def multi_discrete_case(seed, batch, nvec):
    torch.manual_seed(seed)
    logits = (torch.randn(batch, sum(nvec)) * 2.0).requires_grad_(True)
    actions = torch.stack([torch.randint(0, k, (batch,)) for k in nvec], dim=1)
    dlogp, dent = weights(batch)
    dists = [torch.distributions.Categorical(logits=x) for x in torch.split(logits, nvec, dim=1)]
    logp = torch.stack([d.log_prob(a) for d, a in zip(dists, torch.unbind(actions, dim=1))], dim=1).sum(dim=1)
    ent = torch.stack([d.entropy() for d in dists], dim=1).sum(dim=1)
    (logp * dlogp + ent * dent).sum().backward()
    return {"batch": batch, "nvec": list(nvec), "logits": tolist(logits), "actions": actions.tolist(),
            "dlogp": tolist(dlogp), "dent": tolist(dent), "logp": tolist(logp),
            "entropy": tolist(ent), "dlogits": tolist(logits.grad)}


def multi_binary_case(seed, batch, n):
    torch.manual_seed(seed)
    logits = (torch.randn(batch, n) * 2.0).requires_grad_(True)
    actions = torch.randint(0, 2, (batch, n))
    dlogp, dent = weights(batch)
    dist = torch.distributions.Bernoulli(logits=logits)
    logp = dist.log_prob(actions.float()).sum(dim=1)
    ent = dist.entropy().sum(dim=1)
    (logp * dlogp + ent * dent).sum().backward()
    return {"batch": batch, "n": n, "logits": tolist(logits), "actions": actions.tolist(),
            "dlogp": tolist(dlogp), "dent": tolist(dent), "logp": tolist(logp),
            "entropy": tolist(ent), "dlogits": tolist(logits.grad)}


def main():
    torch.set_default_dtype(torch.float32)
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "nn_multi_dist.json")
    with open(path, "w") as f:
        json.dump({
            "generator": "scripts/gen_fixtures_multi_dist.py (torch %s)" % torch.__version__,
            "multi_discrete": multi_discrete_case(7, 5, [3, 2, 4]),
            "multi_binary": multi_binary_case(8, 5, 4),
        }, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
