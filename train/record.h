/* rlc train: rlc record: films a trained agent's deterministic policy.
 *
 * Loads a run directory or checkpoint (trainer_load_agent: no code is loaded; a plugin's
 * environment must be registered first), plays `episodes` episodes with act(explore=false) on
 * seeds seed, seed+1, ... (those of rlc eval with the same --seed), renders the first
 * observation of each episode and the state after every step (envs/render.h) and writes them to
 * a video (envs/video.h): episode k contributes length_k + 1 frames. */
#ifndef RLC_TRAIN_RECORD_H
#define RLC_TRAIN_RECORD_H

#include <stdint.h>

#include "agents/agent.h"
#include "core/config.h"
#include "core/status.h"

#define RECORD_MAX_EPISODES 1000

typedef struct {
    const char *path;     /* run directory or checkpoint file (required) */
    const char *out;      /* a .mp4 or .gif file; NULL = <run directory>/record.mp4 */
    int episodes;         /* 1..RECORD_MAX_EPISODES; default 1 */
    int64_t seed;         /* first episode's seed; default 1000000 (rlc eval's) */
    int width, height;    /* frame size; <= 0 = the environment's default */
} record_opts;

typedef struct {
    char out[1100];       /* the file written */
    char env_id[256];
    const char *codec;    /* "libx264", "mpeg4" or "gif" (static) */
    int width, height, fps;
    int episodes;
    int64_t frames;       /* frames written: the sum of (episode length + 1) */
    double return_mean;   /* mean undiscounted return of the recorded episodes */
} record_result;

void record_opts_default(record_opts *o);

/* Records. On any error nothing is left at o->out but what was there before. */
rl_status record_policy(const record_opts *o, record_result *res, char *err, size_t err_sz);

/* Films one deterministic episode (seed) of a live agent (a training run's, left as it was but
 * for a recurrent policy's evaluation memory) on cfg's environment at its default frame size into
 * out (.mp4 or .gif, by the name; written to out.tmp and renamed). The evaluations during training
 * call it (log.record_evals). */
rl_status record_episode(const agent_algo *algo, void *agent, const rl_config *cfg, const char *out, int64_t seed,
                         record_result *res, char *err, size_t err_sz);

/* Whether cfg's environment can be filmed (opens and closes a renderer): RL_ERR_UNSUPPORTED with
 * a message when it cannot. */
rl_status record_check(const rl_config *cfg, char *err, size_t err_sz);

#endif
