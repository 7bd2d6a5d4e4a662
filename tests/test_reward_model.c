/* rlc tests: the reward model learned from preferences (addons/reward_model.h): the gradient of
 * the preference loss through an ensemble member against finite differences, the config errors,
 * the ranking of held-out segments learned from a noiseless teacher, SAC's replay relabelling
 * hook, a resumed run keeping its labels, a file with non-finite tensors refused, and PPO learning
 * Pendulum-v1 from preferences. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addons/reward_model.h"
#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define PREF_PENDULUM RLC_SOURCE_DIR "/configs/ppo_pref_pendulum.yaml"

static reward_model *open_rm(const char *yaml, int n_envs)
{
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load_string(&cfg, yaml, "x.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    const env_def *def = env_find(cfg.env.id);
    cr_assert(def != NULL);
    reward_model *rm = NULL;
    cr_assert_eq(reward_model_open(&rm, &cfg, def, n_envs, 1, err, sizeof err), RL_OK, "%s", err);
    cr_assert(rm != NULL);
    return rm;
}

/* ---- gradient ----------------------------------------------------------------------------- */

typedef struct {
    reward_model *rm;
    int k, n;
    int64_t idx[4];
} loss_ctx;

static double objective(void *p)
{
    loss_ctx *c = p;
    return reward_model_pair_loss(c->rm, c->k, c->idx, c->n, false);
}

static void gradient_check(const char *loss)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "env: {id: Pendulum-v1}\nreward_model: {enabled: true, ensemble: 2, hidden: [16, 16], "
             "segment_length: 5, batch_size: 4, max_labels: 8, loss: %s}\n", loss);
    reward_model *rm = open_rm(yaml, 1);
    int in_dim;
    reward_model_features(rm, NULL, NULL, NULL, &in_dim);
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    float x0[5 * 8], x1[5 * 8];
    const float labels[4] = {1.0f, 0.0f, 0.5f, 1.0f};
    for (int j = 0; j < 4; j++) {
        for (int i = 0; i < 5 * in_dim; i++) x0[i] = (float)rl_rng_uniform(&rng, -1.5, 1.5);
        for (int i = 0; i < 5 * in_dim; i++) x1[i] = (float)rl_rng_uniform(&rng, -1.5, 1.5);
        cr_assert(reward_model_add_label(rm, x0, x1, labels[j]));
    }
    size_t P;
    float *params, *grads;
    cr_assert_eq(reward_model_members(rm, &P, &params, &grads), 2);
    loss_ctx c = {.rm = rm, .k = 1, .n = 4, .idx = {0, 1, 2, 3}};
    reward_model_pair_loss(rm, 1, c.idx, 4, true);
    float *analytic = malloc(P * sizeof(float));
    memcpy(analytic, grads + P, P * sizeof(float));
    for (size_t i = 0; i < P; i++) cr_assert_eq(grads[i], 0.0f, "member 0's gradient was touched");
    rlt_gradcheck_opts o = {.h = 1e-3, .rtol = 3e-2, .atol = 2e-4, .n_check = 24};
    rlt_gradcheck(objective, &c, params + P, analytic, (int)P, &o, loss);
    free(analytic);
    reward_model_free(rm);
}

Test(reward_model, gradient_bradley_terry) { gradient_check("bradley_terry"); }
Test(reward_model, gradient_dpo_label_smoothing) { gradient_check("{name: dpo, beta: 0.5, label_smoothing: 0.1}"); }
Test(reward_model, gradient_ipo) { gradient_check("{name: ipo, tau: 0.5}"); }
Test(reward_model, gradient_simpo) { gradient_check("simpo"); }

/* ---- config errors ------------------------------------------------------------------------ */

static void expect_error(const char *yaml, int ranks, const char *n1, const char *n2)
{
    rl_config cfg;
    char err[1024] = "";
    rl_status st = rl_config_load_string(&cfg, yaml, "x.yaml", NULL, 0, err, sizeof err);
    if (st == RL_OK) {
        reward_model *rm = NULL;
        st = reward_model_open(&rm, &cfg, env_find(cfg.env.id), 1, ranks, err, sizeof err);
        reward_model_free(rm);
    }
    cr_assert_neq(st, RL_OK, "no error for %s", yaml);
    cr_assert(strstr(err, n1) && strstr(err, n2), "error for %s: %s", yaml, err);
}

Test(reward_model, config_errors)
{
    expect_error("reward_model: {enabled: true, loss: orpo}\n", 1, "orpo", "bradley_terry");
    expect_error("reward_model: {enabled: true, loss: kto}\n", 1, "kto", "reward_model.loss");
    expect_error("reward_model: {enabled: true, loss: huber}\n", 1, "huber", "reward_model.loss");
    expect_error("reward_model: {enabled: true, selection: best}\n", 1, "reward_model", "selection");
    expect_error("reward_model: {enabled: true, teacher_eps: 0.7}\n", 1, "teacher_eps", "0.5");
    expect_error("reward_model: {enabled: true}\n", 2, "reward_model.enabled", "mpirun");
    expect_error("reward_model: {enabled: true, max_labels: 1000000, segment_length: 1000}\n", 1,
                 "reward_model.max_labels", "limit");
    /* not enabled: nothing is created */
    rl_config cfg;
    char err[256];
    rl_config_default(&cfg);
    reward_model *rm = (reward_model *)&cfg;
    cr_assert_eq(reward_model_open(&rm, &cfg, env_find(cfg.env.id), 1, 1, err, sizeof err), RL_OK);
    cr_assert_null(rm);
}

/* ---- ranking held-out segments -------------------------------------------------------------- */

/* steps v with uniform random actions, feeding rm (when not NULL) and keeping the model inputs
 * and true rewards of env 0 in xs (steps, in_dim), rs (steps) */
static void random_rollout(env_vec *v, reward_model *rm, rl_rng *rng, int steps, float *xs, float *rs)
{
    const agent_algo none = {.name = "none"};
    float a[1];
    int in_dim;
    reward_model_features(rm, NULL, NULL, NULL, &in_dim);
    for (int t = 0; t < steps; t++) {
        a[0] = (float)rl_rng_uniform(rng, -2.0, 2.0);
        if (xs) reward_model_features(rm, v->obs, a, xs + (size_t)t * in_dim, NULL);
        env_vec_step(v, a);
        if (rs) rs[t] = v->rewards[0];
        else {
            reward_model_observe(rm, v, a);
            reward_model_update(rm, t + 1, &none, NULL);
        }
    }
}

/* fraction of 300 held-out pairs of segments (within 200-step episodes) ordered as their true
 * returns, for a model trained on 500 noiseless labels of random-policy segments */
static double ranking_rate(int seed)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "seed: %d\nenv: {id: Pendulum-v1}\nreward_model: {enabled: true, segment_length: 25, "
             "queries_per_round: 100, query_start: 2000, query_interval: 2000, max_labels: 500, epochs: 30, "
             "selection: disagreement}\n", seed);
    reward_model *rm = open_rm(yaml, 1);
    char err[256];
    env_vec v;
    cr_assert_eq(env_vec_make(&v, "Pendulum-v1", 1, 0, err, sizeof err), RL_OK, "%s", err);
    rl_rng rng;
    rl_rng_seed(&rng, (uint64_t)seed, 3);
    env_vec_reset(&v, seed);
    reward_model_begin(rm, &v);
    random_rollout(&v, rm, &rng, 12000, NULL, NULL);
    cr_assert_eq(reward_model_labels(rm), 500);
    int in_dim;
    reward_model_features(rm, NULL, NULL, NULL, &in_dim);
    enum { T = 200 * 30, L = 25 };
    float *xs = malloc((size_t)T * in_dim * sizeof(float)), *rs = malloc(T * sizeof(float));
    env_vec_reset(&v, 1000 + seed);
    random_rollout(&v, rm, &rng, T, xs, rs);
    int right = 0, n = 0;
    while (n < 300) {
        int e0 = (int)rl_rng_below(&rng, T / 200), e1 = (int)rl_rng_below(&rng, T / 200);
        int s0 = e0 * 200 + (int)rl_rng_below(&rng, 200 - L), s1 = e1 * 200 + (int)rl_rng_below(&rng, 200 - L);
        double R0 = 0, R1 = 0;
        for (int t = 0; t < L; t++) R0 += rs[s0 + t], R1 += rs[s1 + t];
        if (fabs(R0 - R1) < 1e-3) continue;
        double H0 = reward_model_segment_return(rm, xs + (size_t)s0 * in_dim);
        double H1 = reward_model_segment_return(rm, xs + (size_t)s1 * in_dim);
        right += (H0 > H1) == (R0 > R1);
        n++;
    }
    free(xs);
    free(rs);
    env_vec_free(&v);
    reward_model_free(rm);
    return right / 300.0;
}

Test(reward_model, noiseless_teacher_ranks_held_out_segments)
{
    double rate[3];
    int pass = 0;
    for (int s = 0; s < 3; s++) pass += (rate[s] = ranking_rate(s + 1)) >= 0.85;
    cr_assert(pass >= 2, "held-out pairs ranked right: %.3f %.3f %.3f (need >= 0.85 in 2 of 3 seeds)", rate[0],
              rate[1], rate[2]);
}

/* ---- SAC relabels its replay buffer ------------------------------------------------------- */

typedef struct {
    const float *obs, *act;   /* what the agent saw and did, step by step */
    int seen, wrong;
} relabel_ctx;

/* checks each transition handed over is the next one stored, in the env's action scale */
static void check_fn(void *p, const float *obs, const float *actions, int n, float *rewards)
{
    relabel_ctx *c = p;
    for (int i = 0; i < n; i++, c->seen++) {
        for (int d = 0; d < 3; d++) c->wrong += obs[i * 3 + d] != c->obs[c->seen * 3 + d];
        c->wrong += fabsf(actions[i] - c->act[c->seen]) > 1e-5f;
        rewards[i] = 0.0f;
    }
}

/* algo (on config, learning_starts set by learning_starts) hands every stored transition to fn */
static void relabels_every_stored_transition(const char *algo, const char *config, const char *learning_starts)
{
    rl_config cfg;
    char err[1024];
    const agent_algo *a = agent_find(algo);
    cr_assert_eq(rl_config_load(&cfg, config, &learning_starts, 1, err, sizeof err), RL_OK, "%s", err);
    const env_def *def = env_find(cfg.env.id);
    void *agent = NULL;
    cr_assert_eq(a->create(&agent, &cfg, &def->obs_space, &def->act_space, 1, err, sizeof err), RL_OK, "%s", err);
    cr_assert(a->relabel != NULL, "%s", algo);
    env_vec v;
    cr_assert_eq(env_vec_make(&v, "Pendulum-v1", 1, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 4);
    enum { T = 300 };
    float obs[T * 3], act[T];
    double stats[AGENT_MAX_STATS];
    for (int t = 0; t < T; t++) {
        memcpy(obs + t * 3, v.obs, 3 * sizeof(float));
        a->act(agent, v.obs, 1, act + t, true);
        env_vec_step(&v, act + t);
        a->observe(agent, &v);
        a->learn(agent, &v, t + 1, T, stats);
    }
    relabel_ctx c = {.obs = obs, .act = act};
    a->relabel(agent, check_fn, &c);
    cr_assert_eq(c.seen, T, "%s: relabelled %d of %d stored transitions", algo, c.seen, T);
    cr_assert_eq(c.wrong, 0, "%s: %d values differ from the stored transitions", algo, c.wrong);
    env_vec_free(&v);
    a->destroy(agent);
}

/* uniform random actions, then (TD3, DDPG) the actor's with exploration noise after step 100 */
Test(reward_model, sac_relabels_every_stored_transition)
{
    relabels_every_stored_transition("sac", RLC_SOURCE_DIR "/configs/sac_pendulum.yaml", "sac.learning_starts=1000");
}

Test(reward_model, td3_and_ddpg_relabel_every_stored_transition)
{
    relabels_every_stored_transition("td3", RLC_SOURCE_DIR "/configs/td3_pendulum.yaml", "td3.learning_starts=100");
    relabels_every_stored_transition("ddpg", RLC_SOURCE_DIR "/configs/ddpg_pendulum.yaml", "ddpg.learning_starts=100");
}

/* ---- resume keeps the labels -------------------------------------------------------------- */

static float *read_labels(const char *dir, unsigned long long *n, unsigned long long *step)
{
    char path[400], err[1024];
    snprintf(path, sizeof path, "%s/reward_model.safetensors", dir);
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(nn_safetensors_meta_u64(f, "rm.labels", n, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(nn_safetensors_meta_u64(f, "rm.step", step, err, sizeof err), RL_OK, "%s", err);
    float *x = malloc(*n * 2 * 10 * 4 * sizeof(float));
    nn_tensor t = {"rm.data_x", x, 4, {(int64_t)*n, 2, 10, 4}};
    cr_assert_eq(nn_safetensors_read(f, &t, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors_close(f);
    return x;
}

Test(reward_model, resumed_run_keeps_its_labels)
{
    const char *base = "algo: ppo\nenv: {id: Pendulum-v1, num_envs: 2}\nppo: {num_steps: 256}\n"
                       "log: {log_interval: 1024, eval_interval: 0, eval_episodes: 2, checkpoint_interval: 2048, progress: false}\n"
                       "reward_model: {enabled: true, segment_length: 10, queries_per_round: 20, query_start: 1024, "
                       "query_interval: 1024, max_labels: 200, epochs: 3}\n";
    char dir[256], err[1024];
    rlt_tmp_dir(dir, sizeof dir, "rm_resume");
    rl_config cfg;
    const char *first[] = {"total_steps=4096"}, *more[] = {"total_steps=8192"};
    cr_assert_eq(rl_config_load_string(&cfg, base, "x.yaml", first, 1, err, sizeof err), RL_OK, "%s", err);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
    unsigned long long n1, s1, n2, s2;
    float *x1 = read_labels(dir, &n1, &s1);
    cr_assert(n1 >= 60 && s1 == 4096, "labels %llu at step %llu", n1, s1);

    cr_assert_eq(rl_config_load_string(&cfg, base, "x.yaml", more, 1, err, sizeof err), RL_OK, "%s", err);
    o.resume = true;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(res.steps, 8192);
    float *x2 = read_labels(dir, &n2, &s2);
    cr_assert(n2 > n1 && s2 == 8192, "labels %llu -> %llu", n1, n2);
    cr_assert(memcmp(x1, x2, n1 * 2 * 10 * 4 * sizeof(float)) == 0, "the first %llu labelled pairs changed", n1);

    /* the labels logged in metrics.csv grow across the resume */
    char path[400];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    char *csv = rlt_read_file(path);
    cr_assert(strstr(csv, "rm_labels") != NULL, "%s", csv);
    double prev = -1;
    int rows = 0, col = 0;
    for (const char *h = csv; h < strstr(csv, ",rm_labels,"); h++) col += *h == ',';
    col++;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n'), rows++) {
        char *p = line + 1;
        for (int c = 0; c < col; c++) p = strchr(p, ',') + 1;
        double lab = strtod(p, NULL);
        cr_assert(lab >= prev, "rm_labels went down: %g after %g\n%s", lab, prev, csv);
        prev = lab;
    }
    cr_assert_eq(rows, 8, "%s", csv);
    cr_assert_eq((unsigned long long)prev, n2);

    /* a checkpoint whose reward model file is missing is refused, naming what is missing */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -f %s/reward_model.safetensors %s/reward_model.prev.safetensors", dir, dir);
    cr_assert_eq(system(cmd), 0);
    const char *again[] = {"total_steps=9000"};
    cr_assert_eq(rl_config_load_string(&cfg, base, "x.yaml", again, 1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_neq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "reward model") && strstr(err, "8192"), "%s", err);
    free(x1);
    free(x2);
    free(csv);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* the message of loading dir's reward model (step 100), which must fail */
static void expect_load_refused(reward_model *rm, const char *dir, const char *want)
{
    char err[1024] = "", named[600];
    cr_assert_neq(reward_model_load(rm, dir, 100, err, sizeof err), RL_OK, "accepted, want '%s'", want);
    snprintf(named, sizeof named, "reward model file %s/reward_model.safetensors: %s", dir, want);
    cr_assert(strstr(err, named) == err, "want '%s' in: %s", named, err);
}

/* a weight or an Adam moment that is not finite (or a negative second moment) is refused when the
 * file is read, naming the file and the tensor: it used to be taken, and the divergence it caused
 * later was blamed on the agent */
Test(reward_model, a_file_with_non_finite_tensors_is_refused)
{
    reward_model *rm = open_rm("env: {id: Pendulum-v1}\nreward_model: {enabled: true, max_labels: 100}\n", 1);
    char dir[256], path[400], err[1024];
    rlt_tmp_dir(dir, sizeof dir, "rm_nonfinite");
    cr_assert_eq(mkdir(dir, 0700), 0);
    cr_assert_eq(reward_model_save(rm, dir, 100, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(reward_model_load(rm, dir, 100, err, sizeof err), RL_OK, "the file as saved: %s", err);
    snprintf(path, sizeof path, "%s/reward_model.safetensors", dir);
    rlt_patch_tensor_float(path, "rm.params", 3, NAN);
    expect_load_refused(rm, dir, "rm.params[3] = nan: expected a finite number");
    rlt_patch_tensor_float(path, "rm.params", 3, 0.0f);
    rlt_patch_tensor_float(path, "rm.adam_m", 7, INFINITY);
    expect_load_refused(rm, dir, "rm.adam_m[7] = inf: expected a finite number");
    rlt_patch_tensor_float(path, "rm.adam_m", 7, 0.0f);
    rlt_patch_tensor_float(path, "rm.adam_v", 2, -1.0f);
    expect_load_refused(rm, dir, "rm.adam_v[2] = -1: expected a finite number >= 0");
    rlt_patch_tensor_float(path, "rm.adam_v", 2, 0.0f);
    cr_assert_eq(reward_model_load(rm, dir, 100, err, sizeof err), RL_OK, "the file put right: %s", err);
    reward_model_free(rm);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* rlc train killed by SIGTERM once it holds labels, then resumed: the labels it had are kept
 * and it goes on asking for more */
Test(reward_model, killed_run_resumes_with_its_labels)
{
    char dir[256], path[400], cfg[256], cmd[1200];
    rlt_tmp_dir(dir, sizeof dir, "rm_kill");
    rlt_tmpfile(cfg, sizeof cfg, "rm_kill.yaml",
                "algo: ppo\nenv: {id: Pendulum-v1, num_envs: 2}\nppo: {num_steps: 256}\ntotal_steps: 100000000\n"
                "log: {log_interval: 1024, eval_interval: 0, eval_episodes: 2, checkpoint_interval: 1024}\n"
                "reward_model: {enabled: true, segment_length: 10, queries_per_round: 20, query_start: 1024, "
                "query_interval: 1024, max_labels: 100000, epochs: 2}\n");
    const char *args[] = {"train", cfg, "--run-dir", dir, "--quiet", NULL};
    pid_t pid = rlt_spawn_rlc(args);
    /* wait for a checkpoint holding labels (the rounds start at step 1024), then kill */
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    rlt_wait_path(path, pid);
    usleep(4000000);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 127,
              "rlc train did not stop with a checkpoint after SIGTERM");
    unsigned long long n1, s1, n2, s2;
    float *x1 = read_labels(dir, &n1, &s1);
    cr_assert(n1 > 0 && s1 >= 1024, "labels %llu at step %llu", n1, s1);
    snprintf(cmd, sizeof cmd, "%s train --resume %s --set total_steps=%llu --quiet > /dev/null 2>&1", RLC_BINARY, dir,
             s1 + 4096);
    cr_assert_eq(system(cmd), 0, "resume after SIGTERM failed");
    float *x2 = read_labels(dir, &n2, &s2);
    cr_assert(s2 == s1 + 4096 && n2 > n1, "after resume: labels %llu -> %llu, step %llu -> %llu", n1, n2, s1, s2);
    cr_assert(memcmp(x1, x2, n1 * 2 * 10 * 4 * sizeof(float)) == 0, "the first %llu labelled pairs changed", n1);
    free(x1);
    free(x2);
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, cfg);
    cr_assert_eq(system(cmd), 0);
}

/* ---- learning from preferences ------------------------------------------------------------ */

/* PPO on Pendulum-v1 (RLtools' configuration, 307k steps) trained only on the learned reward
 * from 1,000 labels reaches -150 to -180 (true reward at evaluation) on this machine's kernel,
 * as the same agent on the true reward does (its test asks -250); a random policy scores about
 * -1200. Asked here: -300 in 2 of 3 seeds. */
Test(reward_model, ppo_learns_pendulum_from_preferences)
{
    RLT_LEARNING_TEST();
    const char *sets[] = {"log.progress=false"};
    trainer_result runs[3];
    rlt_train_seeds(PREF_PENDULUM, sets, 1, 3, runs, "pref_pendulum", NULL, 0);
    rlt_assert_learns("PPO on Pendulum-v1 from 1,000 preference labels", runs, 3, 2, -300.0);
}
