"""rlc python tests: MultiDiscrete and MultiBinary action spaces. Built-in environments publish
them (rlc.env_spaces, make_vec), a Python environment declares them and receives integer arrays,
PPO trains on one, and the loaded policy returns one integer per component; bad spaces and
actions are refused naming what is wrong."""
import os
import tempfile
import unittest

import numpy as np

import rlc
from pyenvs import Box, MultiDiscrete, Targets

SMALL = {
    "algo": "ppo", "seed": 1, "total_steps": 4000,
    "env": {"id": "Targets", "num_envs": 2},
    "network": {"hidden": [32], "activation": "tanh"},
    "ppo": {"learning_rate": 1e-3, "num_steps": 50, "update_epochs": 4, "num_minibatches": 2,
            "gamma": 0.9, "ent_coef": 0.0},
    "log": {"log_interval": 1000, "eval_interval": 0, "eval_episodes": 5, "checkpoint_interval": 0},
}


class Spaces(unittest.TestCase):
    def test_builtin_spaces(self):
        _, act, steps, _ = rlc.env_spaces("MultiDiscreteTarget-v0")
        self.assertEqual(act, rlc.MultiDiscrete([3, 4, 5]))
        self.assertEqual(steps, 16)
        _, act, _, _ = rlc.env_spaces("MultiBinaryTarget-v0")
        self.assertEqual(act, rlc.MultiBinary(6))
        self.assertTrue(act.contains(np.array([0, 1, 1, 0, 0, 1], dtype=np.int8)))

    def test_vec_steps_with_integer_rows_and_refuses_a_component_out_of_range(self):
        with rlc.make_vec("MultiDiscreteTarget-v0", 2, seed=0) as v:
            self.assertEqual(v.action_space, rlc.MultiDiscrete([[3, 4, 5], [3, 4, 5]]))
            v.reset()
            _, r, _, _, _ = v.step(np.array([[0, 1, 2], [2, 3, 4]]))
            self.assertTrue(np.all((r >= 0) & (r <= 1)))
            with self.assertRaisesRegex(rlc.InvalidArgument, r"actions\[1, 0\] = 3.*0\.\.2.*MultiDiscrete"):
                v.step(np.array([[0, 1, 2], [3, 0, 0]]))

    def test_python_env_receives_integer_arrays(self):
        envs = []

        def make_md():
            envs.append(Targets())
            return envs[-1]

        def make_mb():
            envs.append(Targets(binary=True))
            return envs[-1]
        for make, a, dtype in ((make_md, np.array([[2, 3], [0, 1]]), np.int64),
                               (make_mb, np.array([[1, 0, 1, 1], [0, 1, 1, 0]]), np.int8)):
            envs.clear()
            with rlc.make_vec(make, 2, seed=3) as v:
                v.reset()
                v.step(a)
            got = [e.seen[0] for e in envs if e.seen]
            self.assertEqual(len(got), 2)
            for i, seen in enumerate(got):
                self.assertEqual((type(seen), seen.dtype), (np.ndarray, np.dtype(dtype)))
                np.testing.assert_array_equal(seen, a[i])

    def test_bad_spaces_are_refused(self):
        class OneChoice(Targets):
            def __init__(self):
                super().__init__(nvec=(3, 1))
        with self.assertRaisesRegex(rlc.EnvError, r"OneChoice.*nvec\[1\] = 1.*2 to"):
            rlc.make_vec(OneChoice, 1)

        class MultiObs(Targets):
            def __init__(self):
                super().__init__()
                self.observation_space = MultiDiscrete([2, 2])
        with self.assertRaisesRegex(rlc.EnvError, "observation_space.*MultiDiscrete for actions only"):
            rlc.make_vec(MultiObs, 1)

        class Masked(Targets):
            def action_masks(self):
                return np.ones(7, dtype=bool)
        with self.assertRaisesRegex(rlc.EnvError, r"Masked.*action_masks\(\).*MultiDiscrete.*Discrete action spaces only"):
            rlc.make_vec(Masked, 1)

        class Flat(Targets):
            def __init__(self):
                super().__init__()
                self.observation_space = Box(0.0, 1.0, shape=(7,))
        with rlc.make_vec(Flat, 1) as v:   # a well-formed one is taken
            v.reset()


class Training(unittest.TestCase):
    def test_ppo_trains_and_the_policy_returns_a_value_per_component(self):
        with tempfile.TemporaryDirectory() as d:
            r = rlc.train(SMALL, run_dir=os.path.join(d, "run"), env=Targets, env_id="Targets")
            self.assertGreater(r.eval_mean, 5.0, "random play scores about 2.9 of 10")
            p = rlc.load_policy(r.run_dir)
            self.assertEqual(p.action_space, rlc.MultiDiscrete([3, 4]))
            obs = np.stack([Targets().reset(seed=s)[0] for s in range(5)])
            acts = p(obs)
            self.assertEqual((acts.shape, acts.dtype), ((5, 2), np.dtype(np.int64)))
            self.assertTrue(np.all((acts >= 0) & (acts < [3, 4])))
            self.assertEqual(p(obs[0]).shape, (2,))

    def test_builtin_multibinary_policy_returns_bits(self):
        cfg = dict(SMALL, total_steps=1000, env={"id": "MultiBinaryTarget-v0", "num_envs": 2})
        with tempfile.TemporaryDirectory() as d:
            r = rlc.train(cfg, run_dir=os.path.join(d, "run"))
            p = rlc.load_policy(r.run_dir)
            bits = p(np.eye(6, dtype=np.float32))
            self.assertEqual((bits.shape, bits.dtype), ((6, 6), np.dtype(np.int8)))
            self.assertTrue(np.isin(bits, (0, 1)).all())


if __name__ == "__main__":
    unittest.main()
