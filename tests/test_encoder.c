/* rlc tests: image encoders (nn/encoder.c, algos/encoder.c) and the byte replay of image
 * observations (replay/replay.c obs_bytes):
 *   - the text form: presets, lists, and the errors naming the key;
 *   - the encoder's parameter gradient against finite differences (small shapes, padding, stride,
 *     a dense layer, inputs scaled by 1/255), and DQN's whole objective through encoder and MLP;
 *   - bad input refused at create, before a run directory exists: an image with an MLP-only
 *     config, a kernel larger than its input, a declared input whose channels are not the
 *     environment's, an unknown preset, an encoder on a flat observation, a checkpoint of another
 *     encoder;
 *   - the on-policy network's gradient through the encoder shared by actor and critic;
 *   - checkpoints of a CNN DQN, PPO and A2C: save, load, the same actions, the tensor names; every
 *     value agent and option (dueling, double, n-step, prioritized, Polyak; qrdqn, c51) runs;
 *   - the byte replay returns what it was given, holds one byte per observation value, and is
 *     saved across an interruption and read back (a value a byte cannot hold refused);
 *   - DQN with the minatar preset on MinAtar/Breakout-v1 beats a random policy. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "algos/encoder.h"
#include "algos/offp_value.h"
#include "algos/onpolicy.h"
#include "nn/encoder.h"
#include "replay/replay.h"
#include "train/offp_replay.h"
#include "train/trainer.h"
#include "tests/helpers/testutil.h"

#define BREAKOUT_ZOO RLC_SOURCE_DIR "/configs/zoo/dqn_minatar_breakout_v1.yaml"

/* ---- the text form ------------------------------------------------------------------------ */

Test(encoder, presets_and_lists_parse)
{
    nn_encoder_spec s;
    char err[512], txt[256];
    cr_assert_eq(nn_encoder_parse(&s, "nature", "k", err, sizeof err), RL_OK, "%s", err);
    nn_encoder_format(&s, txt, sizeof txt);
    cr_assert_str_eq(txt, "32 8x8/4, 64 4x4/2, 64 3x3/1, dense 512");
    cr_assert_eq(nn_encoder_parse(&s, "minatar", "k", err, sizeof err), RL_OK, "%s", err);
    nn_encoder_format(&s, txt, sizeof txt);
    cr_assert_str_eq(txt, "16 3x3/1, dense 128");
    cr_assert_eq(nn_encoder_parse(&s, " in 10x10x4 , 8 3x2/1 p1,4 2x2/2", "k", err, sizeof err), RL_OK, "%s", err);
    cr_assert(s.in_h == 10 && s.in_w == 10 && s.in_c == 4 && s.n_conv == 2 && s.dense == 0);
    cr_assert(s.kernel_h[0] == 3 && s.kernel_w[0] == 2 && s.pad[0] == 1 && s.stride[1] == 2);
    const char *bad[] = {"atari", "", "16 3x3", "dense 128", "16 3x3/1, dense 128, 8 3x3/1", "16 3x3/1 p", "16 0x3/1",
                         "16 3x3/1, in 10x10x4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_neq(nn_encoder_parse(&s, bad[i], "x.yaml: network.encoder", err, sizeof err), RL_OK, "'%s'", bad[i]);
        cr_assert(strstr(err, "x.yaml: network.encoder") && strstr(err, "expected"), "%s", err);
    }
}

/* ---- gradients ---------------------------------------------------------------------------- */

typedef struct {
    nn_encoder e;
    nn_encoder_cache c;
    const float *x, *r;   /* input (B, H W C), the weights of the objective (B, out) */
    int B;
} enc_fd;

/* sum of features times r, in double */
static double enc_obj(void *ctx)
{
    enc_fd *f = ctx;
    const float *y = nn_encoder_forward(&f->c, &f->e, f->x, f->B);
    double s = 0.0;
    for (int i = 0; i < f->B * f->e.out_dim; i++) s += (double)y[i] * f->r[i];
    return s;
}

static void encoder_gradcheck(const char *text, float scale)
{
    enum { B = 3, H = 7, W = 6, C = 3 };
    enc_fd f = {.B = B};
    nn_encoder_spec s;
    char err[512];
    cr_assert_eq(nn_encoder_parse(&s, text, "k", err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(nn_encoder_init(&f.e, &s, H, W, C, scale, "k", err, sizeof err), RL_OK, "%s", err);
    float *p = calloc(f.e.n_params, sizeof(float)), *g = calloc(f.e.n_params, sizeof(float));
    nn_encoder_bind(&f.e, p, g);
    rl_rng rng;
    rl_rng_seed(&rng, 11, 0);
    nn_encoder_init_orthogonal(&f.e, 1.4142f, &rng);
    for (size_t i = 0; i < f.e.n_params; i++) p[i] += (float)rl_rng_uniform(&rng, -0.05, 0.05);   /* biases too */
    float *buf = malloc(nn_encoder_cache_floats(&f.e, B) * sizeof(float));
    nn_encoder_cache_bind(&f.c, &f.e, buf, B);
    float x[B * H * W * C], *r = malloc((size_t)B * f.e.out_dim * sizeof(float));
    for (int i = 0; i < B * H * W * C; i++) x[i] = (float)rl_rng_uniform(&rng, 0, scale == 1.0f ? 1.0 : 255.0);
    for (int i = 0; i < B * f.e.out_dim; i++) r[i] = (float)rl_rng_uniform(&rng, -1, 1);
    f.x = x, f.r = r;
    enc_obj(&f);
    nn_encoder_backward(&f.c, &f.e, r, B);
    rlt_gradcheck_opts o = {.n_check = 200, .h = 1e-3, .rtol = 2e-2, .atol = 2e-4};
    rlt_gradcheck(enc_obj, &f, p, g, (int)f.e.n_params, &o, text);
    free(p), free(g), free(buf), free(r);
}

Test(encoder, gradient_matches_finite_differences)
{
    encoder_gradcheck("4 3x3/1 p1, 5 2x2/2, dense 7", 1.0f);
    encoder_gradcheck("3 3x2/2 p1, 4 2x2/1", 1.0f / 255.0f);   /* no dense; pixels / 255 */
}

static double dqn_obj(void *ag) { return offp_value_test_objective(ag, NULL); }

/* one update's objective (TD loss, targets fixed) through the Q-network's MLP and its encoder:
 * every parameter, the convolutions' first */
Test(encoder, dqn_objective_gradient_through_encoder_and_mlp)
{
    const char *sets[] = {"network.encoder=4 3x3/1, 3 2x2/2 p1, dense 12", "network.hidden=[10]",
                          "network.activation=tanh", "dqn.batch_size=8", "losses.td=mse", "dqn.start_e=1.0"};
    rl_config cfg;
    rlt_load_config(&cfg, BREAKOUT_ZOO, sets, 6);
    const agent_algo *a;
    void *ag = rlt_filled_agent(&cfg, &a, 300);
    offp_value_test_sample(ag);
    size_t n;
    float *theta = offp_value_test_params(ag, &n);
    float *g = malloc(n * sizeof(float));
    cr_assert(isfinite(offp_value_test_objective(ag, g)));
    size_t n_conv = 4 * 4 * 9 + 4 + 3 * 4 * 4 + 3;   /* the two convolutions' weights and biases */
    double conv_norm = 0.0;
    for (size_t i = 0; i < n_conv; i++) conv_norm += fabs(g[i]);
    cr_assert(conv_norm > 1e-6, "no gradient reaches the convolutions");
    /* h = 1e-4: MinAtar's 0/1 inputs put some pre-activations within 1e-3 of a ReLU kink */
    rlt_gradcheck_opts o = {.n_check = 300, .h = 1e-4, .rtol = 3e-2, .atol = 3e-4};
    rlt_gradcheck(dqn_obj, ag, theta, g, (int)n_conv, &o, "dqn: the convolutions");
    rlt_gradcheck(dqn_obj, ag, theta, g, (int)n, &o, "dqn: encoder and MLP");
    free(g);
    a->destroy(ag);
}

/* the on-policy network (ppo, a2c, reinforce): one encoder under actor and critic; the objective
 * sum_b a_b logp_b + c_b v_b reaches the encoder through both heads (and a shared trunk) */
static void onp_gradcheck(const char *shared, const char *hidden)
{
    enum { B = 6 };
    const char *sets[] = {"network.encoder=4 3x3/1, 3 2x2/2 p1, dense 12", hidden, shared, "network.activation=tanh",
                          "network.actor_gain=1"};
    rl_config cfg;
    rlt_load_config(&cfg, RLC_SOURCE_DIR "/configs/zoo/ppo_minatar_breakout_v1.yaml", sets, 5);
    const env_def *def = env_find("MinAtar/Breakout-v1");
    onp_net n;
    rl_rng rng;
    rl_rng_seed(&rng, 4, 0);
    char err[512];
    cr_assert_eq(onp_net_init(&n, &cfg, &def->obs_space, &def->act_space, true, cfg.network.shared, B, &rng, err,
                              sizeof err), RL_OK, "%s", err);
    cr_assert(n.has_img && n.in_dim == 12);
    for (size_t i = 0; i < n.n_params; i++) n.params[i] += (float)rl_rng_uniform(&rng, -0.05, 0.05);
    env_vec v;
    cr_assert_eq(env_vec_make(&v, "MinAtar/Breakout-v1", B, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 5);
    float u[B], a[B], c[B], logp[B], act[B];
    for (int t = 0; t < 6; t++) {
        for (int b = 0; b < B; b++) act[b] = (float)rl_rng_below(&rng, 3);
        env_vec_step(&v, act);
    }
    for (int b = 0; b < B; b++) u[b] = (float)rl_rng_below(&rng, 3), a[b] = (float)rl_rng_uniform(&rng, -1, 1),
                                c[b] = (float)rl_rng_uniform(&rng, -1, 1);
    rlt_onp_fd f = {&n, v.obs, u, a, c, logp, B};
    rlt_onp_obj(&f);
    memset(n.grads, 0, n.n_params * sizeof(float));
    onp_net_backward(&n, v.obs, u, B, a, NULL, c);
    size_t enc = n.n_params - n.img.n_params;   /* the encoder's parameters, last */
    /* h = 1e-3: the objective is a float sum of order 1, whose rounding swamps steps of 1e-4 */
    rlt_gradcheck_opts o = {.n_check = 200, .h = 1e-3, .rtol = 3e-2, .atol = 3e-4};
    rlt_gradcheck(rlt_onp_obj, &f, n.params + enc, n.grads + enc, (int)n.img.n_params, &o, "ppo: the encoder");
    rlt_gradcheck(rlt_onp_obj, &f, n.params, n.grads, (int)n.n_params, &o, "ppo: every parameter");
    /* both heads reach it: the critic's part alone differs from the sum */
    float *g = malloc(n.img.n_params * sizeof(float));
    memcpy(g, n.grads + enc, n.img.n_params * sizeof(float));
    memset(n.grads, 0, n.n_params * sizeof(float));
    rlt_onp_obj(&f);
    onp_net_backward(&n, v.obs, u, B, NULL, NULL, c);
    double diff = 0.0;
    for (size_t i = 0; i < n.img.n_params; i++) diff += fabs((double)g[i] - n.grads[enc + i]);
    cr_assert(diff > 1e-5, "the actor adds nothing to the encoder's gradient");
    free(g);
    env_vec_free(&v);
    onp_net_free(&n);
}

Test(encoder, ppo_gradient_through_the_shared_encoder)
{
    onp_gradcheck("network.shared=false", "network.hidden=[]");
    onp_gradcheck("network.shared=false", "network.hidden=[7]");
    onp_gradcheck("network.shared=true", "network.hidden=[7]");
}

/* ---- bad input ---------------------------------------------------------------------------- */

#define MINATAR_YAML(algo, extra) "algo: " algo "\nenv: {id: MinAtar/Breakout-v1, num_envs: 1}\nnetwork: {activation: relu" extra "}\n"

Test(encoder, bad_input_is_refused_naming_the_key)
{
    /* an image with an MLP-only config */
    rlt_expect_config_error(MINATAR_YAML("dqn", ""), "x.yaml: network.encoder", "10x10x4 bool images", "flatten");
    /* a kernel larger than its input: nature's 8x8/4 leaves 1x1 for the 4x4 that follows */
    rlt_expect_config_error(MINATAR_YAML("dqn", ", encoder: nature"), "network.encoder", "convolution 2 (64 4x4/2 p0) on its 1x1x32 input",
                            "kernel");
    /* a channel count that does not match the environment */
    rlt_expect_config_error(MINATAR_YAML("dqn", ", encoder: 'in 10x10x7, 16 3x3/1, dense 128'"), "network.encoder",
                            "input of 10x10x7", "observations are 10x10x4");
    /* an unknown preset */
    rlt_expect_config_error(MINATAR_YAML("qrdqn", ", encoder: atari"), "x.yaml: network.encoder",
                            "unknown preset or bad layer 'atari'", "minatar, nature");
    /* an encoder too large for its limits, refused before anything is allocated */
    rlt_expect_config_error(MINATAR_YAML("dqn", ", encoder: '4096 9x9/1 p40'"), "network.encoder",
                            "activation floats of one observation", "exceeds the limit");
    /* an encoder on a flat observation */
    rlt_expect_config_error("algo: c51\nenv: {id: CartPole-v1}\nnetwork: {encoder: minatar}\n", "network.encoder",
                            "flat vector of 4", "expected none");
    /* an agent without an encoder says so */
    rlt_expect_config_error("algo: sac\nenv: {id: Pendulum-v1}\nnetwork: {encoder: minatar}\n", "network.encoder",
                            "algo sac has no image encoder", "expected none or flatten");
    /* reinforce has one through the on-policy network */
    char err0[1024];
    cr_assert_eq(rlt_config_and_agent(MINATAR_YAML("reinforce", ", encoder: minatar") "reinforce: {max_episode_steps: 1000}\n",
                                      err0, sizeof err0),
                 RL_OK, "%s", err0);
    /* flatten says the MLP takes the image as one vector */
    char err[1024];
    cr_assert_eq(rlt_config_and_agent(MINATAR_YAML("dqn", ", encoder: flatten"), err, sizeof err), RL_OK, "%s", err);
}

Test(encoder, a_refused_config_writes_no_run_directory)
{
    char err[1024];
    rl_config cfg;
    const char *sets2[] = {"network.encoder=16 11x3/1, dense 128"};   /* 11 rows on a 10-row image */
    rlt_load_config(&cfg, BREAKOUT_ZOO, sets2, 1);
    char dir[256];
    rlt_tmp_dir(dir, sizeof dir, "enc_refused");
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_neq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "network.encoder") && strstr(err, "convolution 1 (16 11x3/1 p0) on its 10x10x4 input"), "%s",
              err);
    struct stat sb;
    cr_assert_neq(stat(dir, &sb), 0, "%s was written", dir);
}

/* ---- checkpoints -------------------------------------------------------------------------- */

static void train_short(const char *const *sets, int n, char *dir, size_t dsz, const char *tag)
{
    rl_config cfg;
    char err[1024];
    rlt_load_config(&cfg, BREAKOUT_ZOO, sets, n);
    rlt_tmp_dir(dir, dsz, tag);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
}

Test(encoder, cnn_dqn_checkpoint_round_trip_gives_identical_actions)
{
    const char *sets[] = {"total_steps=1500", "dqn.learning_starts=500", "log.eval_interval=0", "log.eval_episodes=1",
                          "log.checkpoint_interval=0"};
    char dir[256], err[1024], cmd[400], out[256];
    train_short(sets, 5, dir, sizeof dir, "enc_ckpt");
    rl_config c1, c2;
    const agent_algo *a1, *a2;
    void *g1, *g2;
    cr_assert_eq(trainer_load_agent(dir, &c1, &a1, &g1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trainer_load_agent(dir, &c2, &a2, &g2, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(c1.network.encoder, "minatar");
    /* observations from the game itself: sparse 0/1 channels */
    env_vec v;
    cr_assert_eq(env_vec_make(&v, "MinAtar/Breakout-v1", 16, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 3);
    float x1[16], x2[16], rnd[16];
    rl_rng r;
    rl_rng_seed(&r, 3, 0);
    for (int t = 0; t < 20; t++) {
        for (int i = 0; i < 16; i++) rnd[i] = (float)rl_rng_below(&r, 3);
        env_vec_step(&v, rnd);
    }
    a1->act(g1, v.obs, 16, x1, false);
    a2->act(g2, v.obs, 16, x2, false);
    cr_assert(memcmp(x1, x2, sizeof x1) == 0);
    env_vec_free(&v);
    a1->destroy(g1);
    a2->destroy(g2);
    /* the encoder's tensors by their documented names and shapes */
    char path[400];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    nn_safetensors *f;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    float w[16 * 4 * 9];
    nn_tensor t = {"q.encoder.conv.0.weight", w, 4, {16, 4, 3, 3}};
    cr_assert_eq(nn_safetensors_read(f, &t, err, sizeof err), RL_OK, "%s", err);
    float *dw = malloc(128 * 1024 * sizeof(float));
    t = (nn_tensor){"q_target.encoder.dense.weight", dw, 2, {128, 1024}};
    cr_assert_eq(nn_safetensors_read(f, &t, err, sizeof err), RL_OK, "%s", err);
    free(dw);
    /* an agent of another encoder refuses the file, naming the tensor */
    rl_config cfg;
    const char *other[] = {"network.encoder=8 3x3/1, dense 128"};
    rlt_load_config(&cfg, BREAKOUT_ZOO, other, 1);
    const env_def *def = env_find("MinAtar/Breakout-v1");
    void *ag;
    cr_assert_eq(a1->create(&ag, &cfg, &def->obs_space, &def->act_space, 1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_neq(a1->load(ag, f, false, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "q.encoder.conv.0.weight"), "%s", err);
    a1->destroy(ag);
    nn_safetensors_close(f);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    rlt_run_cmd(cmd, out, sizeof out);
}

/* a CNN PPO and a CNN A2C: trained briefly, loaded twice, the same actions; the shared encoder's
 * tensors under their documented names */
static void onp_round_trip(const char *algo)
{
    const char *sets[] = {"total_steps=2048", "log.eval_interval=0", "log.eval_episodes=1", "log.checkpoint_interval=0"};
    char file[300];
    snprintf(file, sizeof file, "%s/configs/zoo/%s_minatar_breakout_v1.yaml", RLC_SOURCE_DIR, algo);
    rl_config cfg;
    char dir[256], err[1024], cmd[400], out[256];
    rlt_load_config(&cfg, file, sets, 4);
    rlt_tmp_dir(dir, sizeof dir, "enc_onp");
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
    rl_config c1, c2;
    const agent_algo *a1, *a2;
    void *g1, *g2;
    cr_assert_eq(trainer_load_agent(dir, &c1, &a1, &g1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(trainer_load_agent(dir, &c2, &a2, &g2, err, sizeof err), RL_OK, "%s", err);
    env_vec v;
    cr_assert_eq(env_vec_make(&v, "MinAtar/Breakout-v1", 16, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 3);
    float x1[16], x2[16], rnd[16];
    for (int t = 0; t < 15; t++) {
        for (int i = 0; i < 16; i++) rnd[i] = (float)((t + i) % 3);
        env_vec_step(&v, rnd);
    }
    a1->act(g1, v.obs, 16, x1, false);
    a2->act(g2, v.obs, 16, x2, false);
    cr_assert(memcmp(x1, x2, sizeof x1) == 0);
    env_vec_free(&v);
    a1->destroy(g1);
    a2->destroy(g2);
    char path[400];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    nn_safetensors *f;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    float w[16 * 4 * 9], b[128];
    nn_tensor t = {"encoder.conv.0.weight", w, 4, {16, 4, 3, 3}};
    cr_assert_eq(nn_safetensors_read(f, &t, err, sizeof err), RL_OK, "%s", err);
    t = (nn_tensor){"encoder.dense.bias", b, 1, {128}};
    cr_assert_eq(nn_safetensors_read(f, &t, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors_close(f);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    rlt_run_cmd(cmd, out, sizeof out);
}

Test(encoder, cnn_ppo_checkpoint_round_trip_gives_identical_actions) { onp_round_trip("ppo"); }
Test(encoder, cnn_a2c_checkpoint_round_trip_gives_identical_actions) { onp_round_trip("a2c"); }

/* every value agent and option with an encoder: a short run, finite, evaluated */
Test(encoder, every_value_agent_and_option_runs_with_an_encoder)
{
    const char *variants[][3] = {{"algo=dqn", "dqn.dueling=true", "network.hidden=[16]"},
                                 {"algo=dqn", "dqn.double_q=true", "dqn.n_step=3"},
                                 {"algo=dqn", "dqn.prioritized=true", "dqn.tau=0.5"},
                                 {"algo=qrdqn", "dqn.n_quantiles=8", "network.hidden=[]"},
                                 {"algo=c51", "losses.c51={name: c51, atoms: 11, v_min: 0, v_max: 10}", "network.hidden=[]"}};
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        const char *sets[] = {variants[i][0], variants[i][1], variants[i][2], "total_steps=1200",
                              "dqn.learning_starts=300", "dqn.buffer_size=2000", "log.eval_interval=0",
                              "log.eval_episodes=2", "log.checkpoint_interval=0"};
        rl_config cfg;
        char dir[256], err[1024], cmd[400], out[256];
        rlt_load_config(&cfg, BREAKOUT_ZOO, sets, 9);
        rlt_tmp_dir(dir, sizeof dir, "enc_opts");
        trainer_opts o = {.run_dir = dir, .quiet = true};
        trainer_result res;
        cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s %s: %s", variants[i][0], variants[i][1], err);
        cr_assert(isfinite(res.eval_mean), "%s %s", variants[i][0], variants[i][1]);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        rlt_run_cmd(cmd, out, sizeof out);
    }
}

/* ---- the byte replay ---------------------------------------------------------------------- */

Test(encoder, byte_replay_returns_its_values_and_holds_a_byte_each)
{
    enum { N = 2, D = 300, CAP = 40 };
    replay_config rc;
    replay_config_default(&rc);
    rc.capacity = CAP, rc.n_envs = N, rc.obs_dim = D, rc.act_dim = 1, rc.n_actions = 3, rc.obs_bytes = true;
    replay_buffer b;
    char err[256];
    cr_assert_eq(replay_buffer_init(&b, &rc, err, sizeof err), RL_OK, "%s", err);
    replay_config rf = rc;
    rf.obs_bytes = false;
    /* the observations take one byte a value: 2 x D x 3 bytes less per transition than floats */
    cr_assert_eq(replay_config_bytes(&rf) - replay_buffer_bytes(&b), (size_t)CAP * 2 * D * 3);
    cr_assert_eq(replay_buffer_bytes(&b), (size_t)CAP * (2 * D + 2 * sizeof(float) + 2));
    cr_assert_null(b.obs);
    cr_assert_not_null(b.obs8);
    float obs[N * D], next[N * D], act[N] = {1, 2}, rew[N] = {0.5f, -1};
    bool term[N] = {false, false}, trunc[N] = {false, false};
    for (int row = 0; row < CAP / N; row++) {
        for (int i = 0; i < N * D; i++) {
            obs[i] = (float)((row * 7 + i) % 256);
            next[i] = (float)((row * 7 + i + 1) % 256);
        }
        replay_buffer_add(&b, obs, act, rew, next, term, trunc);
    }
    replay_batch bt;
    cr_assert_eq(replay_batch_init(&bt, 64, D, 1, err, sizeof err), RL_OK, "%s", err);
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    replay_buffer_sample(&b, &bt, 64, 1.0f, &rng);
    for (int k = 0; k < 64; k++) {
        int64_t s = bt.idx[k], row = s / N, e = s % N;
        for (int j = 0; j < D; j++) {
            float want = (float)((row * 7 + e * D + j) % 256);
            cr_assert_eq(bt.obs[(size_t)k * D + j], want, "slot %lld value %d", (long long)s, j);
            cr_assert_eq(bt.next_obs[(size_t)k * D + j], (float)((row * 7 + e * D + j + 1) % 256));
        }
    }
    /* saved across an interruption (train/offp_replay.c) and read back: the same bytes */
    char dir[256], path[300], cmd[400], out[256];
    rlt_tmp_dir(dir, sizeof dir, "enc_replay");
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/replay.safetensors", dir);
    cr_assert_eq(offp_replay_save(&b, path, 40, err, sizeof err), RL_OK, "%s", err);
    replay_buffer r;
    cr_assert_eq(replay_buffer_init(&r, &rc, err, sizeof err), RL_OK, "%s", err);
    int64_t fstep = 0;
    cr_assert_eq(offp_replay_load(&r, path, 40, &fstep, err, sizeof err), RL_OK, "%s", err);
    cr_assert(memcmp(r.obs8, b.obs8, (size_t)CAP * D) == 0 && memcmp(r.next_obs8, b.next_obs8, (size_t)CAP * D) == 0);
    replay_buffer_free(&r);
    /* a value a byte cannot hold is refused, naming the tensor and what was expected */
    rlt_patch_tensor_float(path, "replay.obs", 5, 0.5f);
    cr_assert_eq(replay_buffer_init(&r, &rc, err, sizeof err), RL_OK, "%s", err);
    cr_assert_neq(offp_replay_load(&r, path, 40, &fstep, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "replay.obs[0, 5] = 0.5") && strstr(err, "a whole number in 0..255"), "%s", err);
    replay_buffer_free(&r);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    rlt_run_cmd(cmd, out, sizeof out);
    replay_batch_free(&bt);
    replay_buffer_free(&b);
}

/* ---- learning ----------------------------------------------------------------------------- */

/* the mean return of uniformly random actions over 200 episodes of MinAtar/Breakout-v1 */
static double random_breakout_return(void)
{
    char err[256];
    env_vec v;
    cr_assert_eq(env_vec_make(&v, "MinAtar/Breakout-v1", 8, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 123);
    rl_rng r;
    rl_rng_seed(&r, 9, 0);
    double total = 0.0, ep[8] = {0};
    int done = 0;
    float a[8];
    while (done < 200) {
        for (int i = 0; i < 8; i++) a[i] = (float)rl_rng_below(&r, 3);
        env_vec_step(&v, a);
        for (int i = 0; i < 8; i++) {
            ep[i] += v.rewards[i];
            if (v.terminated[i] || v.truncated[i]) total += ep[i], ep[i] = 0.0, done++;
        }
    }
    env_vec_free(&v);
    return total / done;
}

/* configs/zoo/dqn_minatar_breakout.yaml (the minatar preset) on 15k steps: 2000 before the first
 * update, epsilon down to 0.1 by step 3000; at least 2 of seeds 1-3 evaluate at 1.5 or more over
 * 10 episodes, where random play scores about 0.5 (asserted below 0.75) */
Test(encoder, dqn_minatar_preset_learns_breakout)
{
    RLT_LEARNING_TEST();
    double rnd = random_breakout_return();
    cr_assert(rnd < 0.75, "random play scores %g", rnd);
    const char *sets[] = {"total_steps=15000", "dqn.learning_starts=2000", "dqn.exploration_fraction=0.2",
                          "log.eval_interval=0", "log.checkpoint_interval=0"};
    trainer_result runs[3];
    rlt_train_seeds(BREAKOUT_ZOO, sets, 5, 3, runs, "enc_learn", NULL, 0);
    rlt_assert_learns("DQN (minatar encoder) on MinAtar/Breakout-v1 in 15k steps", runs, 3, 2, 1.5);
}
