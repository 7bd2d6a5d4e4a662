"""rlc python tests: scripts/rlc_policy.py (numpy only, no librlc) gives the action `rlc rollout
--policy` takes, for every agent: tiny runs of each are trained here, then a few hundred rollout
steps are replayed through the script."""
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from support import SOURCE_DIR, rollout, run_rlc, taxi_action_mask

SCRIPT = os.path.join(SOURCE_DIR, "scripts", "rlc_policy.py")
spec = importlib.util.spec_from_file_location("rlc_policy", SCRIPT)
rlc_policy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rlc_policy)

CFG = os.path.join(SOURCE_DIR, "configs")
STEPS = 300
QUIET = ("--set", "log.eval_interval=0", "--set", "log.progress=false")
# name: (config, --set overrides, obs_dim, act_dim, discrete)
RUNS = {
    "ppo_discrete": ("ppo_cartpole.yaml", ["total_steps=4096"], 4, 1, True),
    "ppo_box_norm": ("ppo_pendulum.yaml", ["total_steps=4096"], 3, 1, False),
    "ppo_shared_state_std_tanh": ("ppo_pendulum.yaml", ["total_steps=4096", "network.shared=true",
                                  "gaussian.log_std=state", "gaussian.bound=tanh"], 3, 1, False),
    "ppo_aux_heads": ("ppo_cartpole.yaml", ["total_steps=4096", "network.shared=true",
                      "normalize.obs=true", "aux=[{head: reward_prediction, loss: huber, weight: 0.1}]"],
                      4, 1, True),
    "a2c": ("a2c_cartpole.yaml", ["total_steps=4000", "normalize.obs=true"], 4, 1, True),
    "reinforce_discrete": ("reinforce_cartpole.yaml", ["total_steps=3000"], 4, 1, True),
    "reinforce_box": ("reinforce_cartpole.yaml", ["total_steps=3000", "env.id=Pendulum-v1",
                      "normalize.obs=true"], 3, 1, False),
    "sac": ("sac_pendulum.yaml", ["total_steps=1500", "sac.learning_starts=500"], 3, 1, False),
    # gSDE: the actor's head is the mean alone, clipped to [-2, 2]
    "sac_sde": ("sac_pendulum.yaml", ["total_steps=1500", "sac.learning_starts=500", "sac.use_sde=true"], 3, 1, False),
    "td3": ("td3_pendulum.yaml", ["total_steps=1500", "td3.learning_starts=500"], 3, 1, False),
    "ddpg": ("ddpg_pendulum.yaml", ["total_steps=1500", "ddpg.learning_starts=500"], 3, 1, False),
    "dqn": ("dqn_cartpole.yaml", ["total_steps=3000", "dqn.learning_starts=500", "dqn.train_frequency=1"], 4, 1, True),
    "dqn_dueling": ("dqn_cartpole.yaml", ["total_steps=3000", "dqn.learning_starts=500", "dqn.train_frequency=1",
                    "dqn.dueling=true"], 4, 1, True),
    "dqn_noisy": ("dqn_cartpole.yaml", ["total_steps=3000", "dqn.learning_starts=500", "dqn.train_frequency=1",
                  "dqn.noisy=true"], 4, 1, True),
    # Rainbow: c51 with dueling and noisy heads (per-atom dueling, the heads' mu)
    "rainbow": ("zoo/c51_rainbow_cartpole_v1.yaml", ["total_steps=3000", "dqn.learning_starts=500"], 4, 1, True),
    "qrdqn": ("qrdqn_cartpole.yaml", ["total_steps=3000", "dqn.learning_starts=500", "dqn.train_frequency=1"], 4, 1, True),
    # image encoders (network.encoder) on MinAtar: a preset, and a list with stride and padding
    "ppo_cnn": ("zoo/ppo_minatar_asterix_v1.yaml", ["total_steps=2048", "network.actor_gain=1"], 400, 1, True),
    "dqn_cnn": ("zoo/dqn_minatar_breakout_v1.yaml", ["total_steps=3000", "dqn.learning_starts=500",
                "dqn.buffer_size=3000", "network.encoder=8 3x3/2 p1, 4 2x2/1, dense 32"], 400, 1, True),
    "iqn": ("zoo/iqn_cartpole_v1.yaml", ["total_steps=3000", "iqn.learning_starts=500"], 4, 1, True),
    "c51": ("c51_cartpole.yaml", ["total_steps=3000", "dqn.learning_starts=500", "dqn.train_frequency=1"], 4, 1, True),
    # a Discrete observation (an index), one-hot for the network, and env.kwargs (a 3 x 3 map)
    "dqn_frozenlake": ("zoo/dqn_frozenlake_v1_nonslippery.yaml", ["total_steps=1500", "dqn.learning_starts=500",
                       "env.kwargs.desc=[SFF, FFF, FFG]"], 1, 1, True),
    "ppo_taxi": ("zoo/ppo_taxi_v3.yaml", ["total_steps=2048"], 1, 1, True),
    # MultiDiscrete and MultiBinary actions: a categorical per component, a Bernoulli per bit
    "ppo_multidiscrete": ("ppo_multidiscrete_target.yaml", ["total_steps=2048"], 12, 3, "multi"),
    "a2c_multibinary": ("a2c_multibinary_target.yaml", ["total_steps=2000"], 6, 6, "multi"),
    # Dict and Tuple observations: an encoder per image part, the vector part as it is
    "ppo_dict": ("ppo_dict_cue.yaml", ["total_steps=2048"], 37, 1, True),
    "dqn_tuple": ("dqn_tuple_cue.yaml", ["total_steps=2000", "dqn.learning_starts=500"], 37, 1, True),
    # Taxi's action masks (env.action_mask): rlc rollout --policy plays among the valid actions
    "ppo_taxi_masked": ("zoo/ppo_taxi_v3.yaml", ["total_steps=2048", "env.action_mask=true"], 1, 1, True),
}


def train(tmp, name):
    config, sets, *_ = RUNS[name]
    run_dir = os.path.join(tmp, name)
    args = ["train", os.path.join(CFG, config), "--run-dir", run_dir, "--quiet", *QUIET]
    for s in sets:
        args += ["--set", s]
    run_rlc(*args)
    return run_dir


class AgentTable(unittest.TestCase):
    def test_every_registered_agent_has_one_row(self):
        """the reader's one table of agents (AGENTS) names exactly the registry's algorithms, the
        choices of `algo:` that `rlc config top` prints"""
        line = next(l for l in run_rlc("config", "top").stdout.splitlines() if l.split()[:1] == ["algo"])
        registered = next(w for w in line.split() if "|" in w).split("|")
        self.assertEqual(sorted(rlc_policy.AGENTS), sorted(registered))
        for name, row in rlc_policy.AGENTS.items():
            self.assertIn(row["kind"], ("onpolicy", "tanh_actor", "q"), name)
            self.assertEqual(row["kind"] == "q", "values" in row, name)


class PolicyMatchesRollout(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.runs = {name: train(cls.tmp.name, name) for name in RUNS}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, name):
        _, _, obs_dim, act_dim, discrete = RUNS[name]
        run = self.runs[name]
        policy = rlc_policy.load(run)
        r = rollout(policy.env_id, 5, STEPS, obs_dim, act_dim, "--policy", run)
        # a run on Taxi with env.action_mask: rlc rollout --policy plays among the valid actions, and
        # so does the script given the same masks
        masked = policy.env_id == "Taxi-v3" and policy.config.get("env.action_mask") == "true"
        masks = np.array([taxi_action_mask(o) for o in r.obs[:, 0]]) if masked else None
        got = policy.act(r.obs, action_mask=masks)
        if discrete == "multi":
            # an integer per component; rounding may flip a near tie, so nearly all agree
            self.assertEqual(got.shape, r.act.shape)
            agree = (got == r.act.astype(np.int64)).mean()
            self.assertGreater(agree, 0.98, f"{name}: {agree:.3f} of the components agree")
            self.assertGreater(len(np.unique(got)), 1, f"{name}: the actions never change")
            return
        if not discrete:
            np.testing.assert_allclose(got, r.act, rtol=0, atol=2e-4, err_msg=name)
            self.assertGreater(np.ptp(r.act), 1e-3, f"{name}: the actions never change")
            return
        want = r.act[:, 0].astype(np.int64)
        # rlc ranks in float32 with its own tanh and BLAS kernel: where the two best action values
        # are closer than rounding can tell apart, either choice is right
        if policy.kind == "q":
            vals = policy.q_values(policy.normalise(r.obs))
        else:
            vals = policy_logits(policy, r.obs)
        if masks is not None:
            self.assertTrue(masks[np.arange(len(want)), want].all(), f"{name}: rlc rollout took an invalid action")
            vals = np.where(masks == 1, vals, -np.inf)
        top2 = np.sort(vals, axis=1)[:, -2:]
        clear = (top2[:, 1] - top2[:, 0]) > 1e-4 * np.maximum(1.0, np.abs(top2[:, 1]))
        self.assertGreater(clear.sum(), STEPS // 2, f"{name}: too few clear choices to compare")
        np.testing.assert_array_equal(got[clear], want[clear], err_msg=name)
        self.assertGreater(len(np.unique(want)), 1, f"{name}: the actions never change")
        # one observation at a time gives the same as a batch
        self.assertEqual(int(policy.act(r.obs[7], action_mask=None if masks is None else masks[7])), int(got[7]))

    def test_multidiscrete_and_multibinary(self):
        self.check("ppo_multidiscrete")
        self.check("a2c_multibinary")

    def test_ppo_discrete(self):
        self.check("ppo_discrete")

    def test_ppo_box_with_obs_normalisation(self):
        self.check("ppo_box_norm")
        self.assertIsNotNone(rlc_policy.load(self.runs["ppo_box_norm"]).norm)

    def test_ppo_shared_trunk_state_std_tanh(self):
        self.check("ppo_shared_state_std_tanh")

    def test_ppo_with_aux_heads(self):
        self.check("ppo_aux_heads")

    def test_a2c(self):
        self.check("a2c")

    def test_reinforce(self):
        self.check("reinforce_discrete")
        self.check("reinforce_box")

    def test_sac(self):
        self.check("sac")
        self.check("sac_sde")

    def test_td3_and_ddpg(self):
        self.check("td3")
        self.check("ddpg")

    def test_dqn(self):
        self.check("dqn")
        self.check("dqn_dueling")
        self.check("dqn_noisy")

    def test_image_encoders(self):
        self.check("ppo_cnn")
        self.check("dqn_cnn")
        self.assertEqual(rlc_policy.load(self.runs["dqn_cnn"]).encoder.geometry, [(2, 1), (1, 0)])

    def test_structured_observations(self):
        self.check("ppo_dict")
        self.check("dqn_tuple")
        self.assertEqual(len(rlc_policy.load(self.runs["ppo_dict"]).encoder.parts), 2)

    def test_qrdqn(self):
        self.check("qrdqn")

    def test_iqn(self):
        self.check("iqn")

    def test_c51(self):
        self.check("c51")
        self.check("rainbow")

    def test_discrete_observations(self):
        self.check("dqn_frozenlake")
        self.check("ppo_taxi")
        self.check("ppo_taxi_masked")
        policy = rlc_policy.load(self.runs["ppo_taxi"])
        self.assertEqual(int(policy.act(17)), int(policy.act([17])))
        with self.assertRaises(ValueError):
            policy.act(500)
        # unmasked, this briefly trained policy's first choice is invalid in some states
        states = np.arange(500, dtype=np.float32).reshape(-1, 1)
        masks = np.array([taxi_action_mask(s) for s in range(500)])
        free = policy.act(states)
        self.assertFalse(masks[np.arange(500), free].all())
        self.assertTrue(masks[np.arange(500), policy.act(states, action_mask=masks)].all())
        with self.assertRaisesRegex(ValueError, "no valid action"):
            policy.act(17, action_mask=np.zeros(6, np.int8))

    def test_checkpoint_file_and_command_line(self):
        ckpt = os.path.join(self.runs["ppo_box_norm"], "checkpoint.safetensors")
        policy = rlc_policy.load(ckpt)
        obs = np.array([0.5, -0.25, 1.0], dtype=np.float32)
        p = subprocess.run([sys.executable, SCRIPT, ckpt, *map(str, obs)], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertAlmostEqual(float(p.stdout), float(policy.act(obs)[0]), places=6)
        with self.assertRaisesRegex(ValueError, "expected observations of 3 floats"):
            policy.act(np.zeros(4, dtype=np.float32))

    def test_bad_files_are_refused(self):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(self.runs["dqn"], "checkpoint.safetensors")
            with open(src, "rb") as f:
                blob = f.read()
            cut = os.path.join(d, "cut.safetensors")
            with open(cut, "wb") as f:
                f.write(blob[:len(blob) - 100])
            with self.assertRaisesRegex(rlc_policy.PolicyError, "out of range"):
                rlc_policy.load(cut)
            tiny = os.path.join(d, "tiny.safetensors")
            with open(tiny, "wb") as f:
                f.write(b"\x05\x00")
            with self.assertRaisesRegex(rlc_policy.PolicyError, "too short"):
                rlc_policy.load(tiny)


def policy_logits(policy, obs):
    """The on-policy actor's outputs (the categorical logits) for raw observations."""
    x = policy.features(policy.normalise(obs))
    if policy.trunk:
        x = rlc_policy._mlp(policy.trunk, x, policy.activation, policy.activation)
    return rlc_policy._mlp(policy.actor, x, policy.activation).astype(np.float64)


if __name__ == "__main__":
    unittest.main()
