/* rlc envs: two small tasks with structured observations (envs/cue.c), cheap enough for a
 * learning test in seconds, each solvable only by reading both of its parts:
 *
 *   DictCue-v0   observation Dict(cue: Box(1) in [-1, 1], image: Box(6, 6, 1) uint8 in [0, 255]):
 *                the image is dark but for one lit pixel (255) at a random place, the cue is -1 or
 *                1; action Discrete(2): reward 1 for 0 when the pixel is in the left half (column
 *                < 3) and the cue is 1, or in the right half and the cue is -1; for 1 otherwise;
 *                reward 0 for the other action; then a new pixel and cue
 *   TupleCue-v0  the same task observed as Tuple(Box(1) cue, Box(6, 6, 1) bool image): the lit
 *                pixel is 1
 *
 * Both: 10 steps an episode (truncated), return at most 10; a policy that ignores either part
 * scores 5 on average. Draws come from the instance's rng. */
#ifndef RLC_ENVS_CUE_H
#define RLC_ENVS_CUE_H

#include "envs/env.h"

extern const env_def env_dict_cue_v0;
extern const env_def env_tuple_cue_v0;

#endif
