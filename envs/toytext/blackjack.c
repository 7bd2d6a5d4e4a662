/* rlc envs/toytext: Blackjack-v1 (Gymnasium 1.2 blackjack.py rules; registered with sab true).
 *
 * An infinite deck: each card is choice([1, 2, ..., 9, 10, 10, 10, 10]). Reset deals the dealer
 * two cards, then the player two, then draws the suit of the dealer's showing card (choice of 4)
 * and, for a 10, its face (choice of J, Q, K): those draws only dress the picture but move the
 * generator as Gymnasium's do. Action 1 (hit) draws a card: above 21 the player busts (-1,
 * terminated), else 0. Action 0 (stick) terminates: the dealer draws while their hand counts
 * below 17, then the reward is +1 / 0 / -1 comparing the scores (a bust scores 0). sab: a player
 * natural (ace and ten-card as the two first cards) against a dealer without one wins 1;
 * otherwise, with natural, a natural that wins pays 1.5. An ace counts 11 while that does not
 * bust the hand ("usable").
 *
 * The observation (player sum 0-31, dealer card 1-10, usable ace 0-1) is flattened into
 * Discrete(704) (env_blackjack_encode). Steps after termination without a reset go on as
 * Gymnasium's do (the hands keep their sums). */
#include <math.h>
#include <string.h>

#include "envs/toytext/toytext_common.h"

static const int bj_deck[13] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10};

void env_blackjack_params_default(env_blackjack_params *p)
{
    memset(p, 0, sizeof *p);
    p->natural = false;
    p->sab = false;
}

int env_blackjack_encode(int player_sum, int dealer_card, int usable_ace)
{
    return (player_sum * 11 + dealer_card) * 2 + usable_ace;
}

void env_blackjack_decode(int obs, int *player_sum, int *dealer_card, int *usable_ace)
{
    *usable_ace = obs % 2;
    *dealer_card = obs / 2 % 11;
    *player_sum = obs / 22;
}

int env_blackjack_hand_value(const env_blackjack_hand *h, int *usable_ace)
{
    int usable = h->has_ace && h->sum + 10 <= 21;
    if (usable_ace) *usable_ace = usable;
    return usable ? h->sum + 10 : h->sum;
}

static void bj_add(env_blackjack_hand *h, int card)
{
    if (h->n_cards < 2) h->first[h->n_cards] = card;
    h->n_cards++;
    h->sum += card;
    h->has_ace = h->has_ace || card == 1;
}

static int bj_draw(env_blackjack_state *s) { return bj_deck[rl_pcg64_choice(&s->np_random, 13)]; }

static int bj_score(const env_blackjack_hand *h)
{
    int v = env_blackjack_hand_value(h, NULL);
    return v > 21 ? 0 : v;
}

static bool bj_natural(const env_blackjack_hand *h)
{
    return h->n_cards == 2 && ((h->first[0] == 1 && h->first[1] == 10) || (h->first[0] == 10 && h->first[1] == 1));
}

static float bj_obs(const env_blackjack_state *s)
{
    int usable, sum = env_blackjack_hand_value(&s->player, &usable);
    /* a player who keeps hitting after a bust (no reset) goes past 31: the observation saturates */
    return (float)env_blackjack_encode(sum < 31 ? sum : 31, s->dealer.first[0], usable);
}

static rl_status bj_init(void *state, char *err, size_t err_sz)
{
    (void)state;
    (void)err;
    (void)err_sz;
    return RL_OK;
}

static void bj_seed(void *state, uint64_t seed) { rl_pcg64_seed(&((env_blackjack_state *)state)->np_random, seed); }

static void bj_reset(void *state, rl_rng *rng, float *obs)
{
    (void)rng;
    env_blackjack_state *s = state;
    memset(&s->player, 0, sizeof s->player);
    memset(&s->dealer, 0, sizeof s->dealer);
    for (int i = 0; i < 2; i++) bj_add(&s->dealer, bj_draw(s));
    for (int i = 0; i < 2; i++) bj_add(&s->player, bj_draw(s));
    s->dealer_suit = rl_pcg64_choice(&s->np_random, 4);
    s->dealer_face = 0;
    if (s->dealer.first[0] == 1) s->dealer_face = 'A';
    else if (s->dealer.first[0] == 10) s->dealer_face = "JQK"[rl_pcg64_choice(&s->np_random, 3)];
    obs[0] = bj_obs(s);
}

/* stick: the dealer plays, then the comparison and the natural rules */
static float bj_stick(env_blackjack_state *s)
{
    while (env_blackjack_hand_value(&s->dealer, NULL) < 17) bj_add(&s->dealer, bj_draw(s));
    int p = bj_score(&s->player), d = bj_score(&s->dealer);
    float reward = (float)((p > d) - (p < d));
    if (s->p.sab && bj_natural(&s->player) && !bj_natural(&s->dealer)) reward = 1.0f;
    else if (!s->p.sab && s->p.natural && bj_natural(&s->player) && reward == 1.0f) reward = 1.5f;
    return reward;
}

static void bj_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    env_blackjack_state *s = state;
    if (tt_action(action) == 1) {
        bj_add(&s->player, bj_draw(s));
        bool bust = env_blackjack_hand_value(&s->player, NULL) > 21;
        *terminated = bust;
        *reward = bust ? -1.0f : 0.0f;
    } else {
        *terminated = true;
        *reward = bj_stick(s);
    }
    *truncated = false;
    obs[0] = bj_obs(s);
}

static const env_blackjack_params bj_params = {.natural = false, .sab = true};

const env_def env_blackjack_v1 = {
    .id = "Blackjack-v1",
    .state_size = sizeof(env_blackjack_state),
    .max_episode_steps = 0,
    .reward_threshold = NAN,
    .obs_space = {.kind = ENV_SPACE_DISCRETE, .n = 32 * 11 * 2, .dim = 1},
    .act_space = {.kind = ENV_SPACE_DISCRETE, .n = 2, .dim = 1},
    .init = bj_init,
    .reset = bj_reset,
    .step = bj_step,
    .seed = bj_seed,
    .params = &bj_params,
    .params_size = sizeof bj_params,
};

rl_status env_blackjack_def(env_def *def, const env_def *base, env_blackjack_params *params_storage,
                            const env_blackjack_params *p, char *err, size_t err_sz)
{
    if (!base || base->init != bj_init)
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_blackjack_def: the base is not a Blackjack definition");
    *params_storage = *p;
    *def = *base;
    def->params = params_storage;
    return RL_OK;
}
