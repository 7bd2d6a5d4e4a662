/* rlc tests: the config parser on hostile or odd input (what fuzzing found): alias bombs and
 * the other size limits, files that are not a YAML mapping, memory freed on every --set error,
 * and a dump that reloads as the same config whatever string the loader accepted. */
#include <criterion/criterion.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "tests/helpers/testutil.h"

/* loads yaml (named "t.yaml") and asserts the status and that the message holds n1, n2 and n3
 * (n3 may be NULL) */
static void expect_text_error(const char *yaml, const char *set, rl_status want, const char *n1, const char *n2,
                              const char *n3)
{
    rl_config cfg;
    char err[1024] = "";
    const char *sets[] = {set};
    rl_status st = rl_config_load_string(&cfg, yaml, "t.yaml", sets, set ? 1 : 0, err, sizeof err);
    cr_assert_eq(st, want, "status %s, message: %s", rl_status_str(st), err);
    cr_assert(strstr(err, n1) && strstr(err, n2) && (!n3 || strstr(err, n3)), "message '%s' lacks '%s', '%s' or '%s'",
              err, n1, n2, n3 ? n3 : "");
}

/* writes contents (len bytes, NULs allowed) to a fresh file and loads it */
static rl_status load_bytes(const char *contents, size_t len, char *path, size_t path_sz, char *err, size_t err_sz)
{
    rlt_tmpfile(path, path_sz, "robust", "");
    FILE *fp = fopen(path, "wb");
    cr_assert(fp != NULL);
    cr_assert_eq(fwrite(contents, 1, len, fp), len);
    fclose(fp);
    rl_config cfg;
    rl_status st = rl_config_load(&cfg, path, NULL, 0, err, err_sz);
    remove(path);
    return st;
}

/* loads yaml, dumps it, reloads the dump and asserts the second dump equals the first; returns
 * the first dump (caller frees) */
static char *round_trip(const char *yaml, const char *set)
{
    rl_config a, b;
    char err[1024];
    const char *sets[] = {set};
    cr_assert_eq(rl_config_load_string(&a, yaml, "t.yaml", sets, set ? 1 : 0, err, sizeof err), RL_OK, "%s", err);
    char *d1 = rl_config_dump_string(&a);
    cr_assert_eq(rl_config_load_string(&b, d1, "dump", NULL, 0, err, sizeof err), RL_OK,
                 "the dump does not reload: %s\n%s", err, d1);
    char *d2 = rl_config_dump_string(&b);
    cr_assert_str_eq(d1, d2);
    free(d2);
    return d1;
}

/* ---- (a) alias bombs and the other limits ---------------------------------------------- */

/* nine levels of nine aliases each: 9^9 (387 million) scalars from a few hundred bytes */
static const char *alias_bomb =
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
    "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

Test(config_robust, alias_bomb_is_a_named_error_not_an_abort)
{
    expect_text_error(alias_bomb, NULL, RL_ERR_PARSE, "t.yaml:", "10000 YAML nodes", "alias");
    /* the same text as a --set value */
    char set[600];
    snprintf(set, sizeof set, "env.id={%s}", "a: &a [x, x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a], "
             "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b], d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c], "
             "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d], f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]");
    expect_text_error("", set, RL_ERR_PARSE, "--set env.id=", "10000 YAML nodes", NULL);
}

Test(config_robust, expanded_text_and_nesting_are_bounded)
{
    /* 600 aliases of a 4 KiB string: few nodes, 2.4 MB of text */
    size_t big = 4096, n = 600;
    char *yaml = malloc(big + n * 4 + 64);
    char *at = yaml + sprintf(yaml, "s: &s ");
    memset(at, 'x', big);
    at += big;
    at += sprintf(at, "\nseq: [");
    for (size_t i = 0; i < n; i++) at += sprintf(at, "%s*s", i ? "," : "");
    sprintf(at, "]\n");
    expect_text_error(yaml, NULL, RL_ERR_PARSE, "t.yaml:1", "bytes of text", "limit");
    free(yaml);

    char deep[64] = "ppo: ";
    for (int i = 0; i < 20; i++) strcat(deep, "[");
    for (int i = 0; i < 20; i++) strcat(deep, "]");
    expect_text_error(deep, NULL, RL_ERR_PARSE, "t.yaml:1", "nested deeper than 16", NULL);
}

Test(config_robust, alias_bomb_inside_a_checkpoint_config_is_an_error)
{
    /* rlc eval reads the config a checkpoint carries with the same parser (load_string) */
    rl_config cfg;
    char err[512];
    cr_assert_eq(rl_config_load_string(&cfg, alias_bomb, "run/checkpoint.safetensors", NULL, 0, err, sizeof err),
                 RL_ERR_PARSE, "%s", err);
    cr_assert(strstr(err, "run/checkpoint.safetensors:") != NULL, "%s", err);
}

/* ---- (b) nothing leaks on a --set error ------------------------------------------------- */

/* bytes in use by malloc; 0 under AddressSanitizer, whose LeakSanitizer checks this instead */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks;
}

Test(config_robust, set_with_a_bad_key_inside_a_value_frees_what_it_built)
{
    /* [?{}] is a list holding a mapping whose key is a mapping: parsing builds part of the tree
     * before it fails, and that part used to leak */
    expect_text_error("", "x=[?{}]", RL_ERR_PARSE, "--set x=[?{}]", "a key must be a plain name", NULL);
    expect_text_error("seed: 1\n", "ppo.gamma={a: 1, b: [1, {[x]: 2}]}", RL_ERR_PARSE, "--set ppo.gamma=",
                      "a key must be a plain name", NULL);
    rl_config cfg;
    char err[512];
    const char *sets[] = {"x=[?{}]"};
    rl_config_load_string(&cfg, "", "t.yaml", sets, 1, err, sizeof err);
    size_t before = heap_in_use();
    for (int i = 0; i < 2000; i++) rl_config_load_string(&cfg, "", "t.yaml", sets, 1, err, sizeof err);
    size_t after = heap_in_use();
    cr_assert(after <= before + 4096, "%zu bytes more in use after 2000 failed --set x=[?{}]", after - before);
}

/* ---- (c) the dump reloads as the same config -------------------------------------------- */

Test(config_robust, dump_escapes_cr_and_control_characters)
{
    char *d = round_trip("env:\n  id: \"a\\rb\\nc\\td\\x01e\\x7Ff\\\\g\\\"h\"\n", NULL);
    cr_assert(strstr(d, "\"a\\rb\\nc\\td\\x01e\\x7Ff\\\\g\\\"h\"") != NULL, "%s", d);
    free(d);
    /* a CR from a --set value too */
    rl_config cfg;
    char err[512];
    const char *sets[] = {"env.plugin=\"x\\ry\""};
    cr_assert_eq(rl_config_load_string(&cfg, "", "t.yaml", sets, 1, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(cfg.env.plugin, "x\ry");
    free(round_trip("", sets[0]));
}

Test(config_robust, dump_escapes_what_yaml_reads_as_breaks_or_refuses)
{
    /* NEL, C1 controls, LS, PS, BOM and non-characters, escaped in the source: loaded fine, and
     * written raw they would be folded as line breaks or refused as unprintable */
    rl_config a;
    char err[512];
    const char *yaml = "env:\n  id: \"n\\x85c\\x80l\\u2028p\\u2029b\\uFEFFz\\uFFFEé€𝄞\"\n";
    cr_assert_eq(rl_config_load_string(&a, yaml, "t.yaml", NULL, 0, err, sizeof err), RL_OK, "%s", err);
    cr_assert_str_eq(a.env.id, "n\xC2\x85" "c\xC2\x80l\xE2\x80\xA8p\xE2\x80\xA9" "b\xEF\xBB\xBFz\xEF\xBF\xBE"
                               "\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E");
    char *d = round_trip(yaml, NULL);
    cr_assert(strstr(d, "\\u0085c\\u0080l\\u2028p\\u2029b\\uFEFFz\\uFFFE\xC3\xA9") != NULL, "%s", d);
    free(d);
}

Test(config_robust, set_keys_are_names)
{
    /* the parts of a --set key become mapping keys as they are: a byte that is not UTF-8 made a
     * loss parameter name the dump could not write back (found by fuzz_set) */
    expect_text_error("", "losses.value.de\xEDlta=3", RL_ERR_ARG, "--set losses.value.de", "only letters, digits", NULL);
    expect_text_error("", "losses.value.a b=3", RL_ERR_ARG, "--set losses.value.a b=3", "only letters, digits", NULL);
    expect_text_error("", "losses.value.a\rb=3", RL_ERR_ARG, "--set losses.value.a", "only letters, digits", NULL);
    free(round_trip("losses:\n  value: huber\n", "losses.value.delta=3"));
}

Test(config_robust, loss_parameter_names_round_trip_or_are_refused)
{
    /* a parameter name YAML must quote */
    free(round_trip("losses:\n  value: {name: huber, \"de lta: }\": 2}\n", NULL));
    /* names too long to keep whole are refused, not cut (a cut can split a UTF-8 character) */
    expect_text_error("losses:\n  value: {name: huber, ééééééééééééééééé: 2}\n", NULL, RL_ERR_CONFIG, "t.yaml:2",
                      "longer than 31 characters", NULL);
    char name[128] = "losses:\n  value: {name: ";
    for (int i = 0; i < 40; i++) strcat(name, "é");
    strcat(name, "}\n");
    expect_text_error(name, NULL, RL_ERR_CONFIG, "t.yaml:2", "bad loss name", NULL);
    /* a parameter in the loss mapping and again beside it in an aux entry */
    expect_text_error("algo: dqn\naux:\n  - {head: reward_prediction, loss: {name: huber, delta: 1}, delta: 2}\n", NULL,
                      RL_ERR_CONFIG, "t.yaml:3", "'delta' of loss 'huber' is given twice", NULL);
}

Test(config_robust, broken_utf8_is_refused_at_load_naming_line_and_column)
{
    /* the choice for (c): bytes that are not UTF-8 never load, so a dump never holds them */
    expect_text_error("seed: 1\nenv:\n  id: \"Cart\xFFPole\"\n", NULL, RL_ERR_PARSE, "t.yaml:3:12:", "not UTF-8 text",
                      NULL);
    expect_text_error("seed: 1\n# \x01\n", NULL, RL_ERR_PARSE, "t.yaml:2:3:", "control characters", NULL);
    expect_text_error("", "env.id=Cart\xC3", RL_ERR_PARSE, "--set env.id=Cart", "not UTF-8 text", NULL);
}

Test(config_robust, nul_inside_a_string_is_an_error)
{
    expect_text_error("env:\n  id: \"Cart\\0Pole\"\n", NULL, RL_ERR_PARSE, "t.yaml:2", "NUL character", NULL);
}

/* ---- (d) a config file must be a YAML mapping ------------------------------------------- */

Test(config_robust, empty_comment_only_nul_and_endless_files_are_errors)
{
    char path[256], err[512];
    cr_assert_eq(load_bytes("", 0, path, sizeof path, err, sizeof err), RL_ERR_PARSE, "%s", err);
    cr_assert(strstr(err, path) && strstr(err, "holds no YAML"), "%s", err);
    cr_assert_eq(load_bytes("# only a comment\n", 17, path, sizeof path, err, sizeof err), RL_ERR_PARSE, "%s", err);
    cr_assert(strstr(err, path) && strstr(err, "holds no YAML"), "%s", err);
    cr_assert_eq(load_bytes("seed: 3\n\0\0\0", 11, path, sizeof path, err, sizeof err), RL_ERR_PARSE, "%s", err);
    cr_assert(strstr(err, path) && strstr(err, ":2: a NUL byte"), "%s", err);
    cr_assert_eq(load_bytes("seed: 3\n---\nseed: 4\n", 20, path, sizeof path, err, sizeof err), RL_ERR_PARSE, "%s",
                 err);
    cr_assert(strstr(err, ":3:1: a second YAML document"), "%s", err);

    rl_config cfg;
    cr_assert_eq(rl_config_load(&cfg, "/dev/zero", NULL, 0, err, sizeof err), RL_ERR_IO, "%s", err);
    cr_assert(strstr(err, "/dev/zero") && strstr(err, "1048576 bytes"), "%s", err);
    cr_assert_eq(rl_config_load(&cfg, "/dev/null", NULL, 0, err, sizeof err), RL_ERR_PARSE, "%s", err);
    cr_assert(strstr(err, "/dev/null") && strstr(err, "holds no YAML"), "%s", err);
}

Test(config_robust, program_refuses_dev_zero_and_empty_files)
{
    char cmd[1024], out[4096], path[256];
    snprintf(cmd, sizeof cmd, "%s train /dev/zero --run-dir /tmp/rlc_test_never_zero 2>&1", RLC_BINARY);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0, "rlc train /dev/zero exited 0: %s", out);
    cr_assert(strstr(out, "/dev/zero") != NULL, "%s", out);
    rlt_tmpfile(path, sizeof path, "emptycfg", "");
    snprintf(cmd, sizeof cmd, "%s train %s --run-dir /tmp/rlc_test_never_empty 2>&1", RLC_BINARY, path);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0, "an empty config trained: %s", out);
    cr_assert(strstr(out, path) && strstr(out, "holds no YAML"), "%s", out);
    remove(path);
}

/* ---- (e) deep nesting is refused where the parser crosses the limit --------------------- */

/* head, then open repeated up to size bytes in all, never closed: nested far past the limit, and
 * a syntax error at its very end. A loader that stops where the nesting crosses the limit reports
 * the nesting there, on line 1 at an early column; one that reads the whole document first can
 * only report the syntax error at the end (libyaml's document loader did, after a time quadratic
 * in the depth: most of an hour for 1 MiB). */
static char *unclosed_nest(const char *head, const char *open, size_t size)
{
    char *s = malloc(size + 1);
    cr_assert(s != NULL);
    size_t at = (size_t)sprintf(s, "%s", head), n = strlen(open);
    for (; at + n <= size; at += n) memcpy(s + at, open, n);
    s[at] = '\0';
    return s;
}

Test(config_robust, deep_nesting_is_refused_where_the_limit_is_crossed)
{
    /* the 17th '[' (16 levels below the root) opens at column 6 + 16 + 1 */
    char *small = unclosed_nest("algo: ", "[", 300);
    expect_text_error(small, NULL, RL_ERR_PARSE, "t.yaml:1:23: ", "nested deeper than 16 levels", NULL);
    free(small);

    /* 1 MiB of it: a config file, and the config a checkpoint carries (text in memory, as rlc eval
     * reads it) */
    char path[256], err[1024];
    char *seq = unclosed_nest("algo: ", "[", RL_CONFIG_MAX_BYTES);
    cr_assert_eq(load_bytes(seq, strlen(seq), path, sizeof path, err, sizeof err), RL_ERR_PARSE, "%s", err);
    cr_assert(strstr(err, path) && strstr(err, ":1:23: nested deeper than 16 levels"), "%s", err);
    rl_config cfg;
    cr_assert_eq(rl_config_load_string(&cfg, seq, "run/checkpoint.safetensors", NULL, 0, err, sizeof err),
                 RL_ERR_PARSE, "%s", err);
    cr_assert(strstr(err, "run/checkpoint.safetensors:1:23: nested deeper than 16 levels"), "%s", err);
    free(seq);

    /* mappings {a: {a: ...: the key inside the 16th mapping is the 17th level, at column 5 + 15 x 4 + 2 */
    char *map = unclosed_nest("env: ", "{a: ", RL_CONFIG_MAX_BYTES);
    cr_assert_eq(load_bytes(map, strlen(map), path, sizeof path, err, sizeof err), RL_ERR_PARSE, "%s", err);
    cr_assert(strstr(err, path) && strstr(err, ":1:67: nested deeper than 16 levels"), "%s", err);
    free(map);

    /* a --set value (no line or column there): named by its argument, cut short */
    char *set = unclosed_nest("algo=", "[", RL_CONFIG_MAX_BYTES);
    const char *sets[] = {set};
    cr_assert_eq(rl_config_load_string(&cfg, "", "t.yaml", sets, 1, err, sizeof err), RL_ERR_PARSE, "%s", err);
    cr_assert(strstr(err, "--set algo=[[[[") && strstr(err, "nested deeper than 16 levels"), "%s", err);
    cr_assert_lt(strlen(err), 600, "the message repeats the whole --set value: %s", err);
    free(set);
}

Test(config_robust, deep_nesting_in_a_set_value_through_the_program)
{
    /* 100 KB: below the kernel's limit on one argument (128 KiB) */
    char *set = unclosed_nest("algo=", "[", 100000);
    size_t sz = strlen(set) + 512;
    char *cmd = malloc(sz), out[4096];
    snprintf(cmd, sz, "%s train %s/configs/ppo_cartpole.yaml --set '%s' --run-dir /tmp/rlc_test_never_deep 2>&1",
             RLC_BINARY, RLC_SOURCE_DIR, set);
    cr_assert_neq(rlt_run_cmd(cmd, out, sizeof out), 0, "a 100 KB nest of '[' trained: %s", out);
    cr_assert(strstr(out, "--set algo=[[[[") && strstr(out, "nested deeper than 16 levels"), "%s", out);
    cr_assert_lt(strlen(out), 600, "the message repeats the whole --set value: %s", out);
    free(cmd);
    free(set);
}

Test(config_robust, an_alias_inside_the_collection_it_names_is_an_error)
{
    /* libyaml's loader made a cycle of it, which only the depth limit stopped */
    expect_text_error("ppo: &a [1, *a]\n", NULL, RL_ERR_PARSE, "t.yaml:1:13: ", "the alias *a is inside", "cycle");
    expect_text_error("ppo: [1, *b]\n", NULL, RL_ERR_PARSE, "t.yaml:1:10: ", "*b names no anchor", NULL);
}
