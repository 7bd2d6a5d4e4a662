"""rlc python tests: a recurrent policy (configs/zoo/ppo_lstm_cartpole_masked.yaml, LSTM and GRU, one
layer under both heads and a layer each)
acts as `rlc rollout --policy` does through rlc.load_policy (stateful, reset() per episode) and
through scripts/rlc_policy.py (numpy only); its memory matters (acting without the state differs);
the velocity mask is applied to what it is given; a call takes at most 64 rows."""
import importlib.util
import os
import tempfile
import unittest

import numpy as np

import rlc
from support import SOURCE_DIR, rollout

SCRIPT = os.path.join(SOURCE_DIR, "scripts", "rlc_policy.py")
spec = importlib.util.spec_from_file_location("rlc_policy", SCRIPT)
rlc_policy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rlc_policy)

CONFIG = os.path.join(SOURCE_DIR, "configs", "zoo", "ppo_lstm_cartpole_masked.yaml")
STEPS = 400


def play(policy, r, reset_every_step=False):
    """The actions of policy on the rollout's observations, one step at a time, reset at each
    episode start (or before every step)."""
    out = []
    for t in range(len(r.obs)):
        if reset_every_step or t == 0 or r.episode[t] != r.episode[t - 1]:
            policy.reset()
        out.append(int(policy(r.obs[t])))
    return np.array(out)


class RecurrentPolicy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.runs = {}
        # the LSTM shares one layer under both heads (the config's recurrent.shared: true); the GRU
        # has a layer each (recurrent.shared: false): the policy reads the actor's
        for kind, extra in (("lstm", {}), ("gru", {"recurrent.type": "gru", "recurrent.shared": "false"})):
            d = os.path.join(cls.tmp.name, kind)
            rlc.train(CONFIG, run_dir=d, overrides={"total_steps": 30720, "log.eval_interval": 0, **extra})
            cls.runs[kind] = d

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, kind):
        run = self.runs[kind]
        r = rollout("CartPole-v1", 5, STEPS, 4, 1, "--policy", run)
        want = r.act[:, 0].astype(np.int64)
        self.assertGreater(r.episode[-1], 0, "the rollout spans several episodes")
        self.assertGreater(len(np.unique(want)), 1)
        p = rlc.load_policy(run)
        self.assertTrue(p.recurrent)
        got = play(p, r)
        self.assertGreaterEqual(np.mean(got == want), 0.99, f"{kind}: rlc.load_policy")
        # the memory matters: without it (a reset before every step) the actions differ
        self.assertLess(np.mean(play(p, r, reset_every_step=True) == want), 0.97)
        q = rlc_policy.load(run)
        self.assertTrue(q.recurrent)
        got = play(q, r)
        self.assertGreaterEqual(np.mean(got == want), 0.98, f"{kind}: scripts/rlc_policy.py")

    def test_lstm_acts_as_rlc_rollout(self):
        self.check("lstm")

    def test_gru_acts_as_rlc_rollout(self):
        self.check("gru")

    def test_rows_are_separate_streams_and_reset_by_mask(self):
        p = rlc.load_policy(self.runs["lstm"])
        r = rollout("CartPole-v1", 9, 60, 4, 1)
        obs = r.obs[:50]
        # two rows fed the same stream act alike; resetting only row 1 makes it act as a fresh start
        pair = np.array([p(np.stack([o, o])) for o in obs])
        np.testing.assert_array_equal(pair[:, 0], pair[:, 1])
        p.reset(np.array([False, True]))
        fresh = rlc.load_policy(self.runs["lstm"])
        self.assertEqual(int(p(np.stack([obs[0], obs[0]]))[1]), int(fresh(obs[0])))
        with self.assertRaisesRegex(rlc.InvalidArgument, "at most 64 observations"):
            p(np.zeros((65, 4), dtype=np.float32))

    def test_velocities_are_masked(self):
        p = rlc.load_policy(self.runs["lstm"])
        q = rlc.load_policy(self.runs["lstm"])
        r = rollout("CartPole-v1", 3, 40, 4, 1)
        masked = r.obs.copy()
        masked[:, [1, 3]] = 0
        a = np.array([int(p(o)) for o in r.obs])
        b = np.array([int(q(o)) for o in masked])
        np.testing.assert_array_equal(a, b)


if __name__ == "__main__":
    unittest.main()
