/* rlc envs: drawing an environment's current state into an RGB image (rlc record).
 *
 * Classic control (CartPole-v1, Pendulum-v1, MountainCar-v0, MountainCarContinuous-v0,
 * Acrobot-v1) is drawn with cairo after Gymnasium's renderers (same scene, sizes and colours),
 * the toy-text environments (FrozenLake, CliffWalking, Taxi, Blackjack) with cairo at Gymnasium's
 * sizes in flat colours, LunarLander and BipedalWalker with cairo after Gymnasium's renderer,
 * CarRacing with rlc's own rasterizer (envs/raster.h) as its observation is drawn;
 * the MuJoCo tasks are rendered offscreen by MuJoCo's own renderer (mjv_/mjr_) on an OSMesa
 * context, with a camera that follows the model's first body; the MinAtar games as coloured cells,
 * the way MinAtar's GUI draws them (envs/minatar/render_minatar.c). Any other registered environment
 * (a plugin's, a program's own) is drawn by the function its author registers with
 * env_register_renderer; without one env_render_open says there is no renderer. */
#ifndef RLC_ENVS_RENDER_H
#define RLC_ENVS_RENDER_H

#include <stdint.h>

#include "envs/env.h"

typedef struct env_renderer env_renderer;

/* A renderer for an environment rlc does not draw itself. draw writes the picture of state (the
 * environment's state, as its step left it) into rgb: height rows of width pixels, top to
 * bottom, 3 bytes (R, G, B) each, for any width and height in [16, 4096]. It returns RL_OK, or a
 * status with a message in err. */
typedef struct env_render_def {
    const char *id;           /* the registered environment it draws */
    int width, height;        /* the default frame size, each even and in [16, 4096] (videos
                                 need even sizes) */
    int fps;                  /* the natural frame rate (Gymnasium's render_fps), in [1, 1000] */
    rl_status (*draw)(const void *state, uint8_t *rgb, int width, int height, char *err, size_t err_sz);
} env_render_def;

/* Registers def (the pointer must outlive the program; a plugin calls this from rlc_plugin_init
 * after env_register). RL_ERR_ARG, naming the id, when the id is not registered, already has a
 * renderer (built in or registered), draw is NULL or a size or rate is out of range. */
rl_status env_register_renderer(const env_render_def *def, char *err, size_t err_sz);
/* The registered renderer of id, or NULL. */
const env_render_def *env_find_renderer(const char *id);

/* Whether rlc can draw def's environment (a classic-control, toy-text, Box2D, MinAtar or MuJoCo
 * task, or one with a registered renderer), without opening a renderer. */
bool env_render_available(const env_def *def);

/* Opens a renderer for e's kind of environment. width/height <= 0 pick the environment's
 * default size (Gymnasium's: 600x400 CartPole and MountainCar, 500x500 Pendulum and Acrobot,
 * 480x480 MuJoCo, 320x320 MinAtar, 256x256 FrozenLake-v1, 512x512 FrozenLake8x8-v1, 720x240
 * CliffWalking, 550x350 Taxi, 600x500 Blackjack, 600x400 LunarLander, BipedalWalker and
 * CarRacing, the registered size otherwise). Errors:
 * RL_ERR_UNSUPPORTED when the
 * environment has no renderer,
 * RL_ERR_ARG for a size outside [16, 4096]. */
rl_status env_render_open(env_renderer **r, const env_instance *e, int width, int height, char *err,
                          size_t err_sz);
/* The frame size and the environment's natural frame rate (Gymnasium's render_fps; 1/dt for
 * MuJoCo, rounded). */
void env_render_size(const env_renderer *r, int *width, int *height, int *fps);
/* Draws e's current state into rgb (height, width, 3), rows top to bottom. e must be of the
 * kind the renderer was opened for. */
rl_status env_render_frame(env_renderer *r, const env_instance *e, uint8_t *rgb, char *err, size_t err_sz);
void env_render_close(env_renderer *r);   /* NULL-safe */
/* Whether the renderers opened after this call antialias MuJoCo frames (4x multisampling, the
 * default: true). Off, OSMesa rasterises a 480x480 frame about 2.4 times as fast, with stair-step
 * edges (rlc record --fast; docs/recording.md). Process-wide; other renderers ignore it. */
void env_render_antialias(bool on);

/* ---- the back ends (render.c dispatches to them) ----------------------------------------- */

/* Classic control, cairo (envs/classic/render_classic.c). find returns NULL for other ids. */
typedef struct {
    const char *id;
    int width, height, fps;   /* Gymnasium's screen size and render_fps */
    /* draws state (the env's state struct) on cr (a cairo_t) of width x height pixels */
    void (*draw)(void *cr, const void *state, int width, int height);
} env_render_classic;
const env_render_classic *env_render_classic_find(const char *id);
/* The toy-text environments, cairo too (envs/toytext/render_toytext.c); NULL for other ids. */
const env_render_classic *env_render_toytext_find(const char *id);
/* The Box2D environments, cairo too (envs/box2d/render_box2d.c, only in a build with Box2D);
 * NULL for other ids. */
const env_render_classic *env_render_box2d_find(const char *id);
/* CarRacing-v3 (envs/box2d/car_racing_draw.c, only with Box2D): a renderer of the registered kind
 * drawing with envs/raster.h, 600 x 400 at 50 frames per second by default; NULL for other ids. */
const env_render_def *env_render_car_racing_find(const char *id);

/* MinAtar (envs/minatar/render_minatar.c): built-in renderers of the registered kind, 320 x 320 at
 * 20 frames per second by default; NULL for other ids. */
const env_render_def *env_render_minatar_find(const char *id);

/* MuJoCo on OSMesa (envs/mujoco/render_mujoco.c, only in a build with MuJoCo); *fps receives
 * the task's 1/dt, rounded. */
typedef struct env_render_mj env_render_mj;
rl_status env_render_mj_open(env_render_mj **m, const env_instance *e, int width, int height, bool antialias,
                             int *fps, char *err, size_t err_sz);
rl_status env_render_mj_frame(env_render_mj *m, const env_instance *e, uint8_t *rgb, char *err, size_t err_sz);
void env_render_mj_close(env_render_mj *m);

#endif
