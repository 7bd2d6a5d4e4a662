/* rlc tests: numpy's legacy RandomState stream (core/rng_mt.c) against numpy's own values, and the
 * MinAtar games (envs/minatar) against MinAtar's code and hand-worked rule situations.
 *
 * The fixtures under tests/fixtures/minatar/ come from scripts/gen_fixtures_minatar.py: rng.json
 * from Debian's numpy, <game>.json from MinAtar 1.0.15's own environments. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng_mt.h"
#include "envs/check.h"
#include "envs/env.h"
#include "envs/minatar/minatar.h"
#include "envs/render.h"
#include "tests/helpers/testutil.h"

/* ---- the RandomState stream ----------------------------------------------------------------- */

static void mt_seed_from_json(rl_mt *m, const cJSON *seed)
{
    if (cJSON_IsNumber(seed)) {
        rl_mt_seed(m, (uint32_t)seed->valuedouble);
        return;
    }
    int n = cJSON_GetArraySize(seed);
    uint32_t *key = calloc((size_t)n, sizeof *key);
    for (int i = 0; i < n; i++) key[i] = (uint32_t)cJSON_GetArrayItem(seed, i)->valuedouble;
    rl_mt_seed_array(m, key, (size_t)n);
    free(key);
}

static const char *op_arg(const cJSON *op, int i) { return cJSON_GetArrayItem(op, i)->valuestring; }

/* the next expected value of case c's "ops" list */
static const char *next_expected(const cJSON *c, int *at)
{
    const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "ops"), (*at)++);
    cr_assert(v && cJSON_IsString(v), "fixture: too few op values");
    return v->valuestring;
}

static void expect_double(double got, const char *want, const char *what)
{
    double w = strtod(want, NULL);
    cr_assert(got == w, "%s: %a, numpy %s", what, got, want);
}

static void expect_int(int64_t got, const char *want, const char *what)
{
    int64_t w = strtoll(want, NULL, 10);
    cr_assert_eq(got, w, "%s: %" PRId64 ", numpy %" PRId64, what, got, w);
}

/* replays the fixture's op list on m, comparing every value */
static void replay_ops(rl_mt *m, const cJSON *ops, const cJSON *c, const char *seed_txt)
{
    int at = 0;
    char what[160];
    for (int k = 0; k < cJSON_GetArraySize(ops); k++) {
        const cJSON *op = cJSON_GetArrayItem(ops, k);
        const char *name = op_arg(op, 0);
        snprintf(what, sizeof what, "seed %s, op %d (%s)", seed_txt, k, name);
        if (strcmp(name, "rand") == 0) {
            expect_double(rl_mt_double(m), next_expected(c, &at), what);
        } else if (strcmp(name, "rand_n") == 0) {
            for (int i = 0; i < atoi(op_arg(op, 1)); i++) expect_double(rl_mt_double(m), next_expected(c, &at), what);
        } else {
            int64_t lo = strtoll(op_arg(op, 1), NULL, 10), hi = strtoll(op_arg(op, 2), NULL, 10);
            int n = strcmp(name, "randint_n") == 0 ? atoi(op_arg(op, 3)) : 1;
            for (int i = 0; i < n; i++) expect_int(rl_mt_randint(m, lo, hi), next_expected(c, &at), what);
        }
    }
    cr_assert_eq(at, cJSON_GetArraySize(cJSON_GetObjectItem(c, "ops")), "seed %s: unused op values", seed_txt);
}

static void check_raw(rl_mt *m, const cJSON *c, const char *seed_txt)
{
    uint32_t raw[2000];
    for (int i = 0; i < 2000; i++) raw[i] = rl_mt_u32(m);
    const cJSON *head = cJSON_GetObjectItem(c, "raw_head"), *mid = cJSON_GetObjectItem(c, "raw_624");
    for (int i = 0; i < 8; i++)
        cr_assert_eq(raw[i], (uint32_t)cJSON_GetArrayItem(head, i)->valuedouble, "seed %s raw[%d]", seed_txt, i);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(raw[620 + i], (uint32_t)cJSON_GetArrayItem(mid, i)->valuedouble, "seed %s raw[%d]", seed_txt,
                     620 + i);
    cr_assert_eq(raw[1999], (uint32_t)rlt_fixture_number(c, "raw_1999"), "seed %s raw[1999]", seed_txt);
}

Test(minatar_rng, matches_numpy_randomstate)
{
    cJSON *root = rlt_fixture_load("minatar/rng.json");
    const cJSON *ops = cJSON_GetObjectItem(root, "ops"), *cases = cJSON_GetObjectItem(root, "cases");
    cr_assert_geq(cJSON_GetArraySize(cases), 9);
    for (int k = 0; k < cJSON_GetArraySize(cases); k++) {
        const cJSON *c = cJSON_GetArrayItem(cases, k);
        const cJSON *seed = cJSON_GetObjectItem(c, "seed");
        char *seed_txt = cJSON_PrintUnformatted(seed);
        rl_mt m;
        mt_seed_from_json(&m, seed);
        check_raw(&m, c, seed_txt);
        mt_seed_from_json(&m, seed);
        replay_ops(&m, ops, c, seed_txt);
        double last = 0.0;
        uint64_t xor = 0;
        for (int i = 0; i < 5000; i++) {
            last = rl_mt_double(&m);
            uint64_t bits;
            memcpy(&bits, &last, sizeof bits);
            xor ^= bits;
        }
        expect_double(last, cJSON_GetObjectItem(c, "rand5000_last")->valuestring, "rand() 5000th");
        cr_assert_eq(xor, strtoull(cJSON_GetObjectItem(c, "rand5000_xor")->valuestring, NULL, 16),
                     "seed %s: the XOR of 5000 rand() bit patterns", seed_txt);
        free(seed_txt);
    }
    cJSON_Delete(root);
}

Test(minatar_rng, large_seeds_seed_as_the_two_word_array_and_copies_replay)
{
    rl_mt a, b;
    rl_mt_seed_u64(&a, 0x123456789abcdefULL);
    uint32_t key[2] = {0x89abcdefu, 0x01234567u};
    rl_mt_seed_array(&b, key, 2);
    for (int i = 0; i < 1000; i++) cr_assert_eq(rl_mt_u32(&a), rl_mt_u32(&b));
    rl_mt_seed_u64(&a, 4294967295ULL);
    rl_mt_seed(&b, 4294967295u);
    cr_assert_eq(rl_mt_u32(&a), rl_mt_u32(&b));
    rl_mt c = a;   /* a copy continues the same stream */
    for (int i = 0; i < 700; i++) cr_assert_eq(rl_mt_u32(&a), rl_mt_u32(&c));
    /* randint of a single value draws nothing */
    c = a;
    cr_assert_eq(rl_mt_randint(&a, 7, 8), 7);
    cr_assert_eq(rl_mt_u32(&a), rl_mt_u32(&c));
}

/* ---- the games against MinAtar's code ------------------------------------------------------------ */

/* the fixture of each game (the ids' names come from env_minatar_info) */
static const char *const GAME_FILES[MINATAR_GAMES] = {"asterix", "breakout", "freeway", "seaquest", "space_invaders"};

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* FNV-1a continued over an observation's values as bytes (scripts/gen_fixtures_minatar.py) */
static uint64_t obs_hash(uint64_t h, const float *obs, int n)
{
    for (int i = 0; i < n; i++) {
        cr_assert(obs[i] == 0.0f || obs[i] == 1.0f, "obs[%d] = %g is not 0 or 1", i, obs[i]);
        h = (h ^ (uint64_t)obs[i]) * FNV_PRIME;
    }
    return h;
}

/* the fixture's per-step expectations of one run, unpacked */
typedef struct {
    int steps;
    const char *actions;
    int *reward;        /* (steps) */
    bool *terminal;     /* (steps) */
    const cJSON *hashes;
} run_expect;

static run_expect unpack_run(const cJSON *run)
{
    run_expect x = {.steps = (int)rlt_fixture_number(run, "steps"),
                    .actions = cJSON_GetObjectItem(run, "actions")->valuestring,
                    .hashes = cJSON_GetObjectItem(run, "hashes")};
    cr_assert_eq((int)strlen(x.actions), x.steps);
    x.reward = calloc((size_t)x.steps, sizeof *x.reward);
    x.terminal = calloc((size_t)x.steps, sizeof *x.terminal);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(run, "rewards"))
        x.reward[(int)cJSON_GetArrayItem(it, 0)->valuedouble] = (int)cJSON_GetArrayItem(it, 1)->valuedouble;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(run, "terminals")) x.terminal[(int)it->valuedouble] = true;
    return x;
}

/* plays one fixture run through env_make / env_reset / env_step and compares every step */
static void replay_run(const char *id, const cJSON *run, int hash_every)
{
    run_expect x = unpack_run(run);
    int64_t seed = (int64_t)rlt_fixture_number(run, "seed");
    env_instance e;
    char err[256];
    cr_assert_eq(env_make(&e, id, 0, err, sizeof err), RL_OK, "%s: %s", id, err);
    int dim = e.def->obs_space.dim, next_hash = 0;
    float obs[ENV_MAX_DIM];
    env_reset(&e, seed, obs);
    uint64_t h = obs_hash(FNV_OFFSET, obs, dim);
    for (int t = 0; t < x.steps; t++) {
        float a = (float)(x.actions[t] - '0'), r;
        bool term, trunc;
        env_step(&e, &a, obs, &r, &term, &trunc);
        cr_assert_eq((int)r, x.reward[t], "%s seed %lld step %d: reward %g, MinAtar %d", id, (long long)seed, t, r,
                     x.reward[t]);
        cr_assert_eq(term, x.terminal[t], "%s seed %lld step %d: terminated %d, MinAtar %d", id, (long long)seed, t,
                     term, x.terminal[t]);
        cr_assert(!trunc, "%s: truncated without a step limit", id);
        h = obs_hash(h, obs, dim);
        if ((t + 1) % hash_every == 0) {
            const cJSON *want = cJSON_GetArrayItem(x.hashes, next_hash++);
            cr_assert_eq((int)cJSON_GetArrayItem(want, 0)->valuedouble, t);
            unsigned long w = strtoul(cJSON_GetArrayItem(want, 1)->valuestring, NULL, 16);
            cr_assert_eq((unsigned long)(h & 0xffffffffu), w,
                         "%s seed %lld: the observations differ from MinAtar's within steps %d..%d", id,
                         (long long)seed, t + 1 - hash_every, t);
        }
        if (term) {
            env_reset(&e, -1, obs);
            h = obs_hash(h, obs, dim);
        }
    }
    cr_assert_eq(next_hash, cJSON_GetArraySize(x.hashes));
    env_close(&e);
    free(x.reward);
    free(x.terminal);
}

static void replay_game(env_minatar_game game)
{
    char file[64];
    snprintf(file, sizeof file, "minatar/%s.json", GAME_FILES[game]);
    cJSON *root = rlt_fixture_load(file);
    const cJSON *runs = cJSON_GetObjectItem(root, "runs");
    int versions[2] = {0, 0};
    const cJSON *run;
    cJSON_ArrayForEach(run, runs) {
        const char *v = cJSON_GetObjectItem(run, "version")->valuestring;
        char id[64];
        snprintf(id, sizeof id, "MinAtar/%s-%s", env_minatar_info(game)->name, v);
        versions[strcmp(v, "v1") == 0]++;
        replay_run(id, run, (int)rlt_fixture_number(root, "hash_every"));
    }
    cr_assert(versions[0] >= 1 && versions[1] >= 1, "%s: runs of both action sets", file);
    cJSON_Delete(root);
}

Test(minatar_games, asterix_matches_minatar) { replay_game(MINATAR_ASTERIX); }
Test(minatar_games, breakout_matches_minatar) { replay_game(MINATAR_BREAKOUT); }
Test(minatar_games, freeway_matches_minatar) { replay_game(MINATAR_FREEWAY); }

/* ---- registration, action sets, sticky actions, seeding ------------------------------------------ */

Test(minatar_envs, ten_ids_with_image_spaces_and_action_sets)
{
    static const int channels[MINATAR_GAMES] = {4, 4, 7, 10, 6}, minimal[MINATAR_GAMES] = {5, 3, 3, 6, 4};
    int n;
    const env_def *const *defs = env_minatar_defs(&n);
    cr_assert_eq(n, 10);
    for (int g = 0; g < MINATAR_GAMES; g++)
        for (int v = 0; v < 2; v++) {
            char id[64];
            snprintf(id, sizeof id, "MinAtar/%s-v%d", env_minatar_info((env_minatar_game)g)->name, v);
            const env_def *d = env_find(id);
            cr_assert(d && d == defs[2 * g + v], "%s registered, in order", id);
            const env_space *o = &d->obs_space;
            cr_assert(o->kind == ENV_SPACE_BOX && o->rank == 3 && o->elem == ENV_ELEM_BOOL, "%s", id);
            cr_assert(o->shape[0] == 10 && o->shape[1] == 10 && o->shape[2] == channels[g], "%s", id);
            cr_assert_eq(o->dim, 100 * channels[g]);
            for (int i = 0; i < o->dim; i++) cr_assert(o->low[i] == 0.0f && o->high[i] == 1.0f);
            cr_assert_eq(d->act_space.kind, ENV_SPACE_DISCRETE);
            cr_assert_eq(d->act_space.n, v ? minimal[g] : 6, "%s", id);
            cr_assert_eq(env_minatar_info((env_minatar_game)g)->n_minimal, minimal[g]);
            cr_assert_eq(env_minatar_info((env_minatar_game)g)->channels, channels[g]);
            cr_assert_eq(d->max_episode_steps, 0, "MinAtar registers no time limit");
            cr_assert(isnan(d->reward_threshold));
        }
}

static env_instance make(const char *id)
{
    env_instance e;
    char err[256];
    cr_assert_eq(env_make(&e, id, 0, err, sizeof err), RL_OK, "%s: %s", id, err);
    return e;
}

/* the first rand() of RandomState(seed) */
static double first_draw(uint64_t seed)
{
    rl_mt m;
    rl_mt_seed_u64(&m, seed);
    return rl_mt_double(&m);
}

/* a seed whose first rand() is below 0.1 (sticky) or not */
static int64_t seed_with_first_draw(bool sticky)
{
    for (int64_t s = 0;; s++)
        if ((first_draw((uint64_t)s) < MINATAR_STICKY) == sticky) return s;
}

static int cannon_of(const env_instance *e) { return ((const env_minatar_state *)e->state)->g.space_invaders.pos; }

Test(minatar_envs, the_minimal_set_maps_actions_and_sticky_actions_repeat_the_last_one)
{
    /* SpaceInvaders draws nothing but the sticky-action coin, so the first step's coin is the
     * seed's first rand() */
    env_instance e = make("MinAtar/SpaceInvaders-v1");   /* no-op, left, right, fire */
    float obs[600], r, right = 2.0f, left = 1.0f;
    bool term, trunc;
    int64_t plain = seed_with_first_draw(false), sticky = seed_with_first_draw(true);
    env_reset(&e, plain, obs);
    env_step(&e, &right, obs, &r, &term, &trunc);
    cr_assert_eq(cannon_of(&e), 6, "v1 action 2 is MinAtar's right");
    cr_assert_eq(((env_minatar_state *)e.state)->last_action, MINATAR_RIGHT);
    env_reset(&e, sticky, obs);
    cr_assert_eq(((env_minatar_state *)e.state)->last_action, MINATAR_NOOP, "a seeded reset forgets it");
    env_step(&e, &right, obs, &r, &term, &trunc);
    cr_assert_eq(cannon_of(&e), 5, "seed %lld: the first step repeats the no-op", (long long)sticky);
    /* an unseeded reset keeps the last action, as MinAtar does */
    env_reset(&e, plain, obs);
    env_step(&e, &left, obs, &r, &term, &trunc);
    env_reset(&e, -1, obs);
    cr_assert_eq(((env_minatar_state *)e.state)->last_action, MINATAR_LEFT);
    env_close(&e);

    /* over many steps the action is replaced about one time in ten */
    e = make("MinAtar/Breakout-v0");
    env_reset(&e, 3, obs);
    int replaced = 0, n = 20000;
    env_minatar_state *s = e.state;
    for (int t = 0; t < n; t++) {
        float a = (float)(t % 6);
        int before = s->last_action;
        env_step(&e, &a, obs, &r, &term, &trunc);
        replaced += s->last_action != (int)a && s->last_action == before;
        if (term) env_reset(&e, -1, obs);
    }
    cr_assert(replaced > n / 12 && replaced < n / 9, "%d of %d actions replaced (expected about 10%%)", replaced, n);
    env_close(&e);
}

Test(minatar_envs, a_seed_replays_its_game_and_unseeded_resets_continue_the_stream)
{
    env_instance a = make("MinAtar/Freeway-v1"), b = make("MinAtar/Freeway-v1");
    float oa[700], ob[700];
    env_reset(&a, 11, oa);
    env_reset(&b, 11, ob);
    cr_assert(memcmp(oa, ob, sizeof oa) == 0);
    env_reset(&b, 12, ob);
    cr_assert(memcmp(oa, ob, sizeof oa) != 0, "another seed, other car speeds");
    env_reset(&a, -1, oa);   /* continues seed 11's stream: other speeds again */
    env_reset(&b, 11, ob);
    cr_assert(memcmp(oa, ob, sizeof oa) != 0);
    env_close(&a);
    env_close(&b);
}

/* ---- hand-worked situations: Asterix --------------------------------------------------------------- */

static float cell(const float *obs, int channels, int y, int x, int c) { return obs[env_minatar_index(channels, y, x, c)]; }

static int count_channel(const float *obs, int channels, int c)
{
    int n = 0;
    for (int i = c; i < 100 * channels; i += channels) n += obs[i] == 1.0f;
    return n;
}

Test(minatar_asterix, spawns_every_ten_frames_where_the_draws_say)
{
    env_minatar_asterix g;
    rl_mt mt, pred;
    rl_mt_seed(&mt, 5);
    env_minatar_asterix_reset(&g, &mt);
    for (int t = 1; t <= 10; t++) {
        env_minatar_asterix_act(&g, &mt, MINATAR_NOOP);
        for (int i = 0; i < 8; i++) cr_assert(!g.ent[i].live, "frame %d: nothing yet", t);
    }
    pred = mt;   /* frame 11 spawns (side, kind, then one of the 8 free rows) and moves (every 5) */
    bool right = rl_mt_double(&pred) < 0.5, gold = rl_mt_double(&pred) < 1.0 / 3.0;
    int slot = (int)rl_mt_randint(&pred, 0, 8);
    env_minatar_asterix_act(&g, &mt, MINATAR_NOOP);
    const env_minatar_asterix_entity *e = &g.ent[slot];
    cr_assert(e->live && e->right == right && e->gold == gold && e->y == slot + 1 && e->x == (right ? 1 : 8));
    cr_assert(memcmp(&mt, &pred, sizeof mt) == 0, "exactly those draws");
    float obs[400];
    env_minatar_asterix_observe(&g, obs);
    cr_assert_eq(cell(obs, 4, e->y, e->x, gold ? 3 : 1), 1.0f);
    cr_assert_eq(cell(obs, 4, e->y, right ? 0 : 9, 2), 1.0f, "the trail behind it");
    cr_assert_eq(count_channel(obs, 4, 2), 1);
    cr_assert_eq(cell(obs, 4, 5, 5, 0), 1.0f, "the player");
}

Test(minatar_asterix, treasure_pays_enemies_end_the_game)
{
    env_minatar_asterix g;
    rl_mt mt;
    rl_mt_seed(&mt, 1);
    env_minatar_asterix_reset(&g, &mt);
    /* a treasure in the player's row steps onto it on a move frame */
    g.move_timer = 0;
    g.ent[4] = (env_minatar_asterix_entity){.live = true, .x = 4, .y = 5, .right = true, .gold = true};
    cr_assert_eq(env_minatar_asterix_act(&g, &mt, MINATAR_NOOP), 1);
    cr_assert(!g.ent[4].live && !g.terminal);
    /* the player walks onto an enemy (which then moves on): the game is over */
    g.move_timer = 0;
    g.ent[4] = (env_minatar_asterix_entity){.live = true, .x = 6, .y = 5, .right = true, .gold = false};
    cr_assert_eq(env_minatar_asterix_act(&g, &mt, MINATAR_RIGHT), 0);
    cr_assert(g.terminal && g.ent[4].x == 7);
    cr_assert_eq(env_minatar_asterix_act(&g, &mt, MINATAR_LEFT), 0, "nothing moves after the end");
    cr_assert_eq(g.player_x, 6);
    /* the player stays in rows 1..8, columns 0..9 */
    env_minatar_asterix_reset(&g, &mt);
    for (int t = 0; t < 6; t++) env_minatar_asterix_act(&g, &mt, MINATAR_UP);
    cr_assert_eq(g.player_y, 1);
    env_minatar_asterix_reset(&g, &mt);
    for (int t = 0; t < 6; t++) env_minatar_asterix_act(&g, &mt, MINATAR_RIGHT);
    cr_assert_eq(g.player_x, 9);
}

Test(minatar_asterix, the_difficulty_ramps_every_102_frames)
{
    env_minatar_asterix g;
    rl_mt mt;
    rl_mt_seed(&mt, 2);
    env_minatar_asterix_reset(&g, &mt);
    g.spawn_timer = g.move_timer = 1000;   /* keep the grid empty */
    for (int t = 1; t <= 101; t++) env_minatar_asterix_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.spawn_speed == 10 && g.ramp_timer == -1);
    env_minatar_asterix_act(&g, &mt, MINATAR_NOOP);   /* frame 102: first ramp, spawning only */
    cr_assert(g.spawn_speed == 9 && g.move_speed == 5 && g.ramp_index == 1 && g.ramp_timer == 100);
    for (int t = 0; t < 102; t++) env_minatar_asterix_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.spawn_speed == 8 && g.move_speed == 4 && g.ramp_index == 2, "the second ramp speeds up moves too");
    g.spawn_speed = g.move_speed = 1;
    g.ramp_timer = -1;
    env_minatar_asterix_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.ramp_index == 2 && g.ramp_timer == -1, "no ramp once both are at 1");
}

Test(minatar_asterix, a_full_grid_draws_side_and_kind_but_spawns_nothing)
{
    env_minatar_asterix g;
    rl_mt mt, pred;
    rl_mt_seed(&mt, 3);
    env_minatar_asterix_reset(&g, &mt);
    for (int i = 0; i < 8; i++)
        g.ent[i] = (env_minatar_asterix_entity){.live = true, .x = 0, .y = i + 1, .right = true, .gold = true};
    g.ent[4].x = 9;   /* not on the player (5, 5) */
    g.spawn_timer = 0;
    g.move_timer = 3;
    pred = mt;
    rl_mt_double(&pred);
    rl_mt_double(&pred);
    env_minatar_asterix_act(&g, &mt, MINATAR_NOOP);
    cr_assert(memcmp(&mt, &pred, sizeof mt) == 0, "two draws, no row drawn");
    /* with one free row there is nothing to draw either (randint(1) draws nothing) */
    g.ent[2].live = false;
    g.spawn_timer = 0;
    pred = mt;
    bool right = rl_mt_double(&pred) < 0.5;
    rl_mt_double(&pred);
    env_minatar_asterix_act(&g, &mt, MINATAR_NOOP);
    cr_assert(memcmp(&mt, &pred, sizeof mt) == 0);
    cr_assert(g.ent[2].live && g.ent[2].y == 3 && g.ent[2].right == right);
}

/* ---- hand-worked situations: Breakout -------------------------------------------------------------- */

/* a Breakout game with the ball at (x, y) going dir, the paddle at pos, no bricks but those given */
static env_minatar_breakout bo_game(int x, int y, int dir, int pos)
{
    env_minatar_breakout g;
    memset(&g, 0, sizeof g);
    g.ball_x = g.last_x = x;
    g.ball_y = g.last_y = y;
    g.ball_dir = dir;
    g.pos = pos;
    g.bricks[0][0] = 1;   /* one far brick, so that no refill happens */
    return g;
}

static void bo_expect(const env_minatar_breakout *g, int x, int y, int dir, const char *what)
{
    cr_assert(g->ball_x == x && g->ball_y == y && g->ball_dir == dir, "%s: ball (%d, %d) dir %d, expected (%d, %d) dir %d",
              what, g->ball_x, g->ball_y, g->ball_dir, x, y, dir);
}

Test(minatar_breakout, starts_at_a_side_by_a_coin)
{
    env_minatar_breakout g;
    rl_mt mt, pred;
    for (uint32_t seed = 0; seed < 8; seed++) {
        rl_mt_seed(&mt, seed);
        pred = mt;
        bool from_right = rl_mt_randint(&pred, 0, 2) == 1;
        env_minatar_breakout_reset(&g, &mt);
        bo_expect(&g, from_right ? 9 : 0, 3, from_right ? 3 : 2, "start");
        cr_assert_eq(g.pos, 4);
        float obs[400];
        env_minatar_breakout_observe(&g, obs);
        cr_assert_eq(count_channel(obs, 4, 3), 30, "rows 1..3 of bricks");
        for (int x = 0; x < 10; x++) cr_assert(cell(obs, 4, 1, x, 3) == 1.0f && cell(obs, 4, 3, x, 3) == 1.0f);
        cr_assert(cell(obs, 4, 9, 4, 0) == 1.0f && cell(obs, 4, 3, g.ball_x, 1) == 1.0f && cell(obs, 4, 3, g.ball_x, 2) == 1.0f);
    }
}

Test(minatar_breakout, walls_top_and_bricks_reflect)
{
    rl_mt mt;
    rl_mt_seed(&mt, 0);
    env_minatar_breakout g = bo_game(9, 5, 1, 0);   /* up-right into the right wall */
    env_minatar_breakout_act(&g, &mt, MINATAR_NOOP);
    bo_expect(&g, 9, 4, 0, "right wall");
    g = bo_game(5, 0, 0, 0);   /* up-left through the top */
    env_minatar_breakout_act(&g, &mt, MINATAR_NOOP);
    bo_expect(&g, 4, 0, 3, "top");
    g = bo_game(5, 4, 1, 0);   /* up-right into a brick: it breaks, the ball stays on its row */
    g.bricks[3][6] = 1;
    cr_assert_eq(env_minatar_breakout_act(&g, &mt, MINATAR_NOOP), 1);
    bo_expect(&g, 6, 4, 2, "brick");
    cr_assert(!g.bricks[3][6] && g.strike && g.last_x == 5 && g.last_y == 4);
    env_minatar_breakout_act(&g, &mt, MINATAR_NOOP);
    cr_assert(!g.strike, "a frame without a brick clears the strike");
    /* on the frame after a hit the ball passes into a brick it meets, which stays */
    g = bo_game(5, 5, 0, 0);
    g.bricks[4][4] = 1;
    g.strike = true;
    cr_assert_eq(env_minatar_breakout_act(&g, &mt, MINATAR_NOOP), 0);
    bo_expect(&g, 4, 4, 0, "into a brick");
    cr_assert(g.bricks[4][4] && g.strike);
}

Test(minatar_breakout, the_paddle_returns_the_ball_or_the_game_ends)
{
    rl_mt mt;
    rl_mt_seed(&mt, 0);
    env_minatar_breakout g = bo_game(4, 8, 2, 4);   /* falling from above the paddle: straight back */
    env_minatar_breakout_act(&g, &mt, MINATAR_NOOP);
    bo_expect(&g, 5, 8, 1, "from above");
    g = bo_game(3, 8, 2, 4);   /* landing on the paddle's cell: back the way it came */
    env_minatar_breakout_act(&g, &mt, MINATAR_NOOP);
    bo_expect(&g, 4, 8, 0, "onto the paddle");
    g = bo_game(3, 8, 2, 6);   /* the paddle moves first: one step left is not enough */
    env_minatar_breakout_act(&g, &mt, MINATAR_LEFT);
    cr_assert_eq(g.pos, 5);
    cr_assert(g.terminal);
    bo_expect(&g, 4, 9, 2, "missed");
    cr_assert_eq(env_minatar_breakout_act(&g, &mt, MINATAR_NOOP), 0);
    bo_expect(&g, 4, 9, 2, "after the end");
    /* no brick left when the ball reaches the bottom: the three rows come back */
    g = bo_game(4, 8, 2, 4);
    g.bricks[0][0] = 0;
    env_minatar_breakout_act(&g, &mt, MINATAR_NOOP);
    int n = 0;
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 10; x++) n += g.bricks[y][x];
    cr_assert(n == 30 && g.bricks[1][0] && g.bricks[3][9]);
}

/* ---- hand-worked situations: Freeway --------------------------------------------------------------- */

/* the speeds RandomState draws for the cars: randint(1, 6, 8), then the signs of rand(8) - 0.5 */
static void fw_predict(rl_mt *m, int speed[8])
{
    for (int i = 0; i < 8; i++) speed[i] = (int)rl_mt_randint(m, 1, 6);
    for (int i = 0; i < 8; i++) speed[i] *= rl_mt_double(m) < 0.5 ? -1 : 1;
}

/* parks every car far from column 4 (speed 5 at x 0 or 9) */
static void fw_park(env_minatar_freeway *g)
{
    for (int i = 0; i < 8; i++) g->cars[i] = (env_minatar_car){.x = 9, .y = i + 1, .timer = 5, .speed = 5};
}

Test(minatar_freeway, cars_start_in_column_0_at_drawn_speeds)
{
    env_minatar_freeway g;
    rl_mt mt, pred;
    rl_mt_seed(&mt, 9);
    pred = mt;
    int speed[8];
    fw_predict(&pred, speed);
    env_minatar_freeway_reset(&g, &mt);
    cr_assert(memcmp(&mt, &pred, sizeof mt) == 0);
    for (int i = 0; i < 8; i++) {
        const env_minatar_car *c = &g.cars[i];
        cr_assert(c->x == 0 && c->y == i + 1 && c->speed == speed[i] && c->timer == abs(speed[i]), "car %d", i);
    }
    cr_assert(g.pos == 9 && g.move_timer == 3 && g.terminate_timer == 2500);
    float obs[700];
    env_minatar_freeway_observe(&g, obs);
    for (int i = 0; i < 8; i++) {
        int back = speed[i] > 0 ? 9 : 1, k = abs(speed[i]);
        cr_assert_eq(cell(obs, 7, i + 1, 0, 1), 1.0f);
        cr_assert_eq(cell(obs, 7, i + 1, back, 1 + k), 1.0f, "car %d: trail on speed%d behind it", i, k);
    }
    cr_assert_eq(cell(obs, 7, 9, 4, 0), 1.0f);
}

Test(minatar_freeway, the_chicken_moves_every_third_frame_and_scores_at_the_top)
{
    env_minatar_freeway g;
    rl_mt mt, pred;
    rl_mt_seed(&mt, 4);
    env_minatar_freeway_reset(&g, &mt);
    fw_park(&g);
    int moved_at[4], n = 0;
    for (int t = 1; n < 4; t++) {
        int before = g.pos;
        env_minatar_freeway_act(&g, &mt, MINATAR_UP);
        if (g.pos != before) moved_at[n++] = t;
        if (t % 6 == 0) fw_park(&g);
    }
    cr_assert(moved_at[0] == 4 && moved_at[1] == 7 && moved_at[2] == 10 && moved_at[3] == 13, "%d %d %d %d", moved_at[0],
              moved_at[1], moved_at[2], moved_at[3]);
    /* reaching row 0: +1, new speeds (positions kept), back to row 9 */
    g.pos = 1;
    g.move_timer = 0;
    fw_park(&g);
    pred = mt;
    int speed[8];
    fw_predict(&pred, speed);
    cr_assert_eq(env_minatar_freeway_act(&g, &mt, MINATAR_UP), 1);
    cr_assert_eq(g.pos, 9);
    for (int i = 0; i < 8; i++)
        cr_assert(g.cars[i].x == 9 && g.cars[i].speed == speed[i] && g.cars[i].timer == abs(speed[i]) - 1, "car %d", i);
}

Test(minatar_freeway, cars_wrap_and_send_the_chicken_home)
{
    env_minatar_freeway g;
    rl_mt mt;
    rl_mt_seed(&mt, 4);
    env_minatar_freeway_reset(&g, &mt);
    fw_park(&g);
    g.pos = 5;
    g.cars[4] = (env_minatar_car){.x = 3, .y = 5, .timer = 0, .speed = 1};   /* drives onto (5, 4) */
    g.cars[0] = (env_minatar_car){.x = 9, .y = 1, .timer = 0, .speed = 2};   /* wraps to column 0 */
    g.cars[1] = (env_minatar_car){.x = 0, .y = 2, .timer = 0, .speed = -3};  /* wraps to column 9 */
    env_minatar_freeway_act(&g, &mt, MINATAR_NOOP);
    cr_assert_eq(g.pos, 9);
    cr_assert(g.cars[4].x == 4 && g.cars[4].timer == 1);
    cr_assert(g.cars[0].x == 0 && g.cars[0].timer == 2 && g.cars[1].x == 9 && g.cars[1].timer == 3);
    float obs[700];
    env_minatar_freeway_observe(&g, obs);
    cr_assert_eq(cell(obs, 7, 1, 9, 3), 1.0f, "speed2's trail wraps to column 9");
    cr_assert_eq(cell(obs, 7, 2, 0, 4), 1.0f, "speed3's trail wraps to column 0");
    /* walking into a car that stands in column 4 also sends it home */
    g.pos = 6;
    g.move_timer = 0;
    g.cars[4] = (env_minatar_car){.x = 4, .y = 5, .timer = 3, .speed = 4};
    env_minatar_freeway_act(&g, &mt, MINATAR_UP);
    cr_assert_eq(g.pos, 9);
}

Test(minatar_freeway, the_game_ends_on_frame_2501)
{
    env_minatar_freeway g;
    rl_mt mt;
    rl_mt_seed(&mt, 6);
    env_minatar_freeway_reset(&g, &mt);
    for (int t = 1; t <= 2500; t++) {
        env_minatar_freeway_act(&g, &mt, MINATAR_NOOP);
        cr_assert(!g.terminal, "frame %d", t);
    }
    env_minatar_freeway_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.terminal);
}
Test(minatar_games, seaquest_matches_minatar) { replay_game(MINATAR_SEAQUEST); }

/* ---- hand-worked situations: Seaquest -------------------------------------------------------------- */

/* a Seaquest game after reset with the spawn timers pushed far away (no new objects) */
static env_minatar_seaquest sq_game(rl_mt *mt)
{
    env_minatar_seaquest g;
    rl_mt_seed(mt, 8);
    env_minatar_seaquest_reset(&g, mt);
    g.e_spawn_timer = g.d_spawn_timer = 1000;
    return g;
}

static env_minatar_sq_obj sq_obj(int x, int y, int right, int move_timer, int shot_timer)
{
    return (env_minatar_sq_obj){.x = x, .y = y, .right = right, .move_timer = move_timer, .shot_timer = shot_timer};
}

static void sq_add(env_minatar_sq_list *l, env_minatar_sq_obj o) { l->v[l->n++] = o; }

Test(minatar_seaquest, oxygen_runs_out_and_its_gauge_shows_it)
{
    rl_mt mt;
    env_minatar_seaquest g = sq_game(&mt);
    float obs[1000];
    env_minatar_seaquest_observe(&g, obs);
    cr_assert_eq(count_channel(obs, 10, 7), 10, "a full tank: 10 cells");
    cr_assert(cell(obs, 10, 0, 5, 0) == 1.0f && cell(obs, 10, 0, 6, 1) == 1.0f, "facing left, the back is to the right");
    env_minatar_seaquest_act(&g, &mt, MINATAR_DOWN);
    cr_assert(g.oxygen == 199 && !g.surface);
    env_minatar_seaquest_observe(&g, obs);
    cr_assert_eq(count_channel(obs, 10, 7), 9);
    g.oxygen = 1;
    env_minatar_seaquest_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.oxygen == 0 && !g.terminal, "the frame that uses the last unit goes on");
    env_minatar_seaquest_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.terminal && g.oxygen == -1, "the next frame finds no oxygen");
    env_minatar_seaquest_observe(&g, obs);
    cr_assert_eq(count_channel(obs, 10, 7), 0, "the gauge shows max(0, oxygen)");
}

Test(minatar_seaquest, surfacing_needs_a_diver_refills_and_ramps)
{
    rl_mt mt;
    env_minatar_seaquest g = sq_game(&mt);
    env_minatar_seaquest_act(&g, &mt, MINATAR_NOOP);
    cr_assert(!g.terminal, "starting at the surface is no surfacing");
    env_minatar_seaquest_act(&g, &mt, MINATAR_DOWN);
    env_minatar_seaquest_act(&g, &mt, MINATAR_UP);
    cr_assert(g.terminal, "surfacing without a diver ends the game");

    g = sq_game(&mt);
    g.sub_y = 1;
    g.surface = false;
    g.diver_count = 2;
    g.oxygen = 40;
    cr_assert_eq(env_minatar_seaquest_act(&g, &mt, MINATAR_UP), 0);
    cr_assert(!g.terminal && g.oxygen == 200 && g.diver_count == 1 && g.surface);
    cr_assert(g.e_spawn_speed == 19 && g.move_speed == 5 && g.ramp_index == 1, "the first ramp: spawning only");
    float obs[1000];
    env_minatar_seaquest_observe(&g, obs);
    cr_assert(count_channel(obs, 10, 8) == 1 && cell(obs, 10, 9, 8, 8) == 1.0f, "one diver on the gauge, at column 8");
    g.sub_y = 1;
    g.surface = false;
    env_minatar_seaquest_act(&g, &mt, MINATAR_UP);
    cr_assert(g.e_spawn_speed == 18 && g.move_speed == 4 && g.ramp_index == 2 && g.diver_count == 0);
}

Test(minatar_seaquest, six_divers_pay_for_the_oxygen_left_and_leave_minus_one)
{
    rl_mt mt;
    env_minatar_seaquest g = sq_game(&mt);
    g.sub_y = 1;
    g.surface = false;
    g.diver_count = 6;
    g.oxygen = 151;
    cr_assert_eq(env_minatar_seaquest_act(&g, &mt, MINATAR_UP), 7, "151 * 10 // 200");
    cr_assert(g.diver_count == -1 && g.oxygen == 200 && !g.terminal);
    float obs[1000];
    env_minatar_seaquest_observe(&g, obs);
    cr_assert_eq(count_channel(obs, 10, 8), 0);
    /* with -1 aboard, surfacing is allowed again (it is not 0) */
    g.sub_y = 1;
    g.surface = false;
    env_minatar_seaquest_act(&g, &mt, MINATAR_UP);
    cr_assert(g.diver_count == -2 && !g.terminal);
}

Test(minatar_seaquest, bullets_divers_and_enemy_fire)
{
    rl_mt mt;
    env_minatar_seaquest g = sq_game(&mt);
    g.sub_y = 4;
    sq_add(&g.e_fish, sq_obj(3, 4, 1, 3, 0));   /* a fish to the left, waiting */
    env_minatar_seaquest_act(&g, &mt, MINATAR_FIRE);   /* facing left: the bullet flies left at once */
    cr_assert(g.f_bullets.n == 1 && g.f_bullets.v[0].x == 4 && g.shot_timer == 4);
    cr_assert_eq(env_minatar_seaquest_act(&g, &mt, MINATAR_FIRE), 1, "the bullet meets the fish");
    cr_assert(g.f_bullets.n == 0 && g.e_fish.n == 0 && g.shot_timer == 3, "and firing waits for the cool-down");

    /* a diver drifting onto the sub is picked up */
    g = sq_game(&mt);
    g.sub_y = 2;
    sq_add(&g.divers, sq_obj(4, 2, 1, 0, 0));
    env_minatar_seaquest_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.divers.n == 0 && g.diver_count == 1);
    /* an enemy sub fires where it stands; its bullet flies on in the same frame */
    g = sq_game(&mt);
    g.sub_y = 2;
    sq_add(&g.e_subs, sq_obj(8, 6, 0, 2, 0));
    env_minatar_seaquest_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.e_bullets.n == 1 && g.e_bullets.v[0].x == 7 && g.e_bullets.v[0].y == 6 && g.e_subs.v[0].shot_timer == 10);
    float obs[1000];
    env_minatar_seaquest_observe(&g, obs);
    cr_assert(cell(obs, 10, 6, 7, 4) == 1.0f && cell(obs, 10, 6, 8, 6) == 1.0f && cell(obs, 10, 6, 9, 3) == 1.0f);
    /* a sub shot by the player's bullet still fires on that frame, from where it died */
    g = sq_game(&mt);
    g.sub_y = 2;
    sq_add(&g.e_subs, sq_obj(5, 6, 1, 0, 0));
    sq_add(&g.f_bullets, sq_obj(6, 6, 0, 0, 0));
    g.f_bullets.v[0].x = 7;   /* lands on (6, 6) in the bullet phase, the sub then moves onto it */
    cr_assert_eq(env_minatar_seaquest_act(&g, &mt, MINATAR_NOOP), 1);
    cr_assert(g.e_subs.n == 0 && g.f_bullets.n == 0 && g.e_bullets.n == 1 && g.e_bullets.v[0].x == 7);
    /* running into an enemy bullet ends the game */
    g = sq_game(&mt);
    g.sub_y = 3;
    sq_add(&g.e_bullets, sq_obj(4, 3, 1, 0, 0));
    env_minatar_seaquest_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.terminal);
}

Test(minatar_seaquest, no_enemy_enters_a_row_against_the_traffic)
{
    rl_mt mt, pred;
    /* a seed whose first spawn goes left */
    uint32_t seed = 0;
    for (;; seed++) {
        rl_mt_seed(&pred, seed);
        if (rl_mt_double(&pred) >= 0.5) break;
    }
    env_minatar_seaquest g;
    rl_mt_seed(&mt, seed);
    env_minatar_seaquest_reset(&g, &mt);
    g.e_spawn_timer = 0;
    g.d_spawn_timer = 1000;
    for (int y = 1; y <= 8; y++) sq_add(&g.e_fish, sq_obj(0, y, 1, 3, 0));   /* every row goes right */
    g.sub_x = 9;
    env_minatar_seaquest_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.e_fish.n == 8 && g.e_subs.n == 0, "the left-going spawn is dropped");
    rl_mt_seed(&pred, seed);
    rl_mt_double(&pred);
    rl_mt_double(&pred);
    rl_mt_randint(&pred, 1, 9);
    cr_assert(memcmp(&mt, &pred, sizeof mt) == 0, "side, kind and row were drawn");
}

/* ---- hand-worked situations: SpaceInvaders ---------------------------------------------------------- */

static int si_aliens(const env_minatar_space_invaders *g)
{
    int n = 0;
    for (int y = 0; y < 10; y++)
        for (int x = 0; x < 10; x++) n += g->aliens[y][x];
    return n;
}

Test(minatar_space_invaders, the_block_steps_sideways_then_down_at_the_edge)
{
    env_minatar_space_invaders g;
    rl_mt mt;
    rl_mt_seed(&mt, 0);
    env_minatar_space_invaders_reset(&g, &mt);
    g.alien_shot_timer = 1000;
    float obs[600];
    env_minatar_space_invaders_observe(&g, obs);
    cr_assert(count_channel(obs, 6, 1) == 24 && count_channel(obs, 6, 2) == 24 && count_channel(obs, 6, 3) == 0,
              "24 aliens going left");
    cr_assert(cell(obs, 6, 0, 2, 1) == 1.0f && cell(obs, 6, 3, 7, 1) == 1.0f && cell(obs, 6, 9, 5, 0) == 1.0f);
    for (int t = 1; t <= 12; t++) env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.aliens[0][2] && !g.aliens[0][1], "12 frames: no move yet");
    env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.aliens[0][1] && !g.aliens[0][7] && g.alien_move_timer == 11, "frame 13: one column left");
    for (int t = 0; t < 12; t++) env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.aliens[0][0] && g.alien_dir == -1, "frame 25: at the left edge");
    for (int t = 0; t < 12; t++) env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.aliens[1][0] && !g.aliens[0][0] && g.alien_dir == 1, "frame 37: down a row, turned right");
    env_minatar_space_invaders_observe(&g, obs);
    cr_assert(count_channel(obs, 6, 2) == 0 && count_channel(obs, 6, 3) == 24);
    /* with few aliens left the block moves every min(aliens, interval) frames */
    memset(g.aliens, 0, sizeof g.aliens);
    g.aliens[2][4] = g.aliens[2][5] = g.aliens[3][4] = 1;
    g.alien_move_timer = 0;
    env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.aliens[2][6] && g.alien_move_timer == 2, "moved right; next move in 3 frames");
}

Test(minatar_space_invaders, shots_both_ways)
{
    env_minatar_space_invaders g;
    rl_mt mt;
    rl_mt_seed(&mt, 0);
    env_minatar_space_invaders_reset(&g, &mt);
    g.alien_shot_timer = g.alien_move_timer = 1000;
    env_minatar_space_invaders_act(&g, &mt, MINATAR_FIRE);
    cr_assert(g.f_bullets[8][5] && g.shot_timer == 4, "the bullet rises at once");
    int r = 0;
    for (int t = 0; t < 5; t++) r += env_minatar_space_invaders_act(&g, &mt, MINATAR_FIRE);
    cr_assert(r == 1 && !g.aliens[3][5] && si_aliens(&g) == 23, "it meets the lowest alien of column 5");
    cr_assert(g.f_bullets[8][5], "and the cool-down allowed one more shot on the 5th frame");
    /* the nearest column shoots, the left one on a tie, from its lowest alien */
    memset(g.aliens, 0, sizeof g.aliens);
    memset(g.f_bullets, 0, sizeof g.f_bullets);
    g.aliens[1][3] = g.aliens[4][3] = g.aliens[6][7] = 1;
    g.alien_shot_timer = 0;
    env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.e_bullets[4][3] && !g.e_bullets[6][7] && g.alien_shot_timer == 9);
    /* an alien bullet falling onto the cannon ends the game */
    g.e_bullets[8][5] = 1;
    env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.terminal);
}

Test(minatar_space_invaders, a_cleared_wave_returns_faster_and_the_bottom_row_is_fatal)
{
    env_minatar_space_invaders g;
    rl_mt mt;
    rl_mt_seed(&mt, 0);
    env_minatar_space_invaders_reset(&g, &mt);
    g.alien_shot_timer = g.alien_move_timer = 1000;
    memset(g.aliens, 0, sizeof g.aliens);
    g.aliens[5][5] = 1;
    g.f_bullets[6][5] = 1;
    cr_assert_eq(env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP), 1);
    cr_assert(si_aliens(&g) == 24 && g.aliens[0][2] && g.enemy_move_interval == 11 && g.ramp_index == 1);
    g.enemy_move_interval = 6;
    memset(g.aliens, 0, sizeof g.aliens);
    g.aliens[5][5] = 1;
    g.f_bullets[6][5] = 1;
    env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.enemy_move_interval == 6 && g.ramp_index == 1, "no faster than 6");
    /* turning at the edge with an alien on row 9 ends the game (the block rolls over) */
    memset(g.aliens, 0, sizeof g.aliens);
    g.aliens[9][0] = g.aliens[8][0] = 1;
    g.pos = 6;
    g.alien_dir = -1;
    g.alien_move_timer = 0;
    env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.terminal && g.aliens[0][0] && g.aliens[9][0] && g.alien_dir == 1);
    /* an alien reaching the cannon's cell ends it too */
    env_minatar_space_invaders_reset(&g, &mt);
    memset(g.aliens, 0, sizeof g.aliens);
    g.aliens[9][4] = 1;
    g.alien_dir = 1;
    g.alien_move_timer = 0;
    env_minatar_space_invaders_act(&g, &mt, MINATAR_NOOP);
    cr_assert(g.terminal);
}
Test(minatar_games, space_invaders_matches_minatar) { replay_game(MINATAR_SPACE_INVADERS); }

/* ---- rlc record's pictures --------------------------------------------------------------------------- */

static void expect_pixel(const uint8_t *rgb, int width, int px, int py, const uint8_t want[3], const char *what)
{
    const uint8_t *p = rgb + ((size_t)py * width + px) * 3;
    cr_assert(p[0] == want[0] && p[1] == want[1] && p[2] == want[2], "%s: pixel (%d, %d) is %d %d %d, expected %d %d %d",
              what, px, py, p[0], p[1], p[2], want[0], want[1], want[2]);
}

Test(minatar_render, the_palette_is_minatars_gui_palette)
{
    cJSON *root = rlt_fixture_load("minatar/palette.json");
    static const int channels[4] = {4, 6, 7, 10};
    for (int i = 0; i < 4; i++) {
        char key[8];
        snprintf(key, sizeof key, "%d", channels[i]);
        const cJSON *pal = cJSON_GetObjectItem(root, key);
        for (int k = 0; k < channels[i]; k++) {
            uint8_t rgb[3];
            env_minatar_palette(channels[i], k, rgb);
            for (int j = 0; j < 3; j++)
                cr_assert_eq(rgb[j], (int)cJSON_GetArrayItem(cJSON_GetArrayItem(pal, k), j)->valuedouble,
                             "%d channels, colour %d, component %d", channels[i], k, j);
        }
    }
    cJSON_Delete(root);
}

Test(minatar_render, cells_take_the_colour_of_their_highest_channel)
{
    env_instance e = make("MinAtar/Breakout-v1");
    float obs[400];
    env_reset(&e, 0, obs);
    env_renderer *r = NULL;
    char err[256];
    cr_assert_eq(env_render_open(&r, &e, 0, 0, err, sizeof err), RL_OK, "%s", err);
    int w, h, fps;
    env_render_size(r, &w, &h, &fps);
    cr_assert(w == 320 && h == 320 && fps == 20);
    uint8_t *rgb = malloc((size_t)w * h * 3), pal[4][3], black[3] = {0, 0, 0};
    for (int k = 0; k < 4; k++) env_minatar_palette(4, k, pal[k]);
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    const env_minatar_breakout *g = &((env_minatar_state *)e.state)->g.breakout;
    expect_pixel(rgb, w, g->ball_x * 32 + 16, 3 * 32 + 16, pal[3], "the ball starts in the brick row: bricks win");
    float noop = 0.0f, rew;
    bool term, trunc;
    for (int t = 0; t < 2; t++) env_step(&e, &noop, obs, &rew, &term, &trunc);
    cr_assert(g->ball_y == 5 && g->last_y == 4 && g->pos == 4);
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    expect_pixel(rgb, w, 4 * 32 + 16, 9 * 32 + 16, pal[0], "the paddle");
    expect_pixel(rgb, w, 4 * 32, 9 * 32, pal[0], "the paddle's corner");
    expect_pixel(rgb, w, 4 * 32 + 31, 9 * 32 + 31, pal[0], "the paddle's other corner");
    expect_pixel(rgb, w, 5 * 32, 9 * 32, black, "beside the paddle");
    expect_pixel(rgb, w, 0 * 32 + 5, 1 * 32 + 30, pal[3], "a brick");
    expect_pixel(rgb, w, g->ball_x * 32 + 16, 5 * 32 + 16, pal[1], "the ball");
    expect_pixel(rgb, w, g->last_x * 32 + 16, 4 * 32 + 16, pal[2], "its trail");
    expect_pixel(rgb, w, 6 * 32 + 16, 7 * 32 + 16, black, "an empty cell");
    env_render_close(r);
    /* any size: cell x covers the pixels px with px * 10 / width == x */
    cr_assert_eq(env_render_open(&r, &e, 50, 30, err, sizeof err), RL_OK, "%s", err);
    cr_assert_eq(env_render_frame(r, &e, rgb, err, sizeof err), RL_OK, "%s", err);
    expect_pixel(rgb, 50, 20, 27, pal[0], "the paddle at 50 x 30");
    expect_pixel(rgb, 50, 24, 29, pal[0], "the paddle at 50 x 30");
    expect_pixel(rgb, 50, 25, 27, black, "beside it at 50 x 30");
    env_render_close(r);
    free(rgb);
    env_close(&e);
    /* every MinAtar id has its renderer */
    int n;
    const env_def *const *defs = env_minatar_defs(&n);
    for (int i = 0; i < n; i++) {
        const env_render_def *rd = env_render_minatar_find(defs[i]->id);
        cr_assert(rd && strcmp(rd->id, defs[i]->id) == 0, "%s", defs[i]->id);
    }
    cr_assert_null(env_render_minatar_find("CartPole-v1"));
}

/* ---- a random policy's returns, as in MinAtar ------------------------------------------------------- */

Test(minatar_games, a_random_policy_scores_what_it_scores_in_minatar)
{
    cJSON *root = rlt_fixture_load("minatar/returns.json");
    int episodes = (int)rlt_fixture_number(root, "episodes");
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(root, "ids")) {
        env_instance e = make(item->string);
        rl_mt policy;   /* the fixture's policy: RandomState(policy_seed).randint(n) every step */
        rl_mt_seed(&policy, (uint32_t)rlt_fixture_number(root, "policy_seed"));
        float obs[ENV_MAX_DIM], r;
        bool term = false, trunc;
        env_reset(&e, (int64_t)rlt_fixture_number(root, "env_seed"), obs);
        double total = 0.0;
        long steps = 0;
        for (int ep = 0; ep < episodes; ep++) {
            do {
                float a = (float)rl_mt_randint(&policy, 0, e.def->act_space.n);
                env_step(&e, &a, obs, &r, &term, &trunc);
                total += r;
                steps++;
            } while (!term);
            env_reset(&e, -1, obs);
        }
        cr_assert_eq(steps, (long)rlt_fixture_number(item, "steps"), "%s", item->string);
        cr_assert_eq(total / episodes, rlt_fixture_number(item, "mean"), "%s: mean return %g, MinAtar %g", item->string,
                     total / episodes, rlt_fixture_number(item, "mean"));
        env_close(&e);
    }
    cJSON_Delete(root);
}

/* ---- rlc check-env and rlc envs ---------------------------------------------------------------------- */

Test(minatar_envs, every_id_passes_check_env)
{
    int n;
    const env_def *const *defs = env_minatar_defs(&n);
    for (int i = 0; i < n; i++) {
        env_check_opts o;
        env_check_opts_default(&o);
        if (strstr(defs[i]->id, "Freeway")) o.n_steps = 5200;   /* two 2501-frame episodes */
        env_check_report rep;
        char err[256] = "", shape[64];
        cr_assert_eq(env_check_run(defs[i], &o, &rep, err, sizeof err), RL_OK, "%s", err);
        if (rep.n_failed) env_check_print(&rep, defs[i]->id, stderr);
        cr_assert_eq(rep.n_failed, 0, "%s fails %d check(s)", defs[i]->id, rep.n_failed);
        cr_assert_eq(env_check_find(&rep, "reset after termination")->outcome, ENV_CHECK_PASS, "%s", defs[i]->id);
        snprintf(shape, sizeof shape, "Box(10, 10, %d) bool [0, 1]", defs[i]->obs_space.shape[2]);
        cr_assert_str_eq(env_check_find(&rep, "observation space")->detail, shape);
    }
}

Test(minatar_envs, rlc_envs_and_check_env_print_the_image_space)
{
    char cmd[512], out[65536];
    snprintf(cmd, sizeof cmd, "%s envs MinAtar/Breakout-v1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "observation  Box(10, 10, 4) bool [0, 1]") && strstr(out, "action       Discrete(3)") &&
              strstr(out, "step limit   0 (none)"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s envs", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    const char *row = strstr(out, "MinAtar/Seaquest-v0");
    cr_assert(row && strstr(row, "Box(10, 10, 10) bool [0, 1]") && strstr(row, "Discrete(6)"), "%s", out);
    snprintf(cmd, sizeof cmd, "%s check-env MinAtar/SpaceInvaders-v1 2>&1", RLC_BINARY);
    cr_assert_eq(rlt_run_cmd(cmd, out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "PASS  observation space         Box(10, 10, 6) bool [0, 1]") && strstr(out, "0 failed"), "%s",
              out);
}
