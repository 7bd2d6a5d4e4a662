/* rlc tests: rlc record: the classic-control drawings, the GIF and MP4 writers and whole
 * recordings of a trained CartPole agent and a MuJoCo Hopper agent, checked by decoding what was
 * written (giflib, libavformat/libavcodec): frame count, frame size, frames that change; a failed
 * recording leaves an earlier file alone. */
#include <criterion/criterion.h>
#include <gif_lib.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "train/record.h"
#include "envs/classic/classic.h"
#include "envs/render.h"
#include "envs/video.h"
#include "tests/helpers/testutil.h"

/* trains a tiny run of config (quality does not matter: the episodes only need to move) */
static void tiny_run(const char *config, const char *extra, char *dir, size_t dir_sz, const char *tag)
{
    rlt_tmp_dir(dir, dir_sz, tag);
    char cmd[2048], out[8192];
    snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=1 %s train %s/configs/%s --run-dir %s --quiet "
             "--set log.eval_episodes=1 %s 2>&1", RLC_BINARY, RLC_SOURCE_DIR, config, dir, extra);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s\n%s", cmd, out);
}

/* ---- decoding ---------------------------------------------------------------------------- */

typedef struct {
    int frames, width, height;
    double first_last_diff;   /* mean absolute difference of the first and last frame's pixels */
} decoded;

static decoded decode_gif(const char *path)
{
    int code = 0;
    GifFileType *g = DGifOpenFileName(path, &code);
    cr_assert(g != NULL, "%s: %s", path, GifErrorString(code));
    cr_assert_eq(DGifSlurp(g), GIF_OK, "%s: %s", path, GifErrorString(g->Error));
    decoded d = {g->ImageCount, g->SWidth, g->SHeight, 0};
    const ColorMapObject *cm = g->SColorMap;
    cr_assert(cm != NULL && d.frames > 0);
    const SavedImage *a = &g->SavedImages[0], *b = &g->SavedImages[d.frames - 1];
    cr_assert_eq(a->ImageDesc.Width, d.width);
    cr_assert_eq(b->ImageDesc.Height, d.height);
    double sum = 0;
    for (long i = 0; i < (long)d.width * d.height; i++) {
        GifColorType x = cm->Colors[a->RasterBits[i]], y = cm->Colors[b->RasterBits[i]];
        sum += abs(x.Red - y.Red) + abs(x.Green - y.Green) + abs(x.Blue - y.Blue);
    }
    d.first_last_diff = sum / ((double)d.width * d.height * 3);
    DGifCloseFile(g, &code);
    return d;
}

/* copies the luma plane of frame into luma (width * height) */
static void keep_luma(const AVFrame *f, uint8_t *luma)
{
    cr_assert(f->format == AV_PIX_FMT_YUV420P, "pixel format %d", f->format);
    for (int y = 0; y < f->height; y++) memcpy(luma + (size_t)y * f->width, f->data[0] + (size_t)y * f->linesize[0], f->width);
}

static decoded decode_mp4(const char *path)
{
    AVFormatContext *fmt = NULL;
    cr_assert_eq(avformat_open_input(&fmt, path, NULL, NULL), 0, "%s: cannot open", path);
    cr_assert(avformat_find_stream_info(fmt, NULL) >= 0);
    const AVCodec *codec = NULL;
    int s = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    cr_assert(s >= 0 && codec, "%s: no video stream", path);
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, fmt->streams[s]->codecpar);
    cr_assert_eq(avcodec_open2(dec, codec, NULL), 0);
    decoded d = {0, dec->width, dec->height, 0};
    uint8_t *first = calloc((size_t)d.width * d.height, 1), *last = calloc((size_t)d.width * d.height, 1);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    uint8_t *lumas[2] = {first, last};
    while (av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == s) cr_assert_eq(avcodec_send_packet(dec, pkt), 0);
        av_packet_unref(pkt);
        while (avcodec_receive_frame(dec, f) == 0) keep_luma(f, lumas[d.frames++ > 0]);
    }
    avcodec_send_packet(dec, NULL);
    while (avcodec_receive_frame(dec, f) == 0) keep_luma(f, lumas[d.frames++ > 0]);
    double sum = 0;
    for (long i = 0; i < (long)d.width * d.height; i++) sum += abs(first[i] - last[i]);
    d.first_last_diff = sum / ((double)d.width * d.height);
    free(first);
    free(last);
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return d;
}

/* ---- the drawings ------------------------------------------------------------------------- */

static void pixel(const uint8_t *rgb, int w, int x, int y, int out[3])
{
    for (int k = 0; k < 3; k++) out[k] = rgb[((size_t)y * w + x) * 3 + k];
}

Test(record, cartpole_drawing_puts_the_pole_where_the_state_says)
{
    env_instance e;
    char err[512];
    cr_assert_eq(env_make(&e, "CartPole-v1", 0, err, sizeof err), RL_OK, "%s", err);
    env_renderer *r;
    cr_assert_eq(env_render_open(&r, &e, 0, 0, err, sizeof err), RL_OK, "%s", err);
    int w, h, fps;
    env_render_size(r, &w, &h, &fps);
    cr_assert(w == 600 && h == 400 && fps == 50);
    uint8_t *rgb = malloc((size_t)w * h * 3);
    env_cartpole_state *s = e.state;
    *s = (env_cartpole_state){.x = 0, .theta = 0, .steps_beyond_terminated = -1};
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    int c[3];
    /* upright pole above the cart's centre (Gymnasium: axle 107.5 px up, pole 120 px long) */
    pixel(rgb, w, 300, 400 - 170, c);
    cr_assert(c[0] == 202 && c[1] == 152 && c[2] == 101, "pole pixel (%d,%d,%d)", c[0], c[1], c[2]);
    pixel(rgb, w, 300, 400 - 95, c);
    cr_assert(c[0] == 0 && c[1] == 0 && c[2] == 0, "cart pixel (%d,%d,%d)", c[0], c[1], c[2]);
    /* the cart 1 m to the right (125 px) with the pole tilted right: the old place is empty */
    *s = (env_cartpole_state){.x = 1.0, .theta = 0.2, .steps_beyond_terminated = -1};
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    pixel(rgb, w, 300, 400 - 170, c);
    cr_assert(c[0] == 255 && c[1] == 255 && c[2] == 255, "empty pixel (%d,%d,%d)", c[0], c[1], c[2]);
    pixel(rgb, w, 425, 400 - 95, c);
    cr_assert(c[0] == 0 && c[1] == 0 && c[2] == 0, "moved cart pixel (%d,%d,%d)", c[0], c[1], c[2]);
    free(rgb);
    env_render_close(r);
    env_close(&e);
}

Test(record, every_classic_task_draws_a_non_blank_frame)
{
    const char *ids[] = {"CartPole-v1", "Pendulum-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Acrobot-v1"};
    for (int i = 0; i < 5; i++) {
        env_instance e;
        char err[512];
        float obs[8];
        cr_assert_eq(env_make(&e, ids[i], 0, err, sizeof err), RL_OK, "%s", err);
        env_reset(&e, 3, obs);
        env_renderer *r;
        cr_assert_eq(env_render_open(&r, &e, 320, 240, err, sizeof err), RL_OK, "%s: %s", ids[i], err);
        uint8_t *rgb = malloc(320 * 240 * 3);
        cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
        long not_white = 0;
        for (long p = 0; p < 320 * 240 * 3; p++) not_white += rgb[p] != 255;
        cr_assert(not_white > 300, "%s: only %ld non-white channel values", ids[i], not_white);
        free(rgb);
        env_render_close(r);
        env_close(&e);
    }
}

Test(record, bad_file_names_and_sizes_are_refused)
{
    env_video *v;
    char err[512];
    cr_assert_eq(env_video_open(&v, "/tmp/x.avi", 64, 64, 30, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, ".mp4 or .gif"), "%s", err);
    cr_assert_eq(env_video_open(&v, "/tmp/x.mp4", 63, 64, 30, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "63x64"), "%s", err);
    cr_assert_eq(env_video_open(&v, "/nonexistent_dir/x.gif", 64, 64, 30, err, sizeof err), RL_ERR_IO);
    cr_assert(strstr(err, "/nonexistent_dir/x.gif"), "%s", err);
    cr_assert_eq(env_video_gif_index(0, 0, 0), 216);
    cr_assert_eq(env_video_gif_index(255, 0, 0), 5 * 36);
}

/* ---- whole recordings ---------------------------------------------------------------------- */

static record_result record_ok(const char *run, const char *out, int episodes, int w, int h)
{
    record_opts o;
    record_opts_default(&o);
    o.path = run;
    o.out = out;
    o.episodes = episodes;
    o.width = w;
    o.height = h;
    record_result res;
    char err[1024];
    cr_assert_eq(record_policy(&o, &res, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(res.out, out);
    cr_assert_eq(res.episodes, episodes);
    return res;
}

Test(record, cartpole_to_gif_and_mp4_decodes_to_the_frames_written, .timeout = 600)
{
    char run[256], gif[400], mp4[400];
    tiny_run("ppo_cartpole.yaml", "--set total_steps=2048", run, sizeof run, "rec_cp");
    snprintf(gif, sizeof gif, "%s/two.gif", run);
    snprintf(mp4, sizeof mp4, "%s/two.mp4", run);
    record_result g = record_ok(run, gif, 2, 0, 0);
    /* each episode: its first state and one frame per step */
    cr_assert(g.frames >= 2 * 2 + 2, "%lld frames", (long long)g.frames);
    decoded d = decode_gif(gif);
    cr_assert_eq(d.frames, g.frames);
    cr_assert(d.width == 600 && d.height == 400, "%dx%d", d.width, d.height);
    cr_assert(d.first_last_diff > 0.05, "first and last GIF frames nearly equal (%g)", d.first_last_diff);

    record_result m = record_ok(run, mp4, 2, 0, 0);
    cr_assert_eq(m.frames, g.frames, "the same seeds play the same episodes");
    d = decode_mp4(mp4);
    cr_assert_eq(d.frames, m.frames, "%d frames decoded, %lld written", d.frames, (long long)m.frames);
    cr_assert(d.width == 600 && d.height == 400, "%dx%d", d.width, d.height);
    cr_assert(d.first_last_diff > 0.05, "first and last MP4 frames nearly equal (%g)", d.first_last_diff);
}

Test(record, a_minatar_game_is_filmed_as_cells, .timeout = 600)
{
    char run[256], gif[400];
    tiny_run("ppo_cartpole.yaml", "--set env.id=MinAtar/Breakout-v1 --set network.encoder=minatar --set total_steps=2048", run,
             sizeof run, "rec_ma");
    snprintf(gif, sizeof gif, "%s/breakout.gif", run);
    record_result g = record_ok(run, gif, 2, 0, 0);
    cr_assert(g.frames >= 2 * 2 + 2, "%lld frames", (long long)g.frames);
    decoded d = decode_gif(gif);
    cr_assert_eq(d.frames, g.frames);
    cr_assert(d.width == 320 && d.height == 320, "%dx%d", d.width, d.height);
    cr_assert(d.first_last_diff > 0.01, "first and last frames nearly equal (%g)", d.first_last_diff);
    char cmd[512], out[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", run);
    rlt_run_cmd(cmd, out, sizeof out);
}

/* a toy-text run with env.kwargs (a 3 x 3 map): rlc record makes the environment with them (its
 * picture and the agent's 9 one-hot inputs) and the GIF decodes to the frames written */
Test(record, a_toy_text_run_with_kwargs_is_filmed_and_decodes)
{
    char run[256], gif[400];
    tiny_run("zoo/dqn_frozenlake_v1_nonslippery.yaml",
             "--set total_steps=3000 --set 'env.kwargs.desc=[SFF, FHF, FFG]'", run, sizeof run, "rec_fl");
    snprintf(gif, sizeof gif, "%s/lake.gif", run);
    record_result g = record_ok(run, gif, 2, 0, 0);
    cr_assert_str_eq(g.env_id, "FrozenLake-v1");
    cr_assert(g.frames >= 2 * 2 + 2, "%lld frames", (long long)g.frames);
    decoded d = decode_gif(gif);
    cr_assert_eq(d.frames, g.frames);
    cr_assert(d.width == 256 && d.height == 256, "FrozenLake-v1's picture size: %dx%d", d.width, d.height);
    char cmd[512], out[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", run);
    rlt_run_cmd(cmd, out, sizeof out);
}

Test(record, a_failed_recording_leaves_the_earlier_file, .timeout = 600)
{
    char dir[256], out[400], err[1024];
    rlt_tmp_dir(dir, sizeof dir, "rec_fail");
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(out, sizeof out, "%s/keep.gif", dir);
    FILE *fp = fopen(out, "w");
    fputs("earlier", fp);
    fclose(fp);
    record_opts o;
    record_opts_default(&o);
    o.path = "/nonexistent/run";
    o.out = out;
    record_result res;
    cr_assert_neq(record_policy(&o, &res, err, sizeof err), RL_OK);
    cr_assert(strstr(err, "/nonexistent/run"), "%s", err);
    char *kept = rlt_read_file(out);
    cr_assert_str_eq(kept, "earlier");
    free(kept);
}

Test(record, cli_reports_bad_arguments)
{
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "%s record 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2);
    cr_assert(strstr(out, "missing RUN_DIR_OR_CHECKPOINT"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s record x --size 33x20 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2);
    cr_assert(strstr(out, "--size") && strstr(out, "33x20"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s record x --episodes 0 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 2);
    cr_assert(strstr(out, "--episodes"), "%s", out);
}

#ifdef RLC_HAVE_MUJOCO
Test(record, hopper_renders_offscreen_through_mujoco, .timeout = 600)
{
    char run[256], mp4[400];
    tiny_run("ppo_hopper.yaml", "--set total_steps=256 --set ppo.num_steps=64 --set env.num_envs=1", run, sizeof run,
             "rec_hop");
    snprintf(mp4, sizeof mp4, "%s/hop.mp4", run);
    record_result m = record_ok(run, mp4, 1, 160, 120);
    cr_assert(m.fps == 125, "Hopper's dt is 0.008 s: %d fps", m.fps);
    decoded d = decode_mp4(mp4);
    cr_assert_eq(d.frames, m.frames, "%d frames decoded, %lld written", d.frames, (long long)m.frames);
    cr_assert(d.width == 160 && d.height == 120, "%dx%d", d.width, d.height);
    cr_assert(d.first_last_diff > 0.05, "first and last Hopper frames nearly equal (%g)", d.first_last_diff);
}

/* one HalfCheetah frame (its first state) with env_render_antialias(on) */
static uint8_t *cheetah_frame(bool antialias)
{
    char err[512];
    env_instance e;
    cr_assert_eq(env_make(&e, "HalfCheetah-v5", 0, err, sizeof err), RL_OK, "%s", err);
    float obs[17];
    env_reset(&e, 3, obs);
    env_render_antialias(antialias);
    env_renderer *r;
    cr_assert_eq(env_render_open(&r, &e, 0, 0, err, sizeof err), RL_OK, "%s", err);
    env_render_antialias(true);
    uint8_t *rgb = malloc(480 * 480 * 3);
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    env_render_close(r);
    env_close(&e);
    return rgb;
}

/* rlc record --fast: the same scene without multisampling: only edge pixels differ */
Test(record, mujoco_without_antialiasing_differs_only_at_edges)
{
    uint8_t *aa = cheetah_frame(true), *fast = cheetah_frame(false), *again = cheetah_frame(true);
    int differ = 0;
    for (int i = 0; i < 480 * 480; i++) differ += memcmp(aa + 3 * i, fast + 3 * i, 3) != 0;
    cr_assert(memcmp(aa, again, 480 * 480 * 3) == 0, "antialiased frames of one state are equal");
    cr_assert(differ > 0, "multisampling changes no pixel");
    cr_assert(differ < 480 * 480 / 20, "%d of %d pixels differ: not the same scene", differ, 480 * 480);
    free(aa);
    free(fast);
    free(again);
}
#endif

/* ---- renderers registered by plugins ------------------------------------------------------- */

/* PointReach-v0's state (examples/plugin_env/point_reach.c) */
typedef struct {
    double x, y, gx, gy;
} point_reach_state;

static void load_point_reach(void)
{
    char err[512];
    cr_assert_eq(env_load_plugin(RLC_PLUGIN_POINT_REACH, err, sizeof err), RL_OK, "%s", err);
}

Test(record, a_plugin_renderer_draws_the_point_and_the_goal)
{
    load_point_reach();
    env_instance e;
    char err[512];
    cr_assert_eq(env_make(&e, "PointReach-v0", 0, err, sizeof err), RL_OK, "%s", err);
    env_renderer *r;
    cr_assert_eq(env_render_open(&r, &e, 0, 0, err, sizeof err), RL_OK, "%s", err);
    int w, h, fps;
    env_render_size(r, &w, &h, &fps);
    cr_assert(w == 400 && h == 400 && fps == 30, "%dx%d at %d fps", w, h, fps);
    uint8_t *rgb = malloc((size_t)w * h * 3);
    point_reach_state *s = e.state;
    *s = (point_reach_state){.x = -0.5, .y = 0.5, .gx = 0.5, .gy = -0.5};
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    int c[3];
    /* x = -0.5 is a quarter of the way across (pixel 99.75); y = 0.5 a quarter of the way down */
    pixel(rgb, w, 100, 100, c);
    cr_assert(c[0] == 30 && c[1] == 80 && c[2] == 220, "point pixel (%d,%d,%d)", c[0], c[1], c[2]);
    pixel(rgb, w, 299, 299, c);
    cr_assert(c[0] == 40 && c[1] == 170 && c[2] == 60, "goal pixel (%d,%d,%d)", c[0], c[1], c[2]);
    pixel(rgb, w, 200, 200, c);
    cr_assert(c[0] == 255 && c[1] == 255 && c[2] == 255, "background pixel (%d,%d,%d)", c[0], c[1], c[2]);
    /* the point moves to the centre: its old place is background */
    s->x = 0.0, s->y = 0.0;
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    pixel(rgb, w, 100, 100, c);
    cr_assert(c[0] == 255 && c[1] == 255 && c[2] == 255, "old point pixel (%d,%d,%d)", c[0], c[1], c[2]);
    pixel(rgb, w, 200, 200, c);
    cr_assert(c[0] == 30 && c[1] == 80 && c[2] == 220, "moved point pixel (%d,%d,%d)", c[0], c[1], c[2]);
    free(rgb);
    env_render_close(r);
    env_close(&e);
}

static rl_status draw_fails(const void *state, uint8_t *rgb, int width, int height, char *err, size_t err_sz)
{
    (void)state, (void)rgb, (void)width, (void)height;
    return rl_errf(err, err_sz, RL_ERR_IO, "the canvas is gone");
}

Test(record, renderer_definitions_are_checked_when_registered)
{
    load_point_reach();
    char err[512];
    env_render_def d = {.id = "NoSuchEnv-v0", .width = 64, .height = 64, .fps = 30, .draw = draw_fails};
    cr_assert_eq(env_register_renderer(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "NoSuchEnv-v0") && strstr(err, "env_register"), "%s", err);
    d.id = "CartPole-v1";
    cr_assert_eq(env_register_renderer(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "CartPole-v1") && strstr(err, "itself"), "%s", err);
    d.id = "PointReach-v0";
    cr_assert_eq(env_register_renderer(&d, err, sizeof err), RL_ERR_ARG);
    cr_assert(strstr(err, "already registered"), "%s", err);
    cr_assert(env_find_renderer("PointReach-v0") != NULL && env_find_renderer("CartPole-v1") == NULL);
    const struct { int w, h, fps; const char *want; } bad[] = {
        {63, 64, 30, "63x64"}, {8, 64, 30, "8x64"}, {64, 5000, 30, "64x5000"}, {64, 64, 0, "fps 0"}};
    for (int i = 0; i < 4; i++) {
        env_render_def b = {.id = "PointReach-v0", .width = bad[i].w, .height = bad[i].h, .fps = bad[i].fps,
                            .draw = draw_fails};
        cr_assert_eq(env_register_renderer(&b, err, sizeof err), RL_ERR_ARG);
        cr_assert(strstr(err, bad[i].want), "%s", err);
    }
}

/* a registered environment whose renderer fails: the failure names the environment */
static rl_status blank_init(void *state, char *err, size_t err_sz) { (void)state, (void)err, (void)err_sz; return RL_OK; }
static void blank_reset(void *state, rl_rng *rng, float *obs) { (void)state, (void)rng, obs[0] = 0.0f; }
static void blank_step(void *state, rl_rng *rng, const float *action, float *obs, float *reward, bool *terminated,
                       bool *truncated)
{
    (void)state, (void)rng, (void)action;
    obs[0] = 0.0f, *reward = 0.0f, *terminated = false, *truncated = false;
}
static const float blank_lo[1] = {-1}, blank_hi[1] = {1};

Test(record, a_failing_renderer_is_reported_with_the_environment)
{
    static const env_def blank = {.id = "Blank-v0", .state_size = 8, .max_episode_steps = 10,
                                  .reward_threshold = NAN,
                                  .obs_space = {.kind = ENV_SPACE_BOX, .dim = 1, .low = blank_lo, .high = blank_hi},
                                  .act_space = {.kind = ENV_SPACE_BOX, .dim = 1, .low = blank_lo, .high = blank_hi},
                                  .init = blank_init, .reset = blank_reset, .step = blank_step};
    static const env_render_def draw = {.id = "Blank-v0", .width = 32, .height = 32, .fps = 10, .draw = draw_fails};
    char err[512];
    cr_assert_eq(env_register(&blank, err, sizeof err), RL_OK, "%s", err);
    env_instance e;
    cr_assert_eq(env_make(&e, "Blank-v0", 0, err, sizeof err), RL_OK, "%s", err);
    env_renderer *r;
    cr_assert_eq(env_render_open(&r, &e, 0, 0, err, sizeof err), RL_ERR_UNSUPPORTED);
    cr_assert(strstr(err, "Blank-v0 has no renderer") && strstr(err, "env_register_renderer"), "%s", err);
    cr_assert_eq(env_register_renderer(&draw, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_render_open(&r, &e, 0, 0, err, sizeof err), RL_OK, "%s", err);
    uint8_t rgb[32 * 32 * 3];
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_ERR_IO);
    cr_assert(strstr(err, "Blank-v0") && strstr(err, "the canvas is gone"), "%s", err);
    env_render_close(r);
    env_close(&e);
}

/* rlc record on a run trained on the plugin: the plugin named on the command line films it */
Test(record, a_plugin_environment_is_filmed_and_decodes, .timeout = 600)
{
    char dir[256], path[400], cmd[2048], out[8192];
    rlt_tmp_dir(dir, sizeof dir, "rec_plugin");
    cr_assert_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/pr.yaml", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "algo: ppo\ntotal_steps: 2048\nenv: {id: PointReach-v0, plugin: %s, num_envs: 2}\n"
                "log: {eval_episodes: 1}\n", RLC_PLUGIN_POINT_REACH);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "OPENBLAS_NUM_THREADS=1 %s train %s --run-dir %s/run --quiet 2>&1", RLC_BINARY, path, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s\n%s", cmd, out);
    snprintf(cmd, sizeof cmd, "%s record %s/run --plugin %s --out %s/pr.gif 2>&1", RLC_BINARY, dir,
             RLC_PLUGIN_POINT_REACH, dir);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s\n%s", cmd, out);
    long long frames = 0;
    const char *at = strstr(out, " frames 400x400 at 30 fps");
    cr_assert(at != NULL, "%s", out);
    while (at > out && at[-1] >= '0' && at[-1] <= '9') at--;
    frames = atoll(at);
    snprintf(path, sizeof path, "%s/pr.gif", dir);
    decoded d = decode_gif(path);
    cr_assert(d.frames == frames && frames >= 2, "%d frames decoded, %lld reported", d.frames, frames);
    cr_assert(d.width == 400 && d.height == 400, "%dx%d", d.width, d.height);
    cr_assert(d.first_last_diff > 0.0, "first and last frames are the same");
}
