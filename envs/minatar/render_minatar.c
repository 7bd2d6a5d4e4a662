/* rlc envs/minatar: pictures of the MinAtar games for rlc record, coloured as MinAtar's GUI draws
 * them: each cell takes the colour of the highest channel set there, black where none is. The C
 * channel colours are seaborn's "cubehelix" palette of C colours: matplotlib's cubehelix map
 * (D. A. Green, "A colour scheme for the display of astronomical intensity images", Bulletin of the
 * Astronomical Society of India 39, 2011, with gamma 1, start 0.5, rotations -1.5, hue 1) as a
 * 256-entry table, read at (k + 1) / (C + 1) for channel k. The grid fills the frame (32 x 32
 * pixels a cell at the default 320 x 320). */
#include <math.h>
#include <string.h>

#include "envs/minatar/minatar.h"
#include "envs/render.h"

#define FRAME 320
#define FPS 20   /* MinAtar's GUI shows a frame for 50 ms */
#define LUT 256

/* one component of the cubehelix map at x in [0, 1], clipped to [0, 1] */
static double helix(double x, double p0, double p1)
{
    double a = x * (1.0 - x) / 2.0, phi = 2.0 * M_PI * (0.5 / 3.0 - 1.5 * x);
    double v = x + a * (p0 * cos(phi) + p1 * sin(phi));
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

void env_minatar_palette(int channels, int k, uint8_t rgb[3])
{
    RL_ASSERT(channels >= 1 && k >= 0 && k < channels);
    int i = (k + 1) * LUT / (channels + 1);
    double x = (double)i / (LUT - 1);
    double c[3] = {helix(x, -0.14861, 1.78277), helix(x, -0.29227, -0.90649), helix(x, 1.97294, 0.0)};
    for (int j = 0; j < 3; j++) rgb[j] = (uint8_t)lround(c[j] * 255.0);
}

static rl_status draw(const void *state, uint8_t *rgb, int width, int height, char *err, size_t err_sz)
{
    (void)err, (void)err_sz;
    const env_minatar_state *s = state;
    int C = env_minatar_info(s->game)->channels;
    float obs[MINATAR_SIZE * MINATAR_SIZE * MINATAR_MAX_CHANNELS];
    env_minatar_observe(s, obs);
    uint8_t colour[MINATAR_SIZE][MINATAR_SIZE][3];
    for (int y = 0; y < MINATAR_SIZE; y++)
        for (int x = 0; x < MINATAR_SIZE; x++) {
            int top = -1;
            for (int c = 0; c < C; c++)
                if (obs[env_minatar_index(C, y, x, c)] != 0.0f) top = c;
            if (top < 0) memset(colour[y][x], 0, 3);
            else env_minatar_palette(C, top, colour[y][x]);
        }
    for (int py = 0; py < height; py++) {
        int y = py * MINATAR_SIZE / height;
        for (int px = 0; px < width; px++) memcpy(rgb + ((size_t)py * width + px) * 3, colour[y][px * MINATAR_SIZE / width], 3);
    }
    return RL_OK;
}

#define RENDERER(id) {id, FRAME, FRAME, FPS, draw}
static const env_render_def RENDERERS[] = {
    RENDERER("MinAtar/Asterix-v0"),       RENDERER("MinAtar/Asterix-v1"),       RENDERER("MinAtar/Breakout-v0"),
    RENDERER("MinAtar/Breakout-v1"),      RENDERER("MinAtar/Freeway-v0"),       RENDERER("MinAtar/Freeway-v1"),
    RENDERER("MinAtar/Seaquest-v0"),      RENDERER("MinAtar/Seaquest-v1"),      RENDERER("MinAtar/SpaceInvaders-v0"),
    RENDERER("MinAtar/SpaceInvaders-v1"),
};

const env_render_def *env_render_minatar_find(const char *id)
{
    for (int i = 0; i < RL_ARRAY_LEN(RENDERERS); i++)
        if (strcmp(RENDERERS[i].id, id) == 0) return &RENDERERS[i];
    return NULL;
}
