"""rlc python: rlc's vector env as a gymnasium.vector.VectorEnv.

Imported only by rlc.make_gymnasium_vec, so rlc itself never needs gymnasium. The adapter
forwards reset and step to an rlc.VecEnv and presents its spaces as gymnasium.spaces objects;
the autoreset mode is Gymnasium's SAME_STEP (final observations in infos["final_obs"]).
"""
import gymnasium
import numpy as np

from .spaces import Box, Dict, Discrete, MultiBinary, MultiDiscrete, Tuple


def _to_gymnasium(space):
    if isinstance(space, Discrete):
        return gymnasium.spaces.Discrete(space.n)
    if isinstance(space, Box):
        return gymnasium.spaces.Box(space.low, space.high, space.shape, dtype=space.dtype)
    if isinstance(space, MultiDiscrete):
        return gymnasium.spaces.MultiDiscrete(space.nvec)
    if isinstance(space, MultiBinary):
        return gymnasium.spaces.MultiBinary(space.n)
    if isinstance(space, Dict):
        return gymnasium.spaces.Dict({k: _to_gymnasium(sp) for k, sp in space.spaces.items()})
    if isinstance(space, Tuple):
        return gymnasium.spaces.Tuple(tuple(_to_gymnasium(sp) for sp in space.spaces))
    raise TypeError(f"no gymnasium counterpart for {space!r}")


def _autoreset_same_step():
    mode = getattr(gymnasium.vector, "AutoresetMode", None)
    return mode.SAME_STEP if mode is not None else "SameStep"


class GymnasiumVecEnv(gymnasium.vector.VectorEnv):
    """An rlc.VecEnv behind Gymnasium's VectorEnv interface (rlc.make_gymnasium_vec)."""

    def __init__(self, vec):
        self.rlc_env = vec
        self.num_envs = vec.num_envs
        self.single_observation_space = _to_gymnasium(vec.single_observation_space)
        self.single_action_space = _to_gymnasium(vec.single_action_space)
        self.observation_space = gymnasium.vector.utils.batch_space(self.single_observation_space,
                                                                    self.num_envs)
        self.action_space = gymnasium.vector.utils.batch_space(self.single_action_space,
                                                               self.num_envs)
        self.metadata = dict(vec.metadata, autoreset_mode=_autoreset_same_step())
        self.render_mode = vec.render_mode
        self.closed = False

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self.action_space.seed(int(seed))
        return self.rlc_env.reset(seed=seed, options=options)

    def step(self, actions):
        return self.rlc_env.step(np.asarray(actions))

    def render(self):
        return self.rlc_env.render()

    def close(self, **kwargs):
        self.rlc_env.close()
        self.closed = True
