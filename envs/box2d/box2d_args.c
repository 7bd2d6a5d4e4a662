/* rlc envs/box2d: the keyword arguments of the Box2D environments (envs/env_args.h), with
 * Gymnasium's names; the defaults are each registration's params. env_lunar_lander_def checks
 * what the ranges cannot (gravity's open interval) and sets the action space, as
 * env_car_racing_def does for CarRacing's continuous. */
#include <float.h>
#include <stddef.h>

#include "envs/box2d/box2d.h"
#include "envs/env_args.h"

#define LL(f) offsetof(env_lunar_lander_params, f)
static const env_arg lunar_lander_args[] = {
    {"continuous", ENV_ARG_BOOL, LL(continuous), 0, 0, 0, 0, NULL,
     "Box(-1, 1, (2,)) throttles (main, lateral) instead of Discrete(4) (noop, left, main, right)"},
    {"gravity", ENV_ARG_FLOAT, LL(gravity), 0, 1, -12.0, 0.0, NULL, "the vertical gravity, in (-12, 0) (both ends excluded)"},
    {"enable_wind", ENV_ARG_BOOL, LL(enable_wind), 0, 0, 0, 0, NULL,
     "a wind force and torque tanh(sin(0.02 t) + sin(0.01 pi t)) times the powers while no leg touches"},
    {"wind_power", ENV_ARG_FLOAT, LL(wind_power), 0, 1, -DBL_MAX, DBL_MAX, NULL,
     "the largest wind force (Gymnasium recommends 0 to 20)"},
    {"turbulence_power", ENV_ARG_FLOAT, LL(turbulence_power), 0, 1, -DBL_MAX, DBL_MAX, NULL,
     "the largest wind torque (Gymnasium recommends 0 to 2)"},
};

static const env_arg bipedal_walker_args[] = {
    {"hardcore", ENV_ARG_BOOL, offsetof(env_bipedal_walker_params, hardcore), 0, 0, 0, 0, NULL,
     "stumps, stairs and pits between the grass (the time limit stays the id's)"},
};

#define CR(f) offsetof(env_car_racing_params, f)
static const env_arg car_racing_args[] = {
    {"continuous", ENV_ARG_BOOL, CR(continuous), 0, 0, 0, 0, NULL,
     "Box([-1, 0, 0], [1, 1, 1]) steer, gas, brake (true, the default) or Discrete(5): noop, right, left, gas, brake"},
    {"domain_randomize", ENV_ARG_BOOL, CR(domain_randomize), 0, 0, 0, 0, NULL,
     "road, background and grass colours drawn at every reset (U(0, 210) each, the grass 20 above in one channel)"},
    {"lap_complete_percent", ENV_ARG_FLOAT, CR(lap_complete_percent), 0, 1, 0.0, 1.0, NULL,
     "the share of tiles visited before touching the first tile again ends the lap (and the episode)"},
};

static rl_status cr_make(env_def *def, const env_def *base, void *storage, const void *p, char *err, size_t err_sz)
{
    return env_car_racing_def(def, base, storage, p, err, err_sz);
}

static rl_status ll_make(env_def *def, const env_def *base, void *storage, const void *p, char *err, size_t err_sz)
{
    return env_lunar_lander_def(def, base, storage, p, err, err_sz);
}

const env_args_schema env_box2d_args[] = {
    {&env_lunar_lander_v3, lunar_lander_args, 5, ll_make},
    {&env_lunar_lander_continuous_v3, lunar_lander_args, 5, ll_make},
    {&env_bipedal_walker_v3, bipedal_walker_args, 1, NULL},
    {&env_bipedal_walker_hardcore_v3, bipedal_walker_args, 1, NULL},
    {&env_car_racing_v3, car_racing_args, 3, cr_make},
};
const int env_box2d_n_args = (int)(sizeof env_box2d_args / sizeof env_box2d_args[0]);
