/* rlc tests: non-finite values from an environment never reach an agent, its running statistics
 * or a checkpoint. The vector env drops (and counts) a step whose observation or reward is NaN or
 * infinite; PPO with observation and reward normalisation and DQN train through such an env and
 * checkpoint only finite values; a checkpoint holding a non-finite value is refused, and a run
 * whose statistics overflow stops with RL_ERR_NUMERIC, keeping its last good checkpoint. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/trainer.h"
#include "envs/env.h"
#include "nn/nn.h"
#include "tests/helpers/testutil.h"

/* ---- test environments ------------------------------------------------------------------- */

/* NanEnv-v0: obs (4) drifting with the action; reward 1. Every copy counts its steps since
 * init (never reset): step t returns a NaN observation entry when t % 13 == 5 and an infinite
 * reward when t % 17 == 3. TimeLimit 40. */
typedef struct {
    long t;          /* steps since init */
    float x[4];
    int resets;
} nan_state;

static const float box_lo[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
static const float box_hi[4] = {INFINITY, INFINITY, INFINITY, INFINITY};

static rl_status ne_init(void *state, char *err, size_t err_sz)
{
    (void)state, (void)err, (void)err_sz;
    return RL_OK;
}

static void ne_reset(void *state, rl_rng *rng, float *obs)
{
    nan_state *s = state;
    for (int k = 0; k < 4; k++) s->x[k] = (float)rl_rng_uniform(rng, -0.1, 0.1);
    s->resets++;
    memcpy(obs, s->x, sizeof s->x);
}

static bool nan_obs_at(long t) { return t % 13 == 5; }
static bool inf_reward_at(long t) { return t % 17 == 3; }

static void ne_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                    bool *terminated, bool *truncated)
{
    (void)rng, (void)truncated;
    nan_state *s = state;
    s->t++;
    float push = action[0] > 0.5f ? 0.05f : -0.05f;
    for (int k = 0; k < 4; k++) s->x[k] += push * (float)(k + 1);
    memcpy(obs, s->x, sizeof s->x);
    *reward = 1.0f - fabsf(s->x[0]);
    if (nan_obs_at(s->t)) obs[1] = NAN;
    if (inf_reward_at(s->t)) *reward = INFINITY;
    *terminated = fabsf(s->x[0]) > 1.0f;
}

/* HugeObsEnv-v0: the same walk, but from a copy's step 200 on (counted since init) every
 * observation is +-3e38: finite floats whose variance overflows float32. */
static void huge_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward,
                      bool *terminated, bool *truncated)
{
    ne_step(state, rng, action, obs, reward, terminated, truncated);
    nan_state *s = state;
    for (int k = 0; k < 4; k++) obs[k] = s->x[k];
    *reward = 1.0f;
    if (s->t >= 200)
        for (int k = 0; k < 4; k++) obs[k] = (s->t + k) % 2 ? 3e38f : -3e38f;
}

/* NanResetEnv-v0: its reset observation has a NaN entry (obs[2]). */
static void nan_reset(void *state, rl_rng *rng, float *obs)
{
    ne_reset(state, rng, obs);
    obs[2] = NAN;
}

static env_def nan_def = {
    .id = "NanEnv-v0", .state_size = sizeof(nan_state), .max_episode_steps = 40,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = 4, .low = box_lo, .high = box_hi},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1},
    .init = ne_init, .reset = ne_reset, .step = ne_step,
};

static void register_envs(void)
{
    static env_def huge_def, reset_def;
    huge_def = nan_def;
    huge_def.id = "HugeObsEnv-v0";
    huge_def.step = huge_step;
    reset_def = nan_def;
    reset_def.id = "NanResetEnv-v0";
    reset_def.reset = nan_reset;
    nan_def.reward_threshold = NAN;
    huge_def.reward_threshold = NAN;
    reset_def.reward_threshold = NAN;
    char err[256];
    const env_def *defs[] = {&nan_def, &huge_def, &reset_def};
    for (int i = 0; i < 3; i++)
        if (!env_find(defs[i]->id)) cr_assert_eq(env_register(defs[i], err, sizeof err), RL_OK, "%s", err);
}

/* ---- helpers ----------------------------------------------------------------------------- */

/* Reads a safetensors file independently of nn/: every tensor's values must be finite. Returns
 * the number of tensors checked. */
static int assert_checkpoint_finite(const char *path)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "cannot open %s", path);
    unsigned char len_le[8];
    cr_assert_eq(fread(len_le, 1, 8, fp), 8u);
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++) hl |= (uint64_t)len_le[i] << (8 * i);
    char *hdr = calloc(hl + 1, 1);
    cr_assert_eq(fread(hdr, 1, hl, fp), hl);
    cJSON *root = cJSON_Parse(hdr);
    cr_assert_not_null(root);
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (strcmp(e->string, "__metadata__") == 0) continue;
        const cJSON *off = cJSON_GetObjectItem(e, "data_offsets");
        long begin = (long)cJSON_GetArrayItem(off, 0)->valuedouble, end = (long)cJSON_GetArrayItem(off, 1)->valuedouble;
        size_t count = (size_t)(end - begin) / 4;
        float *x = malloc(count * sizeof(float) + 1);
        cr_assert_eq(fseek(fp, 8 + (long)hl + begin, SEEK_SET), 0);
        cr_assert_eq(fread(x, sizeof(float), count, fp), count);
        for (size_t k = 0; k < count; k++)
            cr_assert(isfinite(x[k]), "%s: tensor '%s'[%zu] = %g is not finite", path, e->string, k, (double)x[k]);
        free(x);
        n++;
    }
    cJSON_Delete(root);
    free(hdr);
    fclose(fp);
    return n;
}

static void load_yaml(rl_config *cfg, const char *yaml)
{
    char err[1024];
    cr_assert_eq(rl_config_load_string(cfg, yaml, "nonfinite.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
}

/* the value of column `col` in the last row of a CSV file */
static double last_csv_value(const char *path, const char *col)
{
    char *text = rlt_read_file(path);
    char *nl = strchr(text, '\n');
    cr_assert_not_null(nl);
    *nl = '\0';
    int idx = -1, k = 0;
    for (char *tok = strtok(text, ","); tok; tok = strtok(NULL, ","), k++)
        if (strcmp(tok, col) == 0) idx = k;
    cr_assert_geq(idx, 0, "%s: no column %s", path, col);
    char *last = nl + 1, *p = nl + 1;
    for (; *p; p++)
        if (p[0] == '\n' && p[1]) last = p + 1;
    double v = NAN;
    k = 0;
    for (char *tok = strtok(last, ",\n"); tok; tok = strtok(NULL, ",\n"), k++)
        if (k == idx) v = strtod(tok, NULL);
    free(text);
    return v;
}

/* ---- the vector env ---------------------------------------------------------------------- */

Test(nonfinite, vec_env_drops_and_counts_bad_steps)
{
    register_envs();
    env_vec v;
    char err[256];
    const int n = 3, steps = 300;
    cr_assert_eq(env_vec_make(&v, "NanEnv-v0", n, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 7);
    float act[3] = {1, 0, 1};
    int dropped_seen = 0;
    for (int s = 1; s <= steps; s++) {
        act[s % 3] = (float)(s % 2);
        env_vec_step(&v, act);
        for (int i = 0; i < n; i++) {
            cr_assert(isfinite(v.rewards[i]), "step %d copy %d: reward %g", s, i, (double)v.rewards[i]);
            for (int k = 0; k < v.obs_dim; k++) {
                cr_assert(isfinite(v.obs[i * v.obs_dim + k]), "step %d copy %d: obs[%d]", s, i, k);
                if (v.terminated[i] || v.truncated[i])
                    cr_assert(isfinite(v.final_obs[i * v.obs_dim + k]), "step %d copy %d: final_obs[%d]", s, i, k);
            }
            bool bad = nan_obs_at(s) || inf_reward_at(s);   /* every copy steps once per call */
            if (bad) {
                dropped_seen++;
                cr_assert(v.truncated[i] && !v.terminated[i], "a dropped step ends the episode truncated");
                cr_assert_eq(v.rewards[i], 0.0f);
                cr_assert(isfinite(v.ep_return[i]), "the episode's return leaves the bad reward out");
            }
        }
    }
    long expected = 0;
    for (long t = 1; t <= steps; t++) expected += nan_obs_at(t) || inf_reward_at(t);
    cr_assert_gt(expected, 10);
    cr_assert_eq(env_vec_nonfinite(&v), (uint64_t)(expected * n));
    cr_assert_eq(dropped_seen, expected * n);
    env_vec_free(&v);
}

Test(nonfinite, vec_env_patches_a_nonfinite_reset)
{
    register_envs();
    env_vec v;
    char err[256];
    cr_assert_eq(env_vec_make(&v, "NanResetEnv-v0", 2, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 1);
    for (int i = 0; i < 2; i++) cr_assert_eq(v.obs[i * 4 + 2], 0.0f);
    cr_assert(isfinite(v.obs[0]) && v.obs[0] != 0.0f, "finite entries are left alone");
    cr_assert_eq(env_vec_nonfinite(&v), 2u);
    env_vec_free(&v);
}

/* ---- training ---------------------------------------------------------------------------- */

/* trains yaml (on NanEnv-v0) in a fresh run directory (its path in dir): the run succeeds and
 * counts the steps it dropped */
static trainer_result train_on_nan_env(const char *yaml, const char *tag, char *dir, size_t dir_sz)
{
    register_envs();
    rl_config cfg;
    load_yaml(&cfg, yaml);
    char err[1024];
    rlt_tmp_dir(dir, dir_sz, tag);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert_gt(res.env_nonfinite, 100u, "the dropped steps are counted (%llu)", (unsigned long long)res.env_nonfinite);
    return res;
}

static const char *ppo_yaml =
    "algo: ppo\nseed: 3\ntotal_steps: 4096\n"
    "env: {id: NanEnv-v0, num_envs: 4}\n"
    "network: {hidden: [16, 16]}\n"
    "ppo: {num_steps: 32, num_minibatches: 2, update_epochs: 2}\n"
    "normalize: {obs: true, reward: true}\n"
    "log: {log_interval: 1024, eval_interval: 0, eval_episodes: 2, checkpoint_interval: 1024, progress: false}\n";

Test(nonfinite, ppo_with_normalisation_checkpoints_only_finite_values)
{
    char dir[256], path[512];
    trainer_result res = train_on_nan_env(ppo_yaml, "nonfinite_ppo", dir, sizeof dir);
    cr_assert(isfinite(res.eval_mean));
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    cr_assert_gt(assert_checkpoint_finite(path), 4);
    /* the normalisation statistics themselves learned from finite data */
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    cr_assert_eq(last_csv_value(path, "skipped_minibatches"), 0.0, "no non-finite loss reached an update");
}

static const char *dqn_yaml =
    "algo: dqn\nseed: 5\ntotal_steps: 3000\n"
    "env: {id: NanEnv-v0, num_envs: 2}\n"
    "network: {hidden: [16, 16]}\n"
    "dqn: {buffer_size: 2000, batch_size: 32, learning_starts: 200, train_frequency: 4, target_update_interval: 200}\n"
    "log: {log_interval: 500, eval_interval: 0, eval_episodes: 2, checkpoint_interval: 1000, progress: false}\n";

Test(nonfinite, dqn_never_stores_a_nonfinite_transition)
{
    char dir[256], path[512];
    (void)train_on_nan_env(dqn_yaml, "nonfinite_dqn", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    double skipped = last_csv_value(path, "skipped_updates");
    cr_assert_eq(skipped, 0.0, "%g updates skipped: a non-finite transition reached the replay buffer", skipped);
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    cr_assert_gt(assert_checkpoint_finite(path), 2);
}

/* ---- divergence: refused checkpoints ----------------------------------------------------- */

/* Sets the first value of the first tensor of a safetensors file to NaN, in place. */
static void poison_first_tensor(const char *path)
{
    FILE *fp = fopen(path, "r+b");
    cr_assert_not_null(fp);
    unsigned char len_le[8];
    cr_assert_eq(fread(len_le, 1, 8, fp), 8u);
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++) hl |= (uint64_t)len_le[i] << (8 * i);
    float nan = NAN;
    cr_assert_eq(fseek(fp, 8 + (long)hl, SEEK_SET), 0);   /* tensors are stored from offset 0 */
    cr_assert_eq(fwrite(&nan, sizeof nan, 1, fp), 1u);
    fclose(fp);
}

/* An agent holding a NaN weight (here: loaded from a tampered file) refuses to save, naming the
 * tensor, and leaves the file already at the path alone. */
static void refuses_nonfinite_save(const char *yaml)
{
    rl_config cfg;
    load_yaml(&cfg, yaml);
    const agent_algo *algo = agent_find(cfg.root.algo);
    const env_def *def = env_find(cfg.env.id);
    cr_assert(algo && def);
    void *agent = NULL;
    char err[1024], good[256], bad[256];
    cr_assert_eq(algo->create(&agent, &cfg, &def->obs_space, &def->act_space, 2, err, sizeof err), RL_OK, "%s", err);
    rlt_tmp_dir(good, sizeof good, "nonfinite_good");
    rlt_tmp_dir(bad, sizeof bad, "nonfinite_bad");
    cr_assert_eq(algo->save(agent, good, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(algo->save(agent, bad, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    poison_first_tensor(bad);
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, bad, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(algo->load(agent, f, true, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors_close(f);
    char *before = rlt_read_file(good);
    rl_status st = algo->save(agent, good, NULL, 0, err, sizeof err);
    cr_assert_eq(st, RL_ERR_NUMERIC, "%s: save gave %s", cfg.root.algo, rl_status_str(st));
    cr_assert(strstr(err, "non-finite") && strstr(err, good), "the message names the file and the problem: %s", err);
    char *after = rlt_read_file(good);
    cr_assert_str_eq(after, before, "the previous file is unchanged");
    assert_checkpoint_finite(good);
    free(before);
    free(after);
    remove(good);
    remove(bad);
    algo->destroy(agent);
}

Test(nonfinite, agents_refuse_to_save_nonfinite_weights)
{
    register_envs();
    refuses_nonfinite_save("algo: ppo\nenv: {id: NanEnv-v0, num_envs: 2}\nnormalize: {obs: true}\n");
    refuses_nonfinite_save("algo: dqn\nenv: {id: NanEnv-v0, num_envs: 2}\ndqn: {buffer_size: 1000}\n");
    refuses_nonfinite_save("algo: sac\nenv: {id: Pendulum-v1, num_envs: 2}\nsac: {buffer_size: 1000}\n");
}

Test(nonfinite, overflowing_statistics_stop_the_run_and_keep_the_last_checkpoint)
{
    register_envs();
    rl_config cfg;
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "algo: ppo\nseed: 1\ntotal_steps: 2048\nenv: {id: HugeObsEnv-v0, num_envs: 2}\n"
             "network: {hidden: [8]}\nppo: {num_steps: 16, num_minibatches: 2, update_epochs: 1}\n"
             "normalize: {obs: true}\n"
             "log: {log_interval: 128, eval_interval: 0, eval_episodes: 1, checkpoint_interval: 128, progress: false}\n");
    load_yaml(&cfg, yaml);
    char dir[256], err[1024], path[512];
    rlt_tmp_dir(dir, sizeof dir, "nonfinite_diverge");
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    rl_status st = trainer_run(&cfg, &o, &res, err, sizeof err);
    cr_assert_eq(st, RL_ERR_NUMERIC, "status %s: %s", rl_status_str(st), err);
    cr_assert(strstr(err, "diverged") && strstr(err, "not finite") && strstr(err, "last good checkpoint"), "%s", err);
    cr_assert_lt(res.steps, 2048, "the run stopped early");
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    assert_checkpoint_finite(path);
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    unsigned long long step = 0;
    cr_assert_eq(nn_safetensors_meta_u64(f, "rlc.step", &step, err, sizeof err), RL_OK);
    nn_safetensors_close(f);
    /* each copy turns huge at its step 200 = environment step 400; checkpoints every 128 */
    cr_assert_eq(step, 384u, "the last good checkpoint is the one before the overflow (step %llu)", step);
}
