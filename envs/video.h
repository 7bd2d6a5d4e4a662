/* rlc envs: writing rendered frames to a video file (rlc record).
 *
 * The format follows the file name: ".mp4" is encoded with libavcodec and muxed with
 * libavformat (H.264 through libx264 when this FFmpeg has it, otherwise MPEG-4 part 2), ".gif"
 * is written with giflib (a fixed 256-colour palette: a 6x6x6 colour cube and 40 greys, looping).
 * Frames are packed RGB, 8 bits per channel, rows top to bottom. The file is written to
 * "<path>.tmp" and renamed over path only by a successful env_video_close, so a failed or
 * interrupted recording never replaces an earlier file. */
#ifndef RLC_ENVS_VIDEO_H
#define RLC_ENVS_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

typedef struct env_video env_video;

/* Opens a video of width x height frames (both even and in [16, 4096]) at fps frames per
 * second (1..1000). Errors: RL_ERR_ARG for another file extension or a bad size,
 * RL_ERR_IO when the file cannot be created, RL_ERR_UNSUPPORTED when no encoder is available. */
rl_status env_video_open(env_video **v, const char *path, int width, int height, int fps, char *err,
                         size_t err_sz);
/* Appends one frame: rgb is (height, width, 3). */
rl_status env_video_write(env_video *v, const uint8_t *rgb, char *err, size_t err_sz);
/* Flushes, finishes the file and renames it into place; frees v in every case (NULL-safe). */
rl_status env_video_close(env_video *v, char *err, size_t err_sz);
/* Frees v and removes the temporary file, leaving any earlier file at path untouched
 * (NULL-safe). */
void env_video_abort(env_video *v);
/* The encoder in use ("libx264", "mpeg4" or "gif"). */
const char *env_video_codec(const env_video *v);

/* The palette index of an RGB colour in the GIF palette (exposed for tests). */
int env_video_gif_index(uint8_t r, uint8_t g, uint8_t b);

#endif
