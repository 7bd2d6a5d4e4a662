/* rlc tests: evaluation modes. log.eval_deterministic: false evaluates with actions sampled from
 * the policy (agent_algo.act_sample) with an RNG of the evaluation's own: reproducible for a
 * seed, different from the policy's mode, and leaving the agent (its RNG, its training) as it
 * was. log.record_evals films evaluations into videos/ (decoded back with giflib), leaves the
 * training as it was, and stops the run with the reason when it cannot write. */
#include <criterion/criterion.h>
#include <gif_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fs.h"
#include "train/trainer.h"
#include "tests/helpers/testutil.h"

static void fresh_agent(const char *algo, const char *env, bool deterministic, rl_config *cfg, const agent_algo **a,
                        void **g)
{
    char err[1024], set_algo[64], set_env[64];
    snprintf(set_algo, sizeof set_algo, "algo=%s", algo);
    snprintf(set_env, sizeof set_env, "env.id=%s", env);
    const char *sets[] = {set_algo, set_env, "env.num_envs=4",
                          deterministic ? "log.eval_deterministic=true" : "log.eval_deterministic=false"};
    cr_assert_eq(rl_config_load_string(cfg, "{}", "x.yaml", sets, 4, err, sizeof err), RL_OK, "%s", err);
    *a = agent_find(algo);
    cr_assert(*a != NULL);
    env_instance e;
    cr_assert_eq(env_make(&e, env, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq((*a)->create(g, cfg, &e.def->obs_space, &e.def->act_space, 4, err, sizeof err), RL_OK, "%s", err);
    env_close(&e);
}

static double eval_mean(const agent_algo *a, void *g, const rl_config *cfg, int64_t seed)
{
    char err[1024];
    double mean, std;
    cr_assert_eq(trainer_evaluate(a, g, cfg, 8, seed, &mean, &std, err, sizeof err), RL_OK, "%s", err);
    return mean;
}

/* a fresh agent's mode on CartPole barely depends on the state (near-uniform logits, or Q values
 * from an untrained net): its episodes end in about 10 steps, the sampled ones later */
static void check_modes(const char *algo, const char *env)
{
    rl_config cd, cs;
    const agent_algo *a;
    void *g, *unused;
    fresh_agent(algo, env, true, &cd, &a, &g);
    fresh_agent(algo, env, false, &cs, &a, &unused);
    a->destroy(unused);
    double det1 = eval_mean(a, g, &cd, 11);
    double sto1 = eval_mean(a, g, &cs, 11), sto1b = eval_mean(a, g, &cs, 11), sto2 = eval_mean(a, g, &cs, 12);
    double det1b = eval_mean(a, g, &cd, 11);
    cr_assert_eq(sto1, sto1b, "%s: a stochastic evaluation is reproducible for its seed (%g, %g)", algo, sto1, sto1b);
    cr_assert_neq(sto1, sto2, "%s: other seeds sample other actions", algo);
    cr_assert_neq(sto1, det1, "%s: sampling differs from the mode (%g)", algo, det1);
    cr_assert_eq(det1, det1b, "%s: a stochastic evaluation leaves the agent as it was", algo);
    a->destroy(g);
}

Test(eval_modes, ppo_samples_from_the_policy) { check_modes("ppo", "CartPole-v1"); }
Test(eval_modes, reinforce_samples_from_the_policy) { check_modes("reinforce", "CartPole-v1"); }
Test(eval_modes, dqn_is_epsilon_greedy_at_the_current_rate) { check_modes("dqn", "CartPole-v1"); }
/* continuous actions: a fresh policy's mode and samples on Pendulum give other returns */
Test(eval_modes, sac_samples_from_the_policy) { check_modes("sac", "Pendulum-v1"); }
Test(eval_modes, continuous_ppo_samples_from_the_policy) { check_modes("ppo", "Pendulum-v1"); }

/* a training run's steps do not depend on the evaluation mode: the agent's own RNG is not used */
Test(eval_modes, training_is_the_same_either_way)
{
    char err[1024], da[256], db[256], pa[300], pb[300];
    rlt_tmp_dir(da, sizeof da, "det");
    rlt_tmp_dir(db, sizeof db, "sto");
    const char *sets[] = {"algo=ppo", "env.id=CartPole-v1", "total_steps=4096", "log.eval_interval=2048",
                          "log.eval_episodes=3", "log.eval_deterministic=true"};
    for (int k = 0; k < 2; k++) {
        rl_config cfg;
        if (k) sets[5] = "log.eval_deterministic=false";
        cr_assert_eq(rl_config_load_string(&cfg, "{}", "x.yaml", sets, 6, err, sizeof err), RL_OK, "%s", err);
        trainer_opts o = {.run_dir = k ? db : da, .quiet = true};
        trainer_result res;
        cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
    }
    snprintf(pa, sizeof pa, "%s/metrics.csv", da);
    snprintf(pb, sizeof pb, "%s/metrics.csv", db);
    char *ma = rlt_read_file(pa), *mb = rlt_read_file(pb);
    cr_assert_str_eq(ma, mb, "metrics.csv differs between evaluation modes");
    free(ma);
    free(mb);
    snprintf(pa, sizeof pa, "%s/config.yaml", db);
    char *yaml = rlt_read_file(pa);
    cr_assert(strstr(yaml, "eval_deterministic: false") != NULL, "the resolved config records the mode");
    free(yaml);
}

/* ---- videos at evaluations ---------------------------------------------------------------- */

static rl_status train_ppo(const char *dir, const char *const *extra, int n_extra, char *err, size_t err_sz)
{
    const char *sets[8] = {"algo=ppo", "env.id=CartPole-v1", "total_steps=4096", "log.eval_interval=1024",
                           "log.eval_episodes=2"};
    for (int i = 0; i < n_extra; i++) sets[5 + i] = extra[i];
    rl_config cfg;
    cr_assert_eq(rl_config_load_string(&cfg, "{}", "x.yaml", sets, 5 + n_extra, err, err_sz), RL_OK, "%s", err);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    return trainer_run(&cfg, &o, &res, err, err_sz);
}

/* frames of a GIF, checking CartPole's 600x400 frame size */
static int gif_frames(const char *path)
{
    int code = 0;
    GifFileType *g = DGifOpenFileName(path, &code);
    cr_assert(g != NULL, "%s: %s", path, GifErrorString(code));
    cr_assert_eq(DGifSlurp(g), GIF_OK, "%s: %s", path, GifErrorString(g->Error));
    cr_assert(g->SWidth == 600 && g->SHeight == 400, "%s: %dx%d", path, g->SWidth, g->SHeight);
    int n = g->ImageCount;
    DGifCloseFile(g, &code);
    return n;
}

Test(eval_modes, videos_at_every_second_evaluation)
{
    char err[1024], dir[256], plain[256], path[400];
    rlt_tmp_dir(dir, sizeof dir, "rec");
    rlt_tmp_dir(plain, sizeof plain, "plain");
    const char *rec[] = {"log.record_evals=2", "log.record_format=gif"};
    cr_assert_eq(train_ppo(dir, rec, 2, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(train_ppo(plain, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    /* evaluations at 1024, 2048, 3072 and 4096: the 1st and 3rd are filmed */
    static const int filmed[] = {1024, 3072}, skipped[] = {2048, 4096};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/videos/step_%d.gif", dir, filmed[i]);
        int n = gif_frames(path);
        cr_assert(n > 1, "%s: %d frames", path, n);
        snprintf(path, sizeof path, "%s/videos/step_%d.gif", dir, skipped[i]);
        cr_assert(!rl_path_exists(path), "%s was written", path);
    }
    snprintf(path, sizeof path, "%s/videos", plain);
    cr_assert(!rl_path_exists(path), "no videos directory when recording is off");
    /* filming leaves the training as it was */
    char pa[300], pb[300];
    snprintf(pa, sizeof pa, "%s/metrics.csv", dir);
    snprintf(pb, sizeof pb, "%s/metrics.csv", plain);
    char *ma = rlt_read_file(pa), *mb = rlt_read_file(pb);
    cr_assert_str_eq(ma, mb, "metrics.csv differs with recording on");
    free(ma);
    free(mb);
}

Test(eval_modes, a_video_that_cannot_be_written_stops_the_run)
{
    char err[1024] = "", dir[256], path[400];
    rlt_tmp_mkdir(dir, sizeof dir, "blocked");
    snprintf(path, sizeof path, "%s/videos", dir);
    FILE *fp = fopen(path, "w");   /* a file where the videos directory goes */
    cr_assert(fp != NULL);
    fclose(fp);
    const char *rec[] = {"log.record_evals=1"};
    cr_assert_neq(train_ppo(dir, rec, 1, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "log.record_evals") && strstr(err, "step 1024") && strstr(err, "videos"), "%s", err);
}
