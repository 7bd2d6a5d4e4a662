"""rlc python tests: `cmake --install BUILD --prefix P` installs librlc.so and the package so
that, with P's package directory on PYTHONPATH and nothing else set (no RLC_LIBRARY, an empty
RLC_DATA_DIR), a script in another directory steps rlc's environments, MuJoCo's included (the
library finds its models in P/share/rlc/mujoco)."""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import rlc

SCRIPT = """
import ctypes, json, sys
import numpy as np
import rlc
out = {"file": rlc.__file__, "ids": rlc.env_ids()}
env_id = sys.argv[1]
envs = rlc.make_vec(env_id, 2, seed=3)
obs, _ = envs.reset()
for _ in range(20):
    obs, *_ = envs.step(np.zeros(envs.action_space.shape, dtype=envs.action_space.dtype))
out["obs"] = obs.tolist()
getenv = ctypes.CDLL(None).getenv   # the C environment, which librlc set
getenv.restype = ctypes.c_char_p
out["data_dir"] = (getenv(b"RLC_DATA_DIR") or b"").decode()
print(json.dumps(out))
"""


class Install(unittest.TestCase):
    def test_installed_package_runs_from_anywhere(self):
        cmake, build = os.environ.get("RLC_CMAKE"), os.environ.get("RLC_BUILD_DIR")
        if not cmake or not build:
            self.skipTest("RLC_CMAKE and RLC_BUILD_DIR are set by CTest")
        env_id = "HalfCheetah-v5" if rlc.have_mujoco() else "Pendulum-v1"
        with tempfile.TemporaryDirectory() as prefix:
            prefix = os.path.realpath(prefix)
            subprocess.run([cmake, "--install", build, "--prefix", prefix], check=True,
                           capture_output=True)
            self.assertTrue(os.path.isfile(os.path.join(prefix, "lib", "librlc.so")))
            pkgs = [os.path.join(prefix, "lib", d, "dist-packages")
                    for d in os.listdir(os.path.join(prefix, "lib")) if d.startswith("python3")]
            self.assertEqual(len(pkgs), 1, os.listdir(os.path.join(prefix, "lib")))
            env = {k: v for k, v in os.environ.items() if not k.startswith("RLC_")}
            env.update(PYTHONPATH=pkgs[0], RLC_DATA_DIR="", PYTHONDONTWRITEBYTECODE="1")
            work = os.path.join(prefix, "work")
            os.mkdir(work)
            p = subprocess.run([sys.executable, "-c", SCRIPT, env_id], cwd=work, env=env,
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            import json
            out = json.loads(p.stdout)
        self.assertTrue(out["file"].startswith(pkgs[0]), out["file"])
        self.assertIn(env_id, out["ids"])
        self.assertEqual(out["data_dir"], os.path.join(prefix, "share", "rlc"))
        # the same trajectory as the build tree's library
        envs = rlc.make_vec(env_id, 2, seed=3)
        obs, _ = envs.reset()
        for _ in range(20):
            obs, *_ = envs.step(np.zeros(envs.action_space.shape, dtype=envs.action_space.dtype))
        np.testing.assert_array_equal(np.array(out["obs"], dtype=np.float32), obs)


if __name__ == "__main__":
    unittest.main()
