/* rlc algos: the pieces the off-policy agents (dqn.c, sac.c, td3.c) share beyond their
 * checkpoints and aux heads (algos/offpolicy.h). */
#include "algos/offpolicy.h"

#include <string.h>

void offp_store_step(replay_buffer *buf, const float *obs, const float *act, float *next_fix, int N, int D,
                     const env_vec *v)
{
    for (int i = 0; i < N; i++) {
        const float *src = (v->terminated[i] || v->truncated[i]) ? v->final_obs : v->obs;
        memcpy(next_fix + (size_t)i * D, src + (size_t)i * D, (size_t)D * sizeof(float));
    }
    replay_buffer_add(buf, obs, act, v->rewards, next_fix, v->terminated, v->truncated);
}

#define OFFP_CRITIC_LOSSES_FIELDS(X, S) \
    X(S, rl_loss_cfg, critic, LOSS, 0, "mse", 0, 0, NULL, "critic loss of SAC, TD3 and DDPG: mse, huber, ...")
RL_CFG_SECTION_TYPE(offp_critic_losses_cfg, OFFP_CRITIC_LOSSES_FIELDS);
const rl_config_section offp_critic_losses_section =
    RL_CFG_SECTION_INIT("losses", offp_critic_losses_cfg, OFFP_CRITIC_LOSSES_FIELDS);
