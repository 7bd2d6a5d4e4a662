/* Dict and Tuple observation spaces (envs/env.h env_part, envs/parts.c; nn/obs_encoder.c):
 *   - the definitions: DictCue-v0 and TupleCue-v0 registered and checked, described, written as
 *     JSON for checkpoints; bad ones (unsorted or malformed keys, parts that do not add up, an
 *     image part of the wrong size, parts in an action space) refused naming the key;
 *   - the encoder of parts: vector parts copied in order, each image part through its own
 *     encoder, the parameter gradient against finite differences; the on-policy network's and
 *     DQN's whole objective through it; the checkpoint tensors named by key;
 *   - the agents without an image encoder refused naming the image part;
 *   - PPO learns DictCue-v0 and DQN TupleCue-v0 (each needs both parts) over seeds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "algos/offp_value.h"
#include "algos/offpolicy.h"
#include "algos/onpolicy.h"
#include "envs/check.h"
#include "envs/cue.h"
#include "envs/pixels.h"
#include "envs/space_text.h"
#include "nn/obs_encoder.h"
#include "tests/helpers/testutil.h"
#include "train/trainer.h"

#define PPO_CUE RLC_SOURCE_DIR "/configs/ppo_dict_cue.yaml"
#define DQN_CUE RLC_SOURCE_DIR "/configs/dqn_tuple_cue.yaml"

/* ---- the definitions ------------------------------------------------------------------------- */

Test(obs_parts, the_tasks_pass_check_env_and_describe_their_parts)
{
    env_check_report rep;
    char err[256], d[512];
    const env_def *defs[2] = {&env_dict_cue_v0, &env_tuple_cue_v0};
    for (int k = 0; k < 2; k++) {
        cr_assert(env_find(defs[k]->id) == defs[k]);
        cr_assert_eq(env_check_run(defs[k], NULL, &rep, err, sizeof err), RL_OK, "%s", err);
        cr_assert_eq(rep.n_failed, 0, "%s", defs[k]->id);
    }
    cr_assert_str_eq(env_space_describe(&env_dict_cue_v0.obs_space, d, sizeof d),
                     "Dict(cue: Box(1) [-1, 1], image: Box(6, 6, 1) uint8 [0, 255])");
    cr_assert_str_eq(env_space_describe(&env_tuple_cue_v0.obs_space, d, sizeof d),
                     "Tuple(Box(1) [-1, 1], Box(6, 6, 1) bool [0, 1])");
    char *j = env_space_to_json(&env_dict_cue_v0.obs_space);
    cr_assert(strstr(j, "\"structure\": \"dict\", \"parts\": [{\"name\": \"cue\", \"dim\": 1}, {\"name\": \"image\", "
                        "\"dim\": 36, \"shape\": [6, 6, 1], \"dtype\": \"uint8\"}]"), "%s", j);
    free(j);
    j = env_space_to_json(&env_tuple_cue_v0.obs_space);
    cr_assert(strstr(j, "\"structure\": \"tuple\", \"parts\": [{\"name\": \"0\", \"dim\": 1}, {\"name\": \"1\""), "%s", j);
    free(j);
    const env_space *s = &env_dict_cue_v0.obs_space;
    cr_assert(env_part_offset(s, 1) == 1 && env_part_offset(s, 2) == 37);
    env_space img = env_space_part(s, 1);
    cr_assert(img.rank == 3 && img.dim == 36 && img.elem == ENV_ELEM_UINT8 && img.low == s->low + 1);
    /* a value outside its part's element type is named by part */
    float x[37] = {1.0f};
    cr_assert(env_space_contains(s, x));
    x[5] = 0.5f;   /* not an integer: outside image's uint8 values */
    cr_assert(!env_space_contains(s, x));
    x[5] = 0.0f, x[0] = 0.5f;   /* the cue is a float: fine */
    cr_assert(env_space_contains(s, x));
}

/* DictCue-v0's step with a value no uint8 image holds at obs[5], the image's value 4 */
static void half_pixel_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                            bool *truncated)
{
    env_dict_cue_v0.step(state, rng, action, obs, reward, terminated, truncated);
    obs[5] = 0.5f;
}

Test(obs_parts, check_env_names_the_part_of_a_value_out_of_its_space)
{
    env_def d = env_dict_cue_v0;
    d.step = half_pixel_step;
    env_check_report rep;
    char err[256];
    cr_assert_eq(env_check_run(&d, NULL, &rep, err, sizeof err), RL_OK, "%s", err);
    const env_check_item *it = env_check_find(&rep, "observations in space");
    cr_assert(it->outcome == ENV_CHECK_FAIL && strstr(it->detail, "obs[5] (image[4]) = 0.5 is outside the uint8 values"),
              "%s", it->detail);
}

/* registers def (a copy of DictCue-v0 with other parts) and expects the error to hold n1 and n2 */
static void expect_refused(const env_part *parts, int n, env_structure t, const char *n1, const char *n2)
{
    env_def d = env_dict_cue_v0;
    d.id = "BadParts-v0";
    d.obs_space.parts = parts;
    d.obs_space.n_parts = n;
    d.obs_space.structure = t;
    char err[512];
    cr_assert_eq(env_register(&d, err, sizeof err), RL_ERR_ARG, "accepted %s", n1);
    cr_assert(strstr(err, "BadParts-v0") && strstr(err, n1) && strstr(err, n2), "%s", err);
    env_check_report rep;
    cr_assert_eq(env_check_run(&d, NULL, &rep, err, sizeof err), RL_OK, "%s", err);
    const env_check_item *it = env_check_find(&rep, "observation space");
    cr_assert(it->outcome == ENV_CHECK_FAIL && strstr(it->detail, n1), "%s", it->detail);
}

Test(obs_parts, bad_definitions_are_refused_naming_the_key)
{
    const env_part unsorted[2] = {{.name = "image", .dim = 36, .rank = 3, .shape = {6, 6, 1}, .elem = ENV_ELEM_UINT8},
                                  {.name = "cue", .dim = 1}};
    expect_refused(unsorted, 2, ENV_STRUCT_DICT, "'cue' follows 'image'", "ascending");
    const env_part bad_key[2] = {{.name = "c-e", .dim = 1},
                                 {.name = "image", .dim = 36, .rank = 3, .shape = {6, 6, 1}, .elem = ENV_ELEM_UINT8}};
    expect_refused(bad_key, 2, ENV_STRUCT_DICT, "key 'c-e'", "letters, digits or '_'");
    const env_part short_parts[2] = {{.name = "cue", .dim = 1}, {.name = "image", .dim = 30}};
    expect_refused(short_parts, 2, ENV_STRUCT_DICT, "hold 31 values", "37");
    const env_part bad_shape[2] = {{.name = "cue", .dim = 1},
                                   {.name = "image", .dim = 36, .rank = 3, .shape = {6, 5, 1}, .elem = ENV_ELEM_UINT8}};
    expect_refused(bad_shape, 2, ENV_STRUCT_DICT, "part 'image'", "does not hold dim 36");
    /* bool values need bounds in [0, 1]; DictCue's image goes to 255 */
    const env_part bool_img[2] = {{.name = "cue", .dim = 1},
                                  {.name = "image", .dim = 36, .rank = 3, .shape = {6, 6, 1}, .elem = ENV_ELEM_BOOL}};
    expect_refused(bool_img, 2, ENV_STRUCT_DICT, "part 'image'", "bool values need bounds");
    const env_part named[2] = {{.name = "cue", .dim = 1}, {.dim = 36}};
    expect_refused(named, 2, ENV_STRUCT_TUPLE, "Tuple part 0 has the name 'cue'", "index");
    /* parts belong to observations */
    env_def d = env_dict_cue_v0;
    d.id = "BadParts-v0";
    d.act_space = (env_space){.kind = ENV_SPACE_BOX, .dim = 37, .low = d.obs_space.low, .high = d.obs_space.high,
                              .structure = ENV_STRUCT_DICT, .n_parts = 2, .parts = env_dict_cue_v0.obs_space.parts};
    char err[512];
    cr_assert_eq(env_register(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "observations only"), "%s", err);
    cr_assert(env_find("BadParts-v0") == NULL);
}

/* the command line prints the parts: rlc envs (the list and one id) and rlc check-env */
Test(obs_parts, rlc_envs_and_check_env_print_the_parts)
{
    char out[16384];
    const char *list[] = {"envs", NULL};
    int ws = rlt_run_rlc_guarded(list, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s", out);
    cr_assert(strstr(out, "Tuple(Box(1) [-1, 1], Box(6, 6, 1) bool [0, 1])"), "%s", out);
    const char *one[] = {"envs", "DictCue-v0", NULL};
    ws = rlt_run_rlc_guarded(one, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s", out);
    cr_assert(strstr(out, "parts        Dict of 2 parts, concatenated in this order (the keys sorted)") &&
              strstr(out, "    cue              [0, 1)  Box(1) [-1, 1]") &&
              strstr(out, "    image            [1, 37)  Box(6, 6, 1) uint8 [0, 255]"), "%s", out);
    const char *chk[] = {"check-env", "DictCue-v0", NULL};
    ws = rlt_run_rlc_guarded(chk, out, sizeof out, NULL);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0 &&
              strstr(out, "PASS  observation space         Dict(cue: Box(1) [-1, 1], image: Box(6, 6, 1) uint8 [0, 255])"),
              "%s", out);
}

Test(obs_parts, frame_stack_refuses_a_dict)
{
    env_def *out = NULL;
    char err[512];
    cr_assert_neq(env_frame_stack_def(&env_dict_cue_v0, 2, &out, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "DictCue-v0") && strstr(err, "Dict"), "%s", err);
}

/* ---- the encoder of parts -------------------------------------------------------------------- */

typedef struct {
    nn_obs_encoder e;
    nn_obs_encoder_cache c;
    const float *x, *r;
    int B;
} parts_fd;

static double parts_obj(void *ctx)
{
    parts_fd *f = ctx;
    const float *y = nn_obs_encoder_forward(&f->c, &f->e, f->x, f->B);
    double s = 0.0;
    for (int i = 0; i < f->B * f->e.out_dim; i++) s += (double)y[i] * f->r[i];
    return s;
}

/* an image encoder of text on H x W x C inputs scaled by scale */
static nn_encoder image_cnn(const char *text, int H, int W, int C, float scale)
{
    nn_encoder_spec s;
    nn_encoder e;
    char err[256];
    cr_assert_eq(nn_encoder_parse(&s, text, "k", err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(nn_encoder_init(&e, &s, H, W, C, scale, "k", err, sizeof err), RL_OK, "%s", err);
    return e;
}

/* parts [a: 3 values, img: 5x4x2 pixels / 255, b: 2 values, mask: 4x4x1 0/1]: the vector parts'
 * features are their values, in order; the gradient of every parameter matches finite differences */
Test(obs_parts, encoder_of_parts_concatenates_in_order_and_its_gradient_matches)
{
    enum { B = 3, D = 3 + 40 + 2 + 16 };
    parts_fd f = {.B = B};
    nn_encoder c1 = image_cnn("3 3x3/1 p1, 2 2x2/2, dense 5", 5, 4, 2, 1.0f / 255.0f),
               c2 = image_cnn("2 2x2/1", 4, 4, 1, 1.0f);
    nn_obs_encoder_start(&f.e, D);
    nn_obs_encoder_add(&f.e, "a", 3, NULL);
    nn_obs_encoder_add(&f.e, "img", 40, &c1);
    nn_obs_encoder_add(&f.e, "b", 2, NULL);
    nn_obs_encoder_add(&f.e, "mask", 16, &c2);
    cr_assert_eq(f.e.out_dim, 3 + 5 + 2 + 18);
    cr_assert_eq(f.e.n_params, c1.n_params + c2.n_params);
    float *p = calloc(f.e.n_params, sizeof(float)), *g = calloc(f.e.n_params, sizeof(float));
    nn_obs_encoder_bind(&f.e, p, g);
    rl_rng rng;
    rl_rng_seed(&rng, 12, 0);
    nn_obs_encoder_init_orthogonal(&f.e, 1.4142f, &rng);
    for (size_t i = 0; i < f.e.n_params; i++) p[i] += (float)rl_rng_uniform(&rng, -0.05, 0.05);
    float *buf = malloc(nn_obs_encoder_cache_floats(&f.e, B) * sizeof(float));
    nn_obs_encoder_cache_bind(&f.c, &f.e, buf, B);
    float x[B * D], r[B * 28];
    for (int b = 0; b < B; b++)
        for (int i = 0; i < D; i++) {
            bool pix = i >= 3 && i < 43, bit = i >= 45;
            x[b * D + i] = pix ? (float)rl_rng_below(&rng, 256) : bit ? (float)rl_rng_below(&rng, 2)
                                                                      : (float)rl_rng_uniform(&rng, -2, 2);
        }
    for (int i = 0; i < B * 28; i++) r[i] = (float)rl_rng_uniform(&rng, -1, 1);
    f.x = x, f.r = r;
    parts_obj(&f);
    const float *y = f.c.out;
    for (int b = 0; b < B; b++) {
        cr_assert(memcmp(y + b * 28, x + b * D, 3 * sizeof(float)) == 0, "part a, row %d", b);
        cr_assert(memcmp(y + b * 28 + 8, x + b * D + 43, 2 * sizeof(float)) == 0, "part b, row %d", b);
    }
    nn_obs_encoder_backward(&f.c, &f.e, r, B);
    rlt_gradcheck_opts o = {.n_check = 300, .h = 1e-3, .rtol = 2e-2, .atol = 2e-4};
    rlt_gradcheck(parts_obj, &f, p, g, (int)f.e.n_params, &o, "the encoder of parts");
    nn_tensor t[NN_OBS_MAX_TENSORS];
    char names[NN_OBS_MAX_TENSORS][48];
    int n = nn_obs_encoder_tensors(t, names, "q.encoder", &f.e);
    cr_assert_eq(n, nn_obs_encoder_n_tensors(&f.e));
    cr_assert(n == 8 && strcmp(names[0], "q.encoder.img.conv.0.weight") == 0 &&
              strcmp(names[5], "q.encoder.img.dense.bias") == 0 && strcmp(names[6], "q.encoder.mask.conv.0.weight") == 0,
              "%s %s %s", names[0], names[5], names[6]);
    free(p), free(g), free(buf);
}

/* the on-policy network on DictCue-v0 (ppo, a2c, reinforce): actor and critic through the encoder */
Test(obs_parts, ppo_gradient_through_the_encoder_of_parts)
{
    enum { B = 6 };
    const char *sets[] = {"network.encoder=3 3x3/1, dense 6", "network.hidden=[7]", "network.activation=tanh",
                          "network.shared=false"};
    rl_config cfg;
    rlt_load_config(&cfg, PPO_CUE, sets, 4);
    const env_def *def = &env_dict_cue_v0;
    onp_net n;
    rl_rng rng;
    rl_rng_seed(&rng, 4, 0);
    char err[512];
    cr_assert_eq(onp_net_init(&n, &cfg, &def->obs_space, &def->act_space, true, false, B, &rng, err, sizeof err), RL_OK,
                 "%s", err);
    cr_assert(n.has_img && n.in_dim == 1 + 6, "in_dim %d", n.in_dim);
    for (size_t i = 0; i < n.n_params; i++) n.params[i] += (float)rl_rng_uniform(&rng, -0.05, 0.05);
    env_vec v;
    cr_assert_eq(env_vec_make(&v, "DictCue-v0", B, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 5);
    float u[B], a[B], c[B], logp[B];
    for (int b = 0; b < B; b++) u[b] = (float)rl_rng_below(&rng, 2), a[b] = (float)rl_rng_uniform(&rng, -1, 1),
                                c[b] = (float)rl_rng_uniform(&rng, -1, 1);
    rlt_onp_fd f = {&n, v.obs, u, a, c, logp, B};
    rlt_onp_obj(&f);
    memset(n.grads, 0, n.n_params * sizeof(float));
    onp_net_backward(&n, v.obs, u, B, a, NULL, c);
    rlt_gradcheck_opts o = {.n_check = 300, .h = 1e-3, .rtol = 3e-2, .atol = 3e-4};
    rlt_gradcheck(rlt_onp_obj, &f, n.params, n.grads, (int)n.n_params, &o, "ppo on a Dict: every parameter");
    env_vec_free(&v);
    onp_net_free(&n);
}

static double dqn_obj(void *ag) { return offp_value_test_objective(ag, NULL); }

/* DQN's TD objective on TupleCue-v0 through the MLP and the image part's encoder */
Test(obs_parts, dqn_objective_gradient_through_the_encoder_of_parts)
{
    const char *sets[] = {"network.encoder=3 3x3/1, dense 6", "network.hidden=[10]", "network.activation=tanh",
                          "dqn.batch_size=8", "dqn.learning_starts=100"};
    rl_config cfg;
    rlt_load_config(&cfg, DQN_CUE, sets, 5);
    const agent_algo *a;
    void *ag = rlt_filled_agent(&cfg, &a, 200);
    offp_value_test_sample(ag);
    size_t n;
    float *theta = offp_value_test_params(ag, &n);
    float *g = malloc(n * sizeof(float));
    cr_assert(isfinite(offp_value_test_objective(ag, g)));
    size_t n_conv = 3 * 1 * 9 + 3;   /* the convolution's weight and bias, first */
    double conv_norm = 0.0;
    for (size_t i = 0; i < n_conv; i++) conv_norm += fabs(g[i]);
    cr_assert(conv_norm > 1e-6, "no gradient reaches the image part's convolution");
    rlt_gradcheck_opts o = {.n_check = 300, .h = 1e-4, .rtol = 3e-2, .atol = 3e-4};
    rlt_gradcheck(dqn_obj, ag, theta, g, (int)n, &o, "dqn on a Tuple: encoder and MLP");
    free(g);
    a->destroy(ag);
}

/* ---- agents and checkpoints ------------------------------------------------------------------ */

Test(obs_parts, agents_refuse_an_unencoded_image_part_naming_it)
{
    rlt_expect_config_error("algo: ppo\nenv: {id: DictCue-v0}\n", "network.encoder", "Dict whose part 'image'",
                            "6x6x1 uint8 images");
    rlt_expect_config_error("algo: dqn\nenv: {id: TupleCue-v0}\n", "network.encoder", "Tuple whose part '1'",
                            "6x6x1 bool");
    rlt_expect_config_error("algo: iqn\nenv: {id: DictCue-v0}\n", "network.encoder", "part 'image' is an image",
                            "algo iqn has no image encoder");
    rlt_expect_config_error("algo: ppo\nenv: {id: DictCue-v0}\nnetwork: {encoder: 'in 6x6x3, 4 3x3/1'}\n",
                            "network.encoder (part 'image')", "input of 6x6x3", "6x6x1");
    /* flatten feeds every value to the MLP; an encoder on vector parts only has nothing to encode */
    char err[1024];
    cr_assert_eq(rlt_config_and_agent("algo: iqn\nenv: {id: DictCue-v0}\nnetwork: {encoder: flatten}\n", err, sizeof err),
                 RL_OK, "%s", err);
}

/* every agent with an encoder trains on the tasks (a short run each, updates included, finite
 * results); the DQN family with dueling heads too */
Test(obs_parts, every_agent_with_an_encoder_runs_on_the_parts)
{
    static const char *const runs[][2] = {
        {"a2c", "env: {id: DictCue-v0}\na2c: {num_steps: 8}\n"},
        {"reinforce", "env: {id: TupleCue-v0}\nreinforce: {max_episode_steps: 10}\n"},
        {"qrdqn", "env: {id: TupleCue-v0}\ndqn: {learning_starts: 200, batch_size: 16, dueling: true}\n"},
        {"c51", "env: {id: DictCue-v0}\ndqn: {learning_starts: 200, batch_size: 16}\n"},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char yaml[512], cfg_path[512], dir[512], err[1024];
        snprintf(yaml, sizeof yaml, "algo: %s\ntotal_steps: 600\nseed: 3\n%snetwork: {hidden: [16], encoder: '4 3x3/1, dense 8'}\n"
                 "log: {eval_interval: 0, eval_episodes: 2, checkpoint_interval: 0}\n", runs[i][0], runs[i][1]);
        rlt_tmpfile(cfg_path, sizeof cfg_path, "parts_agent.yaml", yaml);
        rl_config cfg;
        rlt_load_config(&cfg, cfg_path, NULL, 0);
        rlt_tmp_dir(dir, sizeof dir, "parts_agent");
        trainer_opts o = {.run_dir = dir, .quiet = true};
        trainer_result res;
        cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s: %s", runs[i][0], err);
        cr_assert(isfinite(res.eval_mean), "%s", runs[i][0]);
        rlt_remove_tree(dir);
    }
}

/* checkpoints name the image part's tensors by key and hold the parts in their space */
Test(obs_parts, checkpoints_name_tensors_by_key)
{
    char dir[512], ck[700];
    rlt_tmp_dir(dir, sizeof dir, "parts_ck");
    const char *sets[] = {"total_steps=512", "log.eval_interval=0"};
    rlt_train(PPO_CUE, dir, sets, 2, false);
    snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", dir);
    cr_assert(rlt_safetensors_header_has(ck, "\"encoder.image.conv.0.weight\"") && rlt_safetensors_header_has(ck, "\"encoder.image.dense.bias\""));
    cr_assert(rlt_safetensors_header_has(ck, "\\\"structure\\\": \\\"dict\\\""), "the obs space's parts in the metadata");
    rlt_remove_tree(dir);
    rlt_tmp_dir(dir, sizeof dir, "parts_ck_dqn");
    rlt_train(DQN_CUE, dir, sets, 2, false);
    snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", dir);
    cr_assert(rlt_safetensors_header_has(ck, "\"q.encoder.1.conv.0.weight\"") && rlt_safetensors_header_has(ck, "\"q_target.encoder.1.dense.weight\""));
    rlt_remove_tree(dir);
}

/* ---- learning ---------------------------------------------------------------------------------- */

Test(obs_parts, ppo_and_dqn_learn_the_cue_tasks)
{
    RLT_LEARNING_TEST();
    trainer_result runs[3];
    const char *sets[] = {"log.eval_interval=0", "total_steps=12000"};
    rlt_train_seeds(PPO_CUE, sets, 2, 3, runs, "ppo_cue", NULL, 0);
    rlt_assert_learns("PPO on DictCue-v0 (one part alone: 5 of 10)", runs, 3, 2, 9.0);
    rlt_train_seeds(DQN_CUE, sets, 2, 3, runs, "dqn_cue", NULL, 0);
    rlt_assert_learns("DQN on TupleCue-v0 (one part alone: 5 of 10)", runs, 3, 2, 9.0);
}
