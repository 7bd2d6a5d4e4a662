/* rlc train: an off-policy agent's replay buffer across an interruption (train/offp_replay.c):
 * the trainer saves it beside the checkpoint when a single-process run stops and restores it
 * when the run resumes. */
#ifndef RLC_TRAIN_OFFP_REPLAY_H
#define RLC_TRAIN_OFFP_REPLAY_H

#include <stdint.h>

#include "core/status.h"
#include "replay/replay.h"

/* Writes b's stored transitions, ring position and priorities to path (safetensors, atomic), with
 * step (the checkpoint's) in its metadata. */
rl_status offp_replay_save(const replay_buffer *b, const char *path, int64_t step, char *err, size_t err_sz);
/* Reads the step recorded in path into *file_step and, when it equals step, restores the buffer
 * saved there into b (same capacity, env copies, sizes and sampler, else RL_ERR_FORMAT naming what
 * differs) and marks its last stored row truncated: the interrupted episodes end there. Every
 * observation and reward must be finite and every action one of b's action space (b->cfg.n_actions,
 * act_low, act_high), else RL_ERR_FORMAT naming the tensor and the element. On any error b's row
 * count is unchanged (b should be empty: its storage is read into before the checks). A file of
 * another step leaves b as it is. A file larger than b's largest save is refused unread. Every
 * message starts with "replay buffer file <path>: ". */
rl_status offp_replay_load(replay_buffer *b, const char *path, int64_t step, int64_t *file_step, char *err,
                           size_t err_sz);

#endif
