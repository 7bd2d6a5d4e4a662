/* rlc envs: Gymnasium's standard preprocessing of an observation as wrapped definitions --
 * frame_skip (each action repeated k times), resize (an image observation resampled with OpenCV's
 * INTER_AREA rule) and grayscale (an RGB image observation as one luma channel).
 *
 * Like env.pixels and env.frame_stack (envs/pixels.h) each is a new env_def whose state holds an
 * instance of the inner one, so the vector env, its threads and autoreset, check-env and the
 * trainer's evaluation copies see the wrapped steps and observations without knowing of the
 * wrapper; the inner environment gets the instance's own rng and seeds, its action masks and
 * warnings are passed through.
 *
 * frame_skip (RL Zoo's FrameSkip, SB3's MaxAndSkipEnv without its max): one step repeats the
 * action k times on the inner environment, sums the rewards (in double, as Python's float) and
 * stops early at the first termination or truncation; the observation is the last inner one. No
 * maximum over the last two frames is taken: Gymnasium's AtariPreprocessing and SB3's
 * MaxAndSkipEnv max-pool to remove Atari's flicker (sprites drawn on alternate frames), and RL
 * Zoo's FrameSkip, which its CarRacing recipe uses, does not. Time limit: the inner environment's
 * (its registered limit L, or max_steps when > 0) counts inner steps, as gym.make's TimeLimit sits
 * inside RL Zoo's wrapper (CarRacing-v3's 1000 steps are 500 agent steps with k = 2; with L = 999
 * the 500th agent step repeats the action once). The wrapped definition's own limit is
 * ceil(L / k) agent steps, where L ends an episode anyway, so it never cuts earlier.
 *
 * resize (Gymnasium's ResizeObservation, which calls cv2.resize with INTER_AREA): an image Box
 * (H, W, C) of uint8 values, any C, becomes (height, width, C), each output pixel the
 * area-weighted mean of the input pixels its footprint covers (fractional weights at the edges),
 * computed as OpenCV does it so that the bytes are OpenCV's: the weights of each axis in float
 * (computeResizeAreaTab), a row's taps summed into a float buffer and the rows into a float sum in
 * OpenCV's order, rounded to nearest with ties to even (saturate_cast); at integer scales OpenCV's
 * fast path: an integer sum times the float 1 / area rounded the same way, and at a 2 x 2 scale of
 * 1, 3 or 4 channels (sum + 2) >> 2. The weights are computed once per instance at init; a step
 * allocates nothing. OpenCV 4.6 refuses more than 4 channels at a non-integer scale; rlc applies
 * the same per-channel rule to any number. Only downscaling (each side at most the input's):
 * OpenCV's INTER_AREA falls back to a bilinear rule for upscaling, which rlc does not implement.
 *
 * grayscale (GrayscaleObservation with keep_dim=True): an RGB image Box (H, W, 3) of uint8 values
 * becomes (H, W, 1) of env_pixels_luma, the ITU-R 601 luma of env.pixels' grayscale frames and of
 * OpenCV's cvtColor RGB2GRAY (the GrayScaleObservation of Gymnasium before 1.0, which RL Zoo's
 * recipes name; Gymnasium 1.x's GrayscaleObservation truncates 0.2125 R + 0.7154 G + 0.0721 B
 * instead).
 *
 * Each constructor returns one allocation in *out (the definition, its parameters and bounds),
 * which the caller frees with free() after closing every instance made from it; inner must
 * outlive it. Errors (RL_ERR_ARG for a value out of range, RL_ERR_UNSUPPORTED for an observation
 * the wrapper cannot take) begin with the wrapper's name and name the environment and what was
 * expected. */
#ifndef RLC_ENVS_IMGPREP_H
#define RLC_ENVS_IMGPREP_H

#include "core/status.h"
#include "envs/env.h"

/* the largest k of frame_skip */
#define ENV_FRAME_SKIP_MAX 64

/* k in [1, ENV_FRAME_SKIP_MAX]; max_steps > 0 replaces the inner environment's registered limit
 * (in inner steps), 0 keeps it. A goal-conditioned environment's goals are not published (a
 * step's reward is the sum of k inner ones, which compute_reward cannot give). */
rl_status env_frame_skip_def(const env_def *inner, int k, int max_steps, env_def **out, char *err, size_t err_sz);
/* height and width each in [ENV_PIXELS_MIN_SIDE, ENV_PIXELS_MAX_SIDE] and at most the input's. */
rl_status env_resize_def(const env_def *inner, int height, int width, env_def **out, char *err, size_t err_sz);
rl_status env_grayscale_def(const env_def *inner, env_def **out, char *err, size_t err_sz);

/* The instance directly inside e when e is one of these wrappers, else NULL (env_unwrap). */
const env_instance *env_imgprep_inner(const env_instance *e);

#endif
