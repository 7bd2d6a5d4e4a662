#!/usr/bin/env python3
"""Reference trajectories of Gymnasium's toy-text environments for tests/test_envs_toytext.c.

Usage (Debian's python has numpy; Gymnasium need not be installed, a source tree will do):

    /usr/bin/python3 scripts/gen_fixtures_toytext.py GYMNASIUM_DIR [OUT_DIR]

GYMNASIUM_DIR is a directory holding the `gymnasium` package (a checkout of Gymnasium 1.2.x for
Taxi-v3, 1.3.x for Taxi-v4); OUT_DIR defaults to tests/fixtures/toytext. Writes one JSON file per
environment family, for the ids that Gymnasium version registers:

    rng.json            numpy's Generator(PCG64(SeedSequence(seed))): raw 64-bit outputs (hex)
                        and a mixed sequence of random(), integers(low, high) and choice(n)
                        calls ([name, arg1, arg2, result] as decimal strings: JSON readers
                        keep 53 bits)
    frozen_lake.json, cliff_walking.json, blackjack.json, taxi_v3.json / taxi_v4.json

Each environment case is an id with keyword arguments and runs, one per seed: reset(seed=seed),
then random actions (Python's random.Random(seed + 1000)) for a fixed number of steps, with
reset() without a seed after each end of episode, through gym.make (so with its TimeLimit).
A run stores the observation of every reset in order ("reset") and one row per step ("steps"):
[action, observation, reward, terminated, truncated], plus Taxi's info["action_mask"] as a bit
mask (bit a for action a) after every reset ("reset_mask") and step (last column). Blackjack's
observation is the list [player sum, dealer card, usable ace]. FrozenLake and CliffWalking cases
also hold the transition table "P": P[s][a] = [[probability, next state, reward, terminated]...];
frozen_lake.json also holds maps of frozen_lake.generate_random_map(size, p, seed) ("random_maps").
"""
import json
import os
import random
import sys


def run_case(gym, env_id, kwargs, seed, n_steps, with_mask):
    env = gym.make(env_id, **kwargs)
    rnd = random.Random(seed + 1000)
    n_actions = int(env.action_space.n)

    def obs_of(o):
        return [int(x) for x in o] if isinstance(o, tuple) else int(o)

    def mask_of(info):
        return sum(int(b) << a for a, b in enumerate(info["action_mask"]))

    obs, info = env.reset(seed=seed)
    run = {"seed": seed, "reset": [obs_of(obs)], "steps": []}
    if with_mask:
        run["reset_mask"] = [mask_of(info)]
    for _ in range(n_steps):
        a = rnd.randrange(n_actions)
        obs, r, term, trunc, info = env.step(a)
        row = [a, obs_of(obs), float(r), int(term), int(trunc)]
        if with_mask:
            row.append(mask_of(info))
        run["steps"].append(row)
        if term or trunc:
            obs, info = env.reset()
            run["reset"].append(obs_of(obs))
            if with_mask:
                run["reset_mask"].append(mask_of(info))
    env.close()
    return run


def transition_table(gym, env_id, kwargs):
    """P[s][a] as lists of [probability, next state, reward, terminated]"""
    env = gym.make(env_id, **kwargs)
    P = env.unwrapped.P
    table = [[[[float(p), int(n), float(r), int(t)] for p, n, r, t in P[s][a]] for a in sorted(P[s])]
             for s in sorted(P)]
    env.close()
    return table


def cases_file(gym, version, cases, seeds, n_steps, with_mask=False, with_table=False):
    out = {"gymnasium_version": version, "cases": []}
    for env_id, kwargs in cases:
        runs = [run_case(gym, env_id, kwargs, s, n_steps, with_mask) for s in seeds]
        case = {"id": env_id, "kwargs": kwargs, "runs": runs}
        if with_table:
            case["P"] = transition_table(gym, env_id, kwargs)
        out["cases"].append(case)
    return out


def rng_file(np):
    out = {"numpy_version": np.__version__, "cases": []}
    for seed in [0, 1, 42, 123456789, 2**32 + 5, 2**63 - 1]:
        g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        raw = [format(int(v), "016x") for v in g.bit_generator.random_raw(6)]
        g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        rnd = random.Random(seed)
        ops = []
        for _ in range(60):
            k = rnd.randrange(4)
            if k == 0:
                ops.append(["random", "0", "0", repr(float(g.random()))])
            elif k == 1:
                n = rnd.choice([1, 2, 3, 4, 13, 300, 1000003])
                ops.append(["choice", str(n), "0", str(int(g.choice(n)))])
            else:
                lo = rnd.randrange(-50, 50)
                hi = lo + rnd.choice([1, 2, 7, 100, 2**31, 2**32 - 1, 2**32, 2**33 + 11, 2**62])
                ops.append(["integers", str(lo), str(hi), str(int(g.integers(lo, hi)))])
        out["cases"].append({"seed": str(seed), "raw": raw, "ops": ops})
    return out


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    sys.path.insert(0, os.path.abspath(sys.argv[1]))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = sys.argv[2] if len(sys.argv) == 3 else os.path.join(root, "tests", "fixtures", "toytext")
    import numpy as np
    import gymnasium as gym

    os.makedirs(out_dir, exist_ok=True)
    version = gym.__version__
    registered = set(gym.registry.keys())
    seeds = [0, 1, 7, 123, 2**40 + 3]
    lake_map = ["SFFFH", "FHFSF", "FFHFG"]
    files = {
        "rng.json": rng_file(np),
        "frozen_lake.json": cases_file(gym, version, [
            ("FrozenLake-v1", {}),
            ("FrozenLake-v1", {"is_slippery": False}),
            ("FrozenLake8x8-v1", {}),
            ("FrozenLake-v1", {"desc": lake_map, "success_rate": 0.75, "reward_schedule": [2, -1, 0]}),
        ], seeds, 150, with_table=True),
        "cliff_walking.json": cases_file(gym, version, [
            ("CliffWalking-v1", {}),
            ("CliffWalkingSlippery-v1", {}),
        ], seeds, 150, with_table=True),
        "blackjack.json": cases_file(gym, version, [
            ("Blackjack-v1", {}),
            ("Blackjack-v1", {"sab": False}),
            ("Blackjack-v1", {"sab": False, "natural": True}),
        ], seeds + [2, 3, 4, 5, 6], 60),
    }
    from gymnasium.envs.toy_text.frozen_lake import generate_random_map
    files["frozen_lake.json"]["random_maps"] = [
        {"size": size, "p": prob, "seed": seed, "desc": generate_random_map(size=size, p=prob, seed=seed)}
        for size, prob, seed in [(2, 0.8, 0), (4, 0.8, 1), (8, 0.8, 0), (8, 0.8, 42), (8, 0.6, 7), (5, 0.5, 3),
                                 (12, 0.9, 2**40 + 1), (3, 1.0, 5)]]
    for taxi in ("Taxi-v3", "Taxi-v4"):
        if taxi in registered:
            files[taxi.lower().replace("-", "_") + ".json"] = cases_file(gym, version, [
                (taxi, {}),
                (taxi, {"is_rainy": True}),
                (taxi, {"fickle_passenger": True}),
                (taxi, {"is_rainy": True, "fickle_passenger": True}),
            ], seeds, 230, with_mask=True)
    for name, data in files.items():
        with open(os.path.join(out_dir, name), "w") as f:
            json.dump(data, f, separators=(",", ":"))
            f.write("\n")
        print("wrote", os.path.join(out_dir, name))


if __name__ == "__main__":
    main()
