#!/usr/bin/python3
"""Golden values for rlc's MinAtar games and numpy's legacy RandomState stream (core/rng_mt.c).

    /usr/bin/python3 scripts/gen_fixtures_minatar.py rng
    /usr/bin/python3 scripts/gen_fixtures_minatar.py palette
    /usr/bin/python3 scripts/gen_fixtures_minatar.py games MINATAR_DIR [GAME...]
    /usr/bin/python3 scripts/gen_fixtures_minatar.py returns MINATAR_DIR [EPISODES]

rng     writes tests/fixtures/minatar/rng.json: raw MT19937 outputs and a sequence of rand() /
        randint() calls of RandomState for integer and array seeds (needs numpy only).
palette writes tests/fixtures/minatar/palette.json: the GUI's channel colours (see gen_palette).
games   writes tests/fixtures/minatar/<game>.json: for both action sets (v0: all six actions,
        v1: the minimal set) and a few seeds, a long action sequence played through MinAtar's own
        Environment with its default sticky actions (0.1) and difficulty ramping, across episodes
        (reset without a seed after each termination, as a Gymnasium loop does), with per step
        the reward, the terminal flag and a chained hash of the observations (see state_hash; its
        low 32 bits every HASH_EVERY steps).
returns writes tests/fixtures/minatar/returns.json: a uniform random policy's mean episode return
        per id over 100 episodes (MinAtar's code), which rlc's test reproduces with the same
        actions.

MINATAR_DIR is a checkout of https://github.com/kenjyoung/MinAtar (1.0.15): the directory that
holds the `minatar` package. Only its environments are used (they need numpy only); its GUI and
Gymnasium parts are not imported. What its Gymnasium wrapper (minatar/gym.py) adds is redone in
the class GymLike: reset(seed) seeds the Environment, step(a) maps a through the action set.
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


# ---- the GUI's colours ---------------------------------------------------------------------------

def gen_palette():
    """MinAtar's GUI palette for C channels: seaborn.color_palette("cubehelix", C), i.e. matplotlib's
    cubehelix colormap (a 256-entry table of Green's formula with gamma 1, s 0.5, r -1.5, h 1) read
    at linspace(0, 1, C + 2)[1:-1], computed here with numpy the way matplotlib builds and indexes
    its table; as 0..255 integers (rounded)."""
    n = 256
    x = np.linspace(0, 1, n)
    a, phi = x * (1 - x) / 2, 2 * np.pi * (0.5 / 3 + -1.5 * x)
    lut = np.clip(np.stack([x + a * (p0 * np.cos(phi) + p1 * np.sin(phi))
                            for p0, p1 in ((-0.14861, 1.78277), (-0.29227, -0.90649), (1.97294, 0.0))], 1), 0, 1)
    out = {}
    for c in (4, 6, 7, 10):
        idx = np.clip((np.linspace(0, 1, c + 2)[1:-1] * n).astype(int), 0, n - 1)
        out[str(c)] = [[int(round(v * 255)) for v in lut[i]] for i in idx]
    write("palette.json", out)


# ---- the games ---------------------------------------------------------------------------------

# (version, seed): an integer seed >= 2^32 is given to numpy as the array [low, high] of
# its 32-bit halves (numpy refuses the integer; rlc seeds such a seed that way)
RUNS = [("v0", 0), ("v1", 1), ("v0", 2 ** 33 + 5), ("v1", 2024)]
STEPS = {"freeway": 5200}   # two whole 2501-frame episodes
DEFAULT_STEPS = 3000
HASH_EVERY = 10
FNV_OFFSET, FNV_PRIME, MASK64 = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1


def load_minatar(path):
    sys.path.insert(0, os.path.abspath(path))
    from minatar.environment import Environment  # noqa: E402 (the checkout named on the command line)
    return Environment


class GymLike:
    """minatar/gym.py's BaseEnv without Gymnasium: the action set, reset(seed), step."""

    def __init__(self, Environment, game, version):
        self.game = Environment(env_name=game)
        minimal = version == "v1"
        self.action_set = self.game.minimal_action_set() if minimal else list(range(self.game.num_actions()))

    def reset(self, seed=None):
        if seed is not None:
            self.game.seed(seed if seed < 2 ** 32 else [seed & 0xFFFFFFFF, seed >> 32])
        self.game.reset()
        return self.game.state()

    def step(self, a):
        reward, done = self.game.act(self.action_set[a])
        return self.game.state(), reward, done


def state_hash(h, state):
    """FNV-1a (64 bits) continued over the observation's 0/1 bytes in numpy's C order (y, x, c)."""
    for b in np.asarray(state, dtype=np.uint8).ravel().tolist():
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return h


def preferred(game, g):
    """A MinAtar action (0 no-op, 1 left, 2 up, 3 right, 4 down, 5 fire) that keeps the game going
    longer than chance, from the game's internals (g), or None: the paddle follows the ball, the
    chicken heads up, the submarine surfaces when oxygen runs low with a diver aboard."""
    if game == "breakout":
        x, y, dx = g.ball_x, g.ball_y, (-1, 1, 1, -1)[g.ball_dir]
        while g.ball_dir in (2, 3) and y < 9:   # falling: where it will land, off the side walls
            x, y = x + dx, y + 1
            if x < 0 or x > 9:
                x, dx = min(max(x, 0), 9), -dx
        return 1 if x < g.pos else 3 if x > g.pos else 0
    if game == "freeway":
        return 2
    if game == "seaquest" and g.oxygen < 60 and g.diver_count > 0:
        return 2
    return None


RANDOM_SHARE = {"breakout": 0.05}   # the share of uniform actions (Breakout: any slip loses the ball)
DEFAULT_RANDOM_SHARE = 0.3
LOOKAHEAD = 3


def survives(game, action_set, a, depth):
    """Whether action a, then some actions, keep the game going for depth frames: tried on copies
    of the game and of its generator, so the sticky-action draws are the real ones."""
    trial = copy.deepcopy(game)
    if trial.act(action_set[a])[1]:
        return False
    return depth <= 1 or any(survives(trial, action_set, b, depth - 1) for b in range(len(action_set)))


def choose(env, name, rs):
    """Sometimes a uniform action; else the preferred action when it survives LOOKAHEAD frames,
    else a uniform one among those that do, so that the games reach deeper states than by chance."""
    n = len(env.action_set)
    if rs.rand() < RANDOM_SHARE.get(name, DEFAULT_RANDOM_SHARE):
        return int(rs.randint(n))
    safe = [a for a in range(n) if survives(env.game, env.action_set, a, LOOKAHEAD)]
    want = preferred(name, env.game.env)
    if want in env.action_set and env.action_set.index(want) in safe:
        return env.action_set.index(want)
    return int(safe[rs.randint(len(safe))]) if safe else int(rs.randint(n))


def play(Environment, game, version, seed, steps, policy_seed):
    env = GymLike(Environment, game, version)
    rs = np.random.RandomState(policy_seed)
    h = state_hash(FNV_OFFSET, env.reset(seed))
    actions, rewards, terminals, hashes = [], [], [], []
    for t in range(steps):
        a = choose(env, game, rs)
        state, r, done = env.step(a)
        actions.append(str(a))
        if r:
            rewards.append([t, int(r)])
        h = state_hash(h, state)
        if (t + 1) % HASH_EVERY == 0:
            hashes.append([t, "%08x" % (h & 0xFFFFFFFF)])
        if done:
            terminals.append(t)
            h = state_hash(h, env.reset())
    return {"version": version, "seed": seed, "steps": steps, "actions": "".join(actions),
            "rewards": rewards, "terminals": terminals, "hashes": hashes}


def gen_games(path, games):
    Environment = load_minatar(path)
    for gi, game in enumerate(games):
        steps = STEPS.get(game, DEFAULT_STEPS)
        runs = [play(Environment, game, v, seed, steps, 1000 * gi + k) for k, (v, seed) in enumerate(RUNS)]
        for r in runs:
            print("%s %s seed %d: %d episodes ended, %d rewards" % (game, r["version"], r["seed"],
                                                                   len(r["terminals"]), len(r["rewards"])))
        write(game + ".json", {"game": game, "hash_every": HASH_EVERY, "runs": runs})


# ---- a random policy's returns ---------------------------------------------------------------------

RETURN_EPISODES, RETURN_ENV_SEED, RETURN_POLICY_SEED = 100, 0, 1


def gen_returns(path, episodes):
    """A uniform random policy (RandomState(RETURN_POLICY_SEED).randint(n) per step) for `episodes`
    episodes of each id from reset(seed=RETURN_ENV_SEED), then resets without a seed: the mean
    return and the steps taken. rlc's test plays the same actions and must get the same numbers."""
    Environment = load_minatar(path)
    out = {"episodes": episodes, "env_seed": RETURN_ENV_SEED, "policy_seed": RETURN_POLICY_SEED, "ids": {}}
    for game in GAMES:
        for version in ("v0", "v1"):
            env = GymLike(Environment, game, version)
            rs = np.random.RandomState(RETURN_POLICY_SEED)
            env.reset(RETURN_ENV_SEED)
            total, steps = 0, 0
            for _ in range(episodes):
                done = False
                while not done:
                    _, r, done = env.step(int(rs.randint(len(env.action_set))))
                    total += r
                    steps += 1
                env.reset()
            name = "MinAtar/%s-%s" % (game.title().replace("_", ""), version)
            out["ids"][name] = {"mean": total / episodes, "steps": steps}
            print("%-26s mean return %7.3f over %d episodes (%d steps)" % (name, total / episodes, episodes, steps))
    write("returns.json", out)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "rng":
        gen_rng()
    elif what == "palette":
        gen_palette()
    elif what == "returns" and len(sys.argv) > 2:
        gen_returns(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else RETURN_EPISODES)
    elif what == "games" and len(sys.argv) > 2:
        gen_games(sys.argv[2], sys.argv[3:] or GAMES)
    else:
        sys.exit(__doc__)
