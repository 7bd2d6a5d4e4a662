#!/usr/bin/python3
"""rlc_policy: an rlc agent's deterministic action for an observation, with numpy alone.

Reads a run directory (its checkpoint.safetensors) or any rlc checkpoint file and rebuilds the
policy the way `rlc eval` and `rlc rollout --policy` run it: observation normalisation with the
saved running mean and variance, the network, and the mapping to the environment's action.

    import rlc_policy
    policy = rlc_policy.load("runs/ppo_cartpole-seed1")
    action = policy.act(obs)           # obs (obs_dim,) -> action; (B, obs_dim) -> (B, ...)

An image observation (MinAtar, CarRacing-v3, env.pixels) may also be given with its shape, as
rlc.make_vec returns it: (H, W, C) or (B, H, W, C), any numeric or bool dtype.

On an environment that publishes action masks (Taxi-v3's info["action_mask"], a Python
environment's action_masks()), act(obs, action_mask=m) chooses among the valid actions only, as
rlc does with env.action_mask: m is (n,) or (B, n) bools or 0/1 values for a Discrete(n) action
space, the best valid action by the agent's logits (ppo, a2c, reinforce) or values (the DQN family).

An environment with a Discrete observation space (the toy-text ones) is observed as its index:
act(3) or act([[3], [7]]); the network sees the one-hot row, as rlc's agents do.

Image encoders (network.encoder: convolutions, flatten, dense, before the MLP) are run as rlc runs
them, one per image part of a Dict or Tuple observation (the flat row, the parts concatenated in
rlc.obs_space's order, a Dict's keys sorted; vector parts pass as they are). Every agent rlc trains is covered: ppo, a2c and reinforce (Discrete: the most likely action;
MultiDiscrete and MultiBinary, ppo and a2c: the most likely value of each component; Box:
the Gaussian mean, clipped to the bounds or tanh-squashed), sac (center + half-range x tanh of
the mean; with sac.use_sde the mean clipped to [-2, 2] first), td3 and ddpg (center + half-range x the actor's tanh output), dqn (argmax Q, dueling heads included), qrdqn (argmax of the mean quantile) and c51
(argmax of the expected value over the atoms); dueling heads and NoisyNet heads (`dqn.noisy`:
the mean network, weight_mu and bias_mu, as rlc evaluates) in all three; iqn (argmax of the mean
quantile at the K midpoint fractions (2k + 1) / 2K, as rlc acts greedily). Auxiliary heads and intrinsic-reward modules are
read past: they never change the action.

A policy trained with `recurrent:` (an LSTM or GRU between the trunk and the heads) is stateful:
row i of each act() call continues the episode row i played in the previous call, and reset()
starts new episodes (every row, or the rows where a boolean array is true), as rlc's own policy
does. A policy trained with env.mask_velocity zeroes the velocity components of what it is given.

From a shell: `/usr/bin/python3 scripts/rlc_policy.py RUN_OR_CHECKPOINT OBS_0 OBS_1 ...` prints
the action. The safetensors reader below checks the file as rlc does (header within the file,
tensors inside the data section, sizes that match their shapes) and runs no code from it.
"""
import json
import os
import struct
import sys

import numpy as np

__all__ = ["load", "Policy", "read_safetensors", "PolicyError"]

DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64, "U8": np.uint8}


class PolicyError(Exception):
    """A file that is not a usable rlc checkpoint; the message names the file and the problem."""


# ---- the file -------------------------------------------------------------------------------

def read_safetensors(path):
    """Returns ({name: ndarray}, {metadata key: str}) for a safetensors file.

    Layout: 8 bytes little-endian u64 N, N bytes of JSON header, then the data; each tensor's
    data_offsets are [begin, end) relative to the first byte after the header."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise PolicyError(f"{path}: file is {len(blob)} bytes, too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise PolicyError(f"{path}: header length {n} exceeds the file size ({len(blob)} bytes)")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise PolicyError(f"{path}: header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise PolicyError(f"{path}: header is not a JSON object")
    data = memoryview(blob)[8 + n:]
    meta = header.pop("__metadata__", None) or {}
    tensors = {name: _tensor(path, name, info, data) for name, info in header.items()}
    return tensors, meta


def _tensor(path, name, info, data):
    try:
        dtype = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        shape = [int(d) for d in info["shape"]]
        begin, end = (int(x) for x in info["data_offsets"])
    except (KeyError, TypeError, ValueError):
        raise PolicyError(f"{path}: tensor '{name}': needs a known dtype, a shape and data_offsets") from None
    count = int(np.prod(shape)) if shape else 1
    if min(shape, default=0) < 0 or not 0 <= begin <= end <= len(data):
        raise PolicyError(f"{path}: tensor '{name}': data_offsets [{begin}, {end}] out of range "
                          f"(data section is {len(data)} bytes)")
    if end - begin != count * dtype.itemsize:
        raise PolicyError(f"{path}: tensor '{name}': data_offsets [{begin}, {end}] hold {end - begin} bytes, "
                          f"but dtype {info['dtype']} and shape {shape} need {count * dtype.itemsize}")
    return np.frombuffer(data[begin:end], dtype=dtype).reshape(shape).astype(np.float32)


def read_config(text):
    """The scalar keys of rlc's resolved config (the `rlc.config` metadata): {"algo": "ppo",
    "network.activation": "tanh", ...}. Flow mappings and lists are kept as their text."""
    out, section = {}, ""
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#") or ":" not in line:
            continue
        key, _, value = line.strip().partition(":")
        value = value.strip()
        if not line.startswith(" "):
            section = key if value == "" else ""
            if value == "":
                continue
        name = f"{section}.{key}" if line.startswith(" ") and section else key
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        out[name] = value
    return out


# the velocity components env.mask_velocity zeroes (envs/wrappers.c, docs/environments.md)
VELOCITY_MASKS = {
    "CartPole-v1": [1, 3], "MountainCar-v0": [1], "MountainCarContinuous-v0": [1], "Pendulum-v1": [2],
    "Acrobot-v1": [4, 5], "InvertedPendulum-v5": [2, 3], "InvertedDoublePendulum-v5": [5, 6, 7],
    "Reacher-v5": [6, 7], "Swimmer-v5": list(range(3, 8)), "Hopper-v5": list(range(5, 11)),
    "Hopper-v4": list(range(5, 11)), "HalfCheetah-v5": list(range(8, 17)), "HalfCheetah-v4": list(range(8, 17)),
    "Walker2d-v5": list(range(8, 17)), "Walker2d-v4": list(range(8, 17)), "Ant-v5": list(range(13, 27)),
    "Ant-v4": list(range(13, 27)), "Humanoid-v5": list(range(22, 45)) + list(range(175, 253)),
    "Humanoid-v4": list(range(22, 45)) + list(range(185, 269)),
    "HumanoidStandup-v5": list(range(22, 45)) + list(range(175, 253)),
    "HumanoidStandup-v4": list(range(22, 45)) + list(range(185, 269)),
    "Pusher-v5": list(range(7, 14)), "Pusher-v4": list(range(7, 14)),
}
# the observation sizes those masks are for (a frame of env.frame_stack)
VELOCITY_DIMS = {
    "CartPole-v1": 4, "MountainCar-v0": 2, "MountainCarContinuous-v0": 2, "Pendulum-v1": 3, "Acrobot-v1": 6,
    "InvertedPendulum-v5": 4, "InvertedDoublePendulum-v5": 9, "Reacher-v5": 10, "Swimmer-v5": 8, "Hopper-v5": 11,
    "Hopper-v4": 11, "HalfCheetah-v5": 17, "HalfCheetah-v4": 17, "Walker2d-v5": 17, "Walker2d-v4": 17,
    "Ant-v5": 105, "Ant-v4": 27, "Humanoid-v5": 348, "Humanoid-v4": 376,
    "HumanoidStandup-v5": 348, "HumanoidStandup-v4": 376, "Pusher-v5": 23, "Pusher-v4": 23,
}

# ---- the networks ---------------------------------------------------------------------------

ACTIVATIONS = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, np.float32(0)), "none": lambda x: x}


def _layers(tensors, prefix):
    """[(weight (out, in), bias (out)), ...] of the dense layers named prefix.0, prefix.1, ...; a
    NoisyLinear layer (prefix.l.weight_mu, .bias_mu, .weight_sigma, .bias_sigma) as its mean"""
    layers = []
    while True:
        l = len(layers)
        for w, b in (("weight", "bias"), ("weight_mu", "bias_mu")):
            if f"{prefix}.{l}.{w}" in tensors:
                layers.append((tensors[f"{prefix}.{l}.{w}"], tensors[f"{prefix}.{l}.{b}"]))
                break
        else:
            return layers


def _sigmoid(x):
    return (np.float32(1) / (np.float32(1) + np.exp(-x))).astype(np.float32)


def _rnn_step(kind, w, x, h, c):
    """One step of torch.nn.LSTM / torch.nn.GRU (weight_ih, weight_hh, bias_ih, bias_hh) from
    state h (and c): the new h and c."""
    w_ih, w_hh, b_ih, b_hh = w
    gx, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    H = h.shape[1]
    if kind == "lstm":
        g = gx + gh
        i, f, o = _sigmoid(g[:, :H]), _sigmoid(g[:, H:2 * H]), _sigmoid(g[:, 3 * H:])
        c = (f * c + i * np.tanh(g[:, 2 * H:3 * H])).astype(np.float32)
        return (o * np.tanh(c)).astype(np.float32), c
    r, z = _sigmoid(gx[:, :H] + gh[:, :H]), _sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    return ((np.float32(1) - z) * n + z * h).astype(np.float32), c


def _mlp(layers, x, act, last_act=None):
    """rlc's nn_mlp: act after every layer but the last, last_act (default none) after it."""
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        last = i == len(layers) - 1
        f = (last_act or ACTIVATIONS["none"]) if last else act
        x = f(x).astype(np.float32)
    return x


# ---- the image encoder (network.encoder, nn/encoder.h) ----------------------------------------

ENCODER_PRESETS = {"minatar": "16 3x3/1, dense 128", "nature": "32 8x8/4, 64 4x4/2, 64 3x3/1, dense 512"}


def parse_encoder(text):
    """[(stride, padding), ...] of the convolutions of a network.encoder value (a preset or a list
    such as '16 3x3/1 p1, dense 128'); the filters and kernel sizes come from the tensors."""
    text = ENCODER_PRESETS.get(text, text)
    convs = []
    for item in (i.strip() for i in text.split(",")):
        if item.startswith("in ") or item.startswith("dense "):
            continue
        parts = item.split()
        stride = int(parts[1].split("/")[1])
        pad = int(parts[2][1:]) if len(parts) > 2 else 0
        convs.append((stride, pad))
    return convs


def _conv_relu(x, w, b, stride, pad):
    """ReLU(conv) of x (B, H, W, C) with torch's weight w (K, C, kh, kw): (B, OH, OW, K)."""
    K, C, kh, kw = w.shape
    if pad:
        x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    OH, OW = (x.shape[1] - kh) // stride + 1, (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], OH, OW, K), dtype=np.float64) + b
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + stride * (OH - 1) + 1:stride, j:j + stride * (OW - 1) + 1:stride, :]
            out += patch.astype(np.float64) @ w[:, :, i, j].T.astype(np.float64)
    return np.maximum(out, 0).astype(np.float32)


class Encoder:
    """The convolutions (ReLU), torch's flatten and the optional dense layer (ReLU) of the tensors
    prefix.conv.<i>.* and prefix.dense.*, on observations of the image space obs_space."""

    def __init__(self, tensors, prefix, text, obs_space):
        self.convs = []
        while f"{prefix}.conv.{len(self.convs)}.weight" in tensors:
            i = len(self.convs)
            self.convs.append((tensors[f"{prefix}.conv.{i}.weight"], tensors[f"{prefix}.conv.{i}.bias"]))
        self.geometry = parse_encoder(text)
        if len(self.geometry) != len(self.convs):
            raise PolicyError(f"network.encoder '{text}' has {len(self.geometry)} convolutions, the checkpoint "
                              f"{len(self.convs)}")
        self.dense = None
        if f"{prefix}.dense.weight" in tensors:
            self.dense = (tensors[f"{prefix}.dense.weight"], tensors[f"{prefix}.dense.bias"])
        self.shape = tuple(obs_space["shape"])
        self.scale = np.float32(1.0 / 255.0) if obs_space.get("dtype") == "uint8" else np.float32(1.0)

    def __call__(self, x):
        x = x.reshape((x.shape[0],) + self.shape) * self.scale
        for (w, b), (stride, pad) in zip(self.convs, self.geometry):
            x = _conv_relu(x, w, b, stride, pad)
        x = x.transpose(0, 3, 1, 2).reshape(x.shape[0], -1)
        if self.dense is not None:
            x = np.maximum(x @ self.dense[0].T + self.dense[1], 0).astype(np.float32)
        return x


class PartsEncoder:
    """The encoder of a Dict or Tuple observation (rlc.obs_space "parts", nn/obs_encoder.h): each
    image part through its own Encoder (the tensors prefix.<part name>.*), each vector part as it
    is, the features concatenated in the parts' order (a Dict's keys sorted)."""

    def __init__(self, tensors, prefix, text, obs_space):
        self.parts, at = [], 0
        for p in obs_space["parts"]:
            name, dim = p["name"], int(p["dim"])
            enc = None
            if f"{prefix}.{name}.conv.0.weight" in tensors:
                enc = Encoder(tensors, f"{prefix}.{name}", text, p)
            self.parts.append((at, dim, enc))
            at += dim
        self.shape = (at,)

    def __call__(self, x):
        return np.concatenate([enc(x[:, at:at + dim]) if enc else x[:, at:at + dim] for at, dim, enc in self.parts],
                              axis=1).astype(np.float32)


# The one place this reader names agents: what each agent's checkpoint holds, as the `algo` of
# its resolved config says. kind: the policy's form ("onpolicy": trunk, optional recurrent layer
# and actor head, read by the action space; "tanh_actor": an actor whose mean is squashed into the
# bounds (sac; td3 and ddpg, whose output layer is tanh); "q": action values, then the best valid
# action); values: how a "q" head's outputs become action values ("q": one value per action,
# "quantiles": their mean, "atoms": the expectation over c51's atoms, "iqn": IQN's mean quantile
# at fixed fractions); encoder: the prefix of the image encoder's tensors. A new agent is a row.
AGENTS = {
    "ppo": {"kind": "onpolicy", "encoder": "encoder"},
    "a2c": {"kind": "onpolicy", "encoder": "encoder"},
    "reinforce": {"kind": "onpolicy", "encoder": "encoder"},
    "sac": {"kind": "tanh_actor", "encoder": "encoder"},
    "td3": {"kind": "tanh_actor", "encoder": "encoder"},
    "ddpg": {"kind": "tanh_actor", "encoder": "encoder"},
    "dqn": {"kind": "q", "values": "q", "encoder": "q.encoder"},
    "qrdqn": {"kind": "q", "values": "quantiles", "encoder": "q.encoder"},
    "c51": {"kind": "q", "values": "atoms", "encoder": "q.encoder"},
    "iqn": {"kind": "q", "values": "iqn", "encoder": "encoder"},
}


class Policy:
    """The deterministic policy of one rlc checkpoint. act(obs) takes (obs_dim,) or (B, obs_dim), and
    an image space's (H, W, C) or (B, H, W, C)."""

    def __init__(self, path):
        file = os.path.join(path, "checkpoint.safetensors") if os.path.isdir(path) else path
        self.path = file
        self.tensors, self.meta = read_safetensors(file)
        if "rlc.config" not in self.meta:
            raise PolicyError(f"{file}: not an rlc checkpoint (no rlc.config metadata)")
        self.config = read_config(self.meta["rlc.config"])
        self.algo = self.config.get("algo", "")
        self.env_id = self.config.get("env.id", "")
        act = self.config.get("network.activation", "tanh")
        if act not in ACTIVATIONS:
            raise PolicyError(f"{file}: network.activation '{act}' is not one this reader knows")
        self.activation = ACTIVATIONS[act]
        self.action_space = self._space("rlc.action_space")
        self.mask = None
        if self.config.get("env.mask_velocity") == "true":
            if self.env_id not in VELOCITY_MASKS:
                raise PolicyError(f"{file}: env.mask_velocity: no velocity mask is known for '{self.env_id}'")
            frames = int(self.config.get("env.frame_stack", "1"))   # each stacked state masked
            self.mask = [f * VELOCITY_DIMS[self.env_id] + i for f in range(frames) for i in VELOCITY_MASKS[self.env_id]]
        self.obs_space = self._space("rlc.obs_space") if "rlc.obs_space" in self.meta else {"kind": "box"}
        self._build()

    def _space(self, key):
        text = self.meta.get(key)
        if text is None:
            raise PolicyError(f"{self.path}: no '{key}' metadata: the checkpoint was written by an rlc "
                              "older than this reader (retrain it, or resume it with --set total_steps=<a larger N>, "
                              "which writes a new checkpoint)")
        space = json.loads(text)
        if space.get("kind") == "box":
            for b, inf in (("low", -np.inf), ("high", np.inf)):
                space[b] = np.array([inf if v is None else v for v in space[b]], dtype=np.float32)
        return space

    def _build(self):
        t = self.tensors
        self.norm = None
        self.encoder = None
        agent = AGENTS.get(self.algo)
        if agent is None:
            raise PolicyError(f"{self.path}: algo '{self.algo}' is not one this reader knows")
        self.kind, self.values = agent["kind"], agent.get("values")
        enc_prefix = agent["encoder"]
        if f"{enc_prefix}.conv.0.weight" in t:
            self.encoder = Encoder(t, enc_prefix, self.config.get("network.encoder", ""), self._space("rlc.obs_space"))
        elif "parts" in self.obs_space and any(k.startswith(enc_prefix + ".") for k in t):
            self.encoder = PartsEncoder(t, enc_prefix, self.config.get("network.encoder", ""), self.obs_space)
        if "norm.obs" in t:   # (2 D + 1): running mean (D), running variance (D), count
            v = t["norm.obs"]
            d = (v.shape[0] - 1) // 2
            self.norm = (v[:d].astype(np.float64), v[d:2 * d].astype(np.float64),
                         float(self.config.get("normalize.clip_obs", "10")))
        {"onpolicy": self._build_onpolicy, "tanh_actor": self._build_tanh_actor, "q": self._build_q}[self.kind](t)
        first = (self.trunk or self.actor)[0][0] if self.kind != "tanh_actor" else self.actor[0][0]
        self.obs_dim = int(np.prod(self.encoder.shape)) if self.encoder else first.shape[1]

    def _build_onpolicy(self, t):
        self.trunk, self.actor = _layers(t, "trunk"), _layers(t, "actor")
        self.rnn = None
        if "recurrent.weight_ih_l0" in t:
            self.rnn = (self.config.get("recurrent.type", "lstm"),
                        tuple(t[f"recurrent.{n}_l0"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
            self.state = None

    def _build_tanh_actor(self, t):
        self.actor = _layers(t, "actor")

    def _build_q(self, t):
        if self.values == "iqn":
            # torso psi, the cosine embedding phi of tau (one ReLU layer over cos(pi i tau)), the head
            self.split = False
            self.trunk, self.embed, self.head = _layers(t, "q.torso"), _layers(t, "q.embed"), _layers(t, "q.head")
            self.n_fractions = int(self.config.get(f"{self.algo}.num_quantile_samples", "32"))
            return
        # a trunk then heads: value and advantage (dueling) or one output head (noisy alone)
        self.split = "q.trunk.0.weight" in t
        self.dueling = "q.advantage.0.bias" in t or "q.advantage.0.bias_mu" in t
        if self.split:
            self.trunk = _layers(t, "q.trunk")
            self.value = _layers(t, "q.value") if self.dueling else None
            self.advantage = _layers(t, "q.advantage" if self.dueling else "q.head")
        else:
            self.trunk = _layers(t, "q")
        if self.values == "atoms":
            self.v_range = (float(self.meta[f"{self.algo}.v_min"]), float(self.meta[f"{self.algo}.v_max"]))

    # ---- acting -------------------------------------------------------------------------

    @property
    def recurrent(self):
        """True when the policy keeps a state per row between act() calls."""
        return getattr(self, "rnn", None) is not None

    def reset(self, rows=None):
        """Starts new episodes: zeroes the state of every row (rows None) or of the rows where the
        boolean array rows is true. Nothing for a memoryless policy."""
        if not self.recurrent or self.state is None:
            return
        if rows is None:
            self.state = None
            return
        rows = np.asarray(rows, dtype=bool)
        for s in self.state:
            s[rows[:s.shape[0]]] = 0

    def encode(self, obs):
        """A Discrete observation space's indices (B, 1) as the one-hot rows (B, n) the network takes
        (rlc one-hot encodes them for the agent: FrozenLake, Taxi, CliffWalking, Blackjack); other
        observations as they are."""
        if self.obs_space.get("kind") != "discrete":
            return obs
        n = int(self.obs_space["n"])
        idx = obs[:, 0]
        if obs.shape[1] != 1 or not np.all((idx >= 0) & (idx < n) & (idx == np.floor(idx))):
            raise ValueError(f"{self.path}: expected Discrete({n}) observations (indices 0..{n - 1}), got {obs!r}")
        out = np.zeros((obs.shape[0], n), dtype=np.float32)
        out[np.arange(obs.shape[0]), idx.astype(np.int64)] = 1.0
        return out

    def normalise(self, obs):
        """What the network sees: a Discrete index one-hot encoded (encode), then
        (obs - mean) / sqrt(var + 1e-8), clipped to +-clip_obs."""
        if self.obs_space.get("kind") == "discrete":
            obs = self.encode(np.asarray(obs, dtype=np.float32).reshape(-1, 1))
        if self.norm is None:
            return obs
        mean, var, clip = self.norm
        y = ((obs.astype(np.float64) - mean) / np.sqrt(var + 1e-8)).astype(np.float32)
        return np.clip(y, -clip, clip) if clip > 0 else y

    def act(self, obs, action_mask=None):
        obs = np.asarray(obs, dtype=np.float32)
        image = tuple(self.obs_space.get("shape", ()))   # (H, W, C) of an image space, as make_vec gives it
        if len(image) == 3 and obs.ndim in (3, 4) and obs.shape[-3:] == image:
            obs = obs.reshape(obs.shape[:-3] + (-1,))
        single = obs.ndim == 1 or obs.ndim == 0
        dim = 1 if self.obs_space.get("kind") == "discrete" else self.obs_dim   # an index, or obs_dim floats
        if obs.ndim == 0 and dim == 1:
            obs = obs.reshape(1)
        if obs.shape[-1] != dim or obs.ndim not in (1, 2):
            also = f" (or images {image}, (B, *{image}))" if len(image) == 3 else ""
            raise ValueError(f"{self.path}: expected observations of {dim} floats{also}, got shape {obs.shape}")
        x = obs.reshape(1, -1) if single else obs
        if self.mask is not None:
            x = x.copy()
            x[:, self.mask] = 0
        x = self.normalise(x)
        self.valid = None if action_mask is None else self._valid(action_mask, x.shape[0])
        a = {"onpolicy": self._act_onpolicy, "tanh_actor": self._act_tanh_actor, "q": self._act_q}[self.kind](x)
        return a[0] if single else a

    def _valid(self, action_mask, rows):
        """action_mask as (rows, n) bools, checked: a Discrete(n) action space, 0/1 values, at least
        one valid action per row"""
        sp = self.action_space
        if sp["kind"] != "discrete":
            raise ValueError(f"{self.path}: action_mask: the action space is a Box; masks are for a Discrete one")
        m = np.asarray(action_mask)
        n = int(sp["n"])
        if m.ndim == 1:
            m = m.reshape(1, -1)
        if m.shape != (rows, n) or m.dtype.kind not in "biu" or not np.isin(m, (0, 1)).all():
            raise ValueError(f"{self.path}: action_mask of shape {np.shape(action_mask)}: expected {rows} row(s) of {n} "
                             "bools or 0/1 values")
        if not m.any(axis=1).all():
            raise ValueError(f"{self.path}: action_mask has a row with no valid action")
        return m.astype(bool)

    def _best(self, scores):
        """the first action of largest score among the valid ones (every action without a mask)"""
        if self.valid is not None:
            scores = np.where(self.valid, scores, -np.inf)
        return np.argmax(scores, axis=1).astype(np.int64)

    __call__ = act

    def features(self, x):
        """What the MLPs read: the image encoder's features, or x itself without an encoder."""
        return self.encoder(x) if self.encoder else x

    def _act_onpolicy(self, x):
        x = self.features(x)
        if self.trunk:
            x = _mlp(self.trunk, x, self.activation, self.activation)
        if self.recurrent:
            kind, w = self.rnn
            B, H = x.shape[0], w[1].shape[1]
            if self.state is None or self.state[0].shape[0] < B:
                old = self.state
                self.state = (np.zeros((B, H), np.float32), np.zeros((B, H), np.float32))
                if old is not None:
                    self.state[0][:old[0].shape[0]], self.state[1][:old[1].shape[0]] = old
            h, c = _rnn_step(kind, w, x, self.state[0][:B], self.state[1][:B])
            self.state[0][:B], self.state[1][:B] = h, c
            x = h
        out = _mlp(self.actor, x, self.activation)
        sp = self.action_space
        if sp["kind"] == "discrete":
            return self._best(out)
        if sp["kind"] == "multi_discrete":   # a categorical per component over its slice of the logits
            parts = np.split(out, np.cumsum(sp["nvec"])[:-1], axis=1)
            return np.stack([np.argmax(p, axis=1) for p in parts], axis=1).astype(np.int64)
        if sp["kind"] == "multi_binary":   # a Bernoulli logit per bit: 1 where it is > 0
            return (out > 0).astype(np.int8)
        mean = out[:, :sp["dim"]]   # a state-dependent log-std fills the second half
        low, high = sp["low"], sp["high"]
        if self.config.get("gaussian.bound") == "tanh":
            t = np.tanh(mean)
            scaled = low + np.float32(0.5) * (t + np.float32(1)) * (high - low)
            return np.where(np.isfinite(low) & np.isfinite(high), scaled, t).astype(np.float32)
        return np.clip(mean, low, high)

    def _act_tanh_actor(self, x):
        sp = self.action_space
        mean = _mlp(self.actor, x, self.activation)[:, :sp["dim"]]
        if self.algo == "sac" and self.config.get("sac.use_sde") == "true":
            mean = np.clip(mean, np.float32(-2), np.float32(2))   # gSDE's mean is clipped to [-2, 2]
        a = np.tanh(mean)
        center = np.float32(0.5) * (sp["high"] + sp["low"])
        half = np.float32(0.5) * (sp["high"] - sp["low"])
        return (center + half * a).astype(np.float32)

    def _iqn_values(self, x):
        """IQN's greedy values: each action's mean quantile at the K midpoints (2k + 1) / 2K,
        Z_tau = head(torso(x) * ReLU(W cos(pi i tau) + b)), i = 0 .. n - 1 (algos/iqn.c)"""
        K, (w, b) = self.n_fractions, self.embed[0]
        taus = ((2.0 * np.arange(K) + 1.0) / (2.0 * K)).astype(np.float32).astype(np.float64)
        cosines = np.cos(np.pi * np.arange(w.shape[1])[None, :] * taus[:, None]).astype(np.float32)
        phi = np.maximum(cosines @ w.T + b, np.float32(0)).astype(np.float32)                 # (K, H)
        psi = _mlp(self.trunk, x, self.activation, self.activation)                            # (B, H)
        z = (psi[:, None, :] * phi[None, :, :]).reshape(-1, psi.shape[1])                     # (B K, H)
        out = _mlp(self.head, z, self.activation).reshape(x.shape[0], K, -1)
        return out.astype(np.float64).mean(axis=1)

    def q_values(self, x):
        """(B, K) action values of normalised inputs x: Q (dqn), the mean quantile (qrdqn, iqn) or
        the expectation over the atoms (c51)."""
        if self.values == "iqn":
            return self._iqn_values(x)
        K = self.action_space["n"]
        x = self.features(x)
        if not self.split:
            out = _mlp(self.trunk, x, self.activation)
        else:
            h = _mlp(self.trunk, x, self.activation, self.activation)
            out = _mlp(self.advantage, h, self.activation)
            if self.dueling:   # per atom or quantile j: v[j] + a[k, j] - mean over k of a[k, j]
                adv = out.reshape(out.shape[0], K, -1)
                v = _mlp(self.value, h, self.activation)[:, None, :]
                out = (v + adv - adv.mean(axis=1, keepdims=True)).reshape(out.shape[0], -1)
        out = out.reshape(out.shape[0], K, -1).astype(np.float64)
        if self.values == "q":
            return out[:, :, 0]
        if self.values == "quantiles":
            return out.mean(axis=2)
        M = out.shape[2]
        lo, hi = self.v_range
        atoms = np.array([np.float32(lo + (hi - lo) * j / (M - 1.0)) for j in range(M)], dtype=np.float64)
        p = np.exp(out - out.max(axis=2, keepdims=True))
        return (p * atoms).sum(axis=2) / p.sum(axis=2)

    def _act_q(self, x):
        return self._best(self.q_values(x))


def load(path):
    """The Policy of a run directory or a checkpoint file."""
    return Policy(path)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print("usage: rlc_policy.py RUN_DIR_OR_CHECKPOINT OBS_0 OBS_1 ...\n\n"
              "Prints the deterministic action of the agent for one observation.")
        return 0 if len(argv) >= 2 else 2
    try:
        policy = load(argv[1])
        obs = np.array([float(v) for v in argv[2:]], dtype=np.float32)
        print(" ".join(f"{v:.9g}" for v in np.atleast_1d(policy.act(obs))))
    except (OSError, PolicyError, ValueError) as e:
        print(f"rlc_policy: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
