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
    out["diff"] = list(diff)
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


# ==== the catalogue ===========================================================================
# Every case lists its differentiable inputs in "diff" (the C tests compare d<name> and run finite
# differences on each), its sizes and parameters as numbers, and any extra outputs as out_<name>.


def away(x, kinks, tol=0.08):
    """pushes entries of a numpy array away from the given kink points"""
    x = np.array(x, dtype=np.float64)
    for k in kinks:
        close = np.abs(x - k) < tol
        x[close] = k + np.where(x[close] >= k, tol, -tol) * 1.5
    return x


def W(g, n):
    return f32(g.uniform(0.3, 1.8, n))


def gen_regression_more(g):
    n = 12
    pred = rnd(g, n, scale=2.0)
    target = f32(pred.numpy() - away(g.standard_normal(n) * 2.0, [0.0]))
    w = W(g, n)
    d = {"pred": pred, "target": target}
    dw = dict(d, w=w)

    def wmean(per, w=None):
        return (w * per).mean() if w is not None else per.mean()

    write("mae", {
        "plain": case(lambda pred, target: F.l1_loss(pred, target), d, ["pred"]),
        "weighted": case(lambda pred, target, w: wmean(F.l1_loss(pred, target, reduction="none"), w),
                         dw, ["pred"])})
    # smooth L1: residuals away from +-beta
    fx = {}
    for tag, beta in (("b1", 1.0), ("b05", 0.5), ("b0", 0.0)):
        t2 = f32(pred.numpy() - away(pred.numpy() - target.numpy(), [beta, -beta, 0.0]))
        fx[tag] = case(lambda pred, target, beta=beta: F.smooth_l1_loss(pred, target, beta=beta),
                       {"pred": pred, "target": t2}, ["pred"], {"beta": beta})
    fx["weighted"] = case(lambda pred, target, w: wmean(
        F.smooth_l1_loss(pred, target, beta=1.0, reduction="none"), w),
        {"pred": pred, "target": f32(pred.numpy() - away(pred.numpy() - target.numpy(), [1, -1, 0])),
         "w": w}, ["pred"], {"beta": 1.0})
    write("smooth_l1", fx)

    def pinball(pred, target, tau):
        u = target - pred
        return torch.max(tau * u, (tau - 1) * u)

    fx = {}
    for tag, tau in (("t05", 0.5), ("t09", 0.9), ("t01", 0.1)):
        fx[tag] = case(lambda pred, target, tau=tau: pinball(pred, target, tau).mean(), d, ["pred"],
                       {"tau": tau})
    fx["weighted"] = case(lambda pred, target, w: wmean(pinball(pred, target, 0.3), w), dw, ["pred"],
                          {"tau": 0.3})
    write("quantile", fx)

    Q = 4
    taus = f32([0.1, 0.3, 0.6, 0.95])
    predq = f32(np.repeat(target.numpy()[:, None], Q, 1) + away(g.standard_normal((n, Q)), [0.0]))

    def pinball_multi(pred, target, taus, w=None):
        u = target[:, None] - pred
        per = torch.max(taus * u, (taus - 1) * u).mean(1)
        return wmean(per, w)

    write("quantile_multi", {
        "plain": case(lambda pred, target, taus: pinball_multi(pred, target, taus),
                      {"pred": predq, "target": target, "taus": taus}, ["pred"], {"n": n, "Q": Q}),
        "weighted": case(lambda pred, target, taus, w: pinball_multi(pred, target, taus, w),
                         {"pred": predq, "target": target, "taus": taus, "w": w}, ["pred"],
                         {"n": n, "Q": Q})})
    write("log_cosh", {
        "plain": case(lambda pred, target: torch.log(torch.cosh(pred - target)).mean(), d, ["pred"]),
        "weighted": case(lambda pred, target, w: wmean(torch.log(torch.cosh(pred - target)), w), dw,
                         ["pred"])})

    def tukey(pred, target, c):
        r = pred - target
        inside = (r.abs() <= c).double()
        return inside * c * c / 6 * (1 - (1 - (r / c) ** 2) ** 3) + (1 - inside) * c * c / 6

    tt = f32(pred.numpy() - away(pred.numpy() - target.numpy(), [2.0, -2.0]))
    write("tukey", {
        "c2": case(lambda pred, target: tukey(pred, target, 2.0).mean(), {"pred": pred, "target": tt},
                   ["pred"], {"c": 2.0}),
        "weighted": case(lambda pred, target, w: wmean(tukey(pred, target, 2.0), w),
                         {"pred": pred, "target": tt, "w": w}, ["pred"], {"c": 2.0})})

    def cauchy(pred, target, c):
        return c * c / 2 * torch.log1p(((pred - target) / c) ** 2)

    write("cauchy", {
        "c1": case(lambda pred, target: cauchy(pred, target, 1.0).mean(), d, ["pred"], {"c": 1.0}),
        "weighted": case(lambda pred, target, w: wmean(cauchy(pred, target, 0.5), w), dw, ["pred"],
                         {"c": 0.5})})


def gen_classification(g):
    n, K = 10, 5
    x = rnd(g, n, scale=2.0)
    y = f32(g.integers(0, 2, n).astype(np.float64))
    ysoft = f32(g.uniform(0, 1, n))
    w = W(g, n)
    fx = {}
    for tag, pw, tgt, wt in (("plain", 1.0, y, False), ("pos_weight", 3.0, y, False),
                             ("soft_weighted", 0.5, ysoft, True)):
        data = {"logits": x, "targets": tgt}
        if wt:
            data["w"] = w
        fx[tag] = case(lambda logits, targets, w=None, pw=pw: F.binary_cross_entropy_with_logits(
            logits, targets, weight=w, pos_weight=torch.tensor(pw)), data, ["logits"],
            {"pos_weight": pw})
    write("bce", fx)

    logits = rnd(g, n, K, scale=1.5)
    labels = torch.tensor(g.integers(0, K, n))
    cw = f32(g.uniform(0.5, 2.0, K))
    fx = {}
    for tag, eps, use_cw in (("plain", 0.0, False), ("smooth", 0.1, False), ("weight", 0.0, True),
                             ("weight_smooth", 0.2, True)):
        data = {"logits": logits, "labels": labels}
        if use_cw:
            data["class_w"] = cw
        fx[tag] = case(lambda logits, labels, class_w=None, eps=eps: F.cross_entropy(
            logits, labels, weight=class_w, label_smoothing=eps), data, ["logits"],
            {"n": n, "K": K, "label_smoothing": eps})
    # per-sample weights: sum_i w_i l_i / n (no torch equivalent; transcription)
    fx["sample_w"] = case(lambda logits, labels, w: (w * F.cross_entropy(
        logits, labels, reduction="none", label_smoothing=0.1)).mean(),
        {"logits": logits, "labels": labels, "w": w}, ["logits"],
        {"n": n, "K": K, "label_smoothing": 0.1})
    write("cross_entropy", fx)

    probs = f32(torch.softmax(rnd(g, n, K), 1).numpy())
    write("soft_cross_entropy", {"plain": case(
        lambda logits, targets: F.cross_entropy(logits, targets), {"logits": logits, "targets": probs},
        ["logits"], {"n": n, "K": K})})

    def focal_b(logits, targets, alpha, gamma, w=None):
        p = torch.sigmoid(logits)
        ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
        pt = p * targets + (1 - p) * (1 - targets)
        at = alpha * targets + (1 - alpha) * (1 - targets)
        per = at * (1 - pt) ** gamma * ce
        return (w * per).mean() if w is not None else per.mean()

    write("focal_binary", {
        "g2": case(lambda logits, targets: focal_b(logits, targets, 0.25, 2.0),
                   {"logits": x, "targets": y}, ["logits"], {"alpha": 0.25, "gamma": 2.0}),
        "g05_w": case(lambda logits, targets, w: focal_b(logits, targets, 0.6, 0.5, w),
                      {"logits": x, "targets": y, "w": w}, ["logits"], {"alpha": 0.6, "gamma": 0.5})})

    def focal_m(logits, labels, alpha, gamma, w=None):
        lp = torch.log_softmax(logits, 1).gather(1, labels[:, None])[:, 0]
        per = -alpha * (1 - lp.exp()) ** gamma * lp
        return (w * per).mean() if w is not None else per.mean()

    write("focal", {
        "g2": case(lambda logits, labels: focal_m(logits, labels, 1.0, 2.0),
                   {"logits": logits, "labels": labels}, ["logits"],
                   {"n": n, "K": K, "alpha": 1.0, "gamma": 2.0}),
        "g15_w": case(lambda logits, labels, w: focal_m(logits, labels, 0.5, 1.5, w),
                      {"logits": logits, "labels": labels, "w": w}, ["logits"],
                      {"n": n, "K": K, "alpha": 0.5, "gamma": 1.5})})

    def asl(logits, targets, gp, gn, clip, w=None):
        p = torch.sigmoid(logits)
        pm = torch.clamp(p - clip, min=0) if clip > 0 else p
        lpos = -(1 - p) ** gp * F.logsigmoid(logits)
        lneg = -pm ** gn * torch.log(1 - pm)
        per = targets * lpos + (1 - targets) * lneg
        return (w * per).mean() if w is not None else per.mean()

    # keep p away from the clip point (p = clip) for negatives
    xa = f32(away(x.numpy(), [math.log(0.05 / 0.95)], 0.3))
    write("asymmetric", {
        "default": case(lambda logits, targets: asl(logits, targets, 0.0, 4.0, 0.05),
                        {"logits": xa, "targets": y}, ["logits"],
                        {"gamma_pos": 0.0, "gamma_neg": 4.0, "clip": 0.05}),
        "noclip_w": case(lambda logits, targets, w: asl(logits, targets, 1.0, 2.0, 0.0, w),
                         {"logits": xa, "targets": y, "w": w}, ["logits"],
                         {"gamma_pos": 1.0, "gamma_neg": 2.0, "clip": 0.0})})

    def poly1(logits, labels, eps, w=None):
        ce = F.cross_entropy(logits, labels, reduction="none")
        pt = torch.softmax(logits, 1).gather(1, labels[:, None])[:, 0]
        per = ce + eps * (1 - pt)
        return (w * per).mean() if w is not None else per.mean()

    write("poly1", {
        "e1": case(lambda logits, labels: poly1(logits, labels, 1.0),
                   {"logits": logits, "labels": labels}, ["logits"], {"n": n, "K": K, "epsilon": 1.0}),
        "em05_w": case(lambda logits, labels, w: poly1(logits, labels, -0.5, w),
                       {"logits": logits, "labels": labels, "w": w}, ["logits"],
                       {"n": n, "K": K, "epsilon": -0.5})})

    ypm = f32(np.where(y.numpy() > 0, 1.0, -1.0))
    xs = f32(away(x.numpy() * ypm.numpy(), [1.0, 0.5]) * ypm.numpy())  # margins away from kinks

    def hinge(scores, targets, m, sq, w=None):
        h = torch.clamp(m - targets * scores, min=0)
        per = h * h if sq else h
        return (w * per).mean() if w is not None else per.mean()

    write("hinge", {
        "m1": case(lambda scores, targets: hinge(scores, targets, 1.0, False),
                   {"scores": xs, "targets": ypm}, ["scores"], {"margin": 1.0}),
        "m05_w": case(lambda scores, targets, w: hinge(scores, targets, 0.5, False, w),
                      {"scores": xs, "targets": ypm, "w": w}, ["scores"], {"margin": 0.5})})
    write("squared_hinge", {
        "m1": case(lambda scores, targets: hinge(scores, targets, 1.0, True),
                   {"scores": xs, "targets": ypm}, ["scores"], {"margin": 1.0}),
        "m05_w": case(lambda scores, targets, w: hinge(scores, targets, 0.5, True, w),
                      {"scores": xs, "targets": ypm, "w": w}, ["scores"], {"margin": 0.5})})

    # multi-margin: keep margin - x_y + x_j away from 0
    sc = logits.numpy().copy()
    for _ in range(3):
        for i in range(n):
            yy = int(labels[i])
            for j in range(K):
                if j != yy:
                    h = 1.0 - sc[i, yy] + sc[i, j]
                    if abs(h) < 0.1:
                        sc[i, j] += 0.25
    sc = f32(sc)
    fx = {}
    for tag, pp, m, use_cw in (("p1", 1, 1.0, False), ("p2", 2, 1.0, False), ("p1_w", 1, 1.0, True)):
        data = {"scores": sc, "labels": labels}
        if use_cw:
            data["class_w"] = cw
        fx[tag] = case(lambda scores, labels, class_w=None, pp=pp, m=m: F.multi_margin_loss(
            scores, labels, p=pp, margin=m, weight=class_w), data, ["scores"],
            {"n": n, "K": K, "p": pp, "margin": m})
    write("multi_margin", fx)

    teacher = rnd(g, n, K, scale=2.0)

    def distill(student, teacher, labels, T, alpha, w=None):
        kl = F.kl_div(F.log_softmax(student / T, 1), F.log_softmax(teacher / T, 1),
                      reduction="none", log_target=True).sum(1)
        ce = F.cross_entropy(student, labels, reduction="none")
        per = (1 - alpha) * ce + alpha * T * T * kl
        return (w * per).mean() if w is not None else per.mean()

    write("distill", {
        "t2": case(lambda student, teacher, labels: distill(student, teacher, labels, 2.0, 0.5),
                   {"student": logits, "teacher": teacher, "labels": labels}, ["student"],
                   {"n": n, "K": K, "temperature": 2.0, "alpha": 0.5}),
        "t4_w": case(lambda student, teacher, labels, w: distill(student, teacher, labels, 4.0, 0.9, w),
                     {"student": logits, "teacher": teacher, "labels": labels, "w": w}, ["student"],
                     {"n": n, "K": K, "temperature": 4.0, "alpha": 0.9})})


def gen_probabilistic(g):
    n, K, D = 9, 4, 3
    mu = rnd(g, n)
    tgt = rnd(g, n)
    var = f32(g.uniform(0.2, 2.0, n))
    w = W(g, n)
    write("gaussian_nll", {
        "plain": case(lambda mu, target, var: F.gaussian_nll_loss(mu, target, var),
                      {"mu": mu, "target": tgt, "var": var}, ["mu", "var"], {"eps": 1e-6, "full": 0}),
        "full_w": case(lambda mu, target, var, w: (w * F.gaussian_nll_loss(
            mu, target, var, full=True, reduction="none")).mean(),
            {"mu": mu, "target": tgt, "var": var, "w": w}, ["mu", "var"], {"eps": 1e-6, "full": 1})})
    zp = rnd(g, n, K, scale=1.5)
    zq = rnd(g, n, K, scale=1.5)

    def klc(logits_p, logits_q, w=None):
        if w is None:
            return F.kl_div(F.log_softmax(logits_q, 1), F.log_softmax(logits_p, 1),
                            reduction="batchmean", log_target=True)
        per = F.kl_div(F.log_softmax(logits_q, 1), F.log_softmax(logits_p, 1), reduction="none",
                       log_target=True).sum(1)
        return (w * per).mean()

    write("kl_categorical", {
        "plain": case(lambda logits_p, logits_q: klc(logits_p, logits_q),
                      {"logits_p": zp, "logits_q": zq}, ["logits_p", "logits_q"], {"n": n, "K": K}),
        "weighted": case(lambda logits_p, logits_q, w: klc(logits_p, logits_q, w),
                         {"logits_p": zp, "logits_q": zq, "w": w}, ["logits_p", "logits_q"],
                         {"n": n, "K": K})})
    m1, m2 = rnd(g, n, D), rnd(g, n, D)
    s1, s2 = rnd(g, n, D, scale=0.5), rnd(g, n, D, scale=0.5)

    def kld(mu1, log_std1, mu2, log_std2, w=None):
        per = torch.distributions.kl_divergence(
            torch.distributions.Normal(mu1, log_std1.exp()),
            torch.distributions.Normal(mu2, log_std2.exp())).sum(1)
        return (w * per).mean() if w is not None else per.mean()

    write("kl_diag_gaussian", {
        "plain": case(lambda mu1, log_std1, mu2, log_std2: kld(mu1, log_std1, mu2, log_std2),
                      {"mu1": m1, "log_std1": s1, "mu2": m2, "log_std2": s2},
                      ["mu1", "log_std1", "mu2", "log_std2"], {"n": n, "D": D}),
        "weighted": case(lambda mu1, log_std1, mu2, log_std2, w: kld(mu1, log_std1, mu2, log_std2, w),
                         {"mu1": m1, "log_std1": s1, "mu2": m2, "log_std2": s2, "w": w},
                         ["mu1", "log_std1", "mu2", "log_std2"], {"n": n, "D": D})})
    Dx, Dz = 5, 3
    xh = rnd(g, n, Dx)
    xx = f32(g.uniform(0, 1, (n, Dx)))
    mu_z = rnd(g, n, Dz, scale=0.8)
    lv = rnd(g, n, Dz, scale=0.5)
    # make latent dim 1 nearly collapsed so that free bits switch it off
    mu_z[:, 1] *= 0.05
    lv[:, 1] *= 0.05

    def elbo(x_hat, x, mu, logvar, beta, fb, bce, w=None):
        ww = w if w is not None else torch.ones(x_hat.shape[0])
        if bce:
            rec = F.binary_cross_entropy_with_logits(x_hat, x, reduction="none").sum(1)
        else:
            rec = ((x_hat - x) ** 2).sum(1)
        kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar)
        klm = (ww[:, None] * kl).mean(0)
        klt = torch.clamp(klm, min=fb).sum() if fb > 0 else klm.sum()
        return (ww * rec).mean() + beta * klt

    with torch.no_grad():
        kl_mean = float((0.5 * (mu_z ** 2 + lv.exp() - 1 - lv)).sum(1).mean())
    fx = {}
    for tag, beta, fb, bce, wt in (("mse", 1.0, 0.0, 0, False), ("bce_beta", 4.0, 0.0, 1, False),
                                   ("free_bits_w", 0.5, 0.05, 0, True)):
        data = {"x_hat": xh, "x": xx, "mu": mu_z, "logvar": lv}
        if wt:
            data["w"] = w
        fx[tag] = case(lambda x_hat, x, mu, logvar, w=None, beta=beta, fb=fb, bce=bce:
                       elbo(x_hat, x, mu, logvar, beta, fb, bce, w), data, ["x_hat", "mu", "logvar"],
                       {"n": n, "Dx": Dx, "Dz": Dz, "beta": beta, "free_bits": fb, "recon_bce": bce})
    fx["mse"]["out_kl"] = [kl_mean]
    write("vae_elbo", fx)




def gen_metric(g):
    n, D = 8, 4
    a = rnd(g, n, D)
    same = f32((np.arange(n) % 2).astype(np.float64))
    b = f32(a.numpy() + g.standard_normal((n, D)) * np.where(same.numpy()[:, None] > 0, 0.3, 1.2))
    w = W(g, n)

    def pair(a, b, same, m, w=None):
        d = F.pairwise_distance(a, b)
        per = same * d ** 2 + (1 - same) * torch.clamp(m - d, min=0) ** 2
        return (w * per).mean() if w is not None else per.mean()

    write("contrastive_pair", {
        "m2": case(lambda a, b, same: pair(a, b, same, 2.0), {"a": a, "b": b, "same": same},
                   ["a", "b"], {"n": n, "D": D, "margin": 2.0}),
        "m3_w": case(lambda a, b, same, w: pair(a, b, same, 3.0, w),
                     {"a": a, "b": b, "same": same, "w": w}, ["a", "b"], {"n": n, "D": D, "margin": 3.0})})
    anc = rnd(g, n, D)
    pos = f32(anc.numpy() + g.standard_normal((n, D)) * 0.5)
    neg = f32(anc.numpy() + g.standard_normal((n, D)) * 0.8)
    write("triplet", {
        "m1": case(lambda anchor, pos, neg: F.triplet_margin_loss(anchor, pos, neg, margin=1.0),
                   {"anchor": anc, "pos": pos, "neg": neg}, ["anchor", "pos", "neg"],
                   {"n": n, "D": D, "margin": 1.0}),
        "m05_w": case(lambda anchor, pos, neg, w: (w * F.triplet_margin_loss(
            anchor, pos, neg, margin=0.5, reduction="none")).mean(),
            {"anchor": anc, "pos": pos, "neg": neg, "w": w}, ["anchor", "pos", "neg"],
            {"n": n, "D": D, "margin": 0.5})})

    labels = torch.tensor([0, 0, 1, 1, 1, 2, 2, 3])
    emb = rnd(g, n, D)

    def dist(x, i, j):
        return torch.sqrt(((x[i] - x[j]) ** 2).sum() + 1e-12)

    def batch_hard(emb, labels, m):
        tot, cnt = 0.0, 0
        with torch.no_grad():
            dd = [[float(dist(emb, i, j)) for j in range(n)] for i in range(n)]
        for i in range(n):
            ps = [j for j in range(n) if j != i and labels[j] == labels[i]]
            ns = [j for j in range(n) if labels[j] != labels[i]]
            if not ps or not ns:
                continue
            cnt += 1
            jp = max(ps, key=lambda j: dd[i][j])
            jn = min(ns, key=lambda j: dd[i][j])
            tot = tot + torch.clamp(dist(emb, i, jp) - dist(emb, i, jn) + m, min=0)
        return tot / cnt

    def semi_hard(emb, labels, m):
        tot, cnt = 0.0, 0
        with torch.no_grad():
            dd = [[float(dist(emb, i, j)) for j in range(n)] for i in range(n)]
        for a_ in range(n):
            ns = [j for j in range(n) if labels[j] != labels[a_]]
            if not ns:
                continue
            for p_ in range(n):
                if p_ == a_ or labels[p_] != labels[a_]:
                    continue
                cnt += 1
                outside = [j for j in ns if dd[a_][j] > dd[a_][p_]]
                jn = min(outside, key=lambda j: dd[a_][j]) if outside else max(ns, key=lambda j: dd[a_][j])
                tot = tot + torch.clamp(dist(emb, a_, p_) - dist(emb, a_, jn) + m, min=0)
        return tot / cnt

    write("triplet_batch_hard", {
        "m1": case(lambda emb, labels: batch_hard(emb, labels, 1.0), {"emb": emb, "labels": labels},
                   ["emb"], {"n": n, "D": D, "margin": 1.0})})
    write("triplet_semi_hard", {
        "m1": case(lambda emb, labels: semi_hard(emb, labels, 1.0), {"emb": emb, "labels": labels},
                   ["emb"], {"n": n, "D": D, "margin": 1.0})})

    z1 = rnd(g, n, D)
    z2 = f32(z1.numpy() + g.standard_normal((n, D)) * 0.7)

    def nrm(x):
        return x / x.norm(dim=1, keepdim=True)

    def info_nce(z1, z2, T, sym):
        S = nrm(z1) @ nrm(z2).T / T
        t = torch.arange(z1.shape[0])
        l = F.cross_entropy(S, t)
        return 0.5 * (l + F.cross_entropy(S.T, t)) if sym else l

    write("info_nce", {
        "t01": case(lambda z1, z2: info_nce(z1, z2, 0.1, False), {"z1": z1, "z2": z2}, ["z1", "z2"],
                    {"n": n, "D": D, "temperature": 0.1, "symmetric": 0}),
        "clip": case(lambda z1, z2: info_nce(z1, z2, 0.07, True), {"z1": z1, "z2": z2}, ["z1", "z2"],
                     {"n": n, "D": D, "temperature": 0.07, "symmetric": 1, "fd_h": 5e-4, "fd_atol": 3e-4})})

    def nt_xent(z1, z2, T):
        z = nrm(torch.cat([z1, z2]))
        S = z @ z.T / T
        m = z.shape[0]
        S = S.masked_fill(torch.eye(m, dtype=torch.bool), float("-inf"))
        t = (torch.arange(m) + m // 2) % m
        return F.cross_entropy(S, t)

    write("nt_xent", {"t05": case(lambda z1, z2: nt_xent(z1, z2, 0.5), {"z1": z1, "z2": z2},
                                  ["z1", "z2"], {"n": n, "D": D, "temperature": 0.5})})

    def supcon(z, labels, T):
        zn = nrm(z)
        S = zn @ zn.T / T
        tot, cnt = 0.0, 0
        for i in range(n):
            P = [j for j in range(n) if j != i and labels[j] == labels[i]]
            if not P:
                continue
            cnt += 1
            others = torch.tensor([j for j in range(n) if j != i])
            lse = torch.logsumexp(S[i, others], 0)
            tot = tot + sum(lse - S[i, j] for j in P) / len(P)
        return tot / cnt

    write("supcon", {"t01": case(lambda z, labels: supcon(z, labels, 0.1), {"z": emb, "labels": labels},
                                 ["z"], {"n": n, "D": D, "temperature": 0.1, "fd_h": 1e-3})})

    nb, Dv = 10, 3
    v1 = rnd(g, nb, Dv, scale=0.8)
    v2 = f32(v1.numpy() + g.standard_normal((nb, Dv)) * 0.3)

    def vicreg(z1, z2, iw, vw, cw, eps):
        inv = F.mse_loss(z1, z2)
        def branch(z):
            zc = z - z.mean(0)
            C = zc.T @ zc / (z.shape[0] - 1)
            sd = torch.sqrt(C.diagonal() + eps)
            off = C - torch.diag(C.diagonal())
            return 0.5 * torch.relu(1 - sd).mean() * vw + cw * (off ** 2).sum() / z.shape[1]
        return iw * inv + branch(z1) + branch(z2)

    write("vicreg", {
        "default": case(lambda z1, z2: vicreg(z1, z2, 25.0, 25.0, 1.0, 1e-4), {"z1": v1, "z2": v2},
                        ["z1", "z2"], {"n": nb, "D": Dv, "inv_w": 25.0, "var_w": 25.0, "cov_w": 1.0,
                                       "eps": 1e-4, "fd_h": 1e-3, "fd_atol": 1e-3}),
        "unit": case(lambda z1, z2: vicreg(z1, z2, 1.0, 1.0, 1.0, 1e-4), {"z1": v1, "z2": v2},
                     ["z1", "z2"], {"n": nb, "D": Dv, "inv_w": 1.0, "var_w": 1.0, "cov_w": 1.0,
                                    "eps": 1e-4})})

    def barlow(z1, z2, lam, eps):
        def bn(z):
            return (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + eps)
        C = bn(z1).T @ bn(z2) / z1.shape[0]
        on = ((1 - C.diagonal()) ** 2).sum()
        off = ((C - torch.diag(C.diagonal())) ** 2).sum()
        return on + lam * off

    write("barlow_twins", {
        "l005": case(lambda z1, z2: barlow(z1, z2, 0.05, 1e-5), {"z1": v1, "z2": v2}, ["z1", "z2"],
                     {"n": nb, "D": Dv, "lambda": 0.05, "eps": 1e-5, "fd_h": 1e-3})})

    pp = rnd(g, n, D)
    zz = rnd(g, n, D)
    write("byol", {
        "plain": case(lambda p, z: (2 - 2 * F.cosine_similarity(p, z.detach(), dim=1)).mean(),
                      {"p": pp, "z": zz}, ["p"], {"n": n, "D": D}),
        "weighted": case(lambda p, z, w: (w * (2 - 2 * F.cosine_similarity(p, z, dim=1))).mean(),
                         {"p": pp, "z": zz, "w": w}, ["p"], {"n": n, "D": D})})

    K = 5
    Wc = rnd(g, K, D)
    lab = torch.tensor(g.integers(0, K, n))

    def margin_ce(emb, weight, labels, s, m, arc, w=None):
        c = nrm(emb) @ nrm(weight).T
        cy = c.gather(1, labels[:, None])[:, 0]
        if arc:
            sn = torch.sqrt(1 - cy ** 2)
            phi = cy * math.cos(m) - sn * math.sin(m)
            phi = torch.where(cy > math.cos(math.pi - m), phi, cy - math.sin(math.pi - m) * m)
        else:
            phi = cy - m
        onehot = F.one_hot(labels, K).double()
        logits = s * (onehot * phi[:, None] + (1 - onehot) * c)
        per = F.cross_entropy(logits, labels, reduction="none")
        return (w * per).mean() if w is not None else per.mean()

    write("arcface", {
        "s8": case(lambda emb, weight, labels: margin_ce(emb, weight, labels, 8.0, 0.5, True),
                   {"emb": a, "weight": Wc, "labels": lab}, ["emb", "weight"],
                   {"n": n, "D": D, "K": K, "scale": 8.0, "margin": 0.5}),
        "s4_w": case(lambda emb, weight, labels, w: margin_ce(emb, weight, labels, 4.0, 0.3, True, w),
                     {"emb": a, "weight": Wc, "labels": lab, "w": w}, ["emb", "weight"],
                     {"n": n, "D": D, "K": K, "scale": 4.0, "margin": 0.3})})
    write("cosface", {
        "s8": case(lambda emb, weight, labels: margin_ce(emb, weight, labels, 8.0, 0.35, False),
                   {"emb": a, "weight": Wc, "labels": lab}, ["emb", "weight"],
                   {"n": n, "D": D, "K": K, "scale": 8.0, "margin": 0.35})})

    ypm = f32(np.where(np.arange(n) % 3 == 0, 1.0, -1.0))
    # keep cos(x1, x2) - margin away from 0 for the y = -1 rows
    x1 = a.numpy().copy()
    x2 = b.numpy().copy()
    for i in range(n):
        while True:
            c = x1[i] @ x2[i] / (np.linalg.norm(x1[i]) * np.linalg.norm(x2[i]))
            if abs(c - 0.1) > 0.1:
                break
            x2[i] = g.standard_normal(D)
    x1, x2 = f32(x1), f32(x2)
    write("cosine_embedding", {
        "m0": case(lambda x1, x2, y: F.cosine_embedding_loss(x1, x2, y, margin=0.0),
                   {"x1": x1, "x2": x2, "y": ypm}, ["x1", "x2"], {"n": n, "D": D, "margin": 0.0}),
        "m01_w": case(lambda x1, x2, y, w: (w * F.cosine_embedding_loss(
            x1, x2, y, margin=0.1, reduction="none")).mean(),
            {"x1": x1, "x2": x2, "y": ypm, "w": w}, ["x1", "x2"], {"n": n, "D": D, "margin": 0.1})})
    xe = f32(away(g.standard_normal(n) * 1.5, [1.0, 0.5]))
    write("hinge_embedding", {
        "m1": case(lambda x, y: F.hinge_embedding_loss(x, y, margin=1.0), {"x": xe, "y": ypm}, ["x"],
                   {"margin": 1.0}),
        "m05_w": case(lambda x, y, w: (w * F.hinge_embedding_loss(x, y, margin=0.5, reduction="none")).mean(),
                      {"x": xe, "y": ypm, "w": w}, ["x"], {"margin": 0.5})})


def gen_adversarial(g):
    nr, nf = 7, 9
    real = f32(away(g.standard_normal(nr) * 2, [1.0, -1.0]))
    fake = f32(away(g.standard_normal(nf) * 2, [1.0, -1.0]))
    d = {"real": real, "fake": fake}
    bce = F.binary_cross_entropy_with_logits
    write("gan_d", {"plain": case(lambda real, fake: bce(real, torch.ones(nr)) + bce(fake, torch.zeros(nf)),
                                  d, ["real", "fake"])})
    write("wgan_d", {"plain": case(lambda real, fake: fake.mean() - real.mean(), d, ["real", "fake"])})
    write("hinge_gan_d", {"plain": case(lambda real, fake: torch.relu(1 - real).mean() + torch.relu(1 + fake).mean(),
                                        d, ["real", "fake"])})
    df = {"fake": fake}
    write("gan_g_minimax", {"plain": case(lambda fake: torch.log(1 - torch.sigmoid(fake)).mean(), df, ["fake"])})
    write("gan_g_nonsat", {"plain": case(lambda fake: bce(fake, torch.ones(nf)), df, ["fake"])})
    write("wgan_g", {"plain": case(lambda fake: -fake.mean(), df, ["fake"])})
    write("hinge_gan_g", {"plain": case(lambda fake: -fake.mean(), df, ["fake"])})

    n, D = 6, 4
    x0, eps = rnd(g, n, D), rnd(g, n, D)
    ab = f32(g.uniform(0.05, 0.99, n))
    with torch.no_grad():
        xt = ab.sqrt()[:, None] * x0 + (1 - ab).sqrt()[:, None] * eps
    eh = f32(eps.numpy() + g.standard_normal((n, D)) * 0.4)
    w = W(g, n)
    write("diffusion_eps", {
        "plain": case(lambda eps_hat, eps: F.mse_loss(eps_hat, eps), {"eps_hat": eh, "eps": eps},
                      ["eps_hat"], {"n": n, "D": D}),
        "weighted_xt": case(lambda eps_hat, eps, w, x0, alpha_bar: (w[:, None] * (eps_hat - eps) ** 2).mean(),
                            {"eps_hat": eh, "eps": eps, "w": w, "x0": x0, "alpha_bar": ab}, ["eps_hat"],
                            {"n": n, "D": D, "out_x_t": tolist(xt)})})
    x1 = rnd(g, n, D)
    t = f32(g.uniform(0, 1, n))
    for tag, smin in (("plain", 0.0), ("sigma", 0.1)):
        with torch.no_grad():
            xt = (1 - (1 - smin) * t)[:, None] * x0 + t[:, None] * x1
            u = x1 - (1 - smin) * x0
        vh = f32(u.numpy() + g.standard_normal((n, D)) * 0.5)
        if tag == "plain":
            fm = {tag: case(lambda v_hat, u, **_: F.mse_loss(v_hat, u), {"v_hat": vh, "u": f32(u.numpy()),
                  "x0": x0, "x1": x1, "t": t}, ["v_hat"],
                  {"n": n, "D": D, "sigma_min": smin, "out_x_t": tolist(xt), "out_u": tolist(u)})}
        else:
            fm[tag] = case(lambda v_hat, u, w, **_: (w[:, None] * (v_hat - u) ** 2).mean(),
                           {"v_hat": vh, "u": f32(u.numpy()), "w": w, "x0": x0, "x1": x1, "t": t},
                           ["v_hat"], {"n": n, "D": D, "sigma_min": smin, "out_x_t": tolist(xt),
                                       "out_u": tolist(u)})
    write("flow_matching", fm)


def gen_rl(g):
    n, K, D = 10, 4, 3
    logp = f32(-g.uniform(0.1, 3.0, n))
    ret = rnd(g, n, scale=2.0)
    base = rnd(g, n)
    adv = rnd(g, n, scale=1.5)
    w = W(g, n)
    write("reinforce", {
        "baseline": case(lambda logp, returns, baseline: (-(returns - baseline) * logp).mean(),
                         {"logp": logp, "returns": ret, "baseline": base}, ["logp"]),
        "plain_w": case(lambda logp, returns, w: (-w * returns * logp).mean(),
                        {"logp": logp, "returns": ret, "w": w}, ["logp"])})
    write("policy_gradient", {"plain": case(lambda logp, adv: (-adv * logp).mean(),
                                            {"logp": logp, "adv": adv}, ["logp"])})
    advb = f32(away(adv.numpy() * 2, [math.log(5.0) * 0.5], 0.1))
    write("awr", {
        "b1": case(lambda logp, adv: (-torch.clamp(torch.exp(adv / 1.0), max=20.0) * logp).mean(),
                   {"logp": logp, "adv": advb}, ["logp"], {"beta": 1.0, "max_weight": 20.0}),
        "clipped_w": case(lambda logp, adv, w: (-w * torch.clamp(torch.exp(adv / 0.5), max=5.0) * logp).mean(),
                          {"logp": logp, "adv": advb, "w": w}, ["logp"], {"beta": 0.5, "max_weight": 5.0})})
    logits = rnd(g, n, K, scale=2.0)
    with torch.no_grad():
        ent = torch.distributions.Categorical(logits=logits).entropy()
    write("entropy_categorical", {
        "plain": case(lambda logits: -torch.distributions.Categorical(logits=logits).entropy().mean(),
                      {"logits": logits}, ["logits"], {"n": n, "K": K, "out_ent": tolist(ent)}),
        "weighted": case(lambda logits, w: -(w * torch.distributions.Categorical(logits=logits).entropy()).mean(),
                         {"logits": logits, "w": w}, ["logits"], {"n": n, "K": K})})
    ls = rnd(g, n, D, scale=0.5)
    write("entropy_gaussian", {
        "plain": case(lambda log_std: -torch.distributions.Normal(torch.zeros_like(log_std), log_std.exp())
                      .entropy().sum(1).mean(), {"log_std": ls}, ["log_std"], {"n": n, "D": D}),
        "weighted": case(lambda log_std, w: -(w * torch.distributions.Normal(torch.zeros_like(log_std), log_std.exp())
                         .entropy().sum(1)).mean(), {"log_std": ls, "w": w}, ["log_std"], {"n": n, "D": D})})
    q = rnd(g, n, scale=3.0)
    write("sac_actor", {
        "a02": case(lambda logp, q: (0.2 * logp - q).mean(), {"logp": logp, "q": q}, ["logp", "q"],
                    {"alpha": 0.2}),
        "a1_w": case(lambda logp, q, w: (w * (1.0 * logp - q)).mean(), {"logp": logp, "q": q, "w": w},
                     ["logp", "q"], {"alpha": 1.0})})
    la = f32([-1.3])
    write("sac_alpha", {"plain": case(lambda log_alpha, logp: -(log_alpha * (logp + (-2.0))).mean(),
                                      {"log_alpha": la, "logp": logp}, ["log_alpha"],
                                      {"target_entropy": -2.0})})
    groups, S = 3, 4
    rewards = f32(g.integers(0, 3, groups * S).astype(np.float64))
    rewards[S:2 * S] = 1.0  # a group of identical rewards: zero advantage
    r = rewards.view(groups, S)
    with torch.no_grad():
        advg = ((r - r.mean(1, keepdim=True)) / (r.std(1, keepdim=True) + 1e-4)).reshape(-1)
    m = groups * S
    lpo = f32(-g.uniform(0.5, 3.0, m))
    lp = f32(lpo.numpy() + g.uniform(-0.3, 0.3, m))
    lref = f32(lpo.numpy() + g.uniform(-0.3, 0.3, m))

    def grpo(logp, logp_old, logp_ref, adv, clip, beta, w=None):
        rr = torch.exp(logp - logp_old)
        per = torch.max(-adv * rr, -adv * torch.clamp(rr, 1 - clip, 1 + clip))
        dr = logp_ref - logp
        per = per + beta * (torch.exp(dr) - dr - 1)
        return (w * per).mean() if w is not None else per.mean()

    advf = f32(advg.numpy())
    write("grpo", {
        "default": case(lambda logp, logp_old, logp_ref, adv, rewards: grpo(logp, logp_old, logp_ref, adv, 0.2, 0.04),
                        {"logp": lp, "logp_old": lpo, "logp_ref": lref, "adv": advf, "rewards": rewards},
                        ["logp"], {"groups": groups, "group_size": S, "eps": 1e-4, "clip": 0.2,
                                   "beta": 0.04, "out_adv": tolist(advg)}),
        "beta05_w": case(lambda logp, logp_old, logp_ref, adv, rewards, w: grpo(logp, logp_old, logp_ref, adv, 0.1, 0.5, w),
                         {"logp": lp, "logp_old": lpo, "logp_ref": lref, "adv": advf, "rewards": rewards,
                          "w": W(g, m)}, ["logp"], {"groups": groups, "group_size": S, "eps": 1e-4,
                                                    "clip": 0.1, "beta": 0.5, "out_adv": tolist(advg)})})


def gen_targets(g):
    T, N = 7, 3
    r = rnd(g, T, N)
    nv = rnd(g, T, N)
    term = np.zeros((T, N), dtype=np.int64)
    trunc = np.zeros((T, N), dtype=np.int64)
    term[2, 0] = 1
    trunc[4, 1] = 1
    term[5, 2] = 1
    trunc[1, 2] = 1
    gamma, lam = 0.9, 0.8
    rn, vn = r.numpy(), nv.numpy()

    def nstep_ref(n):
        y = np.zeros((T, N))
        for e in range(N):
            for t in range(T):
                G, disc = 0.0, 1.0
                for k in range(n):
                    s_ = t + k
                    G += disc * rn[s_, e]
                    if term[s_, e]:
                        break
                    if trunc[s_, e] or k == n - 1 or s_ == T - 1:
                        G += disc * gamma * vn[s_, e]
                        break
                    disc *= gamma
                y[t, e] = G
        return y

    def lambda_ref():
        # TD(lambda) as the lambda-weighted mixture of n-step returns, truncated at episode ends
        y = np.zeros((T, N))
        for e in range(N):
            for t in range(T):
                # steps until the episode or rollout ends (inclusive)
                end = t
                while not (term[end, e] or trunc[end, e] or end == T - 1):
                    end += 1
                L = end - t + 1
                tot = 0.0
                for n in range(1, L):
                    tot += (1 - lam) * lam ** (n - 1) * nstep_ref(n)[t, e]
                tot += lam ** (L - 1) * nstep_ref(L)[t, e]
                y[t, e] = tot
        return y

    base = {"rewards": tolist(r), "next_values": tolist(nv), "terminated": term.tolist(),
            "truncated": trunc.tolist(), "T": T, "N": N, "gamma": gamma, "value": 0.0, "diff": []}
    td0 = rn + gamma * (1 - term) * vn
    write("td0", {"plain": dict(base, out_y=td0.tolist())})
    write("nstep", {"n1": dict(base, nstep=1, out_y=nstep_ref(1).tolist()),
                    "n3": dict(base, nstep=3, out_y=nstep_ref(3).tolist()),
                    "n10": dict(base, nstep=10, out_y=nstep_ref(10).tolist())})
    write("td_lambda", {"l08": dict(base, **{"lambda": lam}, out_y=lambda_ref().tolist())})


def gen_distributional(g):
    n, Nq, Nt = 4, 5, 6
    taus = f32((2 * np.arange(Nq) + 1) / (2.0 * Nq))
    theta = rnd(g, n, Nq)
    target = rnd(g, n, Nt)
    # keep u = target - theta away from 0 and +-kappa
    th = theta.numpy().copy()
    for b in range(n):
        for i in range(Nq):
            for _ in range(20):
                u = target.numpy()[b] - th[b, i]
                if np.all(np.abs(np.abs(u) - 1.0) > 0.05) and np.all(np.abs(u) > 0.05):
                    break
                th[b, i] += 0.037
    theta = f32(th)

    def qh(theta, target, taus, kappa, w=None):
        tau = taus if taus.dim() == 2 else taus[None, :]
        u = target[:, None, :] - theta[:, :, None]  # (n, Nq, Nt)
        if kappa > 0:
            L = torch.where(u.abs() <= kappa, 0.5 * u ** 2 / kappa, u.abs() - 0.5 * kappa)
        else:
            L = u.abs()
        rho = (tau[:, :, None] - (u < 0).double()).abs() * L
        per = rho.mean(2).sum(1)
        return (w * per).mean() if w is not None else per.mean()

    taus_iqn = f32(g.uniform(0.01, 0.99, (n, Nq)))
    write("quantile_huber", {
        "qr_k1": case(lambda theta, target, taus: qh(theta, target, taus, 1.0),
                      {"theta": theta, "target": target, "taus": taus}, ["theta"],
                      {"n": n, "Nq": Nq, "Nt": Nt, "kappa": 1.0, "per_sample": 0}),
        "qr_k0": case(lambda theta, target, taus: qh(theta, target, taus, 0.0),
                      {"theta": theta, "target": target, "taus": taus}, ["theta"],
                      {"n": n, "Nq": Nq, "Nt": Nt, "kappa": 0.0, "per_sample": 0}),
        "iqn_w": case(lambda theta, target, taus, w: qh(theta, target, taus, 1.0, w),
                      {"theta": theta, "target": target, "taus": taus_iqn, "w": W(g, n)}, ["theta"],
                      {"n": n, "Nq": Nq, "Nt": Nt, "kappa": 1.0, "per_sample": 1})})

    A, vmin, vmax, gamma = 11, -5.0, 5.0, 0.9
    nxt = torch.softmax(rnd(g, n, A, scale=1.5), 1)
    nxt = f32(nxt.numpy())
    rew = f32([0.3, -2.0, 4.5, 1.0])
    dones = [0, 0, 1, 0]
    z = np.linspace(vmin, vmax, A)
    dz = (vmax - vmin) / (A - 1)
    m = np.zeros((n, A))
    for i in range(n):
        for j in range(A):
            tz = np.clip(float(rew[i]) + (0 if dones[i] else gamma) * z[j], vmin, vmax)
            b = (tz - vmin) / dz
            l, u = int(np.floor(b)), int(np.ceil(b))
            if l == u:
                m[i, l] += float(nxt[i, j])
            else:
                m[i, l] += float(nxt[i, j]) * (u - b)
                m[i, u] += float(nxt[i, j]) * (b - l)
    logits = rnd(g, n, A)
    mt = f32(m)
    write("c51", {"plain": case(lambda logits, target_probs, next_probs, rewards, dones:
                                -(target_probs * torch.log_softmax(logits, 1)).sum(1).mean(),
                                {"logits": logits, "target_probs": mt, "next_probs": nxt, "rewards": rew,
                                 "dones": torch.tensor(dones)}, ["logits"],
                                {"n": n, "A": A, "v_min": vmin, "v_max": vmax, "gamma": gamma,
                                 "out_m": m.tolist()})})


def gen_exploration(g):
    n, D, A = 8, 5, 4
    pred, nxt = rnd(g, n, D), rnd(g, n, D)
    w = W(g, n)
    with torch.no_grad():
        rint = 0.5 * 0.5 * ((pred - nxt) ** 2).sum(1)
    write("icm_forward", {
        "plain": case(lambda phi_pred, phi_next: (0.5 * ((phi_pred - phi_next) ** 2).sum(1)).mean(),
                      {"phi_pred": pred, "phi_next": nxt}, ["phi_pred", "phi_next"],
                      {"n": n, "D": D, "eta": 0.5, "out_r_int": tolist(rint)}),
        "weighted": case(lambda phi_pred, phi_next, w: (w * 0.5 * ((phi_pred - phi_next) ** 2).sum(1)).mean(),
                         {"phi_pred": pred, "phi_next": nxt, "w": w}, ["phi_pred", "phi_next"],
                         {"n": n, "D": D, "eta": 1.0})})
    logits = rnd(g, n, A)
    acts = torch.tensor(g.integers(0, A, n))
    write("icm_inverse", {"plain": case(lambda logits, actions: F.cross_entropy(logits, actions),
                                        {"logits": logits, "actions": acts}, ["logits"], {"n": n, "A": A})})
    ap, at = rnd(g, n, 2), rnd(g, n, 2)
    write("icm_inverse_continuous", {"plain": case(
        lambda a_pred, a: (0.5 * ((a_pred - a) ** 2).sum(1)).mean(), {"a_pred": ap, "a": at}, ["a_pred"],
        {"n": n, "D": 2})})
    with torch.no_grad():
        rr = ((pred - nxt) ** 2).mean(1)
    write("rnd", {
        "plain": case(lambda pred, target: ((pred - target) ** 2).mean(1).mean(), {"pred": pred, "target": nxt},
                      ["pred"], {"n": n, "D": D, "out_r_int": tolist(rr)}),
        "weighted": case(lambda pred, target, w: (w * ((pred - target) ** 2).mean(1)).mean(),
                         {"pred": pred, "target": nxt, "w": w}, ["pred"], {"n": n, "D": D})})


def gen_preference(g):
    n = 8
    pc = f32(-g.uniform(5, 40, n))
    pr = f32(-g.uniform(5, 40, n))
    rc = f32(pc.numpy() + g.standard_normal(n) * 2)
    rr = f32(pr.numpy() + g.standard_normal(n) * 2)
    lc = f32(g.integers(5, 30, n).astype(np.float64))
    lr = f32(g.integers(5, 30, n).astype(np.float64))
    w = W(g, n)
    base = {"pc": pc, "pr": pr}
    write("bradley_terry", {
        "plain": case(lambda r_chosen, r_rejected: -F.logsigmoid(r_chosen - r_rejected).mean(),
                      {"r_chosen": f32(pc.numpy() / 10), "r_rejected": f32(pr.numpy() / 10)},
                      ["r_chosen", "r_rejected"]),
        "weighted": case(lambda r_chosen, r_rejected, w: -(w * F.logsigmoid(r_chosen - r_rejected)).mean(),
                         {"r_chosen": f32(pc.numpy() / 10), "r_rejected": f32(pr.numpy() / 10), "w": w},
                         ["r_chosen", "r_rejected"])})

    def dpo(pc, pr, ref_c, ref_r, beta, eps, w=None):
        h = beta * ((pc - ref_c) - (pr - ref_r))
        per = -(1 - eps) * F.logsigmoid(h) - eps * F.logsigmoid(-h)
        return (w * per).mean() if w is not None else per.mean()

    d4 = dict(base, ref_c=rc, ref_r=rr)
    write("dpo", {
        "b01": case(lambda pc, pr, ref_c, ref_r: dpo(pc, pr, ref_c, ref_r, 0.1, 0.0), d4, ["pc", "pr"],
                    {"beta": 0.1, "label_smoothing": 0.0}),
        "b05_ls_w": case(lambda pc, pr, ref_c, ref_r, w: dpo(pc, pr, ref_c, ref_r, 0.5, 0.1, w),
                         dict(d4, w=w), ["pc", "pr"], {"beta": 0.5, "label_smoothing": 0.1})})
    write("ipo", {"t01": case(lambda pc, pr, ref_c, ref_r: (((pc - ref_c) - (pr - ref_r) - 1 / (2 * 0.1)) ** 2).mean(),
                              d4, ["pc", "pr"], {"tau": 0.1})})
    logp = f32(-g.uniform(5, 40, n))
    ref = f32(logp.numpy() + g.standard_normal(n) * 3)
    good = torch.tensor([1, 0, 1, 1, 0, 0, 1, 0])

    def kto(logp, ref, good, z0, beta, ld, lu, w=None):
        r = logp - ref
        gd = good.double()
        per = gd * ld * (1 - torch.sigmoid(beta * (r - z0))) + (1 - gd) * lu * (1 - torch.sigmoid(beta * (z0 - r)))
        return (w * per).mean() if w is not None else per.mean()

    write("kto", {
        "plain": case(lambda logp, ref, good: kto(logp, ref, good, 0.5, 0.1, 1.0, 1.0),
                      {"logp": logp, "ref": ref, "good": good}, ["logp"],
                      {"z0": 0.5, "beta": 0.1, "lambda_d": 1.0, "lambda_u": 1.0}),
        "asym_w": case(lambda logp, ref, good, w: kto(logp, ref, good, 1.5, 0.5, 1.0, 1.33, w),
                       {"logp": logp, "ref": ref, "good": good, "w": w}, ["logp"],
                       {"z0": 1.5, "beta": 0.5, "lambda_d": 1.0, "lambda_u": 1.33})})
    d6 = dict(base, len_c=lc, len_r=lr)
    write("simpo", {
        "default": case(lambda pc, pr, len_c, len_r: -F.logsigmoid(2.0 * pc / len_c - 2.0 * pr / len_r - 1.0).mean(),
                        d6, ["pc", "pr"], {"beta": 2.0, "gamma": 1.0}),
        "weighted": case(lambda pc, pr, len_c, len_r, w: -(w * F.logsigmoid(2.5 * pc / len_c - 2.5 * pr / len_r - 0.5)).mean(),
                         dict(d6, w=w), ["pc", "pr"], {"beta": 2.5, "gamma": 0.5})})

    def orpo(pc, pr, len_c, len_r, lam, w=None):
        a, b = pc / len_c, pr / len_r
        lo = lambda l: l - torch.log(-torch.expm1(l))
        per = -a - lam * F.logsigmoid(lo(a) - lo(b))
        return (w * per).mean() if w is not None else per.mean()

    write("orpo", {
        "l01": case(lambda pc, pr, len_c, len_r: orpo(pc, pr, len_c, len_r, 0.1), d6, ["pc", "pr"],
                    {"lambda": 0.1}),
        "l1_w": case(lambda pc, pr, len_c, len_r, w: orpo(pc, pr, len_c, len_r, 1.0, w), dict(d6, w=w),
                     ["pc", "pr"], {"lambda": 1.0})})


def gen_regularisation(g):
    P = 12
    th = f32(away(g.standard_normal(P), [0.0], 0.05))
    ts = rnd(g, P)
    fi = f32(g.uniform(0, 3, P))
    write("l1", {"plain": case(lambda theta: 0.01 * theta.abs().sum(), {"theta": th}, ["theta"], {"lambda": 0.01})})
    write("l2", {"plain": case(lambda theta: 0.5 * 0.01 * (theta ** 2).sum(), {"theta": th}, ["theta"],
                               {"lambda": 0.01})})
    write("elastic_net", {"plain": case(lambda theta: 0.02 * theta.abs().sum() + 0.5 * 0.1 * (theta ** 2).sum(),
                                        {"theta": th}, ["theta"], {"l1": 0.02, "l2": 0.1})})
    write("ewc", {"plain": case(lambda theta, theta_star, fisher: 0.5 * 3.0 * (fisher * (theta - theta_star) ** 2).sum(),
                                {"theta": th, "theta_star": ts, "fisher": fi}, ["theta"], {"lambda": 3.0})})
    n, M, D, k = 3, 9, 2, 3
    b = rnd(g, n, D)
    arch = rnd(g, M, D)

    def novelty(b, archive):
        out = []
        for i in range(n):
            d = torch.sqrt(((b[i][None, :] - archive) ** 2).sum(1) + 1e-12)
            out.append(torch.sort(d)[0][:k].mean())
        return torch.stack(out)

    with torch.no_grad():
        nov = novelty(b, arch)
    write("novelty", {"k3": case(lambda b, archive: novelty(b, archive).mean(), {"b": b, "archive": arch}, ["b"],
                                 {"n": n, "M": M, "D": D, "k": k, "out_novelty": tolist(nov)})})
    n2, D2 = 5, 3
    x = rnd(g, n2, D2)

    def dpp(x, l, jit):
        d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(2)
        Kmat = torch.exp(-0.5 * d2 / (l * l)) + jit * torch.eye(x.shape[0])
        return -torch.logdet(Kmat)

    write("dpp", {"l1": case(lambda x: dpp(x, 1.0, 1e-3), {"x": x}, ["x"],
                             {"n": n2, "D": D2, "lengthscale": 1.0, "jitter": 1e-3, "fd_h": 1e-3, "fd_atol": 3e-4})})


# ---- the rest of the catalogue: more metric / self-supervised, generative, RL, exploration -------

def wm(per, w):
    return (w * per).mean() if w is not None else per.mean()


def gen_selfsup(g):
    n, D, C, K, M = 6, 4, 4, 5, 7
    anc = rnd(g, n, D, scale=0.7)
    pos = f32(anc.numpy() + g.standard_normal((n, D)) * 0.4)

    def npair(anchor, pos, l2):
        S = anchor @ pos.T
        return F.cross_entropy(S, torch.arange(n)) + l2 * ((anchor ** 2).sum(1) + (pos ** 2).sum(1)).mean()

    write("npair", {
        "l0": case(lambda anchor, pos: npair(anchor, pos, 0.0), {"anchor": anc, "pos": pos},
                   ["anchor", "pos"], {"n": n, "D": D, "l2_reg": 0.0}),
        "l002": case(lambda anchor, pos: npair(anchor, pos, 0.02), {"anchor": anc, "pos": pos},
                     ["anchor", "pos"], {"n": n, "D": D, "l2_reg": 0.02})})

    emb = rnd(g, n, D)
    prox = rnd(g, C, D)
    labels = torch.tensor([0, 1, 2, 3, 1, 2])
    w = W(g, n)

    def proxy_nca(emb, proxies, labels, s, w=None):
        x = F.normalize(emb, dim=1, eps=1e-8) * s
        p = F.normalize(proxies, dim=1, eps=1e-8) * s
        d = ((x[:, None, :] - p[None, :, :]) ** 2).sum(2)
        mask = F.one_hot(labels, C).bool()
        per = d[mask] + torch.logsumexp(-d.masked_fill(mask, float("inf")), 1)
        return wm(per, w)

    write("proxy_nca", {
        "s1": case(lambda emb, proxies, labels: proxy_nca(emb, proxies, labels, 1.0),
                   {"emb": emb, "proxies": prox, "labels": labels}, ["emb", "proxies"],
                   {"n": n, "D": D, "C": C, "scale": 1.0}),
        "s3_w": case(lambda emb, proxies, labels, w: proxy_nca(emb, proxies, labels, 3.0, w),
                     {"emb": emb, "proxies": prox, "labels": labels, "w": w}, ["emb", "proxies"],
                     {"n": n, "D": D, "C": C, "scale": 3.0, "fd_h": 1e-3})})

    stu = rnd(g, n, K)
    tea = rnd(g, n, K)
    cen = rnd(g, K, scale=0.3)

    def dino(student, teacher, center, ts, tt, w=None):
        t = F.softmax((teacher - center) / tt, dim=1)
        return wm(-(t * F.log_softmax(student / ts, dim=1)).sum(1), w)

    def center_after(m):
        return tolist(m * cen + (1 - m) * tea.mean(0))

    write("dino", {
        "default": case(lambda student, teacher, center: dino(student, teacher, center, 0.1, 0.04),
                        {"student": stu, "teacher": tea, "center": cen}, ["student"],
                        {"n": n, "K": K, "student_temp": 0.1, "teacher_temp": 0.04,
                         "center_momentum": 0.9, "out_center": center_after(0.9), "fd_h": 2e-3,
                         "fd_atol": 1e-3}),
        "soft_w": case(lambda student, teacher, center, w: dino(student, teacher, center, 0.5, 0.2, w),
                       {"student": stu, "teacher": tea, "center": cen, "w": w}, ["student"],
                       {"n": n, "K": K, "student_temp": 0.5, "teacher_temp": 0.2,
                        "center_momentum": 0.5, "out_center": center_after(0.5)})})

    q = rnd(g, n, D)
    k = f32(q.numpy() + g.standard_normal((n, D)) * 0.5)
    queue = rnd(g, M, D)

    def moco(q, k, queue, T):
        qn, kn = F.normalize(q, dim=1, eps=1e-8), F.normalize(k, dim=1, eps=1e-8)
        Qn = F.normalize(queue, dim=1, eps=1e-8)
        logits = torch.cat([(qn * kn).sum(1, keepdim=True), qn @ Qn.T], 1) / T
        return F.cross_entropy(logits, torch.zeros(n, dtype=torch.long))

    write("moco", {
        "t02": case(lambda q, k, queue: moco(q, k, queue, 0.2), {"q": q, "k": k, "queue": queue}, ["q"],
                    {"n": n, "D": D, "M": M, "temperature": 0.2}),
        "t007": case(lambda q, k, queue: moco(q, k, queue, 0.07), {"q": q, "k": k, "queue": queue}, ["q"],
                     {"n": n, "D": D, "M": M, "temperature": 0.07, "fd_h": 5e-4})})


def gen_generative_more(g):
    n, D = 5, 3
    x0, eps, vh = rnd(g, n, D), rnd(g, n, D), rnd(g, n, D)
    ab = f32(g.uniform(0.05, 0.99, n))
    w = W(g, n)
    with torch.no_grad():
        v = ab.sqrt()[:, None] * eps - (1 - ab).sqrt()[:, None] * x0
    write("diffusion_v", {
        "plain": case(lambda v_hat, v, **_: ((v_hat - v) ** 2).mean(1).mean(),
                      {"v_hat": vh, "v": f32(v.numpy()), "x0": x0, "eps": eps, "alpha_bar": ab}, ["v_hat"],
                      {"n": n, "D": D, "out_v": tolist(v)}),
        "weighted": case(lambda v_hat, v, w: (w * ((v_hat - v) ** 2).mean(1)).mean(),
                         {"v_hat": vh, "v": f32(v.numpy()), "w": w}, ["v_hat"], {"n": n, "D": D})})
    z, ld = rnd(g, n, D), rnd(g, n)
    normal = torch.distributions.Normal(0.0, 1.0)

    def flow(z, logdet, w=None):
        return wm(-(normal.log_prob(z).sum(1) + logdet), w)

    write("flow_nll", {
        "plain": case(lambda z, logdet: flow(z, logdet), {"z": z, "logdet": ld}, ["z", "logdet"],
                      {"n": n, "D": D}),
        "weighted": case(lambda z, logdet, w: flow(z, logdet, w), {"z": z, "logdet": ld, "w": w},
                         ["z", "logdet"], {"n": n, "D": D})})


def gen_rl_more(g):
    # RSSM world model
    n, Dx, S, C = 6, 4, 3, 4
    xh, x = rnd(g, n, Dx), rnd(g, n, Dx)
    post, prior = rnd(g, n, S * C, scale=1.5), rnd(g, n, S * C, scale=1.5)
    rh, r = rnd(g, n), rnd(g, n)
    cl = rnd(g, n, scale=2.0)
    cont = f32((g.uniform(size=n) > 0.3).astype(np.float64))
    w = W(g, n)

    def kl(a, b):
        lq, lp = F.log_softmax(a.view(n, S, C), -1), F.log_softmax(b.view(n, S, C), -1)
        return (lq.exp() * (lq - lp)).sum((1, 2))

    with torch.no_grad():
        kls = np.sort(kl(post, prior).numpy())
    gaps = np.diff(kls)
    j = int(np.argmax(gaps))
    free_mid = float(np.float32(0.5 * (kls[j] + kls[j + 1])))   # some samples clamped, none near

    def rssm(obs_hat, obs, post, prior, reward_hat, reward, cont_logit, cont, a, free, ks, rs, cs, w=None):
        rec = 0.5 * ((obs_hat - obs) ** 2).sum(1)
        klt = a * torch.clamp(kl(post.detach(), prior), min=free) + \
            (1 - a) * torch.clamp(kl(post, prior.detach()), min=free)
        rew = 0.5 * (reward_hat - reward) ** 2
        con = F.binary_cross_entropy_with_logits(cont_logit, cont, reduction="none")
        with torch.no_grad():
            terms = [float(wm(t, w)) for t in (rec, kl(post, prior), rew, con)]
        return wm(rec + ks * klt + rs * rew + cs * con, w), terms

    data = {"obs_hat": xh, "obs": x, "post": post, "prior": prior, "reward_hat": rh, "reward": r,
            "cont_logit": cl, "cont": cont}
    diff = ["obs_hat", "post", "prior", "reward_hat", "cont_logit"]
    fx = {}
    for tag, a, free, ks, rs, cs, wt in (("balanced", 0.8, 0.0, 1.0, 1.0, 1.0, False),
                                         ("free_w", 0.8, free_mid, 0.5, 2.0, 0.7, True),
                                         ("prior_only", 1.0, 0.0, 1.0, 1.0, 1.0, False)):
        d = dict(data, w=w) if wt else data
        _, terms = rssm(**d, a=a, free=free, ks=ks, rs=rs, cs=cs)
        fx[tag] = case(lambda a=a, free=free, ks=ks, rs=rs, cs=cs, **kw: rssm(**kw, a=a, free=free, ks=ks,
                                                                              rs=rs, cs=cs)[0],
                       d, diff, {"n": n, "Dx": Dx, "S": S, "C": C, "kl_balance": a, "free_nats": free,
                                 "kl_scale": ks, "reward_scale": rs, "cont_scale": cs, "out_terms": terms,
                                 "fd_skip": ["post", "prior"]})
    write("rssm", fx)

    # PPO's KL-penalty surrogate
    n = 12
    old = f32(-g.uniform(0.1, 3.0, n))
    logp = f32(old.numpy() + g.uniform(-0.4, 0.4, n))
    adv = rnd(g, n)
    w = W(g, n)

    def ppo_kl(logp, logp_old, adv, beta, w=None):
        lr = logp - logp_old
        r = torch.exp(lr)
        return wm(-adv * r + beta * ((r - 1) - lr), w)

    def kl_mean():
        lr = logp - old
        return float(((torch.exp(lr) - 1) - lr).mean())

    write("ppo_kl", {
        "b1": case(lambda logp, logp_old, adv: ppo_kl(logp, logp_old, adv, 1.0),
                   {"logp": logp, "logp_old": old, "adv": adv}, ["logp"], {"beta": 1.0, "out_kl": [kl_mean()]}),
        "b3_w": case(lambda logp, logp_old, adv, w: ppo_kl(logp, logp_old, adv, 3.0, w),
                     {"logp": logp, "logp_old": old, "adv": adv, "w": w}, ["logp"],
                     {"beta": 3.0, "out_kl": [kl_mean()]})})

    # V-MPO
    n = 9
    adv = rnd(g, n, scale=1.5)
    logp = f32(-g.uniform(0.1, 3.0, n))
    k = (n + 1) // 2
    top = sorted(range(n), key=lambda i: (-float(adv[i]), i))[:k]

    def vmpo_policy(logp, adv, eta):
        psi = F.softmax(adv[top] / eta, 0).detach()
        return -(psi * logp[top]).sum()

    def vmpo_temp(eta, adv, eps):
        return eta[0] * eps + eta[0] * (torch.logsumexp(adv[top] / eta[0], 0) - math.log(k))

    write("vmpo", {
        "e1": case(lambda logp, adv: vmpo_policy(logp, adv, 1.0), {"logp": logp, "adv": adv}, ["logp"],
                   {"eta": 1.0}),
        "e03": case(lambda logp, adv: vmpo_policy(logp, adv, 0.3), {"logp": logp, "adv": adv}, ["logp"],
                    {"eta": 0.3})})
    write("vmpo_temperature", {
        "e1": case(lambda eta, adv: vmpo_temp(eta, adv, 0.01), {"eta": f32([1.0]), "adv": adv}, ["eta"],
                   {"eps_eta": 0.01}),
        "e05": case(lambda eta, adv: vmpo_temp(eta, adv, 0.1), {"eta": f32([0.5]), "adv": adv}, ["eta"],
                    {"eps_eta": 0.1, "fd_h": 1e-3})})

    # RLHF per-token KL-shaped reward
    n, T, beta = 3, 5, 0.1
    lp, lref, score = rnd(g, n, T), rnd(g, n, T), rnd(g, n)
    lengths = np.array([5, 2, 4])
    rew = np.zeros((n, T))
    kls = np.zeros(n)
    for i in range(n):
        for t in range(lengths[i]):
            d = float(lp[i, t]) - float(lref[i, t])
            kls[i] += d
            rew[i, t] = -beta * d
        rew[i, lengths[i] - 1] += float(score[i])
    write("rlhf_kl_reward", {"b01": {"logp": tolist(lp), "logp_ref": tolist(lref), "score": tolist(score),
                                     "lengths": lengths.tolist(), "n": n, "T": T, "beta": beta,
                                     "value": float(kls.mean()), "diff": [], "out_rewards": rew.tolist(),
                                     "out_kl": kls.tolist()}})


def gen_diversity_more(g):
    n, D = 5, 3
    b = rnd(g, n, D)

    def diversity(b, squared):
        d2 = ((b[:, None, :] - b[None, :, :]) ** 2).sum(2)
        d = d2 if squared else torch.sqrt(d2 + 1e-12)
        off = ~torch.eye(n, dtype=torch.bool)
        return -d[off].mean()

    write("diversity_pairwise", {
        "euclid": case(lambda b: diversity(b, False), {"b": b}, ["b"], {"n": n, "D": D, "squared": 0}),
        "squared": case(lambda b: diversity(b, True), {"b": b}, ["b"], {"n": n, "D": D, "squared": 1})})

    # SimHash codes of observations and the count bonus
    n, D, k, beta = 7, 4, 12, 0.05
    x, proj = rnd(g, n, D), rnd(g, k, D)
    counts = f32(g.integers(1, 50, n).astype(np.float64))
    with torch.no_grad():
        bits = (x @ proj.T > 0).long()
        codes = (bits * (2 ** torch.arange(k))).sum(1)
        bonus = beta / counts.sqrt()
    write("simhash", {"k12": {"x": tolist(x), "proj": tolist(proj), "counts": tolist(counts), "n": n,
                              "D": D, "bits": k, "beta": beta, "value": 0.0, "diff": [],
                              "out_codes": codes.tolist(), "out_bonus": tolist(bonus)}})

def gen_dpg(g):
    # the deterministic policy gradient's actor loss (DDPG, TD3): -mean w Q(s, mu(s))
    n = 9
    q, w = rnd(g, n, scale=3.0), W(g, n)
    write("dpg", {"plain": case(lambda q: -q.mean(), {"q": q}, ["q"]),
                  "weighted": case(lambda q, w: -(w * q).mean(), {"q": q, "w": w}, ["q"])})


def gen_iqn(g):
    # IQN's quantile Huber loss over sampled fractions (loss_iqn_quantile_huber): N = 8 fractions
    # drawn per sample, N' = 6 target samples, per-sample weights; theta kept away from the kinks
    # (|u| = kappa and u = 0) so that finite differences see a smooth function
    n, N, Np = 5, 8, 6
    target = rnd(g, n, Np, scale=2.0)
    taus = f32(g.uniform(0.0, 1.0, (n, N)))

    def smooth(kappa):
        th = g.standard_normal((n, N)) * 2.0
        for b in range(n):
            for i in range(N):
                for _ in range(50):
                    u = target.numpy()[b] - th[b, i]
                    if np.all(np.abs(np.abs(u) - kappa) > 0.05) and np.all(np.abs(u) > 0.05):
                        break
                    th[b, i] += 0.037
        return f32(th)

    def qh(theta, target, taus, kappa, w=None):
        u = target[:, None, :] - theta[:, :, None]  # (n, N, N')
        L = torch.where(u.abs() <= kappa, 0.5 * u ** 2 / kappa, u.abs() - 0.5 * kappa) if kappa > 0 else u.abs()
        per = ((taus[:, :, None] - (u < 0).double()).abs() * L).mean(2).sum(1)
        return (w * per).mean() if w is not None else per.mean()

    cases = {}
    for name, kappa, weighted in (("k1", 1.0, False), ("k1_w", 1.0, True), ("k0_5_w", 0.5, True), ("k0", 0.0, False)):
        data = {"theta": smooth(kappa), "target": target, "taus": taus}
        if weighted:
            data["w"] = W(g, n)
        fn = (lambda theta, target, taus, w, k=kappa: qh(theta, target, taus, k, w)) if weighted else \
            (lambda theta, target, taus, k=kappa: qh(theta, target, taus, k))
        cases[name] = case(fn, data, ["theta"], {"n": n, "N": N, "Np": Np, "kappa": kappa})
    write("iqn_quantile_huber", cases)


GENERATORS = [gen_regression, gen_policy, gen_regression_more, gen_classification, gen_probabilistic, gen_metric, gen_adversarial, gen_rl, gen_targets, gen_distributional,
              gen_exploration, gen_preference, gen_regularisation,
              gen_selfsup, gen_generative_more, gen_rl_more, gen_diversity_more, gen_dpg, gen_iqn]

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    for i, gen in enumerate(GENERATORS):
        if only and gen.__name__ not in only:
            continue
        gen(np.random.default_rng(1000 + i))
