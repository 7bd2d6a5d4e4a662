/* rlc envs: image wrappers -- an environment observed through its rendered frames (pixels) and
 * the last k observations stacked (frame_stack).
 *
 * Both are wrapped definitions: a new env_def whose state holds an instance of the inner one, so
 * that everything built on definitions (env_make_def, the vector env with its same-step
 * autoreset and threads, check-env, the trainer's evaluation copies) sees the wrapped
 * observations without knowing of the wrapper. The inner environment gets the instance's own rng
 * and seeds, so its trajectory is the one it has unwrapped; the time limit stays the outer
 * instance's (the wrapper copies the inner limit, reward threshold and action space).
 *
 * pixels: the observation is the frame the environment's renderer (envs/render.h) draws of the
 * state, drawn directly at width x height (every renderer scales its scene to the size asked
 * for, as Gymnasium's ResizeObservation squashes the aspect ratio; no resampling step), as an
 * image Box (height, width, 3) of uint8 values, or (height, width, 1) with grayscale: ITU-R 601
 * luma, round(0.299 R + 0.587 G + 0.114 B), as older OpenCV's cvtColor (14-bit fixed point)
 * and so Gymnasium 0.29's GrayScaleObservation (OpenCV 4.6 rounds 15-bit coefficients: one grey
 * level apart on some pixels; docs/environments.md). Each instance owns a renderer and its frame buffer (opened in init,
 * nothing allocated per step), so copies stepped on different threads never share one. A frame
 * the renderer fails to draw (a plugin's renderer returning an error) becomes an observation of
 * NaN, which the vector env drops as a non-finite step.
 *
 * frame_stack: the observation is the last k observations of a Box environment, oldest first,
 * along the last axis: an image (H, W, C) becomes (H, W, k C) (channels last, SB3's VecFrameStack
 * with channels_order "last"), value (y, x, j C + c) being frame j's (y, x, c) with j = k - 1 the
 * newest; a flat vector of d values becomes k d values, frame j at [j d, (j + 1) d). After a reset
 * the k slots hold the first observation (Gymnasium's FrameStackObservation with its default
 * padding_type "reset"; SB3 pads with zeros instead), so a new episode never shows the previous
 * one's frames -- also after an autoreset in the vector env. */
#ifndef RLC_ENVS_PIXELS_H
#define RLC_ENVS_PIXELS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"
#include "envs/env.h"

/* the bounds of a pixel frame's side and of k */
#define ENV_PIXELS_MIN_SIDE 16
#define ENV_PIXELS_MAX_SIDE 1024
#define ENV_FRAME_STACK_MAX 64
/* the largest wrapped observation, in values (a 1024 x 1024 RGB frame) */
#define ENV_WRAPPED_MAX_DIM (3 << 20)

typedef struct {
    int width, height;   /* the frame size, each in [ENV_PIXELS_MIN_SIDE, ENV_PIXELS_MAX_SIDE] */
    bool grayscale;      /* one luma channel instead of R, G, B */
} env_pixels_opts;

/* ITU-R 601 luma of an 8-bit RGB pixel in OpenCV's fixed point (cvtColor RGB2GRAY):
 * (R 4899 + G 9617 + B 1868 + 2^13) >> 14, round(0.299 R + 0.587 G + 0.114 B). env.pixels'
 * grayscale frames and env.grayscale (envs/imgprep.h) both use it. */
static inline unsigned env_pixels_luma(unsigned r, unsigned g, unsigned b)
{
    return (r * 4899u + g * 9617u + b * 1868u + (1u << 13)) >> 14;
}

/* The definition of inner observed through its pixels. *out is one allocation (the definition,
 * its bounds and parameters) which the caller frees with free() after closing every instance
 * made from it; inner must outlive it. Errors name the environment: RL_ERR_UNSUPPORTED when it
 * has no renderer or is a callback (Python) environment, RL_ERR_ARG for a size out of range. */
rl_status env_pixels_def(const env_def *inner, const env_pixels_opts *opts, env_def **out, char *err,
                         size_t err_sz);
/* The definition of inner's last k observations stacked (above), one allocation as for
 * env_pixels_def. RL_ERR_ARG for k outside [1, ENV_FRAME_STACK_MAX] or a stacked observation
 * above ENV_WRAPPED_MAX_DIM values, RL_ERR_UNSUPPORTED for a Discrete observation space. */
rl_status env_frame_stack_def(const env_def *inner, int k, env_def **out, char *err, size_t err_sz);

/* The instance inside a wrapped one (pixels, frame_stack or those of envs/imgprep.h, through any
 * number of them), e itself
 * for any other: what a renderer draws (rlc record of a policy trained on pixels shows the
 * environment's own scene). */
const env_instance *env_unwrap(const env_instance *e);

#endif
