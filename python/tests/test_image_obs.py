"""rlc python tests: image observation spaces have Gymnasium's shape and dtype. MinAtar's
Breakout-v1 (10 x 10 x 4 bool) and CarRacing-v3 (96 x 96 x 3 uint8, when Box2D is built) appear in
rlc.env_spaces and make_vec as Box(low, high, (H, W, C), dtype); reset and step observations and
infos["final_obs"] entries are (num_envs, H, W, C) arrays of that dtype holding rlc's flat rows
reshaped (a Python environment's uint8 image Box too: its values pass through rlc's flat rows in
numpy's C order, test_pyenv_image.py); rlc.Policy (a Breakout run, and a CartPole run observed
through env.pixels) gives the same space and acts on shaped images as on flat rows, and names the
argument and the shape it expected for a wrong one; scripts/rlc_policy.py takes the shaped images
too."""
import importlib.util
import os
import tempfile
import unittest

import numpy as np

import rlc
from support import SOURCE_DIR

BREAKOUT = "MinAtar/Breakout-v1"
LOG = {"eval_interval": 0, "eval_episodes": 1, "checkpoint_interval": 0, "progress": False}
# a few hundred steps: the weights only have to exist (the actions are compared, not judged)
PPO = {"algo": "ppo", "total_steps": 256, "env": {"id": BREAKOUT, "num_envs": 2},
       "network": {"hidden": [16], "activation": "relu", "encoder": "4 3x3/1, dense 16"},
       "ppo": {"num_steps": 64, "num_minibatches": 2, "update_epochs": 1}, "log": LOG}


def load_rlc_policy():
    spec = importlib.util.spec_from_file_location("rlc_policy", os.path.join(SOURCE_DIR, "scripts", "rlc_policy.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Spaces(unittest.TestCase):
    def test_breakout_is_a_bool_image(self):
        obs, act, _, _ = rlc.env_spaces(BREAKOUT)
        self.assertIsInstance(obs, rlc.Box)
        self.assertEqual((obs.shape, obs.dtype), ((10, 10, 4), np.bool_))
        self.assertTrue((obs.low == 0).all() and (obs.high == 1).all())
        obs.seed(0)
        x = obs.sample()
        self.assertEqual((x.shape, x.dtype), ((10, 10, 4), np.bool_))
        self.assertTrue(0.3 < x.mean() < 0.7, "fair bits (400 of them), not a float cast to bool")
        self.assertTrue(obs.contains(x))
        self.assertEqual(act, rlc.Discrete(3))

    def test_vector_observations_are_images(self):
        """the shaped arrays are the C side's flat rows reshaped, in reset, step and final_obs"""
        with rlc.make_vec(BREAKOUT, 3, seed=0, max_episode_steps=6) as v:
            self.assertEqual((v.single_observation_space.shape, v.single_observation_space.dtype),
                             ((10, 10, 4), np.bool_))
            self.assertEqual((v.observation_space.shape, v.observation_space.dtype), ((3, 10, 10, 4), np.bool_))
            o, _ = v.reset()
            self.assertEqual((o.shape, o.dtype), ((3, 10, 10, 4), np.bool_))
            np.testing.assert_array_equal(o, v._obs.reshape(3, 10, 10, 4) != 0)   # rlc's own buffer
            self.assertTrue(o.any(), "the paddle, ball and bricks are drawn")
            trunc = np.zeros(3, bool)
            for _ in range(6):
                o, _, term, trunc, infos = v.step(np.ones(3, dtype=np.int64))
                self.assertEqual((o.shape, o.dtype), ((3, 10, 10, 4), np.bool_))
                np.testing.assert_array_equal(o, v._obs.reshape(3, 10, 10, 4) != 0)
            self.assertTrue((term | trunc).all(), "the 6-step limit ends every episode")
            for i in range(3):
                f = infos["final_obs"][i]
                self.assertEqual((f.shape, f.dtype), ((10, 10, 4), np.bool_))
                np.testing.assert_array_equal(f, v._final_obs[i].reshape(10, 10, 4) != 0)

    def test_copy_false_still_gives_images(self):
        with rlc.make_vec(BREAKOUT, 2, seed=0, copy=False) as v:
            o, _ = v.reset()
            self.assertEqual((o.shape, o.dtype), ((2, 10, 10, 4), np.bool_))
            before = o.copy()
            for _ in range(3):   # a bool image is converted from rlc's floats: the steps leave it as it was
                v.step(np.ones(2, dtype=np.int64))
            np.testing.assert_array_equal(o, before)
            self.assertFalse(np.array_equal(v._obs.reshape(2, 10, 10, 4) != 0, before), "the view moved on")

    @unittest.skipUnless("CarRacing-v3" in rlc.env_ids(), "built without Box2D")
    def test_car_racing_is_a_uint8_image(self):
        obs, _, _, _ = rlc.env_spaces("CarRacing-v3")
        self.assertEqual((obs.shape, obs.dtype, int(obs.high.max())), ((96, 96, 3), np.uint8, 255))
        with rlc.make_vec("CarRacing-v3", 1, seed=0) as v:
            o, _ = v.reset()
            self.assertEqual((o.shape, o.dtype), ((1, 96, 96, 3), np.uint8))
            np.testing.assert_array_equal(o, v._obs.reshape(1, 96, 96, 3).astype(np.uint8))
            self.assertTrue(np.array_equal(o.astype(np.float32).reshape(1, -1), v._obs), "integers, exactly")
            self.assertGreater(len(np.unique(o)), 2, "a drawn frame")

    def test_vector_observations_stay_flat(self):
        obs, *_ = rlc.env_spaces("CartPole-v1")
        self.assertEqual((obs.shape, obs.dtype), ((4,), np.float32))


class PyImage:
    """a Python environment declaring a (4, 4, 2) uint8 image Box (Gymnasium's spaces.Box)"""

    def __init__(self):
        self.observation_space = rlc.Box(0, 255, (4, 4, 2), np.uint8)
        self.action_space = rlc.Discrete(2)

    def reset(self, seed=None, options=None):
        self.t = 0
        return np.arange(32, dtype=np.uint8).reshape(4, 4, 2), {}

    def step(self, a):
        self.t += 1
        return np.arange(32, dtype=np.uint8).reshape(4, 4, 2) + self.t, 0.0, False, self.t >= 2, {}


class PythonEnv(unittest.TestCase):
    def test_a_python_image_box_is_an_image_in_c_order(self):
        """an image space as a built-in one's, its values through the flat rows in numpy's C order
        (value (y, x, c) at (y * 4 + x) * 2 + c), as docs/python-envs.md says; its final_obs too"""
        with rlc.make_vec(PyImage, 2, seed=0) as v:
            self.assertEqual((v.single_observation_space.shape, v.single_observation_space.dtype), ((4, 4, 2), np.uint8))
            o, _ = v.reset()
            np.testing.assert_array_equal(o, np.tile(np.arange(32, dtype=np.uint8).reshape(4, 4, 2), (2, 1, 1, 1)))
            np.testing.assert_array_equal(v._obs, np.tile(np.arange(32, dtype=np.float32), (2, 1)))
            v.step(np.zeros(2, dtype=np.int64))
            o, _, _, trunc, infos = v.step(np.zeros(2, dtype=np.int64))
            self.assertTrue(trunc.all())
            np.testing.assert_array_equal(infos["final_obs"][1], np.arange(32, dtype=np.uint8).reshape(4, 4, 2) + 2)


class Policies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.breakout = os.path.join(cls.tmp.name, "breakout")
        rlc.train(PPO, run_dir=cls.breakout, seed=1)
        cls.pixels = os.path.join(cls.tmp.name, "pixels")
        rlc.train(dict(PPO, env={"id": "CartPole-v1", "num_envs": 2, "pixels": True, "pixels_width": 16,
                                 "pixels_height": 16, "pixels_grayscale": True, "frame_stack": 2}),
                  run_dir=cls.pixels, seed=1)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def observations(self, n):
        with rlc.make_vec(BREAKOUT, n, seed=5) as v:
            o, _ = v.reset()
            for _ in range(3):
                o, *_ = v.step(np.array([1, 2, 0, 1][:n]))
            return o

    def test_policy_space_and_shaped_observations(self):
        p = rlc.load_policy(self.breakout)
        self.assertEqual((p.observation_space.shape, p.observation_space.dtype), ((10, 10, 4), np.bool_))
        o = self.observations(4)
        flat = o.reshape(4, -1).astype(np.float32)
        a = p.act(o)
        self.assertEqual((a.shape, a.dtype), ((4,), np.int64))
        np.testing.assert_array_equal(a, p.act(flat))   # flat rows are still taken
        self.assertEqual(p(o[2]), a[2])
        self.assertEqual(p.act(o.reshape(2, 2, 10, 10, 4)).shape, (2, 2))
        with self.assertRaisesRegex(rlc.InvalidArgument, r"obs of shape \(4, 10, 10\): expected an image of shape "
                                    r"\(10, 10, 4\)"):
            p.act(o[..., 0])
        with self.assertRaisesRegex(rlc.InvalidArgument, "obs of dtype <U1"):
            p.act(np.full((10, 10, 4), "a"))

    def test_pixels_policy_takes_its_frames(self):
        """a run with env.pixels and env.frame_stack: the policy's space is the wrapped frames"""
        p = rlc.load_policy(self.pixels)
        sp = p.observation_space
        self.assertEqual((sp.shape, sp.dtype, int(sp.high.max())), ((16, 16, 2), np.uint8, 255))
        frames = np.random.default_rng(0).integers(0, 256, (5, 16, 16, 2)).astype(np.uint8)
        a = p.act(frames)
        self.assertEqual(a.shape, (5,))
        np.testing.assert_array_equal(a, p.act(frames.reshape(5, -1)))

    def test_rlc_policy_script_takes_images(self):
        rp = load_rlc_policy().load(self.breakout)
        o = self.observations(4)
        np.testing.assert_array_equal(rp.act(o), rlc.load_policy(self.breakout).act(o))
        self.assertEqual(rp.act(o[1]), rp.act(o[1].reshape(-1)))
        with self.assertRaisesRegex(ValueError, r"shape \(4, 10, 10\)"):
            rp.act(o[..., 0])


if __name__ == "__main__":
    unittest.main()
