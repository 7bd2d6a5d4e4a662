"""rlc python tests: rlc.train from a dict learns CartPole, load_policy acts as `rlc rollout
--policy`, evaluate agrees with `rlc eval`, errors carry rlc's messages, rlc.losses lists the
registry."""
import os
import re
import tempfile
import unittest

import numpy as np

import rlc
from support import SOURCE_DIR, rollout, run_rlc

# configs/ppo_cartpole.yaml as a dict, with a smaller budget
CARTPOLE = {
    "algo": "ppo", "seed": 1, "total_steps": 200000,
    "env": {"id": "CartPole-v1", "num_envs": 4},
    "network": {"hidden": [64, 64], "activation": "tanh"},
    "ppo": {"learning_rate": 2.5e-4, "anneal_lr": True, "num_steps": 128, "update_epochs": 4,
            "num_minibatches": 4, "gamma": 0.99, "gae_lambda": 0.95, "norm_adv": True,
            "ent_coef": 0.01, "vf_coef": 0.5, "max_grad_norm": 0.5},
    "losses": {"policy": {"name": "ppo_clip", "clip": 0.2}, "value": {"name": "clipped", "clip": 0.2},
               "entropy": "entropy"},
    "log": {"log_interval": 20000, "eval_interval": 0, "eval_episodes": 10, "checkpoint_interval": 0},
}
SEEDS = (1, 2, 3)


class TrainCartPole(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.runs = {s: rlc.train(CARTPOLE, run_dir=os.path.join(cls.tmp.name, f"seed{s}"), seed=s)
                    for s in SEEDS}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_learns(self):
        """A random policy scores about 22; PPO's recipe reaches 500 within 200k steps on most
        seeds. The criterion is a majority of seeds above 400, not one seed's exact score."""
        evals = [self.runs[s].eval_mean for s in SEEDS]
        self.assertGreaterEqual(sum(e >= 400 for e in evals), 2, f"final evaluations {evals}")
        for s in SEEDS:
            r = self.runs[s]
            self.assertEqual((r.steps, r.seed), (200000, s))
            self.assertTrue(os.path.isfile(os.path.join(r.run_dir, "checkpoint.safetensors")))

    def test_policy_matches_rlc_rollout(self):
        run = self.runs[SEEDS[0]].run_dir
        policy = rlc.load_policy(run)
        self.assertEqual((policy.env_id, policy.algo), ("CartPole-v1", "ppo"))
        r = rollout("CartPole-v1", 3, 600, 4, 1, "--policy", run)
        one_by_one = np.array([policy(o) for o in r.obs])
        self.assertEqual(one_by_one.dtype, np.int64)
        np.testing.assert_array_equal(one_by_one, r.act[:, 0].astype(np.int64))
        batch = policy(r.obs)   # one call, in batches of up to 64 inside
        self.assertEqual(batch.shape, (600,))
        self.assertGreaterEqual(np.mean(batch == one_by_one), 0.99)

    def test_evaluate_matches_rlc_eval(self):
        run = self.runs[SEEDS[0]].run_dir
        ev = rlc.evaluate(run, episodes=4, seed=17)
        out = run_rlc("eval", run, "--episodes", 4, "--seed", 17).stdout
        mean, std = map(float, re.search(r"return (\S+) \+- (\S+)", out).groups())
        self.assertAlmostEqual(ev.mean, mean, places=2)
        self.assertAlmostEqual(ev.std, std, places=2)
        self.assertEqual(ev.episodes, 4)


class PolicyWithNormalisation(unittest.TestCase):
    def test_box_policy_matches_rlc_rollout(self):
        """A Pendulum agent with observation normalisation (briefly trained: only the
        computation is compared) acts as `rlc rollout --policy` does."""
        with tempfile.TemporaryDirectory() as d:
            res = rlc.train(os.path.join(SOURCE_DIR, "configs", "ppo_pendulum.yaml"), run_dir=d,
                            overrides={"total_steps": 8192, "ppo.num_steps": 512})
            self.assertIn("obs: true", rlc.load_policy(res.run_dir).config)
            policy = rlc.load_policy(d)
            r = rollout("Pendulum-v1", 5, 300, 3, 1, "--policy", d)
            one_by_one = np.stack([policy(o) for o in r.obs])
            self.assertEqual((one_by_one.shape, one_by_one.dtype), ((300, 1), np.float32))
            np.testing.assert_array_equal(one_by_one, r.act)
            np.testing.assert_allclose(policy(r.obs), r.act, rtol=1e-5, atol=1e-6)
            with self.assertRaisesRegex(rlc.InvalidArgument, "expected observations of 3 values each"):
                policy(np.zeros((2, 4)))
            with self.assertRaisesRegex(rlc.InvalidArgument, re.escape("obs[1, 2] = nan")):
                policy(np.array([[0, 0, 0], [0, 0, np.nan]]))


class ImageEncoder(unittest.TestCase):
    def test_cnn_policy_from_a_dict(self):
        """A DQN with an image encoder given as a list of layers in a dict (a string with commas,
        hidden: []) trains, acts as `rlc rollout --policy` does and evaluates; a bad encoder is
        refused with rlc's message before anything is written."""
        cfg = {"algo": "dqn", "seed": 2, "total_steps": 3000,
               "env": {"id": "MinAtar/Asterix-v1", "num_envs": 1},
               "network": {"encoder": "8 3x3/1 p1, 4 3x3/2, dense 32", "hidden": [], "activation": "relu"},
               "dqn": {"learning_starts": 500, "buffer_size": 3000, "batch_size": 32, "train_frequency": 1},
               "log": {"eval_interval": 0, "eval_episodes": 2, "checkpoint_interval": 0}}
        with tempfile.TemporaryDirectory() as d:
            res = rlc.train(cfg, run_dir=os.path.join(d, "run"))
            policy = rlc.load_policy(res.run_dir)
            self.assertIn("8 3x3/1 p1, 4 3x3/2, dense 32", policy.config)
            r = rollout("MinAtar/Asterix-v1", 4, 200, 400, 1, "--policy", res.run_dir)
            np.testing.assert_array_equal(policy(r.obs), r.act[:, 0].astype(np.int64))
            self.assertEqual(rlc.evaluate(res.run_dir, episodes=2).episodes, 2)
            bad = dict(cfg, network=dict(cfg["network"], encoder="atari"))
            with self.assertRaisesRegex(rlc.ConfigError, "network.encoder: unknown preset or bad layer 'atari'"):
                rlc.train(bad, run_dir=os.path.join(d, "bad"))
            self.assertFalse(os.path.exists(os.path.join(d, "bad")), "nothing may be written")


class Errors(unittest.TestCase):
    def test_config_errors_carry_rlcs_message(self):
        """A bad key in a dict raises the message `rlc train` prints for the same YAML."""
        bad = dict(CARTPOLE, ppo=dict(CARTPOLE["ppo"], learning_rat=1e-3))
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(rlc.ConfigError) as cm:
                rlc.train(bad, run_dir=os.path.join(d, "run"))
            self.assertFalse(os.path.exists(os.path.join(d, "run")), "nothing may be written")
            path = os.path.join(d, "dict")
            with open(path, "w") as f:
                f.write(rlc.training.config_to_yaml(bad) + "\n")
            cli = run_rlc("train", path, "--run-dir", os.path.join(d, "cli"), check=False)
        self.assertNotEqual(cli.returncode, 0)
        self.assertIn("learning_rat", str(cm.exception))
        self.assertIn(str(cm.exception).replace("dict:", path + ":"), cli.stderr)

    def test_override_and_argument_errors(self):
        with self.assertRaisesRegex(rlc.ConfigError, "ppo.gamma"):
            rlc.resolve_config(CARTPOLE, overrides={"ppo.gamma": 7})
        with self.assertRaisesRegex(rlc.RlcError, "no/such.yaml"):
            rlc.train("no/such.yaml", run_dir="never-written")
        with self.assertRaisesRegex(rlc.RlcError, "no/such/run"):
            rlc.load_policy("no/such/run")
        with self.assertRaisesRegex(rlc.InvalidArgument, "cannot express"):
            rlc.resolve_config({"seed": object()})
        self.assertFalse(os.path.exists("never-written"))

    def test_overrides_apply(self):
        text = rlc.resolve_config(CARTPOLE, overrides={"ppo.learning_rate": 1e-3, "env.id": "Acrobot-v1"})
        self.assertRegex(text, r"learning_rate: 0?\.?0*1e-0?3|learning_rate: 0\.001")
        self.assertIn('id: "Acrobot-v1"', text)
        self.assertIn("seed: 9", rlc.resolve_config(CARTPOLE, overrides=["seed=9"]))


class Resume(unittest.TestCase):
    def test_resume_continues_the_run(self):
        small = dict(CARTPOLE, total_steps=8192, log=dict(CARTPOLE["log"], log_interval=2048,
                                                           eval_episodes=2))
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(rlc.train(small, run_dir=d).steps, 8192)
            r = rlc.train(run_dir=d, resume=True, overrides={"total_steps": 16384})
            self.assertEqual((r.steps, r.run_dir), (16384, d))
            with open(os.path.join(d, "metrics.csv")) as f:
                steps = [int(float(l.split(",")[0])) for l in f.readlines()[1:]]
            self.assertEqual(steps[-1], 16384)
            self.assertIn(8192, steps)
        with self.assertRaisesRegex(rlc.InvalidArgument, "resume: expected the run directory"):
            rlc.train(resume=True)


class GemmTable(unittest.TestCase):
    """rlc.train picks the GEMM dispatch table as `rlc train` does (`rlc calibrate`'s cache for a
    new run): the same config gives the same run from Python and from the command line, and the
    run directory keeps the table. The cache is a temporary XDG_CACHE_HOME, never ~/.cache."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "RLC_GEMM")}
        os.environ["XDG_CACHE_HOME"] = os.path.join(self.tmp.name, "cache")
        os.environ.pop("RLC_GEMM", None)

    def tearDown(self):
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self.tmp.cleanup()

    def read(self, *parts):
        with open(os.path.join(*parts), "rb") as f:
            return f.read()

    def test_python_and_cli_runs_use_the_cache_alike(self):
        out = run_rlc("calibrate", os.path.join(SOURCE_DIR, "configs/ppo_cartpole.yaml"), "--rounds", "1").stdout
        cache = re.search(r"written to (\S+)", out).group(1)
        config = dict(CARTPOLE, total_steps=2048,
                      log=dict(CARTPOLE["log"], log_interval=512, eval_interval=1024, eval_episodes=2))
        cli_dir, py_dir = (os.path.join(self.tmp.name, d) for d in ("cli", "py"))
        rlc.train(config, run_dir=py_dir)
        path = os.path.join(self.tmp.name, "cartpole.yaml")
        with open(path, "w") as f:   # the dict as the YAML file the command line reads
            f.write(rlc.resolve_config(config))
        run_rlc("train", path, "--quiet", "--run-dir", cli_dir)
        self.assertEqual(self.read(py_dir, "gemm_table.txt"), self.read(cache),
                         "the Python run keeps the cache's table in its run directory")
        for name in ("gemm_table.txt", "metrics.csv", "eval.csv"):
            self.assertEqual(self.read(py_dir, name), self.read(cli_dir, name), f"{name} differs")
        # after the run, the process is back on the fixed rule: with RLC_GEMM=rule no table is kept
        os.environ["RLC_GEMM"] = "rule"
        rlc.train(config, run_dir=os.path.join(self.tmp.name, "rule"))
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "rule", "gemm_table.txt")))


class Losses(unittest.TestCase):
    def test_registry_as_rlc_losses_lists_it(self):
        out = run_rlc("losses").stdout.splitlines()
        names = [l.split()[0] for l in out[2:] if l and not l.startswith(" ")]
        self.assertEqual([l.name for l in rlc.losses], names)
        huber = {l.name: l for l in rlc.losses}["huber"]
        self.assertEqual(huber.kind, "regression")
        self.assertEqual([p.name for p in huber.params], ["delta"])


if __name__ == "__main__":
    unittest.main()
