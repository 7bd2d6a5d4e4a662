/* rlc envs/box2d: Gymnasium's Box2D environments on Debian's libbox2d 2.4 (through the C
 * interface of b2c.h): LunarLander-v3, LunarLanderContinuous-v3, BipedalWalker-v3,
 * BipedalWalkerHardcore-v3 and CarRacing-v3.
 *
 * The state structs are public so that tests and the renderer can read an instance's state
 * (env_instance.state points to one of these). Each instance owns its Box2D world, made anew at
 * every reset (as Gymnasium 1.x does) and freed by close. Draws come from numpy's PCG64 kept in
 * the state (core/nprng.h, reseeded by env_def.seed), in Gymnasium's order, so a seed gives
 * Gymnasium's terrain, initial push and engine dispersion; the physics is Box2D 2.4's rather than
 * pybox2d's 2.3 (docs/envs.md says what differs). */
#ifndef RLC_ENVS_BOX2D_BOX2D_H
#define RLC_ENVS_BOX2D_BOX2D_H

#include "core/nprng.h"
#include "envs/box2d/b2c.h"
#include "envs/env.h"
#include "envs/raster.h"

#define LL_CHUNKS 11   /* terrain segments + 1: the points of the moon's surface */

/* LunarLander's keyword arguments (Gymnasium's names and defaults) */
typedef struct {
    bool continuous;            /* false: Discrete(4); true: Box(-1, 1, (2,)) throttles */
    double gravity;             /* -10: in (-12, 0) */
    bool enable_wind;           /* false */
    double wind_power;          /* 15: the largest horizontal wind force */
    double turbulence_power;    /* 1.5: the largest wind torque */
} env_lunar_lander_params;

typedef struct {
    env_lunar_lander_params p;  /* env.kwargs (env_def.params); first, as env.h asks */
    rl_pcg64 np_random;         /* Gymnasium's self.np_random */
    b2c_world *world;           /* NULL before the first reset */
    b2c_body *moon, *lander, *legs[2];
    bool game_over;             /* the lander's body touched the ground */
    bool leg_contact[2];
    bool has_prev_shaping;      /* false on the reset's own step */
    double prev_shaping;
    int64_t wind_idx, torque_idx;
    double helipad_x1, helipad_x2, helipad_y;
    double terrain_x[LL_CHUNKS], terrain_y[LL_CHUNKS];   /* the smoothed surface points */
    /* the last step's engines, for drawing their flames: power (0 when off) and where the
     * impulse was applied */
    double main_power, side_power;
    double main_at[2], side_at[2];
} env_lunar_lander_state;

#define BW_TERRAIN_LENGTH 200   /* terrain points */
#define BW_MAX_POLYS 200         /* hardcore obstacles: pits, stumps, stair steps */
#define BW_CLOUDS 10

/* BipedalWalker's keyword argument */
typedef struct {
    bool hardcore;              /* false: grass only; true: also stumps, stairs and pits */
} env_bipedal_walker_params;

typedef struct {
    env_bipedal_walker_params p;   /* env.kwargs; first */
    rl_pcg64 np_random;
    b2c_world *world;              /* NULL before the first reset */
    b2c_body *hull;
    b2c_body *legs[4];             /* upper and lower leg of the first side, then of the second */
    b2c_joint *joints[4];          /* hip, knee, hip, knee */
    bool game_over;                /* the hull touched the ground */
    bool leg_contact[2];           /* the lower legs (legs[1], legs[3]) touch the ground */
    bool has_prev_shaping;
    double prev_shaping;
    float lidar[10];               /* the last step's fractions */
    double scroll;                 /* the hull's x minus a fifth of the viewport (the picture's left) */
    /* for drawing: the surface, the obstacles (4 corners each) and the clouds (5 points each) */
    double terrain_x[BW_TERRAIN_LENGTH], terrain_y[BW_TERRAIN_LENGTH];
    int n_polys;
    float polys[BW_MAX_POLYS][4][2];
    float clouds[BW_CLOUDS][5][2];
} env_bipedal_walker_state;

extern const env_def env_bipedal_walker_v3;
extern const env_def env_bipedal_walker_hardcore_v3;

#define CR_MAX_TRACK 2500      /* points of the track search (Gymnasium's no_freeze) */
#define CR_OBS_SIDE 96         /* the observation: 96 x 96 x 3 */
#define CR_OBS_SUPERSAMPLE 4   /* drawn on a 384 x 384 canvas, then each 4 x 4 block averaged */

/* CarRacing's keyword arguments (Gymnasium's names and defaults) */
typedef struct {
    bool continuous;              /* true: Box([-1, 0, 0], [1, 1, 1]) steer, gas, brake; false: Discrete(5) */
    bool domain_randomize;        /* false: fixed colours; true: road, background, grass drawn per reset */
    double lap_complete_percent;  /* 0.95: the share of tiles visited for a lap to count */
} env_car_racing_params;

/* one point of the track: Gymnasium's (alpha, beta, x, y) */
typedef struct {
    double alpha, beta, x, y;
} cr_point;

/* a tile of the road: its quad, its colour (the road's colour once touched) and its border */
typedef struct {
    double poly[4][2];
    double color[3];
    bool visited;
    bool border;                  /* a red-white kerb on this tile's outer side */
    double border_poly[4][2];
} cr_tile;

typedef struct {
    b2c_body *body;
    b2c_joint *joint;
    double gas, brake, steer;
    double phase, omega;          /* the wheel's rotation angle and speed */
    int tiles;                    /* road tiles touching the wheel */
} cr_wheel;

typedef struct {
    env_car_racing_params p;      /* env.kwargs; first */
    rl_pcg64 np_random;
    b2c_world *world;             /* NULL before the first reset */
    b2c_body *hull;
    cr_wheel wheels[4];           /* front left, front right, rear left, rear right */
    double road_color[3], bg_color[3], grass_color[3];
    double start_alpha;
    double reward, prev_reward;   /* Gymnasium's running total and its value at the last step */
    int tile_visited_count;
    bool new_lap;
    double t;                     /* seconds since the reset */
    int n_track;                  /* tiles of the track */
    cr_point track[CR_MAX_TRACK]; /* the search's points, then the track's (track[0] the start) */
    cr_tile tiles[CR_MAX_TRACK];
    env_raster canvas;            /* the observation's canvas */
    uint8_t frame[CR_OBS_SIDE * CR_OBS_SIDE * 3];   /* its 96 x 96 average */
} env_car_racing_state;

extern const env_def env_car_racing_v3;

/* base with the arguments p: the action space follows p->continuous (RL_ERR_ARG with a message
 * for another base). */
rl_status env_car_racing_def(env_def *def, const env_def *base, env_car_racing_params *params_storage,
                             const env_car_racing_params *p, char *err, size_t err_sz);
/* Draws the state as Gymnasium draws it (its 1000 x 800 window) onto canvas, whatever its size:
 * background, grass, road and kerbs seen from the car, the car, the indicator bars and the score.
 * The observation is this at 384 x 384, averaged to 96 x 96. */
void env_car_racing_draw(const env_car_racing_state *s, env_raster *canvas);

extern const env_def env_lunar_lander_v3;
extern const env_def env_lunar_lander_continuous_v3;

/* base with the arguments p: the action space follows p->continuous; gravity must lie in
 * (-12, 0) and the wind's powers be finite (RL_ERR_ARG with a message otherwise). */
rl_status env_lunar_lander_def(env_def *def, const env_def *base, env_lunar_lander_params *params_storage,
                               const env_lunar_lander_params *p, char *err, size_t err_sz);

#endif
