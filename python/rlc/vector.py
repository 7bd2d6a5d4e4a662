"""rlc python: rlc's vector env with Gymnasium's vector API.

VecEnv steps n copies of a registered environment inside librlc (envs/env.h env_vec) with
Gymnasium's same-step autoreset: when a copy's episode ends, step() returns the new episode's first
observation in obs and the finished episode's last observation in infos["final_obs"] (an object
array, None for copies that did not finish; infos["_final_obs"] is the mask), with the finished
episode's return and length in infos["final_info"]["episode"] ("r", "l"). Observations, rewards
and flags are numpy views of rlc's own buffers; with copy=True (the default, as Gymnasium's)
step() and reset() return copies that the next step does not overwrite. With copy=False they are
the views themselves, and a view keeps the environment's memory alive (numpy's base chain): the
environment is freed when neither the VecEnv nor any view refers to it any more.

An environment that publishes action masks (Taxi-v3, a Python environment with action_masks() or
info["action_mask"]) puts them where Gymnasium's Taxi does: infos["action_mask"] (num_envs, n)
int8, 1 for a valid action of each copy's current state, after reset() and every step() (with
infos["_action_mask"] all true), and the finished episodes' last states' masks in
infos["final_info"]["action_mask"].

A Dict or Tuple observation space (DictCue-v0, TupleCue-v0, a Python environment's) is
single_observation_space as rlc.Dict or rlc.Tuple of Box parts (images with their shape and
dtype), and observations (and infos["final_obs"] entries) are dicts or tuples of arrays, one per
part, split from rlc's flat rows (the parts concatenated, a Dict's keys sorted).

An image observation space (MinAtar's (10, 10, C) bool channels, CarRacing-v3's (96, 96, 3) uint8
frames: rlc_vec_obs_image) is single_observation_space as Box(low, high, (height, width,
channels), dtype) with the image's dtype (float32, uint8 or bool) and its bounds in that shape, and
observations (and infos["final_obs"] entries) are arrays (num_envs, height, width, channels) of
that dtype, rlc's flat rows reshaped (value (y, x, c) of a row at (y * width + x) * channels + c).
A uint8 or bool image is converted from rlc's float rows, so it is a new array even with
copy=False (as a Discrete index or a Dict's parts are); a float32 image is a reshaped view then.

The observation wrappers of a config's env section (wrappers: pixels, frame_skip, resize,
grayscale, frame_stack, mask_velocity and pixels' size and grayscale, WRAPPER_KEYS) are applied
inside librlc by the code rlc train uses (rlc_vec_make_wrapped), in its fixed order; the spaces are
the wrapped environment's.

With render_mode="rgb_array", render() draws every copy's current state as rlc record does
(classic control as Gymnasium draws it, MuJoCo offscreen, a plugin's own renderer) and returns a
tuple of (height, width, 3) uint8 arrays, as Gymnasium's vector envs do.
"""
import ctypes

import numpy as np

from . import _lib
from ._lib import c_integer, check, encode, lib
from .errors import InvalidArgument
from .spaces import Box, Dict, Discrete, MultiBinary, MultiDiscrete, Tuple, batch_space, split_flat


def env_ids():
    """The ids of every registered environment (plugins loaded so far included)."""
    return [lib.rlc_env_id(i).decode() for i in range(lib.rlc_env_count())]


def load_plugin(path):
    """Loads an environment plugin (.so with rlc_plugin_init); loading a path twice does nothing."""
    check(lib.rlc_load_plugin(encode(str(path))))


def _space(s, image=None):
    """the Space of rlc_space s; image: (shape, dtype) of an image Box (obs_image), or None"""
    if s.kind == 0:
        return Discrete(s.n)
    if s.kind == 2:
        return MultiDiscrete(np.ctypeslib.as_array(s.nvec, shape=(s.dim,)).astype(np.int64))
    if s.kind == 3:
        return MultiBinary(s.dim)
    low = np.ctypeslib.as_array(s.low, shape=(s.dim,)).copy()
    high = np.ctypeslib.as_array(s.high, shape=(s.dim,)).copy()
    if s.structure and s.n_parts:
        return _structured_space(s, low, high)
    if image is not None:
        shape, dtype = image
        return Box(low.reshape(shape), high.reshape(shape), dtype=dtype)
    return Box(low, high, dtype=np.float32)


_ELEM_DTYPES = (np.float32, np.uint8, np.bool_)   # env_elem_type: float32, uint8, bool


def obs_image(fn, arg):
    """(shape, dtype) of an image observation space by rlc_env_obs_image, rlc_vec_obs_image or
    rlc_policy_obs_image (fn) of arg, or None for any other space"""
    rank, shape, elem = ctypes.c_int(), (ctypes.c_int * 3)(), ctypes.c_int()
    check(fn(arg, ctypes.byref(rank), shape, ctypes.byref(elem)))
    return (tuple(shape), _ELEM_DTYPES[elem.value]) if rank.value == 3 else None


def _structured_space(s, low, high):
    """a Dict (structure 1) or Tuple (2) of Box parts: images (rank 3) of their shape and element type"""
    parts, at = [], 0
    for i in range(s.n_parts):
        p = s.parts[i]
        shape = tuple(p.shape) if p.rank == 3 else (p.dim,)
        lo, hi = low[at:at + p.dim].reshape(shape), high[at:at + p.dim].reshape(shape)
        parts.append(Box(lo, hi, dtype=_ELEM_DTYPES[p.elem] if p.rank == 3 else np.float32))
        at += p.dim
    if s.structure == 1:
        return Dict({s.parts[i].name.decode(): parts[i] for i in range(s.n_parts)})
    return Tuple(parts)


def env_spaces(env_id):
    """(observation_space, action_space, max_episode_steps, reward_threshold) of a registered id;
    max_episode_steps is None without a time limit, reward_threshold None when there is none."""
    obs, act = _lib.Space(), _lib.Space()
    steps, thr = ctypes.c_int(), ctypes.c_double()
    check(lib.rlc_env_info(encode(env_id), ctypes.byref(obs), ctypes.byref(act), ctypes.byref(steps),
                           ctypes.byref(thr)))
    image = obs_image(lib.rlc_env_obs_image, encode(env_id))
    return (_space(obs, image), _space(act), steps.value or None,
            None if np.isnan(thr.value) else thr.value)


def _kwarg_text(key, value):
    """a keyword argument's value as the YAML scalar env.kwargs would hold (a list joined with ',')"""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(_kwarg_text(key, v) for v in value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
    if isinstance(value, (str, bytes)):
        return value.decode() if isinstance(value, bytes) else value
    raise InvalidArgument(f"kwargs: {key}: expected a bool, number, string or a list of them, got {value!r}",
                          "bad argument")


def _kwargs_text(kwargs):
    """(keys, values) as C strings for rlc_vec_make_kwargs"""
    if kwargs is None:
        return [], []
    if not isinstance(kwargs, dict):
        raise InvalidArgument(f"kwargs: expected a dict of the environment's arguments, got {kwargs!r}",
                              "bad argument")
    keys = [encode(str(k)) for k in kwargs]
    vals = [encode(_kwarg_text(k, v)) for k, v in kwargs.items()]
    return keys, vals


# the observation wrappers of a config's env section that make_vec and check_env take, in the
# order rlc applies them (train/trainer_env.c; docs/configs.md)
WRAPPER_KEYS = ("pixels", "pixels_width", "pixels_height", "pixels_grayscale", "frame_skip", "resize", "grayscale",
                "frame_stack", "mask_velocity")
_INT_WRAPPERS = ("pixels_width", "pixels_height", "frame_skip", "frame_stack")


def _wrapper_text(key, value):
    """a wrapper's value as the YAML text of its env key (a list in flow style, [64, 64]); rlc's config
    layer checks its type and range"""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_wrapper_text(key, v) for v in value) + "]"
    want = ("(height, width), two ints" if key == "resize" else "an int" if key in _INT_WRAPPERS else "a bool")
    raise InvalidArgument(f"{key}: expected {want}, got {value!r}", "bad argument")


def wrappers_text(wrappers):
    """(keys, values) as C arrays and their count for rlc_vec_make_wrapped and rlc_env_check_wrapped:
    the wrappers {key: value} whose value is not None"""
    given = {k: v for k, v in (wrappers or {}).items() if v is not None}
    for k in given:
        if k not in WRAPPER_KEYS:
            raise InvalidArgument(f"{k}: not an observation wrapper (expected one of {', '.join(WRAPPER_KEYS)})",
                                  "bad argument")
    keys = [encode(k) for k in given]
    vals = [encode(_wrapper_text(k, v)) for k, v in given.items()]
    n = len(keys)
    return (ctypes.c_char_p * max(n, 1))(*keys), (ctypes.c_char_p * max(n, 1))(*vals), n


def kwargs_arrays(kwargs):
    """(keys, values) as C arrays and their count for rlc_vec_make_kwargs and the like"""
    keys, vals = _kwargs_text(kwargs)
    n = len(keys)
    return (ctypes.c_char_p * max(n, 1))(*keys), (ctypes.c_char_p * max(n, 1))(*vals), n


def _vec_spaces(handle):
    """env_spaces of a vector env's own environment (its keyword arguments applied)"""
    obs, act = _lib.Space(), _lib.Space()
    steps, thr = ctypes.c_int(), ctypes.c_double()
    check(lib.rlc_vec_info(handle, ctypes.byref(obs), ctypes.byref(act), ctypes.byref(steps), ctypes.byref(thr)))
    return (_space(obs, obs_image(lib.rlc_vec_obs_image, handle)), _space(act), steps.value or None,
            None if np.isnan(thr.value) else thr.value)


class _VecOwner:
    """Owns an rlc_vec handle and frees it with the last reference: the VecEnv's (until close)
    or a numpy view's of its buffers."""

    _free = lib.rlc_vec_free   # kept here: module globals may be gone when the last view goes

    def __init__(self):
        self.handle = ctypes.c_void_p()

    def __del__(self):
        if self.handle:
            self._free(self.handle)
            self.handle = ctypes.c_void_p()


class _Buffer:
    """One of the vector env's C arrays as numpy sees it (__array_interface__): the base of the
    array made from it, holding the owner of the memory."""

    def __init__(self, owner, ptr, shape, ctype):
        self.owner = owner
        self.__array_interface__ = {"version": 3, "shape": shape, "typestr": np.dtype(ctype).str,
                                    "data": (ctypes.cast(ptr, ctypes.c_void_p).value, False)}


def _view(owner, ptr, shape):
    return np.asarray(_Buffer(owner, ptr, shape, ptr._type_))


def _check_seed(seed, where):
    """A seed for rlc_vec_reset (int64_t): an integer >= 0."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidArgument(f"{where}: expected an integer >= 0 or None, got {seed!r}", "bad argument")
    return c_integer(seed, where, "int64_t")


class VecEnv:
    """num_envs copies of env_id (see the module doc and rlc.make_vec)."""

    _VIEWS = ("_obs", "_final_obs", "_rewards", "_terminated", "_truncated", "_ep_return", "_ep_length",
              "_n_done")

    metadata = {"autoreset_mode": "SameStep", "render_modes": []}
    render_mode = None

    def __init__(self, env_id, num_envs, seed=None, threads=1, plugin=None, max_episode_steps=None,
                 copy=True, render_mode=None, render_size=None, kwargs=None, wrappers=None):
        for p in ([] if plugin is None else [plugin] if isinstance(plugin, (str, bytes)) or
                  hasattr(plugin, "__fspath__") else plugin):
            load_plugin(p)
        self._handle = ctypes.c_void_p()
        self.closed = True
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)):
            raise InvalidArgument(f"num_envs: expected an integer >= 1, got {num_envs!r}", "bad argument")
        num_envs = c_integer(num_envs, "num_envs")
        max_episode_steps = c_integer(max_episode_steps or 0, "max_episode_steps")
        threads = c_integer(threads, "threads")
        if seed is not None:
            seed = _check_seed(seed, "seed")
        self._owner = _VecOwner()
        check(lib.rlc_vec_make_wrapped(ctypes.byref(self._owner.handle), encode(env_id), num_envs,
                                       max_episode_steps, threads, *kwargs_arrays(kwargs), *wrappers_text(wrappers)))
        self._handle = self._owner.handle
        self.closed = False
        self.env_id = env_id
        self.kwargs = dict(kwargs or {})
        self.wrappers = {k: v for k, v in (wrappers or {}).items() if v is not None}
        self.num_envs = num_envs
        self.copy = copy
        obs_space, act_space, limit, thr = _vec_spaces(self._handle)
        # with frame_skip, rlc's limit is the wrapper's (agent steps; max_episode_steps counts inner ones)
        skips = (self.wrappers.get("frame_skip") or 1) > 1
        self.max_episode_steps = limit if skips else max_episode_steps or limit
        self.reward_threshold = thr
        self.single_observation_space, self.single_action_space = obs_space, act_space
        self.observation_space = batch_space(obs_space, self.num_envs)
        self.action_space = batch_space(act_space, self.num_envs)
        self._seed = seed
        if seed is not None:
            self.action_space.seed(seed)
        self._map_buffers()
        self._needs_reset = True
        self._open_renderer(render_mode, render_size)

    def _open_renderer(self, render_mode, render_size):
        self.metadata = dict(VecEnv.metadata)
        if render_mode is None:
            if render_size is not None:
                raise InvalidArgument("render_size: needs render_mode='rgb_array'", "bad argument")
            return
        if render_mode != "rgb_array":
            raise InvalidArgument(f"render_mode: expected None or 'rgb_array', got {render_mode!r}",
                                  "bad argument")
        width, height = 0, 0
        if render_size is not None:
            try:
                width, height = render_size
            except (TypeError, ValueError):
                raise InvalidArgument(f"render_size: expected (width, height), got {render_size!r}",
                                      "bad argument") from None
            width, height = (c_integer(v, "render_size") for v in (width, height))
            if width < 1 or height < 1:
                raise InvalidArgument(f"render_size: expected positive (width, height), got "
                                      f"{render_size!r}", "bad argument")
        w, h, fps = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        check(lib.rlc_vec_render_open(self._handle, width, height, ctypes.byref(w), ctypes.byref(h),
                                      ctypes.byref(fps)))
        self.render_mode = render_mode
        self._frame_shape = (h.value, w.value, 3)
        self.metadata.update(render_modes=["rgb_array"], render_fps=fps.value)

    def render(self):
        """Every copy's current state as a tuple of (height, width, 3) uint8 RGB arrays (the
        vector env must be made with render_mode="rgb_array"). After a step, a copy whose
        episode ended shows the next episode's first state, as its observation does."""
        self._check_open()
        if self.render_mode is None:
            raise InvalidArgument(f"{self.env_id}: render() needs a vector env made with "
                                  "render_mode='rgb_array'", "bad argument")
        frames = []
        for i in range(self.num_envs):
            rgb = np.empty(self._frame_shape, dtype=np.uint8)
            check(lib.rlc_vec_render(self._handle, i, rgb.ctypes.data_as(ctypes.c_void_p), rgb.size))
            frames.append(rgb)
        return tuple(frames)

    def _map_buffers(self):
        b = _lib.VecBuffers()
        lib.rlc_vec_get_buffers(self._handle, ctypes.byref(b))
        n, owner = b.n, self._owner
        self._obs = _view(owner, b.obs, (n, b.obs_dim))
        self._final_obs = _view(owner, b.final_obs, (n, b.obs_dim))
        self._rewards = _view(owner, b.rewards, (n,))
        self._terminated = _view(owner, b.terminated, (n,))
        self._truncated = _view(owner, b.truncated, (n,))
        self._ep_return = _view(owner, b.ep_return, (n,))
        self._ep_length = _view(owner, b.ep_length, (n,))
        self._actions = np.zeros((n, b.act_dim), dtype=np.float32)
        self._actions_flat = self._actions.reshape(-1)
        self._actions_ptr = self._actions.ctypes.data_as(ctypes.c_void_p)
        self._n_values = self._actions.size
        self._n_done = _view(owner, b.n_done, (1,))
        self._step = lib.rlc_vec_step
        self._discrete_obs = isinstance(self.single_observation_space, Discrete)
        self._structured = isinstance(self.single_observation_space, (Dict, Tuple))
        self._image = len(self.single_observation_space.shape) == 3   # only an image Box has three axes
        self._convert = self._discrete_obs or self._structured or self._image
        self._masks = self._final_masks = None
        mask, final, k = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_int()
        check(lib.rlc_vec_action_masks(self._handle, ctypes.byref(mask), ctypes.byref(final), ctypes.byref(k)))
        if mask.value:
            i8 = ctypes.POINTER(ctypes.c_int8)
            self._masks = _view(owner, ctypes.cast(mask, i8), (n, k.value))
            self._final_masks = _view(owner, ctypes.cast(final, i8), (n, k.value))

    def _mask_infos(self, infos):
        """infos with the copies' action masks (Gymnasium's Taxi: info["action_mask"], int8)"""
        if self._masks is not None:
            infos["action_mask"] = self._masks.copy()
            infos["_action_mask"] = np.ones(self.num_envs, dtype=bool)
        return infos

    def _observations(self, obs):
        if self._discrete_obs:
            return obs[:, 0].astype(np.int64)
        if self._structured:   # a dict (or tuple) of arrays, one per part, each a copy
            return split_flat(self.single_observation_space, obs)
        if self._image:   # (num_envs, H, W, C) of the image's dtype
            sp = self.single_observation_space
            img = obs.reshape(obs.shape[:1] + sp.shape)
            return img.astype(sp.dtype) if sp.dtype != img.dtype or self.copy else img
        return obs.copy() if self.copy else obs

    def reset(self, *, seed=None, options=None):
        """Resets every copy: seed (an int) seeds copy i with seed + i; None keeps the RNG streams
        (the first reset uses make_vec's seed). Returns (obs, infos)."""
        self._check_open()
        if seed is None and self._needs_reset and self._seed is not None:
            seed = self._seed
        if seed is not None:
            seed = _check_seed(seed, "reset: seed")
            self.action_space.seed(seed)
        check(lib.rlc_vec_reset(self._handle, -1 if seed is None else seed))
        self._needs_reset = False
        return self._observations(self._obs), self._mask_infos({})

    def step(self, actions):
        """Steps every copy with actions (num_envs,) for Discrete or (num_envs, dim) for Box,
        MultiDiscrete (integers) and MultiBinary (0 or 1).
        Returns (obs, rewards, terminations, truncations, infos)."""
        if self._needs_reset:
            self._check_open()
            raise InvalidArgument(f"{self.env_id}: call reset() before step()", "bad argument")
        a = actions if type(actions) is np.ndarray else np.asarray(actions)
        if a.size == self._n_values:
            self._actions_flat[:] = a.reshape(-1)
        status = self._step(self._handle, self._actions_ptr, a.size)
        if status:
            check(status)
        infos = self._final_infos() if self._n_done[0] else {}
        if self._masks is not None:
            self._mask_infos(infos)
        if self._convert:
            obs = self._observations(self._obs)
        else:
            obs = self._obs.copy() if self.copy else self._obs
        if self.copy:
            return obs, self._rewards.copy(), self._terminated.copy(), self._truncated.copy(), infos
        return obs, self._rewards, self._terminated, self._truncated, infos

    def _final_infos(self):
        done = self._terminated | self._truncated
        final = np.empty(self.num_envs, dtype=object)
        for i in np.flatnonzero(done):
            fo = self._final_obs[i]
            if self._structured:
                final[i] = split_flat(self.single_observation_space, fo)
            elif self._image:   # astype copies
                final[i] = fo.reshape(self.single_observation_space.shape).astype(self.single_observation_space.dtype)
            else:
                final[i] = np.int64(fo[0]) if self._discrete_obs else fo.copy()
        episode = {"r": np.where(done, self._ep_return, 0.0), "_r": done.copy(),
                   "l": np.where(done, self._ep_length, 0).astype(np.int32), "_l": done.copy()}
        final_info = {"episode": episode, "_episode": done.copy()}
        if self._final_masks is not None:
            final_info["action_mask"] = np.where(done[:, None], self._final_masks, 0).astype(np.int8)
            final_info["_action_mask"] = done.copy()
        return {"final_obs": final, "_final_obs": done.copy(), "final_info": final_info, "_final_info": done.copy()}

    def _check_open(self):
        if self.closed:
            raise InvalidArgument("the vector env is closed", "bad argument")

    def close(self):
        """Closes the vector env: using it afterwards raises ValueError (closing again does
        nothing). Its memory is freed now, or when the last copy=False result still referring
        to it goes."""
        if not self.closed:
            self.closed = True
            self._needs_reset = True
            self._handle = ctypes.c_void_p()
            for name in self._VIEWS:
                setattr(self, name, None)
            self._owner = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"rlc.VecEnv({self.env_id!r}, num_envs={self.num_envs})"
