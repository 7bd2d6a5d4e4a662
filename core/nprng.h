/* rlc core: numpy's default generator, bit for bit, for environments that must replay a
 * Gymnasium reference run exactly (the toy-text environments: FrozenLake, Taxi, CliffWalking,
 * Blackjack draw from `np.random.Generator(PCG64(SeedSequence(seed)))`, Gymnasium's
 * seeding.np_random).
 *
 *   seeding     SeedSequence(seed) for a non-negative integer seed (no spawn key): the seed's
 *               32-bit words are hashed into a pool of 4 words, from which generate_state(4,
 *               uint64) draws the PCG64 initial state and stream.
 *   PCG64       128-bit LCG with the XSL-RR output (O'Neill's pcg_setseq_128_xsl_rr_64); the
 *               state is advanced before each output. next32 serves the low then the high half
 *               of one 64-bit output, as numpy's PCG64 buffers it (the buffer is part of the
 *               state, so it survives calls to random()).
 *   random()    Generator.random(): (next64 >> 11) * 2^-53.
 *   integers    Generator.integers(low, high) for int64 (the default dtype): Lemire's bounded
 *               method on next32 when high - low - 1 fits 32 bits, on next64 otherwise; a range
 *               of one value draws nothing.
 *   choice(a)   Generator.choice of a sequence of n items without p: item integers(0, n).
 *
 * rl_rng (core/rng.h) stays the framework's generator; this one exists for compatibility. */
#ifndef RLC_CORE_NPRNG_H
#define RLC_CORE_NPRNG_H

#include <stdint.h>

typedef struct {
    uint64_t state_hi, state_lo;   /* the 128-bit LCG state */
    uint64_t inc_hi, inc_lo;       /* the 128-bit increment, always odd */
    uint32_t uinteger;             /* the buffered high half for next32 */
    int has_uint32;
} rl_pcg64;

/* SeedSequence(seed).generate_state(n_words, np.uint32) into out: what numpy derives from a
 * non-negative integer seed. */
void rl_seedseq_generate_state(uint64_t seed, uint32_t *out, int n_words);

/* PCG64(SeedSequence(seed)): the generator Gymnasium's reset(seed=seed) creates. */
void rl_pcg64_seed(rl_pcg64 *r, uint64_t seed);
uint64_t rl_pcg64_next64(rl_pcg64 *r);
uint32_t rl_pcg64_next32(rl_pcg64 *r);

/* Generator.random(): uniform in [0, 1) with 53 random bits. */
double rl_pcg64_random(rl_pcg64 *r);
/* Generator.integers(low, high): uniform int64 in [low, high), low < high. */
int64_t rl_pcg64_integers(rl_pcg64 *r, int64_t low, int64_t high);
/* The index Generator.choice(a) picks from a sequence of n >= 1 items (no p, replace). */
int rl_pcg64_choice(rl_pcg64 *r, int n);
/* gymnasium.envs.toy_text.utils.categorical_sample(p, np_random): one random() u, then the
 * first i whose running sum p[0] + ... + p[i] (added left to right in double, as np.cumsum) is
 * > u; 0 when none is (np.argmax of all False). */
int rl_pcg64_categorical(rl_pcg64 *r, const double *p, int n);

#endif
