/* rlc envs: the renderer of rlc record: picks the cairo drawing of a classic task, MuJoCo's
 * offscreen renderer, the MinAtar cells or a registered one, and owns the frame surface (see
 * render.h). */
#include "envs/render.h"

#include <cairo.h>
#include <stdlib.h>
#include <string.h>

#include "envs/pixels.h"

#ifdef RLC_HAVE_MUJOCO
#include "envs/mujoco/mujoco_envs.h"
#endif

struct env_renderer {
    const env_render_classic *classic;   /* one of these three, or mj */
    const env_render_def *custom;
    env_render_mj *mj;
    int width, height, fps;
    cairo_surface_t *surface;            /* classic: the ARGB32 surface drawn on */
};

static rl_status classic_open(env_renderer *r, char *err, size_t err_sz)
{
    r->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, r->width, r->height);
    if (cairo_surface_status(r->surface) != CAIRO_STATUS_SUCCESS)
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "cannot create a %dx%d cairo surface", r->width, r->height);
    return RL_OK;
}

static bool render_antialias = true;

void env_render_antialias(bool on) { render_antialias = on; }

static rl_status mujoco_open(env_renderer *r, const env_instance *e, char *err, size_t err_sz)
{
#ifdef RLC_HAVE_MUJOCO
    return env_render_mj_open(&r->mj, e, r->width, r->height, render_antialias, &r->fps, err, err_sz);
#else
    (void)r;
    return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "%s: this rlc was built without MuJoCo", e->def->id);
#endif
}

#ifdef RLC_HAVE_MUJOCO
static bool is_mujoco(const env_def *def)
{
    int n;
    const env_def *const *defs = env_mujoco_defs(&n);
    for (int i = 0; i < n; i++)
        if (defs[i] == def) return true;
    return false;
}
#else
static bool is_mujoco(const env_def *def)
{
    (void)def;
    return false;
}
#endif

/* ---- opening and drawing ------------------------------------------------------------------- */

/* Which drawing rlc has for def: a cairo scene (classic control, toy text, Box2D), MuJoCo's own
 * renderer, or a drawing function (MinAtar, CarRacing, a plugin's registered renderer). False when
 * there is none. env_render_open and env_render_available ask the same question here. */
typedef struct {
    const env_render_classic *classic;
    bool mj;
    const env_render_def *custom;
} render_pick;

static bool pick_renderer(const env_def *def, render_pick *p)
{
    *p = (render_pick){0};
    p->classic = env_render_classic_find(def->id);
    if (!p->classic) p->classic = env_render_toytext_find(def->id);
#ifdef RLC_HAVE_BOX2D
    if (!p->classic) p->classic = env_render_box2d_find(def->id);
#endif
    if (p->classic) return true;
    if ((p->mj = is_mujoco(def))) return true;
    p->custom = env_render_minatar_find(def->id);
#ifdef RLC_HAVE_BOX2D
    if (!p->custom) p->custom = env_render_car_racing_find(def->id);
#endif
    if (!p->custom) p->custom = env_find_renderer(def->id);
    return p->custom != NULL;
}

bool env_render_available(const env_def *def)
{
    render_pick p;
    return pick_renderer(def, &p);
}

rl_status env_render_open(env_renderer **out, const env_instance *e, int width, int height, char *err,
                          size_t err_sz)
{
    *out = NULL;
    e = env_unwrap(e);   /* a pixels or frame_stack instance: the environment's own scene */
    render_pick p;
    if (!pick_renderer(e->def, &p))
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED,
                       "%s has no renderer (rlc draws the classic-control, toy-text, Box2D, MinAtar and MuJoCo tasks; "
                       "a plugin registers its own with env_register_renderer, docs/adding-an-environment.md)",
                       e->def->id);
    const env_render_classic *classic = p.classic;
    const env_render_def *custom = p.custom;
    if ((width > 0 || height > 0) && (width < 16 || height < 16 || width > 4096 || height > 4096))
        return rl_errf(err, err_sz, RL_ERR_ARG, "frame size %dx%d: expected both in [16, 4096]", width, height);
    env_renderer *r = calloc(1, sizeof *r);
    if (!r) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    r->classic = classic;
    r->custom = custom;
    r->width = width > 0 ? width : classic ? classic->width : custom ? custom->width : 480;
    r->height = height > 0 ? height : classic ? classic->height : custom ? custom->height : 480;
    r->fps = classic ? classic->fps : custom ? custom->fps : 30;
    rl_status st = classic ? classic_open(r, err, err_sz) : custom ? RL_OK : mujoco_open(r, e, err, err_sz);
    if (st != RL_OK) {
        env_render_close(r);
        return st;
    }
    *out = r;
    return RL_OK;
}

void env_render_size(const env_renderer *r, int *width, int *height, int *fps)
{
    if (width) *width = r->width;
    if (height) *height = r->height;
    if (fps) *fps = r->fps;
}

/* cairo's RGB24 pixels are native-endian 32-bit words 0x00RRGGBB */
static void surface_to_rgb(cairo_surface_t *s, int width, int height, uint8_t *rgb)
{
    cairo_surface_flush(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < height; y++) {
        const uint32_t *row = (const uint32_t *)(data + (size_t)y * stride);
        uint8_t *o = rgb + (size_t)y * width * 3;
        for (int x = 0; x < width; x++) {
            o[3 * x] = (uint8_t)(row[x] >> 16);
            o[3 * x + 1] = (uint8_t)(row[x] >> 8);
            o[3 * x + 2] = (uint8_t)row[x];
        }
    }
}

/* a registered renderer's frame; its failure is reported with the environment's id */
static rl_status custom_frame(env_renderer *r, const env_instance *e, uint8_t *rgb, char *err, size_t err_sz)
{
    char why[256] = "";
    rl_status st = r->custom->draw(e->state, rgb, r->width, r->height, why, sizeof why);
    if (st == RL_OK) return RL_OK;
    return rl_errf(err, err_sz, st, "%s: its renderer failed: %s", e->def->id, why[0] ? why : rl_status_str(st));
}

rl_status env_render_frame(env_renderer *r, const env_instance *e, uint8_t *rgb, char *err, size_t err_sz)
{
    e = env_unwrap(e);
#ifdef RLC_HAVE_MUJOCO
    if (r->mj) return env_render_mj_frame(r->mj, e, rgb, err, err_sz);
#endif
    if (r->custom) return custom_frame(r, e, rgb, err, err_sz);
    cairo_t *cr = cairo_create(r->surface);
    r->classic->draw(cr, e->state, r->width, r->height);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs != CAIRO_STATUS_SUCCESS)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: drawing failed: %s", e->def->id, cairo_status_to_string(cs));
    surface_to_rgb(r->surface, r->width, r->height, rgb);
    return RL_OK;
}

void env_render_close(env_renderer *r)
{
    if (!r) return;
    if (r->surface) cairo_surface_destroy(r->surface);
#ifdef RLC_HAVE_MUJOCO
    env_render_mj_close(r->mj);
#endif
    free(r);
}
