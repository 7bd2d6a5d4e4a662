/* rlc core: PCG32 generator, uniform/normal sampling and seed derivation. */
#include "core/rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PCG_MULT 6364136223846793005ULL

void rl_rng_seed(rl_rng *r, uint64_t seed, uint64_t stream)
{
    r->state = 0;
    r->inc = (stream << 1u) | 1u;
    r->has_spare = 0;
    r->spare = 0.0;
    (void)rl_rng_u32(r);
    r->state += seed;
    (void)rl_rng_u32(r);
}

uint32_t rl_rng_u32(rl_rng *r)
{
    uint64_t old = r->state;
    r->state = old * PCG_MULT + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

uint64_t rl_rng_u64(rl_rng *r)
{
    uint64_t hi = rl_rng_u32(r);
    return (hi << 32) | rl_rng_u32(r);
}

double rl_rng_double(rl_rng *r)
{
    return (double)(rl_rng_u64(r) >> 11) * 0x1.0p-53;
}

float rl_rng_float(rl_rng *r)
{
    return (float)(rl_rng_u32(r) >> 8) * 0x1.0p-24f;
}

double rl_rng_uniform(rl_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rl_rng_double(r);
}

uint32_t rl_rng_below(rl_rng *r, uint32_t n)
{
    uint64_t m = (uint64_t)rl_rng_u32(r) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)rl_rng_u32(r) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

double rl_rng_normal(rl_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    /* u1 in (0, 1] so that log(u1) is finite */
    double u1 = 1.0 - rl_rng_double(r);
    double u2 = rl_rng_double(r);
    double rad = sqrt(-2.0 * log(u1));
    double ang = 2.0 * M_PI * u2;
    r->spare = rad * sin(ang);
    r->has_spare = 1;
    return rad * cos(ang);
}

uint64_t rl_seed_derive(uint64_t seed, uint64_t index)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (index + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void rl_rng_encode(const rl_rng *r, char *buf, size_t sz)
{
    uint64_t bits;
    memcpy(&bits, &r->spare, sizeof bits);
    snprintf(buf, sz, "pcg32 %016" PRIx64 " %016" PRIx64 " %d %016" PRIx64, r->state, r->inc,
             r->has_spare ? 1 : 0, bits);
}

int rl_rng_decode(rl_rng *r, const char *s)
{
    uint64_t state, inc, bits;
    int spare, used = 0;
    if (!s || sscanf(s, "pcg32 %" SCNx64 " %" SCNx64 " %d %" SCNx64 "%n", &state, &inc, &spare, &bits, &used) != 4 ||
        s[used] != '\0' || (spare != 0 && spare != 1) || (inc & 1u) == 0)
        return -1;
    r->state = state;
    r->inc = inc;
    r->has_spare = spare;
    memcpy(&r->spare, &bits, sizeof bits);
    return 0;
}
