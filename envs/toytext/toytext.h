/* rlc envs/toytext: Gymnasium's toy-text environments (FrozenLake, CliffWalking, Taxi,
 * Blackjack) with the rules, constants and registrations of Gymnasium 1.2 (Taxi-v4: 1.3).
 *
 * They draw from numpy's generator (core/nprng.h) kept in their state and reseeded through the
 * env_def seed hook, in the order Gymnasium draws, so reset(seed) and the same actions give
 * Gymnasium's trajectory step for step (tests/test_envs_toytext.c checks this against fixtures
 * written by Gymnasium's own code). The rl_rng argument of reset and step is not used.
 *
 * Each environment's keyword arguments are a parameter struct with Gymnasium's names and
 * defaults (env_*_params_default); a definition with other arguments is made with env_*_def,
 * which checks them and copies the registered definition with the new params (and, for a custom
 * FrozenLake map, its observation space). Observations are Discrete (one float holding the
 * index); env_vec_opts.one_hot hands them to agents one-hot encoded.
 *
 * The state structs are public so that tests and renderers can read them; each begins with its
 * parameter struct (env_def.params). */
#ifndef RLC_ENVS_TOYTEXT_H
#define RLC_ENVS_TOYTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/nprng.h"
#include "envs/env.h"

/* one outcome of an action: Gymnasium's P[s][a] entries (probability, next state, reward,
 * terminated) */
typedef struct {
    double prob;
    int next;
    double reward;
    bool terminated;
} env_toytext_transition;

/* ---- FrozenLake-v1 ------------------------------------------------------------------------ */

#define ENV_FROZEN_LAKE_MAX_SIDE 64
#define ENV_FROZEN_LAKE_DESC_LEN (ENV_FROZEN_LAKE_MAX_SIDE * (ENV_FROZEN_LAKE_MAX_SIDE + 1) + 1)

typedef struct {
    /* the map's rows separated by ',' ("SFFF,FHFH,FFFH,HFFG"), letters S (start), F (frozen),
     * H (hole), G (goal); "" = use map_name. Gymnasium: desc=None */
    char desc[ENV_FROZEN_LAKE_DESC_LEN];
    char map_name[8];          /* "4x4" (default) or "8x8" */
    bool is_slippery;          /* true */
    double success_rate;       /* 1/3: probability of the intended move when slippery; each
                                  perpendicular move gets (1 - success_rate) / 2 */
    double reward_schedule[3]; /* (1, 0, 0): reward for reaching G, H, F (or S) */
} env_frozen_lake_params;

typedef struct {
    env_frozen_lake_params p;
    int nrow, ncol;
    char tiles[ENV_FROZEN_LAKE_MAX_SIDE * ENV_FROZEN_LAKE_MAX_SIDE];   /* row-major letters */
    int s;                     /* the current cell, row * ncol + col */
    int lastaction;            /* -1 after reset */
    rl_pcg64 np_random;
} env_frozen_lake_state;

void env_frozen_lake_params_default(env_frozen_lake_params *p);
/* A definition like base (FrozenLake-v1 or FrozenLake8x8-v1: its id, time limit and threshold,
 * as gym.make(id, **kwargs) keeps them) with the arguments p, checked (map shape and letters,
 * success_rate in [0, 1], finite rewards); its observation space is Discrete(nrow * ncol). p is
 * copied to params_storage, which def points to and which must outlive def. */
rl_status env_frozen_lake_def(env_def *def, const env_def *base, env_frozen_lake_params *params_storage,
                              const env_frozen_lake_params *p, char *err, size_t err_sz);
/* Gymnasium's generate_random_map(size, p, seed): a size x size map (2 <= size <= 64) whose cells
 * are F with probability p and H otherwise (numpy's choice with p, from seed), S and G in the
 * corners, drawn again until a path joins them; written to desc as a desc string (size (size + 1)
 * bytes). Gymnasium's env draws such a map from an unseeded generator when desc and map_name are
 * both None; rlc asks for the seed. */
rl_status env_frozen_lake_random_map(int size, double p, uint64_t seed, char *desc, size_t desc_sz, char *err,
                                     size_t err_sz);
/* P[s][a] of an instance's map into out (up to 3 outcomes); returns how many. */
int env_frozen_lake_transitions(const env_frozen_lake_state *st, int s, int a, env_toytext_transition *out);

/* ---- CliffWalking-v1 ---------------------------------------------------------------------- */

typedef struct {
    bool is_slippery;          /* false (CliffWalkingSlippery-v1: true) */
} env_cliff_walking_params;

typedef struct {
    env_cliff_walking_params p;
    int s, lastaction;
    rl_pcg64 np_random;
} env_cliff_walking_state;

void env_cliff_walking_params_default(env_cliff_walking_params *p);
/* as env_frozen_lake_def, base CliffWalking-v1 or CliffWalkingSlippery-v1 */
rl_status env_cliff_walking_def(env_def *def, const env_def *base, env_cliff_walking_params *params_storage,
                                const env_cliff_walking_params *p, char *err, size_t err_sz);
int env_cliff_walking_transitions(const env_cliff_walking_state *st, int s, int a, env_toytext_transition *out);

/* ---- Taxi-v3 / Taxi-v4 -------------------------------------------------------------------- */

typedef struct {
    int version;               /* 3 (Gymnasium 1.2's rules) or 4 (1.3's is_rainy fix); the id's */
    bool is_rainy;             /* false: moves go 80% where intended, else to either side */
    bool fickle_passenger;     /* false: the passenger may change destination once */
    double rainy_probability;  /* 0.8 (v4 only; v3 has 0.8 fixed) */
    double fickle_probability; /* 0.3 (v4 only; v3 has 0.3 fixed) */
} env_taxi_params;

typedef struct {
    env_taxi_params p;
    int s, lastaction;         /* lastaction -1 after reset */
    bool fickle_step;
    rl_pcg64 np_random;
} env_taxi_state;

void env_taxi_params_default(env_taxi_params *p, int version);
/* as env_frozen_lake_def, base Taxi-v3 or Taxi-v4, whose version p->version must be */
rl_status env_taxi_def(env_def *def, const env_def *base, env_taxi_params *params_storage, const env_taxi_params *p, char *err,
                       size_t err_sz);
int env_taxi_transitions(const env_taxi_state *st, int s, int a, env_toytext_transition *out);
/* Gymnasium's info["action_mask"] for state s (an observation): mask[a] = 1 when action a
 * changes the state (a move not into a wall or the edge, a legal pickup or drop-off). */
void env_taxi_action_mask(int s, int8_t mask[6]);
/* state index <-> (taxi row, taxi col, passenger location 0-4 (4: in the taxi), destination 0-3) */
int env_taxi_encode(int row, int col, int pass, int dest);
void env_taxi_decode(int s, int *row, int *col, int *pass, int *dest);

/* ---- Blackjack-v1 ------------------------------------------------------------------------- */

typedef struct {
    bool natural;              /* false: a natural win pays 1.5 (when sab is false) */
    bool sab;                  /* true in Blackjack-v1's registration: Sutton and Barto's rules */
} env_blackjack_params;

/* a hand: what the rules need of it (sum counting aces as 1, whether it holds an ace, the
 * number of cards and the first two) */
typedef struct {
    int sum, n_cards, first[2];
    bool has_ace;
} env_blackjack_hand;

typedef struct {
    env_blackjack_params p;
    env_blackjack_hand player, dealer;
    int dealer_suit;           /* 0-3: C, D, H, S (drawn for the picture, as Gymnasium does) */
    char dealer_face;          /* 'A', 'J', 'Q', 'K' or 0 for a number card */
    rl_pcg64 np_random;
} env_blackjack_state;

/* Gymnasium's BlackjackEnv defaults (natural false, sab false); Blackjack-v1 registers sab true */
void env_blackjack_params_default(env_blackjack_params *p);
rl_status env_blackjack_def(env_def *def, const env_def *base, env_blackjack_params *params_storage, const env_blackjack_params *p,
                            char *err, size_t err_sz);
/* Gymnasium's observation is Tuple(Discrete(32), Discrete(11), Discrete(2)) = (player sum,
 * dealer's showing card, usable ace); rlc flattens it row-major into Discrete(704):
 * obs = (player_sum * 11 + dealer_card) * 2 + usable_ace. */
int env_blackjack_encode(int player_sum, int dealer_card, int usable_ace);
void env_blackjack_decode(int obs, int *player_sum, int *dealer_card, int *usable_ace);
/* the sum a hand counts (an ace as 11 when that does not bust) and whether it has a usable ace */
int env_blackjack_hand_value(const env_blackjack_hand *h, int *usable_ace);

extern const env_def env_frozen_lake_v1;
extern const env_def env_frozen_lake_8x8_v1;
extern const env_def env_cliff_walking_v1;
extern const env_def env_cliff_walking_slippery_v1;
extern const env_def env_taxi_v3;
extern const env_def env_taxi_v4;
extern const env_def env_blackjack_v1;

#endif
