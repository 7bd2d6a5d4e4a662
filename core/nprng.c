/* rlc core: numpy's SeedSequence, PCG64 and the Generator methods the toy-text environments
 * use (core/nprng.h). Written from the algorithms' published descriptions; checked against
 * numpy's own outputs by tests/test_envs_toytext.c. */
#include "core/nprng.h"

#include "core/status.h"

__extension__ typedef unsigned __int128 u128;

/* ---- SeedSequence -------------------------------------------------------------------------- */

#define SS_POOL 4
#define SS_INIT_A 0x43b0d7e5u
#define SS_MULT_A 0x931e8875u
#define SS_INIT_B 0x8b51f9ddu
#define SS_MULT_B 0x58f38dedu
#define SS_MIX_L 0xca01f9ddu
#define SS_MIX_R 0x4973f715u
#define SS_XSHIFT 16

static uint32_t ss_hashmix(uint32_t value, uint32_t *hash_const)
{
    value ^= *hash_const;
    *hash_const *= SS_MULT_A;
    value *= *hash_const;
    value ^= value >> SS_XSHIFT;
    return value;
}

static uint32_t ss_mix(uint32_t x, uint32_t y)
{
    uint32_t r = SS_MIX_L * x - SS_MIX_R * y;
    return r ^ (r >> SS_XSHIFT);
}

/* the entropy pool of a seed: its 32-bit words, least significant first (0 is one word) */
static void ss_pool(uint64_t seed, uint32_t pool[SS_POOL])
{
    uint32_t words[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    int n_words = seed >> 32 ? 2 : 1;
    uint32_t hc = SS_INIT_A;
    for (int i = 0; i < SS_POOL; i++) pool[i] = ss_hashmix(i < n_words ? words[i] : 0u, &hc);
    for (int src = 0; src < SS_POOL; src++)
        for (int dst = 0; dst < SS_POOL; dst++)
            if (src != dst) pool[dst] = ss_mix(pool[dst], ss_hashmix(pool[src], &hc));
}

void rl_seedseq_generate_state(uint64_t seed, uint32_t *out, int n_words)
{
    uint32_t pool[SS_POOL];
    ss_pool(seed, pool);
    uint32_t hc = SS_INIT_B;
    for (int i = 0; i < n_words; i++) {
        uint32_t v = pool[i % SS_POOL] ^ hc;
        hc *= SS_MULT_B;
        v *= hc;
        out[i] = v ^ (v >> SS_XSHIFT);
    }
}

/* ---- PCG64 ------------------------------------------------------------------------------------ */

#define PCG64_MULT (((u128)0x2360ed051fc65da4ULL << 64) | 0x4385df649fccf645ULL)

static u128 u128_of(uint64_t hi, uint64_t lo) { return ((u128)hi << 64) | lo; }

static void pcg64_step(rl_pcg64 *r)
{
    u128 s = u128_of(r->state_hi, r->state_lo) * PCG64_MULT + u128_of(r->inc_hi, r->inc_lo);
    r->state_hi = (uint64_t)(s >> 64);
    r->state_lo = (uint64_t)s;
}

void rl_pcg64_seed(rl_pcg64 *r, uint64_t seed)
{
    uint32_t w[8];
    rl_seedseq_generate_state(seed, w, 8);
    /* generate_state(4, uint64): little-endian pairs of words; state = v0 << 64 | v1, stream
     * = v2 << 64 | v3 */
    uint64_t v[4];
    for (int i = 0; i < 4; i++) v[i] = (uint64_t)w[2 * i] | (uint64_t)w[2 * i + 1] << 32;
    u128 initseq = u128_of(v[2], v[3]), inc = (initseq << 1) | 1u;
    r->inc_hi = (uint64_t)(inc >> 64);
    r->inc_lo = (uint64_t)inc;
    r->state_hi = r->state_lo = 0;
    pcg64_step(r);
    u128 s = u128_of(r->state_hi, r->state_lo) + u128_of(v[0], v[1]);
    r->state_hi = (uint64_t)(s >> 64);
    r->state_lo = (uint64_t)s;
    pcg64_step(r);
    r->has_uint32 = 0;
    r->uinteger = 0;
}

uint64_t rl_pcg64_next64(rl_pcg64 *r)
{
    pcg64_step(r);
    uint64_t x = r->state_hi ^ r->state_lo;
    unsigned rot = (unsigned)(r->state_hi >> 58);
    return (x >> rot) | (x << ((64u - rot) & 63u));
}

uint32_t rl_pcg64_next32(rl_pcg64 *r)
{
    if (r->has_uint32) {
        r->has_uint32 = 0;
        return r->uinteger;
    }
    uint64_t x = rl_pcg64_next64(r);
    r->has_uint32 = 1;
    r->uinteger = (uint32_t)(x >> 32);
    return (uint32_t)x;
}

/* ---- Generator methods ------------------------------------------------------------------------ */

double rl_pcg64_random(rl_pcg64 *r)
{
    return (double)(rl_pcg64_next64(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Lemire's method on 32-bit draws: uniform in [0, rng], rng < 2^32 - 1 */
static uint32_t lemire32(rl_pcg64 *r, uint32_t rng)
{
    const uint32_t excl = rng + 1u;
    uint64_t m = (uint64_t)rl_pcg64_next32(r) * excl;
    uint32_t left = (uint32_t)m;
    if (left < excl) {
        const uint32_t threshold = (UINT32_MAX - rng) % excl;
        while (left < threshold) {
            m = (uint64_t)rl_pcg64_next32(r) * excl;
            left = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* the same on 64-bit draws: uniform in [0, rng], rng < 2^64 - 1 */
static uint64_t lemire64(rl_pcg64 *r, uint64_t rng)
{
    const uint64_t excl = rng + 1u;
    u128 m = (u128)rl_pcg64_next64(r) * excl;
    uint64_t left = (uint64_t)m;
    if (left < excl) {
        const uint64_t threshold = (UINT64_MAX - rng) % excl;
        while (left < threshold) {
            m = (u128)rl_pcg64_next64(r) * excl;
            left = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

int64_t rl_pcg64_integers(rl_pcg64 *r, int64_t low, int64_t high)
{
    RL_ASSERT_MSG(low < high, "rl_pcg64_integers needs low < high");
    uint64_t rng = (uint64_t)high - (uint64_t)low - 1u, v;
    if (rng == 0) v = 0;
    else if (rng == UINT32_MAX) v = rl_pcg64_next32(r);
    else if (rng < UINT32_MAX) v = lemire32(r, (uint32_t)rng);
    else if (rng == UINT64_MAX) v = rl_pcg64_next64(r);
    else v = lemire64(r, rng);
    return (int64_t)((uint64_t)low + v);
}

int rl_pcg64_choice(rl_pcg64 *r, int n)
{
    RL_ASSERT(n >= 1);
    return (int)rl_pcg64_integers(r, 0, n);
}

int rl_pcg64_categorical(rl_pcg64 *r, const double *p, int n)
{
    double u = rl_pcg64_random(r), acc = 0.0;
    for (int i = 0; i < n; i++) {
        acc += p[i];
        if (acc > u) return i;
    }
    return 0;
}
