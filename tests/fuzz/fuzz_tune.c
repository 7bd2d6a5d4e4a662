/* rlc fuzzing: rlc tune's search files.
 *
 * The input is written as tune/input.yaml in a scratch directory whose top holds links to every
 * file of configs/, so that the seeds' `base: ../ppo_cartpole.yaml` resolve. Then, as `rlc tune`
 * does before it trains anything: tune_load (parsing, every parameter tried on the base config,
 * the trials sampled) and the rungs' schedule. Checks: no crash, leak or undefined behaviour;
 * every error has a message; a loaded search has a value for every parameter of every trial and
 * rungs of at least one trial and one step, its name is one directory name, and no two of a run's
 * overrides (set:, the parameters, the budget's total_steps) set the same key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "research/tune.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char input_path[600];

/* <scratch>/tune/ for the input and <scratch>/<name>.yaml -> configs/<name>.yaml */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[400];
    fuzz_configs_scratch("tune", "tune", dir, sizeof dir, input_path, sizeof input_path);
    char link[900];
    snprintf(link, sizeof link, "%s/zoo", dir);   /* configs/tune/ppo_halfcheetah.yaml's base */
    fuzz_require(symlink(RLC_SOURCE_DIR "/configs/zoo", link) == 0, "cannot link", link);
    return 0;
}

/* the keys of every override of a trial's run: set:, the parameters, total_steps and seed */
static void check_overrides(const tune_search *t)
{
    static char keys[ABL_MAX_SETS + TUNE_MAX_PARAMS + 2][ABL_TEXT];
    int n = 0;
    for (int i = 0; i < t->n_sets; i++) ablation_set_key(t->sets[i], keys[n++], ABL_TEXT);
    for (int j = 0; j < t->n_params; j++) snprintf(keys[n++], ABL_TEXT, "%s", t->params[j].key);
    snprintf(keys[n++], ABL_TEXT, "total_steps");
    snprintf(keys[n++], ABL_TEXT, "seed");
    for (int k = 0; k < n; k++)
        for (int j = 0; j < k; j++) fuzz_require(!ablation_keys_overlap(keys[k], keys[j]), "two overrides set the same key", keys[k]);
    char why[200];
    fuzz_require(ablation_name_ok(t->name, sizeof t->name, why, sizeof why), "the name is not one directory name", t->name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tune_search t;
    char err[1024] = "";
    FILE *fp = fopen(input_path, "wb");
    fuzz_require(fp && fwrite(data, 1, size, fp) == size && fclose(fp) == 0, "cannot write", input_path);
    if (tune_load(&t, input_path, err, sizeof err) != RL_OK) {
        fuzz_require(err[0] != '\0', "tune_load failed without a message", NULL);
        return 0;
    }
    for (int i = 0; i < t.n_trials; i++)
        for (int j = 0; j < t.n_params; j++) fuzz_require(t.values[i][j][0] != '\0', "an empty sampled value", t.params[j].key);
    check_overrides(&t);
    for (int r = 0; r < t.rungs; r++)
        fuzz_require(tune_rung_trials(&t, r) >= 1 && tune_rung_budget(&t, r) >= 1, "an empty rung", t.name);
    tune_free(&t);
    return 0;
}
