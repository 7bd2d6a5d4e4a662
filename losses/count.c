/* rlc losses: count-based exploration bonuses over SimHash codes (Tang et al. 2017): the codes of
 * observations under a fixed Gaussian projection and the bonus beta / sqrt(n(code)). The counts
 * themselves live in the exploration module (addons/exploration_simhash.c). */
#include <math.h>

#include "losses/lmath.h"
#include "losses/loss.h"
#include "losses/loss_row.h"

void loss_simhash_codes(uint32_t *codes, const float *x, const float *proj, int n, int D, int k)
{
    RL_ASSERT(codes && x && proj && n > 0 && D > 0 && k >= 1 && k <= 32);
    for (int i = 0; i < n; i++) {
        uint32_t c = 0;
        for (int j = 0; j < k; j++)
            if (lm_dot(proj + (size_t)j * D, x + (size_t)i * D, D) > 0.0) c |= (uint32_t)1 << j;
        codes[i] = c;
    }
}

void loss_count_bonus(float *r_int, const float *counts, int n, float beta)
{
    RL_ASSERT(r_int && counts && n > 0 && beta >= 0.0f);
    for (int i = 0; i < n; i++) {
        RL_ASSERT(counts[i] >= 1.0f);
        r_int[i] = (float)(beta / sqrt((double)counts[i]));
    }
}

/* ---- registry rows (losses/loss_row.h): the adapters from each kind's signature to the
 * kernel, and one LOSS_DEF per loss ---- */

static int chk_bits(const float *p, char *why, size_t sz) { return loss_check_whole(p, 0, "bits", why, sz); }

LOSS_DEF(920, simhash,
         LOSS_KERNEL("loss_simhash_codes, loss_count_bonus"),
         .formula = "r_int = beta / sqrt(n(code(s'))), code bits = sign(A s'), A (bits, D) Gaussian",
         .n_params = 2,
         .params = {{"bits", 16.0f, 1.0f, 22.0f, 0, 0, "code length k (the module keeps 2^k counts)"},
                    P_NONNEG("beta", 0.01f, "bonus scale")},
         .check = chk_bits);
