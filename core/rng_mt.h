/* rlc core: MT19937 with numpy's legacy RandomState seeding and sampling.
 *
 * Some reference environments (MinAtar) draw their randomness from numpy.random.RandomState. To
 * replay exactly the game their code gives for a seed, rlc needs the same stream: the Mersenne
 * Twister MT19937 (Matsumoto and Nishimura, "Mersenne Twister: a 623-dimensionally
 * equidistributed uniform pseudo-random number generator", ACM TOMACS 8(1), 1998) seeded and
 * sampled the way RandomState does it:
 *
 *   RandomState(s), s an integer in [0, 2^32)  the reference init_genrand(s)
 *   RandomState([k0, k1, ...])                 the reference init_by_array(key)
 *   rand()                                     two 32-bit outputs a, b: ((a >> 5) 2^26 + (b >> 6)) / 2^53
 *   randint(low, high)                         an integer in [low, high): with r = high - low - 1,
 *                                              mask = the smallest 2^k - 1 >= r, draw (a 32-bit
 *                                              output when r < 2^32, else two: (hi << 32) | lo)
 *                                              & mask until the value is <= r; r = 0 draws nothing
 *   randint(low, high, size=n)                 n such integers in order (rl_mt_randint n times)
 *
 * (numpy >= 1.17 keeps these for RandomState as its "legacy" stream; the tests check them against
 * Debian's numpy.) The generator is a plain value: copying the struct copies the stream. */
#ifndef RLC_CORE_RNG_MT_H
#define RLC_CORE_RNG_MT_H

#include <stddef.h>
#include <stdint.h>

#define RL_MT_N 624

typedef struct {
    uint32_t key[RL_MT_N];
    int pos;               /* next word of key to temper; RL_MT_N = regenerate first */
} rl_mt;

/* RandomState(seed) for seed in [0, 2^32): the reference init_genrand. */
void rl_mt_seed(rl_mt *m, uint32_t seed);
/* RandomState(key) for a 1-d array of n >= 1 words: the reference init_by_array. */
void rl_mt_seed_array(rl_mt *m, const uint32_t *key, size_t n);
/* RandomState(seed) where numpy takes it, extended to 64 bits: seed < 2^32 as rl_mt_seed; a
 * larger seed (which numpy refuses) as RandomState([seed & 0xffffffff, seed >> 32]). */
void rl_mt_seed_u64(rl_mt *m, uint64_t seed);

/* The next 32-bit output (numpy: the bit generator's random_raw). */
uint32_t rl_mt_u32(rl_mt *m);
/* RandomState.rand() / random_sample(): uniform in [0, 1) with 53 random bits. */
double rl_mt_double(rl_mt *m);
/* RandomState.randint(low, high) with numpy's default int64 dtype: uniform in [low, high) by
 * masked rejection (see above). Requires low < high. */
int64_t rl_mt_randint(rl_mt *m, int64_t low, int64_t high);

#endif
