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
 * differs) and marks its last stored row truncated: the interrupted episodes end there. A file of
 * another step leaves b as it is. A file larger than b's largest save is refused unread. */
rl_status offp_replay_load(replay_buffer *b, const char *path, int64_t step, int64_t *file_step, char *err,
                           size_t err_sz);

#endif
