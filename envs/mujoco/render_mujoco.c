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
#include "envs/mujoco/mujoco_internal.h"
#include "envs/render.h"

struct env_render_mj {
    OSMesaContext ctx;
    unsigned char *gl_buffer;   /* (height, width, 4) the context's default framebuffer */
    mjModel *m;                 /* the rendering model: the task's, dressed (see render_model) */
    mjData *d;                  /* its data: the env's qpos/qvel, forwarded */
    mjvScene scn;
    mjvCamera cam;
    mjvOption opt;
    mjrContext con;
    bool scene_made, context_made;
    bool dressed;               /* the dressed model (sky, floor, light) is in use */
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

/* The task models carry only what the physics needs. The renderer loads its own model: an MJCF
 * that includes the task's file and adds a checkered floor material, a sky and a light (the same
 * bodies, joints and geoms, so the env's qpos/qvel place it), read through MuJoCo's virtual file
 * system so nothing is written to disk. */
static const char render_mjcf[] =
    "<mujoco>\n"
    "  <include file=\"%s\"/>\n"
    "  <visual><quality shadowsize=\"1024\"/></visual>\n"
    "  <asset>\n"
    "    <texture name=\"rlc_sky\" type=\"skybox\" builtin=\"gradient\" rgb1=\".55 .7 .85\" rgb2=\".9 .93 .97\"\n"
    "             width=\"64\" height=\"64\"/>\n"
    "    <texture name=\"rlc_grid\" type=\"2d\" builtin=\"checker\" rgb1=\".82 .84 .86\" rgb2=\".7 .73 .76\"\n"
    "             width=\"256\" height=\"256\"/>\n"
    "    <material name=\"rlc_floor\" texture=\"rlc_grid\" texrepeat=\"1 1\" texuniform=\"true\"/>\n"
    "  </asset>\n"
    "  <worldbody>\n"
    "    <light name=\"rlc_light\" directional=\"true\" pos=\"0 0 4\" dir=\"-0.3 0.3 -1\" diffuse=\".6 .6 .6\"\n"
    "           castshadow=\"true\"/>\n"
    "  </worldbody>\n"
    "</mujoco>\n";

/* puts text (n bytes) into vfs under name; false when it does not fit */
static bool vfs_put(mjVFS *vfs, const char *name, const char *text, size_t n)
{
    if (n > (size_t)1 << 24 || mj_makeEmptyFileVFS(vfs, name, (int)n) != 0) return false;
    memcpy(vfs->filedata[mj_findFileVFS(vfs, name)], text, n);
    return true;
}

/* the task's model file, whole (malloc'ed; NULL when unreadable, empty or over 16 MiB) */
static char *read_asset(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    long size = fseek(fp, 0, SEEK_END) == 0 ? ftell(fp) : -1;
    char *text = size > 0 && size <= (1L << 24) && fseek(fp, 0, SEEK_SET) == 0 ? malloc((size_t)size) : NULL;
    *n = text ? fread(text, 1, (size_t)size, fp) : 0;
    fclose(fp);
    if (text && *n != (size_t)size) {
        free(text);
        return NULL;
    }
    return text;
}

/* the dressed model, or NULL (then the task's own model is rendered as it is) */
static mjModel *render_model(const env_instance *e)
{
    const mj_env *me = e->state;
    char path[1024], msg[512];
    if (env_mujoco_find_asset(me->task->asset, path, sizeof path, msg, sizeof msg) != RL_OK) return NULL;
    size_t n_task;
    char *task_xml = read_asset(path, &n_task);
    mjVFS *vfs = task_xml ? malloc(sizeof *vfs) : NULL;
    mjModel *m = NULL;
    if (vfs) {
        mj_defaultVFS(vfs);
        char xml[sizeof render_mjcf + 256];
        int n = snprintf(xml, sizeof xml, render_mjcf, me->task->asset);
        if (vfs_put(vfs, me->task->asset, task_xml, n_task) && vfs_put(vfs, "rlc_render.xml", xml, (size_t)n))
            m = mj_loadXML("rlc_render.xml", vfs, msg, sizeof msg);
        mj_deleteVFS(vfs);
    }
    free(vfs);
    free(task_xml);
    const mjModel *task = env_mujoco_model(e->state);
    if (m && (m->nq != task->nq || m->nv != task->nv || m->ngeom != task->ngeom)) {
        mj_deleteModel(m);
        m = NULL;
    }
    return m;
}

/* the look of the scene: a brighter headlight, warm bodies; the floor gets the checkered
 * material of the dressed model, or a plain grey fading into a pale fog in the task's own model
 * (where nothing is drawn, the frame then gets the fog's colour as its sky) */
static void scene_look(env_render_mj *r)
{
    mjModel *m = r->m;
    const float amb[3] = {0.4f, 0.4f, 0.4f}, dif[3] = {0.5f, 0.5f, 0.5f}, spec[3] = {0.1f, 0.1f, 0.1f};
    memcpy(m->vis.headlight.ambient, amb, sizeof amb);
    memcpy(m->vis.headlight.diffuse, dif, sizeof dif);
    memcpy(m->vis.headlight.specular, spec, sizeof spec);
    const float sky[4] = {0.82f, 0.88f, 0.95f, 1.0f};
    memcpy(m->vis.rgba.fog, sky, sizeof sky);
    m->vis.map.fogstart = 6;
    m->vis.map.fogend = 40;
    int floor = mj_name2id(m, mjOBJ_MATERIAL, "rlc_floor");
    r->dressed = floor >= 0;
    for (int g = 0; g < m->ngeom; g++) {
        float *c = m->geom_rgba + 4 * g;
        if (m->geom_type[g] == mjGEOM_PLANE && floor >= 0) {
            m->geom_matid[g] = floor;
            c[0] = c[1] = c[2] = c[3] = 1;
        } else if (m->geom_type[g] == mjGEOM_PLANE) {
            c[0] = 0.62f, c[1] = 0.66f, c[2] = 0.68f, c[3] = 1;
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
    r->cam.distance = fmax(1.5, 1.3 * r->m->stat.extent);
    r->cam.elevation = -15;
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

rl_status env_render_mj_open(env_render_mj **out, const env_instance *e, int width, int height, bool antialias,
                             int *fps, char *err, size_t err_sz)
{
    *out = NULL;
    env_render_mj *r = calloc(1, sizeof *r);
    if (!r) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    r->width = width;
    r->height = height;
    rl_status st = gl_context(r, err, err_sz);
    if (st == RL_OK) {
        r->m = render_model(e);
        if (!r->m) r->m = mj_copyModel(NULL, env_mujoco_model(e->state));
        r->d = r->m ? mj_makeData(r->m) : NULL;
        if (!r->m || !r->d) st = rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    }
    if (st == RL_OK) {
        r->m->vis.global.offwidth = width;
        r->m->vis.global.offheight = height;
        if (!antialias) r->m->vis.quality.offsamples = 0;   /* else MuJoCo's default 4 */
        scene_look(r);
        st = mj_context(r, err, err_sz);
    }
    if (st != RL_OK) {
        env_render_mj_close(r);
        return st;
    }
    default_camera(r);
    r->scn.flags[mjRND_FOG] = !r->dressed;
    r->scn.flags[mjRND_SHADOW] = 1;
    double dt = env_mujoco_frame_skip(e->state) * r->m->opt.timestep;
    *fps = dt > 0 && 1.0 / dt < 1000 ? (int)fmax(1.0, round(1.0 / dt)) : 30;
    *out = r;
    return RL_OK;
}

rl_status env_render_mj_frame(env_render_mj *r, const env_instance *e, uint8_t *rgb, char *err, size_t err_sz)
{
    if (!OSMesaMakeCurrent(r->ctx, r->gl_buffer, GL_UNSIGNED_BYTE, r->width, r->height))
        return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "OSMesa: cannot make the context current");
    /* the rendering model's own data, placed where the env's simulation is */
    const mjData *sim = env_mujoco_data(e->state);
    memcpy(r->d->qpos, sim->qpos, (size_t)r->m->nq * sizeof(mjtNum));
    memcpy(r->d->qvel, sim->qvel, (size_t)r->m->nv * sizeof(mjtNum));
    r->d->time = sim->time;
    mj_forward(r->m, r->d);
    mjv_updateScene(r->m, r->d, &r->opt, NULL, &r->cam, mjCAT_ALL, &r->scn);
    mjrRect viewport = {0, 0, r->width, r->height};
    mjr_render(viewport, &r->scn, &r->con);
    mjr_readPixels(r->flip, r->dressed ? NULL : r->depth, viewport, &r->con);   /* depth: the sky of a bare model */
    uint8_t sky[3];
    for (int k = 0; k < 3; k++) sky[k] = (uint8_t)(255 * r->m->vis.rgba.fog[k] + 0.5f);
    for (int y = 0; y < r->height; y++) {
        const uint8_t *src = r->flip + (size_t)(r->height - 1 - y) * r->width * 3;
        const float *z = r->depth + (size_t)(r->height - 1 - y) * r->width;
        uint8_t *dst = rgb + (size_t)y * r->width * 3;
        if (r->dressed) memcpy(dst, src, (size_t)r->width * 3);
        else for (int x = 0; x < r->width; x++) memcpy(dst + 3 * x, z[x] >= 1.0f ? sky : src + 3 * x, 3);
    }
    return RL_OK;
}

void env_render_mj_close(env_render_mj *r)
{
    if (!r) return;
    if (r->ctx) OSMesaMakeCurrent(r->ctx, r->gl_buffer, GL_UNSIGNED_BYTE, r->width, r->height);
    if (r->context_made) mjr_freeContext(&r->con);
    if (r->scene_made) mjv_freeScene(&r->scn);
    if (r->d) mj_deleteData(r->d);
    if (r->m) mj_deleteModel(r->m);
    if (r->ctx) OSMesaDestroyContext(r->ctx);
    free(r->gl_buffer);
    free(r->flip);
    free(r->depth);
    free(r);
}
