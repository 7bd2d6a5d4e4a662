/* rlc envs/box2d: CarRacing-v3 (Gymnasium 1.x's gymnasium/envs/box2d/car_racing.py and
 * car_dynamics.py), written from its definitions on Box2D 2.4.
 *
 * The track (Box2D units; SCALE 6, so TRACK_RAD 150, PLAYFIELD 333.3): 12 checkpoints around a
 * circle, checkpoint c at angle 2 pi c / 12 + U(0, 2 pi / 12) and radius U(50, 150), the first
 * at (225, 0) and the last at angle 2 pi 11 / 12, radius 225 (two draws per checkpoint, kept or
 * not). From (225, 0), heading beta 0, the search walks steps of 3.5 towards the next checkpoint
 * ahead, turning by min(0.31, 0.006 |projection|), for five laps or 2500 steps; the track is the
 * last full lap between two passes through the start angle -pi / 12, refused (the search redrawn)
 * when its ends are more than one step apart across. A kerb (red and white) lines the outer side
 * of four or more consecutive turns of more than 0.062 the same way, and spreads over the three
 * tiles before. Each tile is a static sensor quad 2 x 6.67 wide; a wheel touching a tile for the
 * first time earns 1000 / N (N tiles), and a lap ends the episode when tile 0 is touched after more
 * than lap_complete_percent of the tiles.
 * The car (car_dynamics.py, SIZE 0.02): a hull of four polygons (density 1) and four wheels
 * (density 0.1, colliding with nothing but category 1) on revolute joints limited to +-0.4 whose
 * motors steer; each step every wheel's spin omega takes the engine's power (rear wheels only), the
 * brake, and the friction force between the spinning and the ground speed, limited to 400 on road
 * and 240 on grass, which pushes the wheel.
 * A step: the controls, the car's step, one world step of 1/50 s (180 velocity, 60 position
 * iterations), the picture, then the reward -0.1 + the tiles' 1000 / N of the step; -100 and the
 * end when the hull leaves the playfield. The reset's own step (Gymnasium's step(None)) applies
 * no control and earns nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/box2d/box2d.h"

#define CR_SCALE 6.0
#define CR_TRACK_RAD (900 / CR_SCALE)
#define CR_PLAYFIELD (2000 / CR_SCALE)
#define CR_FPS 50.0
#define CR_TRACK_DETAIL_STEP (21 / CR_SCALE)
#define CR_TRACK_TURN_RATE 0.31
#define CR_TRACK_WIDTH (40 / CR_SCALE)
#define CR_BORDER (8 / CR_SCALE)
#define CR_BORDER_MIN_COUNT 4
#define CR_CHECKPOINTS 12
#define CR_VEL_ITERS (6 * 30)
#define CR_POS_ITERS (2 * 30)

#define CR_SIZE 0.02
#define CR_ENGINE_POWER (100000000 * CR_SIZE * CR_SIZE)
#define CR_WHEEL_MOMENT (4000 * CR_SIZE * CR_SIZE)
#define CR_FRICTION_LIMIT (1000000 * CR_SIZE * CR_SIZE)
#define CR_WHEEL_R 27
#define CR_WHEEL_W 14

/* the bodies' user values: a tile is 1 + its index, a wheel CR_WHEEL_TAG + its index */
#define CR_WHEEL_TAG ((uintptr_t)1 << 20)

static const double cr_wheel_pos[4][2] = {{-55, +80}, {+55, +80}, {-55, -82}, {+55, -82}};
static const double cr_hull1[4][2] = {{-60, +130}, {+60, +130}, {+60, +110}, {-60, +110}};
static const double cr_hull2[4][2] = {{-15, +120}, {+15, +120}, {+20, +20}, {-20, 20}};
static const double cr_hull3[8][2] = {{+25, +20},  {+50, -10}, {+50, -40},  {+20, -90},
                                      {-20, -90},  {-50, -40}, {-50, -10},  {-25, +20}};
static const double cr_hull4[4][2] = {{-50, -120}, {+50, -120}, {+50, -90}, {-50, -90}};

static double cr_sign(double x) { return (x > 0) - (x < 0); }

/* Generator.uniform(lo, hi) */
static double cr_uniform(env_car_racing_state *s, double lo, double hi)
{
    return lo + (hi - lo) * rl_pcg64_random(&s->np_random);
}

/* ---- colours ------------------------------------------------------------------------------- */

static void cr_colors(env_car_racing_state *s)
{
    if (!s->p.domain_randomize) {
        static const double road[3] = {102, 102, 102}, bg[3] = {102, 204, 102}, grass[3] = {102, 230, 102};
        memcpy(s->road_color, road, sizeof road);
        memcpy(s->bg_color, bg, sizeof bg);
        memcpy(s->grass_color, grass, sizeof grass);
        return;
    }
    for (int k = 0; k < 3; k++) s->road_color[k] = cr_uniform(s, 0, 210);
    for (int k = 0; k < 3; k++) s->bg_color[k] = cr_uniform(s, 0, 210);
    memcpy(s->grass_color, s->bg_color, sizeof s->bg_color);
    s->grass_color[rl_pcg64_integers(&s->np_random, 0, 3)] += 20;
}

/* ---- the track ----------------------------------------------------------------------------- */

static void cr_checkpoints(env_car_racing_state *s, double cp[CR_CHECKPOINTS][3])
{
    for (int c = 0; c < CR_CHECKPOINTS; c++) {
        double noise = cr_uniform(s, 0, 2 * M_PI * 1 / CR_CHECKPOINTS);
        double alpha = 2 * M_PI * c / CR_CHECKPOINTS + noise;
        double rad = cr_uniform(s, CR_TRACK_RAD / 3, CR_TRACK_RAD);
        if (c == 0) {
            alpha = 0;
            rad = 1.5 * CR_TRACK_RAD;
        }
        if (c == CR_CHECKPOINTS - 1) {
            alpha = 2 * M_PI * c / CR_CHECKPOINTS;
            s->start_alpha = 2 * M_PI * (-0.5) / CR_CHECKPOINTS;
            rad = 1.5 * CR_TRACK_RAD;
        }
        cp[c][0] = alpha;
        cp[c][1] = rad * cos(alpha);
        cp[c][2] = rad * sin(alpha);
    }
}

/* the first checkpoint at or ahead of alpha, from *dest_i on; alpha is lowered by 2 pi after each
 * wrap of the checkpoints */
static const double *cr_destination(double cp[CR_CHECKPOINTS][3], int *dest_i, double *alpha)
{
    for (;;) {
        for (;;) {
            const double *d = cp[*dest_i % CR_CHECKPOINTS];
            if (*alpha <= d[0]) return d;
            ++*dest_i;
            if (*dest_i % CR_CHECKPOINTS == 0) break;
        }
        *alpha -= 2 * M_PI;
    }
}

/* the search: points from (1.5 TRACK_RAD, 0) towards the checkpoints, into s->track; their count */
static int cr_search(env_car_racing_state *s, double cp[CR_CHECKPOINTS][3])
{
    double x = 1.5 * CR_TRACK_RAD, y = 0, beta = 0;
    int dest_i = 0, laps = 0, n = 0, no_freeze = CR_MAX_TRACK;
    bool visited_other_side = false;
    for (;;) {
        double alpha = atan2(y, x);
        if (visited_other_side && alpha > 0) {
            laps++;
            visited_other_side = false;
        }
        if (alpha < 0) {
            visited_other_side = true;
            alpha += 2 * M_PI;
        }
        const double *d = cr_destination(cp, &dest_i, &alpha);
        double r1x = cos(beta), r1y = sin(beta), p1x = -r1y, p1y = r1x;
        double proj = r1x * (d[1] - x) + r1y * (d[2] - y);
        while (beta - alpha > 1.5 * M_PI) beta -= 2 * M_PI;
        while (beta - alpha < -1.5 * M_PI) beta += 2 * M_PI;
        double prev_beta = beta;
        proj *= CR_SCALE;
        if (proj > 0.3) beta -= fmin(CR_TRACK_TURN_RATE, fabs(0.001 * proj));
        if (proj < -0.3) beta += fmin(CR_TRACK_TURN_RATE, fabs(0.001 * proj));
        x += p1x * CR_TRACK_DETAIL_STEP;
        y += p1y * CR_TRACK_DETAIL_STEP;
        s->track[n++] = (cr_point){alpha, prev_beta * 0.5 + beta * 0.5, x, y};
        if (laps > 4) break;
        if (--no_freeze == 0) break;
    }
    return n;
}

/* keeps the last lap of the n points (between the last two passes through the start angle) and
 * checks that its ends meet; false when the search has to be redone */
static bool cr_close_loop(env_car_racing_state *s, int n)
{
    int i1 = -1, i2 = -1;
    for (int i = n - 1;; i--) {
        if (i == 0) return false;
        bool pass = s->track[i].alpha > s->start_alpha && s->track[i - 1].alpha <= s->start_alpha;
        if (pass && i2 == -1) {
            i2 = i;
        } else if (pass && i1 == -1) {
            i1 = i;
            break;
        }
    }
    s->n_track = i2 - 1 - i1;
    if (s->n_track < 1) return false;   /* never seen; Gymnasium would fail on the empty track */
    memmove(s->track, s->track + i1, (size_t)s->n_track * sizeof s->track[0]);
    const cr_point *first = &s->track[0], *last = &s->track[s->n_track - 1];
    double dx = cos(first->beta) * (first->x - last->x), dy = sin(first->beta) * (first->y - last->y);
    return sqrt(dx * dx + dy * dy) <= CR_TRACK_DETAIL_STEP;
}

/* the kerbs: four sharp turns the same way in a row, then spread over the three tiles before
 * (in place, as Gymnasium does, so a kerb set early in the pass spreads further) */
static void cr_borders(env_car_racing_state *s)
{
    int n = s->n_track;
    for (int i = 0; i < n; i++) {
        bool good = true;
        double oneside = 0;
        for (int neg = 0; neg < CR_BORDER_MIN_COUNT; neg++) {
            double b1 = s->track[((i - neg) % n + n) % n].beta, b2 = s->track[((i - neg - 1) % n + n) % n].beta;
            good = good && fabs(b1 - b2) > CR_TRACK_TURN_RATE * 0.2;
            oneside += cr_sign(b1 - b2);
        }
        s->tiles[i].border = good && fabs(oneside) == CR_BORDER_MIN_COUNT;
    }
    for (int i = 0; i < n; i++)
        for (int neg = 0; neg < CR_BORDER_MIN_COUNT; neg++)
            s->tiles[((i - neg) % n + n) % n].border |= s->tiles[i].border;
}

/* the point at distance w across the track from p (negative: the other side) */
static void cr_across(const cr_point *p, double w, double *out)
{
    out[0] = p->x + w * cos(p->beta);
    out[1] = p->y + w * sin(p->beta);
}

/* tile i's quad between point i and point i - 1, its colour and its kerb, and its sensor body */
static void cr_make_tile(env_car_racing_state *s, int i)
{
    const cr_point *p1 = &s->track[i], *p2 = &s->track[(i + s->n_track - 1) % s->n_track];
    cr_tile *t = &s->tiles[i];
    cr_across(p1, -CR_TRACK_WIDTH, t->poly[0]);
    cr_across(p1, CR_TRACK_WIDTH, t->poly[1]);
    cr_across(p2, CR_TRACK_WIDTH, t->poly[2]);
    cr_across(p2, -CR_TRACK_WIDTH, t->poly[3]);
    double shade = 0.01 * (i % 3) * 255;
    for (int k = 0; k < 3; k++) t->color[k] = s->road_color[k] + shade;
    t->visited = false;
    if (t->border) {
        double side = cr_sign(p2->beta - p1->beta);
        cr_across(p1, side * CR_TRACK_WIDTH, t->border_poly[0]);
        cr_across(p1, side * (CR_TRACK_WIDTH + CR_BORDER), t->border_poly[1]);
        cr_across(p2, side * (CR_TRACK_WIDTH + CR_BORDER), t->border_poly[2]);
        cr_across(p2, side * CR_TRACK_WIDTH, t->border_poly[3]);
    }
    b2c_body *b = b2c_body_create(s->world, false, 0, 0, 0);
    float xy[8];
    for (int k = 0; k < 8; k++) xy[k] = (float)t->poly[k / 2][k % 2];
    b2c_material m = {.friction = 0.2f, .category = 0x0001, .mask = 0xFFFF, .sensor = true};
    b2c_body_add_polygon(b, xy, 4, &m);
    b2c_body_set_user(b, (uintptr_t)i + 1);
}

/* Gymnasium's _create_track: false when the draws gave no usable loop */
static bool cr_create_track(env_car_racing_state *s)
{
    double cp[CR_CHECKPOINTS][3];
    cr_checkpoints(s, cp);
    if (!cr_close_loop(s, cr_search(s, cp))) return false;
    cr_borders(s);
    for (int i = 0; i < s->n_track; i++) cr_make_tile(s, i);
    return true;
}

/* ---- the car ------------------------------------------------------------------------------- */

static void cr_add_hull_poly(b2c_body *hull, const double (*v)[2], int n)
{
    float xy[16];
    for (int i = 0; i < n; i++) {
        xy[2 * i] = (float)(v[i][0] * CR_SIZE);
        xy[2 * i + 1] = (float)(v[i][1] * CR_SIZE);
    }
    b2c_material m = {.density = 1.0f, .friction = 0.2f, .category = 0x0001, .mask = 0xFFFF};
    b2c_body_add_polygon(hull, xy, n, &m);
}

static void cr_make_car(env_car_racing_state *s, double angle, double x, double y)
{
    s->hull = b2c_body_create(s->world, true, (float)x, (float)y, (float)angle);
    cr_add_hull_poly(s->hull, cr_hull1, 4);
    cr_add_hull_poly(s->hull, cr_hull2, 4);
    cr_add_hull_poly(s->hull, cr_hull3, 8);
    cr_add_hull_poly(s->hull, cr_hull4, 4);
    const float hw = (float)(CR_WHEEL_W * CR_SIZE), hr = (float)(CR_WHEEL_R * CR_SIZE);
    const float wheel[8] = {-hw, +hr, +hw, +hr, +hw, -hr, -hw, -hr};
    for (int k = 0; k < 4; k++) {
        cr_wheel *w = &s->wheels[k];
        double wx = cr_wheel_pos[k][0] * CR_SIZE, wy = cr_wheel_pos[k][1] * CR_SIZE;
        /* Gymnasium places the wheels at the unrotated offsets; the joints pull them in place */
        w->body = b2c_body_create(s->world, true, (float)(x + wx), (float)(y + wy), (float)angle);
        b2c_material m = {.density = 0.1f, .friction = 0.2f, .category = 0x0020, .mask = 0x0001};
        b2c_body_add_polygon(w->body, wheel, 4, &m);
        b2c_body_set_user(w->body, CR_WHEEL_TAG + (uintptr_t)k);
        b2c_revolute_def jd = {
            .a = s->hull,
            .b = w->body,
            .anchor_a = {(float)wx, (float)wy},
            .enable_limit = true,
            .lower_angle = -0.4f,
            .upper_angle = +0.4f,
            .enable_motor = true,
            .max_motor_torque = (float)(180 * 900 * CR_SIZE * CR_SIZE),
        };
        w->joint = b2c_revolute_create(s->world, &jd);
        w->gas = w->brake = w->steer = w->phase = w->omega = 0;
        w->tiles = 0;
    }
}

/* Car.gas: the rear wheels' throttle rises by at most 0.1 a step, falls at once */
static void cr_gas(env_car_racing_state *s, double gas)
{
    gas = fmin(fmax(gas, 0), 1);
    for (int k = 2; k < 4; k++) {
        double diff = gas - s->wheels[k].gas;
        if (diff > 0.1) diff = 0.1;
        s->wheels[k].gas += diff;
    }
}

static void cr_controls(env_car_racing_state *s, double steer, double gas, double brake)
{
    s->wheels[0].steer = s->wheels[1].steer = steer;
    cr_gas(s, gas);
    for (int k = 0; k < 4; k++) s->wheels[k].brake = brake;
}

/* the wheel's spin after the engine and the brake */
static void cr_spin(cr_wheel *w, double dt)
{
    w->omega += dt * CR_ENGINE_POWER * w->gas / CR_WHEEL_MOMENT / (fabs(w->omega) + 5.0);
    if (w->brake >= 0.9) {
        w->omega = 0;
    } else if (w->brake > 0) {
        double dir = -cr_sign(w->omega), val = 15 * w->brake;
        if (fabs(val) > fabs(w->omega)) val = fabs(w->omega);
        w->omega += dir * val;
    }
    w->phase += w->omega * dt;
}

/* Car.step for one wheel: steering motor, spin, and the friction force on the wheel */
static void cr_wheel_step(cr_wheel *w, double dt)
{
    double angle = b2c_joint_angle(w->joint);
    double dir = cr_sign(w->steer - angle), val = fabs(w->steer - angle);
    b2c_joint_set_motor_speed(w->joint, (float)(dir * fmin(50.0 * val, 3.0)));
    double friction_limit = w->tiles > 0 ? CR_FRICTION_LIMIT * 1.0 : CR_FRICTION_LIMIT * 0.6;
    float fx, fy, sx, sy, vx, vy;
    b2c_body_world_vector(w->body, 0, 1, &fx, &fy);
    b2c_body_world_vector(w->body, 1, 0, &sx, &sy);
    b2c_body_velocity(w->body, &vx, &vy);
    double vf = (double)fx * vx + (double)fy * vy, vs = (double)sx * vx + (double)sy * vy;
    cr_spin(w, dt);
    const double wheel_rad = CR_WHEEL_R * CR_SIZE;
    double f_force = (-vf + w->omega * wheel_rad) * (205000 * CR_SIZE * CR_SIZE);
    double p_force = -vs * (205000 * CR_SIZE * CR_SIZE);
    double force = sqrt(f_force * f_force + p_force * p_force);
    if (fabs(force) > friction_limit) {
        f_force = f_force / force * friction_limit;
        p_force = p_force / force * friction_limit;
    }
    w->omega -= dt * f_force * wheel_rad / CR_WHEEL_MOMENT;
    b2c_body_apply_force_center(w->body, (float)(p_force * sx + f_force * fx), (float)(p_force * sy + f_force * fy),
                                true);
}

/* ---- the world ----------------------------------------------------------------------------- */

static bool cr_is_tile(const env_car_racing_state *s, uintptr_t u) { return u >= 1 && u <= (uintptr_t)s->n_track; }

/* Gymnasium's FrictionDetector: whatever touches a tile gives it the road's colour; a wheel's
 * first touch of a tile earns 1000 / N, and the lap is complete when it is tile 0 after more
 * than lap_complete_percent of the tiles */
static void cr_contact(void *ctx, b2c_body *a, b2c_body *b, bool begin)
{
    env_car_racing_state *s = ctx;
    uintptr_t ua = b2c_body_user(a), ub = b2c_body_user(b), other = 0;
    int i = -1;
    if (cr_is_tile(s, ua)) i = (int)(ua - 1), other = ub;
    if (cr_is_tile(s, ub)) i = (int)(ub - 1), other = ua;
    if (i < 0) return;
    cr_tile *t = &s->tiles[i];
    memcpy(t->color, s->road_color, sizeof t->color);
    if (other < CR_WHEEL_TAG || other >= CR_WHEEL_TAG + 4) return;
    cr_wheel *w = &s->wheels[other - CR_WHEEL_TAG];
    if (!begin) {
        w->tiles--;
        return;
    }
    w->tiles++;
    if (t->visited) return;
    t->visited = true;
    s->reward += 1000.0 / s->n_track;
    s->tile_visited_count++;
    if (i == 0 && (double)s->tile_visited_count / s->n_track > s->p.lap_complete_percent) s->new_lap = true;
}

/* the picture of the state as the observation: 96 x 96 x 3 values in 0..255 */
static void cr_observe(env_car_racing_state *s, float *obs)
{
    env_car_racing_draw(s, &s->canvas);
    env_raster_downsample(&s->canvas, CR_OBS_SUPERSAMPLE, s->frame);
    for (int i = 0; i < CR_OBS_SIDE * CR_OBS_SIDE * 3; i++) obs[i] = s->frame[i];
}

/* one step; action NULL is the reset's (no control, no reward) */
static void cr_advance(env_car_racing_state *s, const float *action, float *obs, float *reward, bool *terminated)
{
    if (action && s->p.continuous) {
        cr_controls(s, -(double)action[0], action[1], action[2]);
    } else if (action) {
        int a = (int)action[0];
        cr_controls(s, -0.6 * (a == 1) + 0.6 * (a == 2), 0.2 * (a == 3), 0.8 * (a == 4));
    }
    for (int k = 0; k < 4; k++) cr_wheel_step(&s->wheels[k], 1.0 / CR_FPS);
    b2c_world_step(s->world, (float)(1.0 / CR_FPS), CR_VEL_ITERS, CR_POS_ITERS);
    s->t += 1.0 / CR_FPS;
    cr_observe(s, obs);
    double r = 0;
    *terminated = false;
    if (action) {
        s->reward -= 0.1;
        r = s->reward - s->prev_reward;
        s->prev_reward = s->reward;
        if (s->tile_visited_count == s->n_track || s->new_lap) *terminated = true;
        float x, y;
        b2c_body_position(s->hull, &x, &y);
        if (fabs(x) > CR_PLAYFIELD || fabs(y) > CR_PLAYFIELD) {
            *terminated = true;
            r = -100;
        }
    }
    *reward = (float)r;
}

/* ---- the env_def functions ----------------------------------------------------------------- */

static rl_status cr_init(void *state, char *err, size_t err_sz)
{
    (void)err;
    (void)err_sz;
    env_car_racing_state *s = state;
    env_raster_alloc(&s->canvas, CR_OBS_SIDE * CR_OBS_SUPERSAMPLE, CR_OBS_SIDE * CR_OBS_SUPERSAMPLE);
    return RL_OK;
}

static void cr_seed(void *state, uint64_t seed) { rl_pcg64_seed(&((env_car_racing_state *)state)->np_random, seed); }

/* a new world with a track (redrawn until one closes) and the car on its first point */
static void cr_reset(void *state, rl_rng *rng, float *obs)
{
    (void)rng;
    env_car_racing_state *s = state;
    s->reward = s->prev_reward = 0;
    s->tile_visited_count = 0;
    s->t = 0;
    s->new_lap = false;
    cr_colors(s);
    for (;;) {
        b2c_world_destroy(s->world);
        s->world = b2c_world_create(0.0f, 0.0f);
        RL_ASSERT_MSG(s->world, "CarRacing: out of memory creating the Box2D world");
        s->n_track = 0;
        if (cr_create_track(s)) break;
    }
    b2c_world_set_contact_fn(s->world, cr_contact, s);
    cr_make_car(s, s->track[0].beta, s->track[0].x, s->track[0].y);
    float reward;
    bool terminated;
    cr_advance(s, NULL, obs, &reward, &terminated);
}

static void cr_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    (void)rng;
    env_car_racing_state *s = state;
    RL_ASSERT_MSG(s->world, "CarRacing: step before reset");
    cr_advance(s, action, obs, reward, terminated);
    *truncated = false;
}

static void cr_close(void *state)
{
    env_car_racing_state *s = state;
    b2c_world_destroy(s->world);
    s->world = NULL;
    free(s->canvas.px);
    s->canvas.px = NULL;
}

static const float cr_act_low[3] = {-1.0f, 0.0f, 0.0f};
static const float cr_act_high[3] = {1.0f, 1.0f, 1.0f};
#define CR_OBS_DIM (CR_OBS_SIDE * CR_OBS_SIDE * 3)
static const float cr_obs_low[CR_OBS_DIM];
static float cr_obs_high[CR_OBS_DIM];

/* the bounds' 255s, set before main (a static initializer would spell out 27648 values) */
__attribute__((constructor)) static void cr_fill_bounds(void)
{
    for (int i = 0; i < CR_OBS_DIM; i++) cr_obs_high[i] = 255.0f;
}

static const env_space cr_discrete = {.kind = ENV_SPACE_DISCRETE, .n = 5, .dim = 1};
static const env_space cr_continuous = {.kind = ENV_SPACE_BOX, .dim = 3, .low = cr_act_low, .high = cr_act_high};

rl_status env_car_racing_def(env_def *def, const env_def *base, env_car_racing_params *params_storage,
                             const env_car_racing_params *p, char *err, size_t err_sz)
{
    if (!base || base->init != cr_init)
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_car_racing_def: the base is not a CarRacing definition");
    if (!(p->lap_complete_percent >= 0.0 && p->lap_complete_percent <= 1.0))
        return rl_errf(err, err_sz, RL_ERR_ARG, "CarRacing: lap_complete_percent %g, expected a value in [0, 1]",
                       p->lap_complete_percent);
    *params_storage = *p;
    *def = *base;
    def->params = params_storage;
    def->act_space = p->continuous ? cr_continuous : cr_discrete;
    return RL_OK;
}

static const env_car_racing_params cr_params = {.continuous = true, .domain_randomize = false,
                                                .lap_complete_percent = 0.95};

const env_def env_car_racing_v3 = {
    .id = "CarRacing-v3",
    .state_size = sizeof(env_car_racing_state),
    .max_episode_steps = 1000,
    .reward_threshold = 900.0,
    .obs_space = {.kind = ENV_SPACE_BOX, .dim = CR_OBS_DIM, .low = cr_obs_low, .high = cr_obs_high, .rank = 3,
                  .shape = {CR_OBS_SIDE, CR_OBS_SIDE, 3}, .elem = ENV_ELEM_UINT8},
    .act_space = {.kind = ENV_SPACE_BOX, .dim = 3, .low = cr_act_low, .high = cr_act_high},
    .init = cr_init,
    .reset = cr_reset,
    .step = cr_step,
    .close = cr_close,
    .seed = cr_seed,
    .params = &cr_params,
    .params_size = sizeof cr_params,
};
