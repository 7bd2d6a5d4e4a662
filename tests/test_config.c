/* rlc tests: config loading, --set overrides, validation errors and the rlc program's exit
 * status on bad input. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "tests/helpers/testutil.h"

static rl_status load_text(rl_config *cfg, const char *yaml, const char *const *sets, int n,
                           char *err, size_t err_sz)
{
    return rl_config_load_string(cfg, yaml, "test.yaml", sets, n, err, err_sz);
}

#define EXPECT_ERR(st_expected, yaml, sets, n, ...)                                                \
    do {                                                                                           \
        rl_config cfg_;                                                                            \
        char err_[1024] = "";                                                                      \
        rl_status st_ = load_text(&cfg_, yaml, sets, n, err_, sizeof err_);                        \
        cr_assert_eq(st_, st_expected, "status %s, message: %s", rl_status_str(st_), err_);        \
        const char *needles_[] = {__VA_ARGS__};                                                    \
        for (size_t i_ = 0; i_ < sizeof needles_ / sizeof needles_[0]; i_++)                       \
            cr_assert(strstr(err_, needles_[i_]) != NULL, "message '%s' lacks '%s'", err_,         \
                      needles_[i_]);                                                               \
    } while (0)

Test(config, defaults_are_filled)
{
    rl_config cfg;
    rl_config_default(&cfg);
    cr_assert_str_eq(cfg.root.algo, "ppo");
    cr_assert_str_eq(cfg.env.id, "CartPole-v1");
    cr_assert_eq(cfg.network.hidden.n, 2);
    cr_assert_eq(cfg.network.hidden.v[0], 64);
    cr_assert_float_eq(RLT_F64(&cfg, "ppo.learning_rate"), 2.5e-4, 1e-12);
    cr_assert_str_eq(RLT_LOSS(&cfg, "losses.value")->name, "clipped");
    cr_assert(RLT_BOOL(&cfg, "ppo.anneal_lr"));
}

Test(config, parses_every_type)
{
    const char *yaml = "algo: ppo\nseed: 7\ntotal_steps: 1e5\n"
                       "env: {id: CartPole-v1, num_envs: 8}\n"
                       "network:\n  hidden: [32, 16, 8]\n  activation: relu\n"
                       "ppo:\n  learning_rate: 0.001\n  anneal_lr: false\n"
                       "losses:\n  value: {name: huber, delta: 2.5}\n  policy: ppo_clip\n";
    rl_config cfg;
    char err[512];
    cr_assert_eq(load_text(&cfg, yaml, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(cfg.root.seed, 7);
    cr_assert_eq(cfg.root.total_steps, 100000);
    cr_assert_eq(cfg.env.num_envs, 8);
    cr_assert_eq(cfg.network.hidden.n, 3);
    cr_assert_eq(cfg.network.hidden.v[2], 8);
    cr_assert_str_eq(cfg.network.activation, "relu");
    cr_assert_float_eq(RLT_F64(&cfg, "ppo.learning_rate"), 0.001, 1e-15);
    cr_assert(!RLT_BOOL(&cfg, "ppo.anneal_lr"));
    cr_assert_str_eq(RLT_LOSS(&cfg, "losses.value")->name, "huber");
    cr_assert_eq(RLT_LOSS(&cfg, "losses.value")->n_kv, 1);
    cr_assert_str_eq(RLT_LOSS(&cfg, "losses.value")->keys[0], "delta");
    cr_assert_float_eq(RLT_LOSS(&cfg, "losses.value")->vals[0], 2.5, 1e-12);
    cr_assert(strstr(RLT_LOSS(&cfg, "losses.value")->where, "test.yaml:12") != NULL, "%s", RLT_LOSS(&cfg, "losses.value")->where);
    cr_assert_str_eq(RLT_LOSS(&cfg, "losses.policy")->name, "ppo_clip");
}

Test(config, unknown_top_level_key_names_file_line_key)
{
    EXPECT_ERR(RL_ERR_CONFIG, "algo: ppo\nseeed: 3\n", NULL, 0, "test.yaml:2", "seeed");
}

Test(config, unknown_section_key_names_file_line_key)
{
    EXPECT_ERR(RL_ERR_CONFIG, "ppo:\n  gamma: 0.9\n  lerning_rate: 0.1\n", NULL, 0, "test.yaml:3",
               "ppo.lerning_rate", "learning_rate");
}

Test(config, wrong_type_names_key_and_expectation)
{
    EXPECT_ERR(RL_ERR_CONFIG, "env:\n  num_envs: four\n", NULL, 0, "test.yaml:2", "env.num_envs",
               "expected an integer", "four");
    EXPECT_ERR(RL_ERR_CONFIG, "ppo:\n  learning_rate: fast\n", NULL, 0, "ppo.learning_rate",
               "expected a number");
    EXPECT_ERR(RL_ERR_CONFIG, "ppo:\n  anneal_lr: maybe\n", NULL, 0, "ppo.anneal_lr",
               "expected true or false");
    EXPECT_ERR(RL_ERR_CONFIG, "ppo: 3\n", NULL, 0, "test.yaml:1", "ppo", "mapping");
    EXPECT_ERR(RL_ERR_CONFIG, "network:\n  hidden: [64, x]\n", NULL, 0, "network.hidden", "entry 2");
    EXPECT_ERR(RL_ERR_CONFIG, "env:\n  num_envs: 2.5\n", NULL, 0, "env.num_envs", "integer");
}

Test(config, out_of_range_names_range)
{
    EXPECT_ERR(RL_ERR_CONFIG, "ppo:\n  gamma: 1.5\n", NULL, 0, "test.yaml:2", "ppo.gamma",
               "out of range", "0..1");
    EXPECT_ERR(RL_ERR_CONFIG, "env:\n  num_envs: 0\n", NULL, 0, "env.num_envs", "out of range");
    EXPECT_ERR(RL_ERR_CONFIG, "network:\n  activation: sigmoid\n", NULL, 0, "network.activation",
               "tanh|relu");
}

Test(config, malformed_yaml_names_line)
{
    EXPECT_ERR(RL_ERR_PARSE, "env:\n  id: [CartPole\nppo:\n", NULL, 0, "test.yaml:", "YAML");
    EXPECT_ERR(RL_ERR_PARSE, "- a\n- b\n", NULL, 0, "top level must be a mapping");
    EXPECT_ERR(RL_ERR_PARSE, "seed: 1\nseed: 2\n", NULL, 0, "test.yaml:2", "duplicate key 'seed'");
}

Test(config, missing_file_names_path)
{
    rl_config cfg;
    char err[512];
    rl_status st = rl_config_load(&cfg, "/nonexistent/dir/x.yaml", NULL, 0, err, sizeof err);
    cr_assert_eq(st, RL_ERR_IO);
    cr_assert(strstr(err, "/nonexistent/dir/x.yaml") != NULL, "%s", err);
    st = rl_config_load(&cfg, "/tmp", NULL, 0, err, sizeof err);
    cr_assert_eq(st, RL_ERR_IO, "a directory is not a config: %s", err);
}

Test(config, set_overrides_with_validation)
{
    const char *sets[] = {"ppo.learning_rate=1e-3", "seed=42", "network.hidden=[128, 128]",
                          "losses.value=huber", "losses.value.delta=3"};
    rl_config cfg;
    char err[512];
    cr_assert_eq(load_text(&cfg, "ppo:\n  learning_rate: 0.1\n", sets, 5, err, sizeof err), RL_OK, "%s", err);
    cr_assert_float_eq(RLT_F64(&cfg, "ppo.learning_rate"), 1e-3, 1e-15);
    cr_assert_eq(cfg.root.seed, 42);
    cr_assert_eq(cfg.network.hidden.v[1], 128);
    cr_assert_str_eq(RLT_LOSS(&cfg, "losses.value")->name, "huber");
    cr_assert_float_eq(RLT_LOSS(&cfg, "losses.value")->vals[0], 3.0, 1e-12);

    const char *bad_type[] = {"ppo.gamma=high"};
    EXPECT_ERR(RL_ERR_CONFIG, "", bad_type, 1, "--set ppo.gamma=high", "expected a number");
    const char *bad_key[] = {"ppo.gama=0.9"};
    EXPECT_ERR(RL_ERR_CONFIG, "", bad_key, 1, "--set ppo.gama=0.9", "unknown key 'ppo.gama'");
    const char *bad_range[] = {"ppo.gamma=2"};
    EXPECT_ERR(RL_ERR_CONFIG, "", bad_range, 1, "--set ppo.gamma=2", "out of range");
    const char *no_eq[] = {"ppo.gamma"};
    EXPECT_ERR(RL_ERR_ARG, "", no_eq, 1, "section.key=value");
}

Test(config, dump_round_trips)
{
    const char *sets[] = {"ppo.learning_rate=0.000123", "losses.value={name: huber, delta: 0.7}",
                          "env.id=weird \"name\""};
    rl_config a, b;
    char err[512];
    cr_assert_eq(load_text(&a, "seed: 9\n", sets, 3, err, sizeof err), RL_OK, "%s", err);
    char *d1 = rl_config_dump_string(&a);
    cr_assert_eq(rl_config_load_string(&b, d1, "dump", NULL, 0, err, sizeof err), RL_OK, "%s\n%s", err, d1);
    char *d2 = rl_config_dump_string(&b);
    cr_assert_str_eq(d1, d2);
    cr_assert_eq(RLT_F64(&a, "ppo.learning_rate"), RLT_F64(&b, "ppo.learning_rate"));
    cr_assert_str_eq(b.env.id, "weird \"name\"");
    free(d1);
    free(d2);
}

/* ---- the program's exit status and messages on bad input -------------------------------- */

Test(config, program_exits_nonzero_naming_the_problem)
{
    char path[256], cmd[1024], out[4096];
    rlt_tmpfile(path, sizeof path, "badcfg", "algo: ppo\nppo:\n  clip_coef_typo: 0.2\n");
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir /tmp/rlc_test_never 2>&1", RLC_BINARY, path);
    int code = rlt_run_cmd(cmd, out, sizeof out);
    cr_assert_neq(code, 0, "exit 0 on a bad config: %s", out);
    cr_assert(strstr(out, path) && strstr(out, ":3") && strstr(out, "ppo.clip_coef_typo"), "%s", out);
    remove(path);

    snprintf(cmd, sizeof cmd, "%s train /nonexistent.yaml 2>&1", RLC_BINARY);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0);
    cr_assert(strstr(out, "/nonexistent.yaml") != NULL, "%s", out);

    snprintf(cmd, sizeof cmd, "%s train --bogus 2>&1", RLC_BINARY);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0);
    cr_assert(strstr(out, "--bogus") != NULL, "%s", out);

    /* a loss name is checked against the registry before training starts */
    rlt_tmpfile(path, sizeof path, "badloss", "total_steps: 1000\nlosses:\n  value: {name: hubr}\n");
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir /tmp/rlc_test_badloss_%d 2>&1", RLC_BINARY, path, (int)getpid());
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "losses.value") && strstr(out, "hubr") && strstr(out, ":3"), "%s", out);
    remove(path);

    rlt_tmpfile(path, sizeof path, "badparam", "total_steps: 1000\nlosses:\n  value: {name: huber, delta: -1}\n");
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir /tmp/rlc_test_badparam_%d 2>&1", RLC_BINARY, path, (int)getpid());
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "huber") && strstr(out, "delta"), "%s", out);
    remove(path);
}

/* A section for another algorithm would be ignored: it is an error naming the key and the algo,
 * from the file (with its line) and from --set. The dqn section serves qrdqn and c51 too. */
Test(config, section_of_another_algo_is_an_error)
{
    EXPECT_ERR(RL_ERR_CONFIG, "algo: ppo\nenv: {id: CartPole-v1}\ndqn:\n  batch_size: 64\n", NULL, 0,
               "test.yaml:4", "dqn.batch_size", "algo is 'ppo'", "algo dqn, qrdqn and c51");
    const char *sets[] = {"dqn.batch_size=64"};
    EXPECT_ERR(RL_ERR_CONFIG, "algo: ppo\n", sets, 1, "--set dqn.batch_size=64", "dqn.batch_size", "'ppo'");
    EXPECT_ERR(RL_ERR_CONFIG, "algo: sac\nppo: {}\n", NULL, 0, "test.yaml:2", "ppo", "algo is 'sac'");
    EXPECT_ERR(RL_ERR_CONFIG, "algo: a2c\nppo:\n  learning_rate: 0.001\n", NULL, 0, "ppo.learning_rate", "'a2c'");
    rl_config cfg;
    char err[1024] = "";
    cr_assert_eq(load_text(&cfg, "algo: qrdqn\ndqn:\n  n_quantiles: 8\n", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(load_text(&cfg, "algo: ppo\nppo:\n  num_steps: 64\n", NULL, 0, err, sizeof err), RL_OK, "%s", err);
}

/* rlc's own dump (a run directory's config.yaml) holds every section: it loads, but a --set of
 * another algorithm's key on it (rlc train --resume) is still refused */
Test(config, resolved_dump_loads_but_foreign_set_is_refused)
{
    rl_config cfg;
    char err[1024] = "";
    cr_assert_eq(load_text(&cfg, "algo: sac\nenv: {id: Pendulum-v1}\n", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    char *dump = rl_config_dump_string(&cfg);
    cr_assert(strstr(dump, "\nppo:\n") && strstr(dump, "\ndqn:\n"), "%s", dump);
    cr_assert_eq(load_text(&cfg, dump, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    const char *ok[] = {"sac.batch_size=64"}, *bad[] = {"dqn.batch_size=64"};
    cr_assert_eq(load_text(&cfg, dump, ok, 1, err, sizeof err), RL_OK, "%s", err);
    EXPECT_ERR(RL_ERR_CONFIG, dump, bad, 1, "--set dqn.batch_size=64", "dqn.batch_size", "algo is 'sac'");
    free(dump);
}

/* comment lines above the dump's header (rlc tune's best.yaml writes one, a user may add a note)
 * leave it a dump; a header after the first key does not make a user file a dump */
Test(config, resolved_dump_with_comments_above_its_header_loads)
{
    rl_config cfg;
    char err[1024] = "";
    cr_assert_eq(load_text(&cfg, "algo: ppo\n", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    char *dump = rl_config_dump_string(&cfg);
    size_t len = strlen(dump) + 200;
    char *text = malloc(len);
    snprintf(text, len, "# rlc tune search.yaml: the best of 4 trials\n\n  # a note\n%s", dump);
    cr_assert_eq(load_text(&cfg, text, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    snprintf(text, len, "algo: ppo\n%s", "# rlc resolved config\na2c:\n  learning_rate: 0.001\n");
    EXPECT_ERR(RL_ERR_CONFIG, text, NULL, 0, "a2c.learning_rate", "algo is 'ppo'");
    free(text);
    free(dump);
}

/* env.plugin in a config file is relative to the file's directory (made absolute); an absolute
 * path is kept; --set env.plugin=... stays relative to the working directory */
Test(config, plugin_path_resolves_against_the_config_file)
{
    char dir[256], sub[300], path[400], want[4200], real[4096];
    rlt_tmp_mkdir(dir, sizeof dir, "cfg_plugin");
    snprintf(sub, sizeof sub, "%s/configs", dir);
    cr_assert_eq(mkdir(sub, 0755), 0);
    snprintf(path, sizeof path, "%s/env.yaml", sub);
    FILE *fp = fopen(path, "w");
    cr_assert(fp);
    fprintf(fp, "algo: ppo\nenv:\n  id: PointReach-v0\n  plugin: ../plugins/point_reach.so\n");
    fclose(fp);
    cr_assert(realpath(sub, real));
    snprintf(want, sizeof want, "%s/../plugins/point_reach.so", real);
    rl_config cfg;
    char err[1024] = "";
    cr_assert_eq(rl_config_load(&cfg, path, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(cfg.env.plugin, want);
    const char *rel[] = {"env.plugin=build/p.so"}, *abs[] = {"env.plugin=/opt/p.so"};
    cr_assert_eq(rl_config_load(&cfg, path, rel, 1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(cfg.env.plugin, "build/p.so");
    cr_assert_eq(rl_config_load(&cfg, path, abs, 1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(cfg.env.plugin, "/opt/p.so");
    /* the resolved path survives the dump a run directory keeps */
    cr_assert_eq(rl_config_load(&cfg, path, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    char *dump = rl_config_dump_string(&cfg);
    rl_config again;
    cr_assert_eq(rl_config_load_string(&again, dump, "config.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(again.env.plugin, want);
    free(dump);
    remove(path);
    rmdir(sub);
    rmdir(dir);
}

/* Two algorithms whose sections of one YAML key both declare a key (`losses.critic`): the config
 * would read it into the first section alone, so registration refuses them (they share one
 * section instead, as SAC, TD3 and DDPG share algos/offpolicy.h's). */
#define DUP_FIELDS(X, S) X(S, rl_loss_cfg, critic, LOSS, 0, "mse", 0, 0, NULL, "a critic loss")
RL_CFG_SECTION_TYPE(dup_cfg, DUP_FIELDS);
static const rl_config_section dup_a = RL_CFG_SECTION_INIT("losses", dup_cfg, DUP_FIELDS);
static const rl_config_section dup_b = RL_CFG_SECTION_INIT("losses", dup_cfg, DUP_FIELDS);

Test(config, a_key_declared_by_two_algorithms_sections_aborts, .signal = SIGABRT)
{
    rl_config_algo a = {"algo_a", (const rl_config_section *const[]){&dup_a, NULL}, 0, NULL};
    rl_config_algo b = {"algo_b", (const rl_config_section *const[]){&dup_b, NULL}, 0, NULL};
    const rl_config_algo *both[] = {&a, &b};
    rl_config_register_algos(both, 2);
}

Test(config, algorithms_sharing_one_section_register)
{
    rl_config_algo a = {"algo_a", (const rl_config_section *const[]){&dup_a, NULL}, 0, NULL};
    rl_config_algo b = {"algo_b", (const rl_config_section *const[]){&dup_a, NULL}, 0, NULL};
    const rl_config_algo *both[] = {&a, &b};
    rl_config_register_algos(both, 2);
    cr_assert_not_null(rl_config_find_algo("algo_b"));
}

/* An add-on's section comes from outside core (rl_config_register_addons): loaded, defaulted,
 * range-checked and dumped as core's are (after normalize:, before log:), for any algorithm, with
 * the add-on's own check run once everything is read. */
#define BONUS_FIELDS(X, S) X(S, double, scale, F64, 0.5, NULL, 0, 1, NULL, "a bonus scale")
RL_CFG_SECTION_TYPE(bonus_cfg, BONUS_FIELDS);
static const rl_config_section bonus_section = RL_CFG_SECTION_INIT("bonus", bonus_cfg, BONUS_FIELDS);

static rl_status bonus_check(const rl_config *cfg, char *err, size_t err_sz)
{
    const bonus_cfg *b = rl_config_section_of(cfg, &bonus_section);
    return b->scale > 0.9 ? rl_errf(err, err_sz, RL_ERR_CONFIG, "%s: bonus.scale: the check refuses it", cfg->source)
                          : RL_OK;
}

Test(config, an_addon_section_registers_from_outside_core)
{
    static const rl_config_addon bonus = {&bonus_section, bonus_check};
    const rl_config_addon *addons[] = {&bonus};
    rl_config_register_addons(addons, 1);
    rl_config cfg;
    char err[1024] = "";
    cr_assert_eq(load_text(&cfg, "algo: ppo\n", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_float_eq(((const bonus_cfg *)rl_config_section_of(&cfg, &bonus_section))->scale, 0.5, 0);
    cr_assert_eq(load_text(&cfg, "algo: sac\nbonus: {scale: 0.25}\n", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_float_eq(*(const double *)rl_config_get(&cfg, "bonus.scale"), 0.25, 0);
    char *dump = rl_config_dump_string(&cfg);
    char *norm = strstr(dump, "\nnormalize:\n"), *bon = strstr(dump, "\nbonus:\n"), *log = strstr(dump, "\nlog:\n");
    cr_assert(norm && bon && log && norm < bon && bon < log, "%s", dump);
    free(dump);
    EXPECT_ERR(RL_ERR_CONFIG, "algo: ppo\nbonus: {scale: 2}\n", NULL, 0, "test.yaml:2", "bonus.scale");
    EXPECT_ERR(RL_ERR_CONFIG, "algo: dqn\nbonus: {scale: 0.95}\n", NULL, 0, "test.yaml", "the check refuses it");
    /* the sections it replaced are no longer known */
    EXPECT_ERR(RL_ERR_CONFIG, "algo: ppo\nexploration: {name: rnd}\n", NULL, 0, "unknown key 'exploration'");
}

/* A top-level list comes from outside core (rl_config_register_list): core parses, defaults,
 * range-checks, dumps and lists its entries by the add-on's description alone, names them in
 * its messages and admits it for the algorithms with the add-on's flag. */
typedef struct {
    char kind[16];
    rl_loss_cfg loss;
    double w;
    int64_t steps;
} probe_item;
typedef struct {
    int n;
    char where[RL_STR_MAX];
    probe_item items[2];
} probe_list;

Test(config, a_list_registers_from_outside_core)
{
    static const rl_config_list_key keys[] = {
        {{"w", RL_CFG_F64, offsetof(probe_item, w), 0.5, NULL, 0, 1, NULL, "a weight"}, NULL},
        {{"steps", RL_CFG_I64, offsetof(probe_item, steps), 3, NULL, 1, 9, NULL, "beta: steps"}, "beta"},
    };
    static const rl_config_list probes = {
        .key = "probes", .kind_key = "item", .kinds = "alpha|beta", .example = "{item: alpha, loss: mse}",
        .title = "a list of probes", .what = "probes", .algo_flag = RL_CFG_NETWORK_SHARED, .max = 2,
        .size = sizeof(probe_list), .n_off = offsetof(probe_list, n), .where_off = offsetof(probe_list, where),
        .entries_off = offsetof(probe_list, items), .entry_size = sizeof(probe_item),
        .kind_off = offsetof(probe_item, kind), .kind_size = sizeof(((probe_item *)0)->kind),
        .loss_off = offsetof(probe_item, loss), .keys = keys, .n_keys = 2};
    rl_config_register_list(&probes);
    rl_config cfg;
    char err[1024] = "";
    /* network.shared: ppo's own check reads its heads from the list (as aux's) */
    const char *yaml = "algo: ppo\nnetwork: {shared: true}\nprobes:\n"
                       "  - {item: beta, loss: huber, steps: 4, delta: 2}\n  - {item: alpha, loss: mse}\n";
    cr_assert_eq(load_text(&cfg, yaml, NULL, 0, err, sizeof err), RL_OK, "%s", err);
    const probe_list *p = rl_config_list_of(&cfg);
    cr_assert_eq(p->n, 2);
    cr_assert_str_eq(p->items[0].kind, "beta");
    cr_assert_eq(p->items[0].steps, 4);
    cr_assert_float_eq(p->items[1].w, 0.5, 0);
    cr_assert_str_eq(p->items[0].loss.keys[0], "delta");
    char *dump = rl_config_dump_string(&cfg);
    cr_assert(strstr(dump, "\nprobes:\n  - {item: \"beta\", loss: {name: \"huber\", delta: 2.0}, w: 0.5, steps: 4}\n"
                           "  - {item: \"alpha\", loss: {name: \"mse\"}, w: 0.5}\n"), "%s", dump);
    free(dump);
    EXPECT_ERR(RL_ERR_CONFIG, "algo: ppo\nprobes: [{item: alpha, loss: mse, steps: 2}]\n", NULL, 0,
               "test.yaml:2:", "probes[0] item 'alpha' (loss 'mse'): 'steps' applies to beta only");
    EXPECT_ERR(RL_ERR_CONFIG, "algo: ppo\nprobes: [{item: gamma, loss: mse}]\n", NULL, 0,
               "probes[0]: unknown item 'gamma' (with loss 'mse'); items: alpha|beta");
    EXPECT_ERR(RL_ERR_CONFIG, "algo: ppo\nprobes: 3\n", NULL, 0,
               "probes: expected a list of items like [{item: alpha, loss: mse}], got '3'");
    EXPECT_ERR(RL_ERR_CONFIG, "algo: dqn\nprobes: [{item: alpha, loss: mse}]\n", NULL, 0,
               "probes: probes are implemented for algo ppo and a2c (algo is 'dqn')");
    /* the list it replaced is no longer known */
    EXPECT_ERR(RL_ERR_CONFIG, "algo: ppo\naux: []\n", NULL, 0, "unknown key 'aux'", ", probes)");
    char buf[1024];
    FILE *mem = fmemopen(buf, sizeof buf, "w");
    cr_assert_eq(rl_config_print_section(mem, "probes", err, sizeof err), RL_OK, "%s", err);
    fclose(mem);
    cr_assert(strstr(buf, "probes (a list of probes, e.g. - {item: alpha, loss: mse})\n"), "%s", buf);
    cr_assert(strstr(buf, "  steps "), "%s", buf);
}
