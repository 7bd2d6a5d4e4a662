/* rlc losses: the full catalogue beyond the first value/policy kernels of loss.h.
 * Included by losses/loss.h; do not include directly.
 *
 * Same contract as loss.h: the return value is the batch mean (weighted mean sum_i w_i l_i / n
 * when per-sample weights w are given, w = NULL meaning all ones), every non-NULL d<input> is
 * WRITTEN (=) with the gradient of the returned value, already scaled by 1/n; nothing allocates:
 * kernels that need working memory take a `scratch` array whose size a *_scratch() function (or the
 * comment) gives. Shapes are row-major: (n, K) means n rows of K. Integer class labels are int.
 * Exceptions to "mean over the batch" are said where they occur (regularisers return a penalty
 * over a parameter buffer; batch-level objectives such as InfoNCE or VICReg have no weights). */
#ifndef RLC_LOSSES_LOSS_CATALOGUE_H
#define RLC_LOSSES_LOSS_CATALOGUE_H

#include "core/rng.h"

/* ==== regression: residual d = pred - target, dpred (n) ====================================== */

/* mean |d| (torch l1_loss); subgradient sign(d), 0 at d = 0. */
float loss_mae(const float *pred, const float *target, const float *w, int n, float *dpred);
/* torch smooth_l1_loss(beta): 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta; beta = 0 is L1. */
float loss_smooth_l1(const float *pred, const float *target, const float *w, int n, float beta,
                     float *dpred);
/* pinball loss at level tau in (0, 1): u = target - pred, max(tau u, (tau - 1) u). */
float loss_quantile(const float *pred, const float *target, const float *w, int n, float tau,
                    float *dpred);
/* pinball over Q levels: pred (n, Q) the predicted quantiles, target (n), taus (Q);
 * mean over samples of the mean over the Q levels. dpred (n, Q). */
float loss_quantile_multi(const float *pred, const float *target, const float *taus,
                          const float *w, int n, int Q, float *dpred);
/* log(cosh(d)), computed as |d| + log1p(exp(-2|d|)) - log 2; gradient tanh(d). */
float loss_log_cosh(const float *pred, const float *target, const float *w, int n, float *dpred);
/* Tukey biweight: c^2/6 (1 - (1 - (d/c)^2)^3) for |d| <= c, c^2/6 beyond (zero gradient). */
float loss_tukey(const float *pred, const float *target, const float *w, int n, float c,
                 float *dpred);
/* Cauchy / Lorentzian: c^2/2 log(1 + (d/c)^2); gradient d / (1 + (d/c)^2). */
float loss_cauchy(const float *pred, const float *target, const float *w, int n, float c,
                  float *dpred);

/* ==== classification from logits =========================================================== */

/* torch binary_cross_entropy_with_logits(pos_weight): targets y in [0, 1] (soft allowed),
 * l = pos_weight y softplus(-x) + (1 - y) softplus(x). dlogits (n). */
float loss_bce_logits(const float *logits, const float *targets, const float *w, int n,
                      float pos_weight, float *dlogits);
/* torch cross_entropy(weight=class_w, label_smoothing=eps) with class-index labels:
 *   l_i = (1 - eps) cw[y_i] (-log p_i[y_i]) + eps / K sum_c cw[c] (-log p_i[c]),
 * returned as sum_i w_i l_i / Z with Z = sum_i cw[y_i] when class_w is given (torch's weighted
 * mean), Z = n otherwise. class_w (K) and w (n) may be NULL. logits, dlogits (n, K). */
float loss_cross_entropy(const float *logits, const int *labels, const float *class_w,
                         const float *w, int n, int K, float label_smoothing, float *dlogits);
/* Cross-entropy against soft target distributions: -sum_c t_i[c] log p_i[c]. targets (n, K). */
float loss_soft_cross_entropy(const float *logits, const float *targets, const float *w, int n,
                              int K, float *dlogits);
/* Sigmoid focal loss (Lin et al.; torchvision sigmoid_focal_loss with mean reduction):
 * alpha_t (1 - p_t)^gamma BCE(x, y), alpha_t = alpha y + (1 - alpha)(1 - y). dlogits (n). */
float loss_focal_binary(const float *logits, const float *targets, const float *w, int n,
                        float alpha, float gamma, float *dlogits);
/* Multi-class focal loss: -alpha (1 - p_y)^gamma log p_y. logits, dlogits (n, K). */
float loss_focal(const float *logits, const int *labels, const float *w, int n, int K,
                 float alpha, float gamma, float *dlogits);
/* Asymmetric loss (Ridnik et al. 2021), per binary output: y = 1: -(1 - p)^gamma_pos log p;
 * y = 0: -p_m^gamma_neg log(1 - p_m), p_m = max(p - clip, 0). dlogits (n). */
float loss_asymmetric(const float *logits, const float *targets, const float *w, int n,
                      float gamma_pos, float gamma_neg, float clip, float *dlogits);
/* Poly-1 (Leng et al. 2022): CE + epsilon (1 - p_y). logits, dlogits (n, K). */
float loss_poly1(const float *logits, const int *labels, const float *w, int n, int K,
                 float epsilon, float *dlogits);
/* Binary hinge max(0, margin - s x) and its square, with s = +1 if y > 0 else -1 (so labels may be
 * {0, 1} or {-1, +1}). dscores (n). */
float loss_hinge(const float *scores, const float *targets, const float *w, int n, float margin,
                 float *dscores);
float loss_squared_hinge(const float *scores, const float *targets, const float *w, int n,
                         float margin, float *dscores);
/* torch multi_margin_loss (Weston-Watkins): sum_{j != y} cw[y] max(0, margin - x_y + x_j)^p / K,
 * p = 1 or 2; mean over n. class_w (K) may be NULL. scores, dscores (n, K). */
float loss_multi_margin(const float *scores, const int *labels, const float *class_w,
                        const float *w, int n, int K, int p, float margin, float *dscores);
/* Knowledge distillation (Hinton et al.): (1 - alpha) CE(student, y) + alpha T^2
 * KL(softmax(teacher / T) || softmax(student / T)). labels may be NULL only when alpha = 1.
 * student, teacher, dstudent (n, K); the teacher is a constant. */
float loss_distill(const float *student, const float *teacher, const int *labels, const float *w,
                   int n, int K, float temperature, float alpha, float *dstudent);

/* ==== probabilistic ======================================================================== */

/* torch gaussian_nll_loss: 0.5 (log v + (mu - y)^2 / v) [+ 0.5 log 2 pi if full], v = max(var, eps)
 * (the clamp passes the gradient straight through, as torch does). dmu, dvar (n). */
float loss_gaussian_nll(const float *mu, const float *target, const float *var, const float *w,
                        int n, float eps, int full, float *dmu, float *dvar);
/* KL(p || q) between categoricals given by logits, summed over K, mean over n (torch kl_div with
 * log_target, reduction 'batchmean'). Forward KL of a model q to data p: (p = data, q = model);
 * reverse KL: swap the arguments. dlogits_p, dlogits_q (n, K). */
float loss_kl_categorical(const float *logits_p, const float *logits_q, const float *w, int n,
                          int K, float *dlogits_p, float *dlogits_q);
/* KL(N(mu1, s1^2) || N(mu2, s2^2)) for diagonal Gaussians given log-std, summed over D, mean over
 * n. mu*, log_std*, and their gradients (n, D); mu2/log_std2 gradients may be NULL. */
float loss_kl_diag_gaussian(const float *mu1, const float *log_std1, const float *mu2,
                            const float *log_std2, const float *w, int n, int D, float *dmu1,
                            float *dlog_std1, float *dmu2, float *dlog_std2);
/* Negative ELBO of a VAE with a N(0, I) prior: recon_i + beta sum_j max(KL_j, free_bits) where
 * recon_i = sum_d (x_hat - x)^2 (recon_bce = 0) or sum_d BCE-with-logits(x_hat, x) (recon_bce = 1),
 * KL_ij = 0.5 (mu^2 + exp(logvar) - 1 - logvar) and free bits clamp the batch-mean KL of each
 * latent dimension from below (Kingma et al. 2016), so dimensions under free_bits get no KL
 * gradient. x_hat, x, dx_hat (n, Dx); mu, logvar, dmu, dlogvar (n, Dz); scratch (Dz) when
 * free_bits > 0. If kl_out is non-NULL it receives the (unclamped) mean KL. */
float loss_vae_elbo(const float *x_hat, const float *x, const float *mu, const float *logvar,
                    const float *w, int n, int Dx, int Dz, float beta, float free_bits,
                    int recon_bce, float *scratch, float *dx_hat, float *dmu, float *dlogvar,
                    float *kl_out);

/* ==== contrastive and metric learning ======================================================
 * Euclidean distances use torch pairwise_distance's d(a, b) = ||a - b + eps||, eps = 1e-6, so they
 * stay differentiable for identical embeddings; cosine similarities clamp norms at 1e-8. */

/* Contrastive pair loss (Hadsell et al.): similar (same = 1): d^2; dissimilar: max(0, margin - d)^2.
 * a, b, da, db (n, D); same (n) in {0, 1}. */
float loss_contrastive_pair(const float *a, const float *b, const float *same, const float *w,
                            int n, int D, float margin, float *da, float *db);
/* torch triplet_margin_loss (p = 2, swap = false): max(d(a, p) - d(a, n) + margin, 0).
 * anchor, pos, neg and gradients (n, D). */
float loss_triplet(const float *anchor, const float *pos, const float *neg, const float *w, int n,
                   int D, float margin, float *danchor, float *dpos, float *dneg);
/* Batch-hard triplet (Hermans et al. 2017) over embeddings (n, D) with labels (n): for each anchor
 * with at least one positive and one negative, max(0, max_pos d - min_neg d + margin), averaged over
 * those anchors. Distances sqrt(||.||^2 + 1e-12). demb (n, D). */
float loss_triplet_batch_hard(const float *emb, const int *labels, int n, int D, float margin,
                              float *demb);
/* Semi-hard mining (FaceNet; TF triplet_semihard_loss): for every positive pair (a, p), the closest
 * negative farther than d(a, p), or the farthest negative if none is; mean over positive pairs. */
float loss_triplet_semi_hard(const float *emb, const int *labels, int n, int D, float margin,
                             float *demb);
/* InfoNCE with cosine similarity (CLIP / CPC form): logits S_ij = cos(z1_i, z2_j) / temperature,
 * row i's positive is column i: mean_i CE(S_i, i); symmetric = 1 averages with the column loss
 * (CLIP). z1, z2, dz1, dz2 (n, D); scratch: loss_info_nce_scratch(n) floats. */
int loss_info_nce_scratch(int n);
float loss_info_nce(const float *z1, const float *z2, int n, int D, float temperature,
                    int symmetric, float *scratch, float *dz1, float *dz2);
/* NT-Xent (SimCLR): 2n views (z1 then z2), each view's positive is its pair, negatives are the
 * other 2n - 2 views; mean over 2n. scratch: loss_nt_xent_scratch(n) floats. */
int loss_nt_xent_scratch(int n);
float loss_nt_xent(const float *z1, const float *z2, int n, int D, float temperature,
                   float *scratch, float *dz1, float *dz2);
/* Supervised contrastive (Khosla et al. 2020, L_out): for anchor i with positives P(i) (same label,
 * j != i): -1/|P| sum_p log softmax_{a != i}(cos(z_i, z_a) / T)_p; mean over anchors with |P| > 0.
 * z, dz (n, D); scratch: loss_supcon_scratch(n). */
int loss_supcon_scratch(int n);
float loss_supcon(const float *z, const int *labels, int n, int D, float temperature,
                  float *scratch, float *dz);
/* VICReg (Bardes et al. 2022): inv_w mse(z1, z2) + var_w (mean_d relu(1 - std_d(z1)) +
 * mean_d relu(1 - std_d(z2))) / 2 + cov_w (sum_{j!=k} C1_jk^2 + sum_{j!=k} C2_jk^2) / D, with
 * std = sqrt(var_unbiased + eps), C the unbiased covariance. n >= 2. scratch: loss_vicreg_scratch(D). */
int loss_vicreg_scratch(int D);
float loss_vicreg(const float *z1, const float *z2, int n, int D, float inv_w, float var_w,
                  float cov_w, float eps, float *scratch, float *dz1, float *dz2);
/* Barlow Twins (Zbontar et al. 2021): columns standardised over the batch (biased variance + eps,
 * as BatchNorm1d(affine=False)), C = z1n^T z2n / n, sum_j (1 - C_jj)^2 + lambda sum_{j!=k} C_jk^2.
 * scratch: loss_barlow_scratch(n, D). */
int loss_barlow_scratch(int n, int D);
float loss_barlow_twins(const float *z1, const float *z2, int n, int D, float lambda, float eps,
                        float *scratch, float *dz1, float *dz2);
/* BYOL regression: 2 - 2 cos(p, z) per sample, z a stop-gradient target. dp (n, D). */
float loss_byol(const float *p, const float *z, const float *w, int n, int D, float *dp);
/* ArcFace (s cos(theta_y + m), with the usual fallback cos(theta) - m sin(m) when theta + m > pi)
 * and CosFace (s (cos theta_y - m)) over class centres weight (K, D): cross-entropy of the scaled
 * cosine logits. emb, demb (n, D); dweight (K, D); scratch (2 K). */
float loss_arcface(const float *emb, const float *weight, const int *labels, const float *w, int n,
                   int D, int K, float scale, float margin, float *scratch, float *demb,
                   float *dweight);
float loss_cosface(const float *emb, const float *weight, const int *labels, const float *w, int n,
                   int D, int K, float scale, float margin, float *scratch, float *demb,
                   float *dweight);
/* torch cosine_embedding_loss: y = 1: 1 - cos(x1, x2); y = -1: max(0, cos - margin). (n, D). */
float loss_cosine_embedding(const float *x1, const float *x2, const float *y, const float *w,
                            int n, int D, float margin, float *dx1, float *dx2);
/* torch hinge_embedding_loss: y = 1: x; y = -1: max(0, margin - x). dx (n). */
float loss_hinge_embedding(const float *x, const float *y, const float *w, int n, float margin,
                           float *dx);

/* ==== adversarial, from discriminator logits / critic scores =============================== */

/* D side: real (n_real) and fake (n_fake) outputs, each term a mean over its own batch. */
/* minimax/non-saturating D: softplus(-real) + softplus(fake) (BCE: real -> 1, fake -> 0). */
float loss_gan_d(const float *real, int n_real, const float *fake, int n_fake, float *dreal,
                 float *dfake);
/* Wasserstein critic: mean(fake) - mean(real). */
float loss_wgan_d(const float *real, int n_real, const float *fake, int n_fake, float *dreal,
                  float *dfake);
/* hinge D: mean relu(1 - real) + mean relu(1 + fake). */
float loss_hinge_gan_d(const float *real, int n_real, const float *fake, int n_fake, float *dreal,
                       float *dfake);
/* G side from D's outputs on fakes: minimax mean log(1 - D) = -mean softplus(fake); non-saturating
 * mean softplus(-fake); Wasserstein and hinge -mean(fake). dfake (n). */
float loss_gan_g_minimax(const float *fake, int n, float *dfake);
float loss_gan_g_nonsat(const float *fake, int n, float *dfake);
float loss_wgan_g(const float *fake, int n, float *dfake);
float loss_hinge_gan_g(const float *fake, int n, float *dfake);

/* ==== generative targets =================================================================== */

/* x_t = sqrt(abar_i) x0 + sqrt(1 - abar_i) eps; x0, eps, x_t (n, D), alpha_bar (n) in (0, 1]. */
void loss_diffusion_make_xt(float *x_t, const float *x0, const float *eps, const float *alpha_bar,
                            int n, int D);
/* epsilon-prediction (DDPM L_simple): mean_i w_i mean_d (eps_hat - eps)^2. deps_hat (n, D). */
float loss_diffusion_eps(const float *eps_hat, const float *eps, const float *w, int n, int D,
                         float *deps_hat);
/* Flow matching (Lipman et al. 2023, optimal-transport path from noise x0 to data x1):
 * x_t = (1 - (1 - sigma_min) t) x0 + t x1, u = x1 - (1 - sigma_min) x0. t (n) in [0, 1]. */
void loss_flow_matching_target(float *x_t, float *u, const float *x0, const float *x1,
                               const float *t, int n, int D, float sigma_min);
/* mean_i w_i mean_d (v_hat - u)^2. dv_hat (n, D). */
float loss_flow_matching(const float *v_hat, const float *u, const float *w, int n, int D,
                         float *dv_hat);

/* ==== RL policy terms ====================================================================== */

/* REINFORCE: -mean (G - b) logp; baseline (n) may be NULL and is a constant here (fit it with a
 * value loss, e.g. loss_mse(baseline, returns)). dlogp (n). */
float loss_reinforce(const float *logp, const float *returns, const float *baseline,
                     const float *w, int n, float *dlogp);
/* Actor-critic / A2C policy term: -mean A logp (advantages are constants). */
float loss_policy_gradient(const float *logp, const float *adv, const float *w, int n,
                           float *dlogp);
/* The unclipped importance-weighted surrogate (Schulman et al. 2017, "no clipping" row):
 * -mean w A r, r = exp(logp - logp_old); dlogp = -w A r / n. PPO's clip ablated. */
float loss_ppo_unclipped(const float *logp, const float *logp_old, const float *adv, const float *w,
                         int n, float *dlogp);
/* Advantage-weighted regression (Peng et al. 2019): -mean min(exp(A / beta), max_weight) logp. */
float loss_awr(const float *logp, const float *adv, const float *w, int n, float beta,
               float max_weight, float *dlogp);
/* Entropy bonus from categorical logits: -mean H(softmax(logits)). dlogits (n, K). ent_out (n),
 * if non-NULL, receives each entropy. */
float loss_entropy_categorical(const float *logits, const float *w, int n, int K,
                               float *dlogits, float *ent_out);
/* Entropy bonus of a diagonal Gaussian from log-std: -mean sum_d (log_std + 0.5 log(2 pi e)).
 * dlog_std (n, D). */
float loss_entropy_gaussian(const float *log_std, const float *w, int n, int D, float *dlog_std);
/* SAC actor: mean (alpha logp - q), logp of the reparameterised action, q = min of the critics at
 * it. dlogp = alpha w / n, dq = -w / n (chain dq through the critic to the action). */
float loss_sac_actor(const float *logp, const float *q, const float *w, int n, float alpha,
                     float *dlogp, float *dq);
/* Deterministic policy gradient (DDPG, TD3): -mean w q, q = Q(s, mu(s)) of the critic at the
 * actor's action. dq = -w / n (chain it through the critic to the action, then the actor). */
float loss_dpg(const float *q, const float *w, int n, float *dq);
/* SAC temperature (SB3 form): -mean log_alpha (logp + target_entropy), logp constant.
 * *dlog_alpha receives the derivative. */
float loss_sac_alpha(float log_alpha, const float *logp, int n, float target_entropy,
                     float *dlog_alpha);
/* GRPO group-normalised advantages: rewards (G groups x S samples), A = (r - mean_g) / (std_g +
 * eps), std unbiased (as TRL); a group of identical rewards gets A = 0. */
void loss_grpo_advantages(float *adv, const float *rewards, int n_groups, int group_size,
                          float eps);
/* GRPO (Shao et al. 2024): mean [max(-A r, -A clip(r, 1-c, 1+c)) + beta k3], r = exp(logp - logp_old),
 * k3 = exp(ref - logp) - (ref - logp) - 1 (the KL estimator to the reference). dlogp (n). */
float loss_grpo(const float *logp, const float *logp_old, const float *logp_ref, const float *adv,
                const float *w, int n, float clip, float beta, float *dlogp);

/* ==== distributional ======================================================================= */

/* QR-DQN fixed quantile midpoints tau_i = (2i + 1) / (2 Nq). */
void loss_qr_taus(float *taus, int Nq);
/* IQN: taus (n) drawn uniformly in (0, 1) from rng. */
void loss_iqn_sample_taus(float *taus, int n, rl_rng *rng);
/* Quantile Huber loss (Dabney et al. 2018): u_ij = target_j - theta_i,
 * rho = |tau_i - 1{u < 0}| L_kappa(u) / kappa (kappa = 0: |u|); sum over the Nq predicted quantiles,
 * mean over the Nt target samples, mean over n. theta, dtheta (n, Nq); target (n, Nt); taus (Nq)
 * shared, or (n, Nq) when taus_per_sample (IQN). */
float loss_quantile_huber(const float *theta, const float *target, const float *taus,
                          int taus_per_sample, const float *w, int n, int Nq, int Nt, float kappa,
                          float *dtheta);
/* IQN's quantile Huber loss over sampled fractions (Dabney, Ostrovski et al. 2018, eq. 3):
 * loss_quantile_huber with taus per sample. theta, dtheta, taus (n, N): the online network's
 * values at the N fractions tau each sample drew; target (n, Np): the N' target samples; w (n) or
 * NULL. The mean over n of w_b sum_i mean_j rho_tau_bi(T_bj - theta_bi). */
float loss_iqn_quantile_huber(const float *theta, const float *target, const float *taus, const float *w, int n,
                              int N, int Np, float kappa, float *dtheta);
/* C51 projection of the distributional Bellman target onto A fixed atoms z_k = v_min + k dz:
 * Tz = clip(r + discount (1 - done) z, v_min, v_max), mass split linearly between neighbours.
 * next_probs, target_probs (n, A). */
void loss_c51_project(float *target_probs, const float *next_probs, const float *rewards,
                      const unsigned char *dones, int n, int A, float gamma, float v_min,
                      float v_max);
/* C51 loss: cross-entropy -sum_k m_k log softmax(logits)_k (= loss_soft_cross_entropy). */
float loss_c51(const float *logits, const float *target_probs, const float *w, int n, int A,
               float *dlogits);

/* ==== exploration ========================================================================== */

/* ICM forward model: 0.5 ||phi_pred - phi_next||^2 per sample (mean over n); r_int (n), if
 * non-NULL, gets eta * that per-sample error. dpred, dnext (n, D) (dnext reaches the encoder). */
float loss_icm_forward(const float *phi_pred, const float *phi_next, const float *w, int n, int D,
                       float eta, float *r_int, float *dpred, float *dnext);
/* ICM inverse model, discrete actions: cross-entropy of action logits (n, A). */
float loss_icm_inverse_discrete(const float *logits, const int *actions, const float *w, int n,
                                int A, float *dlogits);
/* ICM inverse model, continuous actions: 0.5 sum_d (a_pred - a)^2 per sample. (n, D). */
float loss_icm_inverse_continuous(const float *a_pred, const float *a, const float *w, int n,
                                  int D, float *da_pred);
/* RND predictor: mean_d (pred - target)^2 per sample (CleanRL), mean over n; r_int (n) gets the
 * per-sample error. target is the frozen random network. dpred (n, D). */
float loss_rnd(const float *pred, const float *target, const float *w, int n, int D, float *r_int,
               float *dpred);

/* ==== preferences over sequence log-probs (summed over tokens) ============================ */

/* Bradley-Terry reward model: -log sigmoid(r_chosen - r_rejected). */
float loss_bradley_terry(const float *r_chosen, const float *r_rejected, const float *w, int n,
                         float *dchosen, float *drejected);
/* DPO (Rafailov et al. 2023) with conservative label smoothing eps (cDPO):
 * h = beta ((pc - ref_c) - (pr - ref_r)); (1 - eps) softplus(-h) + eps softplus(h). */
float loss_dpo(const float *pc, const float *pr, const float *ref_c, const float *ref_r,
               const float *w, int n, float beta, float label_smoothing, float *dpc, float *dpr);
/* IPO (Azar et al. 2023): ((pc - ref_c) - (pr - ref_r) - 1 / (2 tau))^2. */
float loss_ipo(const float *pc, const float *pr, const float *ref_c, const float *ref_r,
               const float *w, int n, float tau, float *dpc, float *dpr);
/* KTO (Ethayarajh et al. 2024), unpaired: r = logp - ref; desirable (good[i] != 0):
 * lambda_d (1 - sigmoid(beta (r - z0))); undesirable: lambda_u (1 - sigmoid(beta (z0 - r)));
 * z0 >= 0 the (detached) reference-point KL estimate. dlogp (n). */
float loss_kto(const float *logp, const float *ref, const unsigned char *good, const float *w,
               int n, float z0, float beta, float lambda_d, float lambda_u, float *dlogp);
/* SimPO (Meng et al. 2024), reference-free: -log sigmoid(beta pc / len_c - beta pr / len_r - gamma). */
float loss_simpo(const float *pc, const float *pr, const float *len_c, const float *len_r,
                 const float *w, int n, float beta, float gamma, float *dpc, float *dpr);
/* ORPO (Hong et al. 2024): -pc / len_c + lambda (-log sigmoid(logodds(lc) - logodds(lr))), with
 * l = p / len the mean token log-prob and logodds(l) = l - log(1 - e^l). Needs pc, pr < 0. */
float loss_orpo(const float *pc, const float *pr, const float *len_c, const float *len_r,
                const float *w, int n, float lambda, float *dpc, float *dpr);

/* ==== regularisation and diversity ==========================================================
 * Regularisers return a penalty over a parameter buffer theta (P) (a sum, not a mean) and WRITE
 * its gradient into dtheta (P) when non-NULL; add it to the network gradient yourself. */

/* l1 sum |theta| + 0.5 l2 sum theta^2 (l2 = weight decay coefficient); L1 / L2 are special cases. */
float loss_elastic_net(const float *theta, int P, float l1, float l2, float *dtheta);
float loss_l1_reg(const float *theta, int P, float lambda, float *dtheta);
float loss_l2_reg(const float *theta, int P, float lambda, float *dtheta);
/* EWC (Kirkpatrick et al. 2017): 0.5 lambda sum_i F_i (theta_i - theta_star_i)^2. */
float loss_ewc(const float *theta, const float *theta_star, const float *fisher, int P,
               float lambda, float *dtheta);
/* Novelty (Lehman & Stanley): for each behaviour b_i (n, D), the mean Euclidean distance to its k
 * nearest archive members (M, D) (k clamped to M); returns the mean novelty, novelty_out (n) each,
 * db (n, D) the gradient of the returned mean. scratch (M). */
float loss_novelty(const float *b, const float *archive, int n, int M, int D, int k,
                   float *scratch, float *novelty_out, float *db);
/* DPP diversity (Parker-Holder et al. 2020): -log det(K + jitter I) with the RBF kernel
 * K_ij = exp(-||x_i - x_j||^2 / (2 l^2)) over embeddings x (n, D); minimising it spreads them.
 * scratch: loss_dpp_scratch(n) DOUBLES (the factorisation runs in double, so a small jitter is
 * not rounded away). dx (n, D). If the matrix is not positive definite even with the jitter it
 * returns +INFINITY and writes a zero gradient. */
int loss_dpp_scratch(int n);
float loss_dpp_logdet(const float *x, int n, int D, float lengthscale, float jitter,
                      double *scratch, float *dx);

/* ==== more metric and self-supervised losses (losses/selfsup.c) =============================== */

/* N-pair (Sohn 2016), multi-class form: s_ij = a_i . p_j, l_i = CE(s_i, i) (the other n - 1
 * positives are the negatives), plus l2_reg (||a_i||^2 + ||p_i||^2); mean over n.
 * anchor, pos, danchor, dpos (n, D); scratch (n). */
float loss_npair(const float *anchor, const float *pos, int n, int D, float l2_reg,
                 float *scratch, float *danchor, float *dpos);
/* ProxyNCA (Movshovitz-Attias et al. 2017): embeddings and class proxies normalised and scaled by
 * s, d_ic = ||s x_i/|x_i| - s p_c/|p_c| ||^2 = 2 s^2 (1 - cos(x_i, p_c));
 * l_i = d_iy + log sum_{c != y} exp(-d_ic) (the positive is not in the denominator, as the paper).
 * emb, demb (n, D); proxies, dproxies (C, D), C >= 2; scratch: loss_proxy_nca_scratch(C). */
int loss_proxy_nca_scratch(int C);
float loss_proxy_nca(const float *emb, const float *proxies, const int *labels, const float *w,
                     int n, int D, int C, float scale, float *scratch, float *demb,
                     float *dproxies);
/* DINO (Caron et al. 2021) for one student / teacher view pair: the teacher's output is centred and
 * sharpened, t = softmax((teacher - center) / tau_t), a constant; l_i = -sum_k t_ik log
 * softmax(student_i / tau_s)_k. student, teacher, dstudent (n, K); center (K). */
float loss_dino(const float *student, const float *teacher, const float *center, const float *w,
                int n, int K, float tau_s, float tau_t, float *dstudent);
/* DINO's centre update after a step: center = m center + (1 - m) mean_i teacher_i. */
void loss_dino_update_center(float *center, const float *teacher, int n, int K, float momentum);
/* MoCo (He et al. 2020) InfoNCE against a queue of negatives: logits [cos(q_i, k_i),
 * cos(q_i, queue_m) for m < M] / T with the positive key first; mean_i CE(logits_i, 0). Keys and
 * queue come from the momentum encoder (constants): only dq (n, D). queue (M, D);
 * scratch: loss_moco_scratch(M). */
int loss_moco_scratch(int M);
float loss_moco(const float *q, const float *k, const float *queue, int n, int D, int M,
                float temperature, float *scratch, float *dq);
/* Writes the n keys (n, D) into the ring buffer queue (M, D) at *head and advances it (n <= M). */
void loss_moco_enqueue(float *queue, int M, int D, int *head, const float *keys, int n);

/* ==== more generative objectives (losses/generative.c) ====================================== */

/* v-prediction (Salimans & Ho 2022): v = sqrt(abar_i) eps - sqrt(1 - abar_i) x0 (with x_t from
 * loss_diffusion_make_xt, x0 = sqrt(abar) x_t - sqrt(1 - abar) v). x0, eps, v (n, D); alpha_bar (n)
 * in (0, 1]. */
void loss_diffusion_v_target(float *v, const float *x0, const float *eps, const float *alpha_bar,
                             int n, int D);
/* mean_i w_i mean_d (v_hat - v)^2. dv_hat (n, D). */
float loss_diffusion_v(const float *v_hat, const float *v, const float *w, int n, int D,
                       float *dv_hat);
/* Normalizing-flow NLL in nats (Dinh et al. 2017): -log N(z; 0, I) - log|det dz/dx| =
 * 0.5 ||z||^2 + 0.5 D log(2 pi) - logdet per sample; divide by D log 2 for bits per dimension.
 * z, dz (n, D); logdet, dlogdet (n). */
float loss_flow_nll(const float *z, const float *logdet, const float *w, int n, int D, float *dz,
                    float *dlogdet);

/* ==== world models and more RL objectives (losses/worldmodel.c, losses/policy_extra.c) ====== */

/* RSSM world-model loss (Dreamer; categorical latents of S groups of C classes, as V2/V3):
 *   l_i = 0.5 ||obs_hat - obs||^2 + kl_scale max(free_nats, KL(q || p))
 *         + reward_scale 0.5 (r_hat - r)^2 + cont_scale BCE(cont_logit, cont)
 * with KL summed over the groups, q = softmax(post), p = softmax(prior), cont = 1 - terminal.
 * KL balancing: the KL gradient is split, kl_balance of it to the prior (KL(sg(q) || p)) and
 * 1 - kl_balance to the posterior (KL(q || sg(p))), so dpost / dprior are NOT the plain gradient
 * of the value unless kl_balance is 0 / 1; free nats are per sample: a KL at or under free_nats
 * gets no gradient. obs_hat, obs, dobs_hat (n, Dx); post, prior, dpost, dprior (n, S C);
 * reward_hat, reward, cont_logit, cont and their gradients (n). terms_out (4), if non-NULL: the
 * means of the reconstruction, the (unclamped) KL, the reward and the continue terms. */
float loss_rssm(const float *obs_hat, const float *obs, const float *post, const float *prior,
                const float *reward_hat, const float *reward, const float *cont_logit,
                const float *cont, const float *w, int n, int Dx, int S, int C, float kl_balance,
                float free_nats, float kl_scale, float reward_scale, float cont_scale,
                float *terms_out, float *dobs_hat, float *dpost, float *dprior,
                float *dreward_hat, float *dcont_logit);
/* PPO's KL-penalty surrogate (Schulman et al. 2017, section 4): mean w [-A r + beta k3],
 * r = exp(logp - logp_old), k3 = (r - 1) - log r, the sample estimate of KL(old || new) from the
 * old policy's actions. dlogp (n); kl_out, if non-NULL, the mean k3 (what the adaptive rule reads). */
float loss_ppo_kl(const float *logp, const float *logp_old, const float *adv, const float *w,
                  int n, float beta, float *dlogp, float *kl_out);
/* The paper's adaptive coefficient, applied after each policy update with its measured KL:
 * beta / 2 if kl < kl_target / 1.5, beta * 2 if kl > 1.5 kl_target, else beta. */
float loss_ppo_kl_adapt(float beta, float kl, float kl_target);
/* V-MPO (Song et al. 2020). Both use the top half of the batch by advantage (the ceil(n/2)
 * largest, ties in index order) and psi_i = softmax over the top half of A_i / eta.
 * Policy loss: -sum_top psi_i logp_i with psi constant; dlogp (n), 0 outside the top half.
 * Temperature loss: eta eps_eta + eta log mean_top exp(A_i / eta); *deta its derivative (chain it
 * through the caller's parameterisation of eta > 0). scratch (2 n) for both. The KL trust region
 * of V-MPO (alpha) is a separate term: use kl_categorical / kl_diag_gaussian. */
float loss_vmpo_policy(const float *logp, const float *adv, int n, float eta, float *scratch,
                       float *dlogp);
float loss_vmpo_temperature(float eta, const float *adv, int n, float eps_eta, float *scratch,
                            float *deta);
/* The RLHF per-token reward (Ziegler et al. 2019; InstructGPT): for token t < len_i,
 * r_t = -beta (logp_t - logp_ref_t), plus the sequence's score at t = len_i - 1; 0 after the end.
 * A target, not a loss: nothing to differentiate. logp, logp_ref, rewards (n, T); score (n);
 * lengths (n) in [1, T]. Returns the mean over sequences of the summed per-token log-ratio (the
 * k1 KL estimate an adaptive KL controller reads); kl_out (n), if non-NULL, gets each. */
float loss_rlhf_kl_reward(float *rewards, const float *logp, const float *logp_ref,
                          const float *score, const int *lengths, int n, int T, float beta,
                          float *kl_out);

/* ==== more diversity and exploration (losses/regularisation.c, losses/count.c) ============== */

/* Pairwise behavioural diversity of a population: -mean over ordered pairs i != j of d(b_i, b_j),
 * d = sqrt(||b_i - b_j||^2 + 1e-12) (squared = 0) or ||b_i - b_j||^2 (squared = 1); minimising it
 * spreads the behaviours. b, db (n, D), n >= 2. */
float loss_diversity_pairwise(const float *b, int n, int D, int squared, float *db);
/* SimHash codes (Charikar 2002; Tang et al. 2017): bit j of codes[i] is set when
 * proj_j . x_i > 0; proj (k, D) a fixed Gaussian projection, k in [1, 32]. x (n, D). */
void loss_simhash_codes(uint32_t *codes, const float *x, const float *proj, int n, int D, int k);
/* The count-based bonus r_int = beta / sqrt(count), counts (n) >= 1. */
void loss_count_bonus(float *r_int, const float *counts, int n, float beta);

#endif
