"""rlc python: training from a config file or dict, trained policies, evaluation and the loss
registry, over librlc's C API (api/rlc_api.h)."""
import collections
import ctypes
import functools
import json
import math
import os
import re
import stat
import threading

import numpy as np

from . import _lib, pyenv
from ._lib import TRAIN_FN, c_integer, check, encode, lib, take_string
from .errors import InvalidArgument
from .spaces import Box, Dict, MultiBinary, MultiDiscrete, Tuple, flatten_structured
from .vector import Discrete, _space, env_ids, obs_image

TrainResult = collections.namedtuple(
    "TrainResult", "run_dir steps wall_s sps eval_mean eval_std threshold_step threshold_wall_s "
    "env_warnings seed stop_reason")
TrainResult.__doc__ = """What rlc.train returns: the run directory, environment steps, wall-clock
seconds and steps/s of training, the final deterministic evaluation (mean and std of the return),
the first step and second at which the mean training return reached the environment's threshold
(None if never), the environments' numerical warnings, the run's seed, and why the run ended
before total_steps ("step N: ...", a `stop:` rule or the callback; None when it did not)."""

EvalResult = collections.namedtuple("EvalResult", "mean std episodes")
Loss = collections.namedtuple("Loss", "name kind formula params")
LossParam = collections.namedtuple("LossParam", "name default low high low_open high_open doc")

# ---- config dicts as YAML -------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./+-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _scalar(v, where):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return ".nan"
        if math.isinf(v):
            return ".inf" if v > 0 else "-.inf"
        return repr(v)
    if isinstance(v, (str, os.PathLike)):
        s = os.fspath(v)
        return s if _PLAIN.fullmatch(s) and s.lower() not in _YAML_WORDS else json.dumps(s)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k, where)}: {_scalar(x, where)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_scalar(x, where) for x in v) + "]"
    raise InvalidArgument(f"{where}: cannot express {type(v).__name__} value {v!r} in a config "
                          "(expected numbers, booleans, strings, lists and dicts)", "bad argument")


def _key(k, where):
    if not isinstance(k, str) or not _PLAIN.fullmatch(k):
        raise InvalidArgument(f"{where}: config keys must be plain names, got {k!r}", "bad argument")
    return k


def config_to_yaml(config, indent=0, where="config"):
    """A config dict as block YAML, one key per line (so rlc's messages name useful lines)."""
    lines = []
    for k, v in config.items():
        k = _key(k, where)
        if isinstance(v, dict) and v and indent == 0:
            lines.append(f"{k}:")
            lines.append(config_to_yaml(v, indent + 2, f"{where}.{k}"))
        else:
            lines.append(" " * indent + f"{k}: {_scalar(v, f'{where}.{k}')}")
    return "\n".join(lines)


def _overrides(overrides):
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        return [f"{_key(k, 'overrides')}={_scalar(v, 'overrides.' + k)}" for k, v in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return [str(s) for s in overrides]


def _config_args(config, overrides):
    """(path, yaml, sets as a ctypes array, count) for the C API."""
    path = yaml = None
    if isinstance(config, dict):
        yaml = config_to_yaml(config).encode() + b"\n"
    elif isinstance(config, (str, os.PathLike)):
        path = os.fsencode(config)
    elif config is not None:
        raise InvalidArgument(f"config: expected a path or a dict, got {type(config).__name__}",
                              "bad argument")
    sets = [s.encode() for s in _overrides(overrides)]
    arr = (ctypes.c_char_p * max(1, len(sets)))(*sets)
    return path, yaml, arr, len(sets)


def resolve_config(config, overrides=None):
    """The resolved config (every key, as YAML text) that rlc.train would run."""
    path, yaml, sets, n = _config_args(config, overrides)
    out = ctypes.c_void_p()
    check(lib.rlc_config_resolve(path, yaml, b"dict", sets, n, ctypes.byref(out)))
    return take_string(out)


def _run_env_id(run_dir):
    """env.id of the run in run_dir (its config.yaml), or None when it cannot be read."""
    try:
        text = resolve_config(os.path.join(os.fspath(run_dir), "config.yaml"))
    except Exception:
        return None
    section = None
    for line in text.splitlines():
        if line and not line[0].isspace():
            section = line.split(":")[0]
        elif section == "env" and line.strip().startswith("id:"):
            value = line.split(":", 1)[1].strip()
            return json.loads(value) if value.startswith('"') else value
    return None


def _python_env(env, env_id, resume, run_dir):
    """Binds a Python environment for train() and returns the env.id override (None when the
    config keeps its own); refuses resuming a Python environment's run without it."""
    if env is None:
        if env_id is not None:
            raise InvalidArgument("env_id: names the Python environment given as env=, and none was given",
                                  "bad argument")
        run_id = _run_env_id(run_dir) if resume and run_dir is not None else None
        if run_id and run_id.startswith(pyenv.PREFIX) and not pyenv.is_bound(run_id):
            raise InvalidArgument(f"{run_dir}: the run trained on the Python environment '{run_id}': pass it "
                                  "again as env= to resume", "bad argument")
        return None
    if resume and env_id is None and run_dir is not None:
        env_id = _run_env_id(run_dir)
    return pyenv.bind(env, env_id)


_INT_COLUMNS = ("step", "episodes")
_NO_CALLBACK = TRAIN_FN()   # NULL
_callbacks = threading.local()   # the callback of the rlc.train running on this thread, if any


def _train_callback(callback):
    """The C function for rlc_train_set_callback over callback, and the list that receives an
    exception it raises (the run then stops, and train raises it once the trainer has stopped)."""
    raised = []

    def on_row(_user, event):
        if raised:
            return 1   # not called again once it raised
        try:
            e = event.contents
            row = {"kind": "eval" if e.kind == 1 else "log"}
            for i in range(e.n):
                name, value = e.names[i].decode(), e.values[i]
                row[name] = int(value) if name in _INT_COLUMNS else value
            return 1 if callback(row) is False else 0
        except BaseException as exc:   # KeyboardInterrupt too: stop cleanly, raise it after
            raised.append(exc)
            return 1
    return TRAIN_FN(on_row), raised


def _run_with_callback(callback, run):
    """run() (the rlc_train call) with callback set for this thread; the status, and the exception
    the callback raised or None."""
    if callback is not None and not callable(callback):
        raise InvalidArgument(f"callback: expected a function of one argument, got {type(callback).__name__}",
                              "bad argument")
    fn, raised = _train_callback(callback) if callback is not None else (_NO_CALLBACK, [])
    outer = getattr(_callbacks, "fn", _NO_CALLBACK)   # an rlc.train started from inside a callback
    _callbacks.fn = fn
    lib.rlc_train_set_callback(fn, None)
    try:
        status = run()
    finally:
        _callbacks.fn = outer
        lib.rlc_train_set_callback(outer, None)
    return status, raised[0] if raised else None


def train(config=None, run_dir=None, overrides=None, seed=None, resume=False, quiet=True, env=None,
          env_id=None, callback=None):
    """Trains an agent as `rlc train` does and returns a TrainResult.

    config: a YAML file path or a dict of the same structure ({"algo": "ppo", "env": {"id": ...},
    ...}); overrides: {"section.key": value} or ["section.key=value", ...] (as --set); seed:
    shorthand for the override seed=N; run_dir: where to write the run (default
    runs/<config name>-seed<N>, "dict" for a dict); resume=True continues the run in run_dir.
    quiet=False prints the progress line. Raises ConfigError, InvalidArgument, ... with rlc's
    message; Interrupted when SIGINT/SIGTERM stopped the run (its checkpoint is saved).

    env: an environment written in Python with Gymnasium's API -- a class, a factory or an
    instance -- trained on instead of the config's env.id (which becomes "python:<name>",
    env_id or the environment's name; docs/python-envs.md). An exception raised inside it stops
    the run with a checkpoint of the step reached and is raised again here, with its traceback.

    callback: a function called with a dict for every metrics.csv row (each log.log_interval:
    {"kind": "log", "step": ..., "episodes": ..., "return_mean": ..., and the agent's columns})
    and every evaluation ({"kind": "eval", "step", "return_mean", "return_std", "episodes"}).
    Returning False stops the run as a `stop:` rule does: the checkpoint and best model are
    written, and train returns with stop_reason set. Any other return value goes on. An exception
    raised in it stops the run the same way and is raised again here, with its traceback."""
    if resume and config is not None:
        raise InvalidArgument("train: give either a config or resume=True with run_dir, not both",
                              "bad argument")
    bound = _python_env(env, env_id, resume, run_dir)
    sets = _overrides(overrides)
    if bound is not None and not resume:
        sets.append(f"env.id={_scalar(bound, 'env')}")
    if seed is not None:
        sets.append(f"seed={c_integer(seed, 'seed', 'int64_t')}")
    pyenv.clear_pending()
    path, yaml, arr, n = _config_args(config, sets)
    res = _lib_result()
    out = ctypes.create_string_buffer(4096)
    status, raised = _run_with_callback(callback, lambda: lib.rlc_train(
        path, yaml, b"dict", arr, n, encode(None if run_dir is None else os.fspath(run_dir)), bool(resume),
        bool(quiet), ctypes.byref(res), out, len(out)))
    stop_reason = lib.rlc_train_stop_reason().decode(errors="replace") or None
    if raised is not None:
        raise raised
    check(status)
    reached = res.threshold_step >= 0
    return TrainResult(os.fsdecode(out.value), res.steps, res.wall_s, res.sps, res.eval_mean,
                       res.eval_std, res.threshold_step if reached else None,
                       res.threshold_wall_s if reached else None, res.env_warnings, res.seed, stop_reason)


def _lib_result():
    from ._lib import TrainResult as CResult
    return CResult()


class Policy:
    """A trained agent loaded for inference: policy(obs) -> the deterministic action, with the
    observation normalisation saved in the checkpoint applied (as `rlc rollout --policy` and
    `rlc eval` act). obs is one observation (obs_dim,) or a batch (..., obs_dim); the result is
    an int64 index (Discrete), an int64 (dim,) array (MultiDiscrete), an int8 (n,) array of bits
    (MultiBinary) or a float32 (act_dim,) array (Box) per observation.

    A policy trained with `recurrent:` is stateful (policy.recurrent): row i of each call (at most
    64 rows) continues the episode row i of the previous call played, and policy.reset() starts
    new episodes (every row, or the rows where a boolean array is true). Call reset() at each
    episode start; a fresh policy and one just evaluated start from a zero state.

    For a Discrete observation space obs is an index or an array of indices (the agent sees them
    one-hot encoded). For a Dict or Tuple one obs is a dict (or tuple) of arrays, one per part, each
    of the part's shape or a batch of them (..., *shape) with the same leading axes, as make_vec
    returns them; a missing key raises InvalidArgument naming it. For an image observation space
    (policy.observation_space a Box of shape (height, width, channels): MinAtar, CarRacing-v3, a run
    with env.pixels or env.frame_stack) obs is one image of that shape or a batch (..., height,
    width, channels), of any numeric or bool dtype, as make_vec returns them; flat rows (...,
    height * width * channels) in rlc's order are still taken.

    action_mask (policy.act(obs, action_mask=m) or policy(obs, action_mask=m)): the valid actions
    of each observation's state, (n,) or (..., n) bools or 0/1 values for a Discrete(n) action
    space, at least one valid per row, as Gymnasium's info["action_mask"] gives them (make_vec's
    infos["action_mask"] for Taxi-v3 and other masking environments): the action is the best
    among the valid ones, as `rlc eval` acts on a masking environment. Agents that take masks:
    ppo, a2c and the DQN family."""

    def __init__(self, path):
        self._handle = ctypes.c_void_p()
        _register_checkpoint_env(path)
        check(lib.rlc_policy_load(ctypes.byref(self._handle), encode(os.fspath(path))))
        self.path = os.fspath(path)
        self.env_id = lib.rlc_policy_env_id(self._handle).decode()
        self.algo = lib.rlc_policy_algo(self._handle).decode()
        self.observation_space, self.action_space = _policy_spaces(self._handle)
        self._discrete = isinstance(self.action_space, Discrete)
        self._multi = isinstance(self.action_space, (MultiDiscrete, MultiBinary))
        self._act_dim = 1 if self._discrete else self.action_space.shape[0]

    def _check_open(self):
        if not self._handle:
            raise InvalidArgument(f"{self.path}: the policy is closed", "bad argument")

    @property
    def config(self):
        """The run's resolved config as YAML text."""
        self._check_open()
        return take_string(lib.rlc_policy_config(self._handle))

    def act(self, obs, action_mask=None):
        """The deterministic action of obs (one observation or a batch), among the valid actions
        of action_mask when it is given (see the class documentation)."""
        self._check_open()
        if isinstance(self.observation_space, (Dict, Tuple)):   # the parts' arrays -> rlc's flat rows
            o = flatten_structured(self.observation_space, obs, self.path)
        elif len(self.observation_space.shape) == 3:   # an image Box
            o = self._image_rows(obs)
        else:
            o = np.ascontiguousarray(obs, dtype=np.float32)
        if isinstance(self.observation_space, Discrete):
            o = o[..., None]   # an index per observation (a toy-text env's; make_vec's obs rows)
        elif o.ndim == 0:
            o = o[None]
        lead = o.shape[:-1]
        n = int(np.prod(lead)) if lead else 1
        out = np.empty((n, self._act_dim), dtype=np.float32)
        if action_mask is None:
            check(lib.rlc_policy_act(self._handle, o.ctypes.data, n, o.size, out.ctypes.data))
        else:
            m = self._mask(action_mask, lead)
            check(lib.rlc_policy_act_masked(self._handle, o.ctypes.data, n, o.size, m.ctypes.data, m.size,
                                            out.ctypes.data))
        if self._discrete:
            return out[:, 0].astype(np.int64).reshape(lead)[()]
        if self._multi:   # an integer per component, as the space holds them
            return out.astype(self.action_space.dtype).reshape(lead + (self._act_dim,))
        return out.reshape(lead + (self._act_dim,))

    __call__ = act

    def _image_rows(self, obs):
        """obs, images (..., H, W, C) of the image observation space (or its flat rows (..., dim)),
        as the float32 rows (..., dim) rlc takes; any other shape raises InvalidArgument"""
        shape = self.observation_space.shape
        dim = int(np.prod(shape))
        a = obs if isinstance(obs, np.ndarray) else np.asarray(obs)
        if a.dtype.kind not in "biuf":
            raise InvalidArgument(f"{self.path}: obs of dtype {a.dtype}: expected numbers or bools (images "
                                  f"{shape})", "bad argument")
        if a.ndim >= 3 and a.shape[-3:] == shape:
            return np.ascontiguousarray(a.reshape(a.shape[:-3] + (dim,)), dtype=np.float32)
        if a.ndim >= 1 and a.shape[-1] == dim:   # flat rows, as before images had their shape
            return np.ascontiguousarray(a, dtype=np.float32)
        raise InvalidArgument(f"{self.path}: obs of shape {a.shape}: expected an image of shape {shape} or a batch "
                              f"of them {('...',) + shape} (or flat rows (..., {dim}))", "bad argument")

    def _mask(self, action_mask, lead):
        """action_mask as the contiguous uint8 rows rlc takes, one per observation (lead)"""
        if not self._discrete:
            raise InvalidArgument(f"{self.path}: action_mask: the action space is {self.action_space!r}; masks are "
                                  "for a Discrete one", "bad argument")
        m = np.asarray(action_mask)
        k = self.action_space.n
        if m.dtype.kind not in "biu" or m.shape != lead + (k,):
            raise InvalidArgument(f"{self.path}: action_mask of shape {m.shape} and dtype {m.dtype}: expected "
                                  f"{lead + (k,)} bools or 0/1 values (one per action of Discrete({k}), for each "
                                  "observation)", "bad argument")
        if not np.isin(m, (0, 1)).all():
            raise InvalidArgument(f"{self.path}: action_mask holds {m[~np.isin(m, (0, 1))].reshape(-1)[0]!r}: "
                                  "expected bools or 0/1 values", "bad argument")
        return np.ascontiguousarray(m, dtype=np.uint8)

    @property
    def recurrent(self):
        """True when the policy keeps a state between calls (a recurrent network)."""
        self._check_open()
        return bool(lib.rlc_policy_recurrent(self._handle))

    def reset(self, rows=None):
        """Starts new episodes: a recurrent policy zeroes the state of every row (rows None) or of
        the rows where the boolean array rows is true (row i: the i-th observation of a call).
        Nothing for a memoryless policy."""
        self._check_open()
        if rows is None:
            check(lib.rlc_policy_reset(self._handle, None, 0))
            return
        r = np.ascontiguousarray(np.asarray(rows, dtype=bool).reshape(-1), dtype=np.uint8)
        check(lib.rlc_policy_reset(self._handle, r.ctypes.data, r.size))

    def evaluate(self, episodes=10, seed=1000000, env=None):
        """Mean and std of the return over deterministic episodes seeded seed, seed+1, ...
        env: the Python environment (class, factory or instance) of a policy trained on one."""
        self._check_open()
        if env is not None:
            pyenv.bind(env, self.env_id)
        pyenv.clear_pending()
        episodes = c_integer(episodes, "episodes")
        seed = c_integer(seed, "seed", "int64_t")
        mean, std = ctypes.c_double(), ctypes.c_double()
        check(lib.rlc_policy_evaluate(self._handle, episodes, seed, ctypes.byref(mean), ctypes.byref(std)))
        return EvalResult(mean.value, std.value, episodes)

    def close(self):
        """Frees the agent; using the policy afterwards raises ValueError (closing again does
        nothing)."""
        if self._handle:
            lib.rlc_policy_free(self._handle)
            self._handle = ctypes.c_void_p()

    def __del__(self):
        if getattr(self, "_handle", None):
            self.close()

    def __repr__(self):
        return f"rlc.Policy({self.path!r}: {self.algo} on {self.env_id})"


def _policy_spaces(handle):
    """(observation_space, action_space) of the environment a policy was trained on, with its
    run's env.kwargs"""
    obs, act = _lib.Space(), _lib.Space()
    check(lib.rlc_policy_spaces(handle, ctypes.byref(obs), ctypes.byref(act)))
    return _space(obs, obs_image(lib.rlc_policy_obs_image, handle)), _space(act)


def _checkpoint_metadata(path):
    """The metadata of a run directory's or checkpoint's safetensors header ({} when unreadable;
    regular files only, so a FIFO never blocks)."""
    path = os.fspath(path)
    f = os.path.join(path, "checkpoint.safetensors") if os.path.isdir(path) else path
    try:
        if not stat.S_ISREG(os.stat(f).st_mode):
            return {}
        with open(f, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            if not 0 < n <= 100 << 20:
                return {}
            meta = json.loads(fh.read(n)).get("__metadata__")
    except (OSError, ValueError, AttributeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _space_from_json(text):
    d = json.loads(text)
    if d["kind"] == "discrete":
        return Discrete(d["n"])
    if d["kind"] == "multi_discrete":
        return MultiDiscrete(d["nvec"])
    if d["kind"] == "multi_binary":
        return MultiBinary(d["n"])
    low = np.array([-np.inf if v is None else v for v in d["low"]], np.float32)
    high = np.array([np.inf if v is None else v for v in d["high"]], np.float32)
    if "parts" in d:
        return _parts_from_json(d, low, high)
    if len(d.get("shape", ())) == 3:   # an image Box (envs/space_text.h)
        dtype = {"uint8": np.uint8, "bool": np.bool_}.get(d.get("dtype"), np.float32)
        return Box(low.reshape(d["shape"]), high.reshape(d["shape"]), dtype=dtype)
    return Box(low, high, dtype=np.float32)


def _parts_from_json(d, low, high):
    """a Dict or Tuple space of the checkpoint's "parts" (envs/space_text.h)"""
    parts, at = [], 0
    for p in d["parts"]:
        shape, n = tuple(p.get("shape", (p["dim"],))), p["dim"]
        dtype = {"uint8": np.uint8, "bool": np.bool_}.get(p.get("dtype"), np.float32)
        parts.append((p["name"], Box(low[at:at + n].reshape(shape), high[at:at + n].reshape(shape), dtype=dtype)))
        at += n
    return Dict(dict(parts)) if d["structure"] == "dict" else Tuple(sp for _, sp in parts)


def _register_checkpoint_env(path):
    """A checkpoint trained on a Python environment that this process has not bound: its id is
    registered with the checkpoint's spaces, so the policy loads (evaluate it with env=)."""
    meta = _checkpoint_metadata(path)
    env_id = meta.get("rlc.env")
    if not isinstance(env_id, str) or not env_id.startswith(pyenv.PREFIX) or env_id in env_ids():
        return
    try:
        obs, act = _space_from_json(meta["rlc.obs_space"]), _space_from_json(meta["rlc.action_space"])
    except (KeyError, ValueError, TypeError):
        return   # rlc_policy_load says what is wrong with the file
    pyenv.register_unbound(env_id, obs, act)


def load_policy(run_or_checkpoint):
    """Loads a run directory or checkpoint file: a Policy (callable obs -> action)."""
    return Policy(run_or_checkpoint)


def evaluate(policy_or_path, episodes=10, seed=1000000, env=None):
    """Evaluates like `rlc eval`: deterministic episodes with seeds seed, seed+1, ... on the
    training environment. Takes a Policy or a run directory / checkpoint path. env: the Python
    environment (class, factory or instance) of a policy trained on one."""
    p = policy_or_path if isinstance(policy_or_path, Policy) else Policy(policy_or_path)
    return p.evaluate(episodes, seed, env=env)


RecordResult = collections.namedtuple("RecordResult", "path frames return_mean")


def record(run_or_checkpoint, out=None, episodes=1, seed=1000000, size=None, env=None):
    """Films the policy as `rlc record` does: `episodes` deterministic episodes from seed into out
    (.mp4 or .gif; default <run directory>/record.mp4), frames of size (width, height) or the
    environment's own. env: the Python environment of a policy trained on one; it must render
    rgb_array frames (a class is made with render_mode="rgb_array"). Returns
    RecordResult(path, frames, return_mean)."""
    p = Policy(run_or_checkpoint)
    try:
        if env is not None:
            pyenv.bind(functools.partial(env, render_mode="rgb_array") if isinstance(env, type) else env, p.env_id)
    finally:
        p.close()
    width, height = (0, 0) if size is None else (c_integer(size[0], "size"), c_integer(size[1], "size"))
    frames, ret = ctypes.c_int64(), ctypes.c_double()
    path = ctypes.create_string_buffer(4096)
    pyenv.clear_pending()
    check(lib.rlc_record(encode(os.fspath(run_or_checkpoint)), encode(None if out is None else os.fspath(out)),
                         c_integer(episodes, "episodes"), c_integer(seed, "seed", "int64_t"), width, height,
                         path, len(path), ctypes.byref(frames), ctypes.byref(ret)))
    return RecordResult(os.fsdecode(path.value), frames.value, ret.value)


def loss_registry():
    """Every registered loss as Loss(name, kind, formula, params), params a tuple of
    LossParam(name, default, low, high, low_open, high_open, doc)."""
    out = []
    s = [ctypes.c_char_p() for _ in range(4)]
    np_ = ctypes.c_int()
    d = [ctypes.c_double() for _ in range(3)]
    o = [ctypes.c_int() for _ in range(2)]
    for i in range(lib.rlc_loss_count()):
        check(lib.rlc_loss_get(i, ctypes.byref(s[0]), ctypes.byref(s[1]), ctypes.byref(s[2]),
                               ctypes.byref(np_)))
        name, kind, formula = (x.value.decode() for x in s[:3])
        params = []
        for j in range(np_.value):
            check(lib.rlc_loss_param(i, j, ctypes.byref(s[3]), *(ctypes.byref(x) for x in d),
                                     *(ctypes.byref(x) for x in o), ctypes.byref(s[0])))
            params.append(LossParam(s[3].value.decode(), d[0].value, d[1].value, d[2].value,
                                    bool(o[0].value), bool(o[1].value), s[0].value.decode()))
        out.append(Loss(name, kind, formula, tuple(params)))
    return tuple(out)
