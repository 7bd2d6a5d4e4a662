#!/usr/bin/env python3
"""Golden values for tests/test_nn_noisy.c, computed with PyTorch.

Writes tests/fixtures/nn_noisy.json: a NoisyLinear layer with factorised Gaussian noise
(Fortunato et al. 2018) written in plain torch ops, weight = weight_mu + weight_sigma *
outer(eps_out, eps_in), bias = bias_mu + bias_sigma * eps_out, out = x @ weight^T + bias, with
given noise vectors (already through f(x) = sgn(x) sqrt|x|), and autograd's gradients of
sum(out * dout) with respect to the input, weight_mu, weight_sigma, bias_mu and bias_sigma.
Deterministic (torch is seeded). Run with Debian's python (it has torch):

    /usr/bin/python3 scripts/gen_fixtures_noisy.py
"""
import json
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "nn_noisy.json")


def f32(t):
    return [float("%.9g" % v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def f(x):
    return x.sign() * x.abs().sqrt()


def case(seed, B, I, O):
    torch.manual_seed(seed)
    x = torch.randn(B, I, requires_grad=True)
    r = 1.0 / I ** 0.5
    w_mu = ((torch.rand(O, I) * 2 - 1) * r).requires_grad_(True)
    b_mu = ((torch.rand(O) * 2 - 1) * r).requires_grad_(True)
    w_sigma = (torch.rand(O, I) * 0.5 * r).requires_grad_(True)   # trained sigmas differ per entry
    b_sigma = (torch.rand(O) * 0.5 * r).requires_grad_(True)
    eps_in, eps_out = f(torch.randn(I)), f(torch.randn(O))
    w = w_mu + w_sigma * torch.outer(eps_out, eps_in)
    b = b_mu + b_sigma * eps_out
    out = x @ w.t() + b
    dout = torch.randn(B, O)
    (out * dout).sum().backward()
    return {"B": B, "I": I, "O": O, "inp": f32(x), "weight_mu": f32(w_mu), "bias_mu": f32(b_mu),
            "weight_sigma": f32(w_sigma), "bias_sigma": f32(b_sigma), "eps_in": f32(eps_in),
            "eps_out": f32(eps_out), "dout": f32(dout), "out": f32(out), "dinp": f32(x.grad),
            "dweight_mu": f32(w_mu.grad), "dbias_mu": f32(b_mu.grad), "dweight_sigma": f32(w_sigma.grad),
            "dbias_sigma": f32(b_sigma.grad)}


def main():
    cases = {"small": case(1, 3, 5, 4), "head": case(2, 8, 24, 18)}
    with open(OUT, "w") as fh:
        json.dump(cases, fh)
        fh.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
