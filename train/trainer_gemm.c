/* rlc train: the GEMM dispatch table a run uses (train/trainer_gemm.h). */
#include "train/trainer_gemm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/fs.h"
#include "nn/nn.h"

/* the table the run's checkpoint names (rlc.gemm_table) into id, "" for none or no checkpoint */
static void checkpoint_table(const char *run_dir, char *id, size_t sz)
{
    char path[1100], err[512];
    nn_safetensors *f = NULL;
    id[0] = '\0';
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", run_dir);
    if (!rl_path_exists(path) || nn_safetensors_open(&f, path, err, sizeof err) != RL_OK) return;   /* the resume says why */
    const char *v = nn_safetensors_meta(f, "rlc.gemm_table");
    if (v) snprintf(id, sz, "%s", v);
    nn_safetensors_close(f);
}

/* A resumed run's table: the run directory's copy, used when it was measured on this machine and
 * is the one the checkpoint names; *note says why not otherwise. */
static rl_status pick_recorded(const char *run_dir, nn_gemm_table *t, char *note, size_t note_sz, char *err,
                               size_t err_sz)
{
    char path[1100], named[64], id[24];
    snprintf(path, sizeof path, "%s/%s", run_dir, NN_GEMM_TABLE_FILE);
    checkpoint_table(run_dir, named, sizeof named);
    if (!rl_path_exists(path)) {
        if (named[0])
            snprintf(note, note_sz, "%s is missing, though the checkpoint was trained with GEMM table %s: the fixed "
                     "rule takes every shape, so the resumed run is not bit-identical to one trained on through",
                     path, named);
        return RL_OK;
    }
    rl_status st = nn_gemm_table_read(t, path, err, err_sz);
    if (st != RL_OK) return st;
    char here[NN_GEMM_MACHINE_LEN];
    nn_gemm_machine(here, sizeof here);
    nn_gemm_table_id(t, id, sizeof id);
    if (strcmp(here, t->machine) != 0)
        snprintf(note, note_sz, "%s was measured on another machine (%s; this one: %s): the fixed rule takes every "
                 "GEMM shape instead, so the resumed run is not bit-identical to one trained on through", path,
                 t->machine, here);
    else if (strcmp(named, id) != 0)
        snprintf(note, note_sz, "%s is table %s, but the checkpoint was trained with %s: the fixed rule takes every "
                 "GEMM shape instead", path, id, named[0] ? named : "none");
    else nn_gemm_table_use(t);
    return RL_OK;
}

rl_status trainer_gemm_table_pick(const char *run_dir, bool resume, nn_gemm_table *t, char *note, size_t note_sz,
                                  char *err, size_t err_sz)
{
    note[0] = '\0';
    nn_gemm_table_use(NULL);
    if (!nn_gemm_table_wanted()) return RL_OK;
    char path[1100];
    if (resume) return pick_recorded(run_dir, t, note, note_sz, err, err_sz);
    char why[600];
    if (nn_gemm_cache_path(path, sizeof path, NULL, 0, why, sizeof why) != RL_OK || !rl_path_exists(path))
        return RL_OK;   /* no cache: the fixed rule */
    rl_status st = nn_gemm_table_read(t, path, err, err_sz);
    if (st != RL_OK) {
        size_t n = strlen(err);
        snprintf(err + n, err_sz - n, " (the GEMM dispatch cache: run `rlc calibrate` again, remove the file, or set "
                 "RLC_GEMM=rule to train without it)");
        return st;
    }
    char here[NN_GEMM_MACHINE_LEN];
    nn_gemm_machine(here, sizeof here);
    if (strcmp(here, t->machine) != 0)
        snprintf(note, note_sz, "%s was measured on another machine (%s): not used; `rlc calibrate` measures this one",
                 path, t->machine);
    else nn_gemm_table_use(t);
    return RL_OK;
}

rl_status trainer_gemm_table_record(const char *run_dir, bool resume, char *err, size_t err_sz)
{
    if (resume) return RL_OK;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", run_dir, NN_GEMM_TABLE_FILE);
    const nn_gemm_table *t = nn_gemm_table_in_use();
    if (t) return nn_gemm_table_write(t, path, err, err_sz);
    if (remove(path) != 0 && errno != ENOENT)
        return rl_errf(err, err_sz, RL_ERR_IO, "%s: cannot remove the stale GEMM table: %s", path, strerror(errno));
    return RL_OK;
}
