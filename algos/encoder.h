/* rlc algos: the image encoder of an agent's networks (network.encoder, nn/encoder.h), read from
 * the config and checked against the environment's observation space. The agents that have one
 * (dqn, qrdqn, c51, ppo, a2c) put it before their MLP torso: obs -> encoder features -> MLP. */
#ifndef RLC_ALGOS_ENCODER_H
#define RLC_ALGOS_ENCODER_H

#include <stdbool.h>

#include "agents/agent.h"
#include "nn/encoder.h"
#include "nn/obs_encoder.h"

/* The encoder network.encoder asks for on observations o, in *e with *on = true; *on = false for
 * `none` (the default) and `flatten`, when the agent's MLP reads the observation as a vector. On a
 * Dict or Tuple observation (envs/env.h) with image parts, each image part gets its own encoder of
 * that spec and the vector parts are passed as they are, concatenated in the parts' order
 * (nn/obs_encoder.h); a Dict or Tuple of vector parts only needs none (its flat row is already
 * the concatenation). The errors name the image part `none` leaves unencoded.
 * RL_ERR_CONFIG naming the file, the key and what was expected when: o is an image and the value is
 * `none` (an image needs an encoder, or `flatten` said explicitly); an encoder is asked for on a
 * flat vector; the value is no preset and no list of layers; the declared input (`in HxWxC`) is not
 * the environment's; a kernel is larger than its input; the encoder's parameters or the
 * activations of one observation exceed their limits (core/limits.h, ALGO_ENCODER_MAX_ACT). Inputs are scaled by
 * env_space_unit_scale(o) (uint8 pixels / 255; MinAtar's 0/1 channels as they are). Sets the shape
 * only: the caller binds and initialises it. */
/* the most floats of activations, backward scratch and convolution scratch one observation may
 * take in an encoder (16 MiB; the Nature network on 84x84x4 frames takes about 1.3 MiB) */
#define ALGO_ENCODER_MAX_ACT (INT64_C(1) << 22)

rl_status algo_encoder_from_config(nn_obs_encoder *e, bool *on, const rl_config *cfg, const env_space *o,
                                   const char *algo, char *err, size_t err_sz);

/* For the agents without an encoder (reinforce, sac): RL_ERR_CONFIG when network.encoder asks for
 * one, or when o is an image and network.encoder is not `flatten`. */
rl_status algo_encoder_refuse(const rl_config *cfg, const env_space *o, const char *algo, char *err, size_t err_sz);

/* Whether the replay of an agent should store o's values a byte each (uint8 and bool images). */
bool algo_obs_bytes(const env_space *o);

#endif
