"""rlc python tests: shared helpers -- running the rlc program (its path in RLC_BINARY, set by
CTest) and reading the CSV `rlc rollout` writes."""
import os
import subprocess
import tempfile

import numpy as np

RLC = os.environ.get("RLC_BINARY", "rlc")
SOURCE_DIR = os.environ.get("RLC_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def run_rlc(*args, check=True):
    """Runs the rlc program; returns the CompletedProcess (text mode)."""
    p = subprocess.run([RLC, *map(str, args)], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"rlc {' '.join(map(str, args))} failed ({p.returncode}): {p.stderr}")
    return p


class Rollout:
    """A `rlc rollout` CSV: obs (T, d), act (T, k), reward, terminated, truncated, episode (T)."""

    def __init__(self, path, obs_dim, act_dim):
        data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
        self.episode = data[:, 1].astype(np.int64)
        self.obs = data[:, 2:2 + obs_dim].astype(np.float32)
        self.act = data[:, 2 + obs_dim:2 + obs_dim + act_dim].astype(np.float32)
        self.reward = data[:, -3].astype(np.float32)
        self.terminated = data[:, -2].astype(bool)
        self.truncated = data[:, -1].astype(bool)


def rollout(env_id, seed, steps, obs_dim, act_dim, *extra):
    """Runs `rlc rollout` and reads its CSV (floats are printed with 9 digits: exact float32)."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "rollout.csv")
        run_rlc("rollout", "--env", env_id, "--seed", seed, "--steps", steps, "--out", out, *extra)
        return Rollout(out, obs_dim, act_dim)
