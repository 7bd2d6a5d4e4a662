"""rlc python tests: nothing a Python caller does crashes the interpreter. A closed policy or
vector env raises; copy=False views keep their environment's memory alive; integers that do not
fit the C argument are refused instead of being cut to their low bits; the C API refuses NULL
handles. Whatever could crash runs in a child interpreter, so a regression is a failing test (with
the child's signal) rather than a dead test runner."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

import numpy as np

import rlc
from support import SOURCE_DIR, run_rlc

HERE = os.path.dirname(os.path.abspath(__file__))


def run_child(code, extra_env=None):
    """Runs code in a fresh interpreter (this one's environment: PYTHONPATH, RLC_LIBRARY) and
    fails the calling test unless it exits with status 0; returns its stdout."""
    env = dict(os.environ, **(extra_env or {}))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (HERE, env.get("PYTHONPATH", "")) if p)
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                       env=env)
    if p.returncode != 0:
        how = f"killed by signal {-p.returncode}" if p.returncode < 0 else f"exit {p.returncode}"
        raise AssertionError(f"child interpreter {how}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p.stdout


class ClosedPolicy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.run_dir = os.path.join(cls.tmp.name, "run")
        run_rlc("train", os.path.join(SOURCE_DIR, "configs", "ppo_cartpole.yaml"), "--run-dir", cls.run_dir,
                "--quiet", "--set", "total_steps=512", "--set", "log.eval_interval=0", "--set",
                "log.eval_episodes=1", "--set", "log.progress=false")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_closed_policy_raises(self):
        """Every use of a closed policy raises ValueError naming it closed; closing twice and
        garbage collection after close are harmless."""
        out = run_child(f"""
            import gc
            import numpy as np
            import rlc
            p = rlc.load_policy({self.run_dir!r})
            p(np.zeros(4, dtype=np.float32))
            p.close()
            uses = {{"call": lambda: p(np.zeros(4, dtype=np.float32)), "config": lambda: p.config,
                     "evaluate": lambda: p.evaluate(1), "rlc.evaluate": lambda: rlc.evaluate(p, 1)}}
            for name, use in uses.items():
                try:
                    use()
                except ValueError as e:
                    assert "closed" in str(e), (name, str(e))
                    print(name, "refused")
                else:
                    raise AssertionError(name + ": a closed policy was used")
            p.close()
            del p
            gc.collect()
            """)
        self.assertEqual(out.split(), ["call", "refused", "config", "refused", "evaluate", "refused",
                                       "rlc.evaluate", "refused"])

    def test_out_of_range_integers_are_refused(self):
        p = rlc.load_policy(self.run_dir)
        for bad in (2**32 + 1, 2**31, -2**31 - 1):
            with self.assertRaisesRegex(rlc.InvalidArgument, f"episodes: .*{bad}"):
                p.evaluate(bad)
        for bad in (2**64 + 5, 2**63):
            with self.assertRaisesRegex(rlc.InvalidArgument, f"seed: .*{bad}"):
                p.evaluate(1, seed=bad)
        with self.assertRaisesRegex(rlc.InvalidArgument, "episodes: expected an integer"):
            p.evaluate(1.5)
        self.assertEqual(p.evaluate(1, seed=2**40).episodes, 1)   # int64 seeds pass
        p.close()


class VecLifetimes(unittest.TestCase):
    # glibc serves an allocation this large with its own mmap and unmaps it when freed (the
    # threshold is pinned so that no earlier free moves it): a read after free is a SIGSEGV
    CHILD_ENV = {"MALLOC_MMAP_THRESHOLD_": "131072"}

    def test_views_keep_the_env_alive(self):
        """copy=False views outlive their VecEnv: after it is collected (or closed) they still
        read the values of the last step (65536 copies: 1 MB of observations)."""
        run_child("""
            import gc
            import numpy as np
            import rlc

            def last_step(close):
                envs = rlc.make_vec("CartPole-v1", 65536, seed=0, copy=False)
                first, _ = envs.reset()
                obs, rew, term, trunc, _ = envs.step(np.ones(65536, dtype=np.int64))
                kept = [x.copy() for x in (obs, rew, term, trunc)]
                assert np.shares_memory(first, obs)
                if close:
                    envs.close()
                return (obs, rew, term, trunc), kept

            for close in (False, True):
                views, kept = last_step(close)
                gc.collect()
                junk = [np.full(1 << 18, 7.0, dtype=np.float32) for _ in range(8)]
                for v, k in zip(views, kept):
                    np.testing.assert_array_equal(v, k)
                del views, junk
                gc.collect()
            """, self.CHILD_ENV)

    def test_closed_env_raises(self):
        run_child("""
            import numpy as np
            import rlc
            envs = rlc.make_vec("CartPole-v1", 2, seed=0, render_mode="rgb_array")
            envs.reset()
            envs.close()
            for name, use in {"reset": lambda: envs.reset(seed=1),
                              "step": lambda: envs.step(np.zeros(2, dtype=np.int64)),
                              "render": envs.render}.items():
                try:
                    use()
                except ValueError as e:
                    assert "closed" in str(e), (name, str(e))
                else:
                    raise AssertionError(name + ": a closed vector env was used")
            envs.close()
            """)

    def test_out_of_range_integers_are_refused(self):
        envs = rlc.make_vec("CartPole-v1", 2)
        for bad in (2**64 + 5, 2**63):
            with self.assertRaisesRegex(rlc.InvalidArgument, f"seed: .*{bad}"):
                envs.reset(seed=bad)
        obs, _ = envs.reset(seed=2**40)   # int64 seeds pass
        self.assertEqual(obs.shape, (2, 4))
        envs.close()
        # (name, value, make_vec's keywords): each would arrive in C as a small valid number
        cases = [("num_envs", 2**32 + 2, {}), ("threads", 2**32 + 1, {}),
                 ("max_episode_steps", 2**32 + 10, {}), ("seed", 2**64 + 5, {}),
                 ("render_size", 2**32 + 100, {"render_mode": "rgb_array"})]
        for name, value, kw in cases:
            kw = {"num_envs": 2, **kw, name: (value, value) if name == "render_size" else value}
            with self.assertRaisesRegex(rlc.InvalidArgument, f"{name}: .*got {value}$", msg=name):
                rlc.make_vec("CartPole-v1", kw.pop("num_envs"), **kw)
        with self.assertRaisesRegex(rlc.InvalidArgument, "threads: expected an integer"):
            rlc.make_vec("CartPole-v1", 2, threads=2.5)


class CApiNullHandles(unittest.TestCase):
    def test_null_handles_are_refused(self):
        """Every C function taking a handle returns RL_ERR_ARG (1) for NULL, with a message
        (strings: NULL), instead of dereferencing it."""
        out = run_child("""
            import ctypes
            from rlc._lib import lib, Space, VecBuffers
            f = ctypes.c_float(0)
            d = ctypes.c_double(0)
            i = ctypes.c_int(0)
            calls = {
                "rlc_vec_reset": lambda: lib.rlc_vec_reset(None, 0),
                "rlc_vec_step": lambda: lib.rlc_vec_step(None, ctypes.byref(f), 1),
                "rlc_vec_render_open": lambda: lib.rlc_vec_render_open(None, 0, 0, None, None, None),
                "rlc_vec_render": lambda: lib.rlc_vec_render(None, 0, ctypes.byref(f), 4),
                "rlc_policy_act": lambda: lib.rlc_policy_act(None, ctypes.byref(f), 1, 1, ctypes.byref(f)),
                "rlc_policy_evaluate": lambda: lib.rlc_policy_evaluate(None, 1, 0, ctypes.byref(d),
                                                                       ctypes.byref(d)),
                "rlc_vec_make": lambda: lib.rlc_vec_make(None, b"CartPole-v1", 1, 0, 1),
                "rlc_policy_load": lambda: lib.rlc_policy_load(None, b"x"),
                "rlc_config_resolve": lambda: lib.rlc_config_resolve(None, b"algo: ppo", b"x", None, 0, None),
                "rlc_loss_get": lambda: lib.rlc_loss_get(0, None, None, None, None),
            }
            for name, call in calls.items():
                status = call()
                msg = lib.rlc_last_error().decode()
                assert status == 1 and name in msg and "NULL" in msg, (name, status, msg)
                print(name, "refused")
            for name in ("rlc_policy_env_id", "rlc_policy_algo", "rlc_policy_config"):
                assert getattr(lib, name)(None) is None, name
                assert name in lib.rlc_last_error().decode()
                print(name, "refused")
            b = VecBuffers(n=5)
            lib.rlc_vec_get_buffers(None, ctypes.byref(b))
            assert b.n == 0 and not b.obs, "get_buffers(NULL) must clear the buffers"
            lib.rlc_vec_free(None)
            lib.rlc_policy_free(None)
            print("done")
            """)
        self.assertEqual(out.count("refused"), 13, out)
        self.assertIn("done", out)


if __name__ == "__main__":
    unittest.main()
