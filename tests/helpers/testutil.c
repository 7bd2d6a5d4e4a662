/* rlc tests: finite-difference gradient checks and fixture loading. */
#include "tests/helpers/testutil.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    FILE *fp = fopen(path, "rb");
    cr_assert(fp != NULL, "fixture %s missing (regenerate with scripts/gen_fixtures_*.py)", path);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    cr_assert(buf != NULL);
    size_t got = fread(buf, 1, (size_t)len, fp);
    fclose(fp);
    buf[got] = '\0';
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

void rlt_tmpfile(char *out, size_t out_sz, const char *tag, const char *contents)
{
    snprintf(out, out_sz, "/tmp/rlc_test_%s_%d_XXXXXX", tag, (int)getpid());
    int fd = mkstemp(out);
    cr_assert(fd >= 0, "cannot create a temporary file");
    size_t len = strlen(contents);
    cr_assert_eq(write(fd, contents, len), (ssize_t)len);
    close(fd);
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
