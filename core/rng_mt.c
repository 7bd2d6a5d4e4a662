/* rlc core: MT19937 with numpy's legacy RandomState seeding and sampling (core/rng_mt.h). */
#include "core/rng_mt.h"

#include "core/status.h"

#define MT_M 397
#define MT_UPPER 0x80000000u   /* the most significant bit of a word */
#define MT_LOWER 0x7fffffffu   /* the other 31 */
#define MT_MATRIX_A 0x9908b0dfu

void rl_mt_seed(rl_mt *m, uint32_t seed)
{
    m->key[0] = seed;
    for (uint32_t i = 1; i < RL_MT_N; i++) {
        uint32_t prev = m->key[i - 1];
        m->key[i] = 1812433253u * (prev ^ (prev >> 30)) + i;
    }
    m->pos = RL_MT_N;
}

/* the first pass of init_by_array: mixes the key words into the state, max(N, n) times */
static int mix_key(rl_mt *m, const uint32_t *key, size_t n)
{
    uint32_t *s = m->key;
    int i = 1;
    size_t j = 0;
    for (size_t k = n > RL_MT_N ? n : RL_MT_N; k > 0; k--) {
        s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        if (++i >= RL_MT_N) {
            s[0] = s[RL_MT_N - 1];
            i = 1;
        }
        if (++j >= n) j = 0;
    }
    return i;
}

void rl_mt_seed_array(rl_mt *m, const uint32_t *key, size_t n)
{
    RL_ASSERT(key && n >= 1);
    rl_mt_seed(m, 19650218u);
    int i = mix_key(m, key, n);
    uint32_t *s = m->key;
    for (int k = RL_MT_N - 1; k > 0; k--) {
        s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        if (++i >= RL_MT_N) {
            s[0] = s[RL_MT_N - 1];
            i = 1;
        }
    }
    s[0] = MT_UPPER;   /* a state that is not all zero */
    m->pos = RL_MT_N;
}

void rl_mt_seed_u64(rl_mt *m, uint64_t seed)
{
    if (seed <= 0xffffffffu) {
        rl_mt_seed(m, (uint32_t)seed);
        return;
    }
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    rl_mt_seed_array(m, key, 2);
}

/* the twist: the next RL_MT_N words of the recurrence, all at once */
static void regenerate(rl_mt *m)
{
    uint32_t *s = m->key;
    for (int i = 0; i < RL_MT_N; i++) {
        uint32_t y = (s[i] & MT_UPPER) | (s[(i + 1) % RL_MT_N] & MT_LOWER);
        s[i] = s[(i + MT_M) % RL_MT_N] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    m->pos = 0;
}

uint32_t rl_mt_u32(rl_mt *m)
{
    if (m->pos >= RL_MT_N) regenerate(m);
    uint32_t y = m->key[m->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double rl_mt_double(rl_mt *m)
{
    uint32_t a = rl_mt_u32(m) >> 5, b = rl_mt_u32(m) >> 6;
    return ((double)a * 67108864.0 + (double)b) * 0x1.0p-53;
}

/* the smallest 2^k - 1 >= r */
static uint64_t mask_for(uint64_t r)
{
    uint64_t mask = r;
    for (int shift = 1; shift < 64; shift *= 2) mask |= mask >> shift;
    return mask;
}

int64_t rl_mt_randint(rl_mt *m, int64_t low, int64_t high)
{
    RL_ASSERT(low < high);
    uint64_t r = (uint64_t)high - (uint64_t)low - 1u;
    if (r == 0) return low;   /* one value: numpy draws nothing */
    uint64_t mask = mask_for(r), v;
    if (r <= 0xffffffffu) {
        do v = rl_mt_u32(m) & mask;
        while (v > r);
    } else {
        do {
            uint64_t hi = rl_mt_u32(m);
            v = ((hi << 32) | rl_mt_u32(m)) & mask;
        } while (v > r);
    }
    return (int64_t)((uint64_t)low + v);
}
