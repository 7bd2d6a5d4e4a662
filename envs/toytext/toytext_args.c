/* rlc envs/toytext: the keyword arguments of the toy-text environments (envs/env_args.h), with
 * Gymnasium's names; the defaults are each registration's params. The env_*_def functions check
 * the arguments together (a map's shape and letters) and fill in what they shape. */
#include <math.h>
#include <stddef.h>

#include "envs/env_args.h"
#include "envs/toytext/toytext.h"

#define FL(f) offsetof(env_frozen_lake_params, f)
static const env_arg frozen_lake_args[] = {
    {"desc", ENV_ARG_STR, FL(desc), sizeof(((env_frozen_lake_params *)0)->desc), 0, 0, 0, NULL,
     "the map: a list of rows of S, F, H, G (or one string, rows split by ','); \"\" = map_name's"},
    {"map_name", ENV_ARG_STR, FL(map_name), sizeof(((env_frozen_lake_params *)0)->map_name), 0, 0, 0, "4x4|8x8",
     "the built-in map, when desc is not given"},
    {"is_slippery", ENV_ARG_BOOL, FL(is_slippery), 0, 0, 0, 0, NULL,
     "moves go where intended with probability success_rate, else to either side"},
    {"success_rate", ENV_ARG_FLOAT, FL(success_rate), 0, 1, 0.0, 1.0, NULL,
     "probability of the intended move when slippery"},
    {"reward_schedule", ENV_ARG_FLOAT, FL(reward_schedule), 0, 3, -INFINITY, INFINITY, NULL,
     "rewards for reaching G, H and F (or S)"},
};

static const env_arg cliff_walking_args[] = {
    {"is_slippery", ENV_ARG_BOOL, offsetof(env_cliff_walking_params, is_slippery), 0, 0, 0, 0, NULL,
     "moves go where intended with probability 1/3, else to either side"},
};

#define TX(f) offsetof(env_taxi_params, f)
static const env_arg taxi_args[] = {
    {"is_rainy", ENV_ARG_BOOL, TX(is_rainy), 0, 0, 0, 0, NULL, "moves go where intended with probability 0.8, else to either side"},
    {"fickle_passenger", ENV_ARG_BOOL, TX(fickle_passenger), 0, 0, 0, 0, NULL,
     "the passenger may change destination once, on the first move after the pickup"},
    {"rainy_probability", ENV_ARG_FLOAT, TX(rainy_probability), 0, 1, 0.0, 1.0, NULL, "(Taxi-v4) the intended move's probability when rainy"},
    {"fickle_probability", ENV_ARG_FLOAT, TX(fickle_probability), 0, 1, 0.0, 1.0, NULL, "(Taxi-v4) the probability of the change of mind"},
};

static const env_arg blackjack_args[] = {
    {"natural", ENV_ARG_BOOL, offsetof(env_blackjack_params, natural), 0, 0, 0, 0, NULL,
     "a natural blackjack pays 1.5 (when sab is false)"},
    {"sab", ENV_ARG_BOOL, offsetof(env_blackjack_params, sab), 0, 0, 0, 0, NULL,
     "Sutton and Barto's rules exactly (natural ignored)"},
};

static rl_status fl_make(env_def *def, const env_def *base, void *storage, const void *p, char *err, size_t err_sz)
{
    return env_frozen_lake_def(def, base, storage, p, err, err_sz);
}

static rl_status cw_make(env_def *def, const env_def *base, void *storage, const void *p, char *err, size_t err_sz)
{
    return env_cliff_walking_def(def, base, storage, p, err, err_sz);
}

static rl_status tx_make(env_def *def, const env_def *base, void *storage, const void *p, char *err, size_t err_sz)
{
    return env_taxi_def(def, base, storage, p, err, err_sz);
}

static rl_status bj_make(env_def *def, const env_def *base, void *storage, const void *p, char *err, size_t err_sz)
{
    return env_blackjack_def(def, base, storage, p, err, err_sz);
}

const env_args_schema env_toytext_args[] = {
    {&env_frozen_lake_v1, frozen_lake_args, 5, fl_make},
    {&env_frozen_lake_8x8_v1, frozen_lake_args, 5, fl_make},
    {&env_cliff_walking_v1, cliff_walking_args, 1, cw_make},
    {&env_cliff_walking_slippery_v1, cliff_walking_args, 1, cw_make},
    {&env_taxi_v3, taxi_args, 2, tx_make},
    {&env_taxi_v4, taxi_args, 4, tx_make},
    {&env_blackjack_v1, blackjack_args, 2, bj_make},
};
const int env_toytext_n_args = (int)(sizeof env_toytext_args / sizeof env_toytext_args[0]);
