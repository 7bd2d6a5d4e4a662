#!/usr/bin/python3
"""rlc bench: rlc's Box2D and toy-text environments against the same ids in Gymnasium (steps/s).

usage: bench/bench_gymnasium.py [--build BUILD] [--rounds R] [--copies N] [--scale X] [--ids ID ...]
       bench/bench_gymnasium.py --trajectories SEEDS [--build BUILD]
  (run with Debian's /usr/bin/python3, with PYTHONPATH=python and RLC_LIBRARY=BUILD/librlc.so
   or an installed rlc package; gymnasium, and for the Box2D ids its box2d extra, on the path)

Each id is timed alone (one instance; rlc's side is a vector env of one copy) and as a vector env
of N copies (default 16) on one thread: rlc driven from C (build/bench_vec, a fixed number of
vector steps), rlc driven from Python (rlc.make_vec) and Gymnasium (gymnasium.make, and
gymnasium.make_vec in "sync" mode with same-step autoreset, as rlc's), with uniformly random
actions, the same number of environment steps on every side (a fixed count per id, times
--scale) and episodes reset when they end. The Python sides draw every action with numpy before
timing; C draws its actions inside the loop. Warm-up (not timed): 100 vector steps in C, 2 in
Python. The sides run one after the other for each id in each round (A B C, A B C, ...), so a
ratio compares figures taken under the same load; the table gives the medians over the rounds of
steps/s and of the per-round ratios, on wall-clock time and on process CPU time (which other jobs
on the machine disturb less). BLAS and OpenMP pools are held at one thread.

When gymnasium is not importable, the rlc columns are still measured and the Gymnasium ones say
why they are missing; an id Gymnasium cannot make (no pybox2d, no pygame, an id it retired)
likewise.

--trajectories SEEDS compares LunarLander-v3 (rlc: Box2D 2.4; Gymnasium: pybox2d's 2.3) from
reset(seed=s) for s in 1..SEEDS under the same fixed sequence of actions on both sides: 1000
uniformly random actions, and the actions Gymnasium's own heuristic pilot chose in Gymnasium's
episode followed by "nothing" (so Gymnasium's side repeats its pilot's episode and rlc's replays
it open loop); for each, the largest absolute difference over the 8 observation values after the
reset, the first step whose observation differs by more than 1e-4 and by more than 1e-2, the
episode lengths and the returns; then the heuristic pilot flying each side closed loop (returns).
"""
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

# (id, environment steps per case): about a second of Gymnasium's time each on a 2-core VM
CASES = [("LunarLander-v3", 8000), ("LunarLanderContinuous-v3", 8000), ("BipedalWalker-v3", 1600),
         ("BipedalWalkerHardcore-v3", 1600), ("CarRacing-v3", 160),
         ("FrozenLake-v1", 32000), ("FrozenLake8x8-v1", 32000), ("CliffWalking-v1", 32000),
         ("CliffWalkingSlippery-v1", 32000), ("Taxi-v3", 16000), ("Taxi-v4", 16000),
         ("Blackjack-v1", 8000)]
PY_WARMUP = 2


def import_gymnasium():
    """(the gymnasium module, None) or (None, why it is missing). Called before importing rlc,
    which needs it no longer: the package loads librlc.so privately, so its Box2D 2.4 (whose C++
    symbols have the names of pybox2d's 2.3) stays out of pybox2d's way (docs/python.md)."""
    try:
        import Box2D  # noqa: F401
    except ImportError:
        pass
    try:
        import gymnasium
    except ImportError as e:
        return None, f"gymnasium is not importable ({e})"
    return gymnasium, None


def random_actions(space, vec_steps, n, seed):
    """(vec_steps, n, ...) uniform random actions of a Discrete or bounded Box space"""
    rng = np.random.default_rng(seed)
    if hasattr(space, "n"):
        return rng.integers(0, int(space.n), size=(vec_steps, n))
    low, high = space.low.astype(np.float32), space.high.astype(np.float32)
    return rng.uniform(low, high, size=(vec_steps, n) + low.shape).astype(np.float32)


def clocks():
    return time.perf_counter(), time.process_time()


def rates(steps, start):
    """(steps/s of wall-clock time, steps per CPU second) since start = clocks()"""
    t, c = clocks()
    return steps / (t - start[0]), steps / max(c - start[1], 1e-9)


def bench_c(build, env_id, n, vec_steps):
    out = subprocess.run([os.path.join(build, "bench_vec"), env_id, str(n), "1", "1", str(vec_steps)],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[2]), float(out[3])


def bench_vec(envs, actions, n):
    """a vector env (rlc's or Gymnasium's) stepped through actions after the warm-up"""
    envs.reset(seed=0)
    for k in range(PY_WARMUP):
        envs.step(actions[k])
    start = clocks()
    for a in actions:
        envs.step(a)
    r = rates(len(actions) * n, start)
    envs.close()
    return r


def bench_rlc_py(env_id, n, actions):
    import rlc
    return bench_vec(rlc.make_vec(env_id, n, seed=0), actions, n)


def bench_gym_single(gym, env_id, actions):
    """one Gymnasium environment from gymnasium.make (its wrappers included), reset when an episode ends"""
    env = gym.make(env_id)
    acts = actions[:, 0].tolist() if actions.ndim == 2 else list(actions[:, 0])
    env.reset(seed=0)
    for a in acts[:PY_WARMUP]:
        env.step(a)
    start = clocks()
    for a in acts:
        _, _, term, trunc, _ = env.step(a)
        if term or trunc:
            env.reset()
    r = rates(len(acts), start)
    env.close()
    return r


def make_gym_vec(gym, env_id, n):
    """gymnasium.make_vec in sync mode, with same-step autoreset where this Gymnasium has it"""
    try:
        return gym.make_vec(env_id, num_envs=n, vectorization_mode="sync",
                            vector_kwargs={"autoreset_mode": "SameStep"})
    except TypeError:
        return gym.make_vec(env_id, num_envs=n, vectorization_mode="sync")


def gym_unavailable(gym, why, env_id):
    """None when Gymnasium can make env_id, else why not"""
    if gym is None:
        return why
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gym.make(env_id).close()
    except Exception as e:  # DependencyNotInstalled, DeprecatedEnv, NameNotFound, ...
        return f"{type(e).__name__}: {str(e).splitlines()[0]}"
    return None


def measure_case(build, gym, env_id, n, steps, space):
    """one round of one case: {side: (wall steps/s, CPU steps/s) or None}"""
    vec_steps = max(steps // n, PY_WARMUP)
    actions = random_actions(space, vec_steps, n, seed=vec_steps + n)
    res = {"c": bench_c(build, env_id, n, vec_steps), "py": bench_rlc_py(env_id, n, actions), "gym": None}
    if gym is not None:
        res["gym"] = (bench_gym_single(gym, env_id, actions) if n == 1 else
                      bench_vec(make_gym_vec(gym, env_id, n), actions, n))
    return res


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def versions(gym):
    if gym is None:
        return "gymnasium: not importable"
    try:
        import Box2D
        b2 = f"Box2D (pybox2d) {Box2D.__version__}"
    except ImportError:
        b2 = "no pybox2d"
    return f"gymnasium {gym.__version__}, {b2}"


def fmt_ratio(values):
    return f"{statistics.median(values):.1f}x" if values else "-"


def print_table(cases, res, skipped):
    med = statistics.median
    print("| env | copies | steps | rlc C steps/s | rlc Python steps/s | Gymnasium steps/s "
          "| C / Gymnasium (wall) | C / Gymnasium (CPU) | rlc Python / Gymnasium (wall) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for env_id, n, steps in cases:
        d = res[(env_id, n)]
        c, py = med(x["c"][0] for x in d), med(x["py"][0] for x in d)
        if env_id in skipped:
            gym_cols = f"{skipped[env_id]} | - | - | -"
        else:
            g = [x["gym"] for x in d]
            gym_cols = (f"{med(x[0] for x in g):,.0f} | {fmt_ratio([x['c'][0] / x['gym'][0] for x in d])} | "
                        f"{fmt_ratio([x['c'][1] / x['gym'][1] for x in d])} | "
                        f"{fmt_ratio([x['py'][0] / x['gym'][0] for x in d])}")
        print(f"| {env_id} | {n} | {steps:,} | {c:,.0f} | {py:,.0f} | {gym_cols} |", flush=True)


def speed(args):
    gym, why = import_gymnasium()
    import rlc
    if gym is None:
        print(f"Gymnasium comparison skipped: {why}; timing rlc alone")
    have = set(rlc.env_ids())
    ids = [(i, s) for i, s in CASES if (not args.ids or i in args.ids)]
    unknown = sorted(set(args.ids or []) - {i for i, _ in CASES})
    if unknown:
        print(f"not timed (this script times {', '.join(i for i, _ in CASES)}): {', '.join(unknown)}")
    missing = [i for i, _ in ids if i not in have]
    if missing:
        print(f"not in this rlc build (no Box2D?): {', '.join(missing)}")
    ids = [(i, max(int(s * args.scale), args.copies)) for i, s in ids if i in have]
    skipped = {i: r for i, _ in ids if (r := gym_unavailable(gym, why, i)) is not None}
    for i, r in skipped.items():
        if gym is not None:
            print(f"Gymnasium cannot make {i}: {r}")
    cases = [(i, n, s) for i, s in ids for n in (1, args.copies)]
    spaces = {i: rlc.env_spaces(i)[1] for i, _ in ids}
    res = {(i, n): [] for i, n, _ in cases}
    print(f"{cpu_model()}; {versions(gym)}; load average at start {load_average()}", flush=True)
    for r in range(args.rounds):
        for env_id, n, steps in cases:
            g = None if env_id in skipped else gym
            res[(env_id, n)].append(measure_case(args.build, g, env_id, n, steps, spaces[env_id]))
        print(f"round {r + 1}/{args.rounds} done (load average {load_average()})", file=sys.stderr, flush=True)
    print(f"{args.rounds} rounds, one thread; medians; load average at the end {load_average()}")
    print_table(cases, res, {i: "no gymnasium" if gym is None else "cannot make it" for i in skipped})


# --- --trajectories: LunarLander-v3 step by step against Gymnasium's --------------------------

def gym_episode(gym, seed, actions=None):
    """Gymnasium's LunarLander-v3 from reset(seed): (observations, rewards, actions taken); the
    actions given, or its heuristic pilot's when actions is None"""
    from gymnasium.envs.box2d.lunar_lander import heuristic
    env = gym.make("LunarLander-v3")
    o, _ = env.reset(seed=seed)
    obs, rew, taken = [o], [], []
    for k in range(1000 if actions is None else len(actions)):
        a = heuristic(env.unwrapped, o) if actions is None else int(actions[k])
        o, r, term, trunc, _ = env.step(a)
        obs.append(o), rew.append(r), taken.append(a)
        if term or trunc:
            break
    env.close()
    return np.array(obs, dtype=np.float64), np.array(rew), taken


# what Gymnasium's heuristic reads of its environment argument: env.unwrapped.continuous
DISCRETE = types.SimpleNamespace(unwrapped=types.SimpleNamespace(continuous=False))


def rlc_episode(seed, actions=None):
    """rlc's LunarLander-v3 from reset(seed=seed), as gym_episode (the heuristic pilot from
    Gymnasium's module when actions is None)"""
    import rlc
    if actions is None:
        from gymnasium.envs.box2d.lunar_lander import heuristic
    envs = rlc.make_vec("LunarLander-v3", 1, seed=seed)
    o, _ = envs.reset(seed=seed)
    o = o[0]
    obs, rew, taken = [o], [], []
    for k in range(1000 if actions is None else len(actions)):
        a = heuristic(DISCRETE, o) if actions is None else int(actions[k])
        nxt, r, term, trunc, info = envs.step(np.array([a]))
        done = bool(term[0] or trunc[0])
        o = info["final_obs"][0] if done else nxt[0]
        obs.append(o), rew.append(float(r[0])), taken.append(a)
        if done:
            break
    envs.close()
    return np.array(obs, dtype=np.float64), np.array(rew), taken


def first_divergence(a, b, tol):
    """the first step (0 = the reset's observation) where the observations differ by more than tol"""
    n = min(len(a), len(b))
    diff = np.abs(a[:n] - b[:n]).max(axis=1)
    over = np.nonzero(diff > tol)[0]
    return int(over[0]) if len(over) else None


def compare_row(seed, label, g, r):
    d4, d2 = first_divergence(g[0], r[0], 1e-4), first_divergence(g[0], r[0], 1e-2)
    show = lambda d: "never" if d is None else str(d)  # noqa: E731
    n = min(len(g[0]), len(r[0]))
    worst = np.abs(g[0][:n] - r[0][:n]).max(axis=1)
    print(f"| {seed} | {label} | {worst[0]:.1e} | {show(d4)} | {show(d2)} | {len(g[1])} | {len(r[1])} "
          f"| {g[1].sum():.1f} | {r[1].sum():.1f} |", flush=True)
    return {"d4": d4, "d2": d2, "same_length": len(g[1]) == len(r[1]),
            "gret": g[1].sum(), "rret": r[1].sum()}


def print_summary(label, rows):
    """medians and means over the seeds of one kind of action sequence"""
    med = statistics.median
    d4, d2 = ([r[k] for r in rows if r[k] is not None] for k in ("d4", "d2"))
    gaps = [abs(r["gret"] - r["rret"]) for r in rows]
    print(f"{label}: first step > 1e-4 median {med(d4) if d4 else '-'} (never on {len(rows) - len(d4)} seeds), "
          f"first step > 1e-2 median {med(d2) if d2 else '-'} (never on {len(rows) - len(d2)}), the same length on "
          f"{sum(r['same_length'] for r in rows)} of {len(rows)} seeds, |return difference| median "
          f"{med(gaps):.1f} (within 1 on {sum(g <= 1 for g in gaps)}), mean return Gymnasium "
          f"{np.mean([r['gret'] for r in rows]):.1f}, rlc {np.mean([r['rret'] for r in rows]):.1f}")


def trajectories(args):
    gym, why = import_gymnasium()
    if gym is None:
        print(f"trajectory comparison skipped: {why}")
        return
    why = gym_unavailable(gym, None, "LunarLander-v3")
    if why:
        print(f"trajectory comparison skipped: Gymnasium cannot make LunarLander-v3 ({why})")
        return
    print(f"LunarLander-v3, rlc against {versions(gym)}; observation differences are the largest "
          "absolute difference over the 8 values")
    print("| seed | actions | difference at the reset | first step > 1e-4 | first step > 1e-2 | Gymnasium steps "
          "| rlc steps | Gymnasium return | rlc return |")
    print("|---|---|---|---|---|---|---|---|---|")
    closed, rand, open_loop = [], [], []
    for seed in range(1, args.trajectories + 1):
        acts = np.random.default_rng(seed).integers(0, 4, size=1000)
        rand.append(compare_row(seed, "random", gym_episode(gym, seed, acts), rlc_episode(seed, acts)))
        g = gym_episode(gym, seed)
        acts = np.array(g[2] + [0] * (1000 - len(g[2])))   # then "nothing" until the episode ends
        open_loop.append(compare_row(seed, "Gymnasium heuristic's, open loop", gym_episode(gym, seed, acts),
                                     rlc_episode(seed, acts)))
        closed.append((seed, g[1].sum(), rlc_episode(seed)[1].sum()))
    print_summary("random actions", rand)
    print_summary("Gymnasium heuristic's actions, open loop", open_loop)
    print("\nheuristic pilot, closed loop on each side")
    print("| seed | Gymnasium return | rlc return |")
    print("|---|---|---|")
    for seed, gr, rr in closed:
        print(f"| {seed} | {gr:.1f} | {rr:.1f} |")
    print(f"| mean | {np.mean([c[1] for c in closed]):.1f} | {np.mean([c[2] for c in closed]):.1f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--copies", type=int, default=16)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every case's number of steps")
    ap.add_argument("--ids", nargs="*", default=None)
    ap.add_argument("--trajectories", type=int, default=0, metavar="SEEDS")
    args = ap.parse_args()
    os.environ.setdefault("RLC_LIBRARY", os.path.join(args.build, "librlc.so"))
    warnings.filterwarnings("ignore", module="gymnasium")
    if args.trajectories:
        trajectories(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
