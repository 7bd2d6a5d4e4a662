/* rlc envs: environment checks (`rlc check-env`) and space sampling; see envs/check.h.
 *
 * Every reset and step of every phase goes through ck_reset / ck_step, which fill the
 * observation buffer (and GUARD floats past it) with a canary NaN first and afterwards count
 * unwritten or overwritten floats, non-finite values and values outside the space, keeping the
 * first occurrence of each for the report. Comparisons run two instances in lockstep with the
 * same random actions and compare observations, rewards and flags bit for bit. */
#include "envs/check.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- spaces ---------------------------------------------------------------------------- */

/* Exp(1) */
static double rng_exponential(rl_rng *rng) { return -log(1.0 - rl_rng_double(rng)); }

/* an integer uniform on [ceil(lo), floor(hi)] (a uint8 or bool Box's bounds are finite) */
static float sample_integer(double lo, double hi, rl_rng *rng)
{
    double a = ceil(lo), b = floor(hi);
    if (!(b > a)) return (float)a;
    return (float)(a + (double)rl_rng_below(rng, (uint32_t)(b - a) + 1u));
}

/* the element type of value i of a Box: its part's in a Dict or Tuple */
static env_elem_type elem_at(const env_space *s, int i)
{
    for (int k = 0, at = 0; k < s->n_parts; at += s->parts[k].dim, k++)
        if (i < at + s->parts[k].dim) return s->parts[k].elem;
    return s->elem;
}

/* " (image[3])": which part of a Dict or Tuple value i lies in, into buf ("" for other spaces) */
static const char *part_of(const env_space *s, int i, char *buf, size_t buf_sz)
{
    buf[0] = '\0';
    for (int k = 0, at = 0; k < s->n_parts; at += s->parts[k].dim, k++)
        if (i < at + s->parts[k].dim) {
            char name[24];
            snprintf(buf, buf_sz, " (%s[%d])", env_part_name(s, k, name, sizeof name), i - at);
            break;
        }
    return buf;
}

void env_space_sample(const env_space *s, rl_rng *rng, float *out)
{
    if (s->kind == ENV_SPACE_DISCRETE) {
        out[0] = (float)rl_rng_below(rng, (uint32_t)s->n);
        return;
    }
    if (env_space_is_multi(s)) {
        for (int i = 0; i < s->dim; i++) out[i] = (float)rl_rng_below(rng, (uint32_t)env_space_choices(s, i));
        return;
    }
    for (int i = 0; i < s->dim; i++) {
        double lo = s->low[i], hi = s->high[i];
        if (elem_at(s, i) != ENV_ELEM_FLOAT32) {
            out[i] = sample_integer(lo, hi, rng);
            continue;
        }
        bool flo = isfinite(lo), fhi = isfinite(hi);
        double v;
        if (flo && fhi) v = rl_rng_uniform(rng, lo, hi);
        else if (flo) v = lo + rng_exponential(rng);
        else if (fhi) v = hi - rng_exponential(rng);
        else v = rl_rng_normal(rng);
        out[i] = (float)v;
    }
}

bool env_space_value_ok(const env_space *s, int i, float v)
{
    if (s->kind == ENV_SPACE_DISCRETE) return isfinite(v) && v == floorf(v) && v >= 0.0f && v < (float)s->n;
    if (env_space_is_multi(s))
        return isfinite(v) && v == floorf(v) && v >= 0.0f && v < (float)env_space_choices(s, i);
    if (!isfinite(v) || !(v >= s->low[i] && v <= s->high[i])) return false;
    env_elem_type t = elem_at(s, i);
    if (t == ENV_ELEM_BOOL) return v == 0.0f || v == 1.0f;
    if (t == ENV_ELEM_UINT8) return v == floorf(v);
    return true;
}

bool env_space_contains(const env_space *s, const float *x)
{
    for (int i = 0; i < env_space_dim(s); i++)
        if (!env_space_value_ok(s, i, x[i])) return false;
    return true;
}

bool env_space_multi_ok(const env_space *s, char *why, size_t why_sz)
{
    const char *kind = env_space_kind_name(s->kind);
    if (s->dim < 1 || s->dim > ENV_MAX_DIM) {
        snprintf(why, why_sz, "%s with dim %d (needs 1 <= dim <= %d components)", kind, s->dim, ENV_MAX_DIM);
        return false;
    }
    if (s->kind == ENV_SPACE_MULTI_BINARY) return true;
    if (!s->nvec) {
        snprintf(why, why_sz, "MultiDiscrete without nvec (the choices of each of its %d components)", s->dim);
        return false;
    }
    long long sum = 0;
    for (int i = 0; i < s->dim; i++) {
        if (s->nvec[i] < 2) {
            snprintf(why, why_sz, "MultiDiscrete nvec[%d] = %d: each component needs at least 2 choices", i, s->nvec[i]);
            return false;
        }
        sum += s->nvec[i];
    }
    if (sum > ENV_MAX_NVEC_SUM) {
        snprintf(why, why_sz, "MultiDiscrete nvec sums to %lld choices (at most %d)", sum, ENV_MAX_NVEC_SUM);
        return false;
    }
    return true;
}

bool env_space_layout_ok(const env_space *s, char *why, size_t why_sz)
{
    if (s->kind != ENV_SPACE_BOX) return true;
    if ((int)s->elem < 0 || s->elem >= ENV_ELEM_COUNT) {
        snprintf(why, why_sz, "unknown element type %d", (int)s->elem);
        return false;
    }
    if (s->rank != 0 && s->rank != 3) {
        snprintf(why, why_sz, "rank %d (0: a flat vector, 3: an image (height, width, channels))", s->rank);
        return false;
    }
    if (s->rank == 3) {
        long long n = 1;
        for (int k = 0; k < 3; k++) n *= s->shape[k] >= 1 ? s->shape[k] : 0;
        if (n != s->dim) {
            snprintf(why, why_sz, "shape (%d, %d, %d) does not hold dim %d values", s->shape[0], s->shape[1],
                     s->shape[2], s->dim);
            return false;
        }
    }
    float top = s->elem == ENV_ELEM_BOOL ? 1.0f : 255.0f;
    for (int i = 0; i < s->dim && s->elem != ENV_ELEM_FLOAT32 && s->low && s->high; i++)
        if (!(s->low[i] >= 0.0f && s->high[i] <= top && s->low[i] <= s->high[i])) {
            snprintf(why, why_sz, "%s values need bounds within [0, %g]; dimension %d has [%g, %g]",
                     env_elem_name(s->elem), top, i, s->low[i], s->high[i]);
            return false;
        }
    return true;
}

bool env_goal_layout_ok(const env_space *s, char *why, size_t why_sz)
{
    const env_goal *g = &s->goal;
    if (!g->goal_dim && !g->obs_dim && !g->achieved_offset && !g->desired_offset && !g->compute_reward) return true;
    int a = g->achieved_offset, d = env_goal_desired_offset(g), G = g->goal_dim;
    bool ok = s->kind == ENV_SPACE_BOX && G >= 1 && g->obs_dim >= 1 && g->obs_dim + G == s->dim && a >= 0 &&
              a + G <= s->dim && d >= 0 && d + G <= s->dim && (a + G <= d || d + G <= a) && g->compute_reward;
    if (!ok)
        snprintf(why, why_sz,
                 "goal layout: expected a Box observation of obs_dim + goal_dim values holding the desired goal's "
                 "goal_dim values from desired_offset on (0: obs_dim, [observation, desired_goal]) and the achieved "
                 "goal's from achieved_offset on, not overlapping, and a compute_reward (got obs_dim %d, goal_dim %d, "
                 "achieved_offset %d, desired_offset %d for dim %d%s)", g->obs_dim, G, a, d, s->dim,
                 g->compute_reward ? "" : ", no compute_reward");
    return ok;
}

/* "(10, 10, 4) bool" / "(5) uint8" / "(3)": the shape and a non-float element type */
static void describe_shape(const env_space *s, char *buf, size_t buf_sz)
{
    int at = s->rank == 3 ? snprintf(buf, buf_sz, "(%d, %d, %d)", s->shape[0], s->shape[1], s->shape[2])
                          : snprintf(buf, buf_sz, "(%d)", s->dim);
    if (s->elem != ENV_ELEM_FLOAT32 && at >= 0 && (size_t)at < buf_sz)
        snprintf(buf + at, buf_sz - (size_t)at, " %s", env_elem_name(s->elem));
}

/* "MultiDiscrete([3, 3, 4])" (the first components and "..." when long) / "MultiBinary(5)" */
static void describe_multi(const env_space *s, char *buf, size_t buf_sz)
{
    if (s->kind == ENV_SPACE_MULTI_BINARY || !s->nvec) {
        snprintf(buf, buf_sz, "%s(%d)", env_space_kind_name(s->kind), s->dim);
        return;
    }
    size_t at = (size_t)snprintf(buf, buf_sz, "MultiDiscrete([");
    for (int i = 0; i < s->dim && at < buf_sz; i++) {
        if (i == 8 && s->dim > 9) {
            at += (size_t)snprintf(buf + at, buf_sz - at, ", ... %d components", s->dim);
            break;
        }
        at += (size_t)snprintf(buf + at, buf_sz - at, "%s%d", i ? ", " : "", s->nvec[i]);
    }
    if (at < buf_sz) snprintf(buf + at, buf_sz - at, "])");
}

/* "Dict(image: Box(5, 5, 1) uint8 [0, 255], pos: Box(2) [-1, 1])", "Tuple(Box(3) [0, 1], ...)" */
static char *describe_parts(const env_space *s, char *buf, size_t buf_sz)
{
    size_t at = (size_t)snprintf(buf, buf_sz, "%s(", env_structure_name(s->structure));
    for (int i = 0; i < s->n_parts && at < buf_sz; i++) {
        env_space p = env_space_part(s, i);
        char name[24], part[160];
        env_space_describe(&p, part, sizeof part);
        if (s->structure == ENV_STRUCT_DICT)
            at += (size_t)snprintf(buf + at, buf_sz - at, "%s%s: %s", i ? ", " : "", env_part_name(s, i, name, sizeof name), part);
        else at += (size_t)snprintf(buf + at, buf_sz - at, "%s%s", i ? ", " : "", part);
    }
    if (at < buf_sz) snprintf(buf + at, buf_sz - at, ")");
    return buf;
}

char *env_space_describe(const env_space *s, char *buf, size_t buf_sz)
{
    if (s->kind == ENV_SPACE_DISCRETE) {
        snprintf(buf, buf_sz, "Discrete(%d)", s->n);
        return buf;
    }
    if (env_space_is_multi(s)) {
        describe_multi(s, buf, buf_sz);
        return buf;
    }
    if (s->kind != ENV_SPACE_BOX || !s->low || !s->high || s->dim < 1) {
        snprintf(buf, buf_sz, "(malformed space)");
        return buf;
    }
    if (s->n_parts > 0 && s->parts) return describe_parts(s, buf, buf_sz);
    float lmin = s->low[0], lmax = s->low[0], hmin = s->high[0], hmax = s->high[0];
    for (int i = 1; i < s->dim; i++) {
        lmin = fminf(lmin, s->low[i]);
        lmax = fmaxf(lmax, s->low[i]);
        hmin = fminf(hmin, s->high[i]);
        hmax = fmaxf(hmax, s->high[i]);
    }
    char shape[64];
    describe_shape(s, shape, sizeof shape);
    if (lmin == lmax && hmin == hmax)
        snprintf(buf, buf_sz, "Box%s [%.4g, %.4g]", shape, lmin, hmin);
    else
        snprintf(buf, buf_sz, "Box%s low %.4g..%.4g high %.4g..%.4g", shape, lmin, lmax, hmin, hmax);
    return buf;
}

/* ---- the report -------------------------------------------------------------------------- */

enum {
    IT_DEF,
    IT_ACT,
    IT_OBS,
    IT_INIT,
    IT_DIMS,
    IT_SPACE,
    IT_FINITE,
    IT_SAME_SEED,
    IT_SEEDS_DIFFER,
    IT_RESET_TERM,
    IT_TRUNC,
    IT_RESET_TRUNC,
    IT_MASK,
    IT_COUNT
};

static const char *const item_names[IT_COUNT] = {
    [IT_DEF] = "definition",
    [IT_ACT] = "action space",
    [IT_OBS] = "observation space",
    [IT_INIT] = "init",
    [IT_DIMS] = "observation dims",
    [IT_SPACE] = "observations in space",
    [IT_FINITE] = "finite values",
    [IT_SAME_SEED] = "same seed, same run",
    [IT_SEEDS_DIFFER] = "seeds differ",
    [IT_RESET_TERM] = "reset after termination",
    [IT_TRUNC] = "truncation at step limit",
    [IT_RESET_TRUNC] = "reset after truncation",
    [IT_MASK] = "action masks",
};
_Static_assert(IT_COUNT <= ENV_CHECK_MAX_ITEMS, "ENV_CHECK_MAX_ITEMS too small");

__attribute__((format(printf, 3, 4)))
static void item_set(env_check_item *it, env_check_outcome o, const char *fmt, ...)
{
    it->outcome = o;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->detail, sizeof it->detail, fmt, ap);
    va_end(ap);
}

/* marks items [from, IT_COUNT) as skipped for reason */
static void skip_rest(env_check_report *rep, int from, const char *reason)
{
    for (int i = from; i < IT_COUNT; i++) item_set(&rep->items[i], ENV_CHECK_SKIP, "%s", reason);
}

/* ---- the checker ------------------------------------------------------------------------- */

#define GUARD 16
#define CANARY_BITS 0x7fa5a5a5u   /* a quiet NaN with a payload no computation produces */
#define MSG 320

typedef struct {
    const env_def *def;
    int obs_dim;
    float *obs_a, *obs_b;     /* (obs_dim + GUARD) */
    float *act;               /* (act_dim) */
    const char *phase;        /* for messages: "the random run", ... */
    long n_dims_bad, n_out, n_nonfinite, n_values;
    char dims_msg[MSG], out_msg[MSG], nf_msg[MSG];
    uint8_t *mask;            /* def->action_mask: (act n + GUARD) bytes */
    long n_masks, n_mask_bad;
    char mask_msg[MSG];
} checker;

static bool is_canary(const float *p)
{
    uint32_t b;
    memcpy(&b, p, sizeof b);
    return b == CANARY_BITS;
}

static void ck_fill(const checker *c, float *obs)
{
    uint32_t b = CANARY_BITS;
    for (int i = 0; i < c->obs_dim + GUARD; i++) memcpy(&obs[i], &b, sizeof b);
}

/* where the last reset / step happened, for messages */
static void ck_where(const checker *c, const env_instance *e, bool after_step, char *buf, size_t sz)
{
    if (after_step) snprintf(buf, sz, "at step %d of an episode in %s", e->elapsed, c->phase);
    else snprintf(buf, sz, "after reset in %s", c->phase);
}

/* checks what the env wrote into obs (and reward when non-NULL) */
static void ck_validate(checker *c, const env_instance *e, const float *obs, const float *reward)
{
    const env_space *s = &c->def->obs_space;
    char where[160];
    int unwritten = -1, over = -1;
    for (int i = 0; i < c->obs_dim && unwritten < 0; i++)
        if (is_canary(&obs[i])) unwritten = i;
    for (int i = c->obs_dim + GUARD - 1; i >= c->obs_dim; i--)
        if (!is_canary(&obs[i])) over = i;
    if (unwritten >= 0 || over >= 0) {
        if (c->n_dims_bad++ == 0) {
            ck_where(c, e, reward != NULL, where, sizeof where);
            if (over >= 0)
                snprintf(c->dims_msg, MSG, "obs[%d] was written %s, but the observation space has dim %d",
                         over, where, c->obs_dim);
            else
                snprintf(c->dims_msg, MSG, "obs[%d] (dim %d) was not written %s", unwritten,
                         c->obs_dim, where);
        }
    }
    c->n_values += c->obs_dim + (reward ? 1 : 0);
    for (int i = 0; i < c->obs_dim; i++) {
        if (is_canary(&obs[i])) continue;   /* counted above */
        float v = obs[i];
        if (!isfinite(v)) {
            if (c->n_nonfinite++ == 0) {
                ck_where(c, e, reward != NULL, where, sizeof where);
                snprintf(c->nf_msg, MSG, "obs[%d] = %g %s", i, v, where);
            }
            continue;
        }
        /* the first value out of the space, and what it should be (formatted only then: an image
         * observation has tens of thousands of values a step) */
        if (env_space_value_ok(s, i, v) || c->n_out++ > 0) continue;
        char range[64], part[40] = "";
        if (s->kind == ENV_SPACE_DISCRETE)
            snprintf(range, sizeof range, "an integer in [0, %d)", s->n);
        else if (elem_at(s, i) == ENV_ELEM_FLOAT32)
            snprintf(range, sizeof range, "[%g, %g]", s->low[i], s->high[i]);
        else
            snprintf(range, sizeof range, "the %s values of [%g, %g]", env_elem_name(elem_at(s, i)), s->low[i],
                     s->high[i]);
        ck_where(c, e, reward != NULL, where, sizeof where);
        if (s->kind == ENV_SPACE_BOX) part_of(s, i, part, sizeof part);
        snprintf(c->out_msg, MSG, "obs[%d]%s = %.9g is outside %s %s", i, part, v, range, where);
    }
    if (reward && !isfinite(*reward) && c->n_nonfinite++ == 0) {
        ck_where(c, e, true, where, sizeof where);
        snprintf(c->nf_msg, MSG, "reward = %g %s", *reward, where);
    }
}

/* the mask the env publishes now: 0 or 1 for each of the n actions, at least one 1, nothing
 * written past them */
static void ck_mask(checker *c, const env_instance *e, bool after_step)
{
    if (!c->mask) return;
    int n = c->def->act_space.n, ones = 0, bad = -1, over = -1;
    memset(c->mask, 0xa5, (size_t)n + GUARD);
    c->def->action_mask(e->state, c->mask);
    c->n_masks++;
    for (int k = 0; k < n; k++) {
        if (c->mask[k] > 1 && bad < 0) bad = k;
        ones += c->mask[k] == 1;
    }
    for (int k = n; k < n + GUARD; k++)
        if (c->mask[k] != 0xa5 && over < 0) over = k;
    if ((bad < 0 && over < 0 && ones > 0) || c->n_mask_bad++ > 0) return;
    char where[160];
    ck_where(c, e, after_step, where, sizeof where);
    if (bad >= 0) snprintf(c->mask_msg, MSG, "mask[%d] = %d %s: expected 0 or 1", bad, c->mask[bad], where);
    else if (over >= 0) snprintf(c->mask_msg, MSG, "mask[%d] was written %s, but there are %d actions", over, where, n);
    else snprintf(c->mask_msg, MSG, "no valid action %s: expected at least one 1 among %d", where, n);
}

static void ck_reset(checker *c, env_instance *e, int64_t seed, float *obs)
{
    ck_fill(c, obs);
    env_reset(e, seed, obs);
    ck_validate(c, e, obs, NULL);
    ck_mask(c, e, false);
}

static void ck_step(checker *c, env_instance *e, const float *act, float *obs, float *reward,
                    bool *term, bool *trunc)
{
    ck_fill(c, obs);
    env_step(e, act, obs, reward, term, trunc);
    ck_validate(c, e, obs, reward);
    ck_mask(c, e, true);
}

/* an instance of def outside the registry; max_steps 0 means none (unlike env_make_def, whose
 * 0 means the registered limit) */
static rl_status inst_open(env_instance *e, const env_def *def, int max_steps, char *err,
                           size_t err_sz)
{
    rl_status st = env_make_def(e, def, 0, err, err_sz);
    if (st == RL_OK) e->max_steps = max_steps;
    return st;
}

/* the first float that differs bit for bit, or -1 */
static int first_diff(const float *a, const float *b, int n)
{
    for (int i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof(float)) != 0) return i;
    return -1;
}

/* Resets a with seed_a and b with seed_b, then steps both with the same random actions (from
 * act_seed) for n steps, resetting both (seed -1) when their episodes end. Returns -1 when
 * everything matched bit for bit, else the step (0 = the reset) where they first differed,
 * with what differed in why. */
static int ck_lockstep(checker *c, env_instance *a, env_instance *b, int64_t seed_a,
                       int64_t seed_b, uint64_t act_seed, int n, char *why, size_t why_sz)
{
    const env_def *def = c->def;
    rl_rng ar;
    rl_rng_seed(&ar, act_seed, 11);
    ck_reset(c, a, seed_a, c->obs_a);
    ck_reset(c, b, seed_b, c->obs_b);
    int d = first_diff(c->obs_a, c->obs_b, c->obs_dim);
    if (d >= 0) {
        snprintf(why, why_sz, "the first observations differ: obs[%d] = %.9g vs %.9g", d,
                 c->obs_a[d], c->obs_b[d]);
        return 0;
    }
    for (int k = 1; k <= n; k++) {
        float ra, rb;
        bool ta, tb, ua, ub;
        env_space_sample(&def->act_space, &ar, c->act);
        ck_step(c, a, c->act, c->obs_a, &ra, &ta, &ua);
        ck_step(c, b, c->act, c->obs_b, &rb, &tb, &ub);
        d = first_diff(c->obs_a, c->obs_b, c->obs_dim);
        if (d >= 0) {
            snprintf(why, why_sz, "step %d: obs[%d] = %.9g vs %.9g", k, d, c->obs_a[d], c->obs_b[d]);
            return k;
        }
        if (memcmp(&ra, &rb, sizeof ra) != 0) {
            snprintf(why, why_sz, "step %d: reward %.9g vs %.9g", k, ra, rb);
            return k;
        }
        if (ta != tb || ua != ub) {
            snprintf(why, why_sz, "step %d: terminated %d vs %d, truncated %d vs %d", k, ta, tb, ua, ub);
            return k;
        }
        if (ta || ua) {
            ck_reset(c, a, -1, c->obs_a);
            ck_reset(c, b, -1, c->obs_b);
            d = first_diff(c->obs_a, c->obs_b, c->obs_dim);
            if (d >= 0) {
                snprintf(why, why_sz, "after the reset at step %d: obs[%d] = %.9g vs %.9g", k, d,
                         c->obs_a[d], c->obs_b[d]);
                return k;
            }
        }
    }
    return -1;
}

/* Compares `used` (an instance that just ended an episode) reset with seed against a fresh
 * instance; fills item. `how` is "terminated" or "was truncated". */
static void ck_reset_after(checker *c, env_instance *used, int64_t seed, uint64_t act_seed,
                           int n, const char *how, env_check_item *item)
{
    env_instance fresh;
    char err[256] = "", why[MSG];
    if (inst_open(&fresh, c->def, used->max_steps, err, sizeof err) != RL_OK) {
        item_set(item, ENV_CHECK_FAIL, "creating a second instance failed: %s", err);
        return;
    }
    int k = ck_lockstep(c, used, &fresh, seed, seed, act_seed, n, why, sizeof why);
    if (k >= 0)
        item_set(item, ENV_CHECK_FAIL,
                 "after an episode %s, reset(seed %lld) does not replay what a fresh instance does "
                 "with that seed (state left over from the episode?): %s",
                 how, (long long)seed, why);
    else
        item_set(item, ENV_CHECK_PASS, "reset(seed) replays a fresh instance for %d steps", n);
    env_close(&fresh);
}

/* checks a space; returns false when it is unusable (the checks cannot run) */
static bool check_space(const env_space *s, bool is_action, env_check_item *item)
{
    char desc[ENV_CHECK_DETAIL];
    if (s->kind == ENV_SPACE_DISCRETE) {
        if (s->n < 1) {
            item_set(item, ENV_CHECK_FAIL, "Discrete space with n = %d (needs n >= 1)", s->n);
            return false;
        }
        item_set(item, ENV_CHECK_PASS, "%s", env_space_describe(s, desc, sizeof desc));
        return true;
    }
    if (env_space_is_multi(s)) {
        char why[160];
        bool ok = is_action && env_space_multi_ok(s, why, sizeof why);
        if (!is_action) snprintf(why, sizeof why, "a %s observation space (rlc takes it for actions only)",
                                 env_space_kind_name(s->kind));
        if (ok) item_set(item, ENV_CHECK_PASS, "%s", env_space_describe(s, desc, sizeof desc));
        else item_set(item, ENV_CHECK_FAIL, "%s", why);
        return ok;
    }
    if (s->kind != ENV_SPACE_BOX) {
        item_set(item, ENV_CHECK_FAIL, "unknown space kind %d", (int)s->kind);
        return false;
    }
    if (s->dim < 1 || s->dim > env_space_max_dim(s)) {
        item_set(item, ENV_CHECK_FAIL, "Box dim %d (needs 1 <= dim <= %d)", s->dim, env_space_max_dim(s));
        return false;
    }
    if (!s->low || !s->high) {
        item_set(item, ENV_CHECK_FAIL, "Box without bounds (low or high is NULL)");
        return false;
    }
    char why[256];
    if (!env_space_layout_ok(s, why, sizeof why) || (!is_action && !env_space_parts_ok(s, why, sizeof why))) {
        item_set(item, ENV_CHECK_FAIL, "%s", why);
        return false;
    }
    if (is_action && (s->n_parts || s->parts)) {
        item_set(item, ENV_CHECK_FAIL, "a %s action space (rlc takes Dict and Tuple for observations only)",
                 env_structure_name(s->structure) ? env_structure_name(s->structure) : "structured");
        return false;
    }
    for (int i = 0; i < s->dim; i++) {
        float lo = s->low[i], hi = s->high[i];
        if (isnan(lo) || isnan(hi)) {
            item_set(item, ENV_CHECK_FAIL, "bound %d is NaN (low %g, high %g)", i, lo, hi);
            return true;
        }
        if (is_action && (!isfinite(lo) || !isfinite(hi))) {
            item_set(item, ENV_CHECK_FAIL,
                     "dimension %d has an infinite bound [%g, %g]: policies squash or clip to "
                     "finite action bounds",
                     i, lo, hi);
            return true;
        }
        if (is_action ? !(lo < hi) : !(lo <= hi)) {
            item_set(item, ENV_CHECK_FAIL, "dimension %d: low %g %s high %g", i, lo,
                     is_action ? ">=" : ">", hi);
            return true;
        }
    }
    item_set(item, ENV_CHECK_PASS, "%s", env_space_describe(s, desc, sizeof desc));
    return true;
}

void env_check_opts_default(env_check_opts *o)
{
    o->n_steps = 2000;
    o->seed = 0;
}

/* ---- the steps of env_check_run ---------------------------------------------------------- */

/* the definition and the spaces; false when the checks cannot run */
static bool check_definition(const env_def *def, env_check_item *it)
{
    bool usable = true;
    const char *id = def->id && def->id[0] ? def->id : "(no id)";
    if (!def->id || !def->id[0]) {
        item_set(&it[IT_DEF], ENV_CHECK_FAIL, "no id");
    } else if (!def->init || !def->reset || !def->step) {
        item_set(&it[IT_DEF], ENV_CHECK_FAIL, "init, reset and step are required (missing:%s%s%s)",
                 def->init ? "" : " init", def->reset ? "" : " reset", def->step ? "" : " step");
        usable = false;
    } else if (def->max_episode_steps < 0) {
        item_set(&it[IT_DEF], ENV_CHECK_FAIL, "max_episode_steps = %d (needs >= 0; 0 = no limit)",
                 def->max_episode_steps);
        usable = false;
    } else if (isinf(def->reward_threshold)) {
        item_set(&it[IT_DEF], ENV_CHECK_FAIL, "reward_threshold is infinite (NAN means none)");
    } else {
        char thr[32] = "none";
        if (!isnan(def->reward_threshold)) snprintf(thr, sizeof thr, "%g", def->reward_threshold);
        item_set(&it[IT_DEF], ENV_CHECK_PASS, "id %s, max_episode_steps %d, reward threshold %s",
                 id, def->max_episode_steps, thr);
    }
    usable = check_space(&def->act_space, true, &it[IT_ACT]) && usable;
    usable = check_space(&def->obs_space, false, &it[IT_OBS]) && usable;
    return usable;
}

/* what the random run saw, and the action RNG the later runs continue */
typedef struct {
    int64_t seed;
    int L, n_steps, n_cmp;            /* the step limit, random steps, lockstep comparison length */
    rl_rng act_rng;
    long episodes, reached_limit, early_trunc, terminated;
    int min_term_len, longest;
    char early_msg[MSG];
    bool done_term, done_trunc;
} random_run;

/* the random run: value checks, and the resets after the first termination / truncation */
static void check_random_run(checker *c, env_instance *m, random_run *rr, env_check_item *it)
{
    const env_def *def = c->def;
    const int L = rr->L;
    const int64_t seed = rr->seed;
    rl_rng_seed(&rr->act_rng, (uint64_t)seed, 12);
    ck_reset(c, m, seed, c->obs_a);
    for (int t = 0; t < rr->n_steps; t++) {
        float r;
        bool term, trunc;
        env_space_sample(&def->act_space, &rr->act_rng, c->act);
        ck_step(c, m, c->act, c->obs_a, &r, &term, &trunc);
        int len = m->elapsed;
        if (trunc && !(L > 0 && len >= L) && rr->early_trunc++ == 0)
            snprintf(rr->early_msg, MSG, "the env set truncated at step %d of episode %ld", len, rr->episodes);
        if (term) {
            rr->terminated++;
            if (!rr->min_term_len || len < rr->min_term_len) rr->min_term_len = len;
        }
        if (L > 0 && len == L && !term) rr->reached_limit++;
        if (len > rr->longest) rr->longest = len;
        if (term && !rr->done_term) {
            rr->done_term = true;
            c->phase = "the reset-after-termination comparison";
            ck_reset_after(c, m, seed + 2, (uint64_t)seed + 2, rr->n_cmp, "terminated", &it[IT_RESET_TERM]);
            c->phase = "the random run";
        } else if (trunc && L > 0 && len == L && !rr->done_trunc) {
            rr->done_trunc = true;
            c->phase = "the reset-after-truncation comparison";
            ck_reset_after(c, m, seed + 3, (uint64_t)seed + 3, rr->n_cmp, "was truncated", &it[IT_RESET_TRUNC]);
            c->phase = "the random run";
        }
        if (term || trunc) {
            rr->episodes++;
            ck_reset(c, m, -1, c->obs_a);
        }
    }
    if (!rr->done_term)
        item_set(&it[IT_RESET_TERM], ENV_CHECK_SKIP,
                 "no episode terminated in %d random steps (fine for an env without terminal states)",
                 rr->n_steps);
}

/* truncation at the declared limit, from what the random run saw */
static void report_truncation(const random_run *rr, env_check_item *it)
{
    const int L = rr->L;
    if (rr->early_trunc) {
        item_set(&it[IT_TRUNC], ENV_CHECK_FAIL,
                 "%s, before the step limit %d (%ld times); the framework adds the time limit: set "
                 "truncated only for other cut-offs",
                 rr->early_msg, L, rr->early_trunc);
    } else if (L == 0) {
        item_set(&it[IT_TRUNC], ENV_CHECK_SKIP, "no step limit declared (max_episode_steps 0)");
    } else if (rr->reached_limit) {
        item_set(&it[IT_TRUNC], ENV_CHECK_PASS, "%ld episode(s) truncated at step %d", rr->reached_limit, L);
    } else {
        item_set(&it[IT_TRUNC], ENV_CHECK_SKIP,
                 "no random episode lasted %d steps in %d steps (longest %d)", L, rr->n_steps, rr->longest);
    }
}

/* when no random episode was truncated: the TimeLimit exercised with a shorter override, so
 * that a reset after truncation is still checked */
static void check_short_limit(checker *c, random_run *rr, env_check_item *it)
{
    const env_def *def = c->def;
    const int L = rr->L;
    const int64_t seed = rr->seed;
    char ierr[256] = "";
    int k = rr->min_term_len > 1 ? rr->min_term_len / 2 : 1;
    if (L > 0 && k >= L) k = L - 1 > 0 ? L - 1 : 1;
    env_instance s;
    c->phase = "a run with a shortened step limit";
    if (inst_open(&s, def, k, ierr, sizeof ierr) != RL_OK) {
        item_set(&it[IT_RESET_TRUNC], ENV_CHECK_FAIL, "creating a second instance failed: %s", ierr);
        return;
    }
    ck_reset(c, &s, seed + 4, c->obs_b);
    bool found = false;
    for (int t = 0; t < rr->n_steps && !found; t++) {
        float r;
        bool term, trunc;
        env_space_sample(&def->act_space, &rr->act_rng, c->act);
        ck_step(c, &s, c->act, c->obs_b, &r, &term, &trunc);
        if (trunc && !term && s.elapsed == k) {
            found = true;
            c->phase = "the reset-after-truncation comparison";
            ck_reset_after(c, &s, seed + 3, (uint64_t)seed + 3, rr->n_cmp, "was truncated",
                           &it[IT_RESET_TRUNC]);
            if (it[IT_TRUNC].outcome == ENV_CHECK_SKIP && L > 0)
                item_set(&it[IT_TRUNC], ENV_CHECK_PASS,
                         "no early truncation; no random episode lasted %d steps (longest "
                         "%d), so the limit was exercised with a %d-step override",
                         L, rr->longest, k);
            if (it[IT_RESET_TRUNC].outcome == ENV_CHECK_PASS)
                item_set(&it[IT_RESET_TRUNC], ENV_CHECK_PASS,
                         "reset(seed) replays a fresh instance for %d steps (truncated by a "
                         "%d-step limit)", rr->n_cmp, k);
        } else if (term || trunc) {
            ck_reset(c, &s, -1, c->obs_b);
        }
    }
    if (!found)
        item_set(&it[IT_RESET_TRUNC], ENV_CHECK_SKIP,
                 "no episode was truncated by a %d-step limit in %d steps", k, rr->n_steps);
    env_close(&s);
}

/* determinism across two instances a and b, and sensitivity to the seed */
static void check_seeds_on(checker *c, env_instance *a, env_instance *b, const random_run *rr,
                           env_check_item *it)
{
    const int64_t seed = rr->seed;
    const int n_cmp = rr->n_cmp;
    char why[MSG];
    int k = ck_lockstep(c, a, b, seed + 1, seed + 1, (uint64_t)seed + 1, n_cmp, why, sizeof why);
    if (k >= 0)
        item_set(&it[IT_SAME_SEED], ENV_CHECK_FAIL,
                 "two instances reset with seed %lld and given the same actions differ at %s "
                 "(a random draw not from the rng argument, or state shared between instances?)",
                 (long long)seed + 1, why);
    else
        item_set(&it[IT_SAME_SEED], ENV_CHECK_PASS, "%d steps identical bit for bit", n_cmp);
    c->phase = "the different-seed comparison";
    k = ck_lockstep(c, a, b, seed + 5, seed + 6, (uint64_t)seed + 5, n_cmp, why, sizeof why);
    if (c->def->deterministic && k >= 0)
        item_set(&it[IT_SEEDS_DIFFER], ENV_CHECK_FAIL,
                 "the definition declares the env deterministic, but seeds %lld and %lld differ at %s",
                 (long long)seed + 5, (long long)seed + 6, why);
    else if (c->def->deterministic)
        item_set(&it[IT_SEEDS_DIFFER], ENV_CHECK_PASS,
                 "deterministic as declared: seeds %lld and %lld gave the same %d steps", (long long)seed + 5,
                 (long long)seed + 6, n_cmp);
    else if (k < 0)
        item_set(&it[IT_SEEDS_DIFFER], ENV_CHECK_FAIL,
                 "seeds %lld and %lld gave identical trajectories over %d steps with the same "
                 "actions: reset should draw the initial state from its rng argument",
                 (long long)seed + 5, (long long)seed + 6, n_cmp);
    else
        item_set(&it[IT_SEEDS_DIFFER], ENV_CHECK_PASS, "first difference: %s", why);
}

/* opens the two instances check_seeds_on compares */
static void check_seeds(checker *c, const random_run *rr, env_check_item *it)
{
    env_instance a, b;
    char ierr[256] = "";
    c->phase = "the same-seed comparison";
    if (inst_open(&a, c->def, rr->L, ierr, sizeof ierr) != RL_OK) {
        item_set(&it[IT_SAME_SEED], ENV_CHECK_FAIL, "creating a second instance failed: %s", ierr);
        item_set(&it[IT_SEEDS_DIFFER], ENV_CHECK_SKIP, "no second instance");
        return;
    }
    if (inst_open(&b, c->def, rr->L, ierr, sizeof ierr) != RL_OK) {
        item_set(&it[IT_SAME_SEED], ENV_CHECK_FAIL, "creating a third instance failed: %s", ierr);
        item_set(&it[IT_SEEDS_DIFFER], ENV_CHECK_SKIP, "no third instance");
    } else {
        check_seeds_on(c, &a, &b, rr, it);
        env_close(&b);
    }
    env_close(&a);
}

/* the value checks, over every reset and step above */
static void report_values(const checker *c, const random_run *rr, env_check_item *it)
{
    if (c->n_dims_bad)
        item_set(&it[IT_DIMS], ENV_CHECK_FAIL, "%ld bad observation(s); first: %s", c->n_dims_bad, c->dims_msg);
    else
        item_set(&it[IT_DIMS], ENV_CHECK_PASS, "%d floats written by every reset and step", c->obs_dim);
    if (c->n_out)
        item_set(&it[IT_SPACE], ENV_CHECK_FAIL, "%ld value(s) outside the space; first: %s", c->n_out, c->out_msg);
    else
        item_set(&it[IT_SPACE], ENV_CHECK_PASS, "%ld values checked", c->n_values);
    if (c->n_nonfinite)
        item_set(&it[IT_FINITE], ENV_CHECK_FAIL, "%ld non-finite value(s); first: %s", c->n_nonfinite, c->nf_msg);
    else
        item_set(&it[IT_FINITE], ENV_CHECK_PASS, "%d random steps, %ld episodes ended (%ld terminated)",
                 rr->n_steps, rr->episodes, rr->terminated);
    if (c->def->action_mask && c->def->act_space.kind != ENV_SPACE_DISCRETE)
        item_set(&it[IT_MASK], ENV_CHECK_FAIL, "published for a %s action space: rlc takes masks of Discrete "
                 "spaces only (env_register refuses this definition)", env_space_kind_name(c->def->act_space.kind));
    else if (!c->mask)
        item_set(&it[IT_MASK], ENV_CHECK_PASS, "none published: every action is always valid");
    else if (c->n_mask_bad)
        item_set(&it[IT_MASK], ENV_CHECK_FAIL, "%ld bad mask(s) of %ld; first: %s", c->n_mask_bad, c->n_masks,
                 c->mask_msg);
    else
        item_set(&it[IT_MASK], ENV_CHECK_PASS, "%ld masks of 0/1 bytes, each with a valid action", c->n_masks);
}

rl_status env_check_run(const env_def *def, const env_check_opts *opts, env_check_report *rep,
                        char *err, size_t err_sz)
{
    env_check_opts dflt;
    env_check_opts_default(&dflt);
    if (!opts) opts = &dflt;
    if (!def || !rep) return rl_errf(err, err_sz, RL_ERR_ARG, "env_check_run: NULL definition or report");
    if (opts->n_steps < 1 || opts->seed < 0)
        return rl_errf(err, err_sz, RL_ERR_ARG, "env_check_run: needs n_steps >= 1 and seed >= 0");
    memset(rep, 0, sizeof(*rep));
    rep->n_items = IT_COUNT;
    for (int i = 0; i < IT_COUNT; i++) rep->items[i].name = item_names[i];
    env_check_item *it = rep->items;

    if (!check_definition(def, it)) {
        skip_rest(rep, IT_INIT, "the definition above cannot be run");
        goto count;
    }

    checker c = {.def = def, .obs_dim = env_space_dim(&def->obs_space), .phase = "the random run"};
    c.obs_a = calloc((size_t)c.obs_dim + GUARD, sizeof(float));
    c.obs_b = calloc((size_t)c.obs_dim + GUARD, sizeof(float));
    c.act = calloc((size_t)env_space_dim(&def->act_space), sizeof(float));
    if (def->action_mask && def->act_space.kind == ENV_SPACE_DISCRETE)
        c.mask = calloc((size_t)def->act_space.n + GUARD, 1);
    env_instance m = {0};
    char ierr[256] = "";
    if (!c.obs_a || !c.obs_b || !c.act) {
        free(c.obs_a);
        free(c.obs_b);
        free(c.act);
        return rl_errf(err, err_sz, RL_ERR_NOMEM, "env_check_run: out of memory");
    }
    if (inst_open(&m, def, def->max_episode_steps, ierr, sizeof ierr) != RL_OK) {
        item_set(&it[IT_INIT], ENV_CHECK_FAIL, "init failed: %s", ierr[0] ? ierr : "(no message)");
        skip_rest(rep, IT_INIT + 1, "init failed");
        goto done;
    }
    item_set(&it[IT_INIT], ENV_CHECK_PASS, "state %zu bytes", def->state_size);

    random_run rr = {.seed = opts->seed, .L = def->max_episode_steps, .n_steps = opts->n_steps,
                     .n_cmp = opts->n_steps < 300 ? opts->n_steps : 300};
    check_random_run(&c, &m, &rr, it);
    report_truncation(&rr, it);
    if (!rr.done_trunc) check_short_limit(&c, &rr, it);
    check_seeds(&c, &rr, it);
    report_values(&c, &rr, it);

done:
    env_close(&m);
    free(c.obs_a);
    free(c.obs_b);
    free(c.act);
    free(c.mask);
count:
    for (int i = 0; i < rep->n_items; i++) rep->n_failed += rep->items[i].outcome == ENV_CHECK_FAIL;
    return RL_OK;
}

const env_check_item *env_check_find(const env_check_report *rep, const char *name)
{
    for (int i = 0; i < rep->n_items; i++)
        if (strcmp(rep->items[i].name, name) == 0) return &rep->items[i];
    return NULL;
}

void env_check_print(const env_check_report *rep, const char *id, FILE *out)
{
    static const char *const tags[] = {"PASS", "FAIL", "SKIP"};
    int n[3] = {0, 0, 0};
    fprintf(out, "check-env %s\n", id ? id : "");
    for (int i = 0; i < rep->n_items; i++) {
        const env_check_item *it = &rep->items[i];
        n[it->outcome]++;
        fprintf(out, "  %s  %-25s %s\n", tags[it->outcome], it->name, it->detail);
    }
    fprintf(out, "%d checks: %d passed, %d failed, %d skipped\n", rep->n_items, n[0], n[1], n[2]);
}
