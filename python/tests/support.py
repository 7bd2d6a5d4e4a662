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


# Gymnasium's Taxi-v3 (toy_text/taxi.py): its map and the rule of its info["action_mask"], written
# out here to check rlc's masks against
TAXI_MAP = ["+---------+", "|R: | : :G|", "| : | : : |", "| : : : : |", "| | : | : |", "|Y| : |B: |", "+---------+"]
TAXI_LOCS = [(0, 0), (0, 4), (4, 0), (4, 3)]


def taxi_action_mask(state):
    """Gymnasium's Taxi mask of state ((row * 5 + col) * 5 + passenger) * 4 + destination: south,
    north, east, west where no wall is in the way, pickup at the waiting passenger's location,
    dropoff with the passenger aboard at any of the four locations (int8, as Gymnasium's)."""
    s = int(state)
    dest, s = s % 4, s // 4
    passenger, s = s % 5, s // 5
    row, col = s // 5, s % 5
    m = np.zeros(6, np.int8)
    m[0] = row < 4
    m[1] = row > 0
    m[2] = col < 4 and TAXI_MAP[row + 1][2 * col + 2] == ":"
    m[3] = col > 0 and TAXI_MAP[row + 1][2 * col] == ":"
    m[4] = passenger < 4 and (row, col) == TAXI_LOCS[passenger]
    m[5] = passenger == 4 and ((row, col) == TAXI_LOCS[dest] or (row, col) in TAXI_LOCS)
    return m
