#!/usr/bin/env python3
"""Golden values for tests/test_nn.c, computed with PyTorch.

Writes tests/fixtures/nn_mlp.json (MLP forward/backward), nn_adam.json (torch.optim.Adam steps)
and nn_categorical.json (log-prob, entropy and their gradients). Deterministic: every case
seeds torch. Run from the repository root with Debian's python (it has torch and numpy):

    /usr/bin/python3 scripts/gen_fixtures_nn.py

Layouts match rlc's: dense weights are torch's nn.Linear weight (O, I) and bias (O).
"""
import json
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures")

ACTS = {"none": None, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}


def tolist(t):
    return t.detach().to(torch.float32).tolist()


def mlp_case(seed, sizes, hidden_act, out_act, batch):
    torch.manual_seed(seed)
    layers = []
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():
            # larger weights than the default init so that the activations leave the linear zone
            lin.weight.mul_(2.0)
            lin.bias.uniform_(-0.5, 0.5)
        layers.append(lin)
        act = hidden_act if i < len(sizes) - 2 else out_act
        if ACTS[act] is not None:
            layers.append(ACTS[act]())
    net = torch.nn.Sequential(*layers)
    inp = torch.randn(batch, sizes[0], requires_grad=True)
    dout = torch.randn(batch, sizes[-1])
    out = net(inp)
    (out * dout).sum().backward()
    case = {
        "sizes": sizes, "hidden_act": hidden_act, "out_act": out_act, "batch": batch,
        "inp": tolist(inp), "dout": tolist(dout), "out": tolist(out), "dinp": tolist(inp.grad),
    }
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for l, lin in enumerate(linears):
        case[f"w{l}"] = tolist(lin.weight)
        case[f"b{l}"] = tolist(lin.bias)
        case[f"dw{l}"] = tolist(lin.weight.grad)
        case[f"db{l}"] = tolist(lin.bias.grad)
    return case


def adam_case(seed, n, lr, betas, eps, weight_decay, steps):
    torch.manual_seed(seed)
    p = torch.nn.Parameter(torch.randn(n))
    case = {"n": n, "lr": lr, "beta1": betas[0], "beta2": betas[1], "eps": eps,
            "weight_decay": weight_decay, "steps": steps, "params0": tolist(p)}
    opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    for s in range(steps):
        g = torch.randn(n) * (0.1 if s == 0 else 3.0)
        p.grad = g.clone()
        opt.step()
        case[f"grads{s + 1}"] = tolist(g)
        case[f"params{s + 1}"] = tolist(p)
    return case


def categorical_case(seed, batch, k):
    torch.manual_seed(seed)
    logits = (torch.randn(batch, k) * 2.0).requires_grad_(True)
    actions = torch.randint(0, k, (batch,))
    dlogp = torch.randn(batch)
    dent = torch.randn(batch)
    dist = torch.distributions.Categorical(logits=logits)
    logp = dist.log_prob(actions)
    ent = dist.entropy()
    (logp * dlogp + ent * dent).sum().backward()
    return {"batch": batch, "k": k, "logits": tolist(logits), "actions": actions.tolist(),
            "dlogp": tolist(dlogp), "dent": tolist(dent), "logp": tolist(logp),
            "entropy": tolist(ent), "dlogits": tolist(logits.grad)}


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    print("wrote", path)


def main():
    torch.set_default_dtype(torch.float32)
    os.makedirs(OUT, exist_ok=True)
    write("nn_mlp.json", {
        "generator": "scripts/gen_fixtures_nn.py (torch %s)" % torch.__version__,
        "tanh": mlp_case(1, [5, 7, 6, 3], "tanh", "none", 4),
        "relu": mlp_case(2, [5, 7, 6, 3], "relu", "tanh", 4),
    })
    write("nn_adam.json", {
        "generator": "scripts/gen_fixtures_nn.py (torch %s)" % torch.__version__,
        "plain": adam_case(3, 11, 3e-3, (0.8, 0.95), 1e-5, 0.0, 2),
        "decay": adam_case(4, 11, 1e-2, (0.9, 0.999), 1e-4, 0.05, 2),
    })
    write("nn_categorical.json", {
        "generator": "scripts/gen_fixtures_nn.py (torch %s)" % torch.__version__,
        "case": categorical_case(5, 6, 4),
    })


if __name__ == "__main__":
    main()
