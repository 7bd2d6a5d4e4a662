/* rlc losses: GAN objectives from discriminator logits / critic scores, and the regression
 * targets of generative models (diffusion epsilon-prediction, flow matching). */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

/* mean over one batch of f(x), writing scale * f'(x) / n */
typedef double (*scalar_fn)(double x, double *g);

static double side(const float *x, int n, scalar_fn f, float *dx)
{
    RL_ASSERT(x && n > 0);
    double s = 0.0, inv = 1.0 / n;
    for (int i = 0; i < n; i++) {
        double g;
        s += f(x[i], &g);
        if (dx) dx[i] = (float)(g * inv);
    }
    return s * inv;
}

static double f_sp_neg(double x, double *g) { *g = -lm_sigmoid(-x); return lm_softplus(-x); }
static double f_sp_pos(double x, double *g) { *g = lm_sigmoid(x); return lm_softplus(x); }
static double f_neg_sp(double x, double *g) { *g = -lm_sigmoid(x); return -lm_softplus(x); }
static double f_id(double x, double *g) { *g = 1.0; return x; }
static double f_neg(double x, double *g) { *g = -1.0; return -x; }
static double f_relu_1m(double x, double *g) { *g = x < 1 ? -1.0 : 0.0; return x < 1 ? 1 - x : 0.0; }
static double f_relu_1p(double x, double *g) { *g = x > -1 ? 1.0 : 0.0; return x > -1 ? 1 + x : 0.0; }

float loss_gan_d(const float *real, int n_real, const float *fake, int n_fake, float *dreal,
                 float *dfake)
{
    return (float)(side(real, n_real, f_sp_neg, dreal) + side(fake, n_fake, f_sp_pos, dfake));
}

float loss_wgan_d(const float *real, int n_real, const float *fake, int n_fake, float *dreal,
                  float *dfake)
{
    return (float)(side(real, n_real, f_neg, dreal) + side(fake, n_fake, f_id, dfake));
}

float loss_hinge_gan_d(const float *real, int n_real, const float *fake, int n_fake, float *dreal,
                       float *dfake)
{
    return (float)(side(real, n_real, f_relu_1m, dreal) + side(fake, n_fake, f_relu_1p, dfake));
}

float loss_gan_g_minimax(const float *fake, int n, float *dfake)
{
    return (float)side(fake, n, f_neg_sp, dfake);
}

float loss_gan_g_nonsat(const float *fake, int n, float *dfake)
{
    return (float)side(fake, n, f_sp_neg, dfake);
}

float loss_wgan_g(const float *fake, int n, float *dfake) { return (float)side(fake, n, f_neg, dfake); }

float loss_hinge_gan_g(const float *fake, int n, float *dfake)
{
    return (float)side(fake, n, f_neg, dfake);
}

/* ---- generative targets ------------------------------------------------------------------------ */

void loss_diffusion_make_xt(float *x_t, const float *x0, const float *eps, const float *alpha_bar,
                            int n, int D)
{
    RL_ASSERT(x_t && x0 && eps && alpha_bar && n > 0 && D > 0);
    for (int i = 0; i < n; i++) {
        RL_ASSERT(alpha_bar[i] > 0.0f && alpha_bar[i] <= 1.0f);
        double a = sqrt((double)alpha_bar[i]), b = sqrt(1.0 - (double)alpha_bar[i]);
        for (int d = 0; d < D; d++) {
            size_t k = (size_t)i * D + d;
            x_t[k] = (float)(a * x0[k] + b * eps[k]);
        }
    }
}

/* mean_i w_i mean_d (a - b)^2 */
static float mse_rows(const float *a, const float *b, const float *w, int n, int D, float *da)
{
    RL_ASSERT(a && b && n > 0 && D > 0);
    double s = 0.0, inv = 1.0 / ((double)n * D);
    for (int i = 0; i < n; i++) {
        double wi = LW(w, i);
        for (int d = 0; d < D; d++) {
            size_t k = (size_t)i * D + d;
            double r = (double)a[k] - b[k];
            s += wi * r * r;
            if (da) da[k] = (float)(2.0 * wi * r * inv);
        }
    }
    return (float)(s * inv);
}

float loss_diffusion_eps(const float *eps_hat, const float *eps, const float *w, int n, int D,
                         float *deps_hat)
{
    return mse_rows(eps_hat, eps, w, n, D, deps_hat);
}

void loss_flow_matching_target(float *x_t, float *u, const float *x0, const float *x1,
                               const float *t, int n, int D, float sigma_min)
{
    RL_ASSERT(x0 && x1 && t && n > 0 && D > 0 && sigma_min >= 0.0f && sigma_min < 1.0f);
    for (int i = 0; i < n; i++) {
        double ti = t[i], c0 = 1.0 - (1.0 - sigma_min) * ti;
        for (int d = 0; d < D; d++) {
            size_t k = (size_t)i * D + d;
            if (x_t) x_t[k] = (float)(c0 * x0[k] + ti * x1[k]);
            if (u) u[k] = (float)((double)x1[k] - (1.0 - sigma_min) * x0[k]);
        }
    }
}

float loss_flow_matching(const float *v_hat, const float *u, const float *w, int n, int D,
                         float *dv_hat)
{
    return mse_rows(v_hat, u, w, n, D, dv_hat);
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

#define GG(fn)                                                                                \
    static float gg_##fn(const float *f, int n, const float *p, float *df)                    \
    {                                                                                         \
        (void)p;                                                                              \
        return loss_##fn(f, n, df);                                                           \
    }
static float gd_gan(const float *r, int nr, const float *f, int nf, const float *p, float *dr,
                    float *df)
{
    (void)p;
    return loss_gan_d(r, nr, f, nf, dr, df);
}
static float gd_wgan(const float *r, int nr, const float *f, int nf, const float *p, float *dr,
                     float *df)
{
    (void)p;
    return loss_wgan_d(r, nr, f, nf, dr, df);
}
static float gd_hinge(const float *r, int nr, const float *f, int nf, const float *p, float *dr,
                      float *df)
{
    (void)p;
    return loss_hinge_gan_d(r, nr, f, nf, dr, df);
}
GG(gan_g_minimax)
GG(gan_g_nonsat)
GG(wgan_g)
GG(hinge_gan_g)

LOSS_DEF(510, gan_d,
         .kind = LOSS_KIND_GAN_D,
         .formula = "mean softplus(-D(real)) + mean softplus(D(fake)) (minimax / non-saturating D)",
         .gan_d = gd_gan, .kernel = "loss_gan_d");
LOSS_DEF(520, wgan_d,
         .kind = LOSS_KIND_GAN_D, .formula = "mean D(fake) - mean D(real)",
         .gan_d = gd_wgan, .kernel = "loss_wgan_d");
LOSS_DEF(530, hinge_gan_d,
         .kind = LOSS_KIND_GAN_D,
         .formula = "mean relu(1 - D(real)) + mean relu(1 + D(fake))", .gan_d = gd_hinge,
         .kernel = "loss_hinge_gan_d");
LOSS_DEF(540, gan_g_minimax,
         .kind = LOSS_KIND_GAN_G,
         .formula = "mean log(1 - sigmoid(D(fake))) = -mean softplus(D(fake))",
         .gan_g = gg_gan_g_minimax, .kernel = "loss_gan_g_minimax");
LOSS_DEF(550, gan_g_nonsat,
         .kind = LOSS_KIND_GAN_G, .formula = "mean softplus(-D(fake))",
         .gan_g = gg_gan_g_nonsat, .kernel = "loss_gan_g_nonsat");
LOSS_DEF(560, wgan_g,
         .kind = LOSS_KIND_GAN_G, .formula = "-mean D(fake)", .gan_g = gg_wgan_g,
         .kernel = "loss_wgan_g");
LOSS_DEF(570, hinge_gan_g,
         .kind = LOSS_KIND_GAN_G, .formula = "-mean D(fake)",
         .gan_g = gg_hinge_gan_g, .kernel = "loss_hinge_gan_g");
LOSS_DEF(580, diffusion_eps,
         LOSS_KERNEL("loss_diffusion_make_xt, loss_diffusion_eps"),
         .formula = "mean w mean_d (eps_hat(x_t, t) - eps)^2, x_t = sqrt(abar) x0 + sqrt(1 - abar) eps");
LOSS_DEF(590, flow_matching,
         LOSS_KERNEL("loss_flow_matching_target, loss_flow_matching"),
         .formula = "mean w mean_d (v_hat(x_t, t) - u)^2, x_t = (1 - (1 - s) t) x0 + t x1, u = x1 - (1 - s) x0",
         .n_params = 1, .params = {{"sigma_min", 0.0f, 0.0f, 1.0f, 0, 1, "width s of the path at t = 1"}});
