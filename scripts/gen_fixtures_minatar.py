#!/usr/bin/python3
"""Golden values for rlc's MinAtar games and numpy's legacy RandomState stream (core/rng_mt.c).

    /usr/bin/python3 scripts/gen_fixtures_minatar.py rng
    /usr/bin/python3 scripts/gen_fixtures_minatar.py games MINATAR_DIR [GAME...]
    /usr/bin/python3 scripts/gen_fixtures_minatar.py returns MINATAR_DIR [EPISODES]

rng     writes tests/fixtures/minatar/rng.json: raw MT19937 outputs and a sequence of rand() /
        randint() calls of RandomState for integer and array seeds (needs numpy only).
games   writes tests/fixtures/minatar/<game>.json: for both action sets (v0: all six actions,
        v1: the minimal set) and a few seeds, a long action sequence played through MinAtar's own
        Environment with its default sticky actions (0.1) and difficulty ramping, across episodes
        (reset without a seed after each termination, as a Gymnasium loop does), with per step
        the reward, the terminal flag and a chained hash of the observation (see state_hash).
returns prints a random policy's mean episode return per game (MinAtar's code) for comparing
        with rlc's (tests/test_envs_minatar.c prints rlc's).

MINATAR_DIR is a checkout of https://github.com/kenjyoung/MinAtar (1.0.15): the directory that
holds the `minatar` package. Only its environments are used (they need numpy only); its GUI and
Gymnasium parts are not imported. The Gymnasium wrapper (minatar/gym.py) is reproduced below in
three lines: reset(seed) seeds the Environment, step(a) maps a through the action set.
Deterministic: the actions come from fixed seeds."""
import copy
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "minatar")
GAMES = ["asterix", "breakout", "freeway", "seaquest", "space_invaders"]


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as fp:
        json.dump(obj, fp, indent=None, separators=(",", ":"))
        fp.write("\n")
    print("wrote", os.path.relpath(path, ROOT))


# ---- the RandomState stream ------------------------------------------------------------------

# (name, args): what the C test replays in this order on one generator
RNG_OPS = [
    ("rand",), ("randint", 0, 2), ("randint", 0, 1), ("randint", 0, 5), ("rand",),
    ("randint", 1, 9), ("randint_n", 1, 6, 8), ("rand_n", 8), ("randint", 0, 3),
    ("randint", 0, 100), ("randint", -5, 5), ("randint", 0, 2 ** 31 + 1), ("randint", 0, 2 ** 32),
    ("randint", 0, 2 ** 32 + 1), ("randint", 0, 2 ** 40 + 3), ("randint", -(2 ** 62), 2 ** 62),
    ("randint", 0, 7), ("rand",), ("randint", 0, 1000003), ("randint_n", 0, 8, 5),
]


def rng_ops(rs):
    """The values of RNG_OPS on rs, as strings: integers in decimal, doubles as float.hex."""
    out = []
    for op in RNG_OPS:
        if op[0] == "rand":
            out.append(float(rs.rand()).hex())
        elif op[0] == "rand_n":
            out += [float(v).hex() for v in rs.rand(op[1])]
        elif op[0] == "randint":
            out.append(str(int(rs.randint(op[1], op[2]))))
        else:
            out += [str(int(v)) for v in rs.randint(op[1], op[2], op[3])]
    return out


def gen_rng():
    cases = []
    seeds = [0, 1, 5489, 123456789, 2 ** 32 - 1, [1, 2], [0x89ABCDEF, 0x12345678], [7] * 700,
             [2 ** 32 - 1]]
    for seed in seeds:
        raw = np.random.RandomState(seed)._bit_generator.random_raw(2000)
        rs = np.random.RandomState(seed)
        ops = rng_ops(rs)
        # a long run of rand(): the last of 5000 values and the XOR of all their bit patterns
        u = rs.rand(5000)
        xor = int(np.bitwise_xor.reduce(u.view(np.uint64)))
        cases.append({"seed": seed, "raw_head": [int(v) for v in raw[:8]],
                      "raw_624": [int(v) for v in raw[620:632]], "raw_1999": int(raw[1999]),
                      "ops": ops, "rand5000_last": float(u[-1]).hex(), "rand5000_xor": "%016x" % xor})
    write("rng.json", {"numpy": np.__version__,
                       "ops": [[str(a) for a in op] for op in RNG_OPS], "cases": cases})


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "rng":
        gen_rng()
    else:
        sys.exit(__doc__)
