/* rlc tests: the image wrappers (envs/pixels.h): the pixels observation's space and values, a
 * CartPole frame showing the cart where the state puts it and matching the renderer's own frame
 * resized, the inner trajectory unchanged, frame_stack's ordering (newest last) and reset padding,
 * the vector env's autoreset giving the new episode's stacked frames, the same results on one
 * thread or two, and the errors (no renderer, sizes, k, Discrete spaces, env.mask_velocity) named
 * through trainer_env as the config's keys, and the action masks forwarded from the inner environment. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "envs/env.h"
#include "envs/pixels.h"
#include "envs/render.h"
#ifdef RLC_HAVE_MUJOCO
#include "envs/mujoco/mujoco_envs.h"
#endif
#include "train/trainer_env.h"

static const env_def *cartpole(void)
{
    const env_def *d = env_find("CartPole-v1");
    cr_assert_not_null(d);
    return d;
}

static env_def *pixels_of(const env_def *inner, int w, int h, bool gray)
{
    char err[512];
    env_def *d;
    const env_pixels_opts o = {.width = w, .height = h, .grayscale = gray};
    cr_assert_eq(env_pixels_def(inner, &o, &d, err, sizeof err), RL_OK, "%s", err);
    return d;
}

static env_def *stack_of(const env_def *inner, int k)
{
    char err[512];
    env_def *d;
    cr_assert_eq(env_frame_stack_def(inner, k, &d, err, sizeof err), RL_OK, "%s", err);
    return d;
}

static void make(env_instance *e, const env_def *d)
{
    char err[512];
    cr_assert_eq(env_make_def(e, d, 0, err, sizeof err), RL_OK, "%s", err);
}

Test(pixels, space_is_an_image_of_uint8)
{
    env_def *gray = pixels_of(cartpole(), 84, 64, true), *rgb = pixels_of(cartpole(), 32, 16, false);
    const env_space *g = &gray->obs_space, *c = &rgb->obs_space;
    cr_assert(g->kind == ENV_SPACE_BOX && g->rank == 3 && g->elem == ENV_ELEM_UINT8);
    cr_assert(g->shape[0] == 64 && g->shape[1] == 84 && g->shape[2] == 1 && g->dim == 64 * 84);
    cr_assert(c->shape[0] == 16 && c->shape[1] == 32 && c->shape[2] == 3 && c->dim == 16 * 32 * 3);
    cr_assert(g->low[0] == 0 && g->high[g->dim - 1] == 255 && c->low[c->dim - 1] == 0 && c->high[0] == 255);
    cr_assert(gray->act_space.kind == ENV_SPACE_DISCRETE && gray->act_space.n == 2);
    cr_assert_eq(gray->max_episode_steps, 500);
    env_instance e;
    make(&e, rgb);
    float *obs = malloc(sizeof(float) * c->dim);
    env_reset(&e, 3, obs);
    int white = 0;
    for (int i = 0; i < c->dim; i++) {
        cr_assert(obs[i] >= 0 && obs[i] <= 255 && obs[i] == floorf(obs[i]), "value %d: %g", i, obs[i]);
        white += obs[i] == 255;
    }
    cr_assert_gt(white, c->dim / 2, "the background is white");
    free(obs);
    env_close(&e);
    free(gray);
    free(rgb);
}

/* the column centroid of dark pixels in row y of a grayscale (h, w) frame, in pixel units */
static double dark_centroid(const float *img, int w, int y)
{
    double sum = 0, wsum = 0;
    for (int x = 0; x < w; x++) {
        double d = img[y * w + x] < 128 ? 255 - img[y * w + x] : 0;
        sum += d * (x + 0.5);
        wsum += d;
    }
    cr_assert_gt(wsum, 0, "no dark pixel in row %d", y);
    return sum / wsum;
}

/* rgb (H, W, 3) averaged over the area of each of the (h, w) cells, in luma */
static void area_resize_gray(const uint8_t *rgb, int W, int H, float *out, int w, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double acc[3] = {0}, n = 0;
            for (int Y = y * H / h; Y < (y + 1) * H / h; Y++)
                for (int X = x * W / w; X < (x + 1) * W / w; X++, n++)
                    for (int c = 0; c < 3; c++) acc[c] += rgb[((size_t)Y * W + X) * 3 + c];
            out[y * w + x] = (float)((0.299 * acc[0] + 0.587 * acc[1] + 0.114 * acc[2]) / n);
        }
}

Test(pixels, cartpole_frame_shows_the_cart_where_the_state_puts_it)
{
    enum { W = 84, H = 84 };
    env_def *d = pixels_of(cartpole(), W, H, true);
    env_instance plain, pix;
    make(&plain, cartpole());
    make(&pix, d);
    float s[4], *img = malloc(sizeof(float) * W * H), *ref = malloc(sizeof(float) * W * H);
    for (int seed = 0; seed < 3; seed++) {
        env_reset(&plain, seed, s);
        env_reset(&pix, seed, img);
        /* push the cart off centre so its place is worth checking */
        for (int t = 0; t < 8; t++) {
            float a = seed == 1 ? 0.0f : 1.0f, r;
            bool term, trunc;
            env_step(&plain, &a, s, &r, &term, &trunc);
            env_step(&pix, &a, img, &r, &term, &trunc);
        }
        /* Gymnasium's layout: 600 px for 4.8 m, the cart (y 85..115 of a y-up 400 px screen)
         * spans row 65 of 84 below the track line */
        double want = (s[0] * 600 / 4.8 + 300) * W / 600.0;
        cr_assert(fabs(dark_centroid(img, W, 65) - want) < 0.75, "seed %d: cart at %g, expected %g", seed,
                  dark_centroid(img, W, 65), want);
        /* the renderer's own 600x400 frame, area-resized, is the same picture */
        env_renderer *r;
        char err[256];
        cr_assert_eq(env_render_open(&r, &plain, 0, 0, err, sizeof err), RL_OK, "%s", err);
        uint8_t *big = malloc(600 * 400 * 3);
        cr_assert_eq(env_render_frame(r, &plain, big, err, sizeof err), RL_OK, "%s", err);
        area_resize_gray(big, 600, 400, ref, W, H);
        double diff = 0;
        for (int i = 0; i < W * H; i++) diff += fabs(img[i] - ref[i]);
        cr_assert_lt(diff / (W * H), 6.0, "seed %d: mean difference %g grey levels", seed, diff / (W * H));
        free(big);
        env_render_close(r);
    }
    free(img);
    free(ref);
    env_close(&plain);
    env_close(&pix);
    free(d);
}

/* a wrapped CartPole plays the same episodes as the plain one (the inner env gets the instance's
 * rng and seeds) */
Test(pixels, inner_trajectory_is_unchanged)
{
    env_def *p = pixels_of(cartpole(), 16, 16, true), *d = stack_of(p, 3);
    env_instance plain, wrapped;
    make(&plain, cartpole());
    make(&wrapped, d);
    float s[4], *img = malloc(sizeof(float) * d->obs_space.dim);
    env_reset(&plain, 11, s);
    env_reset(&wrapped, 11, img);
    int episodes = 0;
    for (int t = 0; t < 300; t++) {
        float a = (float)((t * 7 / 3) % 2), r1, r2;
        bool te1, tr1, te2, tr2;
        env_step(&plain, &a, s, &r1, &te1, &tr1);
        env_step(&wrapped, &a, img, &r2, &te2, &tr2);
        cr_assert(r1 == r2 && te1 == te2 && tr1 == tr2, "step %d", t);
        if (te1 || tr1) {
            episodes++;
            env_reset(&plain, -1, s);
            env_reset(&wrapped, -1, img);
        }
    }
    cr_assert_gt(episodes, 3);
    free(img);
    env_close(&plain);
    env_close(&wrapped);
    free(d);
    free(p);
}

/* frame_stack on CartPole's state vector: frame j (oldest first) at [4 j, 4 j + 4) */
Test(frame_stack, newest_last_and_reset_pads_with_the_first_observation)
{
    env_def *d = stack_of(cartpole(), 3);
    cr_assert(d->obs_space.dim == 12 && d->obs_space.rank == 0);
    cr_assert(d->obs_space.low[0] == cartpole()->obs_space.low[0] && d->obs_space.high[9] == cartpole()->obs_space.high[1]);
    env_instance plain, st;
    make(&plain, cartpole());
    make(&st, d);
    float hist[6][4], obs[12];
    for (int round = 0; round < 2; round++) {   /* the second reset must forget the first episode */
        env_reset(&plain, 5 + round, hist[0]);
        env_reset(&st, 5 + round, obs);
        for (int j = 0; j < 3; j++) cr_assert_arr_eq(obs + 4 * j, hist[0], sizeof hist[0], "reset slot %d", j);
        for (int t = 1; t < 6; t++) {
            float a = (float)(t % 2), r;
            bool te, tr;
            env_step(&plain, &a, hist[t], &r, &te, &tr);
            env_step(&st, &a, obs, &r, &te, &tr);
            for (int j = 0; j < 3; j++) {
                int src = t - 2 + j < 0 ? 0 : t - 2 + j;
                cr_assert_arr_eq(obs + 4 * j, hist[src], sizeof hist[0], "step %d slot %d", t, j);
            }
        }
    }
    env_close(&plain);
    env_close(&st);
    free(d);
}

/* on images the frames are stacked along the channels: (y, x, j C + c) */
Test(frame_stack, images_stack_along_the_channels)
{
    env_def *p = pixels_of(cartpole(), 16, 16, false), *d = stack_of(p, 2);
    const env_space *sp = &d->obs_space;
    cr_assert(sp->rank == 3 && sp->shape[0] == 16 && sp->shape[1] == 16 && sp->shape[2] == 6);
    cr_assert(sp->elem == ENV_ELEM_UINT8 && sp->high[sp->dim - 1] == 255);
    env_instance pe, se;
    make(&pe, p);
    make(&se, d);
    float prev[768], cur[768], obs[1536];
    env_reset(&pe, 2, cur);
    env_reset(&se, 2, obs);
    int moved = 0;
    for (int t = 0; t < 6; t++) {
        memcpy(prev, cur, sizeof cur);
        float a = 1, r;
        bool te, tr;
        env_step(&pe, &a, cur, &r, &te, &tr);
        env_step(&se, &a, obs, &r, &te, &tr);
        for (int px = 0; px < 256; px++)
            for (int c = 0; c < 3; c++) {
                cr_assert_eq(obs[px * 6 + c], prev[px * 3 + c], "step %d pixel %d", t, px);
                cr_assert_eq(obs[px * 6 + 3 + c], cur[px * 3 + c], "step %d pixel %d", t, px);
                moved += prev[px * 3 + c] != cur[px * 3 + c];
            }
    }
    cr_assert_gt(moved, 0, "the frames change as the cart moves");
    env_close(&pe);
    env_close(&se);
    free(d);
    free(p);
}

/* the vector env's same-step autoreset: a finished copy's obs is the new episode's first frame in
 * every slot, its final_obs the old episode's last stack */
Test(frame_stack, vector_autoreset_gives_the_new_episodes_frames)
{
    env_def *p = pixels_of(cartpole(), 16, 16, true), *d = stack_of(p, 4);
    env_vec v;
    char err[512];
    const env_vec_opts o = {.one_hot = true};
    cr_assert_eq(env_vec_make_def(&v, d, 2, &o, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(v.obs_dim, 16 * 16 * 4);
    env_vec_reset(&v, 4);
    float act[2] = {1, 1};
    int resets = 0;
    for (int t = 0; t < 200 && resets < 3; t++) {
        env_vec_step(&v, act);
        for (int i = 0; i < 2; i++) {
            if (!v.terminated[i] && !v.truncated[i]) continue;
            resets++;
            const float *row = v.obs + (size_t)i * v.obs_dim, *fin = v.final_obs + (size_t)i * v.obs_dim;
            int differ = 0;
            for (int px = 0; px < 256; px++) {
                for (int j = 1; j < 4; j++) cr_assert_eq(row[px * 4 + j], row[px * 4], "copy %d pixel %d", i, px);
                differ += fin[px * 4 + 3] != fin[px * 4];
            }
            cr_assert_gt(differ, 0, "the final stack holds the old episode's last moves");
        }
    }
    cr_assert_geq(resets, 3);
    env_vec_free(&v);
    free(d);
    free(p);
}

/* copies stepped on two threads (each with its own renderer) give what one thread gives */
Test(pixels, same_observations_on_one_thread_or_two)
{
    env_def *p = pixels_of(cartpole(), 24, 20, false), *d = stack_of(p, 2);
    env_vec a, b;
    char err[512];
    cr_assert_eq(env_vec_make_def(&a, d, 4, NULL, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_vec_make_def(&b, d, 4, NULL, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_vec_set_threads(&b, 2, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&a, 9);
    env_vec_reset(&b, 9);
    for (int t = 0; t < 60; t++) {
        float act[4] = {(float)(t % 2), 1, 0, (float)(t / 3 % 2)};
        env_vec_step(&a, act);
        env_vec_step(&b, act);
        cr_assert_arr_eq(a.obs, b.obs, sizeof(float) * 4 * a.obs_dim, "step %d", t);
        cr_assert_arr_eq(a.terminated, b.terminated, 4 * sizeof(bool));
    }
    env_vec_free(&a);
    env_vec_free(&b);
    free(d);
    free(p);
}

Test(pixels, bad_arguments_are_refused_naming_the_environment)
{
    char err[512];
    env_def *d = (env_def *)1, norender = *cartpole();
    norender.id = "NoRender-v0";
    cr_assert_eq(env_pixels_def(&norender, &(env_pixels_opts){84, 84, true}, &d, err, sizeof err),
                 RL_ERR_UNSUPPORTED);
    cr_assert_null(d);
    cr_assert(strstr(err, "NoRender-v0") && strstr(err, "no renderer"), "%s", err);
    cr_assert_eq(env_pixels_def(cartpole(), &(env_pixels_opts){8, 84, true}, &d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "8x84") && strstr(err, "CartPole-v1"), "%s", err);
    cr_assert_eq(env_frame_stack_def(cartpole(), 0, &d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "0 frames"), "%s", err);
    cr_assert_eq(env_frame_stack_def(cartpole(), ENV_FRAME_STACK_MAX + 1, &d, err, sizeof err), RL_ERR_ARG);
    env_def *big = pixels_of(cartpole(), 1024, 1024, false);
    cr_assert_eq(env_frame_stack_def(big, 2, &d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "exceed"), "%s", err);
    free(big);
    cr_assert_eq(env_frame_stack_def(env_find("FrozenLake-v1"), 4, &d, err, sizeof err), RL_ERR_UNSUPPORTED);
    cr_assert(strstr(err, "FrozenLake-v1") && strstr(err, "Discrete"), "%s", err);
}

/* the config's keys: trainer_env builds the wrapped environment or names the key it refuses */
static rl_status open_cfg(const char *const *sets, int n, trainer_env *te, char *err, size_t err_sz)
{
    rl_config *cfg = malloc(sizeof *cfg);
    cr_assert_eq(rl_config_load_string(cfg, "algo: ppo\n", "px.yaml", sets, n, err, err_sz), RL_OK, "%s", err);
    rl_status st = trainer_env_open(te, cfg, "px.yaml", false, err, err_sz);
    free(cfg);
    return st;
}

Test(pixels, trainer_env_builds_what_the_config_asks)
{
    char err[1024];
    trainer_env te;
    const char *ok[] = {"env.pixels=true", "env.pixels_width=40", "env.pixels_height=30", "env.pixels_grayscale=true",
                        "env.frame_stack=4"};
    cr_assert_eq(open_cfg(ok, 5, &te, err, sizeof err), RL_OK, "%s", err);
    const env_space *sp = &te.view.obs_space;
    cr_assert(sp->rank == 3 && sp->shape[0] == 30 && sp->shape[1] == 40 && sp->shape[2] == 4 && sp->elem == ENV_ELEM_UINT8);
    cr_assert(!te.one_hot && te.raw_dim == 30 * 40 * 4);
    trainer_env_close(&te);

    static env_def norender;
    norender = *cartpole();
    norender.id = "NoRenderPx-v0";
    cr_assert_eq(env_register(&norender, err, sizeof err), RL_OK, "%s", err);
    const char *nr[] = {"env.id=NoRenderPx-v0", "env.pixels=true"};
    cr_assert_eq(open_cfg(nr, 2, &te, err, sizeof err), RL_ERR_CONFIG);
    cr_assert(strstr(err, "px.yaml: env.pixels") && strstr(err, "NoRenderPx-v0"), "%s", err);
    const char *mv[] = {"env.pixels=true", "env.mask_velocity=true"};
    cr_assert_eq(open_cfg(mv, 2, &te, err, sizeof err), RL_ERR_CONFIG);
    cr_assert(strstr(err, "env.mask_velocity") && strstr(err, "env.pixels"), "%s", err);
    /* a stack of masked states: the velocities of every frame are hidden, the positions kept */
    const char *ms[] = {"env.mask_velocity=true", "env.frame_stack=3"};
    cr_assert_eq(open_cfg(ms, 2, &te, err, sizeof err), RL_OK, "%s", err);
    cr_assert(te.raw_dim == 12 && te.vel_mask);
    for (int i = 0; i < 12; i++) cr_assert_eq(te.vel_mask[i], i % 4 == 1 || i % 4 == 3, "component %d", i);
    float raw[12], seen[12];
    for (int i = 0; i < 12; i++) raw[i] = (float)(i + 1);
    trainer_env_encode(&te, raw, seen, 1);
    for (int i = 0; i < 12; i++) cr_assert_eq(seen[i], te.vel_mask[i] ? 0.0f : raw[i], "component %d", i);
    trainer_env_close(&te);
    const char *fl[] = {"env.id=FrozenLake-v1", "env.frame_stack=2"};
    cr_assert_eq(open_cfg(fl, 2, &te, err, sizeof err), RL_ERR_CONFIG);
    cr_assert(strstr(err, "env.frame_stack") && strstr(err, "FrozenLake-v1"), "%s", err);
    /* k out of range is the config layer's error, naming the key */
    rl_config *cfg = malloc(sizeof *cfg);
    const char *huge[] = {"env.frame_stack=65"};
    cr_assert_eq(rl_config_load_string(cfg, "algo: ppo\n", "px.yaml", huge, 1, err, sizeof err), RL_ERR_CONFIG);
    cr_assert(strstr(err, "frame_stack"), "%s", err);
    free(cfg);
}

/* a renderer opened on a wrapped instance draws the environment's own scene (rlc record of a
 * policy trained on pixels) */
Test(pixels, renderer_of_a_wrapped_instance_draws_the_scene)
{
    env_def *p = pixels_of(cartpole(), 16, 16, true), *d = stack_of(p, 2);
    env_instance plain, wrapped;
    make(&plain, cartpole());
    make(&wrapped, d);
    float s[4], *o = malloc(sizeof(float) * d->obs_space.dim);
    env_reset(&plain, 1, s);
    env_reset(&wrapped, 1, o);
    env_renderer *ra, *rb;
    char err[256];
    cr_assert_eq(env_render_open(&ra, &plain, 0, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_render_open(&rb, &wrapped, 0, 0, err, sizeof err), RL_OK, "%s", err);
    int w, h;
    env_render_size(rb, &w, &h, NULL);
    cr_assert(w == 600 && h == 400, "%dx%d", w, h);
    uint8_t *fa = malloc(600 * 400 * 3), *fb = malloc(600 * 400 * 3);
    cr_assert_eq(env_render_frame(ra, &plain, fa, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_render_frame(rb, &wrapped, fb, err, sizeof err), RL_OK, "%s", err);
    cr_assert_arr_eq(fa, fb, 600 * 400 * 3);
    free(fa);
    free(fb);
    free(o);
    env_render_close(ra);
    env_render_close(rb);
    env_close(&plain);
    env_close(&wrapped);
    free(d);
    free(p);
}

static bool is_mujoco(const env_def *d)
{
#ifdef RLC_HAVE_MUJOCO
    int n;
    const env_def *const *defs = env_mujoco_defs(&n);
    for (int i = 0; i < n; i++)
        if (defs[i] == d) return true;
#else
    (void)d;
#endif
    return false;
}

/* Whether the pixels wrapper accepts an environment and whether rlc record can draw it are one
 * question: every built-in id that a renderer opens for is available to the wrapper (the Box2D
 * ids were refused by the wrapper while rlc record drew them). */
Test(pixels, wrapper_accepts_every_environment_the_renderer_draws)
{
    int n, drawn = 0;
    const env_def *const *defs = env_list(&n);
    for (int i = 0; i < n; i++) {
        env_instance e;
        char err[512];
        if (is_mujoco(defs[i])) {   /* opening MuJoCo's renderer (OSMesa) costs about a second */
            cr_assert(env_render_available(defs[i]), "%s", defs[i]->id);
            continue;
        }
        if (env_make_def(&e, defs[i], 0, err, sizeof err) != RL_OK) continue;
        env_renderer *r = NULL;
        bool opens = env_render_open(&r, &e, 32, 32, err, sizeof err) == RL_OK;
        env_render_close(r);
        env_close(&e);
        cr_assert_eq(env_render_available(defs[i]), opens, "%s: renderer %s, wrapper %s", defs[i]->id,
                     opens ? "opens" : "refuses", opens ? "refuses" : "accepts");
        drawn += opens;
    }
    cr_assert_gt(drawn, 20);
#ifdef RLC_HAVE_BOX2D
    env_def *d = pixels_of(env_find("LunarLander-v3"), 32, 24, true);
    cr_assert_eq(d->obs_space.dim, 32 * 24);
    free(d);
#endif
}

/* the wrappers forward the inner environment's valid actions (Taxi's masks through env.pixels and
 * env.frame_stack),
 * computed from its own state: the masks of a wrapped Taxi equal the plain Taxi's on the same
 * seeds and actions, after every reset and step */
Test(pixels, action_masks_are_the_inner_environments)
{
    const env_def *taxi = env_find("Taxi-v3");
    cr_assert_not_null(taxi);
    cr_assert_not_null(taxi->action_mask);
    env_def *d = pixels_of(taxi, 16, 16, true);
    cr_assert_not_null(d->action_mask, "env.pixels drops Taxi's action masks");
    env_def *st = stack_of(d, 2);   /* pixels, then frame_stack: the mask through both */
    cr_assert_not_null(st->action_mask, "env.frame_stack drops the action masks");
    env_instance w, plain;
    make(&w, st);
    make(&plain, taxi);
    float *ow = calloc((size_t)st->obs_space.dim, sizeof(float)), op;
    uint8_t mw[6], mp[6];
    int differ = 0;
    for (int ep = 0; ep < 20; ep++) {
        env_reset(&w, 100 + ep, ow);
        env_reset(&plain, 100 + ep, &op);
        for (int t = 0; t < 8; t++) {
            st->action_mask(w.state, mw);
            taxi->action_mask(plain.state, mp);
            differ += memcmp(mw, mp, sizeof mw) != 0;
            int a = (ep + t) % 6;
            while (!mp[a]) a = (a + 1) % 6;
            float act = (float)a, r;
            bool term, trunc;
            env_step(&w, &act, ow, &r, &term, &trunc);
            env_step(&plain, &act, &op, &r, &term, &trunc);
            if (term || trunc) break;
        }
    }
    cr_assert_eq(differ, 0, "%d of the wrapped Taxi's masks differ from the plain Taxi's", differ);
    free(ow);
    env_close(&w);
    env_close(&plain);
    free(st);
    free(d);
}
