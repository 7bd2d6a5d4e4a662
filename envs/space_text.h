/* rlc envs: a space as one line of JSON, for checkpoint metadata ("rlc.action_space",
 * "rlc.obs_space"), so that a reader without rlc (scripts/rlc_policy.py) knows the action bounds. */
#ifndef RLC_ENVS_SPACE_TEXT_H
#define RLC_ENVS_SPACE_TEXT_H

#include "envs/env.h"

/* Returns a malloc'ed string the caller frees:
 *   Discrete: {"kind": "discrete", "n": 3}
 *   Box:      {"kind": "box", "dim": 2, "low": [-1, -2], "high": [1, 2]}
 *   MultiDiscrete: {"kind": "multi_discrete", "nvec": [3, 3, 4]}
 *   MultiBinary:   {"kind": "multi_binary", "n": 5}
 *   an image: {"kind": "box", "dim": 400, "shape": [10, 10, 4], "dtype": "bool", "low": ..., "high": ...}
 *             ("shape" for a rank-3 Box, "dtype" for uint8 or bool values)
 *   a Dict or Tuple: {"kind": "box", "dim": 27, "structure": "dict", "parts": [{"name": "image",
 *             "dim": 25, "shape": [5, 5, 1], "dtype": "uint8"}, {"name": "pos", "dim": 2}], "low": ...}
 *             (the parts in the row's order; a Tuple's names are "0", "1", ...)
 * Each bound is the shortest %g form of the float (9 significant digits); an infinite bound is
 * written as null (JSON has no infinity). */
char *env_space_to_json(const env_space *s);

#endif
