"""rlc python: loading librlc.so and declaring its C API (api/rlc_api.h) for ctypes.

The library is looked for, in order: the RLC_LIBRARY environment variable (a path to
librlc.so), the location `cmake --install` recorded in _install_paths.py, and librlc.so next to
this package. It is loaded without RTLD_GLOBAL: librlc links Debian's Box2D, whose symbols would
otherwise take the place of another Box2D in the process (pybox2d's, under gymnasium[box2d]) and
crash it. Loading a plugin (environment or loss) makes librlc global first, since a plugin
resolves env_register and the other rlc symbols against it.
"""
import ctypes
import operator
import os

from .errors import InvalidArgument, RlcError, status_error

_API_VERSION = 12


class SpacePart(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dim", ctypes.c_int), ("rank", ctypes.c_int),
                ("shape", ctypes.c_int * 3), ("elem", ctypes.c_int)]


class Space(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("n", ctypes.c_int), ("dim", ctypes.c_int),
                ("low", ctypes.POINTER(ctypes.c_float)), ("high", ctypes.POINTER(ctypes.c_float)),
                ("nvec", ctypes.POINTER(ctypes.c_int)), ("structure", ctypes.c_int), ("n_parts", ctypes.c_int),
                ("parts", ctypes.POINTER(SpacePart))]


class VecBuffers(ctypes.Structure):
    _fields_ = [("n", ctypes.c_int), ("obs_dim", ctypes.c_int), ("act_dim", ctypes.c_int),
                ("obs", ctypes.POINTER(ctypes.c_float)),
                ("final_obs", ctypes.POINTER(ctypes.c_float)),
                ("rewards", ctypes.POINTER(ctypes.c_float)),
                ("terminated", ctypes.POINTER(ctypes.c_bool)),
                ("truncated", ctypes.POINTER(ctypes.c_bool)),
                ("ep_return", ctypes.POINTER(ctypes.c_double)),
                ("ep_length", ctypes.POINTER(ctypes.c_int)),
                ("n_done", ctypes.POINTER(ctypes.c_int))]


class TrainResult(ctypes.Structure):
    _fields_ = [("steps", ctypes.c_int64), ("wall_s", ctypes.c_double), ("sps", ctypes.c_double),
                ("eval_mean", ctypes.c_double), ("eval_std", ctypes.c_double),
                ("threshold_step", ctypes.c_int64), ("threshold_wall_s", ctypes.c_double),
                ("env_warnings", ctypes.c_uint64), ("seed", ctypes.c_int64)]


_c_int, _c_int64, _c_char_p, _c_void_p = ctypes.c_int, ctypes.c_int64, ctypes.c_char_p, ctypes.c_void_p
_c_size_t = ctypes.c_size_t

# the callbacks of an environment written in Python (rlc_env_callbacks; python/rlc/pyenv.py)
MAKE_FN = ctypes.CFUNCTYPE(_c_int, _c_void_p, ctypes.POINTER(_c_int64), _c_void_p, _c_size_t)
RESET_FN = ctypes.CFUNCTYPE(_c_int, _c_void_p, _c_int64, _c_int64, _c_void_p, _c_void_p, _c_size_t)
STEP_FN = ctypes.CFUNCTYPE(_c_int, _c_void_p, _c_int, _c_void_p, _c_void_p, _c_void_p, _c_void_p, _c_void_p,
                           _c_void_p, _c_void_p, _c_size_t)
CLOSE_FN = ctypes.CFUNCTYPE(None, _c_void_p, _c_int64)
RENDER_FN = ctypes.CFUNCTYPE(_c_int, _c_void_p, _c_int64, _c_void_p, _c_int, _c_int, _c_void_p, _c_size_t)
MASK_FN = ctypes.CFUNCTYPE(_c_int, _c_void_p, _c_int64, _c_void_p, _c_void_p, _c_size_t)
REWARD_FN = ctypes.CFUNCTYPE(_c_int, _c_void_p, _c_int, _c_void_p, _c_void_p, _c_void_p, _c_void_p, _c_void_p,
                             _c_size_t)


class EnvCallbacks(ctypes.Structure):
    _fields_ = [("user", _c_void_p), ("make", MAKE_FN), ("reset", RESET_FN), ("step", STEP_FN),
                ("close", CLOSE_FN), ("render", RENDER_FN), ("render_width", _c_int),
                ("render_height", _c_int), ("render_fps", _c_int), ("action_mask", MASK_FN),
                ("compute_reward", REWARD_FN)]
_c_double_p, _c_int_p = ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_int)


# a row a training run wrote (rlc_train_event) and the callback that sees it (python/rlc/training.py)
class TrainEvent(ctypes.Structure):
    _fields_ = [("kind", _c_int), ("n", _c_int), ("names", ctypes.POINTER(_c_char_p)), ("values", _c_double_p)]


TRAIN_FN = ctypes.CFUNCTYPE(_c_int, _c_void_p, ctypes.POINTER(TrainEvent))
_c_float_p, _c_str_pp = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_char_p)

# name: (result type, argument types)
_PROTOTYPES = {
    "rlc_api_version": (_c_int, []),
    "rlc_last_error": (_c_char_p, []),
    "rlc_status_name": (_c_char_p, [_c_int]),
    "rlc_have_mujoco": (_c_int, []),
    "rlc_free": (None, [_c_void_p]),
    "rlc_load_plugin": (_c_int, [_c_char_p]),
    "rlc_env_count": (_c_int, []),
    "rlc_env_id": (_c_char_p, [_c_int]),
    "rlc_env_info": (_c_int, [_c_char_p, ctypes.POINTER(Space), ctypes.POINTER(Space), _c_int_p, _c_double_p]),
    "rlc_env_obs_image": (_c_int, [_c_char_p, _c_int_p, _c_int_p, _c_int_p]),
    "rlc_env_check": (_c_int, [_c_char_p, _c_int, _c_int64, _c_int_p, ctypes.POINTER(_c_void_p)]),
    "rlc_env_check_wrapped": (_c_int, [_c_char_p, _c_int, _c_int64, ctypes.POINTER(_c_char_p),
                                       ctypes.POINTER(_c_char_p), _c_int, ctypes.POINTER(_c_char_p),
                                       ctypes.POINTER(_c_char_p), _c_int, _c_int_p, ctypes.POINTER(_c_void_p)]),
    "rlc_env_register_callback": (_c_int, [_c_char_p, ctypes.POINTER(Space), ctypes.POINTER(Space), _c_int,
                                           ctypes.c_double, ctypes.POINTER(EnvCallbacks)]),
    "rlc_env_register_callback_image": (_c_int, [_c_char_p, ctypes.POINTER(Space), _c_int_p, _c_int,
                                                 ctypes.POINTER(Space), _c_int, ctypes.c_double,
                                                 ctypes.POINTER(EnvCallbacks)]),
    "rlc_vec_make": (_c_int, [ctypes.POINTER(_c_void_p), _c_char_p, _c_int, _c_int, _c_int]),
    "rlc_vec_free": (None, [_c_void_p]),
    "rlc_vec_make_kwargs": (_c_int, [ctypes.POINTER(_c_void_p), _c_char_p, _c_int, _c_int, _c_int,
                                     ctypes.POINTER(_c_char_p), ctypes.POINTER(_c_char_p), _c_int]),
    "rlc_vec_make_wrapped": (_c_int, [ctypes.POINTER(_c_void_p), _c_char_p, _c_int, _c_int, _c_int,
                                      ctypes.POINTER(_c_char_p), ctypes.POINTER(_c_char_p), _c_int,
                                      ctypes.POINTER(_c_char_p), ctypes.POINTER(_c_char_p), _c_int]),
    "rlc_vec_info": (_c_int, [_c_void_p, ctypes.POINTER(Space), ctypes.POINTER(Space), _c_int_p, _c_double_p]),
    "rlc_vec_obs_image": (_c_int, [_c_void_p, _c_int_p, _c_int_p, _c_int_p]),
    "rlc_vec_get_buffers": (None, [_c_void_p, ctypes.POINTER(VecBuffers)]),
    "rlc_vec_reset": (_c_int, [_c_void_p, _c_int64]),
    "rlc_vec_step": (_c_int, [_c_void_p, _c_void_p, _c_int64]),
    "rlc_vec_render_open": (_c_int, [_c_void_p, _c_int, _c_int, _c_int_p, _c_int_p, _c_int_p]),
    "rlc_vec_render": (_c_int, [_c_void_p, _c_int, _c_void_p, _c_int64]),
    "rlc_vec_action_masks": (_c_int, [_c_void_p, ctypes.POINTER(_c_void_p), ctypes.POINTER(_c_void_p), _c_int_p]),
    "rlc_train": (_c_int, [_c_char_p, _c_char_p, _c_char_p, _c_str_pp, _c_int, _c_char_p, ctypes.c_bool,
                           ctypes.c_bool, ctypes.POINTER(TrainResult), ctypes.c_char_p, _c_int]),
    "rlc_train_set_callback": (_c_int, [TRAIN_FN, _c_void_p]),
    "rlc_train_stop_reason": (_c_char_p, []),
    "rlc_config_resolve": (_c_int, [_c_char_p, _c_char_p, _c_char_p, _c_str_pp, _c_int,
                                    ctypes.POINTER(_c_void_p)]),
    "rlc_policy_load": (_c_int, [ctypes.POINTER(_c_void_p), _c_char_p]),
    "rlc_policy_free": (None, [_c_void_p]),
    "rlc_policy_env_id": (_c_char_p, [_c_void_p]),
    "rlc_policy_algo": (_c_char_p, [_c_void_p]),
    "rlc_policy_spaces": (_c_int, [_c_void_p, ctypes.POINTER(Space), ctypes.POINTER(Space)]),
    "rlc_policy_obs_image": (_c_int, [_c_void_p, _c_int_p, _c_int_p, _c_int_p]),
    "rlc_policy_config": (_c_void_p, [_c_void_p]),
    "rlc_policy_act": (_c_int, [_c_void_p, _c_void_p, _c_int64, _c_int64, _c_void_p]),
    "rlc_policy_act_masked": (_c_int, [_c_void_p, _c_void_p, _c_int64, _c_int64, _c_void_p, _c_int64, _c_void_p]),
    "rlc_policy_evaluate": (_c_int, [_c_void_p, _c_int, _c_int64, _c_double_p, _c_double_p]),
    "rlc_policy_recurrent": (_c_int, [_c_void_p]),
    "rlc_policy_reset": (_c_int, [_c_void_p, _c_void_p, _c_int64]),
    "rlc_record": (_c_int, [_c_char_p, _c_char_p, _c_int, _c_int64, _c_int, _c_int, ctypes.c_char_p, _c_int,
                            ctypes.POINTER(_c_int64), _c_double_p]),
    "rlc_loss_count": (_c_int, []),
    "rlc_loss_get": (_c_int, [_c_int, _c_str_pp, _c_str_pp, _c_str_pp, _c_int_p]),
    "rlc_loss_param": (_c_int, [_c_int, _c_int, _c_str_pp, _c_double_p, _c_double_p, _c_double_p,
                                _c_int_p, _c_int_p, _c_str_pp]),
}


def _candidates():
    env = os.environ.get("RLC_LIBRARY")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    paths = []
    try:
        from . import _install_paths
        paths.append(os.path.normpath(os.path.join(here, _install_paths.LIBRARY)))
    except ImportError:
        pass
    paths.append(os.path.join(here, "librlc.so"))
    return paths


def _load():
    tried = []
    for path in _candidates():
        if not os.path.exists(path):
            tried.append(path)
            continue
        lib = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
        for name, (res, args) in _PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        if lib.rlc_api_version() != _API_VERSION:
            raise ImportError(f"{path}: C API version {lib.rlc_api_version()}, this package needs "
                              f"{_API_VERSION}; rebuild and reinstall rlc")
        return lib
    raise ImportError("cannot find librlc.so (looked at: " + ", ".join(tried) + "); build rlc with "
                      "cmake and either `cmake --install` it or set RLC_LIBRARY to build/librlc.so")


lib = _load()


# set by python/rlc/pyenv.py: raises the exception a Python environment raised during the call
# that failed, if any (with rlc's message attached)
pending_env_error = None


def check(status):
    """Raises the exception for a non-zero status with the library's message (or the exception
    that a Python environment raised inside the call, with that message attached)."""
    if status != 0:
        message = lib.rlc_last_error().decode(errors="replace")
        if pending_env_error is not None:
            pending_env_error(message)
        raise status_error(status, lib.rlc_status_name(status).decode(), message)


def take_string(ptr):
    """Copies and frees a malloc'ed C string returned as a void pointer (None for NULL)."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode()
    finally:
        lib.rlc_free(ptr)


def last_error():
    return RlcError(lib.rlc_last_error().decode(errors="replace"))


def encode(s):
    return None if s is None else os.fsencode(s)


_C_RANGES = {"int": (-2**31, 2**31 - 1), "int64_t": (-2**63, 2**63 - 1)}


def c_integer(value, where, c_type="int"):
    """value as a Python int that fits the C type of the argument it is passed as ("int" or
    "int64_t"). ctypes keeps only the low bits of a larger integer (2**64 + 5 would arrive as 5),
    so anything else, or a value that is not an integer, raises InvalidArgument naming where."""
    lo, hi = _C_RANGES[c_type]
    try:
        if isinstance(value, bool):
            raise TypeError
        v = operator.index(value)
    except TypeError:
        raise InvalidArgument(f"{where}: expected an integer, got {value!r}", "bad argument") from None
    if not lo <= v <= hi:
        raise InvalidArgument(f"{where}: expected an integer that fits a C {c_type} ({lo}..{hi}), got {v}",
                              "bad argument")
    return v
