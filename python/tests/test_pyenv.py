"""rlc python tests: environments written in Python (rlc.train(env=...), python/rlc/pyenv.py):
the bridge steps a Gymnasium-style class, factory or instance like rlc's own environments, PPO
learns the pure-Python CartPole, bad returns and exceptions come back as clear Python errors with
the run's checkpoint kept, checkpoints load in a fresh process, rlc eval refuses them clearly,
make_gymnasium_vec says how to get gymnasium and works with it."""
import functools
import os
import subprocess
import sys
import tempfile
import threading
import traceback
import types
import unittest

import numpy as np

import rlc
from pyenvs import CartPole, Pointer, WrongActionSpace, cartpole_factory, random_return
from support import run_rlc

HERE = os.path.dirname(os.path.abspath(__file__))

PPO = {
    "algo": "ppo", "seed": 1, "total_steps": 60000,
    "env": {"id": "CartPole-v1", "num_envs": 4, "max_episode_steps": 500},
    "network": {"hidden": [64, 64], "activation": "tanh"},
    "ppo": {"learning_rate": 2.5e-4, "anneal_lr": True, "num_steps": 128, "update_epochs": 4,
            "num_minibatches": 4, "gamma": 0.99, "gae_lambda": 0.95, "norm_adv": True,
            "ent_coef": 0.01, "vf_coef": 0.5, "max_grad_norm": 0.5},
    "log": {"log_interval": 10000, "eval_interval": 0, "eval_episodes": 10, "checkpoint_interval": 0},
}
SMALL = dict(PPO, total_steps=4096, env=dict(PPO["env"], num_envs=2),
             ppo=dict(PPO["ppo"], num_steps=64), log=dict(PPO["log"], log_interval=1024, eval_episodes=2,
                                                          checkpoint_interval=1024))


class Bridge(unittest.TestCase):
    def test_class_factory_and_instance(self):
        for source in (CartPole, cartpole_factory, CartPole()):
            with rlc.make_vec(source, 3, seed=5, max_episode_steps=500) as v:
                self.assertTrue(v.env_id.startswith("python:"), v.env_id)
                self.assertEqual(v.single_observation_space.shape, (4,))
                self.assertEqual(v.single_action_space, rlc.Discrete(2))
                obs, _ = v.reset()
                self.assertEqual((obs.shape, obs.dtype), ((3, 4), np.float32))
                self.assertTrue(np.all(np.abs(obs) <= 0.05))
                obs, rew, term, trunc, _ = v.step(np.array([0, 1, 1]))
                np.testing.assert_array_equal(rew, [1, 1, 1])

    def test_same_seed_same_trajectory(self):
        def run():
            with rlc.make_vec(CartPole, 4, seed=11, max_episode_steps=500) as v:
                rows, (obs, _) = [], v.reset()
                rng = np.random.default_rng(0)
                for _ in range(300):
                    obs, r, te, tr, _ = v.step(rng.integers(0, 2, size=4))
                    rows.append(obs)
                return np.stack(rows)
        np.testing.assert_array_equal(run(), run())

    def test_termination_and_truncation_stay_apart(self):
        """CartPole's pole falling is a termination; Pointer never ends, so its episodes end by
        rlc's time limit: truncated, with the final observation kept."""
        with rlc.make_vec(CartPole, 2, seed=0, max_episode_steps=500) as v:
            v.reset()
            for _ in range(200):   # always push right: the pole falls within a few dozen steps
                _, _, term, trunc, info = v.step(np.ones(2, dtype=np.int64))
                if term.any():
                    break
            self.assertTrue(term.any() and not trunc.any())
            self.assertIsNotNone(info["final_obs"][np.flatnonzero(term)[0]])
        with rlc.make_vec(Pointer, 2, seed=0, max_episode_steps=7) as v:
            v.reset()
            for k in range(7):
                obs, _, term, trunc, info = v.step(np.zeros((2, 1), dtype=np.float32))
            self.assertFalse(term.any())
            self.assertTrue(trunc.all())
            self.assertEqual(list(info["final_info"]["episode"]["l"]), [7, 7])

    def test_one_crossing_per_vector_step(self):
        """A vector step crosses into Python once (one step callback for every copy), on the
        calling thread even when more threads are asked for."""
        seen, crossings = [], []

        class Spy(CartPole):
            def step(self, action):
                seen.append(threading.get_ident())
                return super().step(action)
        original = rlc.pyenv._Binding.step

        def counted(self, n, *args):
            crossings.append(n)
            return original(self, n, *args)
        rlc.pyenv._Binding.step = counted
        try:
            with rlc.make_vec(Spy, 4, seed=0, threads=4, max_episode_steps=500) as v:
                v.reset()
                for _ in range(3):
                    v.step(np.zeros(4, dtype=np.int64))
        finally:
            rlc.pyenv._Binding.step = original
        self.assertEqual(crossings, [4, 4, 4])
        self.assertEqual(len(seen), 12)
        self.assertEqual(set(seen), {threading.get_ident()}, "a Python environment is stepped on one thread")

    def test_uncopyable_instance(self):
        """An instance serves one copy; more copies are deep copies, and an instance that cannot
        be copied is refused with what to pass instead."""
        env = CartPole()
        env.lock = threading.Lock()
        with rlc.make_vec(env, 1, max_episode_steps=500) as v:
            v.reset()
        with self.assertRaisesRegex(rlc.EnvError, "pass the class or a factory"):
            rlc.make_vec(env, 2, max_episode_steps=500)

    def test_spaces_refused(self):
        with self.assertRaisesRegex(rlc.EnvError, r"action_space is Text\(\): rlc takes Box and Discrete"):
            rlc.make_vec(WrongActionSpace, 1)

        class IntActions(Pointer):
            def __init__(self):
                super().__init__()
                self.action_space.dtype = np.dtype(np.int64)
        with self.assertRaisesRegex(rlc.EnvError, "IntActions.*action_space.*dtype int64"):
            rlc.make_vec(IntActions, 1)

    def test_rendering(self):
        with rlc.make_vec(functools.partial(CartPole, render_mode="rgb_array"), 2, seed=0,
                          max_episode_steps=500, render_mode="rgb_array") as v:
            v.reset()
            frames = v.render()
            self.assertEqual([f.shape for f in frames], [(40, 60, 3)] * 2)
            self.assertIn([0, 0, 0], frames[0][39, 28:31].tolist())   # the cart, near the middle
            self.assertEqual(v.metadata["render_fps"], 50)


class BadReturns(unittest.TestCase):
    """Each bad value raises EnvError naming the environment, the method and the field."""

    CASES = {
        "shape": r"an observation of shape \(3,\), expected \(2,\)",
        "nan_obs": r"an observation with observation\[1\] = nan: expected finite numbers",
        "nan_reward": r"the reward nan \(float\): expected a finite number",
        "dtype": r"an observation of dtype <U1 .*expected numbers",
        "reward_type": r"the reward '1.0' \(str\): expected a finite number",
        "flag_type": r"terminated = 0 \(int\): expected a bool",
        "four_values": r"4 values: expected \(obs, reward, terminated, truncated, info\)",
    }

    def test_bad_returns_in_training(self):
        for bad, pattern in self.CASES.items():
            with self.subTest(bad=bad), tempfile.TemporaryDirectory() as d:
                env_id = f"Bad-{bad}"
                with self.assertRaisesRegex(rlc.EnvError, f"environment 'python:{env_id}' \\(Pointer\\): step\\(\\) of copy 0 returned {pattern}"):
                    rlc.train(SMALL, run_dir=d, env=functools.partial(Pointer, bad=bad), env_id=env_id)

    def test_bad_returns_in_a_vector_env(self):
        with rlc.make_vec(functools.partial(Pointer, bad="nan_obs"), 2, seed=0) as v:
            v.reset()
            with self.assertRaisesRegex(rlc.EnvError, r"observation\[1\] = nan"):
                v.step(np.zeros((2, 1), dtype=np.float32))
            with self.assertRaisesRegex(rlc.RlcError, r"step failed"):   # stays failed
                v.step(np.zeros((2, 1), dtype=np.float32))


class Exceptions(unittest.TestCase):
    def test_exception_comes_back_with_its_traceback_and_the_checkpoint_stays(self):
        with tempfile.TemporaryDirectory() as d:
            try:   # (assertRaises drops the traceback)
                rlc.train(SMALL, run_dir=d, env=lambda: Pointer(fail_after=1500), env_id="Failing")
                self.fail("the environment's KeyError was not raised")
            except KeyError as e:
                raised = e
            frames = traceback.extract_tb(raised.__traceback__)
            self.assertIn(("pyenvs.py", "step"), [(os.path.basename(f.filename), f.name) for f in frames])
            note = "\n".join(getattr(raised, "__notes__", [])) or str(raised.__cause__)
            self.assertRegex(note, r"environment 'python:Failing': step failed: KeyError")
            self.assertRegex(note, r"training stopped at step (\d+)")
            stopped = int(note.split("training stopped at step ")[1].split(",")[0])
            self.assertTrue(3000 <= stopped < 4096, stopped)
            ckpt = os.path.join(d, "checkpoint.safetensors")
            self.assertTrue(os.path.isfile(ckpt))
            policy = rlc.load_policy(d)
            self.assertEqual(policy.env_id, "python:Failing")
            # the run continues from its checkpoint once the environment is fixed
            r = rlc.train(run_dir=d, resume=True, env=Pointer, env_id="Failing")
            self.assertEqual(r.steps, 4096)

    def test_exception_in_reset_and_in_evaluation(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(RuntimeError, "reset exploded"):
                rlc.train(SMALL, run_dir=d, env=functools.partial(Pointer, bad="reset_raises"), env_id="BadReset")
            r = rlc.train(SMALL, run_dir=os.path.join(d, "ok"), env=Pointer, env_id="Evaluated")
            with self.assertRaisesRegex(KeyError, "lost its state"):
                rlc.evaluate(r.run_dir, episodes=2, env=lambda: Pointer(fail_after=3))
            self.assertEqual(rlc.evaluate(r.run_dir, episodes=2, env=Pointer).episodes, 2)

    def test_exception_in_constructor(self):
        def broken():
            raise OSError("no display")
        with self.assertRaisesRegex(OSError, "no display"):
            rlc.make_vec(broken, 1)


class Learning(unittest.TestCase):
    def test_ppo_learns_python_cartpole(self):
        """A random policy scores about 22 on CartPole; PPO through the bridge reaches several
        times that within 60k steps on most seeds (a majority of three, each source kind once)."""
        rand = random_return()
        sources = {1: CartPole, 2: cartpole_factory, 3: CartPole()}
        evals = []
        with tempfile.TemporaryDirectory() as d:
            for seed, source in sources.items():
                r = rlc.train(PPO, run_dir=os.path.join(d, str(seed)), seed=seed, env=source,
                              env_id="LearnCartPole")
                self.assertEqual(r.steps, 60000)
                evals.append(r.eval_mean)
            self.assertGreaterEqual(sum(e >= 5 * rand for e in evals), 2, f"evaluations {evals}, random {rand}")
            best = os.path.join(d, str(1 + int(np.argmax(evals))))
            self.assertGreaterEqual(rlc.evaluate(best, episodes=5, env=CartPole).mean, 5 * rand)

    def test_same_seed_same_run(self):
        with tempfile.TemporaryDirectory() as d:
            for k in (1, 2):
                rlc.train(SMALL, run_dir=os.path.join(d, str(k)), env=CartPole, env_id="Determinism")
            with open(os.path.join(d, "1", "metrics.csv")) as a, open(os.path.join(d, "2", "metrics.csv")) as b:
                self.assertEqual(a.read(), b.read())


class FreshProcess(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.trained = rlc.train(SMALL, run_dir=os.path.join(cls.tmp.name, "run"), env=CartPole,
                            env_id="Fresh").run_dir

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_load_policy_in_a_new_process(self):
        code = (
            "import numpy as np, rlc\n"
            f"p = rlc.load_policy({self.trained!r})\n"
            "print(p.env_id, p(np.zeros(4, np.float32)))\n"
            "try:\n"
            "    p.evaluate(2)\n"
            "except rlc.RlcError as e:\n"
            "    print('ERROR', e)\n"
            "try:\n"
            f"    rlc.train(run_dir={self.trained!r}, resume=True)\n"
            "except rlc.InvalidArgument as e:\n"
            "    print('RESUME', e)\n"
            "from pyenvs import CartPole\n"
            "print('EVAL', rlc.evaluate(p, episodes=2, env=CartPole).episodes)\n")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.environ.get("PYTHONPATH", ""), HERE]))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, r"python:Fresh [01]\n")
        self.assertIn("evaluate it from Python with rlc.evaluate(policy, env=...)", out.stdout)
        self.assertIn("EVAL 2", out.stdout)
        self.assertIn("the run trained on the Python environment 'python:Fresh': pass it again as env=", out.stdout)

    def test_rlc_eval_refuses_clearly(self):
        cases = {("eval", self.trained): "evaluate it from Python with rlc.evaluate(policy, env=...)",
                 ("rollout", "--policy", self.trained, "--steps", "5"): "rlc.evaluate(policy, env=...)",
                 ("record", self.trained): "film it from Python with rlc.record(run, env=...)",
                 ("train", "--resume", self.trained): "resume it from Python with rlc.train(run_dir=..., resume=True"}
        for args, advice in cases.items():
            p = run_rlc(*args, check=False)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("'python:Fresh', an environment written in Python", p.stderr)
            self.assertIn(advice, p.stderr)


class Record(unittest.TestCase):
    def test_record_films_a_python_environment(self):
        """rlc.record renders the Python environment's rgb_array frames (a class is made with
        render_mode="rgb_array") into a video, one frame per state, as rlc record does."""
        with tempfile.TemporaryDirectory() as d:
            run = rlc.train(SMALL, run_dir=os.path.join(d, "run"), env=CartPole, env_id="Filmed").run_dir
            out = os.path.join(d, "film.gif")
            res = rlc.record(run, out=out, episodes=2, env=CartPole)
            self.assertEqual(res.path, out)
            self.assertGreater(os.path.getsize(out), 0)
            self.assertEqual(res.frames, res.return_mean * 2 + 2, "CartPole's return is its length")

            class NoRender(CartPole):
                def __init__(self, render_mode=None):
                    super().__init__(None)
            with self.assertRaisesRegex(rlc.RlcError, "render"):
                rlc.record(run, out=os.path.join(d, "none.gif"), env=NoRender)
            self.assertFalse(os.path.exists(os.path.join(d, "none.gif")))


class Gymnasium(unittest.TestCase):
    def test_without_gymnasium_the_message_says_how_to_get_it(self):
        saved = sys.modules.get("gymnasium")
        sys.modules["gymnasium"] = None   # import gymnasium now fails as when it is not installed
        sys.modules.pop("rlc.gymnasium_adapter", None)
        try:
            with self.assertRaisesRegex(ImportError, r"pip install gymnasium"):
                rlc.make_gymnasium_vec(CartPole, 2)
        finally:
            sys.modules.pop("gymnasium")
            if saved is not None:
                sys.modules["gymnasium"] = saved

    def test_adapter_with_a_stand_in_gymnasium(self):
        """make_gymnasium_vec over a minimal stand-in of the gymnasium module (the real one is not
        a Debian package): its spaces and VectorEnv base, and the Python CartPole behind it."""
        class Batched:
            def __init__(self, space, n):
                self.space, self.n = space, n

            def seed(self, seed):
                self.seeded = seed

        gym = types.ModuleType("gymnasium")
        gym.spaces = types.SimpleNamespace(
            Discrete=lambda n: ("Discrete", n),
            Box=lambda low, high, shape, dtype: ("Box", shape))
        gym.vector = types.SimpleNamespace(VectorEnv=object,
                                           utils=types.SimpleNamespace(batch_space=Batched))
        saved = sys.modules.get("gymnasium")
        sys.modules["gymnasium"] = gym
        sys.modules.pop("rlc.gymnasium_adapter", None)
        try:
            envs = rlc.make_gymnasium_vec(CartPole, 2, seed=3, max_episode_steps=500)
            self.assertEqual(envs.single_action_space, ("Discrete", 2))
            self.assertEqual((envs.observation_space.space, envs.observation_space.n), (("Box", (4,)), 2))
            self.assertEqual(envs.metadata["autoreset_mode"], "SameStep")
            obs, _ = envs.reset(seed=3)
            obs, rew, term, trunc, _ = envs.step([0, 1])
            self.assertEqual(obs.shape, (2, 4))
            np.testing.assert_array_equal(rew, [1, 1])
            envs.close()
        finally:
            sys.modules.pop("gymnasium")
            sys.modules.pop("rlc.gymnasium_adapter", None)
            if saved is not None:
                sys.modules["gymnasium"] = saved


class Process(unittest.TestCase):
    """what a whole Python process sees: its exit and its global symbol scope"""

    def _run(self, code):
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))

    def test_exit_with_a_python_environment_still_open(self):
        # the vector env is never closed: its handle is freed at interpreter exit, after the
        # package's module globals (which held the callbacks' thunks) are gone (it crashed: rc 139)
        code = ("import numpy as np, rlc\n"
                "class Img:\n"
                "    def __init__(self):\n"
                "        self.observation_space = rlc.Box(0, 255, (4, 4, 2), np.uint8)\n"
                "        self.action_space = rlc.Discrete(2)\n"
                "    def reset(self, seed=None, options=None):\n"
                "        return np.zeros((4, 4, 2), np.uint8), {}\n"
                "    def step(self, a):\n"
                "        return np.ones((4, 4, 2), np.uint8), 1.0, False, False, {}\n"
                "v = rlc.make_vec(Img, 2, seed=1)\n"
                "v.reset()\n"
                "v.step(np.array([0, 1]))\n"
                "print('stepped')\n")
        out = self._run(code)
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "stepped"), out.stderr)

    def test_librlc_box2d_stays_out_of_the_global_scope(self):
        # with librlc loaded RTLD_GLOBAL, the Box2D it links took the place of pybox2d's in
        # gymnasium[box2d]'s LunarLander (a crash in CreateFixture at its first reset)
        if "LunarLander-v3" not in rlc.env_ids():
            self.skipTest("this build has no Box2D")
        code = ("import ctypes, rlc\n"
                "with rlc.make_vec('LunarLander-v3', 1, seed=1) as v:\n"
                "    v.reset()\n"
                "print(hasattr(ctypes.CDLL(None), 'b2_version'), hasattr(ctypes.CDLL(None), 'env_register'))\n")
        out = self._run(code)
        self.assertEqual((out.returncode, out.stdout.split()), (0, ["False", "False"]), out.stderr)


if __name__ == "__main__":
    unittest.main()
