/* rlc tests: losses from a plugin (docs/losses.md, "Losses from a plugin"). The example plugin
 * examples/plugin_loss/log_cosh_scaled.c: its gradient by finite differences, PPO and A2C
 * training a few updates with it as the value loss (`losses.value: {name: ..., plugin: ...}`,
 * the path relative to the config file, recorded absolute in the run's config.yaml), a run
 * directory that never loads it by itself (eval and resume need --plugin), `rlc losses
 * --plugin`, and the errors: a missing file, a shared object without rlc_plugin_init, a name
 * taken, a slot of another kind, and every check loss_register makes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addons/aux.h"
#include "envs/env.h"
#include "losses/loss.h"
#include "tests/helpers/testutil.h"

#define PLUGIN RLC_PLUGIN_LOG_COSH_SCALED

/* ---- the kernel ------------------------------------------------------------------------------ */

typedef struct {
    const loss_spec *s;
    const float *v, *ret, *w;
    int n;
} value_ctx;

static double value_of(void *ctx)
{
    const value_ctx *c = ctx;
    return loss_value_eval(c->s, c->v, NULL, c->ret, c->w, c->n, NULL);
}

static loss_spec plugin_spec(double scale)
{
    char err[1024] = "";
    cr_assert_eq(env_load_plugin(PLUGIN, err, sizeof err), RL_OK, "%s", err);
    loss_spec s;
    const char *keys[] = {"scale"};
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS_VALUE, "log_cosh_scaled", keys, &scale, 1, "test", err, sizeof err),
                 RL_OK, "%s", err);
    return s;
}

Test(loss_plugin, gradient_matches_finite_differences)
{
    loss_spec s = plugin_spec(0.7);
    cr_assert(!loss_is_builtin(s.desc));
    enum { N = 24 };
    float v[N], ret[N], w[N], dv[N];
    for (int i = 0; i < N; i++) {   /* residuals from -6 to 6 scales, both sides of the switch */
        ret[i] = 0.25f * (float)(i % 5) - 0.5f;
        v[i] = ret[i] + (float)(i - N / 2) * 0.35f + 0.01f;
        w[i] = 0.5f + 0.05f * (float)i;
    }
    value_ctx c = {&s, v, ret, w, N};
    loss_value_eval(&s, v, NULL, ret, w, N, dv);
    rlt_gradcheck_opts o = {.h = 1e-3, .rtol = 1e-2, .atol = 1e-4, .n_check = N};
    rlt_gradcheck(value_of, &c, v, dv, N, &o, "log_cosh_scaled dv");
    /* the value: s^2 log cosh(d / s) at one residual, and no overflow far out */
    float one_v = 1.5f, one_r = 0.0f, far_v = 1e4f;
    double want = 0.49 * log(cosh(1.5 / 0.7));
    cr_assert(fabs(loss_value_eval(&s, &one_v, NULL, &one_r, NULL, 1, NULL) - want) < 1e-5 * want);
    float far = loss_value_eval(&s, &far_v, NULL, &one_r, NULL, 1, dv);
    cr_assert(isfinite(far) && fabs(far - (0.7 * 1e4 - 0.49 * log(2.0))) < 1.0, "%g", far);
    cr_assert_float_eq(dv[0], 0.7f, 1e-6f);
}

/* ---- training with it, and what a run directory keeps ------------------------------------------ */

/* a fresh directory with lcs.so (a link to the plugin) and a tiny config of algo that names it
 * relative to the file; the config's path in cfg */
static void write_config(char *dir, size_t dir_sz, char *cfg, size_t cfg_sz, const char *algo, const char *losses)
{
    char cmd[1024], out[256];
    rlt_tmp_dir(dir, dir_sz, "lossplug");
    snprintf(cmd, sizeof cmd, "mkdir -p %s && ln -s %s %s/lcs.so", dir, PLUGIN, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0);
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "algo: %s\ntotal_steps: 512\nenv: {id: CartPole-v1, num_envs: 2}\n%s: {num_steps: %d}\n"
             "losses:\n%s\nlog: {log_interval: 128, eval_interval: 0, eval_episodes: 2, checkpoint_interval: 0}\n",
             algo, algo, strcmp(algo, "ppo") == 0 ? 64 : 8, losses);
    snprintf(cfg, cfg_sz, "%s/run.yaml", dir);
    FILE *f = fopen(cfg, "w");
    cr_assert(f && fputs(yaml, f) >= 0 && fclose(f) == 0);
}

/* rlc ARGS 2>&1 into out; the exit status */
static int rlc(char *out, size_t out_sz, const char *fmt, const char *a, const char *b)
{
    char args[2048], cmd[2300];
    snprintf(args, sizeof args, fmt, a, b);
    snprintf(cmd, sizeof cmd, "cd / && %s %s 2>&1", RLC_BINARY, args);
    return rlt_run_cmd(cmd, out, out_sz);
}

static void remove_dir(const char *dir)
{
    char cmd[600], out[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    rlt_run_cmd(cmd, out, sizeof out);
}

/* trains algo with the plugin's loss as its value loss; the run's config.yaml names the plugin by
 * its absolute path; returns the run directory in run (under dir) */
static void train_with_plugin(const char *algo, char *dir, size_t dir_sz, char *run, size_t run_sz)
{
    char cfg[600], out[8192], path[700];
    write_config(dir, dir_sz, cfg, sizeof cfg, algo, "  value: {name: log_cosh_scaled, plugin: lcs.so, scale: 2}");
    snprintf(run, run_sz, "%s/run", dir);
    cr_assert_eq(rlc(out, sizeof out, "train %s --run-dir %s --quiet", cfg, run), 0, "%s", out);
    cr_assert(strstr(out, "trained 512 steps"), "%s", out);
    snprintf(path, sizeof path, "%s/config.yaml", run);
    char *conf = rlt_read_file(path), want[800];
    snprintf(want, sizeof want, "value: {name: \"log_cosh_scaled\", plugin: \"%s/lcs.so\", scale: 2.0}", dir);
    cr_assert(strstr(conf, want), "no '%s' in\n%s", want, conf);
    free(conf);
    snprintf(path, sizeof path, "%s/metrics.csv", run);
    char *csv = rlt_read_file(path);
    cr_assert(strchr(csv, '\n') && strchr(strchr(csv, '\n') + 1, '\n'), "no update logged:\n%s", csv);
    /* the value_loss column of every row: finite and positive */
    int col = 0, rows = 0;
    for (const char *c = csv; c < strstr(csv, "value_loss"); c++) col += *c == ',';
    for (const char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1, rows++) {
        const char *f = line;
        for (int k = 0; k < col; k++) f = strchr(f, ',') + 1;
        double v = strtod(f, NULL);
        cr_assert(isfinite(v) && v > 0, "value_loss %g in row %d of\n%s", v, rows, csv);
    }
    cr_assert_geq(rows, 2, "%s", csv);
    free(csv);
}

Test(loss_plugin, ppo_and_a2c_train_with_it_as_the_value_loss)
{
    const char *algos[] = {"ppo", "a2c"};
    for (int i = 0; i < 2; i++) {
        char dir[256], run[300];
        train_with_plugin(algos[i], dir, sizeof dir, run, sizeof run);
        remove_dir(dir);
    }
}

/* eval and resume read the run's config, which names the plugin: they never load it by
 * themselves, and say to pass --plugin; with it, both work */
Test(loss_plugin, run_directory_never_loads_its_plugin)
{
    char dir[256], run[300], out[8192], plugin[320];
    train_with_plugin("ppo", dir, sizeof dir, run, sizeof run);
    snprintf(plugin, sizeof plugin, "%s/lcs.so", dir);
    cr_assert_neq(rlc(out, sizeof out, "eval %s --episodes 1%s", run, ""), 0, "%s", out);
    cr_assert(strstr(out, "log_cosh_scaled") && strstr(out, plugin) && strstr(out, "--plugin") &&
                  strstr(out, "losses.value"), "%s", out);
    cr_assert_neq(rlc(out, sizeof out, "train --resume %s --set total_steps=1024 --quiet%s", run, ""), 0, "%s", out);
    cr_assert(strstr(out, "log_cosh_scaled") && strstr(out, plugin) && strstr(out, "--plugin"), "%s", out);
    cr_assert_eq(rlc(out, sizeof out, "eval %s --episodes 1 --plugin %s", run, PLUGIN), 0, "%s", out);
    cr_assert_eq(rlc(out, sizeof out, "train --resume %s --set total_steps=1024 --quiet --plugin %s", run, PLUGIN), 0,
                 "%s", out);
    remove_dir(dir);
}

Test(loss_plugin, rlc_losses_lists_its_losses)
{
    static char out[65536];
    char count[32];
    int n;
    loss_registry(&n);
    snprintf(count, sizeof count, "%d losses", n + 1);
    cr_assert_eq(rlc(out, sizeof out, "losses --plugin %s%s", PLUGIN, ""), 0, "%s", out);
    cr_assert(strstr(out, count) && strstr(out, "\nlog_cosh_scaled          regression") &&
                  strstr(out, "\n" PLUGIN " registers: log_cosh_scaled\n"), "%s", out);
    cr_assert_eq(rlc(out, sizeof out, "losses log_cosh_scaled --plugin %s%s", PLUGIN, ""), 0, "%s", out);
    cr_assert(strstr(out, "a regression loss") && strstr(out, "from the plugin") && strstr(out, "losses.value") &&
                  strstr(out, "scale"), "%s", out);
    cr_assert_neq(rlc(out, sizeof out, "losses log_cosh_scaled%s%s", "", ""), 0, "%s", out);
}

/* an ablation over a base config with a loss plugin: a run interrupted before DONE resumes with
 * the base config's plugins on its worker's command line (`rlc train --resume` loads none by itself) */
Test(loss_plugin, ablation_resumes_a_run_with_its_loss_plugin)
{
    char dir[256], cfg[600], abl[700], cmd[2000], out[16384];
    write_config(dir, sizeof dir, cfg, sizeof cfg, "ppo", "  value: {name: log_cosh_scaled, plugin: lcs.so, scale: 2}");
    snprintf(abl, sizeof abl, "%s/abl.yaml", dir);
    FILE *f = fopen(abl, "w");
    cr_assert(f && fprintf(f, "name: a\nbase: run.yaml\nseeds: [1]\naxes:\n  ppo.learning_rate: [0.001]\n") > 0 &&
              fclose(f) == 0);
    snprintf(cmd, sizeof cmd, "cd / && %s ablate %s --jobs 1 --runs-dir %s/runs 2>&1", RLC_BINARY, abl, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "1 finished now, 0 already done, 0 failed"), "%s", out);
    char rm[1000];
    snprintf(rm, sizeof rm, "rm %s/runs/a/learning_rate=0.001/seed_1/DONE", dir);
    cr_assert_eq(rlt_run_cmd(rm, out, sizeof out), 0, "%s", out);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "1 finished now, 0 already done, 0 failed"), "%s", out);
    remove_dir(dir);
}

/* ---- the config key ---------------------------------------------------------------------------- */

/* `plugin:` in a loss mapping: relative to the config file (aux heads' losses too), kept relative
 * from --set, written into the dump and read back the same; a non-string refused naming the key */
Test(loss_plugin, config_key_resolves_dumps_and_reloads)
{
    char path[256], err[1024];
    rlt_tmpfile(path, sizeof path, "lossplug_cfg",
                "algo: ppo\nnetwork: {shared: true}\nlosses:\n  value: {name: log_cosh_scaled, plugin: sub/lcs.so, scale: 2}\n"
                "aux:\n  - {head: reward_prediction, loss: {name: log_cosh_scaled, plugin: lcs.so}}\n");
    rl_config *cfg = calloc(2, sizeof *cfg);
    const char *sets[] = {"losses.entropy=entropy", "losses.entropy.plugin=rel.so"};
    cr_assert_eq(rl_config_load(cfg, path, sets, 2, err, sizeof err), RL_OK, "%s", err);
    /* relative to the config file's directory */
    char dir[256], want_sub[300], want[300], want_dump[400];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    snprintf(want_sub, sizeof want_sub, "%s/sub/lcs.so", dir);
    snprintf(want, sizeof want, "%s/lcs.so", dir);
    snprintf(want_dump, sizeof want_dump, "value: {name: \"log_cosh_scaled\", plugin: \"%s\", scale: 2.0}", want_sub);
    cr_assert_str_eq(RLT_LOSS(cfg, "losses.value")->plugin, want_sub);
    cr_assert_str_eq(aux_cfg_of(cfg)->heads[0].loss.plugin, want);
    cr_assert_str_eq(RLT_LOSS(cfg, "losses.entropy")->plugin, "rel.so");
    cr_assert_str_eq(RLT_LOSS(cfg, "losses.entropy")->name, "entropy");
    const rl_loss_cfg *all[64];
    int n = rl_config_losses(cfg, all, 64), with_plugin = 0;
    for (int i = 0; i < n && i < 64; i++) with_plugin += all[i]->plugin[0] != 0;
    cr_assert_eq(with_plugin, 3);
    char *dump = rl_config_dump_string(cfg);
    cr_assert(strstr(dump, want_dump), "%s", dump);
    cr_assert_eq(rl_config_load_string(cfg + 1, dump, "dump", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    char *again = rl_config_dump_string(cfg + 1);
    cr_assert_str_eq(again, dump);
    free(again);
    free(dump);
    unlink(path);
    rlt_tmpfile(path, sizeof path, "lossplug_cfg", "algo: ppo\nlosses:\n  value: {name: huber, plugin: [a.so]}\n");
    cr_assert_neq(rl_config_load(cfg, path, NULL, 0, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "losses.value") && strstr(err, "plugin") && strstr(err, ":3:"), "%s", err);
    unlink(path);
    free(cfg);
}

/* ---- errors ---------------------------------------------------------------------------------- */

/* rlc train on a config with losses `losses` fails naming each of n1, n2, n3 */
static void expect_train_error(const char *losses, const char *n1, const char *n2, const char *n3)
{
    char dir[256], cfg[600], out[8192];
    write_config(dir, sizeof dir, cfg, sizeof cfg, "ppo", losses);
    int rc = rlc(out, sizeof out, "train %s --run-dir %s/run --quiet", cfg, dir);
    cr_assert_neq(rc, 0, "%s", out);
    cr_assert(strstr(out, n1) && strstr(out, n2) && (!n3 || strstr(out, n3)), "want '%s', '%s', '%s' in:\n%s", n1, n2,
              n3 ? n3 : "", out);
    remove_dir(dir);
}

Test(loss_plugin, missing_file_or_symbol_names_the_path)
{
    expect_train_error("  value: {name: log_cosh_scaled, plugin: /nonexistent/lcs.so}", "/nonexistent/lcs.so",
                       "losses.value", "cannot load plugin");
    char losses[512];
    snprintf(losses, sizeof losses, "  value: {name: log_cosh_scaled, plugin: %s}", RLC_NOT_A_PLUGIN);
    expect_train_error(losses, RLC_NOT_A_PLUGIN, "no symbol rlc_plugin_init", "losses.value");
    /* a plugin that loads but registers no such loss */
    snprintf(losses, sizeof losses, "  value: {name: log_cosh, plugin: lcs.so}\n  entropy: {name: nope, plugin: lcs.so}");
    expect_train_error(losses, "registers no loss 'nope'", "losses.entropy", "lcs.so");
}

Test(loss_plugin, slot_of_another_kind_refuses_it)
{
    expect_train_error("  policy: {name: log_cosh_scaled, plugin: lcs.so}", "log_cosh_scaled", "losses.policy",
                       "regression");
}

/* the same plugin loaded again registers its name again: refused, the message naming the plugin */
Test(loss_plugin, duplicate_name_refused)
{
    char err[1024] = "";
    cr_assert_eq(env_load_plugin(PLUGIN, err, sizeof err), RL_OK, "%s", err);
    cr_assert_neq(env_load_plugin(PLUGIN, err, sizeof err), RL_OK);
    cr_assert(strstr(err, PLUGIN) && strstr(err, "'log_cosh_scaled' is already registered") &&
                  strstr(err, "by a plugin"), "%s", err);
    loss_desc d = *loss_find("log_cosh_scaled");
    d.name = "mse";
    cr_assert_eq(loss_register(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "'mse'") && strstr(err, "built-in"), "%s", err);
}

static float reg_fn(const float *a, const float *b, const float *w, int n, const float *p, float *d)
{
    (void)a, (void)b, (void)w, (void)n, (void)p, (void)d;
    return 0.0f;
}
static float pr_fn(const float *a, const float *b, const float *c, const float *w, int n, const float *p,
                   float *d)
{
    (void)a, (void)b, (void)c, (void)w, (void)n, (void)p, (void)d;
    return 0.0f;
}
static float clip_fn(const float *p) { return p[0]; }
static int never_ok(const float *p, char *why, size_t sz)
{
    (void)p;
    snprintf(why, sz, "never");
    return -1;
}

/* each malformed descriptor is refused with a message naming the loss and what is wrong */
Test(loss_plugin, register_checks_the_descriptor)
{
    const loss_desc good = {.name = "plugin_ok", .kind = LOSS_KIND_REGRESSION, .formula = "0", .n_params = 1,
                            .params = {{"a", 1.0f, 0.0f, 2.0f, 0, 0, "a"}}, .regression = reg_fn};
    struct {
        loss_desc d;
        const char *want;
    } bad[] = {
        {good, "no formula"},
        {good, "needs its function"},
        {good, "kind 'kernel'"},
        {good, "kind 99"},
        {good, "also sets the function of kind policy_ratio"},
        {good, "the default 3 is out of its range"},
        {good, "empty range"},
        {good, "declared twice"},
        {good, "clip and adapt are for policy_ratio"},
        {good, "letters, digits"},
        {good, "defaults fail its own check: never"},
        {good, "0 to 6 allowed"},
    };
    bad[0].d.formula = "";
    bad[1].d.regression = NULL;
    bad[2].d.kind = LOSS_KIND_KERNEL;
    bad[3].d.kind = (loss_kind)99;
    bad[4].d.policy_ratio = pr_fn;
    bad[5].d.params[0].def = 3.0f;
    bad[6].d.params[0].lo = 5.0f;
    bad[7].d.n_params = 2;
    bad[7].d.params[1] = good.params[0];
    bad[8].d.clip = clip_fn;
    bad[9].d.name = "has space";
    bad[10].d.check = never_ok;
    bad[11].d.n_params = 7;
    char err[512];
    for (int i = 0; i < RL_ARRAY_LEN(bad); i++) {
        cr_assert_eq(loss_register(&bad[i].d, err, sizeof err), RL_ERR_ARG, "case %d registered", i);
        cr_assert(strstr(err, bad[i].want) && strstr(err, bad[i].d.name), "case %d: want '%s' in: %s", i,
                  bad[i].want, err);
    }
    cr_assert_null(loss_find("plugin_ok"));
    cr_assert_eq(loss_register(NULL, err, sizeof err), RL_ERR_ARG);
    cr_assert_eq(loss_register(&good, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(loss_find("plugin_ok"), &good);
}
