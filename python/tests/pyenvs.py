"""rlc python tests: small environments written in pure Python with Gymnasium's Env API (reset,
step, observation_space, action_space, render), without importing gymnasium (not a Debian
package): the spaces below are minimal stand-ins with Gymnasium's attributes. Used by
test_pyenv.py and bench/bench_pyenv.py."""
import math

import numpy as np


class Box:
    def __init__(self, low, high, shape=None, dtype=np.float32):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(shape) if shape is not None else np.shape(low)
        self.low = np.broadcast_to(np.asarray(low, self.dtype), self.shape)
        self.high = np.broadcast_to(np.asarray(high, self.dtype), self.shape)

    def __repr__(self):
        return f"Box({self.shape}, {self.dtype})"


class Discrete:
    def __init__(self, n, start=0):
        self.n, self.start = n, start

    def __repr__(self):
        return f"Discrete({self.n})"


class MultiBinary:
    def __init__(self, n):
        self.n, self.shape, self.dtype = n, (n,), np.dtype(np.int8)

    def __repr__(self):
        return f"MultiBinary({self.n})"


class MultiDiscrete:
    def __init__(self, nvec):
        self.nvec = np.asarray(nvec, dtype=np.int64)
        self.shape, self.dtype = self.nvec.shape, np.dtype(np.int64)

    def __repr__(self):
        return f"MultiDiscrete({self.nvec.tolist()})"


class Text:
    def __repr__(self):
        return "Text()"


class CartPole:
    """Gymnasium's CartPole-v1 dynamics (Euler), in plain Python floats: reward 1 per step,
    terminated when the pole falls or the cart leaves the track. The time limit (500) is given
    to rlc as max_episode_steps, or by the spec below when with_spec=True."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 50}

    def __init__(self, render_mode=None):
        high = np.array([4.8, np.finfo(np.float32).max, 0.418, np.finfo(np.float32).max], dtype=np.float32)
        self.observation_space = Box(-high, high, dtype=np.float32)
        self.action_space = Discrete(2)
        self.render_mode = render_mode
        self.state = None
        self.rng = np.random.default_rng()

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.state = [float(x) for x in self.rng.uniform(-0.05, 0.05, size=4)]
        return np.array(self.state, dtype=np.float32), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = 10.0 if action == 1 else -10.0
        cos, sin = math.cos(theta), math.sin(theta)
        temp = (force + 0.05 * theta_dot * theta_dot * sin) / 1.1
        theta_acc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos * cos / 1.1))
        x_acc = temp - 0.05 * theta_acc * cos / 1.1
        x, x_dot = x + 0.02 * x_dot, x_dot + 0.02 * x_acc
        theta, theta_dot = theta + 0.02 * theta_dot, theta_dot + 0.02 * theta_acc
        self.state = [x, x_dot, theta, theta_dot]
        terminated = bool(x < -2.4 or x > 2.4 or theta < -0.2095 or theta > 0.2095)
        return np.array(self.state, dtype=np.float32), 1.0, terminated, False, {}

    def render(self):
        """A 60x40 picture: the cart as a dark column at its position on a white background."""
        frame = np.full((40, 60, 3), 255, dtype=np.uint8)
        col = int(np.clip((self.state[0] + 2.4) / 4.8 * 59, 0, 59))
        frame[20:, col] = (0, 0, 0)
        return frame


def cartpole_factory():
    return CartPole()


def random_return(episodes=50, seed=0):
    """The mean return of uniformly random actions, for comparison."""
    env, rng, total = CartPole(), np.random.default_rng(seed), 0.0
    for ep in range(episodes):
        env.reset(seed=seed + ep)
        for _ in range(500):
            _, r, term, trunc, _ = env.step(int(rng.integers(2)))
            total += r
            if term or trunc:
                break
    return total / episodes


class Pointer:
    """A continuous task: move a point on a line to 0; action in [-1, 1], reward -|x|, 50 steps.
    bad= makes one method misbehave, for the error tests."""

    def __init__(self, bad=None, fail_after=None):
        self.observation_space = Box(-10.0, 10.0, shape=(2,), dtype=np.float32)
        self.action_space = Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
        self.bad, self.fail_after, self.steps, self.x = bad, fail_after, 0, 0.0

    def reset(self, *, seed=None, options=None):
        if self.bad == "reset_raises":
            raise RuntimeError("reset exploded")
        self.x = float(np.random.default_rng(seed).uniform(-1, 1))
        return np.array([self.x, 0.0], dtype=np.float32), {}

    def step(self, action):
        self.steps += 1
        if self.fail_after is not None and self.steps > self.fail_after:
            raise KeyError("the simulator lost its state")
        self.x += 0.1 * float(np.clip(action[0], -1, 1))
        obs = np.array([self.x, 0.0], dtype=np.float32)
        reward, term, trunc = -abs(self.x), False, False
        if self.bad == "shape":
            obs = np.zeros(3, dtype=np.float32)
        elif self.bad == "nan_obs":
            obs[1] = np.nan
        elif self.bad == "nan_reward":
            reward = float("nan")
        elif self.bad == "dtype":
            obs = np.array(["a", "b"])
        elif self.bad == "reward_type":
            reward = "1.0"
        elif self.bad == "flag_type":
            term = 0
        elif self.bad == "four_values":
            return obs, reward, term, {}
        return obs, reward, term, trunc, {}


class WrongActionSpace(Pointer):
    def __init__(self):
        super().__init__()
        self.action_space = Text()


class Targets:
    """A MultiDiscrete([3, 4]) task (or MultiBinary(4) with binary=True): the observation shows a
    target per component (one-hots, or the bits); reward the fraction of components that match;
    10 steps. Records the actions it was given (their type and values)."""

    def __init__(self, binary=False, nvec=(3, 4)):
        self.binary, self.nvec = binary, list(nvec)
        self.action_space = MultiBinary(4) if binary else MultiDiscrete(self.nvec)
        dim = 4 if binary else sum(self.nvec)
        self.observation_space = Box(0.0, 1.0, shape=(dim,), dtype=np.float32)
        self.rng, self.t, self.seen = np.random.default_rng(0), 0, []

    def _draw(self):
        if self.binary:
            self.target = self.rng.integers(0, 2, size=4)
            return self.target.astype(np.float32)
        self.target = np.array([self.rng.integers(k) for k in self.nvec])
        return np.concatenate([np.eye(k, dtype=np.float32)[t] for k, t in zip(self.nvec, self.target)])

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.t = 0
        return self._draw(), {}

    def step(self, action):
        self.seen.append(action)
        self.t += 1
        reward = float(np.mean(np.asarray(action) == self.target))
        return self._draw(), reward, False, self.t >= 10, {}
