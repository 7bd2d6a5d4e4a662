"""rlc python: environments written in Python (Gymnasium's Env API), stepped by rlc.

bind(env) registers a Gymnasium-style environment -- a class, a factory (any callable returning
an environment) or an instance -- as a callback environment of librlc (envs/callback.h) under
the id "python:<name>", so that rlc's trainer, evaluation and vector env step it like one of
their own. A vector step crosses into Python once: the step callback steps every copy and writes
straight into rlc's buffers. Each reset passes env.reset(seed=...) a seed drawn from the copy's
seeded stream, so a run is reproducible from its config's seed.

What the environment returns is checked: observations of the observation space's shape, numeric
and finite; rewards finite numbers; terminated and truncated bools; reset() -> (obs, info) and
step() -> (obs, reward, terminated, truncated, info). A bad value raises EnvError naming the
environment, the method, the copy and the field. An exception raised inside the environment
stops the run (rlc keeps the checkpoint of the step reached) and is raised again from the call
that drove it (rlc.train, rlc.evaluate, VecEnv.step), with its own traceback and rlc's message
added as a note.
"""
import copy as _copy
import ctypes
import math
import re

import numpy as np

from . import _lib
from ._lib import check, lib
from .errors import InvalidArgument, RlcError
from .spaces import Box, Dict, Discrete, MultiBinary, MultiDiscrete, Tuple

PREFIX = "python:"


class EnvError(RlcError, ValueError):
    """A Python environment returned something rlc cannot use, or declares a space it does not take."""


# ---- spaces -------------------------------------------------------------------------------------

# The most values of a vector Box (and of a Dict's or Tuple's vector parts in all): the widest input
# core's size checks assume for a network (RL_LIMIT_IO_DIM, core/limits.h); rlc's own vectors hold
# at most 1024 (ENV_MAX_DIM, envs/env.h).
VECTOR_MAX_VALUES = 512
# The most values of an image (an observation Box of shape (height, width, channels), uint8 or
# bool; also a Dict's or Tuple's image part, and such a Dict or Tuple in all): the bound rlc's own
# image environments have (ENV_MAX_IMAGE_DIM, envs/env.h: a 1024 x 1024 RGB frame, 3 MiB of bytes).
# Nothing in the bridge is of a fixed size: an observation is written straight into the vector
# env's rows, which take 4 bytes per value (float32) for each copy's observation, final
# observation and last observation (12 MiB each at the bound), so the bound is on memory only.
IMAGE_MAX_VALUES = 3 << 20


def _is_image(shape, dtype):
    """an (height, width, channels) array of uint8 or bool values: an image, as rlc's own image
    environments observe (network.encoder encodes it; replays store it a byte per value)"""
    return len(shape) == 3 and np.dtype(dtype) in (np.uint8, np.bool_)


class _SpaceInfo:
    """A Gymnasium-style space as rlc sees it: Discrete(n, start) or a float Box of any shape
    (flattened, at most 512 values); for observations also an image Box (height, width, channels)
    of uint8 or bool values (image=True, up to IMAGE_MAX_VALUES), and a Dict or Tuple of Box parts
    (at most 8, the vector parts at most 512 values in all; a Dict's keys sorted; an (H, W, C)
    uint8 or bool part is an image); for actions also MultiDiscrete(nvec) (one-dimensional, each
    entry >= 2) and MultiBinary(n)."""

    def __init__(self, space, field, label):
        kind = type(space).__name__
        self.field, self.label, self.text = field, label, repr(space)
        self.multi, self.nvec, self.structure, self.parts = 0, None, 0, ()
        self.image, self.elem, self.dtype = False, 0, np.dtype(np.float32)
        if kind in ("Dict", "Tuple") and hasattr(space, "spaces"):
            self._structured(space, kind, field, label)
            return
        if kind in ("MultiDiscrete", "MultiBinary"):
            self._multi(space, kind, field, label)
            return
        if kind == "Discrete" and hasattr(space, "n"):
            self.discrete, self.n, self.start = True, int(space.n), int(getattr(space, "start", 0))
            self.shape, self.dim = (), 1
            if self.n < 1:
                raise EnvError(f"{label}: {field} {space!r}: expected n >= 1", "bad argument")
            self.rlc = Discrete(self.n)
            return
        if kind != "Box" or not all(hasattr(space, a) for a in ("low", "high", "shape")):
            raise EnvError(f"{label}: {field} is {space!r}: rlc takes Box and Discrete spaces (and MultiDiscrete, "
                           "MultiBinary actions)", "bad argument")
        self.discrete, self.n, self.start = False, 0, 0
        self.shape = tuple(int(d) for d in space.shape)
        self.dim = int(np.prod(self.shape)) if self.shape else 1
        dtype = np.dtype(getattr(space, "dtype", np.float32))
        self._check_size(space, field, label, _is_image(self.shape, dtype) and field != "action_space")
        if field == "action_space" and dtype.kind != "f":
            raise EnvError(f"{label}: action_space {space!r} has dtype {dtype}: rlc's agents act in float Boxes "
                           "(or Discrete)", "bad argument")
        low = np.broadcast_to(np.asarray(space.low, dtype=np.float64), self.shape).reshape(-1)
        high = np.broadcast_to(np.asarray(space.high, dtype=np.float64), self.shape).reshape(-1)
        if np.isnan(low).any() or np.isnan(high).any() or (low > high).any():
            raise EnvError(f"{label}: {field} {space!r}: bounds must be numbers with low <= high", "bad argument")
        if field == "observation_space" and _is_image(self.shape, dtype):   # a whole image, not a Dict's part
            self.image, self.elem, self.dtype = True, 1 if dtype == np.uint8 else 2, dtype
            self.rlc = Box(low.reshape(self.shape).astype(np.float32), high.reshape(self.shape).astype(np.float32),
                           dtype=dtype)
            return
        self.rlc = Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)

    def _check_size(self, space, field, label, image):
        """the values of a Box: an image's up to IMAGE_MAX_VALUES, a vector's up to VECTOR_MAX_VALUES"""
        if image and not 1 <= self.dim <= IMAGE_MAX_VALUES:
            raise EnvError(f"{label}: {field} {space!r} is an image of {self.dim} values: rlc takes images of up to "
                           f"{IMAGE_MAX_VALUES} values (a 1024 x 1024 RGB frame)", "bad argument")
        if not image and not 1 <= self.dim <= VECTOR_MAX_VALUES:
            hint = (" (an observation of shape (height, width, channels) and dtype uint8 or bool is an image, which "
                    f"may hold up to {IMAGE_MAX_VALUES})" if field != "action_space" else "")
            raise EnvError(f"{label}: {field} {space!r} has {self.dim} values; rlc takes 1 to {VECTOR_MAX_VALUES}"
                           f"{hint}", "bad argument")

    def _multi(self, space, kind, field, label):
        """MultiDiscrete (kind 2) or MultiBinary (kind 3): an action of dim integers"""
        if field != "action_space":
            raise EnvError(f"{label}: {field} is {space!r}: rlc takes {kind} for actions only", "bad argument")
        self.discrete, self.n, self.start = False, 0, 0
        shape = getattr(space, "shape", None)
        if shape is None:   # a MultiBinary(n) that does not say its shape
            shape = np.shape(space.nvec) if kind == "MultiDiscrete" else np.atleast_1d(space.n).tolist()
        self.shape = tuple(int(d) for d in shape)
        self.dim = int(np.prod(self.shape)) if self.shape else 1
        if len(self.shape) != 1 or not 1 <= self.dim <= 512:
            raise EnvError(f"{label}: {field} {space!r}: rlc takes a one-dimensional {kind} of 1 to 512 "
                           "components", "bad argument")
        if kind == "MultiBinary":
            self.multi, self.rlc = 3, MultiBinary(self.dim)
            return
        nvec = np.asarray(space.nvec, dtype=np.int64).reshape(-1)
        start = np.asarray(getattr(space, "start", 0), dtype=np.int64)
        if (start != 0).any():
            raise EnvError(f"{label}: {field} {space!r}: rlc takes a MultiDiscrete that starts at 0", "bad argument")
        if (nvec < 2).any() or (nvec > 65536).any():
            i = int(np.argmax((nvec < 2) | (nvec > 65536)))
            raise EnvError(f"{label}: {field} {space!r}: nvec[{i}] = {int(nvec[i])}: each component needs 2 to "
                           "65536 choices", "bad argument")
        self.multi, self.nvec, self.rlc = 2, nvec.astype(np.int32), MultiDiscrete(nvec)

    def _structured(self, space, kind, field, label):
        """Dict (structure 1, its keys sorted) or Tuple (2) of Box parts: rlc's flat row holds them one
        after the other; a part that is a (height, width, channels) uint8 or bool array is an image"""
        if field != "observation_space":
            raise EnvError(f"{label}: {field} is {space!r}: rlc takes Dict and Tuple for observations only",
                           "bad argument")
        items = sorted(space.spaces.items()) if kind == "Dict" else list(enumerate(space.spaces))
        if not 1 <= len(items) <= 8:
            raise EnvError(f"{label}: {field} {space!r} has {len(items)} parts; rlc takes 1 to 8", "bad argument")
        self.discrete, self.n, self.start, self.shape = False, 0, 0, None
        self.structure = 1 if kind == "Dict" else 2
        parts, boxes, at = [], [], 0
        for key, sp in items:
            if kind == "Dict" and not (isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_]{1,16}", key)):
                raise EnvError(f"{label}: {field} has the key {key!r}: rlc takes keys of 1 to 16 letters, digits or "
                               "'_'", "bad argument")
            where = f"{field}[{key!r}]"
            if type(sp).__name__ != "Box":
                raise EnvError(f"{label}: {where} is {sp!r}: rlc takes Box parts in a {kind}", "bad argument")
            part = _SpaceInfo(sp, where, label)
            dtype = np.dtype(getattr(sp, "dtype", np.float32))
            image = len(part.shape) == 3 and dtype in (np.uint8, np.bool_)
            elem = (1 if dtype == np.uint8 else 2) if image else 0
            parts.append((key, at, part.dim, part.shape, 3 if image else 0, elem))
            boxes.append((key, part.rlc))
            at += part.dim
        self.parts, self.dim = tuple(parts), at
        vector = sum(p[2] for p in parts if not p[4])
        if vector > VECTOR_MAX_VALUES or self.dim > IMAGE_MAX_VALUES:
            raise EnvError(f"{label}: {field} {space!r} has {vector} values in vector parts and {self.dim} in all: rlc "
                           f"takes at most {VECTOR_MAX_VALUES} in vector parts and {IMAGE_MAX_VALUES} in all (image "
                           "parts: (height, width, channels) of uint8 or bool)", "bad argument")
        self.rlc = Dict(dict(boxes)) if kind == "Dict" else Tuple(b for _, b in boxes)
        low = np.concatenate([b.low.reshape(-1) for _, b in boxes])
        high = np.concatenate([b.high.reshape(-1) for _, b in boxes])
        self.bounds = (low.astype(np.float32), high.astype(np.float32))

    def same(self, other):
        return (self.rlc == other.rlc and self.start == other.start and self.shape == other.shape
                and self.image == other.image)

    def c_space(self):
        """(Space, arrays to keep alive while C copies the bounds)"""
        s = _lib.Space()
        if self.discrete:
            s.kind, s.n, s.dim = 0, self.n, 1
            return s, ()
        if self.multi:
            s.kind, s.n, s.dim = self.multi, 0, self.dim
            if self.nvec is None:
                return s, ()
            nvec = np.ascontiguousarray(self.nvec)
            s.nvec = nvec.ctypes.data_as(ctypes.POINTER(ctypes.c_int))
            return s, (nvec,)
        if self.structure:
            return self._c_structured(s)
        # (an image's Box holds its bounds as its own dtype; rlc takes them as floats)
        low, high = (np.ascontiguousarray(b.reshape(-1), dtype=np.float32) for b in (self.rlc.low, self.rlc.high))
        s.kind, s.n, s.dim = 1, 0, self.dim
        s.low = low.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        s.high = high.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        return s, (low, high)


    def _c_structured(self, s):
        low, high = (np.ascontiguousarray(b) for b in self.bounds)
        s.kind, s.n, s.dim, s.structure, s.n_parts = 1, 0, self.dim, self.structure, len(self.parts)
        s.low = low.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        s.high = high.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        parts = (_lib.SpacePart * len(self.parts))()
        names = [str(key).encode() if self.structure == 1 else None for key, *_ in self.parts]
        for i, (key, at, dim, shape, rank, elem) in enumerate(self.parts):
            parts[i].name, parts[i].dim, parts[i].rank, parts[i].elem = names[i], dim, rank, elem
            if rank == 3:
                parts[i].shape[:] = list(shape)
        s.parts = parts
        return s, (low, high, parts, names)

    def put(self, o, row, label, where):
        """writes a Dict's or Tuple's observation o (a dict or tuple of arrays) into row, naming a
        missing key or a part of the wrong shape"""
        if self.structure == 1:
            if not isinstance(o, dict):
                raise EnvError(f"{label}: {where} returned {type(o).__name__} {o!r:.80}: expected a dict with the "
                               f"keys {[p[0] for p in self.parts]} ({self.text})", "bad argument")
            missing = [p[0] for p in self.parts if p[0] not in o]
            extra = [k for k in o if k not in self.rlc.spaces]
            if missing or extra:
                what = f"without the key {missing[0]!r}" if missing else f"with the key {extra[0]!r}, which"
                raise EnvError(f"{label}: {where} returned an observation {what} {'' if missing else 'is not '}"
                               f"in {self.text}", "bad argument")
        elif not isinstance(o, (tuple, list)) or len(o) != len(self.parts):
            raise EnvError(f"{label}: {where} returned {type(o).__name__} {o!r:.80}: expected a tuple of "
                           f"{len(self.parts)} arrays ({self.text})", "bad argument")
        for key, at, dim, shape, _, _ in self.parts:
            a = np.asarray(o[key])
            if a.dtype.kind not in "biuf" or a.shape != shape:
                raise EnvError(f"{label}: {where} returned the part {key!r} of shape {a.shape} and dtype {a.dtype}: "
                               f"expected {shape} numbers ({self.text})", "bad argument")
            row[at:at + dim] = a.reshape(-1)


# ---- the C arrays a callback receives, as numpy views (cached: the vector env's buffers stay) ------

_views = {}


def _view(addr, shape, ctype, dtype):
    key = (addr, shape, dtype)
    v = _views.get(key)
    if v is None:
        if len(_views) > 256:
            _views.clear()
        count = int(np.prod(shape))
        v = np.frombuffer((ctype * count).from_address(addr), dtype=dtype).reshape(shape)
        _views[key] = v
    return v


# ---- one bound environment ---------------------------------------------------------------------

def _kind(source):
    if isinstance(source, type):
        return "class"
    if hasattr(source, "reset") and hasattr(source, "step"):
        return "instance"
    if callable(source):
        return "factory"
    raise InvalidArgument(f"env: expected a Gymnasium environment class, a factory returning one or an instance, "
                          f"got {source!r}", "bad argument")


def _name(source, probe):
    spec_id = getattr(getattr(probe, "spec", None), "id", None)
    if isinstance(spec_id, str) and spec_id:
        name = spec_id
    elif isinstance(source, type):
        name = source.__name__
    elif _kind(source) == "instance":
        name = type(source).__name__
    else:
        name = getattr(source, "__name__", "") or type(probe).__name__
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            name = type(probe).__name__
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


class _Binding:
    """A Python environment source and the instances rlc made of it (by handle)."""

    def __init__(self, source, env_id=None):
        self.source, self.kind = source, _kind(source)
        self.envs, self.instance_free = {}, self.kind == "instance"
        probe = source if self.kind == "instance" else self._construct()
        try:
            name = _name(source, probe)
            self.env_id = env_id if env_id else PREFIX + name
            self.label = f"environment '{self.env_id}' ({type(probe).__name__})"
            self.obs = _SpaceInfo(self._space(probe, "observation_space"), "observation_space", self.label)
            self.act = _SpaceInfo(self._space(probe, "action_space"), "action_space", self.label)
            spec = getattr(probe, "spec", None)
            self.max_episode_steps = int(getattr(spec, "max_episode_steps", None) or 0)
            thr = getattr(spec, "reward_threshold", None)
            self.reward_threshold = float(thr) if thr is not None else math.nan
            self.render_size = self._probe_render(probe)
            self.fps = int(getattr(probe, "metadata", {}).get("render_fps") or 30)
            if self.act.multi and _mask_method(probe) is not None:
                raise EnvError(f"{self.label}: action_masks() with the action space {self.act.text}: rlc takes "
                               "action masks for Discrete action spaces only", "bad argument")
            self.masks = self._probe_masks(probe)
            self.goal = self._probe_goal(probe)
            self.info_masks = {}   # handle -> the last reset()'s or step()'s info["action_mask"]
        finally:
            if self.kind != "instance":
                _close_quietly(probe)

    def _probe_masks(self, probe):
        """Where the environment's action masks come from: "method" (an action_masks() method,
        sb3-contrib's convention), "info" (reset()'s info["action_mask"], Gymnasium's Taxi), or None
        (no masks, or an action space that is not Discrete). The probe is reset to see its info
        only when it has no action_masks() (rlc reseeds and resets every instance before use)."""
        if not self.act.discrete:
            return None
        if _mask_method(probe) is not None:
            return "method"
        try:
            out = probe.reset(seed=0)
        except Exception:
            return None   # reset() fails again, with its message, when rlc first resets
        info = out[1] if isinstance(out, tuple) and len(out) == 2 else None
        return "info" if isinstance(info, dict) and "action_mask" in info else None

    def _probe_goal(self, probe):
        """The goal parts (achieved_goal's and desired_goal's (offset, dim, shape)) of a GoalEnv: a Dict
        observation of achieved_goal, desired_goal (vectors of one size) and observation, and a
        compute_reward method; None otherwise (hindsight experience replay then refuses it)."""
        parts = {p[0]: p for p in self.obs.parts}
        if self.obs.structure != 1 or sorted(parts) != ["achieved_goal", "desired_goal", "observation"]:
            return None
        a, d = parts["achieved_goal"], parts["desired_goal"]
        if a[2] != d[2] or a[4] or d[4] or parts["observation"][4] or not callable(getattr(probe, "compute_reward", None)):
            return None
        return a, d

    def compute_reward(self, n, achieved, desired, rewards, terminated):
        """GoalEnv.compute_reward (and compute_terminated, False without it) of n pairs of goals in
        one vectorised call, as Gymnasium-Robotics' GoalEnv and Stable-Baselines3's HER call it, on a
        live instance (the training vector env's)"""
        env = next(iter(self.envs.values()), None)
        if env is None:
            env = self.source if self.kind == "instance" else self._construct()
        (_, _, _, ashape, _, _), (_, _, _, dshape, _, _) = self.goal
        ag, dg, infos = achieved.reshape((n,) + ashape), desired.reshape((n,) + dshape), [{} for _ in range(n)]
        r = np.asarray(env.compute_reward(ag, dg, infos), dtype=np.float64)
        if r.shape != (n,) and not (n == 1 and r.size == 1):
            raise EnvError(f"{self.label}: compute_reward() of {n} pairs of goals returned shape {r.shape}: expected "
                           f"({n},), one reward per pair (a GoalEnv's compute_reward is vectorised, as "
                           "Gymnasium-Robotics and Stable-Baselines3's HER call it)", "bad argument")
        if not np.isfinite(r).all():
            raise EnvError(f"{self.label}: compute_reward() returned {r.reshape(-1)[~np.isfinite(r.reshape(-1))][0]}: "
                           "expected finite numbers", "bad argument")
        rewards[:] = r.reshape(-1)
        term = getattr(env, "compute_terminated", None)
        terminated[:] = np.broadcast_to(np.asarray(term(ag, dg, infos), dtype=bool), (n,)) if callable(term) else False

    def _keep_info_mask(self, handle, info):
        self.info_masks[handle] = info.get("action_mask") if isinstance(info, dict) else None

    def _construct(self):
        env = self.source()
        if not (hasattr(env, "reset") and hasattr(env, "step")):
            raise EnvError(f"env: {self.source!r} returned {env!r}, which has no reset() and step()", "bad argument")
        return env

    def _space(self, env, field):
        space = getattr(env, field, None)
        if space is None:
            raise EnvError(f"{self.label}: no {field}", "bad argument")
        return space

    def _probe_render(self, probe):
        """The frame size (width, height) when the environment renders rgb_array, else None."""
        if getattr(probe, "render_mode", None) != "rgb_array":
            return None
        if self.kind == "instance":
            try:   # the user's instance is not reset here; many environments render only after one
                frame = self._frame(probe.render(), "render()")
            except Exception:
                return (600, 400)   # frames are scaled to the size rlc asks for
        else:
            probe.reset(seed=0)
            frame = self._frame(probe.render(), "render() of a first instance")
        h, w = frame.shape[:2]
        return (min(max(16, w - w % 2), 4096), min(max(16, h - h % 2), 4096))

    def _frame(self, frame, where):
        f = np.asarray(frame)
        if f.ndim != 3 or f.shape[2] not in (3, 4) or f.dtype != np.uint8:
            raise EnvError(f"{self.label}: {where} returned an array of shape {f.shape} and dtype {f.dtype}: "
                           "expected (height, width, 3) uint8 (render_mode 'rgb_array')", "bad argument")
        return f

    # -- instances --

    def make(self):
        if self.kind == "instance":
            if self.instance_free:
                self.instance_free = False
                env = self.source
            else:
                try:
                    env = _copy.deepcopy(self.source)
                except Exception as e:
                    raise EnvError(f"{self.label}: rlc needs one instance per vector copy and evaluation copy, and "
                                   f"copy.deepcopy of the instance failed ({type(e).__name__}: {e}): pass the class "
                                   "or a factory instead", "bad argument") from e
        else:
            env = self._construct()
            for info, field in ((self.obs, "observation_space"), (self.act, "action_space")):
                if not _SpaceInfo(self._space(env, field), field, self.label).same(info):
                    raise EnvError(f"{self.label}: a new instance has {field} {getattr(env, field)!r}, the first "
                                   f"had {info.text}", "bad argument")
        handle = _next_handle()
        self.envs[handle] = env
        return handle

    def close(self, handle):
        self.info_masks.pop(handle, None)
        env = self.envs.pop(handle, None)
        if env is self.source:
            self.instance_free = True   # the user's instance stays open: it is theirs
        elif env is not None:
            _close_quietly(env)

    # -- values --

    def _obs_into(self, o, row, where):
        """writes observation o into row (obs_dim floats)"""
        if self.obs.structure:
            self.obs.put(o, row, self.label, where)
            return
        if self.obs.discrete:
            integer = isinstance(o, (int, np.integer)) or (isinstance(o, np.ndarray) and o.shape == ()
                                                            and o.dtype.kind in "iu")
            if not integer or isinstance(o, (bool, np.bool_)):
                raise EnvError(f"{self.label}: {where} returned the observation {o!r}: expected an integer "
                               f"of {self.obs.text}", "bad argument")
            k = int(o) - self.obs.start
            if not 0 <= k < self.obs.n:
                raise EnvError(f"{self.label}: {where} returned the observation {int(o)}: outside "
                               f"{self.obs.text}", "bad argument")
            row[0] = k
            return
        a = o if type(o) is np.ndarray else np.asarray(o)
        if self.obs.image and (a.shape != self.obs.shape or a.dtype != self.obs.dtype):
            raise EnvError(f"{self.label}: {where} returned an observation of shape {a.shape} and dtype {a.dtype}, "
                           f"expected {self.obs.shape} {self.obs.dtype} (an image: {self.obs.text})", "bad argument")
        if a.dtype.kind not in "biuf":
            raise EnvError(f"{self.label}: {where} returned an observation of dtype {a.dtype} ({o!r:.80}): expected "
                           f"numbers ({self.obs.text})", "bad argument")
        if a.shape != self.obs.shape:
            raise EnvError(f"{self.label}: {where} returned an observation of shape {a.shape}, expected "
                           f"{self.obs.shape} ({self.obs.text})", "bad argument")
        row[:] = a.reshape(-1)

    def _check_finite_obs(self, obs, where):
        if self.obs.image or np.isfinite(obs).all():   # an image's uint8 or bool values are finite
            return
        i, j = np.argwhere(~np.isfinite(obs))[0]
        raise EnvError(f"{self.label}: {where.format(i=i)} returned an observation with observation[{j}] = "
                       f"{obs[i, j]}: expected finite numbers", "bad argument")

    def _action(self, row):
        if self.act.discrete:
            return int(row[0]) + self.act.start
        if self.act.multi:
            return row.astype(self.act.rlc.dtype)
        return row.reshape(self.act.shape).copy()

    def reset(self, handle, seed, obs_addr):
        env = self.envs[handle]
        out = env.reset(seed=int(seed))
        if not isinstance(out, tuple) or len(out) != 2:
            raise EnvError(f"{self.label}: reset() returned {type(out).__name__} {out!r:.80}: expected (obs, info)",
                           "bad argument")
        obs = _view(obs_addr, (1, self.obs.dim), ctypes.c_float, np.float32)
        if self.masks == "info":
            self._keep_info_mask(handle, out[1])
        self._obs_into(out[0], obs[0], "reset()")
        self._check_finite_obs(obs, "reset()")

    def step(self, n, handles, actions, obs, rewards, terminated, truncated):
        """Steps every copy (the hot path: the checks of a good step are inlined; _bad_step
        names what is wrong with a bad one)."""
        envs, shape, discrete_obs = self.envs, self.obs.shape, self.obs.discrete or self.obs.structure
        if self.act.discrete:
            acts = (actions[:, 0].astype(np.int64) + self.act.start).tolist()
        elif self.act.multi:   # the space's integers (int64 components, int8 bits), one row per copy
            acts = actions.astype(self.act.rlc.dtype)
        else:
            acts = actions.reshape((n,) + self.act.shape).copy()
        rews, terms, truncs, rows = [], [], [], []
        flat, info_masks = shape == (self.obs.dim,), self.masks == "info"
        # an image is written into its row as it comes, each value cast to float32 by numpy (no
        # intermediate array); its values are bytes or bools, so they need no check for finiteness
        images = obs.reshape((n,) + shape) if self.obs.image else None
        for i, h in enumerate(handles.tolist()):
            out = envs[h].step(acts[i])
            if type(out) is not tuple or len(out) != 5:
                self._bad_step(i, out)
            o, r, te, tr, info = out
            if info_masks:
                self._keep_info_mask(h, info)
            if discrete_obs:
                self._obs_into(o, obs[i], f"step() of copy {i}")
            else:
                a = o if type(o) is np.ndarray else np.asarray(o)
                if a.shape != shape or a.dtype.kind not in "biuf" or (images is not None and a.dtype != self.obs.dtype):
                    self._obs_into(o, obs[i], f"step() of copy {i}")   # raises, naming the problem
                if images is not None:
                    images[i] = a
                else:
                    rows.append(a if flat else a.reshape(-1))
            if not ((type(r) is float or type(r) is int or isinstance(r, (np.floating, np.integer)))
                    and math.isfinite(r)):
                self._bad_step(i, out)
            if (type(te) is not bool and type(te) is not np.bool_) or (type(tr) is not bool and type(tr) is not np.bool_):
                self._bad_step(i, out)
            rews.append(r)
            terms.append(te)
            truncs.append(tr)
        if rows:
            obs[:] = rows
        rewards[:] = rews
        terminated[:] = terms
        truncated[:] = truncs
        self._check_finite_obs(obs, "step() of copy {i}")

    def _bad_step(self, i, out):
        """raises the EnvError that says what is wrong with step()'s return out of copy i"""
        label = self.label
        if type(out) is not tuple or len(out) != 5:
            n_values = len(out) if isinstance(out, (tuple, list)) else type(out).__name__
            raise EnvError(f"{label}: step() of copy {i} returned {n_values} values: expected (obs, reward, "
                           "terminated, truncated, info) (Gymnasium's API)", "bad argument")
        _, r, te, tr, _ = out
        number = type(r) is float or type(r) is int or isinstance(r, (np.floating, np.integer))
        if not number or not math.isfinite(r):
            raise EnvError(f"{label}: step() of copy {i} returned the reward {r!r} ({type(r).__name__}): "
                           "expected a finite number", "bad argument")
        for flag, value in (("terminated", te), ("truncated", tr)):
            if type(value) is not bool and type(value) is not np.bool_:
                raise EnvError(f"{label}: step() of copy {i} returned {flag} = {value!r} "
                               f"({type(value).__name__}): expected a bool", "bad argument")
        raise AssertionError("_bad_step called on a good step")

    def action_mask(self, handle, mask_addr):
        """writes the instance's action_masks() (sb3-contrib's convention) or the info["action_mask"]
        of its last reset() or step() (Gymnasium's) into mask_addr (n bytes)"""
        if self.masks == "method":
            m, where = np.asarray(_mask_method(self.envs[handle])()), "action_masks() returned"
        else:
            raw, where = self.info_masks.get(handle), 'info["action_mask"] of reset() or step() is'
            if raw is None:
                raise EnvError(f'{self.label}: reset() or step() returned an info without "action_mask", which '
                               "the first reset() had: expected the valid actions in every info", "bad argument")
            m = np.asarray(raw)
        n = self.act.n
        if m.shape != (n,) or m.dtype.kind not in "biu" or not np.isin(m, (0, 1)).all() or not m.any():
            raise EnvError(f"{self.label}: {where} {m!r:.80} (shape {m.shape}, dtype {m.dtype}): "
                           f"expected {n} bools or 0/1 values, at least one true, one per action of "
                           f"{self.act.text}", "bad argument")
        _view(mask_addr, (n,), ctypes.c_uint8, np.uint8)[:] = m.astype(np.uint8)

    def render(self, handle, rgb_addr, width, height):
        env = self.envs[handle]
        f = self._frame(env.render(), "render()")[:, :, :3]
        h0, w0 = f.shape[:2]
        if (h0, w0) != (height, width):   # nearest neighbour
            f = f[(np.arange(height) * h0 // height)[:, None], (np.arange(width) * w0 // width)[None, :]]
        _view(rgb_addr, (height, width, 3), ctypes.c_uint8, np.uint8)[:] = f


def _mask_method(env):
    """the environment's action_masks() method (on it or its unwrapped environment), or None"""
    for e in (env, getattr(env, "unwrapped", None)):
        f = getattr(e, "action_masks", None) if e is not None else None
        if callable(f):
            return f
    return None


def _close_quietly(env):
    close = getattr(env, "close", None)
    if callable(close):
        try:
            close()
        except Exception:
            pass


_handles = [0]


def _next_handle():
    _handles[0] += 1
    return _handles[0]


# ---- the callbacks (one set for every binding: user is the binding's key) ------------------------

_bindings = {}   # key -> _Binding; kept for the life of the process, as rlc keeps the registration
_by_id = {}      # env id -> the _Binding it is bound to now
_pending = []    # the exception a callback raised, until the call that drove it re-raises it


def _fail(exc, err, err_sz, what):
    if not _pending:
        exc.rlc_where = what
        _pending.append(exc)
    text = f"{type(exc).__name__}: {exc}" if not isinstance(exc, EnvError) else str(exc)
    msg = text.encode(errors="replace")
    msg = msg[:max(0, err_sz - 1)] + b"\0"
    ctypes.memmove(err, msg, len(msg))
    return 1


def _cb_make(user, handle, err, err_sz):
    try:
        handle[0] = _bindings[user].make()
        return 0
    except BaseException as e:
        return _fail(e, err, err_sz, "creating an instance")


def _cb_reset(user, handle, seed, obs, err, err_sz):
    try:
        _bindings[user].reset(handle, seed, obs)
        return 0
    except BaseException as e:
        return _fail(e, err, err_sz, "reset()")


_step_views = {}   # the arrays of a step call, by their addresses (a vector env's stay the same)


def _cb_step(user, n, handles, actions, obs, rewards, terminated, truncated, err, err_sz):
    try:
        b = _bindings[user]
        key = (user, n, handles, actions, obs, rewards, terminated, truncated)
        views = _step_views.get(key)
        if views is None:
            if len(_step_views) > 64:
                _step_views.clear()
            views = (_view(handles, (n,), ctypes.c_int64, np.int64),
                     _view(actions, (n, b.act.dim), ctypes.c_float, np.float32),
                     _view(obs, (n, b.obs.dim), ctypes.c_float, np.float32),
                     _view(rewards, (n,), ctypes.c_float, np.float32),
                     _view(terminated, (n,), ctypes.c_bool, np.bool_), _view(truncated, (n,), ctypes.c_bool, np.bool_))
            _step_views[key] = views
        b.step(n, *views)
        return 0
    except BaseException as e:
        return _fail(e, err, err_sz, "step()")


def _cb_close(user, handle):
    try:
        _bindings[user].close(handle)
    except BaseException:
        pass   # closing cannot fail in rlc; the instance is dropped either way


def _cb_render(user, handle, rgb, width, height, err, err_sz):
    try:
        _bindings[user].render(handle, rgb, width, height)
        return 0
    except BaseException as e:
        return _fail(e, err, err_sz, "render()")


def _cb_action_mask(user, handle, mask, err, err_sz):
    try:
        _bindings[user].action_mask(handle, mask)
        return 0
    except BaseException as e:
        return _fail(e, err, err_sz, "action_masks()" if _bindings[user].masks == "method" else 'info["action_mask"]')


def _cb_compute_reward(user, n, achieved, desired, rewards, terminated, err, err_sz):
    try:
        b = _bindings[user]
        g = b.goal[0][2]
        b.compute_reward(n, _view(achieved, (n, g), ctypes.c_float, np.float32),
                         _view(desired, (n, g), ctypes.c_float, np.float32), _view(rewards, (n,), ctypes.c_float, np.float32),
                         _view(terminated, (n,), ctypes.c_bool, np.bool_))
        return 0
    except BaseException as e:
        return _fail(e, err, err_sz, "compute_reward()")


_CALLBACKS = (_lib.MAKE_FN(_cb_make), _lib.RESET_FN(_cb_reset), _lib.STEP_FN(_cb_step), _lib.CLOSE_FN(_cb_close),
              _lib.RENDER_FN(_cb_render))
_MASK_CALLBACK = _lib.MASK_FN(_cb_action_mask)
_REWARD_CALLBACK = _lib.REWARD_FN(_cb_compute_reward)

# At interpreter exit a vector env's handle can be freed after this module's globals are gone (the
# last numpy view of its buffers goes late), and freeing it calls close through these thunks: the
# class that frees handles holds them, so they live as long as any handle does.
from .vector import _VecOwner  # noqa: E402  (vector does not import this module)
_VecOwner._callbacks = (_CALLBACKS, _MASK_CALLBACK, _REWARD_CALLBACK)


def _raise_pending(message):
    """_lib.check's hook: the exception a Python environment raised during the failed call, with
    rlc's message as a note, raised again with its own traceback."""
    if not _pending:
        return
    exc = _pending.pop()
    _pending.clear()
    note = f"rlc: {message}"
    if hasattr(exc, "add_note"):
        exc.add_note(note)
        raise exc
    raise exc from RlcError(note)


_lib.pending_env_error = _raise_pending


def clear_pending():
    _pending.clear()


# ---- binding ------------------------------------------------------------------------------------

def _full_id(env_id):
    if not isinstance(env_id, str) or not env_id:
        raise InvalidArgument(f"env_id: expected a non-empty string, got {env_id!r}", "bad argument")
    return env_id if env_id.startswith(PREFIX) else PREFIX + env_id


def bind(source, env_id=None):
    """Registers source (a Gymnasium environment class, factory or instance) with rlc and returns
    its id ("python:<name>": env_id, or the environment's spec id or class name). Binding the
    same source again returns the same id."""
    full = None if env_id is None else _full_id(env_id)
    for b in _by_id.values():
        if b.source is source and (full is None or b.env_id == full):
            return b.env_id
    clear_pending()
    b = _Binding(source, full)
    key = len(_bindings) + 1
    cb = _lib.EnvCallbacks(key, *_CALLBACKS)
    if b.render_size is not None:
        cb.render_width, cb.render_height = b.render_size
        cb.render_fps = min(max(1, b.fps), 1000)
    else:
        cb.render = _lib.RENDER_FN()
    cb.action_mask = _MASK_CALLBACK if b.masks is not None else _lib.MASK_FN()
    cb.compute_reward = _REWARD_CALLBACK if b.goal is not None else _lib.REWARD_FN()
    _bindings[key] = b
    _register(b.env_id, b.obs, b.act, b.max_episode_steps, b.reward_threshold, ctypes.byref(cb))
    _by_id[b.env_id] = b
    return b.env_id


def is_bound(env_id):
    """True when env_id is bound to a Python environment in this process."""
    return env_id in _by_id


def register_unbound(env_id, obs_space, act_space):
    """Registers env_id with its spaces only (a checkpoint trained on it loads in a process where
    its environment is not bound)."""
    _register(env_id, _SpaceInfo(obs_space, "observation_space", env_id), _SpaceInfo(act_space, "action_space", env_id),
              0, math.nan, None)


def _register(env_id, obs_info, act_info, max_episode_steps, reward_threshold, cb):
    """rlc_env_register_callback, or its _image form for an image observation (C API 11)"""
    obs, keep_o = obs_info.c_space()
    act, keep_a = act_info.c_space()
    if obs_info.image:
        shape = (ctypes.c_int * 3)(*obs_info.shape)
        check(lib.rlc_env_register_callback_image(env_id.encode(), ctypes.byref(obs), shape, obs_info.elem,
                                                  ctypes.byref(act), max_episode_steps, reward_threshold, cb))
    else:
        check(lib.rlc_env_register_callback(env_id.encode(), ctypes.byref(obs), ctypes.byref(act), max_episode_steps,
                                            reward_threshold, cb))
