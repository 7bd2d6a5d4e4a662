/* rlc envs: the pixels and frame_stack wrappers (envs/pixels.h). */
#include "envs/pixels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/callback.h"
#include "envs/imgprep.h"
#include "envs/render.h"

#ifdef RLC_HAVE_MUJOCO
#include "envs/mujoco/mujoco_envs.h"
#endif

/* ---- what both wrappers share -------------------------------------------------------------- */

/* the parameters a wrapped definition copies to the start of each instance's state */
typedef struct {
    const env_def *inner;
    int width, height, channels;   /* pixels: the frame; frame_stack: channels of one frame */
    bool grayscale;
    int k;                         /* frame_stack: frames stacked */
    int frame_dim;                 /* frame_stack: values of one inner observation */
} wrap_params;

/* the definition, its parameters and its bounds in one allocation */
typedef struct {
    env_def def;
    wrap_params params;
    float bounds[];   /* low (dim) then high (dim) */
} wrap_block;

/* a wrapped definition of inner with an observation space of dim values (bounds left to fill) */
static wrap_block *wrap_alloc(const env_def *inner, const wrap_params *p, size_t state_size, int dim)
{
    wrap_block *b = rl_xcalloc(1, sizeof *b + 2 * (size_t)dim * sizeof(float));
    b->params = *p;
    b->def = *inner;
    b->def.state_size = state_size;
    b->def.params = &b->params;
    b->def.params_size = sizeof b->params;
    b->def.obs_space = (env_space){.kind = ENV_SPACE_BOX, .dim = dim, .low = b->bounds, .high = b->bounds + dim};
    return b;
}

/* the inner instance, made in the wrapper's init (the state begins with the parameters) */
static rl_status wrap_inner_make(env_instance *inner, const wrap_params *p, char *err, size_t err_sz)
{
    return env_make_def(inner, p->inner, 0, err, err_sz);
}

static void wrap_inner_reset(env_instance *inner, rl_rng *rng, float *obs)
{
    inner->def->reset(inner->state, rng, obs);
}

static void wrap_inner_step(env_instance *inner, rl_rng *rng, const float *action, float *obs, float *reward,
                            bool *terminated, bool *truncated)
{
    inner->def->step(inner->state, rng, action, obs, reward, terminated, truncated);
}

/* ---- pixels ------------------------------------------------------------------------------- */

typedef struct {
    wrap_params p;
    env_instance inner;
    env_renderer *r;
    uint8_t *rgb;        /* (height, width, 3) the frame */
    float *inner_obs;    /* the inner environment's own observation (unused) */
} pix_state;

static void pix_close(void *state)
{
    pix_state *s = state;
    env_render_close(s->r);
    env_close(&s->inner);
    free(s->rgb);
    free(s->inner_obs);
    s->r = NULL;
    s->rgb = NULL;
    s->inner_obs = NULL;
}

static rl_status pix_init(void *state, char *err, size_t err_sz)
{
    pix_state *s = state;
    rl_status st = wrap_inner_make(&s->inner, &s->p, err, err_sz);
    if (st != RL_OK) return st;
    if ((st = env_render_open(&s->r, &s->inner, s->p.width, s->p.height, err, err_sz)) != RL_OK) {
        pix_close(s);
        return st;
    }
    s->rgb = rl_xcalloc((size_t)s->p.width * s->p.height * 3, 1);
    s->inner_obs = rl_xcalloc((size_t)env_space_dim(&s->p.inner->obs_space), sizeof(float));
    return RL_OK;
}

/* the frame of the inner state as the observation: RGB, or OpenCV's fixed-point ITU-R 601 luma
 * (env_pixels_luma); NaN when the renderer fails */
static void pix_observe(pix_state *s, float *obs)
{
    size_t n = (size_t)s->p.width * s->p.height;
    char why[256];
    if (env_render_frame(s->r, &s->inner, s->rgb, why, sizeof why) != RL_OK) {
        for (size_t i = 0; i < n * (size_t)s->p.channels; i++) obs[i] = NAN;
        return;
    }
    const uint8_t *px = s->rgb;
    if (!s->p.grayscale) {
        for (size_t i = 0; i < 3 * n; i++) obs[i] = px[i];
        return;
    }
    for (size_t i = 0; i < n; i++, px += 3)
        obs[i] = (float)env_pixels_luma(px[0], px[1], px[2]);
}

/* the inner environment's valid actions (its own state, not the wrapper's) */
static void pix_mask(const void *state, uint8_t *mask)
{
    const pix_state *s = state;
    s->inner.def->action_mask(s->inner.state, mask);
}

static void pix_reset(void *state, rl_rng *rng, float *obs)
{
    pix_state *s = state;
    wrap_inner_reset(&s->inner, rng, s->inner_obs);
    pix_observe(s, obs);
}

static void pix_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                     bool *truncated)
{
    pix_state *s = state;
    wrap_inner_step(&s->inner, rng, action, s->inner_obs, reward, terminated, truncated);
    pix_observe(s, obs);
}

/* the inner environment's seed hook and warnings, passed through */
static void pix_seed(void *state, uint64_t seed)
{
    pix_state *s = state;
    if (s->inner.def->seed) s->inner.def->seed(s->inner.state, seed);
}

static uint64_t pix_warnings(const void *state)
{
    const pix_state *s = state;
    return s->inner.def->warnings ? s->inner.def->warnings(s->inner.state) : 0;
}

rl_status env_pixels_def(const env_def *inner, const env_pixels_opts *o, env_def **out, char *err, size_t err_sz)
{
    *out = NULL;
    if (env_callback_owns(inner) || !env_render_available(inner))
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED,
                       "pixels: %s has no renderer (rlc draws the classic-control, toy-text, Box2D, MinAtar and MuJoCo "
                       "tasks, and a plugin's environment that registers one with env_register_renderer)",
                       inner->id);
    if (o->width < ENV_PIXELS_MIN_SIDE || o->width > ENV_PIXELS_MAX_SIDE || o->height < ENV_PIXELS_MIN_SIDE ||
        o->height > ENV_PIXELS_MAX_SIDE)
        return rl_errf(err, err_sz, RL_ERR_ARG, "pixels: %s: frame size %dx%d: expected each side in [%d, %d]",
                       inner->id, o->width, o->height, ENV_PIXELS_MIN_SIDE, ENV_PIXELS_MAX_SIDE);
    wrap_params p = {.inner = inner, .width = o->width, .height = o->height, .channels = o->grayscale ? 1 : 3,
                     .grayscale = o->grayscale};
    int dim = p.width * p.height * p.channels;
    wrap_block *b = wrap_alloc(inner, &p, sizeof(pix_state), dim);
    for (int i = 0; i < dim; i++) b->bounds[dim + i] = 255.0f;
    env_space *sp = &b->def.obs_space;
    sp->rank = 3;
    sp->shape[0] = p.height, sp->shape[1] = p.width, sp->shape[2] = p.channels;
    sp->elem = ENV_ELEM_UINT8;
    b->def.init = pix_init;
    b->def.reset = pix_reset;
    b->def.step = pix_step;
    b->def.close = pix_close;
    b->def.seed = pix_seed;
    b->def.warnings = pix_warnings;
    b->def.action_mask = inner->action_mask ? pix_mask : NULL;
    *out = &b->def;
    return RL_OK;
}

/* ---- frame_stack ------------------------------------------------------------------------ */

typedef struct {
    wrap_params p;
    env_instance inner;
    float *frames;   /* (k, frame_dim) a ring of the last k observations */
    int oldest;      /* the ring slot of the oldest */
} fs_state;

static void fs_close(void *state)
{
    fs_state *s = state;
    env_close(&s->inner);
    free(s->frames);
    s->frames = NULL;
}

static rl_status fs_init(void *state, char *err, size_t err_sz)
{
    fs_state *s = state;
    rl_status st = wrap_inner_make(&s->inner, &s->p, err, err_sz);
    if (st != RL_OK) return st;
    s->frames = rl_xcalloc((size_t)s->p.k * s->p.frame_dim, sizeof(float));
    return RL_OK;
}

/* the ring as the observation: a frame of P pixels of C channels each (a flat vector: P = 1),
 * frame j (0 the oldest) at channels [j C, (j + 1) C) of each pixel */
static void fs_observe(const fs_state *s, float *obs)
{
    int k = s->p.k, C = s->p.channels, P = s->p.frame_dim / C;
    const float *f[ENV_FRAME_STACK_MAX];
    for (int j = 0; j < k; j++) f[j] = s->frames + (size_t)((s->oldest + j) % k) * s->p.frame_dim;
    if (P == 1) {   /* a flat vector: the frames one after the other */
        for (int j = 0; j < k; j++) memcpy(obs + (size_t)j * C, f[j], (size_t)C * sizeof(float));
        return;
    }
    for (size_t px = 0; px < (size_t)P; px++, obs += (size_t)k * C)
        for (int j = 0; j < k; j++)
            for (int c = 0; c < C; c++) obs[j * C + c] = f[j][px * C + c];
}

static void fs_reset(void *state, rl_rng *rng, float *obs)
{
    fs_state *s = state;
    wrap_inner_reset(&s->inner, rng, s->frames);
    for (int j = 1; j < s->p.k; j++)
        memcpy(s->frames + (size_t)j * s->p.frame_dim, s->frames, (size_t)s->p.frame_dim * sizeof(float));
    s->oldest = 0;
    fs_observe(s, obs);
}

static void fs_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                    bool *truncated)
{
    fs_state *s = state;
    /* the oldest slot receives the newest frame, and the next slot becomes the oldest */
    wrap_inner_step(&s->inner, rng, action, s->frames + (size_t)s->oldest * s->p.frame_dim, reward, terminated,
                    truncated);
    s->oldest = (s->oldest + 1) % s->p.k;
    fs_observe(s, obs);
}

static void fs_seed(void *state, uint64_t seed)
{
    fs_state *s = state;
    if (s->inner.def->seed) s->inner.def->seed(s->inner.state, seed);
}

static void fs_mask(const void *state, uint8_t *mask)
{
    const fs_state *s = state;
    s->inner.def->action_mask(s->inner.state, mask);
}

static uint64_t fs_warnings(const void *state)
{
    const fs_state *s = state;
    return s->inner.def->warnings ? s->inner.def->warnings(s->inner.state) : 0;
}

rl_status env_frame_stack_def(const env_def *inner, int k, env_def **out, char *err, size_t err_sz)
{
    *out = NULL;
    const env_space *in = &inner->obs_space;
    if (k < 1 || k > ENV_FRAME_STACK_MAX)
        return rl_errf(err, err_sz, RL_ERR_ARG, "frame_stack: %s: %d frames: expected 1 to %d", inner->id, k,
                       ENV_FRAME_STACK_MAX);
    if (in->kind != ENV_SPACE_BOX)
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED,
                       "frame_stack: %s observes a Discrete space; frames are stacked from Box observations",
                       inner->id);
    if (in->n_parts > 0)
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED,
                       "frame_stack: %s observes a %s space; frames are stacked from one Box (an image or a vector)",
                       inner->id, env_structure_name(in->structure));
    if ((long)in->dim * k > ENV_WRAPPED_MAX_DIM)
        return rl_errf(err, err_sz, RL_ERR_ARG, "frame_stack: %s: %d frames of %d values exceed %d values", inner->id,
                       k, in->dim, ENV_WRAPPED_MAX_DIM);
    wrap_params p = {.inner = inner, .k = k, .frame_dim = in->dim, .channels = in->rank == 3 ? in->shape[2] : in->dim};
    int dim = in->dim * k;
    wrap_block *b = wrap_alloc(inner, &p, sizeof(fs_state), dim);
    for (int i = 0; i < dim; i++) {   /* the bounds of the value each stacked entry copies */
        int px = i / (k * p.channels), c = i % p.channels;
        b->bounds[i] = in->low[px * p.channels + c];
        b->bounds[dim + i] = in->high[px * p.channels + c];
    }
    env_space *sp = &b->def.obs_space;
    sp->rank = in->rank;
    sp->elem = in->elem;
    if (in->rank == 3) sp->shape[0] = in->shape[0], sp->shape[1] = in->shape[1], sp->shape[2] = k * in->shape[2];
    b->def.init = fs_init;
    b->def.reset = fs_reset;
    b->def.step = fs_step;
    b->def.close = fs_close;
    b->def.seed = fs_seed;
    b->def.warnings = fs_warnings;
    b->def.action_mask = inner->action_mask ? fs_mask : NULL;
    *out = &b->def;
    return RL_OK;
}

const env_instance *env_unwrap(const env_instance *e)
{
    while (e && e->def) {
        if (e->def->reset == pix_reset) e = &((const pix_state *)e->state)->inner;
        else if (e->def->reset == fs_reset) e = &((const fs_state *)e->state)->inner;
        else if (env_imgprep_inner(e)) e = env_imgprep_inner(e);
        else break;
    }
    return e;
}
