#!/usr/bin/env python3
"""CarRacing-v3's tracks as Gymnasium generates them, for tests/test_envs_car_racing.c.

Usage (Debian's python has numpy; neither Gymnasium nor pybox2d nor pygame need be installed, a
source tree of Gymnasium will do):

    /usr/bin/python3 scripts/gen_fixtures_carracing.py GYMNASIUM_DIR [OUT_FILE]

GYMNASIUM_DIR is a directory holding the `gymnasium` package (a checkout of Gymnasium 1.x);
OUT_FILE defaults to tests/fixtures/box2d/car_racing_tracks.json.

The script loads GYMNASIUM_DIR/gymnasium/envs/box2d/car_racing.py with stand-ins for the modules
the track's generation does not use (gymnasium's base classes and spaces, Box2D, pygame,
car_dynamics), so only CarRacing._create_track and the colour draws of CarRacing run for real.
For each case it does what reset(seed=seed) does before the car is built: the generator
np.random.default_rng(seed) (Gymnasium's seeding.np_random), the colours when domain_randomize,
then _create_track until it succeeds. It writes, per case:

    seed, domain_randomize, attempts (how many _create_track calls it took),
    road_color, bg_color, grass_color (when domain_randomize),
    track: [[alpha, beta, x, y], ...] (the kept lap; its length is the number of tiles N),
    border: the tiles (indices) with a kerb
"""
import importlib.util
import json
import os
import sys
import types

import numpy as np


class _Anything:
    """a stand-in object: any attribute, any call"""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return _Anything()

    def __call__(self, *args, **kwargs):
        return _Anything()


def _stub_modules():
    """fake modules for everything car_racing.py imports besides math and numpy"""
    gym = types.ModuleType("gymnasium")
    gym.Env = type("Env", (), {})
    gym.logger = _Anything()
    gym.spaces = types.ModuleType("gymnasium.spaces")
    gym.spaces.Box = gym.spaces.Discrete = _Anything
    error = types.ModuleType("gymnasium.error")
    error.DependencyNotInstalled = error.InvalidAction = Exception
    utils = types.ModuleType("gymnasium.utils")
    utils.EzPickle = type("EzPickle", (), {})
    envs = types.ModuleType("gymnasium.envs")
    box2d_pkg = types.ModuleType("gymnasium.envs.box2d")
    dynamics = types.ModuleType("gymnasium.envs.box2d.car_dynamics")
    dynamics.Car = _Anything
    b2 = types.ModuleType("Box2D.b2")
    b2.contactListener = object
    b2.fixtureDef = b2.polygonShape = _Anything
    box2d = types.ModuleType("Box2D")
    box2d.b2 = b2
    pygame = types.ModuleType("pygame")
    pygame.gfxdraw = types.ModuleType("pygame.gfxdraw")
    mods = {
        "gymnasium": gym, "gymnasium.spaces": gym.spaces, "gymnasium.error": error, "gymnasium.utils": utils,
        "gymnasium.envs": envs, "gymnasium.envs.box2d": box2d_pkg, "gymnasium.envs.box2d.car_dynamics": dynamics,
        "Box2D": box2d, "Box2D.b2": b2, "pygame": pygame, "pygame.gfxdraw": pygame.gfxdraw,
    }
    sys.modules.update(mods)


def _load_reference(gymnasium_dir):
    path = os.path.join(gymnasium_dir, "gymnasium", "envs", "box2d", "car_racing.py")
    _stub_modules()
    spec = importlib.util.spec_from_file_location("car_racing_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Tile:
    def __init__(self):
        self.fixtures = [_Anything()]


class _World:
    def CreateStaticBody(self, **kwargs):
        return _Tile()


def _case(module, seed, domain_randomize):
    env = object.__new__(module.CarRacing)
    env.np_random = np.random.default_rng(seed)
    env.domain_randomize = domain_randomize
    env.verbose = False
    env.world = _World()
    env.fd_tile = _Anything()
    if domain_randomize:
        env._reinit_colors(True)
    else:
        env._init_colors()
    attempts = 0
    while True:
        env.road_poly = []
        attempts += 1
        if env._create_track():
            break
    n = len(env.track)
    # road_poly holds each tile's quad, followed by its kerb's when it has one
    border, k = [], 0
    for i in range(n):
        k += 1
        if k < len(env.road_poly) and isinstance(env.road_poly[k][1], tuple):
            border.append(i)
            k += 1
    case = {"seed": seed, "domain_randomize": domain_randomize, "attempts": attempts,
            "track": [[float(v) for v in p] for p in env.track], "border": border}
    if domain_randomize:
        case["road_color"] = [float(c) for c in env.road_color]
        case["bg_color"] = [float(c) for c in env.bg_color]
        case["grass_color"] = [float(c) for c in env.grass_color]
    return case


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    module = _load_reference(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(here), "tests", "fixtures", "box2d",
                                                              "car_racing_tracks.json")
    cases = [_case(module, s, False) for s in (0, 1, 2, 36, 42)]   # 36 needs a second attempt
    cases += [_case(module, s, True) for s in (5,)]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"source": "Gymnasium car_racing.py (_create_track, _reinit_colors)", "cases": cases}, f)
        f.write("\n")
    print(f"wrote {out}: {len(cases)} cases, tracks of " + ", ".join(str(len(c['track'])) for c in cases) + " tiles")


if __name__ == "__main__":
    main()
