/* rlc train: rlc record: plays a trained agent's deterministic policy and films it (see
 * record.h). */
#include "train/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/trainer_env.h"
#include "core/fs.h"
#include "envs/render.h"
#include "envs/video.h"
#include "envs/wrappers.h"

/* what one recording holds while it runs */
typedef struct {
    const agent_algo *algo;
    void *agent;
    bool owns_agent;    /* loaded here (rlc record), not a training run's live agent */
    trainer_env te;     /* the environment of the checkpoint's config (env.kwargs applied) */
    env_instance env;
    env_renderer *renderer;
    env_video *video;
    float *obs, *seen, *act;   /* the env's observation, as the agent sees it, the action */
    uint8_t *mask;      /* the valid actions handed to the agent, when it takes the env's masks; else NULL */
    uint8_t *frame;     /* (height, width, 3) */
} recorder;

void record_opts_default(record_opts *o)
{
    memset(o, 0, sizeof *o);
    o->episodes = 1;
    o->seed = 1000000;
}

/* <run directory>/record.mp4, the run directory being path or the checkpoint's directory */
static void default_out(const char *path, char *out, size_t out_sz)
{
    if (rl_is_dir(path)) {
        snprintf(out, out_sz, "%s/record.mp4", path);
        return;
    }
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(out, out_sz, "record.mp4");
    else snprintf(out, out_sz, "%.*s/record.mp4", (int)(slash - path), path);
}

/* cfg's environment, a renderer of width x height (<= 0: its default), the video at res->out and
 * the buffers; where names the config in messages, from_run as trainer_env_open */
static rl_status recorder_open_env(recorder *r, const rl_config *cfg, const char *where, bool from_run, int width,
                                   int height, record_result *res, char *err, size_t err_sz)
{
    rl_status st = trainer_env_open(&r->te, cfg, where, from_run, err, err_sz);
    if (st == RL_OK) st = trainer_env_make(&r->te, cfg, &r->env, err, err_sz);
    if (st != RL_OK) return st;
    snprintf(res->env_id, sizeof res->env_id, "%s", cfg->env.id);
    st = env_render_open(&r->renderer, &r->env, width, height, err, err_sz);
    if (st != RL_OK) return st;
    env_render_size(r->renderer, &res->width, &res->height, &res->fps);
    st = env_video_open(&r->video, res->out, res->width, res->height, res->fps, err, err_sz);
    if (st != RL_OK) return st;
    res->codec = env_video_codec(r->video);
    r->obs = calloc((size_t)r->te.raw_dim, sizeof(float));
    r->seen = calloc((size_t)r->te.view.obs_space.dim, sizeof(float));
    r->act = calloc((size_t)env_space_dim(&r->env.def->act_space), sizeof(float));
    r->frame = malloc((size_t)res->width * res->height * 3);
    if (r->algo && trainer_env_agent_masks(&r->te, cfg, r->algo) && !(r->mask = malloc((size_t)r->env.def->act_space.n)))
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    if (!r->obs || !r->seen || !r->act || !r->frame) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    return RL_OK;
}

static rl_status recorder_open(recorder *r, const record_opts *o, record_result *res, char *err, size_t err_sz)
{
    rl_config cfg;
    rl_status st = trainer_load_agent(o->path, &cfg, &r->algo, &r->agent, err, err_sz);
    if (st != RL_OK) return st;
    r->owns_agent = true;
    return recorder_open_env(r, &cfg, o->path, true, o->width, o->height, res, err, err_sz);
}

static void recorder_free(recorder *r)
{
    env_video_abort(r->video);
    env_render_close(r->renderer);
    env_close(&r->env);
    trainer_env_close(&r->te);
    if (r->agent && r->owns_agent) r->algo->destroy(r->agent);
    free(r->obs);
    free(r->seen);
    free(r->act);
    free(r->frame);
    free(r->mask);
}


static rl_status film_state(recorder *r, record_result *res, char *err, size_t err_sz)
{
    rl_status st = env_render_frame(r->renderer, &r->env, r->frame, err, err_sz);
    if (st == RL_OK) st = env_video_write(r->video, r->frame, err, err_sz);
    if (st == RL_OK) res->frames++;
    return st;
}

/* one deterministic episode from seed: its first state and every state after a step */
static rl_status film_episode(recorder *r, int64_t seed, record_result *res, double *ret, char *err, size_t err_sz)
{
    env_reset(&r->env, seed, r->obs);
    if (r->algo->episode_starts) r->algo->episode_starts(r->agent, (const bool[]){true}, 1);
    rl_status st = film_state(r, res, err, err_sz);
    bool term = false, trunc = false;
    *ret = 0.0;
    while (st == RL_OK && !term && !trunc) {
        trainer_env_encode(&r->te, r->obs, r->seen, 1);
        trainer_env_pass_mask_one(r->algo, r->agent, &r->env, r->mask);
        r->algo->act(r->agent, r->seen, 1, r->act, false);
        float reward;
        env_step(&r->env, r->act, r->obs, &reward, &term, &trunc);
        *ret += reward;
        st = film_state(r, res, err, err_sz);
    }
    return st;
}

rl_status record_policy(const record_opts *o, record_result *res, char *err, size_t err_sz)
{
    memset(res, 0, sizeof *res);
    if (!o->path) return rl_errf(err, err_sz, RL_ERR_ARG, "record: no run directory or checkpoint given");
    if (o->episodes < 1 || o->episodes > RECORD_MAX_EPISODES)
        return rl_errf(err, err_sz, RL_ERR_ARG, "record: %d episodes: expected 1..%d", o->episodes, RECORD_MAX_EPISODES);
    if (o->out) snprintf(res->out, sizeof res->out, "%s", o->out);
    else default_out(o->path, res->out, sizeof res->out);
    recorder r = {0};
    rl_status st = recorder_open(&r, o, res, err, err_sz);
    double sum = 0.0;
    for (int ep = 0; st == RL_OK && ep < o->episodes; ep++) {
        double ret;
        st = film_episode(&r, o->seed + ep, res, &ret, err, err_sz);
        sum += ret;
        res->episodes++;
    }
    if (st == RL_OK) {
        st = env_video_close(r.video, err, err_sz);
        r.video = NULL;
    }
    res->return_mean = res->episodes ? sum / res->episodes : 0.0;
    recorder_free(&r);
    return st;
}

rl_status record_episode(const agent_algo *algo, void *agent, const rl_config *cfg, const char *out, int64_t seed,
                         record_result *res, char *err, size_t err_sz)
{
    memset(res, 0, sizeof *res);
    snprintf(res->out, sizeof res->out, "%s", out);
    recorder r = {.algo = algo, .agent = agent};
    const char *where = cfg->source[0] ? cfg->source : "config";
    rl_status st = recorder_open_env(&r, cfg, where, false, 0, 0, res, err, err_sz);
    double ret = 0.0;
    if (st == RL_OK) st = film_episode(&r, seed, res, &ret, err, err_sz);
    if (st == RL_OK) {
        st = env_video_close(r.video, err, err_sz);
        r.video = NULL;
        res->episodes = 1;
        res->return_mean = ret;
    }
    recorder_free(&r);
    return st;
}

rl_status record_check(const rl_config *cfg, char *err, size_t err_sz)
{
    recorder r = {0};
    const char *where = cfg->source[0] ? cfg->source : "config";
    rl_status st = trainer_env_open(&r.te, cfg, where, false, err, err_sz);
    if (st == RL_OK) st = trainer_env_make(&r.te, cfg, &r.env, err, err_sz);
    if (st == RL_OK) st = env_render_open(&r.renderer, &r.env, 0, 0, err, err_sz);
    recorder_free(&r);
    return st;
}
