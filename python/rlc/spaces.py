"""rlc python: observation and action spaces, described the way Gymnasium describes them.

Box(low, high, shape, dtype), Discrete(n), MultiDiscrete(nvec) and MultiBinary(n) for one
environment, and their batched forms for a vector env of n copies (Gymnasium's batch_space): Box,
MultiDiscrete and MultiBinary with a leading axis of n, and MultiDiscrete([k] * n) for Discrete. Only numpy is needed; the gymnasium adapter (rlc.gymnasium) converts
them to gymnasium.spaces objects.
"""
import numpy as np


class Space:
    """Common part: shape, dtype, seeded sampling and membership."""

    def __init__(self, shape, dtype, seed=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.np_random = np.random.default_rng(seed)

    def seed(self, seed=None):
        self.np_random = np.random.default_rng(seed)
        return [seed]


class Box(Space):
    """A box in R^shape: low <= x <= high elementwise (bounds may be infinite)."""

    def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
        low, high = np.asarray(low, dtype=dtype), np.asarray(high, dtype=dtype)
        shape = low.shape if shape is None else tuple(shape)
        super().__init__(shape, dtype, seed)
        self.low = np.broadcast_to(low, shape).copy()
        self.high = np.broadcast_to(high, shape).copy()

    def sample(self):
        """Uniform where both bounds are finite, normal where unbounded (as Gymnasium)."""
        lo, hi = self.low.astype(np.float64), self.high.astype(np.float64)
        out = self.np_random.normal(size=self.shape)
        both = np.isfinite(lo) & np.isfinite(hi)
        out[both] = self.np_random.uniform(lo[both], hi[both])
        below = np.isfinite(lo) & ~np.isfinite(hi)
        out[below] = lo[below] + self.np_random.exponential(size=int(below.sum()))
        above = ~np.isfinite(lo) & np.isfinite(hi)
        out[above] = hi[above] - self.np_random.exponential(size=int(above.sum()))
        return out.astype(self.dtype)

    def contains(self, x):
        x = np.asarray(x)
        return x.shape == self.shape and bool(np.all(x >= self.low) and np.all(x <= self.high))

    def __repr__(self):
        lo, hi = self.low.min(), self.high.max()
        return f"Box({lo}, {hi}, {self.shape}, {self.dtype})"

    def __eq__(self, other):
        return (isinstance(other, Box) and self.shape == other.shape and self.dtype == other.dtype
                and np.array_equal(self.low, other.low) and np.array_equal(self.high, other.high))


class Discrete(Space):
    """The integers 0..n-1."""

    def __init__(self, n, seed=None):
        super().__init__((), np.int64, seed)
        self.n = int(n)
        self.start = 0

    def sample(self):
        return np.int64(self.np_random.integers(self.n))

    def contains(self, x):
        x = np.asarray(x)
        return x.shape == () and np.issubdtype(x.dtype, np.integer) and 0 <= int(x) < self.n

    def __repr__(self):
        return f"Discrete({self.n})"

    def __eq__(self, other):
        return isinstance(other, Discrete) and self.n == other.n


class MultiDiscrete(Space):
    """Independent integers 0..nvec[i]-1: the batch of n Discrete spaces."""

    def __init__(self, nvec, seed=None):
        self.nvec = np.asarray(nvec, dtype=np.int64)
        super().__init__(self.nvec.shape, np.int64, seed)

    def sample(self):
        return self.np_random.integers(self.nvec).astype(np.int64)

    def contains(self, x):
        x = np.asarray(x)
        return (x.shape == self.shape and np.issubdtype(x.dtype, np.integer)
                and bool(np.all(x >= 0) and np.all(x < self.nvec)))

    def __repr__(self):
        return f"MultiDiscrete({self.nvec})"

    def __eq__(self, other):
        return isinstance(other, MultiDiscrete) and np.array_equal(self.nvec, other.nvec)


class MultiBinary(Space):
    """n independent bits, each 0 or 1 (n an int or a shape)."""

    def __init__(self, n, seed=None):
        self.n = n if isinstance(n, (int, np.integer)) else tuple(int(d) for d in n)
        super().__init__((int(n),) if isinstance(n, (int, np.integer)) else self.n, np.int8, seed)

    def sample(self):
        return self.np_random.integers(0, 2, size=self.shape).astype(np.int8)

    def contains(self, x):
        x = np.asarray(x)
        return (x.shape == self.shape and np.issubdtype(x.dtype, np.integer)
                and bool(np.all((x == 0) | (x == 1))))

    def __repr__(self):
        return f"MultiBinary({self.n})"

    def __eq__(self, other):
        return isinstance(other, MultiBinary) and self.shape == other.shape


def batch_space(space, n):
    """The space of n stacked samples of space (Gymnasium's batch_space)."""
    if isinstance(space, Box):
        return Box(np.stack([space.low] * n), np.stack([space.high] * n), dtype=space.dtype)
    if isinstance(space, Discrete):
        return MultiDiscrete(np.full(n, space.n))
    if isinstance(space, MultiDiscrete):
        return MultiDiscrete(np.stack([space.nvec] * n))
    if isinstance(space, MultiBinary):
        return MultiBinary((n,) + space.shape)
    raise TypeError(f"cannot batch {space!r}")
