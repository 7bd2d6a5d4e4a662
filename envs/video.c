/* rlc envs: the video writer of rlc record: MP4 through libavcodec/libavformat/libswscale and
 * GIF through giflib (see video.h). */
#include "envs/video.h"

#include <errno.h>
#include <fcntl.h>
#include <gif_lib.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define VIDEO_GIF_GREYS 40

typedef enum { VIDEO_MP4 = 0, VIDEO_GIF } video_kind;

struct env_video {
    video_kind kind;
    int w, h, fps;
    int64_t frames;
    char path[1024], tmp[1100];
    const char *codec;
    /* MP4 */
    AVFormatContext *fmt;
    AVCodecContext *enc;
    AVStream *st;
    AVFrame *frame;
    AVPacket *pkt;
    struct SwsContext *sws;
    /* GIF */
    GifFileType *gif;
    GifByteType *line;   /* (w) palette indices of one row */
};

int env_video_gif_index(uint8_t r, uint8_t g, uint8_t b)
{
    int mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
    int mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
    if (mx - mn <= 12) {   /* a grey: the finer grey ramp */
        int avg = (r + g + b) / 3;
        return 216 + (avg * (VIDEO_GIF_GREYS - 1) + 127) / 255;
    }
    int ri = (r * 5 + 127) / 255, gi = (g * 5 + 127) / 255, bi = (b * 5 + 127) / 255;
    return ri * 36 + gi * 6 + bi;
}

/* ---- MP4 ---------------------------------------------------------------------------------- */

static rl_status av_fail(char *err, size_t err_sz, const char *path, const char *what, int ret)
{
    char msg[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(ret, msg, sizeof msg);
    return rl_errf(err, err_sz, RL_ERR_IO, "%s: %s: %s", path, what, msg);
}

/* the encoder: H.264 (libx264, constant quality) when present, else MPEG-4 part 2 */
static rl_status mp4_encoder(env_video *v, char *err, size_t err_sz)
{
    const AVCodec *c = avcodec_find_encoder_by_name("libx264");
    if (!c) c = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (!c) return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "%s: this FFmpeg has neither an H.264 nor an MPEG-4 encoder", v->path);
    v->codec = c->name;
    v->enc = avcodec_alloc_context3(c);
    if (!v->enc) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    v->enc->width = v->w;
    v->enc->height = v->h;
    v->enc->time_base = (AVRational){1, v->fps};
    v->enc->framerate = (AVRational){v->fps, 1};
    v->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    v->enc->gop_size = 2 * v->fps;
    v->enc->max_b_frames = 0;   /* no reordering: packets in display order */
    v->enc->thread_count = 1;
    if (c->id == AV_CODEC_ID_H264) {
        av_opt_set(v->enc->priv_data, "crf", "23", 0);
        av_opt_set(v->enc->priv_data, "preset", "medium", 0);
    } else {
        v->enc->flags |= AV_CODEC_FLAG_QSCALE;
        v->enc->global_quality = FF_QP2LAMBDA * 4;
    }
    if (v->fmt->oformat->flags & AVFMT_GLOBALHEADER) v->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    int ret = avcodec_open2(v->enc, c, NULL);
    if (ret < 0) return av_fail(err, err_sz, v->path, "cannot open the encoder", ret);
    return RL_OK;
}

static rl_status mp4_open(env_video *v, char *err, size_t err_sz)
{
    av_log_set_level(AV_LOG_ERROR);
    int ret = avformat_alloc_output_context2(&v->fmt, NULL, "mp4", v->tmp);
    if (ret < 0 || !v->fmt) return av_fail(err, err_sz, v->path, "cannot set up the MP4 muxer", ret);
    rl_status st = mp4_encoder(v, err, err_sz);
    if (st != RL_OK) return st;
    v->st = avformat_new_stream(v->fmt, NULL);
    v->frame = av_frame_alloc();
    v->pkt = av_packet_alloc();
    if (!v->st || !v->frame || !v->pkt) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    avcodec_parameters_from_context(v->st->codecpar, v->enc);
    v->st->time_base = v->enc->time_base;
    v->frame->format = AV_PIX_FMT_YUV420P;
    v->frame->width = v->w;
    v->frame->height = v->h;
    if ((ret = av_frame_get_buffer(v->frame, 0)) < 0) return av_fail(err, err_sz, v->path, "frame buffer", ret);
    v->sws = sws_getContext(v->w, v->h, AV_PIX_FMT_RGB24, v->w, v->h, AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL, NULL,
                            NULL);
    if (!v->sws) return rl_errf(err, err_sz, RL_ERR_UNSUPPORTED, "%s: no RGB to YUV conversion", v->path);
    if ((ret = avio_open(&v->fmt->pb, v->tmp, AVIO_FLAG_WRITE)) < 0)
        return av_fail(err, err_sz, v->tmp, "cannot create", ret);
    if ((ret = avformat_write_header(v->fmt, NULL)) < 0) return av_fail(err, err_sz, v->tmp, "cannot write the header", ret);
    return RL_OK;
}

/* sends a frame (NULL: flush) and writes every packet the encoder returns */
static rl_status mp4_encode(env_video *v, AVFrame *frame, char *err, size_t err_sz)
{
    int ret = avcodec_send_frame(v->enc, frame);
    if (ret < 0) return av_fail(err, err_sz, v->path, "encoding failed", ret);
    for (;;) {
        ret = avcodec_receive_packet(v->enc, v->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return RL_OK;
        if (ret < 0) return av_fail(err, err_sz, v->path, "encoding failed", ret);
        /* each frame lasts one tick: without a duration the MP4 edit list ends before the last
         * frame, and demuxers discard it */
        if (v->pkt->duration <= 0) v->pkt->duration = 1;
        av_packet_rescale_ts(v->pkt, v->enc->time_base, v->st->time_base);
        v->pkt->stream_index = v->st->index;
        ret = av_interleaved_write_frame(v->fmt, v->pkt);
        if (ret < 0) return av_fail(err, err_sz, v->tmp, "cannot write", ret);
    }
}

static rl_status mp4_write(env_video *v, const uint8_t *rgb, char *err, size_t err_sz)
{
    int ret = av_frame_make_writable(v->frame);
    if (ret < 0) return av_fail(err, err_sz, v->path, "frame buffer", ret);
    const uint8_t *src[1] = {rgb};
    int stride[1] = {3 * v->w};
    sws_scale(v->sws, src, stride, 0, v->h, v->frame->data, v->frame->linesize);
    v->frame->pts = v->frames;
    return mp4_encode(v, v->frame, err, err_sz);
}

static rl_status mp4_finish(env_video *v, char *err, size_t err_sz)
{
    rl_status st = mp4_encode(v, NULL, err, err_sz);
    if (st != RL_OK) return st;
    int ret = av_write_trailer(v->fmt);
    if (ret < 0) return av_fail(err, err_sz, v->tmp, "cannot finish", ret);
    ret = avio_closep(&v->fmt->pb);
    if (ret < 0) return av_fail(err, err_sz, v->tmp, "cannot close", ret);
    return RL_OK;
}

static void mp4_free(env_video *v)
{
    if (v->fmt && v->fmt->pb) avio_closep(&v->fmt->pb);
    avformat_free_context(v->fmt);
    avcodec_free_context(&v->enc);
    av_frame_free(&v->frame);
    av_packet_free(&v->pkt);
    sws_freeContext(v->sws);
}

/* ---- GIF ---------------------------------------------------------------------------------- */

static rl_status gif_fail(char *err, size_t err_sz, const char *path, int code)
{
    const char *msg = GifErrorString(code);
    return rl_errf(err, err_sz, RL_ERR_IO, "%s: %s", path, msg ? msg : "GIF error");
}

static ColorMapObject *gif_palette(void)
{
    ColorMapObject *cm = GifMakeMapObject(256, NULL);
    if (!cm) return NULL;
    for (int i = 0; i < 216; i++) {
        cm->Colors[i].Red = (GifByteType)(51 * (i / 36));
        cm->Colors[i].Green = (GifByteType)(51 * (i / 6 % 6));
        cm->Colors[i].Blue = (GifByteType)(51 * (i % 6));
    }
    for (int k = 0; k < VIDEO_GIF_GREYS; k++) {
        GifByteType g = (GifByteType)((k * 255 + (VIDEO_GIF_GREYS - 1) / 2) / (VIDEO_GIF_GREYS - 1));
        cm->Colors[216 + k] = (GifColorType){g, g, g};
    }
    return cm;
}

static rl_status gif_open(env_video *v, char *err, size_t err_sz)
{
    int code = 0;
    v->codec = "gif";
    v->line = malloc((size_t)v->w);
    if (!v->line) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    /* opened here rather than by EGifOpenFileName, which creates files readable by the owner only */
    int fd = open(v->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot create: %s", v->tmp, strerror(errno));
    v->gif = EGifOpenFileHandle(fd, &code);
    if (!v->gif) {
        close(fd);
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot start a GIF: %s", v->tmp, GifErrorString(code));
    }
    EGifSetGifVersion(v->gif, true);
    ColorMapObject *cm = gif_palette();
    if (!cm) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    int ok = EGifPutScreenDesc(v->gif, v->w, v->h, 8, 0, cm);
    GifFreeMapObject(cm);
    /* the Netscape application extension: loop forever */
    static const GifByteType loop[3] = {1, 0, 0};
    if (ok == GIF_OK) ok = EGifPutExtensionLeader(v->gif, APPLICATION_EXT_FUNC_CODE);
    if (ok == GIF_OK) ok = EGifPutExtensionBlock(v->gif, 11, "NETSCAPE2.0");
    if (ok == GIF_OK) ok = EGifPutExtensionBlock(v->gif, 3, loop);
    if (ok == GIF_OK) ok = EGifPutExtensionTrailer(v->gif);
    return ok == GIF_OK ? RL_OK : gif_fail(err, err_sz, v->tmp, v->gif->Error);
}

static rl_status gif_write(env_video *v, const uint8_t *rgb, char *err, size_t err_sz)
{
    /* GIF delays are in hundredths of a second; viewers slow anything under 2 down */
    int delay = (100 + v->fps / 2) / v->fps;
    GraphicsControlBlock gcb = {.DisposalMode = DISPOSAL_UNSPECIFIED, .UserInputFlag = false,
                                .DelayTime = delay < 2 ? 2 : delay, .TransparentColor = NO_TRANSPARENT_COLOR};
    GifByteType ext[4];
    size_t n = EGifGCBToExtension(&gcb, ext);
    int ok = EGifPutExtension(v->gif, GRAPHICS_EXT_FUNC_CODE, (int)n, ext);
    if (ok == GIF_OK) ok = EGifPutImageDesc(v->gif, 0, 0, v->w, v->h, false, NULL);
    for (int y = 0; ok == GIF_OK && y < v->h; y++) {
        const uint8_t *row = rgb + (size_t)y * v->w * 3;
        for (int x = 0; x < v->w; x++)
            v->line[x] = (GifByteType)env_video_gif_index(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
        ok = EGifPutLine(v->gif, v->line, v->w);
    }
    return ok == GIF_OK ? RL_OK : gif_fail(err, err_sz, v->tmp, v->gif->Error);
}

static rl_status gif_finish(env_video *v, char *err, size_t err_sz)
{
    int code = 0;
    int ok = EGifCloseFile(v->gif, &code);
    v->gif = NULL;
    return ok == GIF_OK ? RL_OK : gif_fail(err, err_sz, v->tmp, code);
}

/* ---- the public functions ----------------------------------------------------------------- */

static bool has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), k = strlen(ext);
    return n > k && strcasecmp(path + n - k, ext) == 0;
}

static void video_free(env_video *v)
{
    if (v->kind == VIDEO_MP4) mp4_free(v);
    if (v->gif) EGifCloseFile(v->gif, NULL);
    free(v->line);
    free(v);
}

rl_status env_video_open(env_video **out, const char *path, int width, int height, int fps, char *err,
                         size_t err_sz)
{
    *out = NULL;
    bool mp4 = has_ext(path, ".mp4"), gif = has_ext(path, ".gif");
    if (!mp4 && !gif) return rl_errf(err, err_sz, RL_ERR_ARG, "%s: expected a file name ending in .mp4 or .gif", path);
    if (width < 16 || height < 16 || width > 4096 || height > 4096 || width % 2 || height % 2)
        return rl_errf(err, err_sz, RL_ERR_ARG, "%s: frame size %dx%d: expected even sizes in [16, 4096]", path, width,
                       height);
    if (fps < 1 || fps > 1000) return rl_errf(err, err_sz, RL_ERR_ARG, "%s: %d frames per second: expected 1..1000", path, fps);
    if (strlen(path) >= 1024) return rl_errf(err, err_sz, RL_ERR_ARG, "%s: path too long", path);
    env_video *v = calloc(1, sizeof *v);
    if (!v) return rl_errf(err, err_sz, RL_ERR_NOMEM, "out of memory");
    v->kind = mp4 ? VIDEO_MP4 : VIDEO_GIF;
    v->w = width;
    v->h = height;
    v->fps = fps;
    snprintf(v->path, sizeof v->path, "%s", path);
    snprintf(v->tmp, sizeof v->tmp, "%s.tmp", path);
    rl_status st = mp4 ? mp4_open(v, err, err_sz) : gif_open(v, err, err_sz);
    if (st != RL_OK) {
        env_video_abort(v);
        return st;
    }
    *out = v;
    return RL_OK;
}

rl_status env_video_write(env_video *v, const uint8_t *rgb, char *err, size_t err_sz)
{
    rl_status st = v->kind == VIDEO_MP4 ? mp4_write(v, rgb, err, err_sz) : gif_write(v, rgb, err, err_sz);
    if (st == RL_OK) v->frames++;
    return st;
}

rl_status env_video_close(env_video *v, char *err, size_t err_sz)
{
    if (!v) return RL_OK;
    rl_status st = v->kind == VIDEO_MP4 ? mp4_finish(v, err, err_sz) : gif_finish(v, err, err_sz);
    if (st == RL_OK && rename(v->tmp, v->path) != 0)
        st = rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot rename %s into place: %s", v->path, v->tmp, strerror(errno));
    if (st != RL_OK) remove(v->tmp);
    video_free(v);
    return st;
}

void env_video_abort(env_video *v)
{
    if (!v) return;
    char tmp[sizeof v->tmp];
    snprintf(tmp, sizeof tmp, "%s", v->tmp);
    video_free(v);
    remove(tmp);
}

const char *env_video_codec(const env_video *v) { return v->codec; }
