/* rlc tests: the whole loss registry: every entry is complete, every default is valid, every
 * parameter outside its range is rejected with a message naming the loss and the parameter, the
 * cross-parameter checks (v_min < v_max, integer counts) work, and the dispatch of every kind
 * matches the kernels. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "losses/loss.h"
#include "tests/helpers/testutil.h"

#define ALL_KINDS ((1u << LOSS_KIND_COUNT) - 1u)

Test(registry_all, entries_complete_and_defaults_valid)
{
    int n = 0;
    const loss_desc *const *t = loss_registry(&n);
    cr_assert(n >= 75, "only %d losses registered", n);
    for (int i = 0; i < n; i++) {
        const loss_desc *d = t[i];
        cr_assert(d->name && d->name[0] && d->formula && d->formula[0]);
        /* the RL targets (td0, nstep, td_lambda) are computed in replay/returns.c */
        cr_assert(d->kernel && (strncmp(d->kernel, "loss_", 5) == 0 ||
                                (d->kind == LOSS_KIND_KERNEL && strncmp(d->kernel, "replay_", 7) == 0)),
                  "%s: no kernel name", d->name);
        cr_assert_eq(loss_find(d->name), d);
        cr_assert(d->n_params >= 0 && d->n_params <= LOSS_MAX_PARAMS);
        cr_assert_str_neq(loss_kind_name(d->kind), "unknown", "%s: bad kind", d->name);
        /* exactly the function of its kind */
        int fns = !!d->regression + !!d->value_clipped + !!d->policy_ratio + !!d->entropy +
                  !!d->binary + !!d->categorical + !!d->gan_d + !!d->gan_g + !!d->preference;
        cr_assert_eq(fns, d->kind == LOSS_KIND_KERNEL ? 0 : 1, "%s: %d functions", d->name, fns);
        switch (d->kind) {
        case LOSS_KIND_REGRESSION: cr_assert(d->regression); break;
        case LOSS_KIND_VALUE_CLIPPED: cr_assert(d->value_clipped); break;
        case LOSS_KIND_POLICY_RATIO: cr_assert(d->policy_ratio); break;
        case LOSS_KIND_ENTROPY: cr_assert(d->entropy); break;
        case LOSS_KIND_BINARY: cr_assert(d->binary); break;
        case LOSS_KIND_CATEGORICAL: cr_assert(d->categorical); break;
        case LOSS_KIND_GAN_D: cr_assert(d->gan_d); break;
        case LOSS_KIND_GAN_G: cr_assert(d->gan_g); break;
        case LOSS_KIND_PREFERENCE: cr_assert(d->preference); break;
        default: break;
        }
        for (int j = 0; j < d->n_params; j++) {
            cr_assert(d->params[j].name && d->params[j].doc, "%s: param %d undocumented", d->name, j);
            for (int k = 0; k < j; k++) cr_assert_str_neq(d->params[j].name, d->params[k].name);
        }
        loss_spec s;
        char err[512] = "";
        cr_assert_eq(loss_spec_make(&s, ALL_KINDS, d->name, NULL, NULL, 0, "t", err, sizeof err),
                     RL_OK, "%s: defaults rejected: %s", d->name, err);
        cr_assert_eq(s.desc, d);
        for (int j = 0; j < d->n_params; j++) {
            cr_assert_eq(s.p[j], d->params[j].def);
            cr_assert_eq(loss_spec_param(&s, d->params[j].name), d->params[j].def);
        }
    }
}

/* every parameter, pushed just outside each finite bound, is rejected by name */
Test(registry_all, every_out_of_range_parameter_rejected)
{
    int n = 0, checked = 0;
    const loss_desc *const *t = loss_registry(&n);
    for (int i = 0; i < n; i++) {
        const loss_desc *d = t[i];
        for (int j = 0; j < d->n_params; j++) {
            const loss_param_desc *p = &d->params[j];
            double bad[4];
            int nb = 0;
            if (isfinite(p->lo)) bad[nb++] = p->lo_open ? p->lo : p->lo - 0.5;
            if (isfinite(p->hi)) bad[nb++] = p->hi_open ? p->hi : p->hi + 0.5;
            bad[nb++] = NAN;
            bad[nb++] = INFINITY;
            for (int b = 0; b < nb; b++) {
                loss_spec s;
                char err[512] = "";
                const char *keys[] = {p->name};
                double vals[] = {bad[b]};
                rl_status st = loss_spec_make(&s, ALL_KINDS, d->name, keys, vals, 1,
                                              "cfg.yaml:7: losses.x", err, sizeof err);
                cr_assert_neq(st, RL_OK, "%s.%s = %g accepted", d->name, p->name, bad[b]);
                cr_assert(strstr(err, "cfg.yaml:7: losses.x") && strstr(err, d->name) &&
                              strstr(err, p->name),
                          "message must name where, loss and parameter: %s", err);
                checked++;
            }
        }
    }
    cr_assert(checked > 100, "only %d checks", checked);
}

static void expect_bad(const char *loss, const char *k1, double v1, const char *k2, double v2,
                       const char *must)
{
    loss_spec s;
    char err[512] = "";
    const char *keys[] = {k1, k2};
    double vals[] = {v1, v2};
    rl_status st = loss_spec_make(&s, ALL_KINDS, loss, keys, vals, k2 ? 2 : 1, "here", err,
                                  sizeof err);
    cr_assert_neq(st, RL_OK, "%s %s=%g accepted", loss, k1, v1);
    cr_assert(strstr(err, loss) && strstr(err, must), "%s: '%s' missing in: %s", loss, must, err);
}

static void expect_ok(const char *loss, const char *k1, double v1, const char *k2, double v2)
{
    loss_spec s;
    char err[512] = "";
    const char *keys[] = {k1, k2};
    double vals[] = {v1, v2};
    cr_assert_eq(loss_spec_make(&s, ALL_KINDS, loss, keys, vals, k2 ? 2 : 1, "here", err,
                                sizeof err), RL_OK, "%s: %s", loss, err);
}

Test(registry_all, documented_failure_modes)
{
    expect_bad("huber", "delta", -1.0, NULL, 0, "delta");
    expect_bad("triplet", "margin", -0.1, NULL, 0, "margin");
    expect_bad("contrastive_pair", "margin", -1.0, NULL, 0, "margin");
    expect_bad("quantile", "tau", 0.0, NULL, 0, "tau");
    expect_bad("quantile", "tau", 1.0, NULL, 0, "tau");
    expect_bad("info_nce", "temperature", 0.0, NULL, 0, "temperature");
    expect_bad("nt_xent", "temperature", -1.0, NULL, 0, "temperature");
    expect_bad("distill", "temperature", 0.0, NULL, 0, "temperature");
    expect_bad("focal", "gamma", -0.5, NULL, 0, "gamma");
    expect_bad("focal_binary", "alpha", 1.5, NULL, 0, "alpha");
    expect_bad("c51", "v_min", 5.0, "v_max", 5.0, "v_min");
    expect_bad("c51", "v_min", 10.0, "v_max", -10.0, "v_max");
    expect_bad("c51", "atoms", 50.5, NULL, 0, "atoms");
    expect_bad("c51", "atoms", 1.0, NULL, 0, "atoms");
    expect_bad("multi_margin", "p", 1.5, NULL, 0, "'p'");
    expect_bad("nstep", "n", 2.5, NULL, 0, "'n'");
    expect_bad("nstep", "n", 0.0, NULL, 0, "'n'");
    expect_bad("info_nce", "symmetric", 0.5, NULL, 0, "symmetric");
    expect_bad("td_lambda", "gamma", 1.5, NULL, 0, "gamma");
    expect_bad("dpo", "label_smoothing", 0.5, NULL, 0, "label_smoothing");
    expect_bad("arcface", "margin", 2.0, NULL, 0, "margin");
    expect_bad("grpo", "clip", 1.0, NULL, 0, "clip");
    expect_bad("novelty", "k", 0.0, NULL, 0, "'k'");
    expect_bad("sac_alpha", "alpha", 0.1, NULL, 0, "alpha"); /* unknown parameter */
    expect_ok("c51", "v_min", -1.0, "v_max", 1.0);
    expect_ok("multi_margin", "p", 2.0, NULL, 0);
    expect_ok("smooth_l1", "beta", 0.0, NULL, 0);
    expect_ok("poly1", "epsilon", -1.0, NULL, 0);
    expect_ok("sac_alpha", "target_entropy", -6.0, NULL, 0);
}

Test(registry_all, kernel_kind_not_accepted_by_typed_slots)
{
    loss_spec s;
    char err[512] = "";
    cr_assert_neq(loss_spec_make(&s, LOSS_KINDS_VALUE, "triplet", NULL, NULL, 0, "slot", err,
                                 sizeof err), RL_OK);
    cr_assert(strstr(err, "kernel") && strstr(err, "triplet"), "%s", err);
    cr_assert_eq(loss_spec_make(&s, LOSS_KINDS(LOSS_KIND_KERNEL), "triplet", NULL, NULL, 0,
                                "slot", err, sizeof err), RL_OK, "%s", err);
    /* value slots accept every regression loss */
    const char *value_losses[] = {"mse", "mae", "huber", "smooth_l1", "quantile", "log_cosh",
                                  "tukey", "cauchy", "clipped"};
    for (int i = 0; i < RL_ARRAY_LEN(value_losses); i++)
        cr_assert_eq(loss_spec_make(&s, LOSS_KINDS_VALUE, value_losses[i], NULL, NULL, 0, "slot",
                                    err, sizeof err), RL_OK, "%s: %s", value_losses[i], err);
}

static loss_spec spec(const char *name)
{
    loss_spec s;
    char err[512] = "";
    cr_assert_eq(loss_spec_make(&s, ALL_KINDS, name, NULL, NULL, 0, "t", err, sizeof err), RL_OK,
                 "%s", err);
    return s;
}

Test(registry_all, dispatch_of_every_kind_matches_kernels)
{
    float x[12] = {0.3f, -1.2f, 2.0f, 0.7f, -0.4f, 1.1f, -2.2f, 0.05f, 1.6f, -0.9f, 0.2f, 0.8f};
    float y[12] = {1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1};
    float r[12] = {0.1f, 0.5f, -0.3f, 0.2f, 0.9f, -1.0f, 0.4f, 0.0f, -0.2f, 0.6f, 0.3f, -0.5f};
    float w[12], g1[12], g2[12], h1[12], h2[12];
    int lab[3] = {2, 0, 3};
    for (int i = 0; i < 12; i++) w[i] = 0.5f + 0.1f * i;
    loss_spec s;

    s = spec("log_cosh");
    cr_assert_eq(loss_value_eval(&s, x, NULL, r, w, 12, g1), loss_log_cosh(x, r, w, 12, g2));
    rlt_assert_close(g1, g2, 12, 0, 0, "log_cosh");
    s = spec("awr");
    cr_assert_eq(loss_policy_eval(&s, x, NULL, r, w, 12, g1),
                 loss_awr(x, r, w, 12, 1.0f, 20.0f, g2));
    rlt_assert_close(g1, g2, 12, 0, 0, "awr");
    s = spec("focal_binary");
    cr_assert_eq(loss_binary_eval(&s, x, y, w, 12, g1),
                 loss_focal_binary(x, y, w, 12, 0.25f, 2.0f, g2));
    rlt_assert_close(g1, g2, 12, 0, 0, "focal_binary");
    s = spec("cross_entropy");
    cr_assert_eq(loss_categorical_eval(&s, x, lab, w, 3, 4, g1),
                 loss_cross_entropy(x, lab, NULL, w, 3, 4, 0.0f, g2));
    rlt_assert_close(g1, g2, 12, 0, 0, "cross_entropy");
    s = spec("multi_margin");
    cr_assert_eq(loss_categorical_eval(&s, x, lab, NULL, 3, 4, g1),
                 loss_multi_margin(x, lab, NULL, NULL, 3, 4, 1, 1.0f, g2));
    rlt_assert_close(g1, g2, 12, 0, 0, "multi_margin");
    s = spec("hinge_gan_d");
    cr_assert_eq(loss_gan_d_eval(&s, x, 5, r, 7, g1, h1), loss_hinge_gan_d(x, 5, r, 7, g2, h2));
    rlt_assert_close(g1, g2, 5, 0, 0, "hinge_gan_d real");
    rlt_assert_close(h1, h2, 7, 0, 0, "hinge_gan_d fake");
    s = spec("gan_g_nonsat");
    cr_assert_eq(loss_gan_g_eval(&s, x, 12, g1), loss_gan_g_nonsat(x, 12, g2));
    rlt_assert_close(g1, g2, 12, 0, 0, "gan_g_nonsat");
    float pc[3] = {-10, -20, -5}, pr[3] = {-12, -15, -9}, rc[3] = {-11, -19, -6},
          rr[3] = {-12, -16, -8}, lc[3] = {5, 10, 3}, lr[3] = {6, 7, 4};
    s = spec("dpo");
    cr_assert_eq(loss_preference_eval(&s, pc, pr, rc, rr, NULL, NULL, w, 3, g1, h1),
                 loss_dpo(pc, pr, rc, rr, w, 3, 0.1f, 0.0f, g2, h2));
    rlt_assert_close(g1, g2, 3, 0, 0, "dpo pc");
    rlt_assert_close(h1, h2, 3, 0, 0, "dpo pr");
    s = spec("simpo");
    cr_assert_eq(loss_preference_eval(&s, pc, pr, NULL, NULL, lc, lr, w, 3, g1, h1),
                 loss_simpo(pc, pr, lc, lr, w, 3, 2.0f, 1.0f, g2, h2));
    rlt_assert_close(g1, g2, 3, 0, 0, "simpo pc");
    s = spec("orpo");
    cr_assert_eq(loss_preference_eval(&s, pc, pr, NULL, NULL, lc, lr, NULL, 3, g1, h1),
                 loss_orpo(pc, pr, lc, lr, NULL, 3, 0.1f, g2, h2));
    rlt_assert_close(h1, h2, 3, 0, 0, "orpo pr");
}

Test(registry_all, catalogue_prints_kinds_parameters_and_ranges)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    loss_catalogue_print(fp);
    fclose(fp);
    int n = 0;
    const loss_desc *const *t = loss_registry(&n);
    for (int i = 0; i < n; i++) {
        cr_assert(strstr(buf, t[i]->formula), "%s formula missing", t[i]->name);
        for (int j = 0; j < t[i]->n_params; j++)
            cr_assert(strstr(buf, t[i]->params[j].doc), "%s.%s doc missing", t[i]->name,
                      t[i]->params[j].name);
    }
    const char *must[] = {"categorical", "preference", "kernel", "gan_d", "in [0, 1]", "> 0",
                          ">= 0", "in (0, 1)"};
    for (int i = 0; i < RL_ARRAY_LEN(must); i++)
        cr_assert(strstr(buf, must[i]), "'%s' missing from the catalogue", must[i]);
    free(buf);
}

/* every LOSS_DEF row in the source files of losses/ is in the registry of this program (linked
 * with librlc.a), in the order of the rows' order numbers: the generated table names every row,
 * so no loss file is left out of the static library's link */
Test(registry_all, every_loss_def_row_registered_in_order)
{
    char cmd[1024], out[16384];
    snprintf(cmd, sizeof cmd,
             "grep -h '^LOSS_DEF(' %s/losses/*.c | sed 's/^LOSS_DEF(\\([0-9]*\\), *\\([a-z0-9_]*\\),.*/\\1 \\2/' "
             "| sort -n | awk '{print $2}'", RLC_SOURCE_DIR);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0);
    int n = 0, rows = 0;
    const loss_desc *const *t = loss_registry(&n);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"), rows++) {
        cr_assert(rows < n, "row %d (%s) past the registry's %d losses", rows, line, n);
        cr_assert_str_eq(t[rows]->name, line, "registry entry %d", rows);
        cr_assert(loss_is_builtin(t[rows]));
    }
    cr_assert_eq(rows, n, "%d LOSS_DEF rows, %d registered losses", rows, n);
    cr_assert(n >= 90);
}

/* the built-in rows of a kind a slot takes pass the checks loss_register makes of a plugin's */
Test(registry_all, builtin_rows_pass_the_plugin_checks)
{
    int n = 0;
    char err[512];
    const loss_desc *const *t = loss_registry(&n);
    for (int i = 0; i < n; i++) {
        if (t[i]->kind == LOSS_KIND_KERNEL) continue;
        cr_assert_eq(loss_desc_validate(t[i], err, sizeof err), RL_OK, "%s: %s", t[i]->name, err);
    }
}
