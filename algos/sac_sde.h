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
    float *log_std, *grad, *std;      /* (L, A) each */
    float *eps, *E;                   /* (L, A): the update's N(0, 1) draws and its matrix std * eps */
    float *act_E;                     /* (n_envs, L, A): each env copy's matrix while acting */
    float *noise, *pnoise;            /* (B, A): z E at s' (targets) and at s (the actor pass) */
    float *gn, *gs, *dz;              /* (B, A), (B, A), (B, L): the backward's scratch */
    nn_adam opt;                      /* log_std's Adam: the actor's settings, steps with the actor */
} sac_sde;

/* Allocates s for a latent of L, A actions, n_envs copies and batches of B rows; log_std =
 * log_std_init, Adam with learning rate lr (the actor's). */
rl_status sde_init(sac_sde *s, int L, int A, int n_envs, int B, float log_std_init, int64_t sample_freq, float lr,
                   char *err, size_t err_sz);
void sde_free(sac_sde *s);            /* also half-made or zeroed */
/* std = exp(log_std); after every change of log_std */
void sde_refresh_std(sac_sde *s);
/* The update's matrix: eps (L, A) drawn from rng (or copied from eps_given), E = std * eps. */
void sde_draw_update(sac_sde *s, rl_rng *rng, const float *eps_given);
/* Each env copy's acting matrix std * N(0, 1) from rng; since = 0. */
void sde_draw_act(sac_sde *s, rl_rng *rng);

/* The forward pass over n rows: out (n, A) the actor's head, z (n, L) the latent, E the matrix of
 * row i at E + i * e_stride (e_stride 0: one matrix for all rows) -> noise (n, A), u (n, A),
 * a = tanh(u) (n, A), sigma (n, A) and logp (n) (sigma and logp may be NULL: not computed). */
void sde_sample(const float *out, const float *z, const float *E, size_t e_stride, const float *std, int n, int L,
                int A, float *noise, float *u, float *a, float *sigma, float *logp);
/* A sample with a fresh matrix for every row, drawn through its marginal: u = m + sigma' eps with
 * sigma'_d = sqrt(sum_l z_l^2 std_ld^2) and eps (n, A) ~ N(0, 1) from rng; a = tanh(u) (n, A). */
void sde_sample_fresh(const float *out, const float *z, const float *std, int n, int L, int A, rl_rng *rng,
                      float *a);
/* The backward of sum_i J_i, J depending on a (n, A) through da = dJ/da (or NULL) and on logp
 * through dlogp (n): dout (n, A) = dJ/dout (0 where the mean is clipped), dz (n, L) = dJ/dz (the
 * latent is learnt through the noise and sigma), and dJ/dlog_std ADDED into s->grad. Uses the
 * forward's noise and sigma; E and std as in the forward (one matrix for all rows). */
void sde_backward(sac_sde *s, const float *out, const float *z, const float *noise, const float *sigma,
                  const float *da, const float *dlogp, int n, float *dout, float *dz);
/* log_std's Adam step at learning rate lr (the actor's, as it is now), then std refreshed */
void sde_step(sac_sde *s, float lr);

#endif
