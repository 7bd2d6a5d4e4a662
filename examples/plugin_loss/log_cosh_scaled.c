/* rlc example plugin: log_cosh_scaled, a regression loss added to rlc at run time.
 *
 * A complete loss in one C file, loaded with `rlc losses --plugin`, a config's
 * `losses.value: {name: log_cosh_scaled, plugin: log_cosh_scaled.so}` or env_load_plugin: it
 * defines the kernel (value and gradient of the batch mean, losses/loss.h's contract), describes
 * it in a loss_desc (kind, parameters with their ranges, formula) and registers it from
 * rlc_plugin_init. Every config slot that takes regression losses then accepts it by name: the
 * value loss of ppo, a2c and reinforce, dqn's td loss, sac's critic loss, the aux head
 * reward_prediction (`rlc losses log_cosh_scaled --plugin ./log_cosh_scaled.so` lists them).
 * Build it as a shared object WITHOUT linking librlc -- loss_register comes from the program that
 * loads it (which exports its symbols, CMake's ENABLE_EXPORTS / -rdynamic):
 *
 *   cc -std=c11 -O2 -fPIC -shared -I<rlc source dir> -o log_cosh_scaled.so log_cosh_scaled.c -lm
 *
 * The loss: s^2 log cosh(d / s) of the residual d = pred - target, about d^2 / 2 for |d| << s and
 * s |d| - s^2 log 2 for |d| >> s (a smooth Huber loss whose switch point s is a parameter). */
#include <math.h>

#include "losses/loss.h"

/* mean_i w_i s^2 log cosh(d_i / s); writes dpred_i = w_i s tanh(d_i / s) / n (when dpred is not
 * NULL). p[0] = s, already checked against its range (> 0) by the registry. */
static float log_cosh_scaled(const float *pred, const float *target, const float *w, int n,
                             const float *p, float *dpred)
{
    double s = p[0], sum = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double x = ((double)pred[i] - target[i]) / s, ax = fabs(x), wi = w ? w[i] : 1.0;
        /* log cosh x = |x| + log(1 + e^(-2|x|)) - log 2: no overflow for a large |x| */
        sum += wi * s * s * (ax + log1p(exp(-2.0 * ax)) - 0.69314718055994531);
        if (dpred) dpred[i] = (float)(wi * s * tanh(x) * inv);
    }
    return (float)(sum * inv);
}

static const loss_desc log_cosh_scaled_def = {
    .name = "log_cosh_scaled",
    .kind = LOSS_KIND_REGRESSION,
    .formula = "mean w s^2 log cosh((pred - target) / s)",
    .n_params = 1,
    /* name, default, lo, hi, lo_open, hi_open, doc: scale > 0 */
    .params = {{"scale", 1.0f, 0.0f, INFINITY, 1, 0, "s: quadratic below |d| ~ s, linear (slope s) beyond"}},
    .regression = log_cosh_scaled,
    .kernel = "log_cosh_scaled (examples/plugin_loss/log_cosh_scaled.c)",
};

/* called once when the plugin is loaded; loss_register checks the descriptor and refuses a name
 * that is taken, and its message reaches the user prefixed with this plugin's path */
rl_status rlc_plugin_init(char *err, size_t err_sz);
rl_status rlc_plugin_init(char *err, size_t err_sz)
{
    return loss_register(&log_cosh_scaled_def, err, err_sz);
}
