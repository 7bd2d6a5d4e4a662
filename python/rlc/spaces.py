"""rlc python: observation and action spaces, described the way Gymnasium describes them.

Box(low, high, shape, dtype), Discrete(n), MultiDiscrete(nvec) and MultiBinary(n), and the
structured Dict and Tuple observation spaces of Box parts, for one environment, and their batched forms for a vector env of n copies (Gymnasium's batch_space): Box,
MultiDiscrete and MultiBinary with a leading axis of n, and MultiDiscrete([k] * n) for Discrete. Only numpy is needed; the gymnasium adapter (rlc.gymnasium) converts
them to gymnasium.spaces objects.
"""
from collections.abc import Mapping

import numpy as np

from .errors import InvalidArgument


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
        if self.dtype.kind in "biu":   # integers (an image's uint8 or bool values): each as likely
            out[both] = self.np_random.integers(np.ceil(lo[both]).astype(np.int64), np.floor(hi[both]).astype(np.int64) + 1)
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


class Dict(Space):
    """Named parts (Gymnasium's spaces.Dict): a plain dict's keys are sorted, which is the order rlc
    (and Stable-Baselines3's CombinedExtractor) concatenates the parts in; an observation is a dict
    of one array per key."""

    def __init__(self, spaces=None, seed=None, **kwargs):
        spaces = dict(spaces or {}, **kwargs)
        self.spaces = {k: spaces[k] for k in sorted(spaces)}
        super().__init__((), None, seed)
        self.dtype = None

    def seed(self, seed=None):
        for i, sp in enumerate(self.spaces.values()):
            sp.seed(None if seed is None else seed + i)
        return [seed]

    def sample(self):
        return {k: sp.sample() for k, sp in self.spaces.items()}

    def contains(self, x):
        return (isinstance(x, dict) and set(x) == set(self.spaces)
                and all(sp.contains(x[k]) for k, sp in self.spaces.items()))

    def keys(self):
        return self.spaces.keys()

    def __getitem__(self, key):
        return self.spaces[key]

    def __repr__(self):
        return "Dict(" + ", ".join(f"{k!r}: {sp!r}" for k, sp in self.spaces.items()) + ")"

    def __eq__(self, other):
        return isinstance(other, Dict) and self.spaces == other.spaces


class Tuple(Space):
    """Parts in order (Gymnasium's spaces.Tuple); an observation is a tuple of one array per part."""

    def __init__(self, spaces, seed=None):
        self.spaces = tuple(spaces)
        super().__init__((), None, seed)
        self.dtype = None

    def seed(self, seed=None):
        for i, sp in enumerate(self.spaces):
            sp.seed(None if seed is None else seed + i)
        return [seed]

    def sample(self):
        return tuple(sp.sample() for sp in self.spaces)

    def contains(self, x):
        return (isinstance(x, (tuple, list)) and len(x) == len(self.spaces)
                and all(sp.contains(v) for sp, v in zip(self.spaces, x)))

    def __getitem__(self, i):
        return self.spaces[i]

    def __len__(self):
        return len(self.spaces)

    def __repr__(self):
        return "Tuple(" + ", ".join(repr(sp) for sp in self.spaces) + ")"

    def __eq__(self, other):
        return isinstance(other, Tuple) and self.spaces == other.spaces


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
    if isinstance(space, Dict):
        return Dict({k: batch_space(sp, n) for k, sp in space.spaces.items()})
    if isinstance(space, Tuple):
        return Tuple(batch_space(sp, n) for sp in space.spaces)
    raise TypeError(f"cannot batch {space!r}")


# ---- Dict and Tuple observations as rlc's flat rows ----------------------------------------------

def _parts(space):
    """(key, part space, values) of each part of a Dict or Tuple, in rlc's order (a Dict's sorted keys)"""
    items = space.spaces.items() if isinstance(space, Dict) else enumerate(space.spaces)
    return [(k, sp, int(np.prod(sp.shape)) if sp.shape else 1) for k, sp in items]


def split_flat(space, rows):
    """rows (..., dim) of rlc's flat observations -> a dict (Dict) or a tuple (Tuple) of arrays
    (..., *part.shape), each of its part's dtype"""
    out, at = [], 0
    for k, sp, d in _parts(space):
        out.append((k, rows[..., at:at + d].reshape(rows.shape[:-1] + sp.shape).astype(sp.dtype)))
        at += d
    return dict(out) if isinstance(space, Dict) else tuple(v for _, v in out)


def flatten_structured(space, obs, where):
    """obs, a dict (Dict) or a tuple (Tuple) of arrays with the same leading axes -> float32 rows
    (..., dim), the parts one after the other in rlc's order. A missing key, a part of the wrong
    shape or leading axes that differ raise InvalidArgument naming the key."""
    if isinstance(space, Dict):
        if not isinstance(obs, Mapping):
            raise InvalidArgument(f"{where}: an observation of {space!r} is a dict of its keys {list(space.keys())}; "
                                  f"got {type(obs).__name__}", "bad argument")
        missing = [k for k in space.spaces if k not in obs]
        if missing:
            raise InvalidArgument(f"{where}: the observation has no key {missing[0]!r} (expected the keys "
                                  f"{list(space.keys())} of {space!r})", "bad argument")
    elif not isinstance(obs, (tuple, list)) or len(obs) != len(space.spaces):
        raise InvalidArgument(f"{where}: an observation of {space!r} is a tuple of {len(space.spaces)} arrays; got "
                              f"{type(obs).__name__}", "bad argument")
    rows, lead = [], None
    for k, sp, d in _parts(space):
        a = np.asarray(obs[k], dtype=np.float32)
        n = len(sp.shape)
        if a.ndim < n or a.shape[a.ndim - n:] != sp.shape or (lead is not None and a.shape[:a.ndim - n] != lead):
            raise InvalidArgument(f"{where}: part {k!r} has shape {a.shape}: expected {sp.shape} (after the same "
                                  "leading axes as the other parts)", "bad argument")
        lead = a.shape[:a.ndim - n]
        rows.append(a.reshape(lead + (d,)))
    return np.ascontiguousarray(np.concatenate(rows, axis=-1))
