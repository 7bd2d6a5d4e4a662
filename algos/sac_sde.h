/* rlc algos: generalised state-dependent exploration (gSDE; Raffin, Kober & Stulp 2021) for SAC
 * (algos/sac.c, sac.use_sde), as Stable-Baselines3's SAC runs it (full_std, exp, clip_mean 2,
 * learn_features: the latent is not detached in SAC's actor).
 *
 * The actor's last hidden layer is the latent z (L); the actor's head gives out (A) and the mean
 * m = clip(out, -2, 2). The parameters log_std (L, A) give std = exp(log_std); an exploration
 * matrix E (L, A) = std * eps, eps ~ N(0, 1), is held between resamples. Then
 *   u = m + z E,  a = tanh(u),
 *   sigma_d = sqrt(sum_l z_l^2 std_ld^2 + 1e-6),
 *   log pi(a|s) = sum_d [log N(u_d; m_d, sigma_d) - log(1 - a_d^2 + 1e-6)].
 * Internal to algos/ and tests/. */
#ifndef RLC_ALGOS_SAC_SDE_H
#define RLC_ALGOS_SAC_SDE_H

#include <stddef.h>

#include "core/rng.h"
#include "core/status.h"
#include "nn/nn.h"

#define SDE_CLIP_MEAN 2.0f
#define SDE_VAR_EPS 1e-6f      /* added to sigma^2 (SB3's epsilon) */
#define SDE_TANH_EPS 1e-6f     /* in log(1 - tanh(u)^2 + eps) (SB3's TanhBijector) */

/* The state of gSDE in a SAC agent: its parameters and their Adam, the update's exploration
 * matrix, the acting copies' matrices and the per-update scratch. */
typedef struct {
    int L, A, n_envs, B;
    int64_t sample_freq;              /* sac.sde_sample_freq: -1, or resample every k steps too */
    int64_t since;                    /* explore steps acted since the last resample */
    float *mem;                       /* owns every array below */
    float *log_std, *grad, *std, *std2;   /* (L, A) each; std2 = std^2 */
    float *eps, *E;                   /* (L, A): the update's N(0, 1) draws and its matrix std * eps */
    float *act_E;                     /* (n_envs, L, A): each env copy's matrix while acting */
    float *noise, *pnoise;            /* (B, A): z E at s' (targets) and at s (the actor pass) */
    float *z2, *pz2;                  /* (B, L): z^2 at s' and at s (the backward reads pz2) */
    float *gn, *h, *dz, *g1, *g2;     /* (B, A), (B, A), (B, L), (L, A), (L, A): the backward's scratch */
    nn_adam opt;                      /* log_std's Adam: the actor's settings, steps with the actor */
} sac_sde;

/* Allocates s for a latent of L, A actions, n_envs copies and batches of B rows; log_std =
 * log_std_init, Adam with learning rate lr (the actor's). */
rl_status sde_init(sac_sde *s, int L, int A, int n_envs, int B, float log_std_init, int64_t sample_freq, float lr,
                   char *err, size_t err_sz);
void sde_free(sac_sde *s);            /* also half-made or zeroed */
/* std = exp(log_std), std2 = std^2; after every change of log_std */
void sde_refresh_std(sac_sde *s);
/* The update's matrix: eps (L, A) drawn from rng (or copied from eps_given), E = std * eps. */
void sde_draw_update(sac_sde *s, rl_rng *rng, const float *eps_given);
/* Each env copy's acting matrix std * N(0, 1) from rng; since = 0. */
void sde_draw_act(sac_sde *s, rl_rng *rng);

/* The update's sample over n <= B rows with s's matrix E for all of them: out (n, A) the actor's
 * head, z (n, L) the latent -> z2 = z^2 (n, L; the backward reads it), noise = z E (n, A), u (n, A),
 * a = tanh(u) (n, A), sigma (n, A) and logp (n). The sums are GEMMs (nn_sgemm). */
void sde_sample(const sac_sde *s, const float *out, const float *z, int n, float *z2, float *noise, float *u,
                float *a, float *sigma, float *logp);
/* Acting: row i (of n) with its own matrix E + i L A: noise (n, A) and a = tanh(clip(out) + z E). */
void sde_sample_rows(const float *out, const float *z, const float *E, int n, int L, int A, float *noise, float *a);
/* A sample with a fresh matrix for every row, drawn through its marginal: u = m + sigma' eps with
 * sigma'_d = sqrt(sum_l z_l^2 std_ld^2) and eps (n, A) ~ N(0, 1) from rng; a = tanh(u) (n, A). */
void sde_sample_fresh(const float *out, const float *z, const float *std, int n, int L, int A, rl_rng *rng,
                      float *a);
/* The backward of sum_i J_i, J depending on a (n, A) through da = dJ/da (or NULL) and on logp
 * through dlogp (n): dout (n, A) = dJ/dout (0 where the mean is clipped), dz (n, L) = dJ/dz (the
 * latent is learnt through the noise and sigma), and dJ/dlog_std ADDED into s->grad. Uses the
 * forward's z2, noise and sigma; E and std as in the forward. The sums are GEMMs. */
void sde_backward(sac_sde *s, const float *out, const float *z, const float *z2, const float *noise,
                  const float *sigma, const float *da, const float *dlogp, int n, float *dout, float *dz);
/* log_std's Adam step at learning rate lr (the actor's, as it is now), then std refreshed */
void sde_step(sac_sde *s, float lr);

#endif
