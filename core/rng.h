/* rlc core: the random number generator.
 *
 * PCG32 (O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically Good Algorithms
 * for Random Number Generation", 2014): 64-bit LCG state, XSH-RR output permutation, 32-bit
 * output, 2^63 selectable streams. Every stochastic object owns one rl_rng, seeded from the run
 * seed and an index (the stream), and every stochastic function takes it explicitly.
 * No globals, no rand(). Normal draws use Box-Muller; the spare value is kept in the state so
 * that a copied rl_rng replays the same sequence exactly. */
#ifndef RLC_CORE_RNG_H
#define RLC_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t state;
    uint64_t inc;      /* stream selector, always odd */
    double spare;      /* second Box-Muller value */
    int has_spare;
} rl_rng;

/* Seeds a generator: the same (seed, stream) always gives the same sequence; different
 * streams with the same seed give independent sequences. */
void rl_rng_seed(rl_rng *r, uint64_t seed, uint64_t stream);

uint32_t rl_rng_u32(rl_rng *r);
uint64_t rl_rng_u64(rl_rng *r);
/* Uniform in [0, 1) with 53 (double) or 24 (float) random bits. */
double rl_rng_double(rl_rng *r);
float rl_rng_float(rl_rng *r);
/* Uniform in [lo, hi). */
double rl_rng_uniform(rl_rng *r, double lo, double hi);
/* Unbiased integer in [0, n), n > 0 (Lemire's multiply-and-reject). */
uint32_t rl_rng_below(rl_rng *r, uint32_t n);
/* Standard normal N(0, 1). */
double rl_rng_normal(rl_rng *r);

/* The whole generator state (including a pending Box-Muller value) as text, for checkpoint
 * metadata: "pcg32 <state> <inc> <has_spare> <spare bits>" in hex. RL_RNG_TEXT bytes suffice. */
#define RL_RNG_TEXT 80
void rl_rng_encode(const rl_rng *r, char *buf, size_t sz);
/* Restores what rl_rng_encode wrote; returns 0, or -1 (r untouched) when s is malformed. */
int rl_rng_decode(rl_rng *r, const char *s);

/* Derives a 64-bit seed for sub-object `index` from a run seed (SplitMix64 mix), so that
 * objects seeded from one run seed do not share sequences. */
uint64_t rl_seed_derive(uint64_t seed, uint64_t index);

#endif
