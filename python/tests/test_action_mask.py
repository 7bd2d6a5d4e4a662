"""rlc python tests: a Python environment publishes its valid actions through an action_masks()
method (sb3-contrib's convention): PPO and DQN trained on it never take an invalid action,
env.action_mask false offers every action, REINFORCE is refused naming env.action_mask, and a bad
mask is a clear EnvError naming action_masks()."""
import os
import tempfile
import unittest

import numpy as np

import rlc

K = 6


class Box:
    def __init__(self, low, high, shape):
        self.low, self.high, self.shape, self.dtype = low, high, shape, np.float32


class Discrete:
    def __init__(self, n):
        self.n, self.start = n, 0


class MaskTrap:
    """K actions, 1 to 3 valid in each state (observed as a 0/1 vector); a valid action gives +1
    and a new state, an invalid one -1 and the end of the episode."""
    invalid_taken = 0

    def __init__(self, bad_mask=False):
        self.observation_space = Box(np.zeros(K, np.float32), np.ones(K, np.float32), (K,))
        self.action_space = Discrete(K)
        self.bad_mask = bad_mask
        self.rng = np.random.default_rng(0)
        self.valid = np.ones(K, bool)

    def _draw(self):
        self.valid = np.zeros(K, bool)
        self.valid[self.rng.choice(K, size=self.rng.integers(1, 4), replace=False)] = True
        return self.valid.astype(np.float32)

    def reset(self, seed=None, options=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        return self._draw(), {}

    def step(self, action):
        if not self.valid[int(action)]:
            MaskTrap.invalid_taken += 1
            return self.valid.astype(np.float32), -1.0, True, False, {}
        return self._draw(), 1.0, False, False, {}

    def action_masks(self):
        return np.zeros(K, bool) if self.bad_mask else self.valid.copy()


LOG = {"log_interval": 100000, "eval_interval": 0, "eval_episodes": 4, "checkpoint_interval": 0}
PPO = {"algo": "ppo", "seed": 1, "total_steps": 1024, "env": {"id": "MaskTrap", "num_envs": 2, "max_episode_steps": 20},
       "network": {"hidden": [16]}, "ppo": {"num_steps": 64, "num_minibatches": 2}, "log": LOG}
DQN = {"algo": "dqn", "seed": 1, "total_steps": 1024, "env": {"id": "MaskTrap", "num_envs": 1, "max_episode_steps": 20},
       "network": {"hidden": [16]}, "dqn": {"learning_starts": 200, "train_frequency": 4}, "log": LOG}


class Masks(unittest.TestCase):
    def train(self, config, env=MaskTrap, env_id="MaskTrap"):
        with tempfile.TemporaryDirectory() as d:
            return rlc.train(config, run_dir=os.path.join(d, "run"), env=env, env_id=env_id)

    def test_masked_agents_take_no_invalid_action(self):
        for config in (PPO, DQN):
            MaskTrap.invalid_taken = 0
            r = self.train(config)
            self.assertEqual(MaskTrap.invalid_taken, 0, config["algo"])
            self.assertEqual(r.eval_mean, 20.0, config["algo"])

    def test_masks_off_offers_every_action(self):
        MaskTrap.invalid_taken = 0
        self.train(dict(PPO, env=dict(PPO["env"], action_mask=False)))
        self.assertGreater(MaskTrap.invalid_taken, 50)

    def test_agent_without_masks_refused(self):
        config = {"algo": "reinforce", "total_steps": 64, "env": dict(PPO["env"]), "log": LOG}
        with self.assertRaises(rlc.RlcError) as cm:
            self.train(config)
        self.assertIn("env.action_mask", str(cm.exception))
        self.assertIn("reinforce", str(cm.exception))

    def test_bad_mask_names_action_masks(self):
        with self.assertRaises(rlc.EnvError) as cm:
            self.train(PPO, env=lambda: MaskTrap(bad_mask=True), env_id="BadMask")
        self.assertIn("action_masks()", str(cm.exception))
        self.assertIn("at least one true", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
