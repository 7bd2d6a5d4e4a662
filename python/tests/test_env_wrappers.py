"""rlc python tests: rlc.make_vec's observation wrappers (pixels, frame_skip, resize, grayscale,
frame_stack, mask_velocity: a config's env keys) give the observations the same config gives the
rlc program, byte for byte -- RL Zoo's CarRacing-v3 chain (frame_skip 2, resize 64 x 64, grayscale,
frame_stack 2, a 40-frame limit) against `rlc rollout` of a run trained (a few steps) on that
config, and against the plain environment's frames preprocessed the documented way (each action
twice, 2 x 2 INTER_AREA means, ITU-R 601 luma, two frames stacked); CartPole-v1 through env.pixels
against its rendered frames. The VecEnv's spaces are the wrapped ones (shape, dtype, time limit),
rlc.check_env checks the wrapped environment, and bad values raise rlc.InvalidArgument naming the
key and what was expected."""
import os
import tempfile
import unittest

import numpy as np

import rlc
from support import rollout

CAR = "CarRacing-v3"
HAVE_CAR = CAR in rlc.env_ids()
ZOO = dict(frame_skip=2, resize=(64, 64), grayscale=True, frame_stack=2)   # configs/zoo/ppo_carracing_v3.yaml


def luma(rgb):
    """ITU-R 601 luma of uint8 RGB (..., 3) as env.pixels_grayscale and env.grayscale document it"""
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    return ((r * 4899 + g * 9617 + b * 1868 + (1 << 13)) >> 14).astype(np.uint8)[..., None]


def halve(img):
    """INTER_AREA at a 2 x 2 scale (OpenCV's fast path): (sum of the four + 2) >> 2 per channel"""
    h, w, c = img.shape
    s = img.astype(np.uint32).reshape(h // 2, 2, w // 2, 2, c).sum(axis=(1, 3))
    return ((s + 2) >> 2).astype(np.uint8)


class SameAsTheProgram(unittest.TestCase):
    @unittest.skipUnless(HAVE_CAR, "this build has no Box2D")
    def test_rl_zoo_carracing_equals_rlc_rollout_of_the_config(self):
        """The zoo config's env section through `rlc train` and `rlc rollout --policy` (the C path):
        make_vec with the same keywords, stepped with the rollout's actions from the same seed, gives
        its observations, rewards and ends, across a truncation (40 frames = 20 agent steps) and the
        reset after it (the stack refilled with the new first frame)."""
        env = {"id": CAR, "num_envs": 1, "max_episode_steps": 40, "frame_skip": 2, "resize": [64, 64],
               "grayscale": True, "frame_stack": 2}
        cfg = {"algo": "ppo", "total_steps": 16, "env": env,
               "network": {"hidden": [8], "activation": "relu", "encoder": "4 8x8/4, dense 8"},
               "ppo": {"num_steps": 16, "num_minibatches": 1, "update_epochs": 1},
               "log": {"eval_interval": 0, "eval_episodes": 1, "checkpoint_interval": 0, "progress": False,
                       "tensorboard": False}}
        with tempfile.TemporaryDirectory() as d:
            run = rlc.train(cfg, run_dir=os.path.join(d, "run")).run_dir
            r = rollout(CAR, 5, 26, 64 * 64 * 2, 3, "--policy", run)
        self.assertTrue(r.truncated[19] and not r.truncated[:19].any() and not r.terminated.any(),
                        "the 40-frame limit truncates at agent step 20")
        with rlc.make_vec(CAR, 1, seed=5, max_episode_steps=40, **ZOO) as v:
            self.assertEqual(v.max_episode_steps, 20)
            obs, _ = v.reset()
            for t in range(len(r.reward)):
                np.testing.assert_array_equal(obs[0], r.obs[t].reshape(64, 64, 2).astype(np.uint8), f"step {t}")
                obs, rew, term, trunc, _ = v.step(r.act[t:t + 1])
                self.assertEqual((rew[0], term[0], trunc[0]), (r.reward[t], r.terminated[t], r.truncated[t]))

    @unittest.skipUnless(HAVE_CAR, "this build has no Box2D")
    def test_carracing_chain_equals_its_frames_preprocessed(self):
        """frame_skip 2, resize 48 x 48, grayscale, frame_stack 2 in rlc's order, against the plain
        environment stepped twice per action, its frames halved, made luma and stacked"""
        steps, n = 12, 2
        rng = np.random.default_rng(0)
        acts = rng.uniform([-1, 0, 0], [1, 1, 1], (steps, n, 3)).astype(np.float32)
        with rlc.make_vec(CAR, n, seed=3) as plain:
            frames, _ = plain.reset()
            first = np.stack([luma(halve(f)) for f in frames])
            want = [np.concatenate([first, first], axis=-1)]
            sums = []
            for t in range(steps):
                rew = np.zeros(n)
                for _ in range(2):
                    frames, r, term, trunc, _ = plain.step(acts[t])
                    self.assertFalse(term.any() or trunc.any())
                    rew += r
                sums.append(rew.astype(np.float32))
                cur = [luma(halve(f)) for f in frames]
                want.append(np.concatenate([want[-1][..., 1:], np.stack(cur)], axis=-1))
        # the keywords in another order: rlc's order is fixed
        with rlc.make_vec(CAR, n, seed=3, frame_stack=2, grayscale=True, resize=(48, 48), frame_skip=2) as v:
            self.assertEqual((v.single_observation_space.shape, v.single_observation_space.dtype),
                             ((48, 48, 2), np.uint8))
            obs, _ = v.reset()
            np.testing.assert_array_equal(obs, want[0])
            for t in range(steps):
                obs, rew, _, _, _ = v.step(acts[t])
                np.testing.assert_array_equal(obs, want[t + 1], f"step {t}")
                np.testing.assert_array_equal(rew, sums[t])

    def check_pixels(self, grayscale):
        """CartPole-v1 through env.pixels (64 x 96) against its rendered frames at that size, over
        episodes that end (same-step autoreset: both show the new episode's first state)"""
        n, ends = 3, 0
        kw = dict(pixels=True, pixels_width=96, pixels_height=64, pixels_grayscale=grayscale)
        with rlc.make_vec("CartPole-v1", n, seed=7, **kw) as v, \
                rlc.make_vec("CartPole-v1", n, seed=7, render_mode="rgb_array", render_size=(96, 64)) as plain:
            self.assertEqual((v.single_observation_space.shape, v.single_observation_space.dtype),
                             ((64, 96, 1 if grayscale else 3), np.uint8))
            obs, _ = v.reset()
            plain.reset()
            for t in range(40):
                frames = np.stack(plain.render())
                np.testing.assert_array_equal(obs, luma(frames) if grayscale else frames, f"step {t}")
                a = np.arange(n) + t & 1
                obs, _, term, trunc, _ = v.step(a)
                _, _, pterm, ptrunc, _ = plain.step(a)
                np.testing.assert_array_equal(term, pterm)
                ends += int(term.sum())
        self.assertGreater(ends, 0, "episodes ended")

    def test_cartpole_pixels_are_its_frames(self):
        self.check_pixels(False)

    def test_cartpole_pixels_grayscale_are_the_frames_luma(self):
        self.check_pixels(True)


class Spaces(unittest.TestCase):
    @unittest.skipUnless(HAVE_CAR, "this build has no Box2D")
    def test_rl_zoo_carracing_space_and_limit(self):
        with rlc.make_vec(CAR, 2, seed=0, **ZOO) as v:
            sp = v.single_observation_space
            self.assertEqual((sp.shape, sp.dtype), ((64, 64, 2), np.uint8))
            self.assertTrue((sp.low == 0).all() and (sp.high == 255).all())
            self.assertEqual((v.observation_space.shape, v.observation_space.dtype), ((2, 64, 64, 2), np.uint8))
            self.assertEqual(v.max_episode_steps, 500, "1000 frames, each action twice")
            obs, _ = v.reset()
            self.assertEqual((obs.shape, obs.dtype), ((2, 64, 64, 2), np.uint8))
            self.assertTrue(sp.contains(obs[0]))
            np.testing.assert_array_equal(obs[..., 0], obs[..., 1], "a reset fills the stack with its frame")

    def test_frame_stack_and_mask_velocity_of_a_state(self):
        plain, _, _, _ = rlc.env_spaces("CartPole-v1")
        with rlc.make_vec("CartPole-v1", 2, seed=1, frame_stack=3, mask_velocity=True) as v:
            sp = v.single_observation_space
            self.assertEqual((sp.shape, sp.dtype), ((12,), np.float32))
            np.testing.assert_array_equal(sp.low, np.tile(plain.low, 3))
            obs, _ = v.reset()
            obs, _, _, _, _ = v.step(np.zeros(2, np.int64))
            self.assertTrue((obs[:, [1, 3, 5, 7, 9, 11]] == 0).all(), "velocities zeroed in every frame")
            self.assertTrue((obs[:, [0, 2]] != 0).any())
            np.testing.assert_array_equal(obs[:, 4:8], obs[:, 0:4], "the first frame fills the stack")

    @unittest.skipUnless(HAVE_CAR, "this build has no Box2D")
    def test_env_kwargs_stay_apart(self):
        """kwargs= and the other keywords are the environment's; the wrapper names are make_vec's"""
        with rlc.make_vec(CAR, 1, continuous=False, frame_skip=2, resize=(32, 32)) as v:
            self.assertEqual(v.single_action_space, rlc.Discrete(5))
            self.assertEqual(v.single_observation_space.shape, (32, 32, 3))
            self.assertEqual(v.kwargs, {"continuous": False})
        with self.assertRaises(rlc.ConfigError) as e:   # not a wrapper when given as an env argument
            rlc.make_vec(CAR, 1, kwargs={"frame_skip": 2})
        self.assertIn("frame_skip", str(e.exception))

    def test_check_env_checks_the_wrapped_env(self):
        res = rlc.check_env("CartPole-v1", steps=30, pixels=True, pixels_width=32, pixels_height=32, frame_stack=2)
        self.assertTrue(res.ok, res.report)
        self.assertIn("Box(32, 32, 6) uint8", res.report)


class Errors(unittest.TestCase):
    def check_bad(self, want, **kw):
        """make_vec and check_env refuse kw with InvalidArgument saying each of `want`"""
        for make in (lambda: rlc.make_vec("CartPole-v1", 1, **kw), lambda: rlc.check_env("CartPole-v1", 10, **kw)):
            with self.assertRaises(rlc.InvalidArgument) as e:
                make()
            for w in want:
                self.assertIn(w, str(e.exception))

    def test_out_of_range(self):
        self.check_bad(["env.frame_skip", "expected 1..64"], frame_skip=0)
        self.check_bad(["env.frame_stack", "expected 1..64"], frame_stack=65)
        self.check_bad(["env.resize", "expected 16..1024"], pixels=True, resize=(8, 8))
        self.check_bad(["env.pixels_width", "expected 16..1024"], pixels=True, pixels_width=2000)

    def test_wrong_type(self):
        self.check_bad(["env.frame_stack", "expected an integer", "2.5"], frame_stack=2.5)
        self.check_bad(["grayscale", "expected a bool", "'yes'"], grayscale="yes")
        self.check_bad(["resize", "expected (height, width)"], resize="64x64")
        self.check_bad(["env.resize", "expected [height, width]", "1 entry"], pixels=True, resize=(64,))

    def test_wrapper_the_env_cannot_take(self):
        self.check_bad(["env.resize", "expected an image"], resize=(64, 64))
        self.check_bad(["env.grayscale", "expected"], grayscale=True)
        self.check_bad(["env.resize", "at most"], pixels=True, pixels_width=32, pixels_height=32, resize=(64, 64))
        self.check_bad(["env.mask_velocity", "env.pixels"], pixels=True, mask_velocity=True)


if __name__ == "__main__":
    unittest.main()
