/* rlc train: the environment a config names, as its agent sees it (trainer_env.h). */
#include "train/trainer_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envs/check.h"
#include "envs/env_args.h"
#include "envs/imgprep.h"
#include "envs/pixels.h"
#include "envs/wrappers.h"

/* the error for an environment id nobody registered. A config's env.plugin is loaded only by
 * trainer_prepare_envs, for a config the user named; from_run: the config came from a
 * checkpoint or a run directory, whose plugin rlc never loads by itself */
static rl_status env_missing(const rl_config *cfg, const char *where, bool from_run, char *err, size_t err_sz)
{
    if (cfg->env.plugin[0] && from_run)
        return rl_errf(err, err_sz, RL_ERR_NOT_FOUND,
                       "%s: environment '%s' comes from the plugin %s (env.plugin), and rlc does not load "
                       "code named in a checkpoint or a run directory: pass --plugin %s (or where that "
                       "plugin is on this machine) if you trust it",
                       where, cfg->env.id, cfg->env.plugin, cfg->env.plugin);
    if (cfg->env.plugin[0])
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: env.id: environment '%s' is not registered (the plugin %s was %s)", where,
                       cfg->env.id, cfg->env.plugin,
                       from_run ? "not loaded" : "loaded but does not register it, or was not loaded");
    char hint[200];
    env_did_you_mean(hint, sizeof hint, cfg->env.id);
    return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: env.id: unknown environment '%s'%s (rlc envs lists them)",
                   where, cfg->env.id, hint);
}

/* the agent's view of e->def: a Discrete observation space becomes the one-hot Box */
static void env_view(trainer_env *e)
{
    e->view = *e->def;
    e->raw_dim = env_space_dim(&e->def->obs_space);
    e->one_hot = e->def->obs_space.kind == ENV_SPACE_DISCRETE;
    if (!e->one_hot) return;
    int n = e->def->obs_space.n;
    e->bounds = rl_xcalloc(2 * (size_t)n, sizeof(float));
    env_one_hot_space(n, e->bounds, e->bounds + n, &e->view.obs_space);
}

/* after a wrapper's constructor returned st and made: e->def is the wrapped definition, or the
 * constructor's message (it begins with the wrapper's name) names the config's key */
static rl_status wrapped(trainer_env *e, rl_status st, env_def *made, const char *where, const char *why, char *err,
                         size_t err_sz)
{
    if (st != RL_OK) return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: env.%s", where, why);
    e->def = made;
    return RL_OK;
}

/* env.resize, env.grayscale and env.frame_stack over e->def, in this order (envs/imgprep.h) */
static rl_status env_obs_wrappers(trainer_env *e, const rl_config *cfg, const char *where, char *err, size_t err_sz)
{
    char why[600];
    rl_status st = RL_OK;
    const rl_int_list *rs = &cfg->env.resize;
    if (rs->n != 0 && rs->n != 2)
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: env.resize: expected [height, width] (or [] for none), got %d "
                       "entr%s", where, rs->n, rs->n == 1 ? "y" : "ies");
    if (rs->n == 2) {
        st = env_resize_def(e->def, (int)rs->v[0], (int)rs->v[1], &e->resize, why, sizeof why);
        if ((st = wrapped(e, st, e->resize, where, why, err, err_sz)) != RL_OK) return st;
    }
    if (cfg->env.grayscale) {
        st = env_grayscale_def(e->def, &e->gray, why, sizeof why);
        if ((st = wrapped(e, st, e->gray, where, why, err, err_sz)) != RL_OK) return st;
    }
    if (cfg->env.frame_stack > 1) {
        st = env_frame_stack_def(e->def, (int)cfg->env.frame_stack, &e->stack, why, sizeof why);
        if ((st = wrapped(e, st, e->stack, where, why, err, err_sz)) != RL_OK) return st;
    }
    return RL_OK;
}

/* env.pixels and env.frame_skip over e->def (envs/pixels.h, envs/imgprep.h), then the observation
 * wrappers: pixels -> frame_skip -> resize -> grayscale -> frame_stack */
static rl_status env_image_wrappers(trainer_env *e, const rl_config *cfg, const char *where, char *err,
                                    size_t err_sz)
{
    const char *id = cfg->env.id;
    if (cfg->env.mask_velocity && cfg->env.pixels)   /* frame_stack: each stacked state is masked */
        return rl_errf(err, err_sz, RL_ERR_CONFIG,
                       "%s: env.mask_velocity masks %s's state vector: it does not go with env.pixels (a frame has "
                       "no velocity components)", where, id);
    char why[600];
    rl_status st = RL_OK;
    if (cfg->env.pixels) {
        const env_pixels_opts o = {.width = (int)cfg->env.pixels_width, .height = (int)cfg->env.pixels_height,
                                   .grayscale = cfg->env.pixels_grayscale};
        st = env_pixels_def(e->def, &o, &e->pixels, why, sizeof why);
        if ((st = wrapped(e, st, e->pixels, where, why, err, err_sz)) != RL_OK) return st;
    }
    if (cfg->env.frame_skip > 1) {   /* the time limit (env.max_episode_steps too) counts inner steps */
        st = env_frame_skip_def(e->def, (int)cfg->env.frame_skip, (int)cfg->env.max_episode_steps, &e->skip, why,
                                sizeof why);
        if ((st = wrapped(e, st, e->skip, where, why, err, err_sz)) != RL_OK) return st;
    }
    return env_obs_wrappers(e, cfg, where, err, err_sz);
}

int trainer_env_limit(const trainer_env *e, const rl_config *cfg)
{
    return e->skip ? 0 : (int)cfg->env.max_episode_steps;
}

rl_status trainer_env_open(trainer_env *e, const rl_config *cfg, const char *where, bool from_run, char *err,
                           size_t err_sz)
{
    memset(e, 0, sizeof *e);
    const env_def *base = env_find(cfg->env.id);
    if (!base) return env_missing(cfg, where, from_run, err, err_sz);
    rl_status st = env_args_make(base, &cfg->env.kwargs, &e->def, &e->owned, err, err_sz);
    if (st == RL_OK) st = env_image_wrappers(e, cfg, where, err, err_sz);
    if (st != RL_OK) {
        trainer_env_close(e);
        return st;
    }
    env_view(e);
    if (!cfg->env.mask_velocity) return RL_OK;
    e->vel_mask = rl_xcalloc((size_t)e->raw_dim, 1);
    char why[1000];
    if ((st = env_velocity_mask(e->def->id, e->raw_dim, e->vel_mask, why, sizeof why)) != RL_OK) {
        trainer_env_close(e);
        return rl_errf(err, err_sz, st == RL_ERR_NOT_FOUND ? RL_ERR_CONFIG : st, "%s: env.%s", where, why);
    }
    return RL_OK;
}

void trainer_env_close(trainer_env *e)
{
    if (!e) return;
    free(e->bounds);
    free(e->stack);
    free(e->gray);
    free(e->resize);
    free(e->skip);
    free(e->pixels);
    free(e->owned);
    free(e->vel_mask);
    memset(e, 0, sizeof *e);
}

rl_status trainer_env_vec(const trainer_env *e, const rl_config *cfg, env_vec *v, int n, char *err, size_t err_sz)
{
    const env_vec_opts opts = {.max_steps_override = trainer_env_limit(e, cfg), .one_hot = true,
                               .mask_velocity = cfg->env.mask_velocity};
    char why[1200];
    rl_status st = env_vec_make_def(v, e->def, n, &opts, why, sizeof why);
    if (st != RL_OK)
        return rl_errf(err, err_sz, st == RL_ERR_NOT_FOUND ? RL_ERR_CONFIG : st, "%s: env.%s",
                       cfg->source[0] ? cfg->source : "config", why);
    return RL_OK;
}

rl_status trainer_env_make(const trainer_env *e, const rl_config *cfg, env_instance *inst, char *err, size_t err_sz)
{
    return env_make_def(inst, e->def, trainer_env_limit(e, cfg), err, err_sz);
}

void trainer_env_encode(const trainer_env *e, const float *raw, float *out, int batch)
{
    if (e->one_hot) env_one_hot(e->view.obs_space.dim, raw, out, batch);
    else memcpy(out, raw, (size_t)batch * e->raw_dim * sizeof(float));
    if (e->vel_mask) env_velocity_mask_apply(e->vel_mask, out, e->raw_dim, batch);
}

static bool acts_multi(const agent_algo *a, const void *ctx) { return (void)ctx, a->multi_actions; }
static bool masks(const agent_algo *a, const void *ctx) { return (void)ctx, a->action_mask != NULL; }

/* the names of the agents that act in MultiDiscrete / MultiBinary spaces, "ppo, a2c" */
static void multi_agents(char *out, size_t out_sz) { agent_names_where(out, out_sz, acts_multi, NULL, ", "); }

rl_status trainer_env_agent(const trainer_env *e, const agent_algo *algo, void **agent, const rl_config *cfg,
                            int n_envs, char *err, size_t err_sz)
{
    const env_space *as = &e->view.act_space;
    if (env_space_is_multi(as) && !algo->multi_actions) {
        char names[128], desc[160];
        multi_agents(names, sizeof names);
        return rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: algo: %s cannot act in env %s's action space %s (%s do)",
                       cfg->source[0] ? cfg->source : "config", algo->name, e->def->id,
                       env_space_describe(as, desc, sizeof desc), names);
    }
    return algo->create(agent, cfg, &e->view.obs_space, &e->view.act_space, n_envs, err, err_sz);
}

rl_status trainer_env_check_masks(const trainer_env *e, const agent_algo *algo, const rl_config *cfg, char *err,
                                  size_t err_sz)
{
    if (!trainer_env_masks(e, cfg) || algo->action_mask) return RL_OK;
    char names[256];
    agent_names_where(names, sizeof names, masks, NULL, ", ");
    return rl_errf(err, err_sz, RL_ERR_CONFIG,
                   "%s: env.action_mask: %s publishes action masks, which algo %s cannot use; set "
                   "env.action_mask: false to train it on every action, or use an agent that masks (%s)",
                   cfg->source[0] ? cfg->source : "config", e->def->id, algo->name, names);
}

bool trainer_env_masks(const trainer_env *e, const rl_config *cfg)
{
    return cfg->env.action_mask && e->def->action_mask && e->def->act_space.kind == ENV_SPACE_DISCRETE;
}

void trainer_env_pass_masks(const rl_config *cfg, const agent_algo *algo, void *agent, const env_vec *v)
{
    if (cfg->env.action_mask && env_vec_masked(v) && algo->action_mask) algo->action_mask(agent, v->action_mask, v->n);
}

bool trainer_env_agent_masks(const trainer_env *e, const rl_config *cfg, const agent_algo *algo)
{
    return trainer_env_masks(e, cfg) && algo->action_mask;
}

void trainer_env_pass_mask_one(const agent_algo *algo, void *agent, const env_instance *inst, uint8_t *mask)
{
    if (!mask) return;
    inst->def->action_mask(inst->state, mask);
    algo->action_mask(agent, mask, 1);
}

rl_status trainer_load_agent(const char *path, rl_config *cfg, const agent_algo **algo,
                             void **agent, char *err, size_t err_sz)
{
    char file[1100];
    struct stat sb;
    if (stat(path, &sb) != 0)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: no such run directory or checkpoint", path);
    if (S_ISDIR(sb.st_mode)) snprintf(file, sizeof file, "%s/checkpoint.safetensors", path);
    else snprintf(file, sizeof file, "%s", path);
    nn_safetensors *f = NULL;
    rl_status st = nn_safetensors_open(&f, file, err, err_sz);
    if (st != RL_OK) return st;
    const char *yaml = nn_safetensors_meta(f, "rlc.config");
    if (!yaml) {
        nn_safetensors_close(f);
        return rl_errf(err, err_sz, RL_ERR_FORMAT, "%s: not an rlc checkpoint (no rlc.config metadata)", file);
    }
    /* the config's env.plugin is never loaded from here: a checkpoint is data, not code */
    if ((st = rl_config_load_string(cfg, yaml, file, NULL, 0, err, err_sz))) {
        nn_safetensors_close(f);
        return st;
    }
    trainer_env te;
    st = trainer_env_open(&te, cfg, file, true, err, err_sz);
    *algo = agent_find(cfg->root.algo);
    if (st == RL_OK && !*algo)
        st = rl_errf(err, err_sz, RL_ERR_NOT_FOUND, "%s: algo '%s' is not available in this build", file,
                     cfg->root.algo);
    if (st == RL_OK) st = trainer_env_agent(&te, *algo, agent, cfg, (int)cfg->env.num_envs, err, err_sz);
    trainer_env_close(&te);
    if (st != RL_OK) {
        nn_safetensors_close(f);
        return st;
    }
    st = (*algo)->load(*agent, f, false, err, err_sz);
    nn_safetensors_close(f);
    if (st != RL_OK) {
        (*algo)->destroy(*agent);
        *agent = NULL;
    }
    return st;
}
