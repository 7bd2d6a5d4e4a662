"""rlc python tests: rlc.make_vec against `rlc rollout` (the same trajectories for a seed on a
classic and a MuJoCo task), same-step autoreset and final observations, Gymnasium's vector
shapes, and errors carrying rlc's messages."""
import os
import re
import unittest

import numpy as np

import rlc
from support import rollout, run_rlc

MUJOCO = rlc.have_mujoco()


def replay(env_id, n_copies, seed, rolls, threads=1, **kw):
    """Steps make_vec(env_id, n_copies) from reset(seed) with the actions of rolls[i] (the rollout of
    seed + i) and checks, step by step, that every copy sees the same observations, rewards and
    flags as the rollout. Returns the number of episode ends seen."""
    envs = rlc.make_vec(env_id, n_copies, threads=threads, **kw)
    discrete = isinstance(envs.single_action_space, rlc.Discrete)
    obs, info = envs.reset(seed=seed)
    assert info == {}
    ends = 0
    T = len(rolls[0].reward)
    for t in range(T):
        for i, r in enumerate(rolls):
            np.testing.assert_array_equal(obs[i], r.obs[t], err_msg=f"{env_id} copy {i} step {t}")
        acts = np.stack([r.act[t] for r in rolls])
        obs, rew, term, trunc, infos = envs.step(acts[:, 0].astype(np.int64) if discrete else acts)
        for i, r in enumerate(rolls):
            assert rew[i] == r.reward[t] and term[i] == r.terminated[t] and trunc[i] == r.truncated[t], \
                f"{env_id} copy {i} step {t}: {rew[i]} {term[i]} {trunc[i]} vs {r.reward[t]} " \
                f"{r.terminated[t]} {r.truncated[t]}"
        done = term | trunc
        ends += int(done.sum())
        if done.any():
            np.testing.assert_array_equal(infos["_final_obs"], done)
            for i in range(n_copies):
                assert (infos["final_obs"][i] is not None) == done[i]
        else:
            assert infos == {}
    envs.close()
    return ends


class VecMatchesRollout(unittest.TestCase):
    def check_task(self, env_id, steps, seed):
        obs_space, act_space, _, _ = rlc.env_spaces(env_id)
        od = obs_space.shape[0]
        ad = 1 if isinstance(act_space, rlc.Discrete) else act_space.shape[0]
        rolls = [rollout(env_id, seed + i, steps, od, ad) for i in range(3)]
        ends = replay(env_id, 1, seed, rolls[:1])
        self.assertGreater(ends, 0, "the rollout must cross an episode end (autoreset)")
        # the vector convention: copy i is seeded seed + i; threads do not change results
        self.assertGreater(replay(env_id, 3, seed, rolls, threads=2), ends)

    def test_cartpole(self):
        self.check_task("CartPole-v1", 400, 5)

    @unittest.skipUnless(MUJOCO, "this build has no MuJoCo")
    def test_halfcheetah(self):
        self.check_task("HalfCheetah-v5", 1050, 2)   # truncation at 1000, then a new episode


class FinalObservations(unittest.TestCase):
    def check_truncation(self, env_id, limit, seed):
        """With the time limit cut to `limit`, the final observation of the truncated episode is the
        observation the uncut rollout reaches at step `limit`."""
        obs_space, act_space, _, _ = rlc.env_spaces(env_id)
        discrete = isinstance(act_space, rlc.Discrete)
        r = rollout(env_id, seed, limit + 1, obs_space.shape[0], 1 if discrete else act_space.shape[0])
        self.assertFalse(r.terminated[:limit].any() or r.truncated[:limit].any(), "pick a longer episode")
        envs = rlc.make_vec(env_id, 1, seed=seed, max_episode_steps=limit)
        obs, _ = envs.reset()
        for t in range(limit):
            a = r.act[t:t + 1]
            obs, rew, term, trunc, infos = envs.step(a[:, 0].astype(np.int64) if discrete else a)
        self.assertTrue(trunc[0] and not term[0])
        np.testing.assert_array_equal(infos["final_obs"][0], r.obs[limit])
        self.assertEqual(infos["final_info"]["episode"]["l"][0], limit)
        self.assertAlmostEqual(infos["final_info"]["episode"]["r"][0], float(np.sum(r.reward[:limit], dtype=np.float64)), places=3)
        self.assertFalse(np.array_equal(obs[0], r.obs[limit]), "obs must be the new episode's first")

    def test_truncation_cartpole(self):
        self.check_truncation("CartPole-v1", 6, 3)

    @unittest.skipUnless(MUJOCO, "this build has no MuJoCo")
    def test_truncation_halfcheetah(self):
        self.check_truncation("HalfCheetah-v5", 40, 1)

    def test_termination_cartpole(self):
        """A terminated CartPole episode's final observation is outside the pole/cart limits, its
        return and length are the episode's, and obs holds the next episode's first observation."""
        envs = rlc.make_vec("CartPole-v1", 4, seed=11)
        envs.reset()
        length = np.zeros(4, dtype=np.int64)
        seen = 0
        prev = None
        for _ in range(300):
            obs, rew, term, trunc, infos = envs.step(envs.action_space.sample())
            length += 1
            for i in np.flatnonzero(term):
                fo = infos["final_obs"][i]
                self.assertTrue(abs(fo[0]) > 2.4 or abs(fo[2]) > 12 * 2 * np.pi / 360, fo)
                self.assertEqual(infos["final_info"]["episode"]["l"][i], length[i])
                self.assertEqual(infos["final_info"]["episode"]["r"][i], float(length[i]))
                self.assertTrue(np.all(np.abs(obs[i]) <= 0.05), "a fresh episode starts near 0")
                length[i] = 0
                seen += 1
            prev = obs
        self.assertGreater(seen, 5)
        self.assertIsNotNone(prev)


class Api(unittest.TestCase):
    def test_spaces_as_rlc_envs_prints_them(self):
        envs = rlc.make_vec("CartPole-v1", 8)
        text = run_rlc("envs", "CartPole-v1").stdout
        low = np.array(re.search(r"^\s+low\s+(.*)$", text, re.M).group(1).split(), dtype=np.float32)
        high = np.array(re.search(r"^\s+high\s+(.*)$", text, re.M).group(1).split(), dtype=np.float32)
        np.testing.assert_allclose(envs.single_observation_space.low, low, rtol=1e-5)
        np.testing.assert_allclose(envs.single_observation_space.high, high, rtol=1e-5)
        self.assertEqual(envs.single_action_space, rlc.Discrete(2))
        self.assertEqual(envs.action_space, rlc.MultiDiscrete([2] * 8))
        self.assertEqual(envs.observation_space.shape, (8, 4))
        self.assertEqual(envs.max_episode_steps, 500)
        obs, _ = envs.reset(seed=0)
        self.assertEqual((obs.shape, obs.dtype), ((8, 4), np.float32))
        obs, rew, term, trunc, _ = envs.step(np.zeros(8, dtype=np.int64))
        self.assertEqual((rew.shape, term.dtype, trunc.shape), ((8,), np.bool_, (8,)))

    def test_copy_false_gives_views_without_copies(self):
        envs = rlc.make_vec("CartPole-v1", 2, seed=0, copy=False)
        o1, _ = envs.reset()
        o2, *_ = envs.step(np.array([0, 1]))
        self.assertTrue(np.shares_memory(o1, o2))
        copied = rlc.make_vec("CartPole-v1", 2, seed=0)
        c1, _ = copied.reset()
        c2, *_ = copied.step(np.array([0, 1]))
        self.assertFalse(np.shares_memory(c1, c2))
        np.testing.assert_array_equal(c2, o2)

    def test_make_vec_seed_is_the_first_reset_seed(self):
        a = rlc.make_vec("Pendulum-v1", 3, seed=42)
        b = rlc.make_vec("Pendulum-v1", 3)
        np.testing.assert_array_equal(a.reset()[0], b.reset(seed=42)[0])
        np.testing.assert_array_equal(a.action_space.sample(), b.action_space.sample())

    def test_plugin(self):
        path = os.environ.get("RLC_PLUGIN_POINT_REACH")
        if not path:
            self.skipTest("RLC_PLUGIN_POINT_REACH not set")
        envs = rlc.make_vec("PointReach-v0", 2, seed=0, plugin=path)
        self.assertIn("PointReach-v0", rlc.env_ids())
        obs, _ = envs.reset()
        obs, rew, *_ = envs.step(envs.action_space.sample())
        self.assertEqual(obs.shape, envs.observation_space.shape)
        rlc.load_plugin(path)   # loading again does nothing


class Errors(unittest.TestCase):
    def test_bad_id_raises_rlcs_message(self):
        with self.assertRaises(rlc.NotFound) as cm:
            rlc.make_vec("NoSuchEnv-v9", 2)
        cli = run_rlc("rollout", "--env", "NoSuchEnv-v9", check=False)
        self.assertNotEqual(cli.returncode, 0)
        self.assertIn("NoSuchEnv-v9", str(cm.exception))
        self.assertIn(str(cm.exception), cli.stderr)

    def test_bad_plugin_and_arguments(self):
        with self.assertRaisesRegex(rlc.RlcError, "no/such/plugin.so: cannot load plugin"):
            rlc.make_vec("CartPole-v1", 1, plugin="no/such/plugin.so")
        with self.assertRaisesRegex(rlc.InvalidArgument, "number of copies must be >= 1, got 0"):
            rlc.make_vec("CartPole-v1", 0)
        with self.assertRaisesRegex(rlc.InvalidArgument, "threads: expected a number >= 1"):
            rlc.make_vec("CartPole-v1", 2, threads=0)
        with self.assertRaisesRegex(rlc.InvalidArgument, "reset\\(\\) before step\\(\\)"):
            rlc.make_vec("CartPole-v1", 2).step(np.zeros(2, dtype=np.int64))

    def check_refused(self, env_id, good, bad, pattern):
        """A refused step raises rlc's message and steps nothing: afterwards the env continues
        exactly like one that never saw the bad actions."""
        a = rlc.make_vec(env_id, 2, seed=4)
        b = rlc.make_vec(env_id, 2, seed=4)
        a.reset()
        b.reset()
        with self.assertRaisesRegex(rlc.InvalidArgument, pattern):
            a.step(bad)
        for x, y in zip(a.step(good)[:4], b.step(good)[:4]):
            np.testing.assert_array_equal(x, y)

    def test_bad_discrete_actions(self):
        good = np.array([1, 0])
        self.check_refused("CartPole-v1", good, np.array([0, 2]),
                           re.escape("CartPole-v1: actions[1] = 2: expected an integer in 0..1 (Discrete(2))"))
        self.check_refused("CartPole-v1", good, np.array([0.5, 1.0]), "actions\\[0\\] = 0.5: expected an integer")
        self.check_refused("CartPole-v1", good, np.array([-1, 0]), "actions\\[0\\] = -1")
        self.check_refused("CartPole-v1", good, np.array([0, 1, 1]),
                           re.escape("CartPole-v1: expected 2 action values (2 copies x 1), got 3"))

    def test_bad_box_actions(self):
        good = np.zeros((2, 1), dtype=np.float32)
        self.check_refused("Pendulum-v1", good, np.array([[0.0], [np.nan]]),
                           re.escape("Pendulum-v1: actions[1, 0] = nan: expected a finite number"))
        self.check_refused("Pendulum-v1", good, np.array([[np.inf], [0.0]]), "actions\\[0, 0\\] = inf")
        self.check_refused("Pendulum-v1", good, np.zeros(3), "expected 2 action values")


class Render(unittest.TestCase):
    def test_cartpole_frames_show_each_copy(self):
        envs = rlc.make_vec("CartPole-v1", 2, render_mode="rgb_array")
        self.assertEqual(envs.metadata["render_modes"], ["rgb_array"])
        self.assertEqual(envs.metadata["render_fps"], 50)
        envs.reset(seed=3)
        frames = envs.render()
        self.assertEqual(len(frames), 2)
        for f in frames:
            self.assertEqual((f.shape, f.dtype), ((400, 600, 3), np.uint8))
            # the cart (black) sits at the centre after a reset: |x| <= 0.05 m is 6 pixels
            np.testing.assert_array_equal(f[400 - 95, 300], [0, 0, 0])
            np.testing.assert_array_equal(f[10, 10], [255, 255, 255])
        self.assertFalse(np.array_equal(frames[0], frames[1]), "seeds 3 and 4 start apart")
        for _ in range(20):
            envs.step(np.array([1, 1]))
        moved = envs.render()
        self.assertFalse(np.array_equal(moved[0], frames[0]), "pushing right moves the cart")
        envs.close()

    def test_size_and_errors(self):
        envs = rlc.make_vec("Pendulum-v1", 1, render_mode="rgb_array", render_size=(64, 48))
        envs.reset(seed=0)
        (frame,) = envs.render()
        self.assertEqual(frame.shape, (48, 64, 3))
        self.assertGreater(int((frame != 255).sum()), 50)
        envs.close()
        with self.assertRaisesRegex(rlc.InvalidArgument, "render_mode='rgb_array'"):
            plain = rlc.make_vec("CartPole-v1", 1)
            plain.reset()
            plain.render()
        with self.assertRaisesRegex(rlc.InvalidArgument, "render_mode: expected None or 'rgb_array'"):
            rlc.make_vec("CartPole-v1", 1, render_mode="human")
        with self.assertRaisesRegex(rlc.InvalidArgument, re.escape("frame size 8x8")):
            rlc.make_vec("CartPole-v1", 1, render_mode="rgb_array", render_size=(8, 8))
        with self.assertRaisesRegex(rlc.InvalidArgument, "render_size: expected \\(width, height\\)"):
            rlc.make_vec("CartPole-v1", 1, render_mode="rgb_array", render_size=64)

    def test_plugin_renderer(self):
        path = os.environ.get("RLC_PLUGIN_POINT_REACH")
        if not path:
            self.skipTest("RLC_PLUGIN_POINT_REACH not set")
        envs = rlc.make_vec("PointReach-v0", 1, plugin=path, render_mode="rgb_array")
        self.assertEqual(envs.metadata["render_fps"], 30)
        envs.reset(seed=1)
        (frame,) = envs.render()
        self.assertEqual(frame.shape, (400, 400, 3))
        blue = np.all(frame == [30, 80, 220], axis=-1)
        green = np.all(frame == [40, 170, 60], axis=-1)
        self.assertTrue(blue.any() and green.any(), "the point and the goal are drawn")
        envs.close()

    @unittest.skipUnless(MUJOCO, "this build has no MuJoCo")
    def test_hopper_offscreen(self):
        envs = rlc.make_vec("Hopper-v5", 1, render_mode="rgb_array", render_size=(80, 60))
        self.assertEqual(envs.metadata["render_fps"], 125)
        envs.reset(seed=0)
        (frame,) = envs.render()
        self.assertEqual(frame.shape, (60, 80, 3))
        self.assertGreater(float(frame.std()), 5.0, "not a blank frame")
        envs.close()


if __name__ == "__main__":
    unittest.main()
