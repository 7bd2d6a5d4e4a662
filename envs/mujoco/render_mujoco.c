/* rlc envs/mujoco: offscreen rendering of a MuJoCo task for rlc record: an OSMesa context
 * (software OpenGL, no display needed), MuJoCo's abstract scene (mjv_) and its OpenGL renderer
 * (mjr_) drawing into MuJoCo's offscreen framebuffer, read back as RGB. */
#include <GL/osmesa.h>
#include <math.h>
#include <mujoco/mujoco.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/mujoco/mujoco_envs.h"
#include "envs/render.h"

struct env_render_mj {
    OSMesaContext ctx;
    unsigned char *gl_buffer;   /* (height, width, 4) the context's default framebuffer */
    mjModel *m;                 /* a private copy, its offscreen size set to the frame's */
    mjvScene scn;
    mjvCamera cam;
    mjvOption opt;
    mjrContext con;
    bool scene_made, context_made;
    int width, height;
    uint8_t *flip;              /* (height, width, 3) rows bottom to top, as OpenGL reads them */
    float *depth;               /* (height, width) the depth buffer, 1 = nothing drawn */
};

/* MuJoCo reports a fatal error (e.g. OpenGL that cannot be loaded) through mju_user_error and
 * would exit the process without one; while a renderer is being made the handler jumps back. */
static jmp_buf mj_render_jump;
static char mj_render_msg[512];

static void mj_render_error(const char *msg)
{
    snprintf(mj_render_msg, sizeof mj_render_msg, "%s", msg);
    longjmp(mj_render_jump, 1);
}

/* The task models carry no lights, materials or colours (only what the physics needs), so the
 * renderer's copy gets a look of its own: a brighter headlight, a grey floor fading into a pale
 * fog, warm bodies; where nothing is drawn (depth at the far plane) the frame gets the fog's
 * colour as its sky. */
static void scene_look(env_render_mj *r)
{
    mjModel *m = r->m;
    const float amb[3] = {0.35f, 0.35f, 0.35f}, dif[3] = {0.7f, 0.7f, 0.7f}, spec[3] = {0.1f, 0.1f, 0.1f};
    memcpy(m->vis.headlight.ambient, amb, sizeof amb);
    memcpy(m->vis.headlight.diffuse, dif, sizeof dif);
    memcpy(m->vis.headlight.specular, spec, sizeof spec);
    const float sky[4] = {0.82f, 0.88f, 0.95f, 1.0f};
    memcpy(m->vis.rgba.fog, sky, sizeof sky);
    m->vis.map.fogstart = 6;
    m->vis.map.fogend = 40;
    for (int g = 0; g < m->ngeom; g++) {
        float *c = m->geom_rgba + 4 * g;
        if (m->geom_type[g] == mjGEOM_PLANE) {
            c[0] = 0.55f, c[1] = 0.6f, c[2] = 0.62f, c[3] = 1;
        } else {
            c[0] = 0.8f, c[1] = 0.55f, c[2] = 0.35f, c[3] = 1;
        }
    }
}

/* a camera that follows the first moving body from the side, a little above it */
static void default_camera(env_render_mj *r)
{
    mjv_defaultCamera(&r->cam);
    r->cam.type = mjCAMERA_TRACKING;
    r->cam.trackbodyid = r->m->nbody > 1 ? 1 : 0;
    r->cam.distance = fmax(1.5, 1.6 * r->m->stat.extent);
    r->cam.elevation = -20;
    r->cam.azimuth = 90;
}

static rl_status gl_context(env_render_mj *r, char *err, size_t err_sz)
{
    r->ctx = OSMesaCreateContextExt(OSMESA_RGBA, 24, 8, 0, NULL);
    if (!r->ctx) return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "OSMesa: cannot create an OpenGL context");
    r->gl_buffer = malloc((size_t)r->width * r->height * 4);
    r->flip = malloc((size_t)r->width * r->height * 3);
    r->depth = malloc((size_t)r->width * r->height * sizeof(float));
    if (!r->gl_buffer || !r->flip || !r->depth) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    if (!OSMesaMakeCurrent(r->ctx, r->gl_buffer, GL_UNSIGNED_BYTE, r->width, r->height))
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "OSMesa: cannot make the context current");
    return RL_OK;
}

/* the MuJoCo scene and rendering context; MuJoCo errors come back as a status */
static rl_status mj_context(env_render_mj *r, char *err, size_t err_sz)
{
    void (*saved)(const char *) = mju_user_error;
    mju_user_error = mj_render_error;
    if (setjmp(mj_render_jump)) {
        mju_user_error = saved;
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "MuJoCo's renderer: %s", mj_render_msg);
    }
    mjv_defaultOption(&r->opt);
    mjv_defaultScene(&r->scn);
    mjr_defaultContext(&r->con);
    mjv_makeScene(r->m, &r->scn, 2000);
    r->scene_made = true;
    mjr_makeContext(r->m, &r->con, mjFONTSCALE_100);
    r->context_made = true;
    mjr_setBuffer(mjFB_OFFSCREEN, &r->con);
    mju_user_error = saved;
    if (r->con.currentBuffer != mjFB_OFFSCREEN)
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "MuJoCo's renderer: no offscreen framebuffer on this OpenGL");
    return RL_OK;
}

rl_status env_render_mj_open(env_render_mj **out, const env_instance *e, int width, int height, int *fps,
                             char *err, size_t err_sz)
{
    *out = NULL;
    env_render_mj *r = calloc(1, sizeof *r);
    if (!r) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    r->width = width;
    r->height = height;
    rl_status st = gl_context(r, err, err_sz);
    if (st == RL_OK) {
        r->m = mj_copyModel(NULL, env_mujoco_model(e->state));
        if (!r->m) st = rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    }
    if (st == RL_OK) {
        r->m->vis.global.offwidth = width;
        r->m->vis.global.offheight = height;
        scene_look(r);
        st = mj_context(r, err, err_sz);
    }
    if (st != RL_OK) {
        env_render_mj_close(r);
        return st;
    }
    default_camera(r);
    r->scn.flags[mjRND_FOG] = 1;
    double dt = env_mujoco_frame_skip(e->state) * r->m->opt.timestep;
    *fps = dt > 0 && 1.0 / dt < 1000 ? (int)fmax(1.0, round(1.0 / dt)) : 30;
    *out = r;
    return RL_OK;
}

rl_status env_render_mj_frame(env_render_mj *r, const env_instance *e, uint8_t *rgb, char *err, size_t err_sz)
{
    if (!OSMesaMakeCurrent(r->ctx, r->gl_buffer, GL_UNSIGNED_BYTE, r->width, r->height))
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "OSMesa: cannot make the context current");
    mjv_updateScene(r->m, env_mujoco_data(e->state), &r->opt, NULL, &r->cam, mjCAT_ALL, &r->scn);
    mjrRect viewport = {0, 0, r->width, r->height};
    mjr_render(viewport, &r->scn, &r->con);
    mjr_readPixels(r->flip, r->depth, viewport, &r->con);
    uint8_t sky[3];
    for (int k = 0; k < 3; k++) sky[k] = (uint8_t)(255 * r->m->vis.rgba.fog[k] + 0.5f);
    for (int y = 0; y < r->height; y++) {
        const uint8_t *src = r->flip + (size_t)(r->height - 1 - y) * r->width * 3;
        const float *z = r->depth + (size_t)(r->height - 1 - y) * r->width;
        uint8_t *dst = rgb + (size_t)y * r->width * 3;
        for (int x = 0; x < r->width; x++) memcpy(dst + 3 * x, z[x] >= 1.0f ? sky : src + 3 * x, 3);
    }
    return RL_OK;
}

void env_render_mj_close(env_render_mj *r)
{
    if (!r) return;
    if (r->ctx) OSMesaMakeCurrent(r->ctx, r->gl_buffer, GL_UNSIGNED_BYTE, r->width, r->height);
    if (r->context_made) mjr_freeContext(&r->con);
    if (r->scene_made) mjv_freeScene(&r->scn);
    if (r->m) mj_deleteModel(r->m);
    if (r->ctx) OSMesaDestroyContext(r->ctx);
    free(r->gl_buffer);
    free(r->flip);
    free(r->depth);
    free(r);
}
