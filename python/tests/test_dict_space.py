"""rlc python tests: Dict and Tuple observation spaces. Built-in environments publish them
(rlc.env_spaces, make_vec returns dicts and tuples of arrays, final observations too); a Python
environment declares a Dict (its keys sorted, an image part and a vector part), PPO trains on it
and the loaded policy acts on dict observations, in this process and in a fresh one; a missing
key, a malformed key and a part of the wrong shape are refused naming the key."""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import rlc


class Dict:
    """Gymnasium's spaces.Dict as far as rlc reads it (its .spaces; gymnasium is not a Debian package)"""

    def __init__(self, spaces):
        self.spaces = dict(spaces)


class PyCue:
    """DictCue-v0 written in Python, its Dict declared with the keys out of order"""

    def __init__(self, drop=None, key="image"):
        self.observation_space = Dict({key: rlc.Box(0, 255, (6, 6, 1), np.uint8), "cue": rlc.Box(-1, 1, (1,))})
        self.action_space = rlc.Discrete(2)
        self.rng, self.drop, self.key = np.random.default_rng(0), drop, key

    def _draw(self):
        at, plus = int(self.rng.integers(36)), bool(self.rng.integers(2))
        img = np.zeros((6, 6, 1), np.uint8)
        img.reshape(-1)[at] = 255
        self.answer = 0 if (at % 6 < 3) == plus else 1
        o = {self.key: img, "cue": np.array([1.0 if plus else -1.0], np.float32)}
        o.pop(self.drop, None)
        return o

    def reset(self, seed=None, options=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.t = 0
        return self._draw(), {}

    def step(self, a):
        r = 1.0 if int(a) == self.answer else 0.0
        self.t += 1
        return self._draw(), r, False, self.t >= 10, {}


class NoCue(PyCue):
    def __init__(self):
        super().__init__(drop="cue")


class BadKey(PyCue):
    def __init__(self):
        super().__init__(key="an image")


PPO = {"algo": "ppo", "total_steps": 2000, "env": {"num_envs": 4},
       "network": {"hidden": [32], "activation": "relu", "encoder": "4 3x3/1, dense 16"},
       "ppo": {"learning_rate": 2.5e-3, "num_steps": 32, "gamma": 0.5},
       "log": {"eval_interval": 0, "eval_episodes": 5, "checkpoint_interval": 0}}


class BuiltIn(unittest.TestCase):
    def test_spaces_and_observations_of_the_cue_tasks(self):
        obs, act, steps, _ = rlc.env_spaces("DictCue-v0")
        self.assertIsInstance(obs, rlc.Dict)
        self.assertEqual(list(obs.keys()), ["cue", "image"])
        self.assertEqual((obs["image"].shape, obs["image"].dtype), ((6, 6, 1), np.uint8))
        with rlc.make_vec("DictCue-v0", 3, seed=0) as v:
            o, _ = v.reset()
            self.assertEqual(set(o), {"cue", "image"})
            self.assertEqual((o["image"].shape, o["image"].dtype, o["cue"].shape), ((3, 6, 6, 1), np.uint8, (3, 1)))
            self.assertTrue(np.all(o["image"].reshape(3, -1).sum(axis=1) == 255), "one lit pixel each")
            for _ in range(10):
                o, _, _, trunc, infos = v.step(np.zeros(3, dtype=np.int64))
            self.assertTrue(trunc.all())
            final = infos["final_obs"][0]
            self.assertEqual((final["image"].shape, final["cue"].shape), ((6, 6, 1), (1,)))
        with rlc.make_vec("TupleCue-v0", 2, seed=0) as v:
            o, _ = v.reset()
            self.assertIsInstance(o, tuple)
            self.assertEqual((o[0].shape, o[1].shape, o[1].dtype), ((2, 1), (2, 6, 6, 1), np.bool_))
            self.assertIsInstance(v.single_observation_space, rlc.Tuple)


class PythonEnv(unittest.TestCase):
    def test_a_dict_env_is_stepped_with_its_keys_sorted_and_trains(self):
        with rlc.make_vec(PyCue, 2, seed=3) as v:
            self.assertEqual(list(v.single_observation_space.keys()), ["cue", "image"])
            o, _ = v.reset()
            self.assertEqual({k: (a.shape, a.dtype) for k, a in o.items()},
                             {"cue": ((2, 1), np.float32), "image": ((2, 6, 6, 1), np.uint8)})
            self.assertTrue(np.all(o["image"].reshape(2, -1).max(axis=1) == 255))
            self.assertTrue(np.all(np.abs(o["cue"]) == 1))
        with tempfile.TemporaryDirectory() as d:
            res = rlc.train(PPO, run_dir=d, env=PyCue, seed=1)
            self.assertEqual(res.steps, 2000)
            p = rlc.load_policy(d)
            self.assertIsInstance(p.observation_space, rlc.Dict)
            one = {"cue": np.ones(1, np.float32), "image": np.zeros((6, 6, 1), np.uint8)}
            self.assertIn(int(p.act(one)), (0, 1))
            batch = {k: np.stack([a, a, a]) for k, a in one.items()}
            self.assertEqual(p.act(batch).shape, (3,))
            with self.assertRaisesRegex(rlc.InvalidArgument, "no key 'cue'"):
                p.act({"image": one["image"]})
            with self.assertRaisesRegex(rlc.InvalidArgument, "part 'image' has shape"):
                p.act({"cue": one["cue"], "image": np.zeros((6, 6), np.uint8)})
            # a fresh process registers the environment from the checkpoint's Dict space and acts
            code = ("import sys, numpy as np, rlc; p = rlc.load_policy(sys.argv[1]); "
                    "print(type(p.observation_space).__name__, list(p.observation_space.keys()), "
                    "int(p.act({'cue': np.ones(1), 'image': np.zeros((6, 6, 1), np.uint8)})) in (0, 1))")
            out = subprocess.run([sys.executable, "-c", code, d], capture_output=True, text=True, env=os.environ)
            self.assertEqual(out.stdout.strip(), "Dict ['cue', 'image'] True", out.stderr)

    def test_a_missing_key_is_named(self):
        with rlc.make_vec(NoCue, 1, seed=0) as v:
            with self.assertRaisesRegex(rlc.EnvError, "reset\\(\\) returned an observation without the key 'cue'"):
                v.reset()

    def test_a_malformed_key_is_refused_naming_it(self):
        with self.assertRaisesRegex(rlc.EnvError, "key 'an image'.*letters, digits or '_'"):
            rlc.make_vec(BadKey, 1)

    def test_a_dict_action_space_is_refused(self):
        class DictAct(PyCue):
            def __init__(self):
                super().__init__()
                self.action_space = Dict({"a": rlc.Box(-1, 1, (1,))})
        with self.assertRaisesRegex(rlc.EnvError, "action_space.*observations only"):
            rlc.make_vec(DictAct, 1)


if __name__ == "__main__":
    unittest.main()
