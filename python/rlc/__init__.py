"""rlc from Python: rlc's environments, training and trained agents over librlc.so (ctypes and
numpy only).

    import rlc
    envs = rlc.make_vec("CartPole-v1", 8, seed=0)
    obs, info = envs.reset()
    obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())
    result = rlc.train("configs/ppo_cartpole.yaml", run_dir="runs/py")
    policy = rlc.load_policy(result.run_dir)
    action = policy(obs[0])

See docs/python.md. Errors raise rlc.RlcError (and subclasses) with rlc's own message.
"""
import ctypes
import os
from typing import NamedTuple

from .errors import ConfigError, Interrupted, InvalidArgument, NotFound, RlcError
from .spaces import Box, Dict, Discrete, MultiBinary, MultiDiscrete, Tuple
from .training import (EvalResult, Loss, LossParam, Policy, RecordResult, TrainResult, evaluate, load_policy,
                       record, resolve_config, train)
from .pyenv import EnvError
from .vector import VecEnv, env_ids, env_spaces, kwargs_arrays, load_plugin, wrappers_text
from ._lib import check as _check, lib as _clib

__all__ = ["make_vec", "make_gymnasium_vec", "check_env", "EnvCheck", "train", "load_policy", "evaluate", "record", "losses",
           "resolve_config", "env_ids", "env_spaces", "load_plugin", "have_mujoco", "VecEnv",
           "Policy", "TrainResult", "RecordResult", "EvalResult", "Loss", "LossParam", "Box", "Dict", "Tuple", "Discrete",
           "MultiDiscrete", "MultiBinary", "RlcError", "EnvError", "ConfigError", "InvalidArgument", "NotFound", "Interrupted"]


def make_vec(env_id, num_envs=1, seed=None, threads=1, plugin=None, max_episode_steps=None,
             copy=True, render_mode=None, render_size=None, kwargs=None, *, pixels=False, pixels_width=84,
             pixels_height=84, pixels_grayscale=False, frame_skip=1, resize=None, grayscale=False, frame_stack=1,
             mask_velocity=False, **env_kwargs):
    """num_envs copies of a registered environment (or of an environment written in Python: a
    Gymnasium class, factory or instance, docs/python-envs.md) as a vector env with Gymnasium's vector API
    and same-step autoreset (rlc.VecEnv).

    seed: the first reset()'s seed when reset() is called without one (copy i gets seed + i) and
    the action space's sampling seed; threads: worker threads stepping the copies (results do
    not depend on it); plugin: a path (or list of paths) of environment plugins to load first;
    max_episode_steps: replaces the registered time limit; copy=False returns views of rlc's
    buffers instead of copies (no allocation per step; the next step overwrites them);
    render_mode="rgb_array" makes render() return every copy's picture, render_size=(width,
    height) its size (default: the environment's, as rlc record draws it); kwargs (a dict) and
    any other keyword argument: the environment's own arguments, as gymnasium.make(id, **kwargs)
    takes them (`rlc envs ID` lists them: make_vec("FrozenLake-v1", 4, is_slippery=False)).

    The observation wrappers of a config's env section, with its keys' names, defaults and meanings
    (docs/configs.md), applied by the C code `rlc train` uses, always in the order pixels, frame_skip,
    resize, grayscale, frame_stack whatever the order of the arguments:
    pixels=True observes the rendered frame, a (pixels_height, pixels_width, 3) uint8 image (one luma
    channel with pixels_grayscale=True); frame_skip=k repeats each action k times, summing the rewards
    (max_episode_steps then counts the repeated steps); resize=(height, width) downscales an image
    observation with OpenCV's INTER_AREA; grayscale=True makes an RGB image one luma channel (H, W, 1);
    frame_stack=k stacks the last k observations along the last axis, oldest first; mask_velocity=True
    zeroes the velocity components of the state. single_observation_space is the wrapped space (shape
    and dtype). These names are make_vec's own: an environment argument of the same name goes in
    kwargs={...}. A bad value raises rlc.InvalidArgument naming the config key (env.frame_skip) and
    what was expected. RL Zoo's CarRacing: make_vec("CarRacing-v3", 8, frame_skip=2, resize=(64, 64),
    grayscale=True, frame_stack=2)."""
    wrappers = dict(pixels=pixels, pixels_width=pixels_width, pixels_height=pixels_height,
                    pixels_grayscale=pixels_grayscale, frame_skip=frame_skip, resize=resize, grayscale=grayscale,
                    frame_stack=frame_stack, mask_velocity=mask_velocity)
    return VecEnv(_env_id(env_id), num_envs, seed=seed, threads=threads, plugin=plugin,
                  max_episode_steps=max_episode_steps, copy=copy, render_mode=render_mode,
                  render_size=render_size, kwargs=_merge_kwargs(kwargs, env_kwargs), wrappers=wrappers)


class EnvCheck(NamedTuple):
    """What rlc.check_env found: ok (no check failed), n_failed and the report `rlc check-env`
    prints (one line per check, PASS / FAIL / SKIP with what is wrong, and a summary)."""
    ok: bool
    n_failed: int
    report: str


def check_env(env, steps=None, seed=0, *, kwargs=None, pixels=False, pixels_width=84, pixels_height=84,
              pixels_grayscale=False, frame_skip=1, resize=None, grayscale=False, frame_stack=1, mask_velocity=False):
    """Runs `rlc check-env`'s checks (docs/environments.md) on a registered environment id or on an
    environment written in Python (a Gymnasium class, factory or instance, bound as make_vec binds
    it: docs/python-envs.md): its spaces as rlc registered them (an image's shape and dtype), reset
    and `steps` random steps (default 2000) from env seed `seed`, observations in their space,
    reproducibility from a seed, termination and truncation. kwargs (a dict): the environment's own
    arguments; pixels, frame_skip, resize, grayscale, frame_stack and the rest: make_vec's observation
    wrappers, the checks then run on the wrapped environment. Returns an EnvCheck; an exception the
    environment raises is raised again, with rlc's message as a note."""
    if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= 100000000):
        raise InvalidArgument(f"steps: expected an int in [1, 100000000] or None, got {steps!r}", "bad argument")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2147483647:
        raise InvalidArgument(f"seed: expected an int in [0, 2147483647], got {seed!r}", "bad argument")
    wrappers = dict(pixels=pixels, pixels_width=pixels_width, pixels_height=pixels_height,
                    pixels_grayscale=pixels_grayscale, frame_skip=frame_skip, resize=resize, grayscale=grayscale,
                    frame_stack=frame_stack, mask_velocity=mask_velocity)
    kw, wr = kwargs_arrays(_merge_kwargs(kwargs, {})), wrappers_text(wrappers)
    env_id = _env_id(env)
    n_failed, text = ctypes.c_int(), ctypes.c_void_p()
    _check(_clib.rlc_env_check_wrapped(os.fsencode(env_id) if not isinstance(env_id, bytes) else env_id,
                                       steps or 0, seed, *kw, *wr, ctypes.byref(n_failed), ctypes.byref(text)))
    try:
        report = ctypes.string_at(text.value).decode(errors="replace")
    finally:
        _clib.rlc_free(text)
    return EnvCheck(n_failed.value == 0, n_failed.value, report)


def _merge_kwargs(kwargs, env_kwargs):
    """kwargs={...} and the other keyword arguments of make_vec, as one dict (None: none)"""
    if kwargs is not None and not isinstance(kwargs, dict):
        raise InvalidArgument(f"kwargs: expected a dict of the environment's arguments, got {kwargs!r}",
                              "bad argument")
    both = dict(kwargs or {})
    for k, v in env_kwargs.items():
        if k in both:
            raise InvalidArgument(f"kwargs: '{k}' is given twice", "bad argument")
        both[k] = v
    return both or None


def _env_id(env):
    """a registered id as given, or the id a Python environment (class, factory, instance) is bound to"""
    if isinstance(env, (str, bytes)) or hasattr(env, "__fspath__"):
        return env
    from .pyenv import bind
    return bind(env)


def make_gymnasium_vec(env_id, num_envs=1, seed=None, threads=1, plugin=None,
                       max_episode_steps=None, copy=True, render_mode=None, render_size=None, kwargs=None,
                       **env_kwargs):
    """The same vector env as a real gymnasium.vector.VectorEnv (needs the gymnasium package); the
    observation wrappers (pixels=, frame_skip=, resize=, grayscale=, frame_stack=, ...) are make_vec's."""
    try:
        from .gymnasium_adapter import GymnasiumVecEnv
    except ImportError as e:
        if getattr(e, "name", None) != "gymnasium":
            raise
        raise ImportError("rlc.make_gymnasium_vec needs the gymnasium package, which is not installed: "
                          "`pip install gymnasium` (Debian has no package of it); rlc.make_vec gives the same "
                          "vector env with numpy alone", name="gymnasium") from e
    return GymnasiumVecEnv(make_vec(env_id, num_envs, seed=seed, threads=threads, plugin=plugin,
                                    max_episode_steps=max_episode_steps, copy=copy,
                                    render_mode=render_mode, render_size=render_size, kwargs=kwargs,
                                    **env_kwargs))


def have_mujoco():
    """True when this librlc has the MuJoCo environments."""
    return bool(_clib.rlc_have_mujoco())


def __getattr__(name):
    # rlc.losses: the loss registry, read from the library on first use
    if name == "losses":
        from .training import loss_registry
        value = loss_registry()
        globals()["losses"] = value
        return value
    raise AttributeError(f"module 'rlc' has no attribute {name!r}")
