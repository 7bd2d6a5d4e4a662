/* rlc tests: auxiliary heads on the off-policy agents (algos/dqn.c: dqn, qrdqn, c51; algos/sac.c):
 *   - finite-difference checks of one update's objective (TD loss + weighted heads, targets fixed)
 *     through the DQN encoder (the Q-network's hidden layers, plain and dueling) and of the SAC
 *     actor objective + heads through the actor's hidden layers: every parameter of the network
 *     and of the heads, with the heads (reward_prediction, inverse_dynamics,
 *     temporal_contrastive) reading replay minibatches (next observations, k-step positives from
 *     the ring);
 *   - heads of weight 0 leave a DQN run (plain, and dueling + n-step + prioritized + 2 envs) and a
 *     SAC run bit-identical to one without heads (metrics.csv without the aux_* columns, eval.csv);
 *   - config and create errors on algo dqn and sac name the head and the loss; algos without
 *     heads and networks without a hidden layer are refused at config load;
 *   - checkpoints carry the heads, their Adam moments and RNG (dqn and sac); resume continues;
 *   - sac.anneal_lr anneals the heads' rate with the actor's;
 *   - DQN with a reward-prediction head learns CartPole-v1 (seed 1, configs/dqn_cartpole.yaml,
 *     200k steps, eval >= 475). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addons/aux.h"
#include "algos/offp_value.h"
#include "algos/offpolicy.h"
#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define DQN_CONFIG RLC_SOURCE_DIR "/configs/dqn_cartpole.yaml"
#define SAC_CONFIG RLC_SOURCE_DIR "/configs/sac_pendulum.yaml"

/* ---- gradient checks ---------------------------------------------------------------------- */

static double dqn_obj(void *ag) { return offp_value_test_objective(ag, NULL); }
static double sac_obj(void *ag) { return sac_test_objective(ag, NULL); }

/* forward_dynamics is left out: its target, the encoding of s_{t+1}, is held constant by the
 * analytic gradient but moves with the parameters in finite differences (tests/test_aux.c checks
 * it with a fixed target) */
/* (Pendulum's rewards reach -16: the smooth log_cosh keeps the objective small enough for float
 * finite differences, where mse's squares would not) */
#define AUX_FD "aux=[{head: reward_prediction, loss: %s, weight: 0.7}, {head: inverse_dynamics, loss: %s, weight: 0.5}," \
               " {head: temporal_contrastive, loss: info_nce, weight: 0.4, k: 2}]"

static void dqn_gradcheck(const char *algo, bool dueling)
{
    char aux[400], al[32];
    snprintf(aux, sizeof aux, AUX_FD, "mse", "cross_entropy");
    snprintf(al, sizeof al, "algo=%s", algo);
    const char *sets[] = {al, "network.hidden=[12,10]", "network.activation=tanh", "dqn.batch_size=16",
                          dueling ? "dqn.dueling=true" : "dqn.dueling=false", "losses.td=mse", "dqn.start_e=1.0", aux};
    rl_config cfg;
    rlt_load_config(&cfg, DQN_CONFIG, sets, 8);
    const agent_algo *a;
    void *ag = rlt_filled_agent(&cfg, &a, 300);   /* CartPole episodes of ~20 steps: several ends */
    offp_value_test_sample(ag);
    size_t n;
    float *theta = offp_value_test_params(ag, &n);
    aux_module *m = offp_value_test_aux(ag);
    cr_assert_not_null(m);
    size_t na = aux_n_params(m);
    float *g = malloc(n * sizeof(float)), *ga = malloc(na * sizeof(float));
    double l0 = offp_value_test_objective(ag, g);
    cr_assert(isfinite(l0));
    memcpy(ga, aux_grads(m), na * sizeof(float));
    char what[96];
    rlt_gradcheck_opts o = {.n_check = 300, .h = 1e-3, .rtol = 3e-2, .atol = 3e-4};
    snprintf(what, sizeof what, "%s%s Q-network params (encoder and output)", algo, dueling ? " dueling" : "");
    rlt_gradcheck(dqn_obj, ag, theta, g, (int)n, &o, what);
    snprintf(what, sizeof what, "%s%s head params", algo, dueling ? " dueling" : "");
    rlt_gradcheck(dqn_obj, ag, aux_params(m), ga, (int)na, &o, what);

    /* the heads reach the encoder: its gradient differs from the TD loss's alone */
    for (int i = 0; i < aux_cfg_of(&cfg)->n; i++) aux_cfg_of_mut(&cfg)->heads[i].weight = 0.0;
    const agent_algo *a0;
    void *ag0 = rlt_filled_agent(&cfg, &a0, 300);
    offp_value_test_sample(ag0);
    float *g0 = malloc(n * sizeof(float));
    offp_value_test_objective(ag0, g0);
    size_t first = 12 * 4 + 12;   /* the first layer's weight and bias */
    double diff = 0.0, last = 0.0;
    for (size_t i = 0; i < first; i++) diff += fabs((double)g[i] - g0[i]);
    for (size_t i = n - 10; i < n; i++) last += fabs((double)g[i] - g0[i]);
    cr_assert(diff > 1e-4, "the heads add nothing to the encoder's gradient");
    if (!dueling) cr_assert_eq(last, 0.0, "the heads reached the output layer's bias");
    free(g0);
    a0->destroy(ag0);
    free(g);
    free(ga);
    a->destroy(ag);
}

Test(aux_offpolicy, dqn_gradcheck_through_the_q_network_encoder) { dqn_gradcheck("dqn", false); }
Test(aux_offpolicy, dqn_gradcheck_through_the_dueling_trunk) { dqn_gradcheck("dqn", true); }
Test(aux_offpolicy, qrdqn_gradcheck_through_the_encoder) { dqn_gradcheck("qrdqn", false); }

Test(aux_offpolicy, sac_gradcheck_through_the_actor_encoder)
{
    char aux[400];
    snprintf(aux, sizeof aux, AUX_FD, "log_cosh", "mse");
    const char *sets[] = {"network.hidden=[12,10]", "network.activation=tanh", "sac.batch_size=16",
                          "sac.learning_starts=100000", "sac.alpha=0.3", aux};
    rl_config cfg;
    rlt_load_config(&cfg, SAC_CONFIG, sets, 6);
    const agent_algo *a;
    void *ag = rlt_filled_agent(&cfg, &a, 450);   /* Pendulum truncates at 200 steps */
    sac_test_sample(ag);
    size_t n;
    float *theta = sac_actor_params(ag, &n);
    aux_module *m = sac_test_aux(ag);
    cr_assert_not_null(m);
    size_t na = aux_n_params(m);
    float *g = malloc(n * sizeof(float)), *ga = malloc(na * sizeof(float));
    double l0 = sac_test_objective(ag, g);
    cr_assert(isfinite(l0));
    memcpy(ga, aux_grads(m), na * sizeof(float));
    rlt_gradcheck_opts o = {.n_check = 300, .h = 1e-3, .rtol = 3e-2, .atol = 3e-4};
    rlt_gradcheck(sac_obj, ag, theta, g, (int)n, &o, "sac actor params (encoder and output)");
    rlt_gradcheck(sac_obj, ag, aux_params(m), ga, (int)na, &o, "sac head params");
    free(g);
    free(ga);
    a->destroy(ag);
}

/* sac.anneal_lr anneals the heads' rate with the actor's, whose steps they take: at step 300 of
 * 1000, 0.7 of sac.actor_lr */
Test(aux_offpolicy, sac_heads_rate_anneals_with_the_actor)
{
    const char *sets[] = {"network.hidden=[12]", "sac.batch_size=16", "sac.learning_starts=50", "sac.actor_lr=3e-4",
                          "sac.anneal_lr=true", "aux=[{head: reward_prediction, loss: mse, weight: 0.5}]"};
    rl_config cfg;
    rlt_load_config(&cfg, SAC_CONFIG, sets, 6);
    const agent_algo *a;
    void *ag = rlt_filled_agent(&cfg, &a, 60);
    double stats[AGENT_MAX_STATS];
    cr_assert(a->learn(ag, NULL, 300, 1000, stats));   /* no env: no episode ends (train points by steps) */
    float lr[5];
    sac_test_lrs(ag, lr);
    cr_assert(fabs(lr[3] - 3e-4 * 0.7) <= 1e-10 && lr[3] == lr[0], "heads' rate %.9g, actor's %.9g", lr[3], lr[0]);
    a->destroy(ag);
}

/* ---- weight 0 ----------------------------------------------------------------------------- */

static void train(const rl_config *cfg, const char *dir, bool resume, trainer_result *res)
{
    char err[1024];
    trainer_opts o = {.run_dir = dir, .resume = resume, .quiet = true};
    cr_assert_eq(trainer_run(cfg, &o, res, err, sizeof err), RL_OK, "train %s: %s", dir, err);
}

#define ZERO_HEADS(inv)                                                                                        \
    "aux=[{head: reward_prediction, loss: huber, weight: 0}, {head: forward_dynamics, loss: mse, weight: 0},"  \
    " {head: inverse_dynamics, loss: " inv ", weight: 0},"                                                     \
    " {head: temporal_contrastive, loss: info_nce, weight: 0, k: 3, temperature: 0.1},"                        \
    " {head: representation, loss: vicreg, weight: 0, noise: 0.1}]"

/* a run with sets[0..n) and the same run with five weight-0 heads: identical but for the aux columns */
static void weight_zero_identical(const char *file, const char *const *sets, int n, const char *heads)
{
    const char *s2[16];
    for (int i = 0; i < n; i++) s2[i] = sets[i];
    s2[n] = heads;
    rl_config cfg;
    char a[256], b[256], p[300];
    trainer_result ra, rb;
    rlt_tmp_dir(a, sizeof a, "w0a");
    rlt_tmp_dir(b, sizeof b, "w0b");
    rlt_load_config(&cfg, file, sets, n);
    train(&cfg, a, false, &ra);
    rlt_load_config(&cfg, file, s2, n + 1);
    cr_assert_eq(aux_cfg_of(&cfg)->n, 5);
    train(&cfg, b, false, &rb);
    rlt_assert_same_run_but_aux(a, b, ",aux_reward_prediction,aux_forward_dynamics,aux_inverse_dynamics,"
                                      "aux_temporal_contrastive,aux_representation");
    /* the heads' losses were computed and logged */
    snprintf(p, sizeof p, "%s/metrics.csv", b);
    char *mb = rlt_read_file(p);
    const char *last = strrchr(mb, '\n');
    while (last > mb && last[-1] != '\n') last--;
    cr_assert(strstr(last, "nan,nan,nan,nan,nan") == NULL, "no aux loss logged: %s", last);
    free(mb);
    cr_assert_eq(ra.eval_mean, rb.eval_mean);
}

#define DQN_SMALL "total_steps=12000", "dqn.learning_starts=2000", "dqn.train_frequency=4", "log.log_interval=2000", \
                  "log.eval_interval=6000", "log.eval_episodes=3", "log.checkpoint_interval=0"

Test(aux_offpolicy, weight_zero_heads_leave_dqn_bit_identical)
{
    const char *plain[] = {DQN_SMALL};
    weight_zero_identical(DQN_CONFIG, plain, 7, ZERO_HEADS("cross_entropy"));
    const char *options[] = {DQN_SMALL, "dqn.dueling=true", "dqn.n_step=3", "dqn.prioritized=true", "env.num_envs=2"};
    weight_zero_identical(DQN_CONFIG, options, 11, ZERO_HEADS("cross_entropy"));
}

Test(aux_offpolicy, weight_zero_heads_leave_sac_bit_identical)
{
    const char *sets[] = {"total_steps=2500", "log.log_interval=500", "log.eval_interval=1250", "log.eval_episodes=2",
                          "log.checkpoint_interval=0"};
    weight_zero_identical(SAC_CONFIG, sets, 5, ZERO_HEADS("mse"));
}

/* ---- errors ------------------------------------------------------------------------------- */


#define DQN_Y "algo: dqn\nenv: {id: CartPole-v1}\nnetwork: {hidden: [16]}\n"
#define SAC_Y "algo: sac\nenv: {id: Pendulum-v1}\nnetwork: {hidden: [16, 16]}\n"

Test(aux_offpolicy, bad_heads_and_losses_on_dqn_and_sac_name_both)
{
    rlt_expect_config_error(DQN_Y "aux:\n  - {head: reward_pred, loss: huber, weight: 0.1}\n", "reward_pred", "huber", "x.yaml:5");
    rlt_expect_config_error(SAC_Y "aux:\n  - {head: reward_pred, loss: huber, weight: 0.1}\n", "reward_pred", "huber", "x.yaml:5");
    rlt_expect_config_error(DQN_Y "aux:\n  - {head: reward_prediction, loss: hubr}\n", "reward_prediction", "hubr", "x.yaml:5");
    rlt_expect_config_error(SAC_Y "aux:\n  - {head: forward_dynamics, loss: msee}\n", "forward_dynamics", "msee", NULL);
    rlt_expect_config_error(DQN_Y "aux:\n  - {head: inverse_dynamics, loss: mse}\n", "inverse_dynamics", "'mse'", "Discrete");
    rlt_expect_config_error(SAC_Y "aux:\n  - {head: inverse_dynamics, loss: cross_entropy}\n", "inverse_dynamics", "cross_entropy",
                 "Box");
    rlt_expect_config_error(SAC_Y "aux:\n  - {head: temporal_contrastive, loss: mse}\n", "temporal_contrastive", "'mse'", NULL);
    rlt_expect_config_error("algo: qrdqn\nenv: {id: CartPole-v1}\naux:\n  - {head: representation, loss: info_nce}\n", "representation",
                 "info_nce", NULL);
    rlt_expect_config_error("algo: c51\nenv: {id: CartPole-v1}\naux:\n  - {head: reward_prediction, loss: huber, dleta: 2}\n",
                 "reward_prediction", "dleta", "huber");
    /* k beyond the replay ring (rows per env) */
    rlt_expect_config_error(DQN_Y "dqn: {buffer_size: 1000}\naux:\n  - {head: temporal_contrastive, loss: info_nce, k: 1000}\n",
                 "temporal_contrastive", "k = 1000", "replay buffer");
    /* no hidden layer, no encoder (the config refuses an empty network.hidden; the agents check
     * it too, for configs built in code) */
    const char *algos[] = {"dqn", "sac"}, *envs[] = {"CartPole-v1", "Pendulum-v1"};
    for (int i = 0; i < 2; i++) {
        rl_config cfg;
        char y[256], err[1024];
        snprintf(y, sizeof y, "algo: %s\nenv: {id: %s}\naux:\n  - {head: reward_prediction, loss: mse}\n", algos[i], envs[i]);
        cr_assert_eq(rl_config_load_string(&cfg, y, "x.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
        cfg.network.hidden.n = 0;
        const env_def *def = env_find(envs[i]);
        void *agent = NULL;
        rl_status st = agent_find(algos[i])->create(&agent, &cfg, &def->obs_space, &def->act_space, 1, err, sizeof err);
        cr_assert_neq(st, RL_OK, "%s accepted no hidden layer", algos[i]);
        cr_assert(strstr(err, "network.hidden") && strstr(err, i ? "actor" : "Q-network"), "%s", err);
    }
    /* an algo without heads */
    rlt_expect_config_error("algo: reinforce\naux:\n  - {head: reward_prediction, loss: mse}\n", "aux", "reinforce", "sac");
}

/* ---- checkpoints -------------------------------------------------------------------------- */

static void read_tensor(const char *file, const char *name, float *out, int64_t n)
{
    nn_safetensors *f = NULL;
    char err[512];
    cr_assert_eq(nn_safetensors_open(&f, file, err, sizeof err), RL_OK, "%s", err);
    nn_tensor t = {name, out, 1, {n}};
    cr_assert_eq(nn_safetensors_read(f, &t, err, sizeof err), RL_OK, "%s: %s", name, err);
    nn_safetensors_close(f);
}

/* train with sets (+ total_steps), reload the checkpoint's training state into a fresh agent and
 * save it again: the heads' tensors and RNG come back; then resume to total2 */
static void checkpoint_round_trip(const char *file, const char *const *sets, int n, const char *total1, const char *total2,
                                  int64_t steps2, const char *algo)
{
    const char *s1[16];
    for (int i = 0; i < n; i++) s1[i] = sets[i];
    s1[n] = total1;
    rl_config cfg;
    rlt_load_config(&cfg, file, s1, n + 1);
    char dir[256], f1[300], f2[300], f3[300], err[1024], key[48];
    rlt_tmp_dir(dir, sizeof dir, "ckpt");
    trainer_result res;
    train(&cfg, dir, false, &res);
    snprintf(f1, sizeof f1, "%s/checkpoint.safetensors", dir);
    snprintf(f2, sizeof f2, "%s/reloaded.safetensors", dir);
    snprintf(f3, sizeof f3, "%s/fresh.safetensors", dir);
    snprintf(key, sizeof key, "%s.aux_rng", algo);

    const agent_algo *a = agent_find(cfg.root.algo);
    const env_def *def = env_find(cfg.env.id);
    void *ag = NULL;
    cr_assert_eq(a->create(&ag, &cfg, &def->obs_space, &def->act_space, (int)cfg.env.num_envs, err, sizeof err), RL_OK, "%s",
                 err);
    cr_assert_eq(a->save(ag, f3, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, f1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(a->load(ag, f, true, err, sizeof err), RL_OK, "%s", err);
    const char *rng1 = nn_safetensors_meta(f, key);
    cr_assert_not_null(rng1, "%s missing", key);
    char rng_saved[128];
    snprintf(rng_saved, sizeof rng_saved, "%s", rng1);
    nn_safetensors_close(f);
    cr_assert_eq(a->save(ag, f2, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    int64_t na = (int64_t)aux_n_params(strcmp(algo, "sac") == 0 ? sac_test_aux(ag) : offp_value_test_aux(ag));
    a->destroy(ag);

    float *x1 = malloc((size_t)na * sizeof(float)), *x2 = malloc((size_t)na * sizeof(float)),
          *x3 = malloc((size_t)na * sizeof(float));
    const char *names[] = {"aux.params", "aux.optim.adam.m", "aux.optim.adam.v"};
    for (int i = 0; i < 3; i++) {
        read_tensor(f1, names[i], x1, na);
        read_tensor(f2, names[i], x2, na);
        read_tensor(f3, names[i], x3, na);
        cr_assert(memcmp(x1, x2, (size_t)na * sizeof(float)) == 0, "%s not restored", names[i]);
        cr_assert(memcmp(x1, x3, (size_t)na * sizeof(float)) != 0, "%s did not change in training", names[i]);
    }
    free(x1);
    free(x2);
    free(x3);
    cr_assert_eq(nn_safetensors_open(&f, f2, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(nn_safetensors_meta(f, key), rng_saved);
    nn_safetensors_close(f);

    /* resuming continues with the aux columns */
    s1[n] = total2;
    rlt_load_config(&cfg, file, s1, n + 1);
    train(&cfg, dir, true, &res);
    cr_assert_eq(res.steps, steps2);
    char p[300];
    snprintf(p, sizeof p, "%s/metrics.csv", dir);
    char *csv = rlt_read_file(p);
    cr_assert(strstr(csv, "aux_reward_prediction,aux_representation\n"), "%.300s", csv);
    free(csv);
}

Test(aux_offpolicy, dqn_checkpoint_round_trip_with_heads)
{
    const char *sets[] = {"dqn.learning_starts=1000", "dqn.train_frequency=4", "log.log_interval=1000", "log.eval_interval=0",
                          "log.eval_episodes=1", "log.checkpoint_interval=0",
                          "aux=[{head: reward_prediction, loss: huber, weight: 0.1},"
                          " {head: representation, loss: vicreg, weight: 0.05, noise: 0.2}]"};
    checkpoint_round_trip(DQN_CONFIG, sets, 7, "total_steps=3000", "total_steps=5000", 5000, "dqn");
}

Test(aux_offpolicy, sac_checkpoint_round_trip_with_heads)
{
    const char *sets[] = {"log.log_interval=500", "log.eval_interval=0", "log.eval_episodes=1", "log.checkpoint_interval=0",
                          "aux=[{head: reward_prediction, loss: huber, weight: 0.1},"
                          " {head: representation, loss: vicreg, weight: 0.05, noise: 0.2}]"};
    checkpoint_round_trip(SAC_CONFIG, sets, 5, "total_steps=600", "total_steps=1000", 1000, "sac");
}

/* ---- learning ----------------------------------------------------------------------------- */

/* configs/dqn_cartpole.yaml as shipped (200k steps; it reaches 500 without heads) with a
 * reward-prediction head: most of seeds 1-3 evaluate near the maximum at the end. */
Test(aux_offpolicy, dqn_with_reward_prediction_learns_cartpole)
{
    RLT_LEARNING_TEST();
    const char *sets[] = {"log.eval_interval=0", "log.progress=false",
                          "aux=[{head: reward_prediction, loss: huber, weight: 0.1}]"};
    trainer_result runs[3];
    rlt_train_seeds(DQN_CONFIG, sets, 3, 3, runs, "learn", NULL, 0);
    rlt_assert_learns("DQN + reward_prediction on CartPole-v1", runs, 3, 2, 400.0);
}
