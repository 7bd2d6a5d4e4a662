/* rlc tests: finite-difference gradient checks and fixture loading. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "tests/helpers/testutil.h"

#include "agents/agent.h"
#include "algos/onpolicy.h"
#include "train/trainer.h"
#include "train/trainer_env.h"
#include "core/config.h"
#include "envs/env.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RLC_FIXTURES_DIR
#define RLC_FIXTURES_DIR "tests/fixtures"
#endif

double rlt_gradcheck(rlt_objective f, void *ctx, float *x, const float *analytic, int n,
                     const rlt_gradcheck_opts *opts, const char *what)
{
    rlt_gradcheck_opts o = {1e-3, 2e-2, 1e-4, n < 16 ? n : 16};
    if (opts) {
        if (opts->h > 0) o.h = opts->h;
        if (opts->rtol > 0) o.rtol = opts->rtol;
        if (opts->atol > 0) o.atol = opts->atol;
        if (opts->n_check > 0) o.n_check = opts->n_check < n ? opts->n_check : n;
    }
    cr_assert(n > 0, "%s: nothing to check", what);
    double worst = 0.0, max_abs = 0.0;
    for (int c = 0; c < o.n_check; c++) {
        /* spread the checked coordinates over the whole array */
        int i = (int)((long)c * n / o.n_check);
        float saved = x[i];
        x[i] = (float)(saved + o.h);
        double fp = f(ctx);
        x[i] = (float)(saved - o.h);
        double fm = f(ctx);
        x[i] = saved;
        double denom = (double)((float)(saved + o.h) - (float)(saved - o.h));
        double fd = (fp - fm) / denom;
        double an = analytic[i];
        double err = fabs(fd - an);
        double rel = err / (fabs(fd) + fabs(an) + 1e-12);
        if (rel > worst && err > o.atol) worst = rel;
        if (fabs(an) > max_abs) max_abs = fabs(an);
        cr_assert(err <= o.atol + o.rtol * fabs(fd),
                  "%s: d/dx[%d]: analytic %.8g vs finite difference %.8g (h=%g)", what, i, an, fd,
                  o.h);
    }
    cr_assert(max_abs > 0.0, "%s: analytic gradient is zero on every checked coordinate", what);
    return worst;
}

cJSON *rlt_fixture_load(const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", RLC_FIXTURES_DIR, file);
    FILE *probe = fopen(path, "rb");
    cr_assert(probe != NULL, "fixture %s missing (regenerate with scripts/gen_fixtures_*.py)", path);
    fclose(probe);
    char *buf = rlt_read_file(path);
    cJSON *root = cJSON_Parse(buf);
    free(buf);
    cr_assert(root != NULL, "fixture %s is not valid JSON", path);
    return root;
}

static int flatten(const cJSON *node, float *out, int n, int at)
{
    if (cJSON_IsNumber(node)) {
        if (out && at < n) out[at] = (float)node->valuedouble;
        return at + 1;
    }
    if (cJSON_IsArray(node)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, node) at = flatten(it, out, n, at);
        return at;
    }
    cr_assert_fail("fixture value is neither a number nor an array");
    return at;
}

void rlt_fixture_floats(const cJSON *obj, const char *key, float *out, int n)
{
    const cJSON *node = cJSON_GetObjectItemCaseSensitive(obj, key);
    cr_assert(node != NULL, "fixture key '%s' missing", key);
    int got = flatten(node, out, n, 0);
    cr_assert_eq(got, n, "fixture key '%s': %d numbers, expected %d", key, got, n);
}

int rlt_fixture_count(const cJSON *obj, const char *key)
{
    const cJSON *node = cJSON_GetObjectItemCaseSensitive(obj, key);
    cr_assert(node != NULL, "fixture key '%s' missing", key);
    return flatten(node, NULL, 0, 0);
}

double rlt_fixture_number(const cJSON *obj, const char *key)
{
    const cJSON *node = cJSON_GetObjectItemCaseSensitive(obj, key);
    cr_assert(node != NULL && cJSON_IsNumber(node), "fixture key '%s' missing or not a number",
              key);
    return node->valuedouble;
}

void rlt_assert_close(const float *a, const float *b, int n, double rtol, double atol,
                      const char *what)
{
    for (int i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        cr_assert(d <= atol + rtol * fabs((double)b[i]), "%s[%d]: got %.8g, expected %.8g", what,
                  i, a[i], b[i]);
    }
}

int rlt_run_cmd(const char *cmd, char *out, size_t out_sz)
{
    FILE *p = popen(cmd, "r");
    cr_assert(p != NULL, "cannot run %s", cmd);
    size_t n = fread(out, 1, out_sz - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *rlt_read_file_len(const char *path, long *len)
{
    FILE *fp = fopen(path, "rb");
    cr_assert(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    *len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)*len + 1);
    cr_assert(buf != NULL);
    cr_assert_eq(fread(buf, 1, (size_t)*len, fp), (size_t)*len, "cannot read %s", path);
    fclose(fp);
    buf[*len] = '\0';
    return buf;
}

char *rlt_read_file(const char *path)
{
    long len;
    return rlt_read_file_len(path, &len);
}

void rlt_patch_tensor_float(const char *path, const char *name, long i, float v)
{
    char *bytes = rlt_read_file(path), quoted[200];
    snprintf(quoted, sizeof quoted, "\"%s\"", name);
    char *at = strstr(bytes + 8, quoted);   /* the header, after its 8-byte length */
    cr_assert(at, "%s: no tensor %s", path, name);
    unsigned long long begin = 0, hlen = 0;
    cr_assert_eq(sscanf(strstr(at, "data_offsets"), "data_offsets\":[%llu", &begin), 1);
    memcpy(&hlen, bytes, 8);
    free(bytes);
    FILE *fp = fopen(path, "r+b");
    cr_assert(fp);
    cr_assert_eq(fseek(fp, (long)(8 + hlen + begin + 4 * (unsigned long long)i), SEEK_SET), 0);
    cr_assert_eq(fwrite(&v, sizeof v, 1, fp), 1);
    cr_assert_eq(fclose(fp), 0);
}

/* the first n_cols comma-separated columns of every line of csv (malloc'ed) */
static char *first_columns(const char *csv, int n_cols)
{
    char *out = malloc(strlen(csv) + 1);
    size_t at = 0;
    int col = 0;
    for (const char *s = csv; *s; s++) {
        if (*s == '\n') {
            out[at++] = '\n';
            col = 0;
            continue;
        }
        if (*s == ',') col++;
        if (col < n_cols) out[at++] = *s;
    }
    out[at] = '\0';
    return out;
}

void rlt_assert_same_run_but_aux(const char *a, const char *b, const char *aux_header)
{
    char p[600];
    snprintf(p, sizeof p, "%s/metrics.csv", a);
    char *ma = rlt_read_file(p);
    snprintf(p, sizeof p, "%s/metrics.csv", b);
    char *mb = rlt_read_file(p);
    char want[512];
    snprintf(want, sizeof want, "%s\n", aux_header);
    cr_assert(strstr(mb, want) != NULL, "aux columns '%s' missing: %.300s", aux_header, mb);
    cr_assert(strstr(ma, "aux_") == NULL, "a run without heads has aux columns: %.300s", ma);
    int n_cols = 1;
    for (const char *s = ma; *s && *s != '\n'; s++) n_cols += *s == ',';
    char *cut = first_columns(mb, n_cols);
    cr_assert(strlen(ma) > 200, "too short a metrics file: %s", ma);
    cr_assert_str_eq(cut, ma, "metrics differ with weight-0 heads");
    free(ma);
    free(mb);
    free(cut);
    snprintf(p, sizeof p, "%s/eval.csv", a);
    ma = rlt_read_file(p);
    snprintf(p, sizeof p, "%s/eval.csv", b);
    mb = rlt_read_file(p);
    cr_assert_str_eq(ma, mb, "eval.csv differs with weight-0 heads");
    free(ma);
    free(mb);
}

void rlt_load_config(rl_config *cfg, const char *file, const char *const *sets, int n)
{
    char err[1024];
    cr_assert_eq(rl_config_load(cfg, file, sets, n, err, sizeof err), RL_OK, "%s", err);
}

void *rlt_filled_agent(const rl_config *cfg, const agent_algo **algo, int steps)
{
    char err[1024];
    *algo = agent_find(cfg->root.algo);
    const env_def *def = env_find(cfg->env.id);
    cr_assert(*algo && def);
    void *ag = NULL;
    cr_assert_eq((*algo)->create(&ag, cfg, &def->obs_space, &def->act_space, 1, err, sizeof err), RL_OK, "%s", err);
    env_vec v;
    cr_assert_eq(env_vec_make(&v, cfg->env.id, 1, 0, err, sizeof err), RL_OK, "%s", err);
    env_vec_reset(&v, 7);
    float act[8];
    for (int t = 0; t < steps; t++) {
        (*algo)->act(ag, v.obs, 1, act, true);
        env_vec_step(&v, act);
        (*algo)->observe(ag, &v);
    }
    env_vec_free(&v);
    return ag;
}

void rlt_train(const char *config, const char *dir, const char *const *sets, int n_sets, bool resume)
{
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load(&cfg, config, sets, n_sets, err, sizeof err), RL_OK, "%s", err);
    trainer_opts o = {.run_dir = dir, .quiet = true, .resume = resume};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s", err);
}

unsigned long long rlt_checkpoint_step(const char *path)
{
    char err[512];
    nn_safetensors *f = NULL;
    cr_assert_eq(nn_safetensors_open(&f, path, err, sizeof err), RL_OK, "%s", err);
    unsigned long long step = 0;
    cr_assert_eq(nn_safetensors_meta_u64(f, "rlc.step", &step, err, sizeof err), RL_OK, "%s", err);
    nn_safetensors_close(f);
    return step;
}

float *rlt_randn(size_t n, float scale, rl_rng *rng)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    cr_assert(x != NULL);
    for (size_t i = 0; i < n; i++) x[i] = scale * (float)rl_rng_normal(rng);
    return x;
}

double rlt_dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
    return s;
}

int rlt_config_and_agent(const char *yaml, char *err, size_t err_sz)
{
    rl_config cfg;
    rl_status st = rl_config_load_string(&cfg, yaml, "x.yaml", NULL, 0, err, err_sz);
    if (st != RL_OK) return st;
    trainer_env te;
    if ((st = trainer_env_open(&te, &cfg, "x.yaml", false, err, err_sz))) return st;
    const agent_algo *a = agent_find(cfg.root.algo);
    cr_assert_not_null(a, "algo %s", cfg.root.algo);
    void *agent = NULL;
    st = trainer_env_agent(&te, a, &agent, &cfg, (int)cfg.env.num_envs, err, err_sz);
    if (st == RL_OK) a->destroy(agent);
    trainer_env_close(&te);
    return st;
}

void rlt_expect_config_error(const char *yaml, const char *n1, const char *n2, const char *n3)
{
    char err[1500];
    cr_assert_neq(rlt_config_and_agent(yaml, err, sizeof err), RL_OK, "accepted:\n%s", yaml);
    cr_assert(strstr(err, n1) && strstr(err, n2) && (!n3 || strstr(err, n3)), "'%s' lacks '%s' / '%s' / '%s'", err, n1,
              n2, n3 ? n3 : "");
}

/* ---- learning tests ------------------------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

void rlt_remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* trains one seed of config + sets in a fresh run directory (its path in dir); the final evaluation */
static trainer_result train_seed(const char *config, const char *const *sets, int n_sets, int seed,
                                 const char *tag, char *dir, size_t dir_sz)
{
    const char *all[32];
    char seed_set[32];
    snprintf(seed_set, sizeof seed_set, "seed=%d", seed);
    for (int i = 0; i < n_sets; i++) all[i] = sets[i];
    all[n_sets] = seed_set;
    rl_config cfg;
    char err[1024];
    cr_assert_eq(rl_config_load(&cfg, config, all, n_sets + 1, err, sizeof err), RL_OK, "%s", err);
    rlt_tmp_dir(dir, dir_sz, tag);
    trainer_opts o = {.run_dir = dir, .quiet = true};
    trainer_result res;
    cr_assert_eq(trainer_run(&cfg, &o, &res, err, sizeof err), RL_OK, "%s seed %d: %s", tag, seed, err);
    return res;
}

void rlt_train_seeds(const char *config, const char *const *sets, int n_sets, int n_seeds, trainer_result *runs,
                     const char *tag, char *best_dir, size_t best_dir_sz)
{
    cr_assert(n_seeds > 0 && n_seeds <= RLT_MAX_SEEDS && n_sets >= 0 && n_sets < 31);
    char kept[256] = "";
    double kept_eval = -INFINITY;
    for (int s = 0; s < n_seeds; s++) {
        char dir[256];
        runs[s] = train_seed(config, sets, n_sets, s + 1, tag, dir, sizeof dir);
        if (best_dir && runs[s].eval_mean > kept_eval) {
            if (kept[0]) rlt_remove_tree(kept);
            snprintf(kept, sizeof kept, "%s", dir);
            kept_eval = runs[s].eval_mean;
        } else {
            rlt_remove_tree(dir);
        }
    }
    if (best_dir) snprintf(best_dir, best_dir_sz, "%s", kept);
}

void rlt_assert_learns(const char *what, const trainer_result *runs, int n, int need, double threshold)
{
    char list[512];
    size_t at = 0;
    int reached = 0;
    for (int i = 0; i < n; i++) {
        reached += runs[i].eval_mean >= threshold;
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%.1f", i ? ", " : "", runs[i].eval_mean);
        if (at >= sizeof list) at = sizeof list - 1;
    }
    cr_assert(reached >= need, "%s: %d of seeds 1-%d reached %.1f, want at least %d (returns: %s)", what, reached, n,
              threshold, need, list);
}

int rlt_count_named(const char *root, const char *name)
{
    char cmd[1200], o[64];
    snprintf(cmd, sizeof cmd, "find %s -name %s 2>/dev/null | wc -l", root, name);
    if (rlt_run_cmd(cmd, o, sizeof o) != 0) return 0;
    return atoi(o);
}

int rlt_worker_alive(const char *needle)
{
    DIR *dp = opendir("/proc");
    cr_assert(dp);
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(dp))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char path[300], args[8192];
        snprintf(path, sizeof path, "/proc/%.200s/cmdline", e->d_name);
        FILE *fp = fopen(path, "rb");
        if (!fp) continue;
        size_t n = fread(args, 1, sizeof args - 1, fp);
        fclose(fp);
        args[n] = '\0';
        /* argv[0] \0 argv[1] \0 ...: argv[1] is the command */
        const char *a1 = args + strlen(args) + 1;
        if ((size_t)(a1 - args) >= n || strcmp(a1, "train") != 0) continue;
        for (const char *a = a1; (size_t)(a - args) < n; a += strlen(a) + 1)
            if (strstr(a, needle)) found = 1;
    }
    closedir(dp);
    return found;
}

double rlt_yaml_value(const char *path, const char *section, const char *key)
{
    FILE *fp = fopen(path, "r");
    cr_assert_not_null(fp, "no %s", path);
    char line[512];
    size_t sl = strlen(section);
    int inside = 0;
    double v = NAN;
    while (fgets(line, sizeof line, fp)) {
        if (line[0] != ' ') inside = strncmp(line, section, sl) == 0 && line[sl] == ':';
        char *k = strstr(line, key);
        if (inside && k && k[strlen(key)] == ':') v = atof(k + strlen(key) + 1);
    }
    fclose(fp);
    return v;
}

pid_t rlt_spawn_rlc(const char *const *args)
{
    const char *argv[32] = {"rlc"};
    int n = 1;
    while (args[n - 1] && n < 31) argv[n] = args[n - 1], n++;
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(RLC_BINARY, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

void rlt_wait_path(const char *path, pid_t pid)
{
    struct stat sb;
    while (stat(path, &sb) != 0) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        cr_assert(r == 0, "%s did not appear: the process %d ended first (status %#x)", path, (int)pid,
                  r == pid ? status : -1);
        usleep(20000);
    }
}

void *rlt_cfg(const rl_config *cfg, const char *key)
{
    void *v = rl_config_get_mut((rl_config *)cfg, key);
    RL_ASSERT_MSG(v, "rlt_cfg: no such config key");
    return v;
}

int rlt_run_rlc_guarded(const char *const *args, char *out, size_t out_sz, long *maxrss_kb)
{
    char log[64] = "/tmp/rlc_test_child_XXXXXX";
    int fd = mkstemp(log);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    const char *argv[32] = {"rlc"};
    int n = 1;
    while (args[n - 1] && n < 31) argv[n] = args[n - 1], n++;
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        if (dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(126);
        alarm(120);
        execv(RLC_BINARY, (char *const *)argv);
        _exit(127);
    }
    close(fd);
    int status = 0;
    struct rusage ru;
    cr_assert_eq(wait4(pid, &status, 0, &ru), pid);
    if (maxrss_kb) *maxrss_kb = ru.ru_maxrss;
    FILE *fp = fopen(log, "r");
    size_t got = fp ? fread(out, 1, out_sz - 1, fp) : 0;
    out[got] = '\0';
    if (fp) fclose(fp);
    remove(log);
    cr_assert(!(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM),
              "rlc %s %s blocked (killed by its alarm after 120 s); output:\n%s", args[0], args[1] ? args[1] : "",
              out);
    return status;
}

bool rlt_safetensors_header_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    unsigned char len8[8];
    cr_assert_eq(fread(len8, 1, 8, f), 8u);
    size_t n = 0;
    for (int i = 7; i >= 0; i--) n = n * 256 + len8[i];
    cr_assert(n < (1u << 24));
    char *h = calloc(n + 1, 1);
    cr_assert_eq(fread(h, 1, n, f), n);
    fclose(f);
    bool ok = strstr(h, needle) != NULL;
    if (!ok) cr_log_error("%s lacks %s", h, needle);
    free(h);
    return ok;
}

double rlt_onp_obj(void *ctx)
{
    rlt_onp_fd *f = ctx;
    onp_net_forward(f->n, f->obs, f->B, true, true);
    onp_net_logp_ent(f->n, f->u, f->B, f->logp, NULL);
    double s = 0.0;
    for (int b = 0; b < f->B; b++) s += (double)f->a[b] * f->logp[b] + (double)f->c[b] * f->n->out_v[b];
    return s;
}
