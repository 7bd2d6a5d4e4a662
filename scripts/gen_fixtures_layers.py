#!/usr/bin/env python3
"""Golden values for tests/test_nn_conv.c and tests/test_nn_rnn.c, computed with PyTorch.

Writes tests/fixtures/nn_conv2d.json (torch.nn.functional.conv2d forward and its autograd
gradients) and tests/fixtures/nn_rnn.json (torch.nn.LSTM and torch.nn.GRU over a sequence with
episode starts, forward and backpropagation through time). Deterministic: every case seeds torch.
Run from anywhere with Debian's python (it has torch and numpy):

    /usr/bin/python3 scripts/gen_fixtures_layers.py

Layouts are rlc's (docs/layers.md): convolution activations NHWC, so torch gets x.permute(0, 3, 1, 2)
and its output is permuted back; weights are torch's own (K, C, kh, kw). Recurrent parameters are
the torch module's weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0; sequences time-major
(T, B, .). Episode starts are emulated as recurrent PPO does, by multiplying the state entering
the step by 1 - start.

The Nature-network case is too large to store whole: its inputs and parameters come from
synth() below, which tests/test_nn_conv.c computes the same way, and only the sums and 200
sampled entries of each result are stored.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures")
M32 = 0xFFFFFFFF


def f32(t):
    """float32 values rounded to 9 significant digits (enough to give the same float back)."""
    a = t.detach().to(torch.float32).reshape(-1).numpy() if torch.is_tensor(t) else np.asarray(t, np.float32)
    return [float("%.9g" % v) for v in a.reshape(-1)]


def synth(n, salt, scale):
    """n float32 values in [-scale, scale): a hash of (index, salt), as synth() in test_nn_conv.c."""
    u = (np.arange(n, dtype=np.uint64) * 2654435761 + salt * 40503 + 12345) & M32
    u ^= u >> 16
    u = (u * 0x85EBCA6B) & M32
    u ^= u >> 13
    u = (u * 0xC2B2AE35) & M32
    u ^= u >> 16
    return torch.from_numpy(((u.astype(np.float64) / 4294967296.0 * 2.0 - 1.0) * scale).astype(np.float32))


def conv_nhwc(x, w, b, stride, padding):
    """rlc's convolution: NHWC in and out, torch's weight."""
    return F.conv2d(x.permute(0, 3, 1, 2), w, b, stride=stride, padding=padding).permute(0, 2, 3, 1)


def conv_case(seed, B, C, H, W, K, kh, kw, sh, sw, ph, pw):
    torch.manual_seed(seed)
    x = torch.randn(B, H, W, C, requires_grad=True)
    w = (torch.randn(K, C, kh, kw) * 0.5).requires_grad_(True)
    b = (torch.randn(K) * 0.5).requires_grad_(True)
    out = conv_nhwc(x, w, b, (sh, sw), (ph, pw))
    dout = torch.randn(out.shape)
    (out * dout).sum().backward()
    return {"B": B, "C": C, "H": H, "W": W, "K": K, "kh": kh, "kw": kw, "sh": sh, "sw": sw, "ph": ph, "pw": pw,
            "OH": out.shape[1], "OW": out.shape[2], "inp": f32(x), "weight": f32(w), "bias": f32(b),
            "dout": f32(dout), "out": f32(out), "dinp": f32(x.grad), "dweight": f32(w.grad), "dbias": f32(b.grad)}


def sampled(t, rng, n=200):
    """200 entries of t (flattened) at random indices, and the sum and the sum of |.| of all."""
    flat = t.detach().reshape(-1).to(torch.float64)
    idx = np.sort(rng.choice(flat.numel(), size=min(n, flat.numel()), replace=False))
    return {"n": flat.numel(), "idx": [int(i) for i in idx], "val": f32(flat[idx]),
            "sum": float(flat.sum()), "abs_sum": float(flat.abs().sum())}


NATURE = [  # (C, K, kernel, stride) of the Nature DQN's three convolutions on 84 x 84 x 4
    (4, 32, 8, 4), (32, 64, 4, 2), (64, 64, 3, 1)]


def nature_case(B=2):
    """The Nature network (three convolutions with ReLU between them, then flatten) on synth()
    numbers; the salt is bumped until no pre-activation is within 2e-5 of ReLU's kink, so that
    rounding cannot flip a unit between torch and rlc."""
    for salt in range(0, 100):
        x = synth(B * 84 * 84 * 4, 100 * salt + 1, 1.0).reshape(B, 84, 84, 4).requires_grad_(True)
        params, h, pre = [], x, []
        for l, (C, K, k, s) in enumerate(NATURE):
            w = synth(K * C * k * k, 100 * salt + 2 + 2 * l, 0.125).reshape(K, C, k, k).requires_grad_(True)
            b = synth(K, 100 * salt + 3 + 2 * l, 0.125).requires_grad_(True)
            params += [w, b]
            z = conv_nhwc(h, w, b, s, 0)
            pre.append(z)
            h = torch.relu(z) if l < len(NATURE) - 1 else z
        kink = min(float(z.detach().abs().min()) for z in pre[:-1])
        if kink > 2e-5:
            break
    flat = h.permute(0, 3, 1, 2).reshape(B, -1)   # torch's nn.Flatten of the NCHW tensor
    dout = synth(flat.numel(), 100 * salt + 9, 1.0).reshape(flat.shape)
    (flat * dout).sum().backward()
    rng = np.random.RandomState(7)
    case = {"B": B, "salt": salt, "layers": [list(l) for l in NATURE], "weight_scale": 0.125, "min_kink": kink,
            "flat": sampled(flat, rng), "dinp": sampled(x.grad, rng)}
    for l in range(len(NATURE)):
        case["dweight%d" % l] = sampled(params[2 * l].grad, rng)
        case["dbias%d" % l] = sampled(params[2 * l + 1].grad, rng)
    return case


def rnn_case(kind, seed, I, H, T, B, starts):
    torch.manual_seed(seed)
    mod = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(I, H)
    with torch.no_grad():
        for p in mod.parameters():
            p.mul_(2.0)   # beyond the default +-1/sqrt(H), so that the gates leave their linear zone
    x = torch.randn(T, B, I, requires_grad=True)
    h0 = torch.randn(1, B, H, requires_grad=True)
    c0 = torch.randn(1, B, H, requires_grad=True)
    st = torch.tensor(starts, dtype=torch.float32)
    h, c, outs = h0, c0, []
    for t in range(T):
        keep = (1.0 - st[t]).view(1, B, 1)
        if kind == "lstm":
            o, (h, c) = mod(x[t:t + 1], (h * keep, c * keep))
        else:
            o, h = mod(x[t:t + 1], h * keep)
        outs.append(o[0])
    out = torch.stack(outs)
    dout, dhT, dcT = torch.randn(T, B, H), torch.randn(B, H), torch.randn(B, H)
    loss = (out * dout).sum() + (h[0] * dhT).sum() + ((c[0] * dcT).sum() if kind == "lstm" else 0.0)
    loss.backward()
    case = {"kind": kind, "I": I, "H": H, "T": T, "B": B, "starts": [float(v) for v in st.reshape(-1)],
            "inp": f32(x), "h0": f32(h0), "dout": f32(dout), "dhT": f32(dhT), "out": f32(out), "hT": f32(h[0]),
            "dinp": f32(x.grad), "dh0": f32(h0.grad)}
    if kind == "lstm":
        case.update({"c0": f32(c0), "dcT": f32(dcT), "cT": f32(c[0]), "dc0": f32(c0.grad)})
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
        p = getattr(mod, name)
        case[name] = f32(p)
        case["d" + name] = f32(p.grad)
    return case


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", path)


def main():
    torch.set_default_dtype(torch.float32)
    os.makedirs(OUT, exist_ok=True)
    gen = "scripts/gen_fixtures_layers.py (torch %s)" % torch.__version__
    write("nn_conv2d.json", {
        "generator": gen,
        # MinAtar's network: 10 x 10 x 4, 16 filters 3 x 3, stride 1, no padding -> 8 x 8 x 16
        "minatar": conv_case(1, 2, 4, 10, 10, 16, 3, 3, 1, 1, 0, 0),
        # non-square input and kernel, stride 2 along the height, padding 1 and 2
        "pad_stride": conv_case(2, 2, 3, 7, 9, 5, 3, 2, 2, 1, 1, 2),
        # stride 2, padding 1, a 4 x 4 kernel on a non-square input
        "stride2_pad1": conv_case(3, 2, 2, 8, 6, 4, 4, 4, 2, 2, 1, 1),
        # the kernel as large as the padded input: one output position
        "kernel_fills": conv_case(4, 2, 2, 3, 4, 3, 5, 6, 1, 1, 1, 1),
        # a stride larger than the kernel skips input columns
        "stride_skips": conv_case(5, 2, 3, 9, 9, 2, 2, 2, 3, 3, 0, 0),
        "nature": nature_case(),
    })
    starts = [[1, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 1], [0, 0, 0]]
    write("nn_rnn.json", {
        "generator": gen,
        "lstm": rnn_case("lstm", 11, 5, 7, 6, 3, starts),
        "gru": rnn_case("gru", 12, 5, 7, 6, 3, starts),
    })


if __name__ == "__main__":
    main()
