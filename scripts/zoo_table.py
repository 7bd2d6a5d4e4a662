#!/usr/bin/env python3
"""Regenerates the zoo table of docs/zoo.md from the zoo configs and run directories.

    scripts/zoo_table.py [--zoo configs/zoo] [--runs DIR]... [--update docs/zoo.md | --env-prefix P]

Every (agent, environment) pair of the zoo configs gets a cell (environment by row, agent by
column). A run is any directory under a --runs DIR holding config.yaml and eval.csv (rlc train
and rlc ablate write both) whose last evaluation is at total_steps (the final one: runs still
training are left out); runs are grouped by the algo and env.id of their config.yaml. A
measured cell gives the mean over seeds of each run's final evaluation return, the IQM over seeds
with a 95% bootstrap interval (2000 resamples; the interquartile mean drops floor(n/4) runs at
each end, as rlc compare and rliable do), the number of seeds, the budget and the mean wall-clock
seconds of a run (timing.csv, its segments added up when it was resumed). Pairs without runs are marked "not yet measured". Each cell ends
with the published references listed below. With --update the table replaces the lines between
the markers <!-- zoo-table:start --> and <!-- zoo-table:end --> of that file; otherwise it is
printed. --env-prefix prints only the rows of the environments whose id starts with P (e.g.
MinAtar/), with the columns they use. Standard library only.
"""
import argparse
import math
import os
import random
import sys

ALGOS = ["ppo", "sac", "dqn", "qrdqn", "c51", "a2c", "reinforce"]
ENVS = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1",
        "FrozenLake-v1 (is_slippery=false)", "FrozenLake-v1", "CliffWalking-v1", "Taxi-v3", "LunarLander-v3",
        "LunarLanderContinuous-v3", "BipedalWalker-v3",
        "CarRacing-v3 (frame_skip=2, frame_stack=2, grayscale, resize=64x64)",
        "InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Reacher-v5", "Pusher-v5", "Swimmer-v5", "Hopper-v5",
        "HalfCheetah-v5", "Walker2d-v5", "Ant-v5", "Humanoid-v5", "HumanoidStandup-v5", "Pusher-v4", "Hopper-v4",
        "HalfCheetah-v4", "Walker2d-v4", "Ant-v4", "Humanoid-v4", "HumanoidStandup-v4", "MinAtar/Asterix-v1", "MinAtar/Breakout-v1",
        "MinAtar/Freeway-v1", "MinAtar/Seaquest-v1", "MinAtar/SpaceInvaders-v1"]

# Published figures: (algo, task) -> [(value, budget, source key)]. The task is the environment's
# name without its version: the sources ran MuJoCo v2/v3 tasks on mujoco-py, rlc runs v4/v5
# tasks on MuJoCo 2.2.2 (docs/zoo.md, "MuJoCo versions").
# Z: RL Zoo benchmark.md (rl-baselines3-zoo): one trained agent, deterministic evaluation.
#    Tasks with env.mask_velocity are RL Zoo's <task>NoVel (its MaskVelocityWrapper); ppo_lstm
#    there is sb3-contrib's RecurrentPPO, the figure its trained agent's results.json on Hugging
#    Face (huggingface.co/sb3/ppo_lstm-CartPoleNoVel-v1: 10 deterministic episodes).
# T: Tianshou examples/mujoco/README.md: the best mean return over 10 seeds within 1M steps.
# C: CleanRL docs/rl-algorithms/td3.md and ddpg.md: the mean episodic return while training (with
#    exploration noise) of 3 seeds at 1M steps, MuJoCo v2 tasks.
# Y: the MinAtar paper (Young and Tian 2019), its DQN learning curves (the figure of the MinAtar
#    README, img/learning_curves.gif): the moving average of the returns of 100 training episodes
#    (epsilon 0.1), 30 seeds, read off the figure at 5M frames, so approximate (printed with ~);
#    the games before MinAtar 1.0.10's changes.
# G: gymnax README, the PPO agents of gymnax-blines (an MLP of 2 x 256 on the flattened grid, 64
#    envs, 10M steps) on gymnax's JAX versions of the games.
REFERENCES = {
    ("ppo", "CartPole"): [(500.0, "100k", "Z")],
    ("ppo_lstm", "CartPoleNoVel"): [(500.0, "100k", "Z")],
    ("ppo", "Acrobot"): [(-73.5, "1M", "Z")],
    ("ppo", "MountainCar"): [(-110.4, "1M", "Z")],
    ("ppo", "MountainCarContinuous"): [(88.3, "20k", "Z")],
    ("ppo", "Pendulum"): [(-172.2, "100k", "Z")],
    ("ppo", "InvertedPendulum"): [(1000.0, "1M", "T")],
    ("ppo", "InvertedDoublePendulum"): [(9231.3, "1M", "T")],
    ("ppo", "Reacher"): [(-4.1, "1M", "T")],
    ("ppo", "Swimmer"): [(281.6, "1M", "Z"), (66.7, "1M", "T")],
    ("ppo", "Hopper"): [(2410.4, "1M", "Z"), (2609.3, "1M", "T")],
    ("ppo", "HalfCheetah"): [(5819.1, "1M", "Z"), (5783.9, "1M", "T")],
    ("ppo", "Walker2d"): [(3478.8, "1M", "Z"), (3588.5, "1M", "T")],
    ("ppo", "Ant"): [(1327.2, "1M", "Z"), (3258.4, "1M", "T")],
    ("ppo", "Humanoid"): [(787.1, "1M", "T")],
    ("sac", "Pendulum"): [(-157.0, "20k", "Z")],
    ("sac", "InvertedPendulum"): [(1000.0, "1M", "T")],
    ("sac", "InvertedDoublePendulum"): [(9359.5, "1M", "T")],
    ("sac", "Reacher"): [(-2.6, "1M", "T")],
    ("sac", "Swimmer"): [(345.6, "1M", "Z"), (44.4, "1M", "T")],
    ("sac", "Hopper"): [(2325.5, "1M", "Z"), (3542.2, "1M", "T")],
    ("sac", "HalfCheetah"): [(9535.5, "1M", "Z"), (12138.8, "1M", "T")],
    ("sac", "Walker2d"): [(3863.2, "1M", "Z"), (5007.0, "1M", "T")],
    ("sac", "Ant"): [(4615.8, "1M", "Z"), (5850.2, "1M", "T")],
    ("sac", "Humanoid"): [(6232.3, "2M", "Z"), (5488.5, "1M", "T")],
    ("dqn", "CartPole"): [(500.0, "50k", "Z")],
    ("dqn", "Acrobot"): [(-76.6, "100k", "Z")],
    ("dqn", "MountainCar"): [(-100.8, "120k", "Z")],
    ("qrdqn", "CartPole"): [(500.0, "50k", "Z")],
    ("qrdqn", "Acrobot"): [(-69.1, "100k", "Z")],
    ("qrdqn", "MountainCar"): [(-106.0, "120k", "Z")],
    ("a2c", "CartPole"): [(500.0, "500k", "Z")],
    ("a2c", "Acrobot"): [(-83.4, "500k", "Z")],
    ("ppo", "LunarLander"): [(242.1, "1M", "Z")],
    ("dqn", "LunarLander"): [(154.4, "100k", "Z")],
    ("ppo", "LunarLanderContinuous"): [(270.9, "1M", "Z")],
    ("ppo", "BipedalWalker"): [(213.3, "5M", "Z")],
    ("sac", "LunarLanderContinuous"): [(260.4, "500k", "Z")],
    ("td3", "LunarLanderContinuous"): [(207.5, "300k", "Z")],
    ("sac", "BipedalWalker"): [(297.7, "500k", "Z")],
    ("td3", "BipedalWalker"): [(306.0, "1M", "Z")],
    # RL Zoo stacks 2 frames too (of 64 x 64 grayscale frames, each action held for 2 steps)
    ("ppo", "CarRacing (frame_skip=2, frame_stack=2, grayscale, resize=64x64)"): [(153.9, "4M", "Z")],
    ("td3", "HalfCheetah"): [(9018.31, "1M", "C")],
    ("td3", "Walker2d"): [(4246.07, "1M", "C")],
    ("td3", "Hopper"): [(3391.78, "1M", "C")],
    ("ddpg", "HalfCheetah"): [(10210.57, "1M", "C")],
    ("ddpg", "Walker2d"): [(1661.14, "1M", "C")],
    ("ddpg", "Hopper"): [(1007.44, "1M", "C")],
    ("dqn", "MinAtar/Asterix"): [(17, "5M", "Y")],
    ("dqn", "MinAtar/Breakout"): [(10, "5M", "Y")],
    ("dqn", "MinAtar/Freeway"): [(50, "5M", "Y")],
    ("dqn", "MinAtar/Seaquest"): [(20, "5M", "Y")],
    ("dqn", "MinAtar/SpaceInvaders"): [(43, "5M", "Y")],
    ("ppo", "MinAtar/Asterix"): [(15, "10M", "G")],
    ("ppo", "MinAtar/Breakout"): [(28, "10M", "G")],
    ("ppo", "MinAtar/Freeway"): [(58, "10M", "G")],
    ("ppo", "MinAtar/SpaceInvaders"): [(131, "10M", "G")],
}
SOURCE_NAMES = {"Z": "RL Zoo", "T": "Tianshou", "C": "CleanRL", "Y": "MinAtar paper", "G": "gymnax"}
APPROXIMATE = {"Y"}   # figures read off a plot

# The registered reward thresholds (Gymnasium's reward_threshold, as `rlc envs` prints them): a
# measured cell counts the seeds whose final evaluation reaches it.
THRESHOLDS = {
    "CartPole-v1": 475.0, "Acrobot-v1": -100.0, "MountainCar-v0": -110.0,
    "MountainCarContinuous-v0": 90.0, "InvertedPendulum-v5": 950.0, "FrozenLake-v1": 0.7, "Taxi-v3": 8.0,
    "LunarLander-v3": 200.0, "LunarLanderContinuous-v3": 200.0, "BipedalWalker-v3": 300.0,
    "CarRacing-v3 (frame_skip=2, frame_stack=2, grayscale, resize=64x64)": 900.0,
    "InvertedDoublePendulum-v5": 9100.0, "Reacher-v5": -3.75, "Swimmer-v5": 360.0,
    "Hopper-v5": 3800.0, "HalfCheetah-v5": 4800.0, "Ant-v5": 6000.0,
    "Hopper-v4": 3800.0, "HalfCheetah-v4": 4800.0, "Ant-v4": 6000.0, "Pusher-v5": 0.0, "Pusher-v4": 0.0,
}


# what an observation wrapper adds to the environment's row name (docs/environments.md); the
# value that leaves the observation as it is
OBS_WRAPPERS = {"mask_velocity": "false", "pixels": "false", "frame_skip": "1", "resize": "[]",
                "grayscale": "false", "frame_stack": "1"}


def wrapper_name(key, value):
    """how an observation wrapper reads in a row name: "grayscale", "frame_stack=2", "resize=64x64" """
    if value == "true":
        return key
    if value.startswith("["):
        value = "x".join(v.strip() for v in value.strip("[]").split(","))
    return "%s=%s" % (key, value)


def simple_yaml(path):
    """algo, env.id (with its env.kwargs, if any: "FrozenLake-v1 (is_slippery=false)", and its
    observation wrappers: "CartPole-v1 (frame_stack=4, mask_velocity)") and total_steps of a
    config (rlc's own dump or a zoo file): no YAML library. A recurrent policy is its own agent
    column, as RL Zoo names it: ppo_lstm, a2c_gru."""
    out, section, kwargs, in_kwargs = {}, "", [], False
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].rstrip()
            if not line.strip() or ":" not in line:
                continue
            key, _, value = line.partition(":")
            value = value.strip().strip('"')
            indent = len(line) - len(line.lstrip())
            if indent == 0:
                section = key.strip() if not value else ""
                in_kwargs = False
                if value:
                    out[key.strip()] = value
            elif section == "recurrent" and key.strip() == "type" and value != "none":
                out["recurrent"] = value
            elif section == "env" and indent > 2 and in_kwargs:
                kwargs.append("%s=%s" % (key.strip(), value))   # a block mapping under kwargs:
            elif section == "env":
                in_kwargs = key.strip() == "kwargs"
                if key.strip() == "id":
                    out["env.id"] = value
                elif key.strip() in OBS_WRAPPERS and value != OBS_WRAPPERS[key.strip()]:
                    kwargs.append(wrapper_name(key.strip(), value))
                elif in_kwargs and value.strip("{} "):
                    # rlc's dump writes them on one line: {name: value, name: value}
                    kwargs += ["%s=%s" % (k.strip(), v.strip().strip('"')) for k, v in
                               (kv.split(":", 1) for kv in value.strip("{}").split(", ") if ":" in kv)]
    if kwargs and "env.id" in out:
        out["env.id"] += " (%s)" % ", ".join(sorted(kwargs))
    if "recurrent" in out and "algo" in out:
        out["algo"] += "_" + out["recurrent"]
    return out


def last_float(path, column):
    """the value in `column` of the last data row of a CSV file, or None"""
    try:
        with open(path) as f:
            rows = [r.strip().split(",") for r in f if r.strip()]
    except OSError:
        return None
    if len(rows) < 2 or column not in rows[0]:
        return None
    try:
        return float(rows[-1][rows[0].index(column)])
    except (ValueError, IndexError):
        return None


def run_wall(path):
    """a run's wall-clock seconds from its timing.csv, or None: wall_s restarts at 0 when a run is
    resumed, so each segment's last value is added (the time between a segment's last row and the
    checkpoint it was resumed from is not recorded and not counted)"""
    try:
        with open(path) as f:
            rows = [r.strip().split(",") for r in f if r.strip()]
    except OSError:
        return None
    if len(rows) < 2 or "wall_s" not in rows[0]:
        return None
    col, total, prev = rows[0].index("wall_s"), 0.0, None
    try:
        for r in rows[1:]:
            w = float(r[col])
            if prev is not None and w < prev:
                total += prev
            prev = w
    except (ValueError, IndexError):
        return None
    return total + prev


def iqm(xs):
    s = sorted(xs)
    k = len(s) // 4
    mid = s[k:len(s) - k]
    return sum(mid) / len(mid)


def iqm_ci(xs, n_boot=2000, seed=0):
    """IQM and its 95% percentile bootstrap interval over runs"""
    point = iqm(xs)
    if len(xs) < 2:
        return point, point, point
    rng = random.Random(seed)
    boots = sorted(iqm([rng.choice(xs) for _ in xs]) for _ in range(n_boot))
    lo = boots[int(math.floor(0.025 * (n_boot - 1)))]
    hi = boots[int(math.ceil(0.975 * (n_boot - 1)))]
    return point, lo, hi


def collect_runs(roots):
    """(algo, env) -> list of (final eval return, total_steps, wall seconds)"""
    runs = {}
    for root in roots:
        for d, _, files in os.walk(root):
            if "config.yaml" not in files or "eval.csv" not in files:
                continue
            cfg = simple_yaml(os.path.join(d, "config.yaml"))
            ret = last_float(os.path.join(d, "eval.csv"), "return_mean")
            if ret is None or "algo" not in cfg or "env.id" not in cfg:
                continue
            # a run still training (or stopped early) has no final evaluation yet: left out
            if (last_float(os.path.join(d, "eval.csv"), "step") or 0) < float(cfg.get("total_steps", 0)):
                continue
            wall = run_wall(os.path.join(d, "timing.csv"))
            runs.setdefault((cfg["algo"], cfg["env.id"]), []).append((ret, int(float(cfg.get("total_steps", 0))), wall))
    return runs


def steps_text(n):
    if n >= 1000000 and n % 100000 == 0:
        return "%gM" % (n / 1e6)
    if n >= 1000 and n % 1000 == 0:
        return "%gk" % (n / 1e3)
    return str(n)


def references(algo, env):
    task = env.rsplit("-v", 1)[0] + ("NoVel" if "mask_velocity" in env else "")
    if "frame_stack" in env or "pixels" in env:   # no source ran these observations
        task += " (%s)" % env.split("(", 1)[1].rstrip(")")
    refs = REFERENCES.get((algo, task), [])
    if not refs:
        return "published: none found"
    return "published: " + ", ".join("%s %s%g (%s)" % (SOURCE_NAMES[s], "~" if s in APPROXIMATE else "", v, b)
                                     for v, b, s in refs)


def cell(algo, env, budget, runs):
    rs = runs.get((algo, env), [])
    if not rs:
        text = "not yet measured<br>budget %s" % steps_text(budget)
    else:
        finals = [r[0] for r in rs]
        point, lo, hi = iqm_ci(finals)
        walls = [r[2] for r in rs if r[2] is not None]
        budgets = sorted(set(r[1] for r in rs))
        # success rates and returns of a few points (FrozenLake, Taxi) need two decimals
        fmt = "%.2f" if max(abs(f) for f in finals) < 10 else "%.1f"
        text = ("mean F<br>IQM F [F, F], %d seed%s<br>budget %s, %s".replace("F", fmt)) % (
            sum(finals) / len(finals), point, lo, hi, len(finals), "" if len(finals) == 1 else "s",
            "/".join(steps_text(b) for b in budgets),
            "%.0f s" % (sum(walls) / len(walls)) if walls else "wall-clock not recorded")
        if env in THRESHOLDS:   # the registered id's (with arguments, the threshold is not Gymnasium's)
            reached = sum(1 for f in finals if f >= THRESHOLDS[env])
            text += "<br>%d/%d seeds reach %g" % (reached, len(finals), THRESHOLDS[env])
    return text + "<br>" + references(algo, env)


def zoo_pairs(zoo_dir, env_prefix=""):
    """(algo, env) -> budget, from the zoo configs (those whose env.id starts with env_prefix)"""
    pairs = {}
    for name in sorted(os.listdir(zoo_dir)):
        # <algo>_rainbow_*: Rainbow configs (c51 with all its parts); the c51 cell stays plain C51's (docs/zoo.md)
        if name.endswith(".yaml") and "_rainbow_" not in name:
            cfg = simple_yaml(os.path.join(zoo_dir, name))
            if str(cfg.get("env.id", "")).startswith(env_prefix):
                pairs[(cfg.get("algo"), cfg.get("env.id"))] = int(float(cfg.get("total_steps", 0)))
    return pairs


def table(pairs, runs):
    algos = [a for a in ALGOS if any(p[0] == a for p in pairs)]
    algos += sorted(set(p[0] for p in pairs) - set(algos))   # agents added since, after these
    envs = [e for e in ENVS if any(p[1] == e for p in pairs)]
    envs += sorted(set(p[1] for p in pairs) - set(envs))
    lines = ["| environment | " + " | ".join(algos) + " |", "|---" * (len(algos) + 1) + "|"]
    for env in envs:
        cells = [cell(a, env, pairs[(a, env)], runs) if (a, env) in pairs else "" for a in algos]
        lines.append("| %s | %s |" % (env, " | ".join(cells)))
    return "\n".join(lines) + "\n"


def update(path, text):
    start, end = "<!-- zoo-table:start -->", "<!-- zoo-table:end -->"
    with open(path) as f:
        doc = f.read()
    if start not in doc or end not in doc:
        sys.exit("zoo_table.py: %s has no %s ... %s markers" % (path, start, end))
    head, rest = doc.split(start, 1)
    _, tail = rest.split(end, 1)
    with open(path + ".tmp", "w") as f:
        f.write(head + start + "\n" + text + end + tail)
    os.replace(path + ".tmp", path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--zoo", default=os.path.join(here, "..", "configs", "zoo"))
    ap.add_argument("--runs", action="append", default=[], help="a directory of run directories (repeatable)")
    ap.add_argument("--update", help="the markdown file whose table to replace (docs/zoo.md)")
    ap.add_argument("--env-prefix", default="",
                    help="only the environments whose id starts with this (e.g. MinAtar/): their rows, printed")
    args = ap.parse_args()
    for d in [args.zoo] + args.runs:
        if not os.path.isdir(d):
            sys.exit("zoo_table.py: %s is not a directory" % d)
    if args.env_prefix and args.update:
        sys.exit("zoo_table.py: --env-prefix prints a part of the table; it cannot --update the whole")
    text = table(zoo_pairs(args.zoo, args.env_prefix), collect_runs(args.runs))
    if args.update:
        update(args.update, text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
