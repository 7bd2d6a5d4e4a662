/* rlc envs: the frame_skip, resize and grayscale wrappers (envs/imgprep.h). */
#include "envs/imgprep.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/check.h"
#include "envs/pixels.h"

typedef enum { IP_SKIP, IP_RESIZE, IP_GRAY } ip_kind;

/* the parameters a wrapped definition copies to the start of each instance's state */
typedef struct {
    const env_def *inner;
    ip_kind kind;
    int k, max_steps;           /* frame_skip: repeats, the inner limit override */
    int in_h, in_w, channels;   /* resize, grayscale: the inner image */
    int out_h, out_w;           /* resize: the output image */
} ip_params;

/* the definition, its parameters and its bounds in one allocation */
typedef struct {
    env_def def;
    ip_params params;
    float bounds[];   /* low (dim) then high (dim) */
} ip_block;

/* one tap of OpenCV's INTER_AREA table (its DecimateAlpha): source value si adds alpha times
 * itself to destination value di */
typedef struct {
    int si, di;
    float alpha;
} area_tap;

/* how an instance resizes: OpenCV's fast path at integer scales (fast_x, fast_y > 0), else the
 * taps of each axis and the float row buffers they are summed into */
typedef struct {
    int fast_x, fast_y;
    area_tap *xtab, *ytab;   /* x: (out_w taps of) values of a row, channels included; y: rows */
    int nx, ny;
    float *buf, *sum;        /* (out_w C) one source row's taps; the current output row's sum */
} area_plan;

typedef struct {
    ip_params p;
    env_instance inner;
    float *in;        /* resize, grayscale: the inner observation */
    area_plan area;   /* resize */
} ip_state;

/* ---- OpenCV's INTER_AREA for downscaling ----------------------------------------------------- */

/* saturate_cast<uchar>(float): round to nearest, ties to even, clamped to [0, 255] */
static float round_u8(float v)
{
    long r = lrintf(v);
    return (float)(r < 0 ? 0 : r > 255 ? 255 : r);
}

/* OpenCV's computeResizeAreaTab: output index dx covers source [dx scale, (dx + 1) scale); each
 * source index it touches gets the share of the cell it covers (1 / cell inside, the covered
 * fraction at the two edges). cn multiplies the indices (values of one pixel). Returns the taps. */
static int area_taps(int ssize, int dsize, int cn, double scale, area_tap *tab)
{
    int k = 0;
    for (int dx = 0; dx < dsize; dx++) {
        double f1 = dx * scale, f2 = f1 + scale, cell = fmin(scale, ssize - f1);
        int s1 = (int)ceil(f1), s2 = (int)floor(f2);
        if (s2 > ssize - 1) s2 = ssize - 1;
        if (s1 > s2) s1 = s2;
        if (s1 - f1 > 1e-3) tab[k++] = (area_tap){(s1 - 1) * cn, dx * cn, (float)((s1 - f1) / cell)};
        for (int sx = s1; sx < s2; sx++) tab[k++] = (area_tap){sx * cn, dx * cn, (float)(1.0 / cell)};
        if (f2 - s2 > 1e-3) tab[k++] = (area_tap){s2 * cn, dx * cn, (float)(fmin(fmin(f2 - s2, 1.), cell) / cell)};
    }
    RL_ASSERT(k <= 2 * ssize);
    return k;
}

/* the scales as OpenCV's resize computes them, and the tables when they are not integers */
static void area_plan_init(area_plan *a, const ip_params *p)
{
    double scale_x = 1. / ((double)p->out_w / p->in_w), scale_y = 1. / ((double)p->out_h / p->in_h);
    int ix = (int)lrint(scale_x), iy = (int)lrint(scale_y);
    if (fabs(scale_x - ix) < DBL_EPSILON && fabs(scale_y - iy) < DBL_EPSILON) {
        a->fast_x = ix, a->fast_y = iy;
        return;
    }
    a->xtab = rl_xcalloc(2 * (size_t)p->in_w, sizeof *a->xtab);
    a->ytab = rl_xcalloc(2 * (size_t)p->in_h, sizeof *a->ytab);
    a->nx = area_taps(p->in_w, p->out_w, p->channels, scale_x, a->xtab);
    a->ny = area_taps(p->in_h, p->out_h, 1, scale_y, a->ytab);
    a->buf = rl_xcalloc((size_t)p->out_w * p->channels, sizeof(float));
    a->sum = rl_xcalloc((size_t)p->out_w * p->channels, sizeof(float));
}

static void area_plan_free(area_plan *a)
{
    free(a->xtab);
    free(a->ytab);
    free(a->buf);
    free(a->sum);
    memset(a, 0, sizeof *a);
}

/* OpenCV's resizeAreaFast_: the integer sum of each fast_x x fast_y block times the float
 * 1 / area, rounded; its vector path at 2 x 2 with 1, 3 or 4 channels rounds (sum + 2) >> 2 */
static void area_fast(const area_plan *a, const ip_params *p, const float *in, float *out)
{
    const int sx = a->fast_x, sy = a->fast_y, C = p->channels;
    const float scale = 1.f / (float)(sx * sy);
    const bool half = sx == 2 && sy == 2 && (C == 1 || C == 3 || C == 4);
    for (int oy = 0; oy < p->out_h; oy++)
        for (int ox = 0; ox < p->out_w; ox++)
            for (int c = 0; c < C; c++) {
                int sum = 0;
                for (int y = oy * sy; y < (oy + 1) * sy; y++)
                    for (int x = ox * sx; x < (ox + 1) * sx; x++) sum += (int)in[((size_t)y * p->in_w + x) * C + c];
                *out++ = half ? (float)((sum + 2) >> 2) : round_u8((float)sum * scale);
            }
}

/* one source row's horizontal taps into a->buf */
static void area_row(const area_plan *a, int C, const float *S)
{
    for (int i = 0; i < a->nx; i++) {
        const area_tap *t = &a->xtab[i];
        for (int c = 0; c < C; c++) a->buf[t->di + c] += S[t->si + c] * t->alpha;
    }
}

/* OpenCV's ResizeArea_Invoker: each source row's taps summed into buf, buf times the row's weight
 * added to the output row's sum, which is rounded when the next output row begins */
static void area_general(const area_plan *a, const ip_params *p, const float *in, float *out)
{
    const int C = p->channels, W = p->out_w * C;
    const size_t row = (size_t)p->in_w * C;
    int prev = a->ytab[0].di;
    memset(a->sum, 0, (size_t)W * sizeof(float));
    for (int j = 0; j < a->ny; j++) {
        const area_tap *t = &a->ytab[j];
        memset(a->buf, 0, (size_t)W * sizeof(float));
        area_row(a, C, in + (size_t)t->si * row);
        if (t->di != prev) {
            for (int x = 0; x < W; x++) {
                out[(size_t)prev * W + x] = round_u8(a->sum[x]);
                a->sum[x] = t->alpha * a->buf[x];
            }
            prev = t->di;
        } else {
            for (int x = 0; x < W; x++) a->sum[x] += t->alpha * a->buf[x];
        }
    }
    for (int x = 0; x < W; x++) out[(size_t)prev * W + x] = round_u8(a->sum[x]);
}

/* ---- the wrapped definitions ------------------------------------------------------------------ */

static void ip_close(void *state)
{
    ip_state *s = state;
    env_close(&s->inner);
    free(s->in);
    s->in = NULL;
    area_plan_free(&s->area);
}

static rl_status ip_init(void *state, char *err, size_t err_sz)
{
    ip_state *s = state;
    rl_status st = env_make_def(&s->inner, s->p.inner, s->p.kind == IP_SKIP ? s->p.max_steps : 0, err, err_sz);
    if (st != RL_OK || s->p.kind == IP_SKIP) return st;
    s->in = rl_xcalloc((size_t)s->p.inner->obs_space.dim, sizeof(float));
    if (s->p.kind == IP_RESIZE) area_plan_init(&s->area, &s->p);
    return RL_OK;
}

/* frame_skip: the inner instance counts its steps against its own time limit */
static void skip_reset(void *state, rl_rng *rng, float *obs)
{
    ip_state *s = state;
    s->inner.def->reset(s->inner.state, rng, obs);
    s->inner.elapsed = 0, s->inner.ep_return = 0.0, s->inner.ep_length = 0;
}

static void skip_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                      bool *truncated)
{
    ip_state *s = state;
    double total = 0.0;
    bool term = false, trunc = false;
    for (int i = 0; i < s->p.k && !term && !trunc; i++) {
        float r = 0.0f;
        s->inner.def->step(s->inner.state, rng, action, obs, &r, &term, &trunc);
        env_step_account(&s->inner, r, &trunc);
        total += (double)r;
    }
    *reward = (float)total;
    *terminated = term;
    *truncated = trunc;
}

/* resize and grayscale: whether the inner observation holds a non-finite value (a frame env.pixels
 * failed to draw), and then obs all NaN, which the vector env drops */
static bool img_nonfinite(const ip_state *s, float *obs)
{
    const ip_params *p = &s->p;
    for (int i = 0; i < p->inner->obs_space.dim; i++)
        if (!isfinite(s->in[i])) {
            const int out_dim = p->kind == IP_GRAY ? p->in_h * p->in_w : p->out_h * p->out_w * p->channels;
            for (int j = 0; j < out_dim; j++) obs[j] = NAN;
            return true;
        }
    return false;
}

/* resize and grayscale: the inner observation transformed */
static void img_observe(ip_state *s, float *obs)
{
    if (img_nonfinite(s, obs)) return;
    if (s->p.kind == IP_GRAY) {
        const size_t n = (size_t)s->p.in_h * s->p.in_w;
        for (size_t i = 0; i < n; i++) {
            const float *px = s->in + 3 * i;
            obs[i] = (float)env_pixels_luma((unsigned)px[0], (unsigned)px[1], (unsigned)px[2]);
        }
    } else if (s->area.fast_x) {
        area_fast(&s->area, &s->p, s->in, obs);
    } else {
        area_general(&s->area, &s->p, s->in, obs);
    }
}

static void img_reset(void *state, rl_rng *rng, float *obs)
{
    ip_state *s = state;
    s->inner.def->reset(s->inner.state, rng, s->in);
    img_observe(s, obs);
}

static void img_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                     bool *truncated)
{
    ip_state *s = state;
    s->inner.def->step(s->inner.state, rng, action, s->in, reward, terminated, truncated);
    img_observe(s, obs);
}

/* the inner environment's seed hook, warnings and action masks, passed through */
static void ip_seed(void *state, uint64_t seed)
{
    ip_state *s = state;
    if (s->inner.def->seed) s->inner.def->seed(s->inner.state, seed);
}

static uint64_t ip_warnings(const void *state)
{
    const ip_state *s = state;
    return s->inner.def->warnings ? s->inner.def->warnings(s->inner.state) : 0;
}

static void ip_mask(const void *state, uint8_t *mask)
{
    const ip_state *s = state;
    s->inner.def->action_mask(s->inner.state, mask);
}

/* a wrapped definition of p->inner; dim > 0: an image observation of dim values whose bounds
 * are left to fill, dim 0: the inner observation space */
static ip_block *ip_alloc(const ip_params *p, int dim)
{
    const env_def *inner = p->inner;
    ip_block *b = rl_xcalloc(1, sizeof *b + 2 * (size_t)dim * sizeof(float));
    b->params = *p;
    b->def = *inner;
    b->def.state_size = sizeof(ip_state);
    b->def.params = &b->params;
    b->def.params_size = sizeof b->params;
    b->def.init = ip_init;
    b->def.close = ip_close;
    b->def.seed = ip_seed;
    b->def.warnings = ip_warnings;
    b->def.action_mask = inner->action_mask ? ip_mask : NULL;
    b->def.reset = p->kind == IP_SKIP ? skip_reset : img_reset;
    b->def.step = p->kind == IP_SKIP ? skip_step : img_step;
    if (dim > 0)
        b->def.obs_space = (env_space){.kind = ENV_SPACE_BOX, .dim = dim, .low = b->bounds, .high = b->bounds + dim,
                                       .rank = 3, .elem = ENV_ELEM_UINT8};
    return b;
}

rl_status env_frame_skip_def(const env_def *inner, int k, int max_steps, env_def **out, char *err, size_t err_sz)
{
    *out = NULL;
    if (k < 1 || k > ENV_FRAME_SKIP_MAX)
        return rl_errf(err, err_sz, RL_ERR_ARG, "frame_skip: %s: %d repeats: expected 1 to %d", inner->id, k,
                       ENV_FRAME_SKIP_MAX);
    const ip_params p = {.inner = inner, .kind = IP_SKIP, .k = k, .max_steps = max_steps > 0 ? max_steps : 0};
    ip_block *b = ip_alloc(&p, 0);
    /* the inner instance's limit L counts inner steps; without an earlier end every agent step is
     * k of them, so L ends the episode at agent step ceil(L / k): the wrapper's own limit, which
     * therefore never cuts earlier (and lets a step set truncated itself only at its limit, as
     * env_def.step asks) */
    const int L = p.max_steps > 0 ? p.max_steps : inner->max_episode_steps;
    b->def.max_episode_steps = L > 0 ? (L + k - 1) / k : 0;
    /* a step's reward is the sum of k, and compute_reward gives one: hindsight relabelling would
     * mix the two, so the goals are not published (her.enabled is refused, naming env.frame_skip) */
    b->def.obs_space.goal = (env_goal){0};
    *out = &b->def;
    return RL_OK;
}

/* RL_OK when inner observes an image Box of uint8 values (of 3 channels with rgb) */
static rl_status need_image(const env_def *inner, const char *who, bool rgb, char *err, size_t err_sz)
{
    const env_space *in = &inner->obs_space;
    char desc[160];
    if (in->kind != ENV_SPACE_BOX || in->rank != 3 || in->elem != ENV_ELEM_UINT8)
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED,
                       "%s: %s observes %s: expected an image Box (height, width, channels) of uint8 values (an "
                       "environment's rendered frames are one with env.pixels)",
                       who, inner->id, env_space_describe(in, desc, sizeof desc));
    if (rgb && in->shape[2] != 3)
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED,
                       "%s: %s observes an image of %d channel%s: expected 3 (RGB)", who, inner->id, in->shape[2],
                       in->shape[2] == 1 ? "" : "s");
    return RL_OK;
}

/* resize's bounds: each channel's lowest low and highest high (an area mean stays between them) */
static void resize_bounds(const env_space *in, float *low, float *high, int dim)
{
    const int C = in->shape[2];
    for (int c = 0; c < C; c++) {
        float lo = in->low[c], hi = in->high[c];
        for (int i = c; i < in->dim; i += C) lo = fminf(lo, in->low[i]), hi = fmaxf(hi, in->high[i]);
        for (int i = c; i < dim; i += C) low[i] = lo, high[i] = hi;
    }
}

rl_status env_resize_def(const env_def *inner, int height, int width, env_def **out, char *err, size_t err_sz)
{
    *out = NULL;
    rl_status st = need_image(inner, "resize", false, err, err_sz);
    if (st != RL_OK) return st;
    const int *sh = inner->obs_space.shape;
    if (height < ENV_PIXELS_MIN_SIDE || height > ENV_PIXELS_MAX_SIDE || width < ENV_PIXELS_MIN_SIDE ||
        width > ENV_PIXELS_MAX_SIDE)
        return rl_errf(err, err_sz, RL_ERR_ARG, "resize: %s: [%d, %d]: expected [height, width], each in [%d, %d]",
                       inner->id, height, width, ENV_PIXELS_MIN_SIDE, ENV_PIXELS_MAX_SIDE);
    if (height > sh[0] || width > sh[1])
        return rl_errf(err, err_sz, RL_ERR_ARG,
                       "resize: %s: [%d, %d] from its %dx%d (height x width) image: expected each side at most the "
                       "image's (INTER_AREA is implemented for downscaling only)",
                       inner->id, height, width, sh[0], sh[1]);
    const ip_params p = {.inner = inner, .kind = IP_RESIZE, .in_h = sh[0], .in_w = sh[1], .channels = sh[2],
                         .out_h = height, .out_w = width};
    const int dim = height * width * sh[2];
    ip_block *b = ip_alloc(&p, dim);
    resize_bounds(&inner->obs_space, b->bounds, b->bounds + dim, dim);
    env_space *sp = &b->def.obs_space;
    sp->shape[0] = height, sp->shape[1] = width, sp->shape[2] = sh[2];
    *out = &b->def;
    return RL_OK;
}

rl_status env_grayscale_def(const env_def *inner, env_def **out, char *err, size_t err_sz)
{
    *out = NULL;
    rl_status st = need_image(inner, "grayscale", true, err, err_sz);
    if (st != RL_OK) return st;
    const int *sh = inner->obs_space.shape, dim = sh[0] * sh[1];
    const ip_params p = {.inner = inner, .kind = IP_GRAY, .in_h = sh[0], .in_w = sh[1], .channels = 3};
    ip_block *b = ip_alloc(&p, dim);
    const float *lo = inner->obs_space.low, *hi = inner->obs_space.high;
    for (int i = 0; i < dim; i++) {   /* luma grows with each channel: the luma of the bounds */
        b->bounds[i] = (float)env_pixels_luma((unsigned)lo[3 * i], (unsigned)lo[3 * i + 1], (unsigned)lo[3 * i + 2]);
        b->bounds[dim + i] =
            (float)env_pixels_luma((unsigned)hi[3 * i], (unsigned)hi[3 * i + 1], (unsigned)hi[3 * i + 2]);
    }
    env_space *sp = &b->def.obs_space;
    sp->shape[0] = sh[0], sp->shape[1] = sh[1], sp->shape[2] = 1;
    *out = &b->def;
    return RL_OK;
}

const env_instance *env_imgprep_inner(const env_instance *e)
{
    return e && e->def && e->def->init == ip_init ? &((const ip_state *)e->state)->inner : NULL;
}
