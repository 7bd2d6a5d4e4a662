/* rlc tests: data-parallel training over MPI ranks, run by ctest under
 * `mpirun --allow-run-as-root --oversubscribe -np 2` and `-np 3` (a plain program, not Criterion:
 * Criterion forks each test, and an MPI process must not). Every rank runs every check; a failed
 * check prints rank, file and line, and the program ends the whole job with status 1.
 *
 *   - the allreduce mean: every rank gets the same bits, the right values;
 *   - running statistics merged across ranks equal those of one process over the union of the
 *     data, and are the same bits on every rank;
 *   - the averaged gradient of a policy/value network equals the gradient of one process over
 *     the union of the ranks' batches (same data), also with unequal batches (REINFORCE's union);
 *   - PPO (with observation and reward normalisation; and recurrent), A2C, REINFORCE, SAC and DQN: the weights
 *     differ across ranks before the broadcast, and after k updates on each rank's own
 *     environments (and, off-policy, its own replay buffer) they are bit-identical on every rank
 *     (and have moved), and one ulp changed on one rank is reported as a desync on every rank. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/dataparallel.h"
#include "algos/onpolicy.h"
#include "train/trainer_dp.h"
#include "core/dist.h"
#include "core/rng.h"

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "rank %d: %s:%d: check failed: %s: ", rl_dist_rank(), __FILE__,       \
                    __LINE__, #cond);                                                              \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* true when x (n floats) holds the same bits on every rank (gathered, compared on every rank) */
static bool same_everywhere(const float *x, size_t n)
{
    int S = rl_dist_size();
    double *mine = malloc(n * sizeof(double)), *all = malloc(n * (size_t)S * sizeof(double));
    for (size_t i = 0; i < n; i++) mine[i] = x[i];   /* float -> double is exact */
    rl_dist_allgather_f64(mine, n, all);
    bool same = true;
    for (int r = 1; r < S; r++) same = same && memcmp(all, all + (size_t)r * n, n * sizeof(double)) == 0;
    free(mine);
    free(all);
    return same;
}

static void test_mean(void)
{
    int S = rl_dist_size(), R = rl_dist_rank();
    float x[1000];
    for (int i = 0; i < 1000; i++) x[i] = (float)R + 0.5f * (float)i;
    rl_dist_mean_f32(x, 1000);
    for (int i = 0; i < 1000; i++)
        CHECK(fabsf(x[i] - (0.5f * (float)(S - 1) + 0.5f * (float)i)) <= 1e-3f, "x[%d] = %g", i, x[i]);
    CHECK(same_everywhere(x, 1000), "the mean differs across ranks");
}

/* one process over the union (in rank order) vs every rank's own data merged */
static void test_rms_merge(void)
{
    const int D = 3, B = 5, steps = 7, S = rl_dist_size(), R = rl_dist_rank();
    env_rms mine, ref;
    agent_dp_rms dp;
    env_rms_init(&mine, D, NULL, 0);
    env_rms_init(&ref, D, NULL, 0);
    agent_dp_rms_init(&dp, &mine, NULL, 0);
    float x[5 * 3];
    for (int round = 0; round < 2; round++) {
        for (int r = 0; r < S; r++) {
            rl_rng rng;
            rl_rng_seed(&rng, 100 + (uint64_t)round, (uint64_t)r);
            for (int t = 0; t < steps; t++) {
                for (int i = 0; i < B * D; i++) x[i] = (float)(3.0 * rl_rng_normal(&rng) + r + i % D);
                env_rms_update(&ref, x, B);
                if (r == R) env_rms_update(&mine, x, B);
            }
        }
        agent_dp_rms_merge(&dp, &mine);
        CHECK(fabs(mine.count - ref.count) <= 1e-9 * ref.count, "count %g vs %g", mine.count, ref.count);
        for (int d = 0; d < D; d++) {
            CHECK(fabs(mine.mean[d] - ref.mean[d]) <= 1e-9 * (1 + fabs(ref.mean[d])), "mean[%d] %.12g vs %.12g", d,
                  mine.mean[d], ref.mean[d]);
            CHECK(fabs(mine.var[d] - ref.var[d]) <= 1e-9 * ref.var[d], "var[%d] %.12g vs %.12g", d, mine.var[d],
                  ref.var[d]);
        }
        double all[3 * 3 * 8], row[7] = {mine.count, mine.mean[0], mine.mean[1], mine.mean[2], mine.var[0], mine.var[1],
                                         mine.var[2]};
        RL_ASSERT(S <= 3);
        rl_dist_allgather_f64(row, 7, all);
        for (int r = 1; r < S; r++) CHECK(memcmp(all, all + 7 * r, sizeof row) == 0, "statistics differ on rank %d", r);
    }
    agent_dp_rms_free(&dp);
    env_rms_free(&mine);
    env_rms_free(&ref);
}

/* ---- gradients ------------------------------------------------------------------------------ */

#define ROWS_MAX 64

typedef struct {
    onp_net net;
    float obs[ROWS_MAX * 4], u[ROWS_MAX], adv[ROWS_MAX], ret[ROWS_MAX];
    float logp[ROWS_MAX], dlogp[ROWS_MAX], dv[ROWS_MAX];
} grad_case;

/* the gradient of mean_k(-logp_k adv_k + 0.5 (v_k - ret_k)^2) over rows [lo, hi) into net.grads */
static void batch_grad(grad_case *g, int lo, int hi)
{
    int n = hi - lo;
    memset(g->net.grads, 0, g->net.n_params * sizeof(float));
    if (n == 0) return;
    onp_net_forward(&g->net, g->obs + (size_t)lo * 4, n, true, true);
    onp_net_logp_ent(&g->net, g->u + lo, n, g->logp, NULL);
    for (int k = 0; k < n; k++) {
        g->dlogp[k] = -g->adv[lo + k] / (float)n;
        g->dv[k] = (g->net.out_v[k] - g->ret[lo + k]) / (float)n;
    }
    onp_net_backward(&g->net, g->obs + (size_t)lo * 4, g->u + lo, n, g->dlogp, NULL, g->dv);
}

static void grad_case_init(grad_case *g, int rows)
{
    rl_config cfg;
    char err[512];
    RL_ASSERT(rl_config_load_string(&cfg, "algo: ppo\nnetwork: {hidden: [16, 16], activation: tanh}\n", "dp.yaml",
                                    NULL, 0, err, sizeof err) == RL_OK);
    static const float low[4] = {-10, -10, -10, -10}, high[4] = {10, 10, 10, 10};
    env_space os = {.kind = ENV_SPACE_BOX, .dim = 4, .low = low, .high = high};
    env_space as = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1};
    rl_rng rng;
    rl_rng_seed(&rng, 7, 0);   /* the same weights and data on every rank */
    RL_ASSERT(onp_net_init(&g->net, &cfg, &os, &as, true, false, ROWS_MAX, &rng, err, sizeof err) == RL_OK);
    for (int k = 0; k < rows; k++) {
        for (int i = 0; i < 4; i++) g->obs[k * 4 + i] = (float)rl_rng_normal(&rng);
        g->u[k] = (float)rl_rng_below(&rng, 2);
        g->adv[k] = (float)rl_rng_normal(&rng);
        g->ret[k] = (float)(2.0 * rl_rng_normal(&rng));
    }
}

static void check_grads(const float *got, const float *want, size_t n, const char *what)
{
    double biggest = 0.0;
    size_t bad = n;
    for (size_t i = 0; i < n; i++) {
        biggest = fmax(biggest, fabs(want[i]));
        if (bad == n && fabs(got[i] - want[i]) > 1e-5 + 1e-4 * fabs(want[i])) bad = i;
    }
    CHECK(biggest > 1e-3, "%s: the reference gradient is zero", what);
    CHECK(bad == n, "%s: grad[%zu] = %.9g, one process over the union: %.9g", what, bad, bad < n ? got[bad] : 0.0,
          bad < n ? want[bad] : 0.0);
    CHECK(same_everywhere(got, n), "%s: the averaged gradient differs across ranks", what);
}

static void test_gradients(void)
{
    int S = rl_dist_size(), R = rl_dist_rank();
    static grad_case g;
    /* equal batches: 8 rows per rank */
    grad_case_init(&g, 8 * S);
    size_t n = g.net.n_params;
    float *want = malloc(n * sizeof(float));
    batch_grad(&g, 0, 8 * S);
    memcpy(want, g.net.grads, n * sizeof(float));
    batch_grad(&g, 8 * R, 8 * R + 8);
    CHECK(agent_dp_grads(g.net.grads, n, true), "a finite gradient was refused");
    check_grads(g.net.grads, want, n, "equal batches");

    /* unequal batches (rank r has 3 r rows, rank 0 none): the union's mean */
    int lo = 3 * R * (R - 1) / 2, hi = lo + 3 * R, total = 3 * S * (S - 1) / 2;
    batch_grad(&g, 0, total);
    memcpy(want, g.net.grads, n * sizeof(float));
    batch_grad(&g, lo, hi);
    CHECK(agent_dp_grads_union(g.net.grads, n, true, hi - lo), "a finite gradient was refused");
    check_grads(g.net.grads, want, n, "unequal batches");

    /* one rank's non-finite gradient makes every rank skip */
    batch_grad(&g, 8 * R, 8 * R + 8);
    CHECK(!agent_dp_grads(g.net.grads, n, R != S - 1), "the last rank's non-finite gradient was not seen");
    free(want);
    onp_net_free(&g.net);
}

/* ---- agents --------------------------------------------------------------------------------- */

static void train_agent(const char *algo_name, const char *yaml, int k_updates)
{
    rl_config cfg;
    char err[1024];
    RL_ASSERT(rl_config_load_string(&cfg, yaml, "dp.yaml", NULL, 0, err, sizeof err) == RL_OK);
    const agent_algo *algo = agent_find(algo_name);
    const env_def *def = env_find(cfg.env.id);
    trainer_dp dp;
    RL_ASSERT(trainer_dp_begin(&dp, &cfg, algo, err, sizeof err) == RL_OK);
    int N = (int)cfg.env.num_envs;
    env_vec v;
    void *agent = NULL;
    RL_ASSERT(env_vec_make(&v, cfg.env.id, N, 0, err, sizeof err) == RL_OK);
    RL_ASSERT(algo->create(&agent, dp.cfg, &def->obs_space, &def->act_space, N, err, sizeof err) == RL_OK);
    nn_tensor t[TRAINER_DP_MAX_TENSORS];
    algo->dp_tensors(agent, t, TRAINER_DP_MAX_TENSORS);
    size_t n = (size_t)t[0].shape[0];
    float *start = malloc(n * sizeof(float));
    memcpy(start, t[0].data, n * sizeof(float));
    CHECK(!same_everywhere(t[0].data, n), "%s: the ranks' initial weights were already equal (seeds not offset?)",
          algo_name);
    trainer_dp_broadcast(&dp, algo, agent, 0);
    CHECK(same_everywhere(t[0].data, n), "%s: the weights differ after the broadcast", algo_name);

    env_vec_reset(&v, dp.cfg->root.seed);
    float actions[64];
    double stats[AGENT_MAX_STATS];
    int updates = 0;
    for (int64_t step = 0; updates < k_updates; ) {
        algo->act(agent, v.obs, N, actions, true);
        env_vec_step(&v, actions);
        step += (int64_t)N * dp.size;
        algo->observe(agent, &v);
        updates += algo->learn(agent, &v, step, 1000000, stats);
    }
    int nt = algo->dp_tensors(agent, t, TRAINER_DP_MAX_TENSORS);
    for (int i = 0; i < nt; i++)
        CHECK(same_everywhere(t[i].data, (size_t)t[i].shape[0]), "%s: %s differs across ranks after %d updates",
              algo_name, t[i].name, k_updates);
    CHECK(trainer_dp_check(&dp, algo, agent, 0, err, sizeof err) == RL_OK, "%s: %s", algo_name, err);
    CHECK(memcmp(start, t[0].data, n * sizeof(float)) != 0, "%s: the weights did not move", algo_name);
    /* one ulp of one weight on the last rank is a desync the periodic check reports on every rank */
    if (dp.rank == dp.size - 1) t[0].data[0] = nextafterf(t[0].data[0], INFINITY);
    CHECK(trainer_dp_check(&dp, algo, agent, 0, err, sizeof err) == RL_ERR_NUMERIC && strstr(err, "differ"),
          "%s: a one-ulp desync on the last rank went unnoticed", algo_name);
    free(start);
    algo->destroy(agent);
    env_vec_free(&v);
    trainer_dp_end(&dp);
}

/* a config a data-parallel run cannot take: loading it (its algo's check) fails on every rank,
 * naming key */
static void refused_in_dp(const char *algo_name, const char *yaml, const char *key)
{
    rl_config cfg;
    char err[1024] = "";
    CHECK(rl_config_load_string(&cfg, yaml, "dp.yaml", NULL, 0, err, sizeof err) != RL_OK && strstr(err, key),
          "%s: '%s' accepted in a data-parallel run (%s)", algo_name, key, err);
}

static void test_agents(void)
{
    train_agent("ppo",
                "algo: ppo\nseed: 3\nenv: {id: Pendulum-v1, num_envs: 2}\n"
                "ppo: {num_steps: 32, num_minibatches: 4, update_epochs: 2, target_kl: 0.5}\n"
                "normalize: {obs: true, reward: true}\n", 3);
    train_agent("a2c", "algo: a2c\nseed: 4\nenv: {id: CartPole-v1, num_envs: 3}\n", 5);
    /* MultiDiscrete and MultiBinary actions: a categorical per component, a Bernoulli per bit */
    train_agent("ppo",
                "algo: ppo\nseed: 10\nenv: {id: MultiDiscreteTarget-v0, num_envs: 2}\n"
                "ppo: {num_steps: 16, num_minibatches: 2, update_epochs: 2}\n", 3);
    train_agent("a2c", "algo: a2c\nseed: 11\nenv: {id: MultiBinaryTarget-v0, num_envs: 3}\n", 5);
    /* recurrent: each rank's own sequences, the LSTM's weights averaged with the rest */
    train_agent("ppo",
                "algo: ppo\nseed: 8\nenv: {id: CartPole-v1, num_envs: 2}\n"
                "network: {hidden: [16], shared: true}\nrecurrent: {type: lstm, size: 8, seq_len: 8}\n"
                "ppo: {num_steps: 16, num_minibatches: 2, update_epochs: 2}\n", 3);
    train_agent("reinforce",
                "algo: reinforce\nseed: 5\nenv: {id: CartPole-v1, num_envs: 2}\nreinforce: {episodes_per_update: 3}\n", 3);
    train_agent("sac",
                "algo: sac\nseed: 6\nenv: {id: Pendulum-v1, num_envs: 1}\nnetwork: {hidden: [32, 32]}\n"
                "sac: {learning_starts: 64, batch_size: 16, buffer_size: 1000, anneal_lr: true}\n", 6);
    train_agent("td3",
                "algo: td3\nseed: 8\nenv: {id: Pendulum-v1, num_envs: 1}\nnetwork: {hidden: [32, 32]}\n"
                "td3: {learning_starts: 64, batch_size: 16, buffer_size: 1000}\n", 6);
    /* the updates owed run every 8 steps: each rank's own steps, so the ranks update together */
    train_agent("td3",
                "algo: td3\nseed: 12\nenv: {id: Pendulum-v1, num_envs: 1}\nnetwork: {hidden: [32, 32]}\n"
                "td3: {learning_starts: 64, batch_size: 16, buffer_size: 1000, train_frequency: 8}\n", 3);
    refused_in_dp("td3", "algo: td3\nenv: {id: Pendulum-v1}\ntd3: {train_frequency_unit: episode}\n",
                  "td3.train_frequency_unit");
    train_agent("ddpg",
                "algo: ddpg\nseed: 9\nenv: {id: Pendulum-v1, num_envs: 2}\nnetwork: {hidden: [32, 32]}\n"
                "ddpg: {learning_starts: 64, batch_size: 16, buffer_size: 1000, policy_frequency: 1}\n", 5);
    train_agent("dqn",
                "algo: dqn\nseed: 7\nenv: {id: CartPole-v1, num_envs: 2}\nnetwork: {hidden: [32, 32]}\n"
                "dqn: {learning_starts: 64, batch_size: 16, buffer_size: 1000, train_frequency: 4}\n", 6);
    train_agent("iqn",
                "algo: iqn\nseed: 10\nenv: {id: CartPole-v1, num_envs: 2}\nnetwork: {hidden: [16, 16]}\n"
                "iqn: {learning_starts: 64, batch_size: 16, buffer_size: 1000, train_frequency: 4, num_tau_samples: 4, "
                "num_tau_prime_samples: 4, num_quantile_samples: 8}\n", 6);
}

int main(int argc, char **argv)
{
    char err[512];
    if (rl_dist_init(&argc, &argv, err, sizeof err) != RL_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (rl_dist_size() < 2 || rl_dist_size() > 3) {
        fprintf(stderr, "mpi_dataparallel: run it under mpirun -np 2 or -np 3 (got %d ranks)\n", rl_dist_size());
        rl_dist_finalize();
        return 1;
    }
    test_mean();
    test_rms_merge();
    test_gradients();
    test_agents();
    double f = failures;
    rl_dist_sum_f64(&f, 1);
    if (rl_dist_rank() == 0) printf("mpi_dataparallel: %d ranks: %s\n", rl_dist_size(), f ? "FAILED" : "all checks passed");
    rl_dist_finalize();
    return f ? 1 : 0;
}
