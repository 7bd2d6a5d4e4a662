"""rlc python tests: a Python environment publishes its valid actions through an action_masks()
method (sb3-contrib's convention) or its info["action_mask"] (Gymnasium's): PPO and DQN trained on
it never take an invalid action, env.action_mask false offers every action, REINFORCE is refused
naming env.action_mask, and a bad mask is a clear EnvError naming where it came from. make_vec
gives Taxi-v3's masks in infos["action_mask"] by Gymnasium's rule, and a loaded Policy acts among
the valid actions of the mask it is given."""
import os
import tempfile
import unittest

import numpy as np

import rlc
from support import taxi_action_mask

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


class InfoMaskTrap(MaskTrap):
    """MaskTrap with its mask in reset()'s and step()'s info["action_mask"], without action_masks()"""
    action_masks = None

    def __init__(self, bad_mask=False):
        super().__init__()
        self.bad_info = bad_mask

    def _info(self):
        return {"action_mask": np.zeros(K, np.int8) if self.bad_info else self.valid.astype(np.int8)}

    def reset(self, seed=None, options=None):
        obs, _ = super().reset(seed, options)
        return obs, self._info()

    def step(self, action):
        obs, r, term, trunc, _ = super().step(action)
        return obs, r, term, trunc, self._info()


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

    def test_info_action_mask_is_a_mask_too(self):
        for config in (PPO, DQN):
            MaskTrap.invalid_taken = 0
            r = self.train(config, env=InfoMaskTrap, env_id="InfoMaskTrap")
            self.assertEqual(MaskTrap.invalid_taken, 0, config["algo"])
            self.assertEqual(r.eval_mean, 20.0, config["algo"])
        with self.assertRaises(rlc.EnvError) as cm:
            self.train(PPO, env=lambda: InfoMaskTrap(bad_mask=True), env_id="BadInfoMask")
        self.assertIn('info["action_mask"]', str(cm.exception))
        self.assertIn("at least one true", str(cm.exception))

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


class TaxiInfo(unittest.TestCase):
    def test_hand_worked_states(self):
        # ((row * 5 + col) * 5 + passenger) * 4 + destination, with the map's walls worked by hand
        cases = {17: [1, 0, 1, 0, 0, 1],    # at R (0, 0), passenger aboard: south, east, dropoff
                 22: [1, 0, 0, 1, 0, 0],    # (0, 1), a wall to the east, passenger waiting at R
                 472: [0, 1, 1, 0, 1, 0],   # at B (4, 3), passenger waiting there: north, east, pickup
                 314: [1, 1, 0, 0, 0, 0],   # (3, 0): walls east, the edge west
                 252: [1, 1, 1, 1, 0, 0],   # (2, 2): open on every side
                 197: [1, 1, 0, 1, 0, 0]}   # (1, 4), passenger aboard, not at a location: no dropoff
        for s, want in cases.items():
            np.testing.assert_array_equal(taxi_action_mask(s), want, err_msg=f"state {s}")

    def test_make_vec_gives_gymnasiums_action_mask(self):
        envs = rlc.make_vec("Taxi-v3", 3, seed=5)
        obs, info = envs.reset()
        self.assertEqual(info["action_mask"].dtype, np.int8)
        self.assertTrue(info["_action_mask"].all())
        rng = np.random.default_rng(0)
        seen, finals = set(), 0
        for t in range(600):
            np.testing.assert_array_equal(info["action_mask"], [taxi_action_mask(s) for s in obs], err_msg=f"step {t}")
            seen.update(int(s) for s in obs)
            # mostly valid actions, so that episodes end (a dropoff at the destination) now and then
            acts = [rng.choice(np.flatnonzero(m)) if rng.random() < 0.9 else rng.integers(6)
                    for m in info["action_mask"]]
            obs, _, term, trunc, info = envs.step(np.array(acts))
            if "final_info" in info:
                done = info["_final_obs"]
                for i in np.flatnonzero(done):
                    np.testing.assert_array_equal(info["final_info"]["action_mask"][i],
                                                  taxi_action_mask(info["final_obs"][i]))
                    finals += 1
        self.assertGreater(len(seen), 100)
        self.assertGreater(finals, 0)
        self.assertNotIn("action_mask", rlc.make_vec("CartPole-v1", 2, seed=0).reset()[1])


class MaskedPolicy(unittest.TestCase):
    def test_policy_acts_among_the_valid_actions(self):
        with tempfile.TemporaryDirectory() as d:
            run = os.path.join(d, "run")
            rlc.train(dict(DQN, total_steps=600), run_dir=run, env=MaskTrap, env_id="MaskTrapPolicy")
            policy = rlc.load_policy(run)
            rng = np.random.default_rng(1)
            masks = np.zeros((200, K), bool)
            for row in masks:
                row[rng.choice(K, size=rng.integers(1, 4), replace=False)] = True
            obs = masks.astype(np.float32)
            free = policy(obs)
            self.assertFalse(masks[np.arange(200), free].all(), "unmasked, the policy never chose an invalid action")
            acts = policy.act(obs, action_mask=masks)
            self.assertTrue(masks[np.arange(200), acts].all())
            self.assertEqual(int(policy(obs[3], action_mask=masks[3].astype(np.uint8))), int(acts[3]))
            # where the unmasked choice is valid, the masked one is the same
            same = masks[np.arange(200), free]
            np.testing.assert_array_equal(acts[same], free[same])
            for bad, want in ((masks[:, :3], "shape"), (np.zeros((200, K)), "dtype"), (masks * 2, "0/1"),
                              (np.zeros((200, K), bool), "no valid action")):
                with self.assertRaises(rlc.RlcError) as cm:
                    policy.act(obs, action_mask=bad)
                self.assertIn(want, str(cm.exception))
            policy.close()


if __name__ == "__main__":
    unittest.main()
