"""rlc python tests: the toy-text environments from Python: make_vec passes the environment's
keyword arguments (as gymnasium.make(id, **kwargs) does) and refuses bad ones with rlc's message
naming the key; a policy trained on a Discrete observation space takes indices (one-hot encoded
for the agent) singly and in batches, and is evaluated on the environment its run's env.kwargs
made."""
import os
import tempfile
import unittest

import numpy as np

import rlc
from support import SOURCE_DIR

PATH = [2, 2, 1, 1, 1, 2]   # the shortest path of the 4x4 map: right, right, down, down, down, right


class Kwargs(unittest.TestCase):
    def walk(self, envs, seed):
        envs.reset(seed=seed)
        for a in PATH:
            obs, rew, term, trunc, _ = envs.step(np.full(envs.num_envs, a))
        return rew, term

    def test_is_slippery_false_moves_where_intended(self):
        envs = rlc.make_vec("FrozenLake-v1", 4, is_slippery=False)
        self.assertEqual(envs.kwargs, {"is_slippery": False})
        for seed in range(5):
            rew, term = self.walk(envs, seed)
            np.testing.assert_array_equal(rew, 1.0)
            self.assertTrue(term.all())
        slippery = rlc.make_vec("FrozenLake-v1", 4)
        reached = sum(int(self.walk(slippery, seed)[0].sum()) for seed in range(5))
        self.assertLess(reached, 20, "the registered FrozenLake-v1 slips")

    def test_desc_sets_the_observation_space_and_kwargs_dict_is_the_same(self):
        a = rlc.make_vec("FrozenLake-v1", 1, desc=["SFF", "FHF", "FFG"], is_slippery=False)
        b = rlc.make_vec("FrozenLake-v1", 1, kwargs={"desc": "SFF,FHF,FFG", "is_slippery": False})
        self.assertEqual(a.single_observation_space.n, 9)
        self.assertEqual(b.single_observation_space.n, 9)
        self.assertEqual(rlc.make_vec("Pendulum-v1", 1, g=9.81).single_observation_space.shape, (3,))

    def test_bad_arguments_name_the_key(self):
        cases = [({"is_slipery": False}, "env.kwargs.is_slipery"), ({"success_rate": 2.0}, "out of range"),
                 ({"map_name": "5x5"}, "not one of 4x4|8x8"), ({"is_slippery": "no"}, "expected true or false")]
        for kw, want in cases:
            with self.assertRaises(rlc.ConfigError) as c:
                rlc.make_vec("FrozenLake-v1", 1, **kw)
            self.assertIn(want, str(c.exception))
        with self.assertRaises(rlc.InvalidArgument):
            rlc.make_vec("FrozenLake-v1", 1, kwargs={"is_slippery": False}, is_slippery=True)
        with self.assertRaises(rlc.ConfigError) as c:
            rlc.make_vec("Acrobot-v1", 1, g=1.0)
        self.assertIn("takes no arguments", str(c.exception))


class DiscretePolicy(unittest.TestCase):
    def test_policy_takes_indices_and_evaluates_with_the_runs_kwargs(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = os.path.join(tmp, "fl")
            rlc.train(os.path.join(SOURCE_DIR, "configs", "zoo", "dqn_frozenlake_v1_nonslippery.yaml"), run_dir=run,
                      overrides={"total_steps": 1200, "dqn.learning_starts": 200, "log.eval_interval": 0,
                                 "env.kwargs.desc": ["SFF", "FFF", "FFG"]})
            policy = rlc.load_policy(run)
            self.assertEqual(policy.observation_space.n, 9, "the run's map, not the registered 4x4")
            one = policy(4)
            batch = policy(np.array([0, 4, 8]))
            self.assertEqual(batch.shape, (3,))
            self.assertEqual(int(batch[1]), int(one))
            self.assertIn("kwargs: {is_slippery: false, desc: [SFF, FFF, FFG]}", policy.config)
            result = policy.evaluate(episodes=3, seed=0)
            self.assertIn(result.mean, (0.0, 1 / 3, 2 / 3, 1.0))
            with self.assertRaises(rlc.InvalidArgument):
                policy(9.0)   # the 3 x 3 map has states 0..8
            policy.close()


if __name__ == "__main__":
    unittest.main()
