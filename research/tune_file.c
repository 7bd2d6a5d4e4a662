/* rlc research: search files of rlc tune (research/tune.h): parsing, checks against the base
 * config, and the deterministic sampling of the trials. */
#include "research/tune.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/config.h"
#include "core/limits.h"
#include "core/rng.h"
#include "core/yaml_load.h"

/* ---- YAML helpers ------------------------------------------------------------------------- */

typedef struct {
    yaml_document_t *doc;
    const char *file;
    char *err;
    size_t err_sz;
    int set_line[ABL_MAX_SETS];   /* the line of each key of set: */
} tctx;

static int line_of(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *node(tctx *c, int id) { return yaml_document_get_node(c->doc, id); }

/* "<file>:<line>: <key>: <message>" */
static rl_status terr(tctx *c, const yaml_node_t *n, const char *key, const char *msg)
{
    return rl_errf(c->err, c->err_sz, RL_ERR_CONFIG, "%s:%d: %s: %s", c->file, line_of(n), key, msg);
}

/* YAML flow text of a node (read back by --set); -1 when it does not fit sz */
static int flow_text(tctx *c, const yaml_node_t *n, char *out, size_t sz, int depth)
{
    size_t at = strlen(out);
    if (depth > 8 || at + 4 >= sz) return -1;
    if (n->type == YAML_SCALAR_NODE) {
        const char *s = (const char *)n->data.scalar.value;
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            if (at + strlen(s) + 1 >= sz) return -1;
            strcat(out, s);
            return 0;
        }
        out[at++] = '"';
        for (; *s; s++) {
            if (at + 4 >= sz) return -1;
            if (*s == '"' || *s == '\\') out[at++] = '\\';
            out[at++] = *s;
        }
        out[at++] = '"';
        out[at] = '\0';
        return 0;
    }
    bool seq = n->type == YAML_SEQUENCE_NODE;
    strcat(out, seq ? "[" : "{");
    int count = seq ? (int)(n->data.sequence.items.top - n->data.sequence.items.start)
                    : (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    for (int i = 0; i < count; i++) {
        if (i && strlen(out) + 3 < sz) strcat(out, ", ");
        if (seq) {
            if (flow_text(c, node(c, n->data.sequence.items.start[i]), out, sz, depth + 1)) return -1;
            continue;
        }
        if (flow_text(c, node(c, n->data.mapping.pairs.start[i].key), out, sz, depth + 1)) return -1;
        if (strlen(out) + 3 >= sz) return -1;
        strcat(out, ": ");
        if (flow_text(c, node(c, n->data.mapping.pairs.start[i].value), out, sz, depth + 1)) return -1;
    }
    if (strlen(out) + 2 >= sz) return -1;
    strcat(out, seq ? "]" : "}");
    return 0;
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double d = strtod(s, &end);   /* 1e6 and 100000 alike */
    if (*end || errno || !(d >= (double)lo && d <= (double)hi) || d != floor(d)) return -1;
    *out = (int64_t)d;
    return 0;
}

static int parse_f64(const char *s, double *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || errno || !isfinite(d)) return -1;
    *out = d;
    return 0;
}

static int parse_bool(const char *s, bool *out)
{
    if (!s) return -1;
    if (strcmp(s, "true") == 0) *out = true;
    else if (strcmp(s, "false") == 0) *out = false;
    else return -1;
    return 0;
}

static void resolve_path(char *out, size_t sz, const char *file, const char *rel)
{
    const char *slash = strrchr(file, '/');
    if (rel[0] == '/' || !slash) snprintf(out, sz, "%s", rel);
    else snprintf(out, sz, "%.*s/%s", (int)(slash - file), file, rel);
}

/* ---- the sections ------------------------------------------------------------------------- */

static rl_status parse_seeds(tune_search *t, tctx *c, yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE) return terr(c, v, "seeds", "expected a list of integers like [1, 2, 3]");
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *e = node(c, *it);
        int64_t s;
        if (parse_i64(scalar(e), 0, 2147483647, &s)) return terr(c, e, "seeds", "expected integers in 0..2147483647");
        if (t->n_seeds == ABL_MAX_SEEDS) return terr(c, e, "seeds", "more than 64 seeds");
        for (int i = 0; i < t->n_seeds; i++)
            if (t->seeds[i] == s) return terr(c, e, "seeds", "a seed is listed twice");
        t->seeds[t->n_seeds++] = s;
    }
    return t->n_seeds ? RL_OK : terr(c, v, "seeds", "expected at least one seed");
}

static rl_status parse_sets(tune_search *t, tctx *c, yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE) return terr(c, v, "set", "expected a mapping of config keys to values");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *val = node(c, p->value);
        char flow[ABL_TEXT] = "";
        const char *key = scalar(k);
        if (!key || strlen(key) > 100 || !rl_config_key_ok(key))
            return terr(c, k, "set", "keys are config keys like ppo.gamma (letters, digits, '_', '-' and '.')");
        if (ablation_keys_overlap(key, "total_steps") || ablation_keys_overlap(key, "seed"))
            return terr(c, k, "set", "total_steps and seed are set by the search (budget, seeds) and would replace this");
        if (t->n_sets == ABL_MAX_SETS) return terr(c, k, "set", "more than 32 keys");
        for (int i = 0; i < t->n_sets; i++) {
            char prev[ABL_TEXT], msg[200];
            ablation_set_key(t->sets[i], prev, sizeof prev);
            snprintf(msg, sizeof msg, "sets what the key on line %d sets too; give each key once", c->set_line[i]);
            if (ablation_keys_overlap(prev, key)) return terr(c, k, key, msg);
        }
        c->set_line[t->n_sets] = line_of(k);
        if (flow_text(c, val, flow, sizeof flow, 0) || strlen(flow) > 200) return terr(c, val, key, "value too long");
        snprintf(t->sets[t->n_sets++], ABL_TEXT, "%.100s=%.200s", key, flow);
    }
    return RL_OK;
}

/* one parameter: {low, high[, log][, int]} or {choices: [...]} */
static rl_status parse_param(tune_param *p, tctx *c, yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return terr(c, v, p->key, "expected {low: L, high: H[, log: true][, int: true]} or {choices: [...]}");
    bool has_low = false, has_high = false;
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *k = node(c, q->key), *e = node(c, q->value);
        const char *key = scalar(k) ? scalar(k) : "";
        if (strcmp(key, "low") == 0 || strcmp(key, "high") == 0) {
            bool low = key[0] == 'l';
            if (parse_f64(scalar(e), low ? &p->low : &p->high)) return terr(c, e, p->key, "low and high are numbers");
            *(low ? &has_low : &has_high) = true;
        } else if (strcmp(key, "log") == 0 || strcmp(key, "int") == 0) {
            if (parse_bool(scalar(e), key[0] == 'l' ? &p->log : &p->integer))
                return terr(c, e, p->key, "log and int are true or false");
        } else if (strcmp(key, "choices") == 0) {
            if (e->type != YAML_SEQUENCE_NODE || e->data.sequence.items.top == e->data.sequence.items.start)
                return terr(c, e, p->key, "choices: expected a non-empty list of values");
            for (yaml_node_item_t *it = e->data.sequence.items.start; it < e->data.sequence.items.top; it++) {
                if (p->n_choices == TUNE_MAX_CHOICES) return terr(c, e, p->key, "choices: more than 16 values");
                char *out = p->choices[p->n_choices++];
                if (flow_text(c, node(c, *it), out, ABL_TEXT, 0) || strlen(out) > 190)
                    return terr(c, node(c, *it), p->key, "choices: a value longer than 190 characters of YAML flow text");
            }
        } else {
            return terr(c, k, p->key, "unknown key (expected low, high, log, int or choices)");
        }
    }
    if (p->n_choices) {
        if (has_low || has_high || p->log || p->integer)
            return terr(c, v, p->key, "either choices or a range (low, high), not both");
        return RL_OK;
    }
    if (!has_low || !has_high) return terr(c, v, p->key, "a range needs both low and high (or give choices)");
    if (!(p->low <= p->high)) return terr(c, v, p->key, "low must not exceed high");
    if (p->log && !(p->low > 0)) return terr(c, v, p->key, "a log range needs low > 0");
    if (p->integer && (p->low != floor(p->low) || p->high != floor(p->high) || fabs(p->low) > 1e15 || fabs(p->high) > 1e15))
        return terr(c, v, p->key, "an int range needs integer low and high (|x| <= 1e15)");
    return RL_OK;
}

static rl_status parse_params(tune_search *t, tctx *c, yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE || v->data.mapping.pairs.top == v->data.mapping.pairs.start)
        return terr(c, v, "params", "expected a mapping of config keys to ranges or choices");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key);
        if (!scalar(k) || !rl_config_key_ok(scalar(k)) || strlen(scalar(k)) >= sizeof t->params[0].key)
            return terr(c, k, "params", "keys are config keys like ppo.learning_rate (letters, digits, '_', '-' and '.')");
        if (ablation_keys_overlap(scalar(k), "total_steps") || ablation_keys_overlap(scalar(k), "seed"))
            return terr(c, k, "params", "total_steps and seed are set by the search (budget, seeds)");
        if (t->n_params == TUNE_MAX_PARAMS) return terr(c, k, "params", "more than 15 parameters");
        for (int i = 0; i < t->n_params; i++)
            if (ablation_keys_overlap(t->params[i].key, scalar(k))) {
                char msg[200];
                snprintf(msg, sizeof msg, "varies what params.%.100s (line %d) varies too; give each key once",
                         t->params[i].key, t->params[i].line);
                return terr(c, k, scalar(k), msg);
            }
        tune_param *pp = &t->params[t->n_params++];
        snprintf(pp->key, sizeof pp->key, "%s", scalar(k));
        pp->line = line_of(k);
        rl_status st = parse_param(pp, c, node(c, p->value));
        if (st != RL_OK) return st;
    }
    return RL_OK;
}

static rl_status parse_prune(tune_search *t, tctx *c, yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE) return terr(c, v, "prune", "expected {rungs: R, eta: E}");
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *e = node(c, p->value);
        const char *key = scalar(k) ? scalar(k) : "";
        int64_t x;
        if (strcmp(key, "rungs") == 0) {
            if (parse_i64(scalar(e), 1, TUNE_MAX_RUNGS, &x)) return terr(c, e, "prune.rungs", "expected an integer in 1..8");
            t->rungs = (int)x;
        } else if (strcmp(key, "eta") == 0) {
            if (parse_i64(scalar(e), 2, 100, &x)) return terr(c, e, "prune.eta", "expected an integer in 2..100");
            t->eta = (int)x;
        } else {
            return terr(c, k, "prune", "unknown key (expected rungs, eta)");
        }
    }
    return RL_OK;
}

/* name, base, seed, sampler, score, trials, budget: the scalar keys */
static rl_status parse_scalar_key(tune_search *t, tctx *c, const char *key, yaml_node_t *v)
{
    const char *s = scalar(v);
    int64_t x;
    if (!s) return terr(c, v, key, "expected a single value");
    if (strcmp(key, "name") == 0) {
        char why[160], msg[200];
        if (!ablation_name_ok(s, sizeof t->name, why, sizeof why)) {
            snprintf(msg, sizeof msg, "%s (runs go to <runs-dir>/<name>/)", why);
            return terr(c, v, key, msg);
        }
        snprintf(t->name, sizeof t->name, "%s", s);
    } else if (strcmp(key, "base") == 0) {
        resolve_path(t->base, sizeof t->base, c->file, s);
    } else if (strcmp(key, "seed") == 0) {
        if (parse_i64(s, 0, INT64_C(1) << 53, &x)) return terr(c, v, key, "expected an integer in 0..2^53");
        t->seed = (uint64_t)x;
    } else if (strcmp(key, "sampler") == 0) {
        if (strcmp(s, "halton") == 0) t->sampler = TUNE_SAMPLER_HALTON;
        else if (strcmp(s, "random") == 0) t->sampler = TUNE_SAMPLER_RANDOM;
        else return terr(c, v, key, "expected halton or random");
    } else if (strcmp(key, "score") == 0) {
        if (strcmp(s, "final") == 0) t->score = TUNE_SCORE_FINAL;
        else if (strcmp(s, "curve") == 0) t->score = TUNE_SCORE_CURVE;
        else return terr(c, v, key, "expected final or curve");
    } else if (strcmp(key, "trials") == 0) {
        if (parse_i64(s, 1, RL_LIMIT_TUNE_TRIALS, &x)) return terr(c, v, key, "expected an integer in 1..4096 (core/limits.h)");
        t->n_trials = (int)x;
    } else if (strcmp(key, "budget") == 0) {
        if (parse_i64(s, 1, INT64_C(10000000000000), &x)) return terr(c, v, key, "expected a number of steps in 1..1e13");
        t->budget = x;
    } else {
        return terr(c, v, key, "unknown key (expected name, base, seed, sampler, trials, seeds, budget, set, params, prune, score)");
    }
    return RL_OK;
}

/* A key of set: that a parameter also gives would be replaced in every trial by the parameter's
 * value: an error naming both lines. */
static rl_status check_sets_against_params(const tune_search *t, tctx *c)
{
    for (int i = 0; i < t->n_sets; i++) {
        char key[ABL_TEXT];
        ablation_set_key(t->sets[i], key, sizeof key);
        for (int j = 0; j < t->n_params; j++)
            if (ablation_keys_overlap(key, t->params[j].key))
                return rl_errf(c->err, c->err_sz, RL_ERR_CONFIG, "%s:%d: set.%s: params.%s (line %d) varies it too, "
                               "and every trial would take the parameter's value instead; give it in one place",
                               c->file, c->set_line[i], key, t->params[j].key, t->params[j].line);
    }
    return RL_OK;
}

static rl_status parse_root(tune_search *t, tctx *c, yaml_node_t *root)
{
    if (!root || root->type != YAML_MAPPING_NODE)
        return terr(c, root, "search file", "expected a mapping with base, trials, seeds, budget and params");
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *key = scalar(k);
        rl_status st;
        if (!key) st = terr(c, k, "search file", "keys must be plain names");
        else if (strcmp(key, "seeds") == 0) st = parse_seeds(t, c, v);
        else if (strcmp(key, "set") == 0) st = parse_sets(t, c, v);
        else if (strcmp(key, "params") == 0) st = parse_params(t, c, v);
        else if (strcmp(key, "prune") == 0) st = parse_prune(t, c, v);
        else st = parse_scalar_key(t, c, key, v);
        if (st != RL_OK) return st;
    }
    const char *missing = !t->base[0] ? "base" : !t->n_trials ? "trials" : !t->n_seeds ? "seeds"
                        : !t->budget ? "budget" : !t->n_params ? "params" : NULL;
    if (missing) return terr(c, root, missing, "missing (a search needs base, trials, seeds, budget and params)");
    rl_status st = check_sets_against_params(t, c);
    if (st != RL_OK) return st;
    if ((int64_t)t->n_trials * t->n_seeds > ABL_MAX_RUNS)
        return terr(c, root, "trials", "trials x seeds exceeds the ablation runner's limit of 100000 runs");
    if (tune_rung_budget(t, 0) < 1) return terr(c, root, "budget", "too small for the rungs: budget / eta^(rungs-1) < 1 step");
    return RL_OK;
}

/* ---- sampling ----------------------------------------------------------------------------- */

/* the radical inverse of i in base b: the Halton sequence's coordinate */
static double radical_inverse(uint64_t i, unsigned b)
{
    double f = 1.0, r = 0.0;
    for (; i; i /= b) {
        f /= b;
        r += f * (double)(i % b);
    }
    return r;
}

/* the value text of parameter p at u in [0, 1) */
static void param_value(const tune_param *p, double u, char *out, size_t sz)
{
    if (p->n_choices) {
        int k = (int)(u * p->n_choices);
        snprintf(out, sz, "%s", p->choices[k < p->n_choices ? k : p->n_choices - 1]);
        return;
    }
    double lo = p->low, hi = p->integer ? p->high + 1.0 : p->high;
    double x = p->log ? exp(log(lo) + u * (log(hi) - log(lo))) : lo + u * (hi - lo);
    if (p->integer) {
        x = floor(x);
        if (x > p->high) x = p->high;
        if (x < p->low) x = p->low;
        snprintf(out, sz, "%.0f", x);
    } else {
        if (x > p->high) x = p->high;
        snprintf(out, sz, "%.6g", x);
    }
}

/* Halton: dimension j uses the j-th prime, points 1..n, each dimension shifted by a uniform
 * offset modulo 1 drawn from the seed (Cranley-Patterson rotation); random: uniform draws */
static void sample_trials(tune_search *t)
{
    static const unsigned primes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
    _Static_assert(sizeof primes / sizeof primes[0] >= TUNE_MAX_PARAMS, "a prime per parameter");
    rl_rng rng;
    rl_rng_seed(&rng, t->seed, 77);
    double shift[TUNE_MAX_PARAMS];
    for (int j = 0; j < t->n_params; j++) shift[j] = rl_rng_double(&rng);
    for (int i = 0; i < t->n_trials; i++)
        for (int j = 0; j < t->n_params; j++) {
            double u = t->sampler == TUNE_SAMPLER_RANDOM ? rl_rng_double(&rng)
                                                         : fmod(radical_inverse((uint64_t)i + 1, primes[j]) + shift[j], 1.0);
            param_value(&t->params[j], u, t->values[i][j], ABL_TEXT);
        }
}

/* every parameter at both ends of its range (or with each choice) on the base config */
static rl_status check_params(const tune_search *t, char *err, size_t err_sz)
{
    rl_config *cfg = rl_xmalloc(sizeof *cfg);
    rl_status st = RL_OK;
    const char *sets[ABL_MAX_SETS + 1];
    for (int i = 0; i < t->n_sets; i++) sets[i] = t->sets[i];
    for (int j = 0; j < t->n_params && st == RL_OK; j++) {
        const tune_param *p = &t->params[j];
        int n = p->n_choices ? p->n_choices : 2;
        for (int k = 0; k < n && st == RL_OK; k++) {
            char value[ABL_TEXT], set[ABL_TEXT + 130], msg[900];
            if (p->n_choices) snprintf(value, sizeof value, "%s", p->choices[k]);
            else param_value(p, k ? 0.999999999 : 0.0, value, sizeof value);
            snprintf(set, sizeof set, "%s=%s", p->key, value);
            sets[t->n_sets] = set;
            st = rl_config_load(cfg, t->base, sets, t->n_sets + 1, msg, sizeof msg);
            if (st != RL_OK)
                st = rl_errf(err, err_sz, RL_ERR_CONFIG, "%s:%d: params.%s: the base config rejects %s: %s", t->source,
                             p->line, p->key, value, msg);
        }
    }
    free(cfg);
    return st;
}

/* ---- loading ------------------------------------------------------------------------------ */

static rl_status parse_file(tune_search *t, const char *path, char *err, size_t err_sz)
{
    yaml_document_t doc;
    rl_status st = rl_yaml_load_file(&doc, path, "search file", err, err_sz);
    if (st != RL_OK) return st;
    tctx c = {.doc = &doc, .file = path, .err = err, .err_sz = err_sz};
    st = parse_root(t, &c, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    return st;
}

rl_status tune_load(tune_search *t, const char *path, char *err, size_t err_sz)
{
    memset(t, 0, sizeof *t);
    snprintf(t->source, sizeof t->source, "%s", path);
    t->rungs = 1;
    t->eta = 3;
    rl_status st = parse_file(t, path, err, err_sz);
    if (st == RL_OK) st = check_params(t, err, err_sz);
    if (st == RL_OK) st = ablation_default_name(t->name, sizeof t->name, path, "the search's", err, err_sz);
    if (st != RL_OK) return st;
    t->values = rl_xcalloc((size_t)t->n_trials, sizeof *t->values);
    sample_trials(t);
    return RL_OK;
}

void tune_free(tune_search *t)
{
    if (!t) return;
    free(t->values);
    t->values = NULL;
}

int64_t tune_rung_budget(const tune_search *t, int rung)
{
    double b = (double)t->budget;
    for (int r = rung; r < t->rungs - 1; r++) b /= t->eta;
    return (int64_t)floor(b);
}

int tune_rung_trials(const tune_search *t, int rung)
{
    int n = t->n_trials;
    for (int r = 0; r < rung; r++) n = n / t->eta > 1 ? n / t->eta : 1;
    return n;
}
