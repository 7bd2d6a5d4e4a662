/* rlc fuzzing: ablation files.
 *
 * The input is written as ablations/input.yaml in a scratch directory whose top holds links to
 * every file of configs/, so that the seeds' `base: ../ppo_cartpole.yaml` resolve. Then, as
 * `rlc ablate` does before it starts anything: ablation_load, the size of the grid, and for the
 * first runs their run directory names and the config each would train (the base with the
 * ablation's values re-read as --set overrides). Agents are not created and env plugins never
 * loaded. Checks: no crash, leak or undefined behaviour; every error has a message; a loaded
 * ablation's name is one directory name, and no two overrides of a run set the same key (or a
 * section and a key in it), since the later would replace the earlier without a word. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "research/ablation.h"
#include "core/config.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char input_path[600];

/* <scratch>/ablations/ for the input and <scratch>/<name>.yaml -> configs/<name>.yaml */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char dir[400];
    fuzz_configs_scratch("ablation", "ablations", dir, sizeof dir, input_path, sizeof input_path);
    return 0;
}

/* the config of run i, loaded as ablation_validate loads it */
static void load_run(const ablation *a, int i)
{
    static ablation_run r;
    static rl_config cfg;
    char err[1024] = "";
    ablation_run_at(a, i, "runs", &r);
    for (int k = 0; k < r.n_sets; k++)
        for (int j = 0; j < k; j++) {
            char kk[ABL_TEXT], kj[ABL_TEXT];
            ablation_set_key(r.sets[k], kk, sizeof kk);
            ablation_set_key(r.sets[j], kj, sizeof kj);
            fuzz_require(!ablation_keys_overlap(kk, kj), "two overrides of one run set the same key", r.sets[k]);
        }
    const char *sets[ABL_RUN_MAX_SETS];
    for (int k = 0; k < r.n_sets; k++) sets[k] = r.sets[k];
    if (rl_config_load(&cfg, a->bases[r.base], sets, r.n_sets, err, sizeof err) != RL_OK)
        fuzz_require(err[0] != '\0', "a run's config failed without a message", r.run_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ablation a;
    char err[1024] = "";
    FILE *fp = fopen(input_path, "wb");
    fuzz_require(fp && fwrite(data, 1, size, fp) == size && fclose(fp) == 0, "cannot write", input_path);
    if (ablation_load(&a, input_path, NULL, 0, err, sizeof err) != RL_OK) {
        fuzz_require(err[0] != '\0', "ablation_load failed without a message", NULL);
        return 0;
    }
    char why[200];
    fuzz_require(ablation_name_ok(a.name, sizeof a.name, why, sizeof why), "a loaded ablation's name is not one "
                 "directory name", a.name);
    int n = ablation_n_runs(&a);
    for (int i = 0; i < n && i < 8; i++) load_run(&a, i);
    return 0;
}
